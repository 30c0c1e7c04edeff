"""When records and containers disagree (after a restart, or a lost state file): adopt or clear away.

A control plane may die at any moment, and containers may go while it is down. On the way back
up every record is checked against what the engine has: a task that was starting either has a
container (adopt it) or never will (it failed to start); a task that was running and has no
container any more is stopped, as when its container goes while we watch, so its service
replaces it; a task that was stopping is stopped again. A container with our labels but no
record is adopted while it runs in a known cluster and service, or removed. After a damaged
state file was set aside no service is known, so a running container is never removed: in a
known cluster it becomes a one-off task.
"""

from __future__ import annotations

import logging

from sandbox.core.model import (
    ESSENTIAL_CONTAINER_EXITED,
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
from .planner.reasons import CONTAINER_REMOVED, EXITED_REASON

GONE_WHILE_DOWN = f"{CONTAINER_REMOVED} while the control plane was down"
NEVER_CREATED = "CannotCreateContainerError: the control plane stopped before the container was created"

log = logging.getLogger(__name__)


def reconcile_records(store: Store, containers: list[ObservedContainer], now: float, executor: TaskExecutor,
                      task_ids: set[str]) -> None:
    """Bring these task records (an earlier process's) in line with what the runtime runs.

    Nothing that process recorded is trusted: its listing numbers (launch_seq) meant something
    only to it, so every task kept running is marked as seen by this process's first listing.
    """
    by_task = {c.task_id: c for c in containers}
    for task in [t for t in store.iter_tasks() if t.task_id in task_ids]:
        container = by_task.get(task.task_id)
        if task.last_status in NOT_YET_RUNNING + (RUNNING,):
            if container is not None:
                adopt_into(task, container, now)
            elif task.last_status == RUNNING:
                _stop_vanished(task, now)
            else:
                _stop_unstarted(task, now)
        elif task.last_status in SHUTTING_DOWN:
            if container is not None:
                task.container_id = container.container_id
                task.set_status(DEACTIVATING)
                executor.submit_stop(task.task_id)
            else:
                finish(task, now)


def _stop_vanished(task: Task, now: float) -> None:
    """Worded as the planner words a container that goes while it watches (a stop already asked
    for keeps its own words)."""
    if task.desired_status != STOPPED:
        task.desired_status = STOPPED
        task.stop_code = ESSENTIAL_CONTAINER_EXITED
        task.stopped_reason = EXITED_REASON
    task.container_reason = GONE_WHILE_DOWN
    finish(task, now)
    log.info("task %s: its container went while the control plane was down; recorded as stopped", task.task_id)


def _stop_unstarted(task: Task, now: float) -> None:
    task.desired_status = STOPPED
    task.stop_code = TASK_FAILED_TO_START
    task.stopped_reason = NEVER_CREATED
    finish(task, now)


def adopt_into(task: Task, container: ObservedContainer, now: float) -> None:
    task.container_id = container.container_id
    task.host_port = container.host_port
    task.started_at = task.started_at or now
    task.launch_seq = 0  # seen by this process's first listing
    if task.last_status != RUNNING:
        task.set_status(RUNNING)


def adopt_strangers(store: Store, containers: list[ObservedContainer], now: float, executor: TaskExecutor) -> set[str]:
    """Containers with our labels but no record: adopt running ones, clear away the rest, and the
    containers of stopped tasks that are still there.

    After a set-aside, a running container of a service we do not know is adopted as a one-off
    task (nothing replaces it when it ends), and one in a cluster we do not know is left alone
    (`sandbox down` removes it): the damaged file lost the records, not the work.
    Returns the keys of the adopted tasks, for the loop to look at.
    """
    dirty: set[str] = set()
    for container in containers:
        task = store.tasks.get(container.task_id)
        if task is not None:
            if task.last_status == STOPPED:  # its removal failed, as when the engine went away
                executor.submit_removal(container.container_id)
            continue
        labels = container.labels
        cluster = labels.get(LABEL_CLUSTER, "")
        service = labels.get(LABEL_SERVICE)
        running = container.state == CONTAINER_RUNNING
        lost_records = store.set_aside is not None
        if service is not None and store.service(cluster, service) is None and lost_records:
            service = None
        known = cluster in store.clusters and (service is None or store.service(cluster, service) is not None)
        if running and known:
            dirty.add(_adopt_stranger(store, container, cluster, service, now))
        elif not (running and lost_records):
            executor.submit_removal(container.container_id)
    return dirty


def _adopt_stranger(store: Store, container: ObservedContainer, cluster: str, service: str | None, now: float) -> str:
    task = Task(
        task_id=container.task_id,
        cluster=cluster,
        task_definition=container.labels.get(LABEL_TASK_DEFINITION, "unknown:0"),
        service=service,
        created_at=now,
    )
    adopt_into(task, container, now)
    store.tasks[task.task_id] = task
    log.info("adopted container %s as %s task %s", container.container_id[:12],
             f"service {service}'s" if service else "a one-off", task.task_id)
    return key_of(task)
