"""Every service's load balancer in one sandbox, kept in step with the store.

The balancers live on one event loop in a thread of their own, so a slow request never holds
up the control loop. That loop never takes the store lock itself: it reads and records through
worker threads, because the executor may call `drain` while holding the lock (tests run the
executor inline), and a loop blocked on the lock could then never answer the drain.

Registration follows the store: a task is registered once it is RUNNING (and HEALTHY, if its
container has a health check). Deregistration is `drain`, a ControlPlane.before_stop hook that
runs while the task is DEACTIVATING: the target leaves the rotation at once, and the container
is stopped when nothing is in flight any more, or when the deregistration delay runs out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from sandbox.core import events as wording
from sandbox.core.model import DEACTIVATING, HEALTHY, INACTIVE, RUNNING, Task, service_key
from . import health as th
from .balancer import ServiceBalancer, Target
from .settings import LoadBalancer

log = logging.getLogger(__name__)

SYNC_EVERY = 1.0
"""Real seconds between look-ups besides the ones each control-loop pass asks for."""
KEEPS_TARGET = (RUNNING, DEACTIVATING)
"""Task states whose target stays registered; DEACTIVATING ones are the drain's to remove."""


@dataclass(frozen=True)
class TaskView:
    task_id: str
    last_status: str
    host_port: int | None
    eligible: bool
    target_health: str | None
    deployment_id: str | None = None


@dataclass(frozen=True)
class ServiceView:
    key: str
    name: str
    load_balancer: LoadBalancer
    tasks: tuple[TaskView, ...]
    shares: tuple[str, float] | None = None
    """(primary deployment id, its share of requests in percent) while a blue/green shift runs."""


