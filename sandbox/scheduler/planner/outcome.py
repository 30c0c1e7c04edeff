"""What a pass concludes: the stops to announce, a completed rollout, steady state, a drained service."""

from __future__ import annotations

from sandbox.core import events as wording
from sandbox.core.model import COMPLETED, DRAINING, INACTIVE, IN_PROGRESS, SERVICE_SCHEDULER_INITIATED
from .context import KeepOrReplace, LiveTasks, PassContext, Rollout, changed
from .health import Health
from .plan import Plan


def announce_scheduler_stops(ctx: PassContext, plan: Plan) -> None:
    """One event for every task the scheduler stops this pass."""
    scheduler_stops = [s.task_id for s in plan.stops if s.stop_code == SERVICE_SCHEDULER_INITIATED]
    if scheduler_stops:
        plan.events.append(wording.stopped(ctx.name, scheduler_stops))


def is_settled(ctx: PassContext, split: KeepOrReplace, healthy: Health, plan: Plan) -> bool:
    """Nothing to do or undo: the primary's tasks are all there and healthy, and nothing moves."""
    return (
        not plan.starts and not plan.stops and not plan.reaps and not ctx.shutting_down
        and not split.to_replace and len(split.keepers) == ctx.desired and healthy.all(split.keepers)
    )


def complete_rollout(ctx: PassContext, rollout: Rollout, settled: bool, plan: Plan) -> Rollout:
    """A settled rollout completes; the deployments it replaced drop out of the list."""
    primary = rollout.primary
    if settled and primary.rollout_state == IN_PROGRESS and ctx.active:
        primary = changed(primary, rollout_state=COMPLETED, updated_at=ctx.now,
                          rollout_state_reason=f"ECS deployment {primary.id} completed.")
        plan.events.append(wording.deployment_completed(ctx.name, primary.id))
        plan.decisions.append(f"all {ctx.desired} tasks of {primary.task_definition} are healthy → deployment completed")
        return Rollout(primary, (primary,))
    if settled and len(rollout.deployments) > 1 and primary.rollout_state == COMPLETED:
        return Rollout(primary, (primary,))
    return rollout


def record_deployments(ctx: PassContext, rollout: Rollout, plan: Plan) -> None:
    """Hand the deployment list to the plan when this pass changed it."""
    if list(rollout.deployments) != list(ctx.service.deployments):
        plan.deployments = list(rollout.deployments)


def conclude(ctx: PassContext, rollout: Rollout, live: LiveTasks, settled: bool, plan: Plan) -> None:
    """A draining service with nothing left goes INACTIVE; a settled one reports steady state once."""
    if ctx.service.status == DRAINING and not live.tasks and not ctx.shutting_down and not plan.stops:
        plan.service_status = INACTIVE
        plan.decisions.append("service drained → INACTIVE")
    elif (ctx.active and settled and len(rollout.deployments) <= 1
          and not ctx.said_last(wording.steady(ctx.name))):
        plan.events.append(wording.steady(ctx.name))
