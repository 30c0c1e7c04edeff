"""A traffic generator: R requests per second for S seconds at one URL, bounded in both.

Open loop: request i leaves at start + i/R whether or not earlier ones have answered, as
independent users would, so a struggling service shows as latency and errors rather than as
a politely lower rate. An error is any request without an HTTP answer below 400.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from sandbox.lb.balancer import TASK_HEADER

MAX_RPS = 500.0
MAX_SECONDS = 600.0
REQUEST_TIMEOUT = 10.0
MAX_IN_FLIGHT = 1000
"""Beyond this many unanswered requests, new ones are counted as errors instead of sent."""


def check(rps: float, seconds: float) -> None:
    """Raise ValueError with one line when the rate or the duration is out of bounds."""
    if not 0 < rps <= MAX_RPS:
        raise ValueError(f"--rps {rps:g} is out of range: allowed above 0 up to {MAX_RPS:g}")
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"--for {seconds:g} is out of range: allowed above 0 up to {MAX_SECONDS:g} seconds")


@dataclass(frozen=True)
class Result:
    sent_at: float
    """Seconds after the run began."""
    latency_ms: float
    status: int | None
    error: str | None
    task: str | None
    """The task that answered (from the load balancer's header), if any."""

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 400


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.results)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if r.failed)

    def summary(self) -> dict:
        """The shape `traffic --json` prints."""
        latencies = [r.latency_ms for r in self.results if r.status is not None]
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        return {
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": None if p50 is None else round(p50, 2),
            "p99_ms": None if p99 is None else round(p99, 2),
        }

    def statuses(self) -> Counter:
        return Counter(str(r.status) if r.status is not None else r.error for r in self.results)

    def tasks(self) -> Counter:
        return Counter(r.task for r in self.results if r.task)


async def run(url: str, rps: float, seconds: float, on_result: Callable[[Result], None] | None = None) -> Report:
    """Send round(rps × seconds) requests at an even pace; returns when all have answered."""
    check(rps, seconds)
    report = Report()
    total = max(1, round(rps * seconds))
    in_flight = 0
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        began = time.monotonic()

        async def one(sent_at: float) -> None:
            nonlocal in_flight
            start = time.monotonic()
            status = error = task = None
            try:
                async with session.get(url, allow_redirects=False) as response:
                    await response.read()
                    status, task = response.status, response.headers.get(TASK_HEADER)
            except TimeoutError:
                error = "timeout"
            except (aiohttp.ClientError, OSError) as exc:
                error = type(exc).__name__
            finally:
                in_flight -= 1
            result = Result(sent_at, (time.monotonic() - start) * 1000, status, error, task)
            report.results.append(result)
            if on_result:
                on_result(result)

        pending: set[asyncio.Future] = set()  # only the unanswered ones, so a long run stays small
        for i in range(total):
            delay = began + i / rps - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at = time.monotonic() - began
            if in_flight >= MAX_IN_FLIGHT:
                result = Result(sent_at, 0.0, None, f"not sent: {MAX_IN_FLIGHT} requests in flight", None)
                report.results.append(result)
                if on_result:
                    on_result(result)
                continue
            in_flight += 1
            future = asyncio.ensure_future(one(sent_at))
            pending.add(future)
            future.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        report.seconds = time.monotonic() - began
    return report
