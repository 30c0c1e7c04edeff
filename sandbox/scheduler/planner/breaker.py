"""The deployment circuit breaker: count the primary's failed tasks, fail it, roll back.

ECS's threshold is half the desired count, rounded up, clamped to [3, 200]. Shifting
traffic between task sets always watches the new set and rolls back when it fails.

Unlike the service throttle (`backoff`), the breaker counts tasks that reached RUNNING too,
as ECS's does during a deployment: a task fails when it could not start, or when it exited,
crashed or failed a health check within FAST_FAILURE_WINDOW of starting. A task of the
deployment that has run that long since the newest failure resets the count.
"""

from __future__ import annotations

import math
from typing import Iterable

from sandbox.core import events as wording
from sandbox.core.model import (
    ACTIVE,
    ESSENTIAL_CONTAINER_EXITED,
    FAILED,
    IN_PROGRESS,
    RUNNING,
    SERVICE_SCHEDULER_INITIATED,
    STOPPED,
    TASK_FAILED_TO_START,
    USER_INITIATED,
    Deployment,
    Task,
)
from .context import LiveTasks, PassContext, Rollout, changed
from .plan import Plan
from .reasons import ELB_HEALTH_FAILURE_PREFIX, HEALTH_FAILURE_REASON

FAST_FAILURE_WINDOW = 10.0
"""A deployment's task that dies sooner than this after starting counts toward its circuit breaker."""


def circuit_breaker_threshold(desired: int) -> int:
    """ECS's threshold: half the desired count, rounded up, clamped to [3, 200]."""
    return min(200, max(3, math.ceil(0.5 * desired)))


def circuit_breaker(ctx: PassContext, rollout: Rollout, live: LiveTasks, reaped_now: set[str], plan: Plan) -> Rollout:
    """Count the primary's failed tasks; at the threshold fail it and, if asked, roll back."""
    primary = rollout.primary
    config = ctx.service.deployment_configuration
    watching = config.circuit_breaker_enable or ctx.uses_task_sets
    if not (primary.rollout_state == IN_PROGRESS and watching and ctx.active):
        return rollout
    primary_tasks = [t for t in ctx.tasks if rollout.deployment_of(t) == primary.id]
    failures = failed_in_a_row(primary_tasks, reaped_now, ctx.now)
    threshold = circuit_breaker_threshold(ctx.desired)
    plan.circuit_breaker = (failures, threshold)
    if failures != primary.failed_tasks:
        rollout = rollout.with_primary(changed(primary, failed_tasks=failures, updated_at=ctx.now))
    if failures < threshold:
        return rollout
    failed = changed(rollout.primary, rollout_state=FAILED, updated_at=ctx.now,
                     rollout_state_reason="ECS deployment circuit breaker: tasks failed to start.")
    rollout = rollout.with_primary(failed)
    plan.events.append(wording.deployment_failed(ctx.name, failed.id))
    plan.decisions.append(f"{failures} tasks of {failed.id} failed (threshold {threshold}) → deployment FAILED")
    previous = next((d for d in rollout.deployments[1:] if d.rollout_state != FAILED), None)
    if (config.circuit_breaker_rollback or ctx.uses_task_sets) and previous is not None:
        return _roll_back(ctx, rollout, previous, live, plan)
    return rollout


def _roll_back(ctx: PassContext, rollout: Rollout, previous: Deployment, live: LiveTasks, plan: Plan) -> Rollout:
    """A new primary for the previous task definition; the failed one stays, ACTIVE, to drain."""
    now = ctx.now
    rollback = Deployment(
        id=ctx.new_deployment_id(), task_definition=previous.task_definition, created_at=now, updated_at=now,
        rollout_state=IN_PROGRESS, rollback_of=rollout.primary.id,
        rollout_state_reason=f"ECS deployment circuit breaker: rolling back to deploymentId {previous.id}.",
    )
    others = tuple(changed(d, status=ACTIVE) for d in rollout.deployments[1:] if d.task_definition != previous.task_definition)
    # Tasks already running the definition we return to are kept, not replaced.
    for task in live.tasks:
        if task.task_definition == previous.task_definition:
            plan.adopt[task.task_id] = rollback.id
    plan.service_task_definition = previous.task_definition
    plan.events.append(wording.rolling_back(ctx.name, rollback.id, previous.task_definition))
    plan.decisions.append(f"rolling back to {previous.task_definition} as {rollback.id}")
    return Rollout(rollback, (rollback, changed(rollout.primary, status=ACTIVE), *others))


def failed_health(task: Task) -> bool:
    """Stopped for failing a container or a load balancer health check: a failure, not a request."""
    reason = task.stopped_reason or ""
    return reason == HEALTH_FAILURE_REASON or reason.startswith(ELB_HEALTH_FAILURE_PREFIX)


def _failed_fast(task: Task, stop_code: str | None, stopped_at: float) -> bool:
    if stop_code == TASK_FAILED_TO_START:
        return True
    if stop_code == ESSENTIAL_CONTAINER_EXITED or failed_health(task):
        return task.started_at is None or stopped_at - task.started_at < FAST_FAILURE_WINDOW
    return False


def failed_in_a_row(tasks: Iterable[Task], reaped_now: set[str], now: float) -> int:
    """How many of `tasks` failed in a row, newest first, as the circuit breaker counts them."""
    tasks = list(tasks)
    history: list[tuple[float, Task]] = []
    for task in tasks:
        if task.task_id in reaped_now:
            history.append((now, task))
        elif task.last_status == STOPPED and task.stopped_at is not None:
            history.append((task.stopped_at, task))
    history.sort(key=lambda pair: pair[0], reverse=True)
    count, newest = 0, None
    for stopped_at, task in history:
        code = ESSENTIAL_CONTAINER_EXITED if task.task_id in reaped_now else task.stop_code
        if _failed_fast(task, code, stopped_at):
            count += 1
            newest = newest if newest is not None else stopped_at
        elif code in (USER_INITIATED, SERVICE_SCHEDULER_INITIATED) and not failed_health(task):
            continue  # stops someone asked for say nothing about whether the tasks work
        else:
            break
    return 0 if _proven_since(tasks, newest, now) else count


def _proven_since(tasks: list[Task], newest_failure: float | None, now: float) -> bool:
    """A task that has now run for long enough proves the deployment's tasks work."""
    return any(
        task.last_status == RUNNING
        and task.started_at is not None
        and now - task.started_at >= FAST_FAILURE_WINDOW
        and (newest_failure is None or task.started_at > newest_failure)
        for task in tasks
    )
