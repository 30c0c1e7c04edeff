"""One service's load balancer: a listener on 127.0.0.1, its targets, and their health checks.

Runs on the load balancers' event loop and never touches the store: the manager feeds it
targets and records what it reports. Requests go round robin (an ALB's default) to healthy
targets only; a request that fails is answered 502/504 and never retried behind the caller's
back. Each target counts its requests in flight, so draining can finish as soon as none are.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from . import health as th
from .settings import HEALTH_CHECK_TIMEOUT, SUCCESS_CODES, LoadBalancer

log = logging.getLogger(__name__)

HOP_BY_HOP = frozenset(h.lower() for h in (
    "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
    "Transfer-Encoding", "Upgrade", "Content-Length",
))
TARGET_TIMEOUT = 30.0
"""Real seconds a target may take to answer before the client gets 504 (an ALB's idle timeout is 60)."""
TASK_HEADER = "X-Servicelab-Task"
"""Response header naming the task that answered, so lessons can watch the rotation."""


@dataclass(eq=False)
class Target:
    task_id: str
    port: int
    health: th.TargetHealth = field(default_factory=th.TargetHealth)
    reason: str = ""
    """Why the latest health check failed, in ELB's words."""
    in_flight: int = 0
    requests: int = 0
    idle: threading.Event = field(default_factory=threading.Event)
    """Set while nothing is in flight; the drain waits on it from an executor thread."""
    checker: asyncio.Task | None = None

    def __post_init__(self) -> None:
        self.idle.set()


OnHealth = Callable[["ServiceBalancer", Target, str, str], Awaitable[None]]
"""Called with (balancer, target, old state, new state) after a health state changes."""


class ServiceBalancer:
    def __init__(self, service: str, load_balancer: LoadBalancer, real: Callable[[float], float],
                 on_health: OnHealth) -> None:
        self.service = service
        self.load_balancer = load_balancer
        """The target group, listener and settings; the manager swaps in a new one when they change."""
        self.real = real
        """Sandbox seconds → real seconds (time dilation)."""
        self.on_health = on_health
        self.targets: dict[str, Target] = {}
        self.retired: set[str] = set()
        """Tasks drained or removed: never registered again, even by a look-up read before."""
        self.port: int | None = None
        self.requests = 0
        """Requests sent to a target since the listener started (the RequestCount metric)."""
        self.rejected = 0
        """Requests answered 503 because no target was healthy."""
        self._turn = itertools.count()
        self.shares: tuple[str, float] | None = None
        """(new deployment id, its percent of requests) during a blue/green shift; None otherwise."""
        self.deployment_of: dict[str, str | None] = {}
        self._draw = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._checks: aiohttp.ClientSession | None = None

    @property
    def target_group(self) -> str:
        return self.load_balancer.target_group_arn

    # -- life cycle ---------------------------------------------------------------------------
    async def start(self, port: int = 0) -> int:
        """Listen on `port` (or on any free port if that one is taken); returns the port."""
        # One connection per request: the demo server closes each connection anyway, reusing one
        # the target has already closed would fail a request for no reason, and aiohttp's own
        # retry of a failed reused connection would be a retry behind the caller's back.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True, limit=512),
            timeout=aiohttp.ClientTimeout(total=TARGET_TIMEOUT), auto_decompress=False,
        )
        self._checks = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(force_close=True),
            timeout=aiohttp.ClientTimeout(total=HEALTH_CHECK_TIMEOUT),
        )
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "127.0.0.1", port).start()
        except OSError:
            log.warning("port %s for %s's load balancer is taken; using another", port, self.service)
            await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self.port

    async def close(self) -> None:
        checkers = [t.checker for t in self.targets.values() if t.checker is not None]
        for target in self.targets.values():
            self._stop_checking(target)
            target.idle.set()
        # Wait for the cancelled checks, so none is left on a loop about to close.
        await asyncio.gather(*checkers, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        for session in (self._session, self._checks):
            if session is not None:
                await session.close()

    # -- targets ------------------------------------------------------------------------------
    def register(self, task_id: str, port: int, state: str = th.INITIAL) -> Target:
        target = Target(task_id, port, th.TargetHealth(state))
        self.targets[task_id] = target
        target.checker = asyncio.get_running_loop().create_task(self._check_forever(target))
        return target

    def begin_drain(self, task_id: str) -> Target | None:
        """Take the target out of rotation at once; requests already sent may finish."""
        self.retired.add(task_id)
        target = self.targets.get(task_id)
        if target is not None:
            target.health = th.draining(target.health)
            self._stop_checking(target)
        return target

    def remove(self, task_id: str) -> Target | None:
        self.retired.add(task_id)
        target = self.targets.pop(task_id, None)
        if target is not None:
            self._stop_checking(target)
        return target

    def healthy_count(self) -> int:
        # Read from the auto scaler's thread: copy first (in one step) rather than iterate live.
        return sum(1 for t in list(self.targets.values()) if th.routable(t.health))

    @staticmethod
    def _stop_checking(target: Target) -> None:
        if target.checker is not None:
            target.checker.cancel()
            target.checker = None

    def pick(self) -> Target | None:
        """Round robin over the healthy targets, in the order they registered. During a
        blue/green shift, first the task set by its share (an evenly spread 1-in-100 schedule)."""
        ready = [t for t in self.targets.values() if th.routable(t.health)]
        if self.shares is not None and ready:
            new_id, percent = self.shares
            n = next(self._draw)
            to_new = (n + 1) * percent // 100 > n * percent // 100
            chosen = [t for t in ready if (self.deployment_of.get(t.task_id) == new_id) == to_new]
            ready = chosen or ready  # an empty side falls back to the other rather than failing
        if not ready:
            return None
        return ready[next(self._turn) % len(ready)]

    # -- health checks ------------------------------------------------------------------------
    async def _check_forever(self, target: Target) -> None:
        # The first check runs at registration, then one every interval of sandbox time.
        while True:
            ok, reason = await self.probe(target)
            settings = self.load_balancer.settings
            before = target.health
            target.health = th.after_check(before, ok, settings.healthy_threshold_count, settings.unhealthy_threshold_count)
            target.reason = "" if ok else reason
            if target.health.state != before.state:
                try:
                    await self.on_health(self, target, before.state, target.health.state)
                except Exception:  # recording must not end the checks
                    log.exception("recording the health of %s failed", target.task_id)
            await asyncio.sleep(max(0.2, self.real(settings.health_check_interval_seconds)))

    async def probe(self, target: Target) -> tuple[bool, str]:
        """One health check: (passed, ELB's reason when it did not)."""
        url = f"http://127.0.0.1:{target.port}{self.load_balancer.settings.health_check_path}"
        try:
            async with self._checks.get(url, allow_redirects=False) as response:
                await response.read()
                if response.status in SUCCESS_CODES:
                    return True, ""
                return False, f"Health checks failed with these codes: [{response.status}]"
        except TimeoutError:
            return False, "Request timed out"
        except (aiohttp.ClientError, OSError):
            return False, "Health checks failed"

    # -- proxying -----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        target = self.pick()
        if target is None:
            self.rejected += 1
            return web.Response(status=503, text=f"503 Service Temporarily Unavailable: no healthy targets "
                                                 f"in {self.target_group}\n")
        # Counted before the first await, so a drain that starts now sees this request.
        target.in_flight += 1
        target.idle.clear()
        target.requests += 1
        self.requests += 1
        started = time.monotonic()
        try:
            body = await request.read()
            headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
            headers["X-Forwarded-For"] = request.remote or "127.0.0.1"
            headers["X-Forwarded-Proto"] = "http"
            headers["X-Forwarded-Port"] = str(self.port)
            url = f"http://127.0.0.1:{target.port}{request.rel_url}"
            async with self._session.request(request.method, url, headers=headers, data=body or None,
                                             allow_redirects=False) as upstream:
                payload = await upstream.read()
                out = CIMultiDict((k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP)
                out[TASK_HEADER] = target.task_id
                return web.Response(status=upstream.status, reason=upstream.reason, body=payload, headers=out)
        except TimeoutError:
            return web.Response(status=504, text="504 Gateway Time-out\n", headers={TASK_HEADER: target.task_id})
        except (aiohttp.ClientError, OSError) as exc:
            log.info("request to %s failed after %.3fs: %s", target.task_id[:8], time.monotonic() - started, exc)
            return web.Response(status=502, text="502 Bad Gateway\n", headers={TASK_HEADER: target.task_id})
        finally:
            target.in_flight -= 1
            if target.in_flight == 0:
                target.idle.set()
