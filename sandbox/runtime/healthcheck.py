"""Container health checks outside Docker: Docker's state machine, and running one probe."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from sandbox.core.model import HealthCheck
from .base import HEALTH_HEALTHY, HEALTH_STARTING, HEALTH_UNHEALTHY


class HealthTracker:
    """Docker's rules: "starting" until a probe passes; failures inside start_period do not
    count while still starting; `retries` failures in a row make it "unhealthy"; a pass, "healthy"."""

    def __init__(self, check: HealthCheck, started_at: float, status: str = HEALTH_STARTING) -> None:
        self.check = check
        self.started_at = started_at
        self.status = status
        self.failures = 0

    def record(self, passed: bool, now: float) -> bool:
        """Take one probe's result; True when the status changed."""
        before = self.status
        if passed:
            self.failures = 0
            self.status = HEALTH_HEALTHY
        elif not (self.status == HEALTH_STARTING and now - self.started_at < self.check.start_period):
            self.failures += 1
            if self.failures >= self.check.retries:
                self.status = HEALTH_UNHEALTHY
        return self.status != before


def probe_argv(command: tuple[str, ...]) -> list[str]:
    """The argv of a CMD or CMD-SHELL health check command."""
    kind, *rest = command
    if kind == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(rest)]
    if kind == "CMD":
        return list(rest)
    return list(command)


def probe(command: tuple[str, ...], env: dict[str, str], cwd: Path, timeout: float, cancel: threading.Event) -> bool:
    """Run one probe; it passes when it exits 0 within timeout. Cancelling kills it."""
    try:
        proc = subprocess.Popen(
            probe_argv(command), env=env, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            # Its own group, so a timeout kills what the shell started too.
            start_new_session=True,
        )
    except OSError:
        return False
    deadline = time.monotonic() + timeout
    while True:
        try:
            return proc.wait(timeout=0.05) == 0
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline or cancel.is_set():
                # Safe: proc is our unreaped child, so its pid (and group) is still its own.
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                return False
