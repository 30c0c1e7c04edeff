"""Time as an input: the control plane asks a clock, so tests can fast-forward it."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    speed: float
    """How many times faster than real time it runs (1.0 unless dilated)."""

    def now(self) -> float:
        """Seconds since the epoch."""


class SystemClock:
    """The wall clock, optionally running faster than real time (time dilation)."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._origin_wall = time.time()
        self._origin_mono = time.monotonic()

    def now(self) -> float:
        if self.speed == 1.0:
            return time.time()
        return self._origin_wall + (time.monotonic() - self._origin_mono) * self.speed


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_800_000_000.0, speed: float = 1.0) -> None:
        self._now = start
        self.speed = speed
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
