"""Chaos: one running task stopped at random per beat, until the run ends."""

from __future__ import annotations

import random

from sandbox.core.model import USER_INITIATED
from .context import LiveTasks, PassContext
from .plan import Plan, Stop
from .reasons import CHAOS_REASON


def chaos(ctx: PassContext, live: LiveTasks, plan: Plan) -> LiveTasks:
    """Stop a random running task when a beat is due; the live tasks without it come back.

    The scheduler then treats the stopped task like any other loss and replaces it.
    """
    run, now = ctx.service.chaos, ctx.now
    if run is None:
        return live
    if now >= run.until:
        plan.chaos_done = True
        plan.decisions.append("chaos run finished")
        return live
    if now < run.next_at:
        plan.wake_in(min(run.next_at, run.until) - now)
        return live
    plan.chaos_fired = True
    plan.wake_in(min(run.every, run.until - now))
    running = live.running
    if not running:
        return live
    # Seeded by the beat, so a pass planned twice picks the same task.
    victim = random.Random(f"{ctx.service.key}:{run.stopped}").choice(sorted(running, key=lambda t: t.task_id))
    plan.stops.append(Stop(victim.task_id, USER_INITIATED, CHAOS_REASON))
    plan.decisions.append(f"chaos: stopping task {victim.task_id[:8]} at random")
    return live.without(victim)
