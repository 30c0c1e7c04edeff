"""Choosing a runtime: Docker when the engine answers, else local processes, said plainly."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sandbox.state import paths
from .base import RuntimeUnavailable

log = logging.getLogger(__name__)

KINDS = ("docker", "process")
PROCESS_WARNING = (
    "Docker is not available, so tasks run as local processes, not containers: "
    "no isolation, no images, no resource limits. Install Docker for the real thing."
)


def requested_kind(kind: str | None) -> str | None:
    kind = kind or os.environ.get("SERVICELAB_RUNTIME") or None
    if kind is not None and kind not in KINDS:
        raise ValueError(f"runtime {kind!r} is not known; allowed: {', '.join(KINDS)}")
    return kind


def select_runtime(kind: str | None, sandbox: str, directory: Path):
    """The runtime asked for, or the best one available; raises RuntimeUnavailable for docker."""
    kind = requested_kind(kind)
    if kind in (None, "docker"):
        from .docker_runtime import DockerRuntime

        try:
            return DockerRuntime(sandbox, home=str(paths.home().resolve()))
        except RuntimeUnavailable:
            if kind == "docker":
                raise
            log.warning(PROCESS_WARNING)
    from .process import ProcessRuntime

    return ProcessRuntime(sandbox=sandbox, state_dir=directory / "processes")
