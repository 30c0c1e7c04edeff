"""Idle cleanup: a sandbox that nobody has used for a while stops and removes its containers.

"Used" means an API request: the CLI, the AWS CLI, or an open app (whose live view keeps a
long poll in flight, so a sandbox never expires under an open app). A request still in flight,
such as `task logs --follow`, counts as use for as long as it lasts.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Callable

MAX_CHECK_EVERY = 30.0


class IdleWatch:
    """Tracks the last request; `run` calls `on_idle(seconds)` once the timeout passes unused."""

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.timeout = timeout
        self.clock = clock
        self._lock = threading.Lock()
        self._last = clock()
        self._in_flight = 0

    def begin(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._last = self.clock()

    def end(self) -> None:
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            self._last = self.clock()

    def idle_for(self) -> float:
        with self._lock:
            return 0.0 if self._in_flight else self.clock() - self._last

    async def run(self, on_idle: Callable[[float], None]) -> None:
        # A tenth of the timeout between looks: cheap, and late by at most that much.
        every = min(max(self.timeout / 10, 0.2), MAX_CHECK_EVERY)
        while True:
            await asyncio.sleep(every)
            idle = self.idle_for()
            if idle >= self.timeout:
                on_idle(idle)
                return
