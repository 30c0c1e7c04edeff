"""The pure planner: (desired, observed, now) in, a plan of actions out. No I/O, no clock.

It reads a service's desired state, its task records and what the runtime reports for each
task's container, and decides what should happen next. The executor applies the plan; the
next pass re-reads everything, so a plan that was only half applied is simply planned again.

Scale-in order (documented policy): tasks that have not reached RUNNING go first, newest
created first; then RUNNING tasks, newest started first. Old tasks have proven themselves.

Crash-loop backoff: a task that fails to start, or exits within FAST_FAILURE_WINDOW seconds of
starting, is a fast failure. After `n` consecutive fast failures the next start waits
backoff_delay(n): 0, 2, 4, 8, 16, 32 then 60 s. The streak is derived from the stopped tasks
themselves, so nothing extra has to be remembered or persisted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import events as wording
from .model import (
    ACTIVE,
    DRAINING,
    ESSENTIAL_CONTAINER_EXITED,
    HEALTHY,
    INACTIVE,
    NOT_YET_RUNNING,
    RUNNING,
    SERVICE_SCHEDULER_INITIATED,
    SHUTTING_DOWN,
    STOPPED,
    TASK_FAILED_TO_START,
    UNHEALTHY,
    UNKNOWN,
    USER_INITIATED,
    Service,
    Task,
    TaskDefinition,
    new_task_id,
)
from .runtime.base import EXITED, HEALTH_HEALTHY, HEALTH_UNHEALTHY, ObservedContainer

FAST_FAILURE_WINDOW = 10.0
"""A task that dies sooner than this after starting counts toward the crash-loop backoff."""

BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0
THROTTLE_EVENT_AFTER = 3
"""Consecutive fast failures before the "unable to consistently start" event."""

HEALTH_FAILURE_REASON = "Task failed container health checks"
EXITED_REASON = "Essential container in task exited"
SCALE_IN_REASON = "Scaling activity initiated by (service {service})"


def backoff_delay(streak: int) -> float:
    """Seconds to wait before the next start after `streak` consecutive fast failures."""
    if streak <= 1:
        return 0.0
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (streak - 2))


@dataclass(frozen=True)
class Start:
    """Launch a new task for the service."""

    task_id: str


@dataclass(frozen=True)
class Stop:
    """Stop a task whose container still runs."""

    task_id: str
    stop_code: str
    reason: str


@dataclass(frozen=True)
class Reap:
    """Record a task whose container already exited or vanished, and clean up after it."""

    task_id: str
    stop_code: str
    reason: str
    exit_code: int | None
    container_reason: str | None = None


@dataclass
class Plan:
    """What one pass decided. The executor applies it; the decisions explain it to people."""

    starts: list[Start] = field(default_factory=list)
    stops: list[Stop] = field(default_factory=list)
    reaps: list[Reap] = field(default_factory=list)
    health: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    requeue_after: float | None = None
    service_status: str | None = None
    chaos_fired: bool = False
    chaos_done: bool = False

    @property
    def is_empty(self) -> bool:
        return not (
            self.starts or self.stops or self.reaps or self.health or self.events
            or self.service_status or self.chaos_fired or self.chaos_done
        )

    def wake_in(self, seconds: float) -> None:
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = max(0.0, seconds)


def _health_of(container: ObservedContainer) -> str:
    if container.health == HEALTH_HEALTHY:
        return HEALTHY
    if container.health == HEALTH_UNHEALTHY:
        return UNHEALTHY
    return UNKNOWN


def _observe(
    tasks: Iterable[Task],
    observed: dict[str, ObservedContainer],
    obs_seq: int,
    plan: Plan,
    replace_unhealthy: bool,
) -> set[str]:
    """Turn what the runtime sees into reaps, health-check stops and health updates.

    Returns the ids of tasks this plan already takes away.
    """
    leaving: set[str] = set()
    for task in tasks:
        if task.last_status != RUNNING:
            # Launches and stops in flight belong to the executor; it reports back.
            continue
        container = observed.get(task.task_id)
        if container is None:
            if obs_seq < task.launch_seq:
                continue  # this listing predates the container
            plan.reaps.append(
                Reap(task.task_id, ESSENTIAL_CONTAINER_EXITED, EXITED_REASON, None,
                     "container was removed outside servicelab")
            )
            plan.decisions.append(f"task {task.task_id[:8]}'s container is gone → recording it as stopped")
            leaving.add(task.task_id)
            continue
        if container.state == EXITED:
            reason = "OutOfMemoryError: container killed due to memory usage" if container.oom_killed else None
            plan.reaps.append(
                Reap(task.task_id, ESSENTIAL_CONTAINER_EXITED, EXITED_REASON, container.exit_code, reason)
            )
            plan.decisions.append(
                f"task {task.task_id[:8]} exited with code {container.exit_code} → recording it as stopped"
            )
            leaving.add(task.task_id)
            continue
        health = _health_of(container)
        if health != task.health_status:
            plan.health[task.task_id] = health
        if task.desired_status == STOPPED:
            plan.stops.append(Stop(task.task_id, task.stop_code or USER_INITIATED, task.stopped_reason or "Task stopped by user"))
            plan.decisions.append(f"task {task.task_id[:8]} was asked to stop → stopping it")
            leaving.add(task.task_id)
        elif replace_unhealthy and health == UNHEALTHY:
            plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, HEALTH_FAILURE_REASON))
            plan.decisions.append(f"task {task.task_id[:8]} is UNHEALTHY → stopping it so it can be replaced")
            leaving.add(task.task_id)
    return leaving


def _is_fast_failure(task: Task, stop_code: str | None, stopped_at: float) -> bool:
    if stop_code == TASK_FAILED_TO_START:
        return True
    if stop_code == ESSENTIAL_CONTAINER_EXITED or task.stopped_reason == HEALTH_FAILURE_REASON:
        return task.started_at is None or stopped_at - task.started_at < FAST_FAILURE_WINDOW
    return False


def failure_streak(tasks: list[Task], reaped_now: set[str], now: float) -> tuple[int, float | None, float | None]:
    """(consecutive fast failures, when the newest one stopped, when the streak began)."""
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
        elif code in (USER_INITIATED, SERVICE_SCHEDULER_INITIATED) and task.stopped_reason != HEALTH_FAILURE_REASON:
            continue  # stops someone asked for say nothing about whether tasks can start
        else:
            break
    # A task that has now run for long enough proves the service can start tasks again.
    for task in tasks:
        if (
            task.last_status == RUNNING
            and task.started_at is not None
            and now - task.started_at >= FAST_FAILURE_WINDOW
            and (newest is None or task.started_at > newest)
        ):
            return 0, None, None
    return streak, newest, oldest


def _scale_in_order(task: Task) -> tuple[int, float]:
    not_running = task.last_status in NOT_YET_RUNNING
    # Lower sorts first: not-yet-running before running, and newest before oldest.
    return (0 if not_running else 1, -(task.started_at or task.created_at))


def plan_service(
    service: Service,
    taskdef: TaskDefinition | None,
    tasks: list[Task],
    observed: dict[str, ObservedContainer],
    obs_seq: int,
    now: float,
    new_id: Callable[[], str] = new_task_id,
) -> Plan:
    """Plan one pass for one service."""
    plan = Plan()
    name = service.name
    leaving = _observe(tasks, observed, obs_seq, plan, replace_unhealthy=True)
    reaped_now = {r.task_id for r in plan.reaps}

    live = [t for t in tasks if t.is_live and t.task_id not in leaving]
    desired = service.desired_count if service.status == ACTIVE else 0
    running = [t for t in live if t.last_status == RUNNING]
    pending = [t for t in live if t.last_status in NOT_YET_RUNNING]

    # Chaos stops one running task per beat; the scheduler then treats it like any other loss.
    if service.chaos is not None:
        chaos = service.chaos
        if now >= chaos.until:
            plan.chaos_done = True
            plan.decisions.append("chaos run finished")
        elif now >= chaos.next_at:
            plan.chaos_fired = True
            if running:
                victim = random.Random(f"{service.key}:{chaos.stopped}").choice(sorted(running, key=lambda t: t.task_id))
                plan.stops.append(Stop(victim.task_id, USER_INITIATED, "Task stopped by servicelab chaos"))
                plan.decisions.append(f"chaos: stopping task {victim.task_id[:8]} at random")
                live.remove(victim)
                running.remove(victim)
            plan.wake_in(min(chaos.every, chaos.until - now))
        else:
            plan.wake_in(min(chaos.next_at, chaos.until) - now)

    streak, newest_failure, streak_began = failure_streak(tasks, reaped_now, now)
    if streak >= THROTTLE_EVENT_AFTER and not _said_since(service, wording.unable_to_start(name), streak_began):
        plan.events.append(wording.unable_to_start(name))

    counts = f"desired {desired}, running {len(running)}, pending {len(pending)}"
    if len(live) < desired:
        missing = desired - len(live)
        ready_at = (newest_failure or now) + backoff_delay(streak)
        if ready_at > now:
            plan.wake_in(ready_at - now)
            plan.decisions.append(
                f"{counts} → {streak} tasks failed fast in a row; waiting {ready_at - now:.0f}s before starting {missing} more"
            )
        elif taskdef is None:
            plan.decisions.append(f"{counts} → cannot start: task definition {service.task_definition} is missing")
        else:
            plan.starts = [Start(new_id()) for _ in range(missing)]
            plan.events.append(wording.started(name, [s.task_id for s in plan.starts]))
            plan.decisions.append(f"{counts} → starting {missing} task{'s' if missing != 1 else ''}")
    elif len(live) > desired:
        extra = sorted(live, key=_scale_in_order)[: len(live) - desired]
        reason = SCALE_IN_REASON.format(service=name)
        for task in extra:
            plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, reason))
        plan.decisions.append(
            f"{counts} → stopping {len(extra)} task{'s' if len(extra) != 1 else ''} (not-yet-running first, then newest)"
        )

    scheduler_stops = [s.task_id for s in plan.stops if s.stop_code == SERVICE_SCHEDULER_INITIATED]
    if scheduler_stops:
        plan.events.append(wording.stopped(name, scheduler_stops))

    shutting_down = any(t.last_status in SHUTTING_DOWN for t in tasks)
    if service.status == DRAINING and not live and not shutting_down and not plan.stops:
        plan.service_status = INACTIVE
        plan.decisions.append("service drained → INACTIVE")
    elif (
        service.status == ACTIVE
        and not plan.starts and not plan.stops and not plan.reaps and not shutting_down
        and len(running) == desired and not pending
        and (taskdef is None or taskdef.health_check is None
             or all(plan.health.get(t.task_id, t.health_status) == HEALTHY for t in running))
        and not (service.events and service.events[0].message == wording.steady(name))
    ):
        plan.events.append(wording.steady(name))
    return plan


def plan_standalone(tasks: list[Task], observed: dict[str, ObservedContainer], obs_seq: int) -> Plan:
    """Plan one pass for one-off tasks (RunTask): record their end, never replace them.

    A failing health check does not stop a one-off task, as in ECS.
    """
    plan = Plan()
    _observe(tasks, observed, obs_seq, plan, replace_unhealthy=False)
    return plan


def _said_since(service: Service, message: str, since: float | None) -> bool:
    for event in service.events:
        if since is not None and event.created_at < since:
            return False
        if event.message == message:
            return True
    return False
