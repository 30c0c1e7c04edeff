"""Blue/green, canary and linear: a whole second task set, then traffic moves to it step by step.

No traffic moves until all of the new set is healthy; each step is held for the bake time;
the old set is kept at full strength until the new one has had all traffic for a bake time.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.core import events as wording
from sandbox.core.model import IN_PROGRESS, DeploymentConfiguration
from .context import KeepOrReplace, PassContext, Rollout, changed
from .health import Health
from .plan import Plan


@dataclass(frozen=True)
class TrafficShift:
    """The rollout after this pass's step, whether a shift is under way, and whether the old set stays."""

    rollout: Rollout
    shifting: bool
    hold_old: bool


def shift_traffic(ctx: PassContext, rollout: Rollout, split: KeepOrReplace, healthy: Health, plan: Plan) -> TrafficShift:
    """Move the next share of traffic to a healthy new task set once the current step has baked."""
    primary = rollout.primary
    shifting = (ctx.uses_task_sets and len(rollout.deployments) > 1 and primary.rollout_state == IN_PROGRESS
                and not primary.rollback_of)
    if not shifting:
        return TrafficShift(rollout, shifting=False, hold_old=False)
    config, now = ctx.service.deployment_configuration, ctx.now
    share = primary.traffic_percent
    baked = primary.shifted_at is not None and now - primary.shifted_at >= config.bake_seconds
    if len(split.keepers) == ctx.desired and healthy.all(split.keepers):
        step = _next_share(config, share, baked)
        if step != share:
            primary = changed(primary, traffic_percent=step, shifted_at=now, updated_at=now)
            rollout = rollout.with_primary(primary)
            share, baked = step, False
            plan.events.append(wording.traffic_shifted(ctx.name, primary.id, step))
            plan.decisions.append(f"the new task set ({primary.task_definition}) is healthy → "
                                  f"{step:g}% of traffic to it, baking {config.bake_seconds}s")
    else:
        plan.decisions.append(f"starting the new task set ({primary.task_definition}) beside the old one; "
                              "no traffic moves until all of it is healthy")
    if primary.shifted_at is not None and not baked:
        plan.wake_in(primary.shifted_at + config.bake_seconds - now)
    return TrafficShift(rollout, shifting=True, hold_old=not (share >= 100 and baked))


def _next_share(config: DeploymentConfiguration, share: float, baked: bool) -> float:
    """The new set's next share of traffic: the first step, the next once baked, or no change."""
    if share <= 0:
        return {"BLUE_GREEN": 100.0, "CANARY": config.canary_percent}.get(config.strategy, config.linear_step_percent)
    if share < 100 and baked:
        return 100.0 if config.strategy == "CANARY" else min(100.0, share + config.linear_step_percent)
    return share
