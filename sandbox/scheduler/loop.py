"""The control loop: events mark keys dirty, a pass plans each dirty key, the plan is applied.

Level-triggered: nothing here trusts what an event said. An event from the runtime or a
request from a person only marks a key dirty; each pass re-lists the runtime, re-reads the
store and asks the pure planner what to do. A slow periodic resync marks everything dirty, so
a missed event costs latency, never correctness.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Callable

from sandbox.core.clock import Clock
from sandbox.core.model import Task, new_task_id
from ..runtime.base import ObservedContainer, Runtime, RuntimeError_, RuntimeUnavailable
from sandbox.state.store import Store
from . import keys
from .adoption import adopt_strangers, reconcile_records
from .apply import apply_plan
from .executor import TaskExecutor
from .placement import Fleet
from .planner import plan_service, plan_standalone

log = logging.getLogger(__name__)

RESYNC_INTERVAL = 30.0
FOLLOW_UP = 1.0


class ControlPlane:
    """Keeps every service of one sandbox at its desired count, on one runtime."""

    def __init__(
        self,
        sandbox: str,
        store: Store,
        runtime: Runtime,
        clock: Clock,
        *,
        executor: Executor | None = None,
        parallelism: int = 8,
        resync_interval: float = RESYNC_INTERVAL,
        new_id: Callable[[], str] = new_task_id,
    ) -> None:
        self.sandbox = sandbox
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.resync_interval = resync_interval
        self.new_id = new_id
        self.pool = executor or ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="executor")
        """Where the executor's jobs run; tests pass an InlineExecutor."""
        self.engine_ok = True
        """Whether the runtime answered on the latest pass."""
        self.engine_error: str | None = None
        self._dirty: set[str] = set()
        self._requeue: dict[str, float] = {}
        self._next_resync = 0.0
        self._obs_seq = 0
        self._inherited: set[str] = set()
        """Tasks recorded by an earlier process and not yet checked against the engine."""
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pass_lock = threading.Lock()
        self.before_stop: list[Callable[[Task], None]] = []
        """Called (on an executor thread, may block briefly) before a running task's container is
        stopped: the load balancer deregisters the target and drains it here."""
        self.after_pass: list[Callable[[], None]] = []
        """Called after every pass, outside the store lock (cheap, non-blocking work only)."""
        self.executor = TaskExecutor(sandbox, store, runtime, clock, self.pool, self.mark_dirty,
                                     lambda: self._obs_seq, self.before_stop)

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Adopt what the runtime already runs for us, then run the loop and the watcher."""
        self.recover()
        for target, name in ((self._loop, "reconcile"), (self._watch, "watch")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def close(self, remove_everything: bool = False) -> None:
        """Stop the loop; with remove_everything, stop and remove every container we own."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if isinstance(self.pool, ThreadPoolExecutor):
            self.pool.shutdown(wait=True, cancel_futures=True)
        if remove_everything:
            self.remove_everything()
        with self.store.lock:
            self.store.save()
        self.runtime.close()

    def remove_everything(self) -> int:
        """Stop and remove every container this sandbox owns; records the tasks as stopped."""
        return self.executor.remove_everything()

    def recover(self) -> None:
        """Check every recorded task against what the runtime runs, after a (possibly violent) restart.

        Nothing an earlier process recorded is trusted: a task whose container went while no
        control plane watched is stopped and replaced, whichever way the last one ended.
        """
        with self.store.lock:
            self._inherited = set(self.store.tasks)
        try:
            containers = self.runtime.list_owned()
        except RuntimeUnavailable as exc:
            # The first pass that reaches the engine does the checking (reconcile_once).
            self._engine_down(str(exc), self.all_keys())
            return
        now = self.clock.now()
        with self.store.lock:
            self._check_inherited(containers, now)
            self._dirty |= adopt_strangers(self.store, containers, now, self.executor)
            self.store.save()
            self.store.bump()
        self._dirty |= self.all_keys()
        self._wake.set()

    def _check_inherited(self, containers: list[ObservedContainer], now: float) -> None:
        reconcile_records(self.store, containers, now, self.executor, self._inherited)
        self._inherited = set()

    # -- dirty marking ------------------------------------------------------------------------
    def mark_dirty(self, key: str) -> None:
        with self.store.lock:
            self._dirty.add(key)
        self._wake.set()

    def mark_task_dirty(self, task_id: str) -> None:
        """The runtime says something happened to this task's container."""
        with self.store.lock:
            task = self.store.tasks.get(task_id)
            # A container we have no record of, or events the stream missed (EVENTS_MISSED, no
            # task id): the next pass is a resync.
            key = keys.key_of(task) if task else keys.RESYNC
            self._dirty.add(key)
            # Look once more a little later: an engine may announce a change before its
            # listings show it, and the next event could be far off.
            follow_up = self.clock.now() + FOLLOW_UP
            self._requeue[key] = min(self._requeue.get(key, follow_up), follow_up)
        self._wake.set()

    def all_keys(self) -> set[str]:
        with self.store.lock:
            found = {keys.for_service(s.cluster, s.name) for s in self.store.services.values()}
            found |= {keys.for_oneoffs(c) for c in self.store.clusters}
            return found

    # -- the loop -----------------------------------------------------------------------------
    def _watch(self) -> None:
        while not self._stopping.is_set():
            try:
                self.runtime.watch(self.mark_task_dirty, self._stopping)
            except RuntimeError_ as exc:
                log.warning("event stream lost: %s", exc)
                self._stopping.wait(1.0)
            except Exception:  # the watcher must outlive any one broken stream
                log.exception("event stream crashed; reconnecting")
                self._stopping.wait(1.0)

    def _loop(self) -> None:
        speed = self.clock.speed
        while not self._stopping.is_set():
            now = self.clock.now()
            with self.store.lock:
                due = [self._next_resync, *self._requeue.values()]
            wait = max(0.0, (min(due) - now) / speed)
            self._wake.wait(timeout=min(wait, self.resync_interval))
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self.reconcile_once()
            except Exception:  # a bad pass must not end the loop; the next one retries
                log.exception("reconcile pass failed")
                self._stopping.wait(0.5)

    def reconcile_once(self) -> None:
        """One pass: list the runtime once, then plan and act for every dirty or due key."""
        with self._pass_lock:
            due, seq = self._take_due_keys(self.clock.now())
            if not due:
                return
            try:
                containers = self.runtime.list_owned()
            except RuntimeUnavailable as exc:
                self._engine_down(str(exc), due)
                return
            if not self.engine_ok:
                log.warning("engine is back")
            self.engine_ok, self.engine_error = True, None
            observed = {c.task_id: c for c in containers}
            now = self.clock.now()
            with self.store.lock:
                if self._inherited:  # the engine was down when this process started
                    self._check_inherited(containers, now)
                    due |= self.all_keys() | {keys.RESYNC}
                if keys.RESYNC in due:
                    self._dirty |= adopt_strangers(self.store, containers, now, self.executor)
                for key in sorted(due - {keys.RESYNC}):
                    self._reconcile_key(key, observed, seq, now)
                self.store.prune_stopped()
                self.store.bump()
            self.store.save()
            for hook in self.after_pass:
                try:
                    hook()
                except Exception:
                    log.exception("after-pass hook failed")

    def _take_due_keys(self, now: float) -> tuple[set[str], int]:
        """The keys this pass looks at (dirty, due, or all on a resync), and its listing number."""
        with self.store.lock:
            due = set(self._dirty)
            self._dirty.clear()
            for key, at in list(self._requeue.items()):
                if at <= now:
                    due.add(key)
                    del self._requeue[key]
            if now >= self._next_resync or keys.RESYNC in due:
                due |= self.all_keys()
                due.add(keys.RESYNC)
                self._next_resync = now + self.resync_interval
            seq = self._obs_seq
            self._obs_seq += 1
            return due, seq

    def _engine_down(self, error: str, due: set[str]) -> None:
        with self.store.lock:
            if self.engine_ok:
                log.warning("engine unavailable: %s", error)
            self.engine_ok, self.engine_error = False, error
            # Try again soon; until then nothing is judged, since nothing can be seen.
            self._dirty |= due
            self._requeue[keys.RESYNC] = self.clock.now() + 2.0
            self.store.bump()

    def _reconcile_key(self, key: str, observed: dict[str, ObservedContainer], seq: int, now: float) -> None:
        kind, _, rest = key.partition(":")
        if kind == "oneoff":
            plan = plan_standalone(self.store.tasks_of(rest, None), observed, seq)
            self._apply(key, None, plan, now)
            return
        cluster, _, name = rest.partition("/")
        service = self.store.service(cluster, name)
        if service is None:
            return
        tasks = self.store.tasks_of(cluster, name)
        cluster_tasks = [t for t in self.store.tasks.values() if t.cluster == cluster and t.is_live]
        taskdefs = self.store.task_definitions_by_ref()
        instances = self.store.instances_of(cluster)
        fleet = Fleet.build(instances, cluster_tasks, [t for t in tasks if t.is_live], taskdefs) if instances else None
        plan = plan_service(service, taskdefs, tasks, observed, seq, now, self.new_id, fleet)
        self._apply(key, service, plan, now)

    def _apply(self, key: str, service, plan, now: float) -> None:
        apply_plan(self.store, service, plan, now, self.executor)
        if plan.requeue_after is not None:
            self._requeue[key] = now + plan.requeue_after
