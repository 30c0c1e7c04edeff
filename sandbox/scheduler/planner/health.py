"""Which tasks count as healthy, and the grace period that spares slow starters.

ECS's rule: a task is healthy when it is RUNNING, HEALTHY if its container has a health
check, and healthy in the target group if the service has a load balancer. With nothing to
check at all, a task is trusted once it has run for a while (40 s in ECS, less here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from sandbox.core.model import HEALTHY, RUNNING, UNHEALTHY, UNKNOWN, Task
from ...runtime.base import HEALTH_HEALTHY, HEALTH_UNHEALTHY, ObservedContainer
from .breaker import FAST_FAILURE_WINDOW
from .context import LiveTasks, PassContext
from .plan import Plan

UNCHECKED_HEALTHY_AFTER = FAST_FAILURE_WINDOW
"""A task with no health check (and no load balancer) counts as healthy after running this long."""


@dataclass(frozen=True)
class Health:
    """The live tasks that count as healthy this pass, and when the next unproven one will be."""

    healthy: frozenset[str]
    wake_in: float | None
    """Seconds until a task without any check has run long enough to count; None if none waits."""

    def __contains__(self, task: Task) -> bool:
        return task.task_id in self.healthy

    def count(self, tasks: Iterable[Task]) -> int:
        return sum(1 for t in tasks if t in self)

    def all(self, tasks: Iterable[Task]) -> bool:
        return all(t in self for t in tasks)


def health(ctx: PassContext, live: LiveTasks, updates: Mapping[str, str]) -> Health:
    """Judge every live task by ECS's rule; `updates` holds health read from containers this pass."""
    healthy, waits = set(), []
    for task in live.tasks:
        ok, wait = _judge(ctx, task, updates)
        if ok:
            healthy.add(task.task_id)
        if wait is not None:
            waits.append(wait)
    return Health(frozenset(healthy), min(waits) if waits else None)


def _judge(ctx: PassContext, task: Task, updates: Mapping[str, str]) -> tuple[bool, float | None]:
    """(healthy?, seconds until it will have run long enough to be trusted unchecked)."""
    td = ctx.taskdefs.get(task.task_definition)
    balanced = ctx.service.load_balancer is not None
    if task.last_status != RUNNING:
        return False, None
    if balanced and task.target_health != "healthy":
        return False, None
    checked = td is not None and td.health_check is not None
    if not checked and not balanced:
        proven_at = (task.started_at or ctx.now) + UNCHECKED_HEALTHY_AFTER
        if proven_at > ctx.now:
            return False, proven_at - ctx.now
        return True, None
    if not checked:
        return True, None  # the target group's verdict above is the check
    return updates.get(task.task_id, task.health_status) == HEALTHY, None


def container_health(container: ObservedContainer) -> str:
    """The container's health check verdict in ECS's words."""
    if container.health == HEALTH_HEALTHY:
        return HEALTHY
    if container.health == HEALTH_UNHEALTHY:
        return UNHEALTHY
    return UNKNOWN


def grace_left(task: Task, grace_seconds: float, now: float) -> float:
    """Seconds left of the service's health check grace period, which runs from the task's start.

    Within it the scheduler ignores failed container and load balancer health checks, so a
    slow starter is not replaced before it had a chance to warm up.
    """
    if grace_seconds <= 0:
        return 0.0
    return max(0.0, (task.started_at if task.started_at is not None else now) + grace_seconds - now)


def spared(task: Task, what: str, grace_seconds: float, now: float, plan: Plan) -> bool:
    """True (and said) while the grace period keeps an unhealthy task from being replaced."""
    left = grace_left(task, grace_seconds, now)
    if left <= 0:
        return False
    plan.wake_in(left)
    plan.notes.append(
        f"task {task.task_id[:8]} {what}, but it is within the service's {grace_seconds:g}s health check "
        "grace period → keeping it"
    )
    return True
