"""Starting tasks: how many the bounds allow, waiting out the service throttle, placing each one.

Placement ranks over the fleet as this pass leaves it: a task that leaves this pass (its
container exited or was killed, it was stopped, its zone failed) no longer takes room or
counts in its zone, so its replacement goes where ECS's spread puts it: to the zone with the
fewest of the service's tasks that remain. Placement hands back the fleet with each placed
task's usage taken, so planning changes nothing it was given.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.core import events as wording
from sandbox.core.model import FAILED
from ..placement import Fleet, Unplaced, place
from .backoff import Streak
from .context import LiveTasks, PassContext, Rollout
from .plan import Plan, Start
from .rolling import Bounds

PLACEMENT_RETRY = 5.0
"""Seconds before trying again to place a task that found no room."""

UNABLE_TO_PLACE_REPEAT = 300.0
"""Seconds before the same "unable to place" event is said again."""


@dataclass(frozen=True)
class Launch:
    """How many tasks to start, and whether the service throttle held some back."""

    count: int
    backing_off: bool = False


def launch_count(ctx: PassContext, rollout: Rollout, bounds: Bounds, streak: Streak, plan: Plan) -> Launch:
    """What the primary lacks, within the ceiling, unless it failed, is throttled or has no definition."""
    launch = max(0, min(bounds.wanted, bounds.room))
    if not launch:
        return Launch(0)
    primary = rollout.primary
    if primary.rollout_state == FAILED:
        plan.decisions.append(f"{bounds.counts_text} → deployment {primary.id} FAILED; it launches no new tasks")
        return Launch(0)
    ready_at = streak.ready_at(ctx.now)
    if ready_at > ctx.now:
        plan.wake_in(ready_at - ctx.now)
        plan.decisions.append(
            f"{bounds.counts_text} → {streak.count} tasks in a row never reached RUNNING; throttled: waiting "
            f"{ready_at - ctx.now:.0f}s before starting {launch} more"
        )
        return Launch(0, backing_off=True)
    if ctx.taskdefs.get(primary.task_definition) is None:
        plan.decisions.append(f"{bounds.counts_text} → cannot start: task definition {primary.task_definition} is missing")
        return Launch(0)
    return Launch(launch)


def start_tasks(ctx: PassContext, rollout: Rollout, bounds: Bounds, count: int, live: LiveTasks,
                plan: Plan) -> list[Start]:
    """Place and start `count` tasks of the primary; stop at the first that finds no room."""
    if count == 0:
        return []
    primary = rollout.primary
    taskdef = ctx.taskdefs.get(primary.task_definition)
    fleet = room_left(ctx, live)
    starts: list[Start] = []
    for _ in range(count):
        task_id = ctx.new_id()
        instance = None
        if fleet is not None:
            placement = place(taskdef, fleet, ctx.service.placement_strategy, ctx.constraints, task_id)
            if isinstance(placement, Unplaced):
                _cannot_place(ctx, bounds, placement.reason, plan)
                break
            instance, fleet = placement.instance, placement.fleet
        starts.append(Start(task_id, primary.id, primary.task_definition,
                            instance.id if instance else None, instance.zone if instance else None))
    if starts:
        plan.starts = starts
        plan.events.append(wording.started(ctx.name, [s.task_id for s in starts]))
        plan.decisions.append(f"{bounds.counts_text} → starting {len(starts)} task{'s' if len(starts) != 1 else ''}"
                              f"{_where(ctx, starts)}")
    return starts


def room_left(ctx: PassContext, live: LiveTasks) -> Fleet | None:
    """The fleet without the service's tasks that were live when it was built but leave this pass."""
    if ctx.fleet is None:
        return None
    staying = {t.task_id for t in live.tasks}
    leaving = [t for t in ctx.tasks if t.is_live and t.task_id not in staying]
    return ctx.fleet.without(leaving, ctx.taskdefs) if leaving else ctx.fleet


def _cannot_place(ctx: PassContext, bounds: Bounds, why: str, plan: Plan) -> None:
    event = wording.unable_to_place_task(ctx.name, why)
    if not ctx.said_since(event, ctx.now - UNABLE_TO_PLACE_REPEAT) and event not in plan.events:
        plan.events.append(event)
    plan.decisions.append(f"{bounds.counts_text} → cannot place a task: {why}")
    plan.wake_in(PLACEMENT_RETRY)


def _where(ctx: PassContext, starts: list[Start]) -> str:
    """The zones the tasks went to, when the default AZ spread chose them."""
    if ctx.fleet is None or ctx.service.placement_strategy:
        return ""
    return " in " + ", ".join(sorted({s.zone for s in starts})) + " (AZ spread)"
