"""AZ rebalancing: move one task at a time from the fullest zone to the emptiest."""

from __future__ import annotations

from collections import Counter

from sandbox.core import events as wording
from sandbox.core.model import RUNNING, Service, Task
from ..placement import zone_counts
from .context import KeepOrReplace, PassContext, Rollout
from .plan import Plan


def rebalance_zones(ctx: PassContext, rollout: Rollout, split: KeepOrReplace, plan: Plan) -> KeepOrReplace:
    """With AZ rebalancing on and nothing else to replace, pick one task to move and say why.

    Says when the zones fall out of balance, and once more when they are balanced again.
    """
    if ctx.fleet is None or not ctx.service.az_rebalancing or split.to_replace or len(rollout.deployments) > 1:
        return split
    counts = zone_counts(split.keepers, ctx.fleet.zones())
    note, mover = None, None
    if counts and max(counts.values()) - min(counts.values()) > 1:
        note = wording.az_unbalanced(ctx.name, counts)
        mover = _mover(split.keepers, counts, plan)
    elif counts and _last_az_note_was_unbalanced(ctx.service):
        note = wording.az_balanced(ctx.name, counts)
    if note and not ctx.said_last(note):
        plan.events.append(note)
    if mover is None:
        return split
    return KeepOrReplace(tuple(t for t in split.keepers if t is not mover), (*split.to_replace, mover))


def _mover(keepers: tuple[Task, ...], counts: Counter, plan: Plan) -> Task | None:
    """The newest running task of the fullest zone."""
    fullest = max(sorted(counts), key=lambda z: counts[z])
    candidates = [t for t in keepers if t.zone == fullest and t.last_status == RUNNING]
    if not candidates:
        return None
    mover = max(candidates, key=lambda t: (t.started_at or 0, t.task_id))
    plan.decisions.append(f"zones {dict(counts)} are not balanced → moving task {mover.task_id[:8]} out of {fullest}")
    return mover


def _last_az_note_was_unbalanced(service: Service) -> bool:
    for event in service.events:
        if "AZ balanced with" in event.message:
            return "is not AZ balanced" in event.message
    return False
