"""A workshop sandbox's API token: a secret in the learner's sandbox folder, readable by them only.

In a workshop every learner's control plane listens on 127.0.0.1 of the same machine, so a port
number is no boundary: the token is. The servicelab CLI and app send it in a header; the AWS CLI
and SDKs use it as their secret key (`servicelab aws-env` prints it), so it never crosses the
wire there. Outside workshops there is no token and nothing is checked.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sandbox.state import paths

TOKEN_FILE = "token"
HEADER = "X-Servicelab-Token"


def ensure(directory: Path) -> str:
    """The sandbox's token, created (mode 0600) on first use and kept across restarts."""
    path = directory / TOKEN_FILE
    try:
        # O_EXCL: two control planes racing for one sandbox never write two different tokens.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        token = path.read_text(encoding="ascii").strip()
        if token:
            return token
        path.unlink()
        return ensure(directory)
    token = secrets.token_hex(24)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token


def read(sandbox: str) -> str | None:
    """The token of `sandbox` if it has one and we may read it; None otherwise."""
    try:
        text = (paths.sandbox_dir(sandbox) / TOKEN_FILE).read_text(encoding="ascii").strip()
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return text or None


def discard(directory: Path) -> None:
    """A sandbox leaving workshop mode forgets its token, so clients stop sending a stale one."""
    try:
        (directory / TOKEN_FILE).unlink()
    except FileNotFoundError:
        pass
