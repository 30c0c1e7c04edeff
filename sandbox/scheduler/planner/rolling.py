"""ECS's rolling arithmetic: which tasks the primary keeps, the ceiling and the healthy floor.

At most floor(desired × maximumPercent / 100) tasks run or start, and at least
ceil(desired × minimumHealthyPercent / 100) stay healthy. When the two together allow
neither a start nor a stop, the deployment is stuck and the service says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from sandbox.core import events as wording
from sandbox.core.model import ACTIVE, FAILED
from .context import KeepOrReplace, LiveTasks, PassContext, Rollout
from .health import Health
from .plan import Plan


@dataclass(frozen=True)
class Bounds:
    """This pass's ceiling and floor, and the counts the decisions quote."""

    max_total: int
    min_healthy: int
    healthy_count: int
    wanted: int
    """Tasks the primary deployment still lacks."""
    room: int
    """Tasks the ceiling still allows to start."""
    counts_text: str


def keep_or_replace(ctx: PassContext, rollout: Rollout, live: LiveTasks, adopted: Mapping[str, str]) -> KeepOrReplace:
    """The primary keeps its own tasks on active instances; every other live task is replaced."""
    draining = {i.id for i in ctx.instances.values() if i.status != ACTIVE}
    keepers = tuple(t for t in live.tasks
                    if rollout.deployment_of(t, adopted) == rollout.primary.id and t.instance_id not in draining)
    return KeepOrReplace(keepers, tuple(t for t in live.tasks if t not in keepers))


def rolling_bounds(ctx: PassContext, live: LiveTasks, split: KeepOrReplace, healthy: Health, shifting: bool) -> Bounds:
    """minimumHealthyPercent and maximumPercent applied to the desired count."""
    config, desired = ctx.service.deployment_configuration, ctx.desired
    max_total = math.floor(desired * config.maximum_percent / 100)
    if shifting:
        max_total = max(max_total, desired + len(split.to_replace))  # room for the whole new set
    min_healthy = math.ceil(desired * config.minimum_healthy_percent / 100)
    counts_text = f"desired {desired}, running {len(live.running)}, pending {len(live.pending)}"
    if split.to_replace:
        counts_text += f", {len(split.to_replace)} to replace"
    return Bounds(max_total, min_healthy, healthy.count(live.tasks), desired - len(split.keepers),
                  max_total - len(live.tasks), counts_text)


def report_stuck(ctx: PassContext, rollout: Rollout, split: KeepOrReplace, bounds: Bounds, budget: int,
                 plan: Plan, moving: bool) -> None:
    """Old tasks wait, yet the bounds allow neither a start nor a stop: say the deployment is stuck.

    `moving` is whether anything else is under way (a start, a stop, a backoff, a traffic shift).
    `budget` is the stop budget before old tasks were chosen: it only matters when none was.
    """
    if not split.to_replace or moving or rollout.primary.rollout_state == FAILED:
        return
    if bounds.wanted > 0 and bounds.room <= 0 and budget <= 0:
        stuck = wording.deployment_config_blocks(ctx.name)
        if not ctx.said_since(stuck, rollout.primary.created_at):
            plan.events.append(stuck)
        plan.decisions.append(
            f"{bounds.counts_text} → stuck: starting would exceed maximumPercent ({bounds.max_total} tasks) and "
            f"stopping would go below minimumHealthyPercent ({bounds.min_healthy} healthy)"
        )
