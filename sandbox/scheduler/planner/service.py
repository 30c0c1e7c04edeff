"""Planning one pass for one service, as a sequence of named steps.

Each step reads the frozen `PassContext`, adds what it decides to the `Plan`, and hands the
next steps what they need as a named value. The order is the policy: losses first, then the
circuit breaker, zones and traffic decide which tasks are kept, then the rolling bounds
decide what starts and what stops, and only then is the rollout judged complete.
"""

from __future__ import annotations

from typing import Callable, Mapping

from sandbox.core.model import Service, Task, TaskDefinition, new_deployment_id, new_task_id
from ...runtime.base import ObservedContainer
from ..placement import Fleet
from .backoff import throttle
from .breaker import circuit_breaker
from .chaos import chaos
from .context import LiveTasks, PassContext, Rollout
from .health import health
from .launches import launch_count, start_tasks
from .observe import failed_targets, lost_with_their_zone, observe_containers
from .outcome import announce_scheduler_stops, complete_rollout, conclude, is_settled, record_deployments
from .plan import Plan
from .rolling import keep_or_replace, report_stuck, rolling_bounds
from .stops import replace_old, scale_in, stop_budget, stop_tasks
from .traffic import shift_traffic
from .zones import rebalance_zones


def plan_service(
    service: Service,
    taskdefs: Mapping[str, TaskDefinition],
    tasks: list[Task],
    observed: Mapping[str, ObservedContainer],
    obs_seq: int,
    now: float,
    new_id: Callable[[], str] = new_task_id,
    fleet: Fleet | None = None,
    new_deployment_id: Callable[[], str] = new_deployment_id,
) -> Plan:
    """Plan one pass for one service: replace what died, roll deployments, place, scale."""
    ctx = PassContext.build(service, taskdefs, tasks, observed, obs_seq, now, fleet, new_id, new_deployment_id)
    plan = Plan()

    # What leaves this pass: exited or vanished containers, stop requests, failed checks, lost zones.
    leaving = observe_containers(ctx.tasks, ctx.observed, obs_seq, plan, replace_unhealthy=True,
                                 grace_seconds=service.health_check_grace_seconds, now=now)
    reaped_now = {reap.task_id for reap in plan.reaps}
    leaving |= failed_targets(ctx, leaving, plan)
    leaving |= lost_with_their_zone(ctx, leaving, plan)
    live = chaos(ctx, LiveTasks.of(ctx, leaving), plan)
    healthy = health(ctx, live, plan.health)
    plan.wake_in(healthy.wake_in)

    # Which live tasks the primary deployment keeps, after the breaker, the zones and the traffic.
    rollout = circuit_breaker(ctx, Rollout.of(service), live, reaped_now, plan)
    streak = throttle(ctx, rollout, plan)
    split = keep_or_replace(ctx, rollout, live, plan.adopt)
    split = rebalance_zones(ctx, rollout, split, plan)
    shift = shift_traffic(ctx, rollout, split, healthy, plan)
    rollout = shift.rollout

    # Start what fits under the ceiling; stop what the desired count and the healthy floor allow.
    bounds = rolling_bounds(ctx, live, split, healthy, shift.shifting)
    launch = launch_count(ctx, rollout, bounds, streak, plan)
    starts = start_tasks(ctx, rollout, bounds, launch.count, live, plan)
    victims = scale_in(ctx, split, bounds, plan)
    budget = stop_budget(bounds, healthy, victims)
    replaced = replace_old(split, bounds, budget, shift.hold_old, plan)
    stop_tasks(ctx, rollout, [*victims, *replaced], plan)
    moving = bool(starts or replaced) or launch.backing_off or shift.shifting
    report_stuck(ctx, rollout, split, bounds, budget, plan, moving)
    announce_scheduler_stops(ctx, plan)

    # Done yet? A settled rollout completes; a drained service goes INACTIVE.
    settled = is_settled(ctx, split, healthy, plan)
    rollout = complete_rollout(ctx, rollout, settled, plan)
    record_deployments(ctx, rollout, plan)
    conclude(ctx, rollout, live, settled, plan)
    return plan
