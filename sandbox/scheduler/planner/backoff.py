"""Crash-loop backoff, derived from the stopped tasks themselves.

A task that fails to start, or exits within FAST_FAILURE_WINDOW seconds of starting, is a
fast failure. After `n` consecutive fast failures the next start waits backoff_delay(n): 0, 2,
4, 8, 16, 32 then 60 s. The streak is read from the stopped tasks, so nothing extra has to be
remembered or persisted.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

from ... import events as wording
from ...model import (
    ESSENTIAL_CONTAINER_EXITED,
    RUNNING,
    SERVICE_SCHEDULER_INITIATED,
    STOPPED,
    TASK_FAILED_TO_START,
    USER_INITIATED,
    Task,
)
from .context import PassContext
from .plan import Plan
from .reasons import ELB_HEALTH_FAILURE_PREFIX, HEALTH_FAILURE_REASON

FAST_FAILURE_WINDOW = 10.0
"""A task that dies sooner than this after starting counts toward the crash-loop backoff."""

BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0
THROTTLE_EVENT_AFTER = 3
"""Consecutive fast failures before the "unable to consistently start" event."""


class Streak(NamedTuple):
    """Consecutive fast failures, when the newest one stopped, and when the streak began."""

    count: int
    newest: float | None
    began: float | None

    def ready_at(self, now: float) -> float:
        """When the next start may go."""
        return (self.newest or now) + backoff_delay(self.count)


NO_STREAK = Streak(0, None, None)


def backoff_delay(streak: int) -> float:
    """Seconds to wait before the next start after `streak` consecutive fast failures."""
    if streak <= 1:
        return 0.0
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (streak - 2))


def failed_health(task: Task) -> bool:
    """Stopped for failing a container or a load balancer health check: a failure, not a request."""
    reason = task.stopped_reason or ""
    return reason == HEALTH_FAILURE_REASON or reason.startswith(ELB_HEALTH_FAILURE_PREFIX)


def _is_fast_failure(task: Task, stop_code: str | None, stopped_at: float) -> bool:
    if stop_code == TASK_FAILED_TO_START:
        return True
    if stop_code == ESSENTIAL_CONTAINER_EXITED or failed_health(task):
        return task.started_at is None or stopped_at - task.started_at < FAST_FAILURE_WINDOW
    return False


def failure_streak(tasks: Iterable[Task], reaped_now: set[str], now: float) -> Streak:
    """(consecutive fast failures, when the newest one stopped, when the streak began)."""
    tasks = list(tasks)
    history: list[tuple[float, Task]] = []
    for task in tasks:
        if task.task_id in reaped_now:
            history.append((now, task))
        elif task.last_status == STOPPED and task.stopped_at is not None:
            history.append((task.stopped_at, task))
    history.sort(key=lambda pair: pair[0], reverse=True)
    streak, newest, oldest = 0, None, None
    for stopped_at, task in history:
        code = ESSENTIAL_CONTAINER_EXITED if task.task_id in reaped_now else task.stop_code
        if _is_fast_failure(task, code, stopped_at):
            streak += 1
            newest = newest if newest is not None else stopped_at
            oldest = stopped_at
        elif code in (USER_INITIATED, SERVICE_SCHEDULER_INITIATED) and not failed_health(task):
            continue  # stops someone asked for say nothing about whether tasks can start
        else:
            break
    if _proven_since(tasks, newest, now):
        return NO_STREAK
    return Streak(streak, newest, oldest)


def _proven_since(tasks: list[Task], newest_failure: float | None, now: float) -> bool:
    """A task that has now run for long enough proves the service can start tasks again."""
    return any(
        task.last_status == RUNNING
        and task.started_at is not None
        and now - task.started_at >= FAST_FAILURE_WINDOW
        and (newest_failure is None or task.started_at > newest_failure)
        for task in tasks
    )


def crash_loop(ctx: PassContext, reaped_now: set[str], plan: Plan) -> Streak:
    """The service's streak of fast failures; says once per streak that tasks cannot start."""
    streak = failure_streak(ctx.tasks, reaped_now, ctx.now)
    message = wording.unable_to_start(ctx.name)
    if streak.count >= THROTTLE_EVENT_AFTER and not ctx.said_since(message, streak.began):
        plan.events.append(message)
    return streak
