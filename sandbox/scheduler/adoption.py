"""When records and containers disagree (after a restart, or a lost state file): adopt or clear away.

A control plane may die at any moment. On the way back up, a task that was starting either
has a container (adopt it) or never will (it failed to start); a task that was stopping is
stopped again; and a container with our labels but no record is adopted while it runs in a
known cluster and service, or removed.
"""

from __future__ import annotations

import logging

from sandbox.core.model import (
    NOT_YET_RUNNING,
    RUNNING,
    SHUTTING_DOWN,
    DEACTIVATING,
    STOPPED,
    TASK_FAILED_TO_START,
    Task,
)
from ..runtime.base import LABEL_CLUSTER, LABEL_SERVICE, LABEL_TASK_DEFINITION, ObservedContainer
from ..runtime.base import RUNNING as CONTAINER_RUNNING
from sandbox.state.store import Store
from .executor import TaskExecutor, finish
from .keys import key_of

log = logging.getLogger(__name__)


def reconcile_records(store: Store, containers: list[ObservedContainer], now: float, executor: TaskExecutor) -> None:
    """Bring every task record in line with what the runtime runs after a (possibly violent) restart."""
    by_task = {c.task_id: c for c in containers}
    for task in store.iter_tasks():
        container = by_task.get(task.task_id)
        if task.last_status in NOT_YET_RUNNING:
            if container is not None:
                adopt_into(task, container, now)
            else:
                task.desired_status = STOPPED
                task.stop_code = TASK_FAILED_TO_START
                task.stopped_reason = "The control plane stopped before the task started"
                finish(task, now)
        elif task.last_status == RUNNING and container is not None:
            task.container_id = container.container_id
            task.launch_seq = 0
        elif task.last_status in SHUTTING_DOWN:
            if container is not None:
                task.container_id = container.container_id
                task.set_status(DEACTIVATING)
                executor.submit_stop(task.task_id)
            else:
                finish(task, now)


def adopt_into(task: Task, container: ObservedContainer, now: float) -> None:
    task.container_id = container.container_id
    task.host_port = container.host_port
    task.started_at = task.started_at or now
    task.launch_seq = 0
    task.set_status(RUNNING)


def adopt_strangers(store: Store, containers: list[ObservedContainer], now: float, executor: TaskExecutor) -> set[str]:
    """Containers with our labels but no record: adopt running ones, clear away the rest.

    Returns the keys of the adopted tasks, for the loop to look at.
    """
    dirty: set[str] = set()
    for container in containers:
        if container.task_id in store.tasks:
            continue
        labels = container.labels
        cluster = labels.get(LABEL_CLUSTER, "")
        service = labels.get(LABEL_SERVICE)
        known_cluster = cluster in store.clusters
        known_service = service is None or store.service(cluster, service) is not None
        if container.state == CONTAINER_RUNNING and known_cluster and known_service:
            task = Task(
                task_id=container.task_id,
                cluster=cluster,
                task_definition=labels.get(LABEL_TASK_DEFINITION, "unknown:0"),
                service=service,
                created_at=now,
            )
            adopt_into(task, container, now)
            store.tasks[task.task_id] = task
            dirty.add(key_of(task))
            log.info("adopted container %s as task %s", container.container_id[:12], task.task_id)
        else:
            executor.submit_removal(container.container_id)
    return dirty
