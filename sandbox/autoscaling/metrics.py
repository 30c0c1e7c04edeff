"""The metrics target tracking follows, sampled from real sources.

CPU is ECSServiceAverageCPUUtilization as ECS computes it for EC2 tasks: the CPU a task's
container uses as a percentage of the CPU units it reserved (Docker's 100% is one core; a task
with 512 units reserves half a core). It can pass 100%, since cpu units are shares, not a cap.

Requests is ALBRequestCountPerTarget: requests the load balancer sent per minute, divided by
the healthy targets. Both are rates in real time, whatever the sandbox clock's speed: time
dilation shortens waits (the window, cooldowns), not what a container does per second.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW = 60.0
"""Sandbox seconds of samples a decision averages, as CloudWatch's one-minute period."""


@dataclass
class Window:
    """One service's samples since its latest scaling activity, over at most WINDOW seconds."""

    span: float = WINDOW
    samples: deque = field(default_factory=deque)
    """(sandbox time, value, capacity) triples, oldest first."""

    def add(self, at: float, value: float, capacity: int) -> None:
        self.samples.append((at, value, capacity))

    def values(self, now: float) -> list[float]:
        while self.samples and self.samples[0][0] < now - self.span:
            self.samples.popleft()
        return [value for _, value, _ in self.samples]

    def capacity(self) -> int:
        return self.samples[-1][2] if self.samples else 0

    def clear(self) -> None:
        self.samples.clear()


class CpuSampler:
    """Average CPU of a service's running tasks, as a percentage of what each reserved."""

    def __init__(self, stats: Callable[[str], object]) -> None:
        self.stats = stats
        """runtime.stats: container id → Stats or None."""
        self._seen: set[str] = set()

    def sample(self, containers: list[tuple[str, int]]) -> tuple[float, int] | None:
        """(mean percent, tasks sampled) over (container id, cpu units) pairs; None without data.

        A container's first reading has nothing to compare with (the runtime reports 0), so it
        only primes the next one.
        """
        values = []
        for container_id, cpu_units in containers:
            try:
                stats = self.stats(container_id)
            except Exception:  # an engine hiccup costs one sample, not the loop
                stats = None
            if stats is None:
                continue
            if container_id not in self._seen:
                self._seen.add(container_id)
                continue
            values.append(stats.cpu_percent * 1024.0 / max(1, cpu_units))
        alive = {c for c, _ in containers}
        self._seen &= alive
        if not values:
            return None
        return sum(values) / len(values), len(values)


class RequestSampler:
    """Requests per minute per healthy target, from the load balancer's running count."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self._last: tuple[int, float] | None = None

    def sample(self, total: int | None, healthy: int) -> tuple[float, int] | None:
        """(rate per target, healthy targets) since the previous call; None without data."""
        now = self.monotonic()
        last, self._last = self._last, (total, now) if total is not None else None
        if total is None or last is None or healthy <= 0:
            return None
        count, at = last
        elapsed = now - at
        if elapsed <= 0 or total < count:  # a restarted listener starts counting again
            return None
        return (total - count) / elapsed * 60.0 / healthy, healthy
