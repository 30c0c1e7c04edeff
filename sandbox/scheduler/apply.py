"""Writing a plan into the store, and handing its slow work to the executor.

Runs under the store lock, inside a pass. Records change at once (a stop is DEACTIVATING
before its container stops), so the next pass already plans from them.
"""

from __future__ import annotations

from concurrent.futures import Future

from sandbox.core import tags
from sandbox.core.model import DEACTIVATING, DEPROVISIONING, NOT_YET_RUNNING, PENDING, STOPPED, Service, Task
from sandbox.state.store import Store
from .executor import TaskExecutor
from .planner import Plan

DECISIONS_KEPT = 30


def apply_plan(store: Store, service: Service | None, plan: Plan, now: float, executor: TaskExecutor) -> None:
    """Carry out one pass's plan for one service (or a cluster's one-off tasks, with no service)."""
    tasks = store.tasks
    for task_id, health in plan.health.items():
        tasks[task_id].health_status = health
        tasks[task_id].version += 1
    if plan.service_task_definition:
        service.task_definition = plan.service_task_definition
    if plan.deployments is not None:
        service.deployments = plan.deployments
    for task_id, deployment_id in plan.adopt.items():
        tasks[task_id].deployment_id = deployment_id
    # Starts go first: a replacement should not wait behind the cleanup of what it replaces.
    launches = _start(store, service, plan, now, executor)
    for reap in plan.reaps:
        task = tasks[reap.task_id]
        task.desired_status = STOPPED
        task.stop_code = reap.stop_code
        task.stopped_reason = reap.reason
        task.exit_code = reap.exit_code
        task.container_reason = reap.container_reason
        task.stopping_at = now
        task.set_status(DEPROVISIONING)
        executor.submit_deprovision(task.task_id, launches)
    for stop in plan.stops:
        task = tasks[stop.task_id]
        task.desired_status = STOPPED
        task.stop_code = stop.stop_code
        task.stopped_reason = stop.reason
        task.stopping_at = now
        if task.last_status in NOT_YET_RUNNING:
            continue  # the launch sees desiredStatus STOPPED and stops it itself
        task.set_status(DEACTIVATING)
        executor.submit_stop(task.task_id)
    if service is not None:
        _tell(service, plan, now)
        _update_service(service, plan, now)


def _start(store: Store, service: Service | None, plan: Plan, now: float, executor: TaskExecutor) -> list[Future]:
    """Record the service's new tasks and launch them, with the one-off tasks RunTask recorded."""
    launches: list[Future] = []
    for task_id in plan.launches:
        # PENDING from here on: handed to the executor, so no later pass launches it again.
        store.tasks[task_id].set_status(PENDING)
        launches.append(executor.submit_launch(task_id))
    for start in plan.starts:
        ref = start.task_definition or service.task_definition
        taskdef = store.task_definition(ref)
        task = Task(
            task_id=start.task_id,
            cluster=service.cluster,
            task_definition=ref,
            service=service.name,
            created_at=now,
            deployment_id=start.deployment_id,
            instance_id=start.instance_id,
            zone=start.zone,
            # As in ECS, a task gets the service's (or task definition's) tags when it is created.
            tags=tags.for_new_task([], service.propagate_tags, service.tags, taskdef.tags if taskdef else (),
                                   service.enable_managed_tags, service.cluster, service.name),
        )
        store.tasks[task.task_id] = task
        launches.append(executor.submit_launch(task.task_id))
    return launches


def _tell(service: Service, plan: Plan, now: float) -> None:
    """The plan's events, and its decisions for the scheduler's "why"."""
    for message in plan.events:
        service.add_event(message, now)
    # A pass that changes nothing is not worth a line, except for a note not said yet.
    said = {d["text"] for d in service.decisions}
    texts = [] if plan.is_empty else list(plan.decisions)
    texts += [text for text in plan.notes if text not in said]
    for text in texts:
        service.decisions.insert(0, {"at": now, "text": text})
    del service.decisions[DECISIONS_KEPT:]


def _update_service(service: Service, plan: Plan, now: float) -> None:
    if plan.service_status:
        service.status = plan.service_status
    if service.chaos is not None:
        if plan.chaos_done:
            service.chaos = None
        elif plan.chaos_fired:
            service.chaos.stopped += 1
            service.chaos.next_at = now + service.chaos.every
