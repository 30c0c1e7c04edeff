"""What a control plane does differently when it serves a learner in a workshop.

Which workshop: SERVICELAB_WORKSHOP (set by `servicelab --workshop FILE`, inherited by the
control plane it starts), or the workshop this sandbox was last started for. The sandbox folder
remembers it (`workshop.json`), so a control plane that a learner's plain `servicelab task ls`
starts later keeps the quotas; `servicelab workshop leave` forgets it.

In a workshop the control plane enforces the file's quotas, requires the sandbox's token and
stops itself after the idle timeout. SERVICELAB_IDLE_TIMEOUT (e.g. 30m, off) overrides the
timeout, in a workshop or not.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from sandbox.state import atomic
from sandbox.workshop import tokens
from sandbox.workshop.quotas import Quota
from sandbox.workshop.workshop_file import WorkshopFile, load, parse_duration

log = logging.getLogger(__name__)

WORKSHOP_ENV = "SERVICELAB_WORKSHOP"
IDLE_ENV = "SERVICELAB_IDLE_TIMEOUT"
POINTER_FILE = "workshop.json"


@dataclass(frozen=True)
class Settings:
    workshop: WorkshopFile | None = None
    token: str | None = None
    idle_timeout: float | None = None

    @property
    def quota(self) -> Quota | None:
        return self.workshop.quota if self.workshop else None


def workshop_path(directory: Path) -> Path | None:
    """The workshop file that applies to the sandbox in `directory`, if any."""
    given = os.environ.get(WORKSHOP_ENV)
    if given:
        return Path(given).expanduser().resolve()
    data, _ = atomic.read_json(directory / POINTER_FILE)
    if isinstance(data, dict) and isinstance(data.get("file"), str):
        return Path(data["file"])
    return None


def forget(directory: Path) -> bool:
    """Leave the workshop: later control planes of this sandbox run without quotas or token.

    The token stays until then: a control plane running now still needs it, if only to be shut down.
    """
    try:
        (directory / POINTER_FILE).unlink()
    except FileNotFoundError:
        return False
    return True


def settings(directory: Path) -> Settings:
    """Resolve the settings for a control plane about to start; WorkshopFileError if the file is bad."""
    path = workshop_path(directory)
    workshop = load(path) if path is not None else None
    if workshop is not None:
        atomic.write_json(directory / POINTER_FILE, {"file": str(path), "title": workshop.title})
        os.chmod(directory, 0o700)  # the token, the state and the logs are the learner's alone
        token = tokens.ensure(directory)
    else:
        tokens.discard(directory)
        token = None
    idle = workshop.idle_timeout if workshop is not None else None
    if os.environ.get(IDLE_ENV):
        try:
            idle = parse_duration(os.environ[IDLE_ENV])
        except ValueError as exc:
            raise ValueError(f"{IDLE_ENV}: {exc}") from None
    return Settings(workshop, token, idle)
