"""The control loop: events mark services dirty, a pass plans each dirty one, the executor acts.

Level-triggered: nothing here trusts what an event said. An event from the runtime or a
request from a person only marks a key dirty; each pass re-lists the runtime, re-reads the
store and asks the pure planner what to do. A slow periodic resync marks everything dirty, so
a missed event costs latency, never correctness.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Callable

from . import events as wording
from . import planner
from .clock import Clock
from .model import (
    ACTIVATING,
    NOT_YET_RUNNING,
    PENDING,
    RUNNING,
    SHUTTING_DOWN,
    STOPPED,
    STOPPING,
    DEACTIVATING,
    DEPROVISIONING,
    TASK_FAILED_TO_START,
    USER_INITIATED,
    Task,
    new_task_id,
)
from .runtime.base import (
    LABEL_CLUSTER,
    LABEL_SERVICE,
    LABEL_TASK_DEFINITION,
    RUNNING as CONTAINER_RUNNING,
    ImageMissing,
    LaunchSpec,
    ObservedContainer,
    Runtime,
    RuntimeError_,
    RuntimeUnavailable,
)
from .placement import Fleet
from .store import Store

log = logging.getLogger(__name__)

RESYNC_INTERVAL = 30.0
FOLLOW_UP = 1.0
DECISIONS_KEPT = 30
LOG_LINES_KEPT = 50
STOP_TIMEOUT = 2.0


def _oneoff_key(cluster: str) -> str:
    return f"oneoff:{cluster}"


def _service_key(cluster: str, name: str) -> str:
    return f"service:{cluster}/{name}"


def key_of(task: Task) -> str:
    return _service_key(task.cluster, task.service) if task.service else _oneoff_key(task.cluster)


class InlineExecutor(Executor):
    """Runs work at once on the caller's thread, so controller tests are deterministic."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the future carries it, as a pool would
            future.set_exception(exc)
        return future


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
        self.executor = executor or ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="executor")
        self.engine_ok = True
        """Whether the runtime answered on the latest pass."""
        self.engine_error: str | None = None
        self._dirty: set[str] = set()
        self._requeue: dict[str, float] = {}
        self._next_resync = 0.0
        self._obs_seq = 0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pass_lock = threading.Lock()
        self.before_stop: list[Callable[[Task], None]] = []
        """Called (on an executor thread, may block briefly) before a running task's container is
        stopped: the load balancer deregisters the target and drains it here."""
        self.after_pass: list[Callable[[], None]] = []
        """Called after every pass, outside the store lock (cheap, non-blocking work only)."""

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
        if isinstance(self.executor, ThreadPoolExecutor):
            self.executor.shutdown(wait=True, cancel_futures=True)
        if remove_everything:
            self.remove_everything()
        with self.store.lock:
            self.store.save()
        self.runtime.close()

    def remove_everything(self) -> int:
        """Stop and remove every container this sandbox owns; records the tasks as stopped."""
        try:
            owned = self.runtime.list_owned()
        except RuntimeUnavailable:
            return 0
        threads = [threading.Thread(target=self._remove_quietly, args=(c.container_id,)) for c in owned]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            self.runtime.release()
        except RuntimeError_ as exc:
            log.warning("could not release shared resources: %s", exc)
        now = self.clock.now()
        with self.store.lock:
            for task in self.store.iter_tasks():
                if task.last_status != STOPPED:
                    task.desired_status = STOPPED
                    task.stop_code = task.stop_code or USER_INITIATED
                    task.stopped_reason = task.stopped_reason or "Sandbox shut down by user"
                    self._finish(task, now)
            self.store.bump()
        return len(owned)

    def _remove_quietly(self, container_id: str) -> None:
        try:
            self.runtime.stop(container_id, timeout=1.0)
            self.runtime.remove(container_id)
        except RuntimeError_ as exc:
            log.warning("could not remove %s: %s", container_id, exc)

    # -- dirty marking ------------------------------------------------------------------------
    def mark_dirty(self, key: str) -> None:
        with self.store.lock:
            self._dirty.add(key)
        self._wake.set()

    def mark_task_dirty(self, task_id: str) -> None:
        """The runtime says something happened to this task's container."""
        with self.store.lock:
            task = self.store.tasks.get(task_id)
            # A container we have no record of is looked at by the next resync.
            key = key_of(task) if task else "resync"
            self._dirty.add(key)
            # Look once more a little later: an engine may announce a change before its
            # listings show it, and the next event could be far off.
            follow_up = self.clock.now() + FOLLOW_UP
            self._requeue[key] = min(self._requeue.get(key, follow_up), follow_up)
        self._wake.set()

    def all_keys(self) -> set[str]:
        with self.store.lock:
            keys = {_service_key(s.cluster, s.name) for s in self.store.services.values()}
            keys |= {_oneoff_key(c) for c in self.store.clusters}
            return keys

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
            now = self.clock.now()
            with self.store.lock:
                keys = set(self._dirty)
                self._dirty.clear()
                for key, due in list(self._requeue.items()):
                    if due <= now:
                        keys.add(key)
                        del self._requeue[key]
                if now >= self._next_resync or "resync" in keys:
                    keys |= self.all_keys()
                    keys.add("resync")
                    self._next_resync = now + self.resync_interval
                seq = self._obs_seq
                self._obs_seq += 1
            if not keys:
                return
            try:
                containers = self.runtime.list_owned()
            except RuntimeUnavailable as exc:
                self._engine_down(str(exc), keys)
                return
            if not self.engine_ok:
                log.warning("engine is back")
            self.engine_ok, self.engine_error = True, None
            observed = {c.task_id: c for c in containers}
            now = self.clock.now()
            with self.store.lock:
                if "resync" in keys:
                    self._adopt_strangers(containers, now)
                for key in sorted(keys - {"resync"}):
                    self._reconcile_key(key, observed, seq, now)
                self.store.prune_stopped()
                self.store.bump()
            self.store.save()
            for hook in self.after_pass:
                try:
                    hook()
                except Exception:
                    log.exception("after-pass hook failed")

    def _engine_down(self, error: str, keys: set[str]) -> None:
        with self.store.lock:
            if self.engine_ok:
                log.warning("engine unavailable: %s", error)
            self.engine_ok, self.engine_error = False, error
            # Try again soon; until then nothing is judged, since nothing can be seen.
            self._dirty |= keys
            self._requeue["resync"] = self.clock.now() + 2.0
            self.store.bump()

    def _reconcile_key(self, key: str, observed: dict[str, ObservedContainer], seq: int, now: float) -> None:
        kind, _, rest = key.partition(":")
        if kind == "oneoff":
            tasks = self.store.tasks_of(rest, None)
            plan = planner.plan_standalone(tasks, observed, seq)
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
        plan = planner.plan_service(service, taskdefs, tasks, observed, seq, now, self.new_id, fleet)
        self._apply(key, service, plan, now)

    # -- applying a plan ----------------------------------------------------------------------
    def _apply(self, key: str, service, plan: planner.Plan, now: float) -> None:
        tasks = self.store.tasks
        for task_id, health in plan.health.items():
            tasks[task_id].health_status = health
            tasks[task_id].version += 1
        # Starts go first: a replacement should not wait behind the cleanup of what it replaces.
        launches: list[Future] = []
        if plan.service_task_definition:
            service.task_definition = plan.service_task_definition
        if plan.deployments is not None:
            service.deployments = plan.deployments
        for task_id, deployment_id in plan.adopt.items():
            tasks[task_id].deployment_id = deployment_id
        for start in plan.starts:
            task = Task(
                task_id=start.task_id,
                cluster=service.cluster,
                task_definition=start.task_definition or service.task_definition,
                service=service.name,
                created_at=now,
                deployment_id=start.deployment_id,
                instance_id=start.instance_id,
                zone=start.zone,
            )
            tasks[task.task_id] = task
            launches.append(self.executor.submit(self.launch, task.task_id))
        for reap in plan.reaps:
            task = tasks[reap.task_id]
            task.desired_status = STOPPED
            task.stop_code = reap.stop_code
            task.stopped_reason = reap.reason
            task.exit_code = reap.exit_code
            task.container_reason = reap.container_reason
            task.stopping_at = now
            task.set_status(DEPROVISIONING)
            self.executor.submit(self._deprovision, task.task_id, launches)
        for stop in plan.stops:
            task = tasks[stop.task_id]
            task.desired_status = STOPPED
            task.stop_code = stop.stop_code
            task.stopped_reason = stop.reason
            task.stopping_at = now
            if task.last_status in NOT_YET_RUNNING:
                continue  # the launch sees desiredStatus STOPPED and stops it itself
            task.set_status(DEACTIVATING)
            self.executor.submit(self._stop, task.task_id)
        if service is not None:
            for message in plan.events:
                service.add_event(message, now)
            # A pass that changes nothing is not worth a line, except for a note not said yet.
            said = {d["text"] for d in service.decisions}
            texts = [] if plan.is_empty else list(plan.decisions)
            texts += [text for text in plan.notes if text not in said]
            for text in texts:
                service.decisions.insert(0, {"at": now, "text": text})
            del service.decisions[DECISIONS_KEPT:]
            if plan.service_status:
                service.status = plan.service_status
            if service.chaos is not None:
                if plan.chaos_done:
                    service.chaos = None
                elif plan.chaos_fired:
                    service.chaos.stopped += 1
                    service.chaos.next_at = now + service.chaos.every
        if plan.requeue_after is not None:
            self._requeue[key] = now + plan.requeue_after

    # -- executor work (runs on pool threads) -------------------------------------------------
    def launch(self, task_id: str) -> None:
        with self.store.lock:
            task = self.store.tasks.get(task_id)
            if task is None:
                return
            if task.desired_status == STOPPED:
                self._finish(task, self.clock.now())
                self.store.bump()
                return
            taskdef = self.store.task_definition(task.task_definition)
            task.set_status(PENDING)
            spec = None
            if taskdef is not None:
                spec = LaunchSpec(
                    sandbox=self.sandbox,
                    cluster=task.cluster,
                    task_id=task.task_id,
                    task_definition=taskdef.ref,
                    image=taskdef.image,
                    service=task.service,
                    command=taskdef.command,
                    environment=taskdef.environment + (("SERVICELAB_TASK_ID", task.task_id), ("SERVICELAB_TASK_DEFINITION", taskdef.ref)),
                    cpu=taskdef.cpu,
                    memory=taskdef.memory,
                    container_port=taskdef.container_port,
                    health_check=taskdef.health_check,
                    instance_id=task.instance_id,
                    zone=task.zone,
                    network_mode=taskdef.network_mode,
                )
                task.set_status(ACTIVATING)
            self.store.bump()
        if spec is None:
            self._failed_to_start(task_id, f"ClientException: task definition {task.task_definition} not found")
            return
        try:
            launched = self.runtime.launch(spec)
        except ImageMissing as exc:
            self._failed_to_start(task_id, f"CannotPullContainerError: {exc}")
            return
        except RuntimeError_ as exc:
            self._failed_to_start(task_id, f"CannotCreateContainerError: {exc}")
            return
        with self.store.lock:
            task.container_id = launched.container_id
            task.host_port = launched.host_port
            task.started_at = launched.started_at or self.clock.now()
            # Listings that began before now may not show the container yet.
            task.launch_seq = self._obs_seq
            task.set_status(RUNNING)
            if task.desired_status == STOPPED:
                task.set_status(DEACTIVATING)
                self.executor.submit(self._stop, task_id)
            self._dirty.add(key_of(task))
            self.store.bump()
        self._wake.set()

    def _failed_to_start(self, task_id: str, reason: str) -> None:
        with self.store.lock:
            task = self.store.tasks[task_id]
            task.desired_status = STOPPED
            task.stop_code = TASK_FAILED_TO_START
            task.stopped_reason = reason
            self._finish(task, self.clock.now())
            if task.service:
                service = self.store.service(task.cluster, task.service)
                if service is not None:
                    message = wording.unable_to_place(task.service, reason)
                    if not (service.events and service.events[0].message == message):
                        service.add_event(message, self.clock.now())
            self._dirty.add(key_of(task))
            self.store.bump()
        self._wake.set()

    def _stop(self, task_id: str) -> None:
        with self.store.lock:
            task = self.store.tasks[task_id]
            container_id = task.container_id
        # Still DEACTIVATING: this is where a load balancer lets the task's requests finish.
        for hook in self.before_stop:
            try:
                hook(task)
            except Exception:  # a broken hook must not keep a task from stopping
                log.exception("before-stop hook failed for %s", task_id)
        with self.store.lock:
            task.set_status(STOPPING)
            self.store.bump()
        exit_code = None
        if container_id:
            try:
                exit_code = self.runtime.stop(container_id, timeout=STOP_TIMEOUT)
            except RuntimeError_ as exc:
                log.warning("stopping %s: %s", task_id, exc)
        with self.store.lock:
            if task.exit_code is None:
                task.exit_code = exit_code
            task.set_status(DEPROVISIONING)
            self.store.bump()
        self._deprovision(task_id)

    def _deprovision(self, task_id: str, after: list[Future] = ()) -> None:
        # The engine does one thing at a time more than it admits; removing the dead
        # container while its replacement is being created slows the replacement down.
        wait_futures(after, timeout=STOP_TIMEOUT * 5)
        with self.store.lock:
            task = self.store.tasks[task_id]
            container_id = task.container_id
        tail = ""
        if container_id:
            try:
                tail = "".join(self.runtime.logs(container_id, tail=LOG_LINES_KEPT))
            except RuntimeError_:
                pass
            try:
                self.runtime.remove(container_id)
            except RuntimeError_ as exc:
                log.warning("removing %s: %s", task_id, exc)
        with self.store.lock:
            task.logs_tail = tail
            self._finish(task, self.clock.now())
            self._dirty.add(key_of(task))
            self.store.bump()
        self._wake.set()

    def _finish(self, task: Task, now: float) -> None:
        task.stopped_at = now
        task.stopping_at = task.stopping_at or now
        task.set_status(STOPPED)

    # -- start-up -----------------------------------------------------------------------------
    def recover(self) -> None:
        """Reconcile records with what the runtime runs after a (possibly violent) restart."""
        try:
            containers = self.runtime.list_owned()
        except RuntimeUnavailable as exc:
            self._engine_down(str(exc), self.all_keys())
            return
        by_task = {c.task_id: c for c in containers}
        now = self.clock.now()
        with self.store.lock:
            for task in self.store.iter_tasks():
                container = by_task.get(task.task_id)
                if task.last_status in NOT_YET_RUNNING:
                    if container is not None:
                        self._adopt_into(task, container, now)
                    else:
                        task.desired_status = STOPPED
                        task.stop_code = TASK_FAILED_TO_START
                        task.stopped_reason = "The control plane stopped before the task started"
                        self._finish(task, now)
                elif task.last_status == RUNNING and container is not None:
                    task.container_id = container.container_id
                    task.launch_seq = 0
                elif task.last_status in SHUTTING_DOWN:
                    if container is not None:
                        task.container_id = container.container_id
                        task.set_status(DEACTIVATING)
                        self.executor.submit(self._stop, task.task_id)
                    else:
                        self._finish(task, now)
            self._adopt_strangers(containers, now)
            self.store.save()
            self.store.bump()
        self._dirty |= self.all_keys()
        self._wake.set()

    def _adopt_into(self, task: Task, container: ObservedContainer, now: float) -> None:
        task.container_id = container.container_id
        task.host_port = container.host_port
        task.started_at = task.started_at or now
        task.launch_seq = 0
        task.set_status(RUNNING)

    def _adopt_strangers(self, containers: list[ObservedContainer], now: float) -> None:
        """Containers with our labels but no record: adopt running ones, clear away the rest."""
        for container in containers:
            if container.task_id in self.store.tasks:
                continue
            labels = container.labels
            cluster = labels.get(LABEL_CLUSTER, "")
            service = labels.get(LABEL_SERVICE)
            known_cluster = cluster in self.store.clusters
            known_service = service is None or self.store.service(cluster, service) is not None
            if container.state == CONTAINER_RUNNING and known_cluster and known_service:
                task = Task(
                    task_id=container.task_id,
                    cluster=cluster,
                    task_definition=labels.get(LABEL_TASK_DEFINITION, "unknown:0"),
                    service=service,
                    created_at=now,
                )
                self._adopt_into(task, container, now)
                self.store.tasks[task.task_id] = task
                self._dirty.add(key_of(task))
                log.info("adopted container %s as task %s", container.container_id[:12], task.task_id)
            else:
                self.executor.submit(self._remove_quietly, container.container_id)
