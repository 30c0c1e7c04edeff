"""Where a sandbox keeps its files. SERVICELAB_HOME overrides the platform's state directory."""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path

import platformdirs

SANDBOX_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def home() -> Path:
    override = os.environ.get("SERVICELAB_HOME")
    return Path(override) if override else platformdirs.user_state_path("servicelab")


def default_sandbox_name() -> str:
    name = os.environ.get("SERVICELAB_SANDBOX")
    if name:
        return name
    try:
        login = getpass.getuser()
    except Exception:  # no login name in some containers; any stable name will do
        login = "learner"
    cleaned = re.sub(r"[^a-z0-9_-]", "-", login.lower()).strip("-") or "learner"
    return cleaned[:40]


def check_sandbox_name(name: str) -> str:
    if not SANDBOX_NAME.match(name):
        raise ValueError(
            f"sandbox name {name!r} is not allowed: use 1-40 lowercase letters, digits, '-' or '_', starting with a letter or digit"
        )
    return name


def sandbox_dir(name: str, in_home: Path | None = None) -> Path:
    """The sandbox's folder, in `in_home` or in the current home."""
    return (in_home or home()) / "sandboxes" / check_sandbox_name(name)


def ensure_sandbox_dir(name: str) -> Path:
    path = sandbox_dir(name)
    path.mkdir(parents=True, exist_ok=True)
    return path
