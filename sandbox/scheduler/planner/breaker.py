"""The deployment circuit breaker: count the primary's failed tasks, fail it, roll back.

ECS's threshold is half the desired count, rounded up, clamped to [3, 200]. Shifting
traffic between task sets always watches the new set and rolls back when it fails.
"""

from __future__ import annotations

import math

from ... import events as wording
from ...model import ACTIVE, FAILED, IN_PROGRESS, Deployment
from .backoff import failure_streak
from .context import LiveTasks, PassContext, Rollout, changed
from .plan import Plan


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
    failures = failure_streak(primary_tasks, reaped_now, ctx.now).count
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