class LoadBalancers:
    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self.control = sandbox.control
        self.store = sandbox.store
        self.balancers: dict[str, ServiceBalancer] = {}
        """By service key (cluster/name)."""
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._poked: asyncio.Event | None = None
        self._closing = threading.Event()

    # -- life cycle (called from the daemon's thread) -----------------------------------------
    def start(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="load-balancers", daemon=True)
        self._thread.start()
        self._call(self._setup())
        self.control.after_pass.append(self.poke)
        self.control.before_stop.append(self.drain)

    def close(self) -> None:
        self._closing.set()  # releases drains waiting out their delay
        for hooks, hook in ((self.control.after_pass, self.poke), (self.control.before_stop, self.drain)):
            if hook in hooks:
                hooks.remove(hook)
        if self.loop is None:
            return
        try:
            self._call(self._shutdown(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)
            self.loop.close()

    def poke(self) -> None:
        """Look at the store again soon (an after_pass hook: cheap, never blocks)."""
        if self.loop is not None and not self._closing.is_set():
            self.loop.call_soon_threadsafe(self._poked.set)

    def _call(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _setup(self) -> None:
        self._poked = asyncio.Event()
        self._sync_task = asyncio.get_running_loop().create_task(self._sync_forever())

    async def _shutdown(self) -> None:
        # Ended by the flag, not by cancel(): Python 3.11's wait_for can swallow a cancellation
        # that arrives just as the wait completes, and the look-ups would then go on forever.
        self._poked.set()
        done, _ = await asyncio.wait({self._sync_task}, timeout=5)
        if not done:
            self._sync_task.cancel()
        for balancer in list(self.balancers.values()):
            await balancer.close()
        self.balancers.clear()

    # -- what other threads read ---------------------------------------------------------------
    def speed(self) -> float:
        return self.control.clock.speed

    def real(self, sandbox_seconds: float) -> float:
        return sandbox_seconds / self.speed()

    def request_total(self, key: str) -> int | None:
        balancer = self.balancers.get(key)
        return balancer.requests if balancer is not None else None

    def healthy_targets(self, key: str) -> int:
        balancer = self.balancers.get(key)
        return balancer.healthy_count() if balancer is not None else 0

    def traffic(self, key: str) -> dict[str, Any] | None:
        """Live counters for `lb ls`: requests sent, rejected, and per target."""
        balancer = self.balancers.get(key)
        if balancer is None:
            return None
        return {
            "requests": balancer.requests,
            "rejected": balancer.rejected,
            "targets": {t.task_id: {"requests": t.requests, "inFlight": t.in_flight, "reason": t.reason}
                        for t in list(balancer.targets.values())},
        }

    # -- keeping in step with the store -------------------------------------------------------
    async def _sync_forever(self) -> None:
        while not self._closing.is_set():
            try:
                await asyncio.wait_for(self._poked.wait(), SYNC_EVERY)
            except TimeoutError:
                pass
            if self._closing.is_set():
                break
            self._poked.clear()
            try:
                view = await asyncio.to_thread(self._read)
                await self._follow(view)
            except Exception:  # the next look-up tries again
                log.exception("load balancer sync failed")

    def _read(self) -> dict[str, ServiceView]:
        with self.store.lock:
            taskdefs = self.store.task_definitions_by_ref()
            out = {}
            for s in self.store.services.values():
                if s.load_balancer is None or s.status == INACTIVE:
                    continue
                tasks = []
                for t in self.store.tasks_of(s.cluster, s.name):
                    td = taskdefs.get(t.task_definition)
                    container_ok = td is None or td.health_check is None or t.health_status == HEALTHY
                    eligible = (t.last_status == RUNNING and t.desired_status == RUNNING
                                and bool(t.host_port) and container_ok)
                    primary = s.deployments[0].id if s.deployments else None
                    tasks.append(TaskView(t.task_id, t.last_status, t.host_port, eligible, t.target_health,
                                          t.deployment_id or primary))
                shares = None
                if len(s.deployments) > 1 and s.deployment_configuration.strategy != "ROLLING":
                    shares = (s.deployments[0].id, s.deployments[0].traffic_percent)
                out[s.key] = ServiceView(s.key, s.name, s.load_balancer, tuple(tasks), shares)
            return out

    async def _follow(self, view: dict[str, ServiceView]) -> None:
        for key in [k for k in self.balancers if k not in view]:
            await self.balancers.pop(key).close()
        for key, service in view.items():
            balancer = self.balancers.get(key)
            if balancer is None:
                balancer = ServiceBalancer(service.name, service.load_balancer, self.real, self._on_health)
                port = await balancer.start(service.load_balancer.listener_port or 0)
                self.balancers[key] = balancer
                if port != service.load_balancer.listener_port:
                    await asyncio.to_thread(self._record_port, key, port)
            balancer.load_balancer = service.load_balancer
            balancer.shares = service.shares
            balancer.deployment_of = {t.task_id: t.deployment_id for t in service.tasks}
            registered, gone = [], []
            by_id = {t.task_id: t for t in service.tasks}
            for task in service.tasks:
                if task.task_id in balancer.targets or task.task_id in balancer.retired or not task.eligible:
                    continue
                if task.target_health in (th.INITIAL, th.HEALTHY, th.UNHEALTHY):
                    # Registered by an earlier run of the control plane: carry on where it was.
                    balancer.register(task.task_id, task.host_port, task.target_health)
                else:
                    balancer.register(task.task_id, task.host_port)
                    registered.append(task.task_id)
            for task_id in list(balancer.targets):
                task = by_id.get(task_id)
                if task is None or task.last_status not in KEEPS_TARGET:
                    balancer.remove(task_id)  # the container is already on its way out
                    gone.append(task_id)
            balancer.retired &= set(by_id)
            if registered or gone:
                await asyncio.to_thread(self._record_membership, key, balancer.target_group, registered, gone)

    # -- draining (an executor thread, while the task is DEACTIVATING) ------------------------
    def drain(self, task: Task) -> None:
        if self.loop is None or self._closing.is_set() or not task.service:
            return
        key = service_key(task.cluster, task.service)
        balancer = self.balancers.get(key)
        if balancer is None:
            return
        target: Target | None = self._call(self._begin_drain(balancer, task.task_id))
        if target is None:
            return
        self._record_draining(key, task.task_id)
        deadline = time.monotonic() + self.real(balancer.load_balancer.settings.deregistration_delay_seconds)
        # Done as soon as nothing is in flight (as ELB does), else when the delay runs out.
        while not target.idle.is_set() and not self._closing.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                log.info("deregistration delay ran out with %d requests in flight to %s", target.in_flight, task.task_id)
                break
            target.idle.wait(min(left, 0.1))
        if not self._closing.is_set():
            self._call(self._remove(balancer, task.task_id))
        self._record_membership(key, balancer.target_group, [], [task.task_id])

    async def _begin_drain(self, balancer: ServiceBalancer, task_id: str) -> Target | None:
        return balancer.begin_drain(task_id)

    async def _remove(self, balancer: ServiceBalancer, task_id: str) -> None:
        balancer.remove(task_id)

    # -- recording (worker threads, under the store lock) -------------------------------------
    async def _on_health(self, balancer: ServiceBalancer, target: Target, old: str, new: str) -> None:
        key = next((k for k, b in self.balancers.items() if b is balancer), None)
        if key is not None:
            await asyncio.to_thread(self._record_health, key, balancer.target_group, target.task_id,
                                    target.port, new, target.reason)

    def _service(self, key: str):
        return self.store.services.get(key)  # keyed by Service.key, "cluster/name"

    def _touch(self, key: str) -> None:
        self.store.bump()
        self.control.mark_dirty(f"service:{key}")

    def _record_port(self, key: str, port: int) -> None:
        with self.store.lock:
            service = self._service(key)
            if service is not None and service.load_balancer is not None:
                service.load_balancer = replace(service.load_balancer, listener_port=port)
                self.store.save()
                self.store.bump()

    def _record_membership(self, key: str, target_group: str, registered: list[str], gone: list[str]) -> None:
        with self.store.lock:
            service = self._service(key)
            if service is None:
                return
            now = self.control.clock.now()
            for task_id in registered:
                task = self.store.tasks.get(task_id)
                # Only if no health check has been recorded first (this write may run late).
                if task is not None and task.last_status == RUNNING and task.target_health is None:
                    task.target_health = th.INITIAL
                    task.version += 1
            for task_id in gone:
                task = self.store.tasks.get(task_id)
                if task is not None and task.target_health is not None:
                    task.target_health = None
                    task.version += 1
            if registered:
                service.add_event(wording.registered_targets(service.name, len(registered), target_group), now)
            if gone:
                service.add_event(wording.deregistered_targets(service.name, len(gone), target_group), now)
            self._touch(key)

    def _record_draining(self, key: str, task_id: str) -> None:
        with self.store.lock:
            service = self._service(key)
            task = self.store.tasks.get(task_id)
            if service is None or task is None:
                return
            task.target_health = th.DRAINING
            task.version += 1
            service.add_event(wording.draining(service.name, 1), self.control.clock.now())
            self._touch(key)

    def _record_health(self, key: str, target_group: str, task_id: str, port: int, state: str, reason: str) -> None:
        with self.store.lock:
            service = self._service(key)
            task = self.store.tasks.get(task_id)
            if service is None or task is None or task.last_status != RUNNING:
                return
            task.target_health = state
            task.version += 1
            if state == th.UNHEALTHY:
                service.add_event(wording.target_unhealthy(service.name, task_id, port, target_group, reason),
                                  self.control.clock.now())
                # The planner replaces the task (after any grace period), as ECS does.
            self._touch(key)
