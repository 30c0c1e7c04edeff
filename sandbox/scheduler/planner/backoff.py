"""ECS's service throttle, read from the stopped tasks themselves.

ECS throttles only tasks that never reach RUNNING (PENDING → STOPPED: the image is missing,
the container cannot be created or started). A task *reached RUNNING* when the runtime
reported that its container started: the executor then records `started_at` and sets RUNNING.
So a stopped task without `started_at` never ran (its stopCode is TaskFailedToStart), and one
with it did, however soon it exited afterwards and whatever stopped it (its own crash, a kill
from outside, a failed health check). A program the runtime cannot even execute makes the
container's start fail: such a task never reaches RUNNING and is throttled.

After `n` tasks in a row of the service's task definition never reached RUNNING, the next
start waits throttle_delay(n): 0, 2, 4, 8 … doubling up to ECS's cap of 27 minutes, in
sandbox time (`--time-speed` shortens it). A task of that definition reaching RUNNING ends
the streak, and deploying another task definition starts afresh, as ECS resets the throttle
then. A task that reached RUNNING and then stopped is replaced at once, every time, and never
brings the "unable to consistently start tasks" event; the circuit breaker counts those
failures during a deployment (see `breaker`). Nothing is remembered beyond the task records.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from sandbox.core import events as wording
from sandbox.core.model import STOPPED, TASK_FAILED_TO_START, Task
from .context import PassContext, Rollout
from .plan import Plan

THROTTLE_BASE = 2.0
THROTTLE_CAP = 27 * 60.0
"""ECS's documented maximum gap between attempts to start tasks that keep failing to start."""
THROTTLE_EVENT_AFTER = 3
"""Tasks in a row that never reached RUNNING before the "unable to consistently start" event."""


class Streak(NamedTuple):
    """Tasks in a row that never reached RUNNING, when the newest stopped, when the first did."""

    count: int
    newest: float | None
    began: float | None

    def ready_at(self, now: float) -> float:
        """When the next start may go."""
        return (self.newest or now) + throttle_delay(self.count)


NO_STREAK = Streak(0, None, None)


def throttle_delay(streak: int) -> float:
    """Seconds to wait before the next start after `streak` tasks in a row failed to start."""
    if streak <= 1:
        return 0.0
    return min(THROTTLE_CAP, THROTTLE_BASE * 2 ** (streak - 2))


def never_ran(task: Task) -> bool:
    """Stopped without ever reaching RUNNING, because it could not start (not because it was
    asked to stop before it got there)."""
    return task.last_status == STOPPED and task.started_at is None and task.stop_code == TASK_FAILED_TO_START


def start_failures(tasks: Iterable[Task], task_definition: str) -> Streak:
    """The tasks of `task_definition` that failed to start since the newest one that started."""
    mine = [t for t in tasks if t.task_definition == task_definition]
    last_start = max((t.started_at for t in mine if t.started_at is not None), default=None)
    stops = sorted(
        t.stopped_at for t in mine
        if never_ran(t) and t.stopped_at is not None and (last_start is None or t.stopped_at > last_start)
    )
    if not stops:
        return NO_STREAK
    return Streak(len(stops), stops[-1], stops[0])


def throttle(ctx: PassContext, rollout: Rollout, plan: Plan) -> Streak:
    """The primary's streak of tasks that never reached RUNNING; says once per streak that the
    service cannot consistently start tasks."""
    streak = start_failures(ctx.tasks, rollout.primary.task_definition)
    message = wording.unable_to_start(ctx.name)
    if streak.count >= THROTTLE_EVENT_AFTER and not ctx.said_since(message, streak.began):
        plan.events.append(message)
    return streak
