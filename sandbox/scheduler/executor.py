"""The executor: the slow work a plan asks for (launch, stop, deprovision), on pool threads.

Each job reads the task under the store lock, calls the runtime outside it, and records the
outcome under it again. When a task's state changes it marks the task's key dirty, so the
loop looks again: nothing here decides what should happen next.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_futures
from typing import Callable, Sequence

from sandbox.core import events as wording
from sandbox.core.clock import Clock
from sandbox.core.model import (
    ACTIVATING,
    DEACTIVATING,
    DEPROVISIONING,
    PENDING,
    RUNNING,
    STOPPED,
    STOPPING,
    TASK_FAILED_TO_START,
    USER_INITIATED,
    Task,
    TaskDefinition,
)
from ..runtime.base import ImageMissing, LaunchSpec, Runtime, RuntimeError_, RuntimeUnavailable
from sandbox.state.store import Store
from .keys import key_of

log = logging.getLogger(__name__)

LOG_LINES_KEPT = 50
STOP_TIMEOUT = 2.0


class InlineExecutor(Executor):
    """Runs work at once on the caller's thread, so controller tests are deterministic."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the future carries it, as a pool would
            future.set_exception(exc)
        return future


def finish(task: Task, now: float) -> None:
    """Record a task as STOPPED."""
    task.stopped_at = now
    task.stopping_at = task.stopping_at or now
    task.set_status(STOPPED)


class TaskExecutor:
    """Carries out launches, stops and clean-ups for one sandbox, on one runtime."""

    def __init__(
        self,
        sandbox: str,
        store: Store,
        runtime: Runtime,
        clock: Clock,
        pool: Executor,
        mark_dirty: Callable[[str], None],
        listing_seq: Callable[[], int],
        before_stop: list[Callable[[Task], None]],
    ) -> None:
        self.sandbox = sandbox
        self.store = store
        self.runtime = runtime
        self.clock = clock
        self.pool = pool
        self.mark_dirty = mark_dirty
        """Called under the store lock when a task changed; the loop looks at its key again."""
        self.listing_seq = listing_seq
        """The number the loop's next runtime listing will carry."""
        self.before_stop = before_stop
        """Called (on a pool thread, may block briefly) before a running task's container is
        stopped: the load balancer deregisters the target and drains it here."""

    # -- handing work to the pool ---------------------------------------------------------------
    def submit_launch(self, task_id: str) -> Future:
        return self.pool.submit(self.launch, task_id)

    def submit_stop(self, task_id: str) -> Future:
        return self.pool.submit(self.stop, task_id)

    def submit_deprovision(self, task_id: str, after: Sequence[Future] = ()) -> Future:
        return self.pool.submit(self.deprovision, task_id, after)

    def submit_removal(self, container_id: str) -> Future:
        return self.pool.submit(self.remove_quietly, container_id)

    # -- launching ------------------------------------------------------------------------------
    def launch(self, task_id: str) -> None:
        with self.store.lock:
            task = self.store.tasks.get(task_id)
            if task is None:
                return
            if task.desired_status == STOPPED:
                finish(task, self.clock.now())
                self.store.bump()
                return
            taskdef = self.store.task_definition(task.task_definition)
            task.set_status(PENDING)
            spec = None
            if taskdef is not None:
                spec = self._launch_spec(task, taskdef.with_overrides(task.overrides))
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
            task.network_bindings = [dict(b) for b in launched.bindings]
            task.started_at = launched.started_at or self.clock.now()
            # Listings that began before now may not show the container yet.
            task.launch_seq = self.listing_seq()
            task.set_status(RUNNING)
            if task.desired_status == STOPPED:
                task.set_status(DEACTIVATING)
                self.submit_stop(task_id)
            self.mark_dirty(key_of(task))
            self.store.bump()

    def _launch_spec(self, task: Task, taskdef: TaskDefinition) -> LaunchSpec:
        return LaunchSpec(
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
            settings=taskdef.settings,
        )

    def _failed_to_start(self, task_id: str, reason: str) -> None:
        with self.store.lock:
            task = self.store.tasks[task_id]
            task.desired_status = STOPPED
            task.stop_code = TASK_FAILED_TO_START
            task.stopped_reason = reason
            finish(task, self.clock.now())
            if task.service:
                service = self.store.service(task.cluster, task.service)
                if service is not None:
                    message = wording.failed_to_launch(task.service, reason)
                    if not (service.events and service.events[0].message == message):
                        service.add_event(message, self.clock.now())
            self.mark_dirty(key_of(task))
            self.store.bump()

    # -- stopping and cleaning up -----------------------------------------------------------------
    def stop(self, task_id: str) -> None:
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
        self.deprovision(task_id)

    def deprovision(self, task_id: str, after: Sequence[Future] = ()) -> None:
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
            finish(task, self.clock.now())
            self.mark_dirty(key_of(task))
            self.store.bump()

    def remove_quietly(self, container_id: str) -> None:
        try:
            self.runtime.stop(container_id, timeout=1.0)
            self.runtime.remove(container_id)
        except RuntimeError_ as exc:
            log.warning("could not remove %s: %s", container_id, exc)

    def remove_everything(self) -> int:
        """Stop and remove every container this sandbox owns; records the tasks as stopped."""
        try:
            owned = self.runtime.list_owned()
        except RuntimeUnavailable:
            return 0
        threads = [threading.Thread(target=self.remove_quietly, args=(c.container_id,)) for c in owned]
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
                    finish(task, now)
            self.store.bump()
        return len(owned)
