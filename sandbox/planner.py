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

import math
import random
from dataclasses import dataclass, field
from typing import Callable, Iterable

from . import events as wording
from .model import (
    ACTIVE,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    Deployment,
    new_deployment_id,
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
from .placement import Fleet, place, scale_in_victims, zone_counts
from .runtime.base import EXITED, HEALTH_HEALTHY, HEALTH_UNHEALTHY, ObservedContainer

FAST_FAILURE_WINDOW = 10.0
"""A task that dies sooner than this after starting counts toward the crash-loop backoff."""

UNCHECKED_HEALTHY_AFTER = FAST_FAILURE_WINDOW
"""A task with no health check (and no load balancer) counts as healthy after running this long."""

BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0
THROTTLE_EVENT_AFTER = 3
"""Consecutive fast failures before the "unable to consistently start" event."""

PLACEMENT_RETRY = 5.0
"""Seconds before trying again to place a task that found no room."""

TERMINATION_NOTICE = "TerminationNotice"
HOST_LOST_REASON = "Host EC2 (instance {instance}) stopped/terminated"
HEALTH_FAILURE_REASON = "Task failed container health checks"
ELB_HEALTH_FAILURE_PREFIX = "Task failed ELB health checks"
EXITED_REASON = "Essential container in task exited"
SCALE_IN_REASON = "Scaling activity initiated by (service {service})"


def backoff_delay(streak: int) -> float:
    """Seconds to wait before the next start after `streak` consecutive fast failures."""
    if streak <= 1:
        return 0.0
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (streak - 2))


@dataclass(frozen=True)
class Start:
    """Launch a new task for the service, for one deployment, on one instance."""

    task_id: str
    deployment_id: str | None = None
    task_definition: str | None = None
    instance_id: str | None = None
    zone: str | None = None


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
    notes: list[str] = field(default_factory=list)
    """Decisions to say once even when the pass changes nothing (a task kept on purpose)."""
    requeue_after: float | None = None
    service_status: str | None = None
    chaos_fired: bool = False
    chaos_done: bool = False
    deployments: list[Deployment] | None = None
    """The service's new deployment list, when it changed."""
    adopt: dict[str, str] = field(default_factory=dict)
    """Tasks moving to another deployment (a rollback keeps what already runs its definition)."""
    service_task_definition: str | None = None
    circuit_breaker: tuple[int, int] | None = None
    """(failed tasks, threshold) of the primary deployment, while its breaker watches."""

    @property
    def is_empty(self) -> bool:
        return not (
            self.starts or self.stops or self.reaps or self.health or self.events
            or self.service_status or self.chaos_fired or self.chaos_done
            or self.deployments is not None or self.adopt or self.service_task_definition
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


def grace_left(task: Task, grace_seconds: float, now: float) -> float:
    """Seconds left of the service's health check grace period, which runs from the task's start.

    Within it the scheduler ignores failed container and load balancer health checks, so a
    slow starter is not replaced before it had a chance to warm up.
    """
    if grace_seconds <= 0:
        return 0.0
    return max(0.0, (task.started_at if task.started_at is not None else now) + grace_seconds - now)


def _spared(task: Task, what: str, grace_seconds: float, now: float, plan: Plan) -> bool:
    """True (and said) while the grace period keeps an unhealthy task from being replaced."""
    left = grace_left(task, grace_seconds, now)
    if left <= 0:
        return False
    plan.wake_in(left)
    plan.notes.append(
        f"task {task.task_id[:8]} {what}, but it is within the service's {grace_seconds:g}s health check "
        "grace period → keeping it"
    )
    return True


def _observe(
    tasks: Iterable[Task],
    observed: dict[str, ObservedContainer],
    obs_seq: int,
    plan: Plan,
    replace_unhealthy: bool,
    grace_seconds: float = 0.0,
    now: float = 0.0,
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
        elif replace_unhealthy and health == UNHEALTHY and not _spared(task, "is UNHEALTHY", grace_seconds, now, plan):
            plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, HEALTH_FAILURE_REASON))
            plan.decisions.append(f"task {task.task_id[:8]} is UNHEALTHY → stopping it so it can be replaced")
            leaving.add(task.task_id)
    return leaving


def _failed_health(task: Task) -> bool:
    """Stopped for failing a container or a load balancer health check: a failure, not a request."""
    reason = task.stopped_reason or ""
    return reason == HEALTH_FAILURE_REASON or reason.startswith(ELB_HEALTH_FAILURE_PREFIX)


def _is_fast_failure(task: Task, stop_code: str | None, stopped_at: float) -> bool:
    if stop_code == TASK_FAILED_TO_START:
        return True
    if stop_code == ESSENTIAL_CONTAINER_EXITED or _failed_health(task):
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
        elif code in (USER_INITIATED, SERVICE_SCHEDULER_INITIATED) and not _failed_health(task):
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


def circuit_breaker_threshold(desired: int) -> int:
    """ECS's threshold: half the desired count, rounded up, clamped to [3, 200]."""
    return min(200, max(3, math.ceil(0.5 * desired)))


def _deployment_of(task: Task, primary: Deployment) -> str:
    # Records from before deployments existed belong to the primary.
    return task.deployment_id or primary.id


def plan_service(
    service: Service,
    taskdefs: dict[str, TaskDefinition],
    tasks: list[Task],
    observed: dict[str, ObservedContainer],
    obs_seq: int,
    now: float,
    new_id: Callable[[], str] = new_task_id,
    fleet: Fleet | None = None,
    new_deployment_id: Callable[[], str] = new_deployment_id,
) -> Plan:
    """Plan one pass for one service: replace what died, roll deployments, place, scale."""
    plan = Plan()
    name = service.name
    primary = service.primary or Deployment(
        id="ecs-svc/0000000000000000000", task_definition=service.task_definition, created_at=service.created_at,
        updated_at=service.created_at, rollout_state=COMPLETED,
    )
    taskdef = taskdefs.get(primary.task_definition)
    instances = {i.id: i for i in fleet.instances} if fleet else {}
    grace = service.health_check_grace_seconds
    leaving = _observe(tasks, observed, obs_seq, plan, replace_unhealthy=True, grace_seconds=grace, now=now)
    reaped_now = {r.task_id for r in plan.reaps}

    # A target the load balancer found unhealthy is replaced, as ECS does, once any grace is over.
    if service.load_balancer is not None:
        for task in tasks:
            if (task.last_status == RUNNING and task.desired_status == RUNNING and task.task_id not in leaving
                    and task.target_health == "unhealthy"
                    and not _spared(task, "failed the load balancer's health checks", grace, now, plan)):
                target_group = service.load_balancer.get("targetGroupArn", "")
                plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, wording.elb_health_failure(target_group)))
                plan.decisions.append(f"task {task.task_id[:8]} failed the load balancer's health checks → "
                                      "stopping it so it can be replaced")
                leaving.add(task.task_id)

    # A failed zone takes its tasks with it, as a lost host would.
    for task in tasks:
        instance = instances.get(task.instance_id or "")
        if task.is_live and task.task_id not in leaving and instance is not None and instance.zone_failed:
            plan.stops.append(Stop(task.task_id, TERMINATION_NOTICE, HOST_LOST_REASON.format(instance=instance.id)))
            plan.decisions.append(f"zone {instance.zone} failed → task {task.task_id[:8]} on {instance.id} is lost")
            leaving.add(task.task_id)

    live = [t for t in tasks if t.is_live and t.task_id not in leaving]
    desired = service.desired_count if service.status == ACTIVE else 0
    constraints = service.placement_constraints
    if service.scheduling_strategy == "DAEMON":
        # One task on every instance that can take one; the count follows the fleet.
        desired = sum(1 for i in instances.values() if i.usable) if service.status == ACTIVE else 0
        constraints = [*constraints, {"type": "distinctInstance"}]
    running = [t for t in live if t.last_status == RUNNING]
    pending = [t for t in live if t.last_status in NOT_YET_RUNNING]

    def healthy(task: Task) -> bool:
        """ECS's rule: RUNNING, HEALTHY if the container has a check, and healthy in the target
        group if the service has a load balancer."""
        td = taskdefs.get(task.task_definition)
        if task.last_status != RUNNING:
            return False
        if service.load_balancer is not None and task.target_health != "healthy":
            return False
        if (td is None or td.health_check is None) and service.load_balancer is None:
            # With nothing to check, ECS trusts a task once it has run for a while (40 s there).
            proven_at = (task.started_at or now) + UNCHECKED_HEALTHY_AFTER
            if proven_at > now:
                plan.wake_in(proven_at - now)
                return False
            return True
        if td is None or td.health_check is None:
            return True  # the target group's verdict above is the check
        return plan.health.get(task.task_id, task.health_status) == HEALTHY

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

    # -- deployments: the circuit breaker, then rollback --------------------------------------
    deployments = list(service.deployments)
    config = service.deployment_configuration
    # Shifting traffic between task sets always watches the new set and rolls back on failure.
    task_sets = config.strategy != "ROLLING"
    breaker_on = config.circuit_breaker_enable or task_sets
    if primary.rollout_state == IN_PROGRESS and breaker_on and service.status == ACTIVE:
        primary_tasks = [t for t in tasks if _deployment_of(t, primary) == primary.id]
        failures, _, _ = failure_streak(primary_tasks, reaped_now, now)
        threshold = circuit_breaker_threshold(desired)
        plan.circuit_breaker = (failures, threshold)
        if failures != primary.failed_tasks:
            primary = _replace(primary, failed_tasks=failures, updated_at=now)
            deployments[0] = primary
        if failures >= threshold:
            primary = _replace(primary, rollout_state=FAILED, updated_at=now,
                               rollout_state_reason="ECS deployment circuit breaker: tasks failed to start.")
            deployments[0] = primary
            plan.events.append(wording.deployment_failed(name, primary.id))
            plan.decisions.append(f"{failures} tasks of {primary.id} failed (threshold {threshold}) → deployment FAILED")
            previous = next((d for d in deployments[1:] if d.rollout_state != FAILED), None)
            if (config.circuit_breaker_rollback or task_sets) and previous is not None:
                rollback = Deployment(
                    id=new_deployment_id(), task_definition=previous.task_definition, created_at=now, updated_at=now,
                    rollout_state=IN_PROGRESS, rollback_of=primary.id,
                    rollout_state_reason=f"ECS deployment circuit breaker: rolling back to deploymentId {previous.id}.",
                )
                failed_as_active = _replace(primary, status=ACTIVE)
                deployments = [rollback, failed_as_active] + [
                    _replace(d, status=ACTIVE) for d in deployments[1:] if d.task_definition != previous.task_definition
                ]
                # Tasks already running the definition we return to are kept, not replaced.
                for t in live:
                    if t.task_definition == previous.task_definition:
                        plan.adopt[t.task_id] = rollback.id
                plan.service_task_definition = previous.task_definition
                plan.events.append(wording.rolling_back(name, rollback.id, previous.task_definition))
                plan.decisions.append(f"rolling back to {previous.task_definition} as {rollback.id}")
                primary = rollback
                taskdef = taskdefs.get(primary.task_definition)
    else:
        plan.circuit_breaker = None

    def deployment_of(task: Task) -> str:
        return plan.adopt.get(task.task_id) or _deployment_of(task, primary)

    draining = {i.id for i in instances.values() if i.status != ACTIVE}
    keepers = [t for t in live if deployment_of(t) == primary.id and t.instance_id not in draining]
    to_replace = [t for t in live if t not in keepers]

    # -- AZ rebalancing: move one task at a time from the fullest zone to the emptiest ---------
    zone_note = None
    if fleet is not None and service.az_rebalancing and not to_replace and len(deployments) <= 1:
        counts = zone_counts(keepers, fleet.zones())
        if counts and max(counts.values()) - min(counts.values()) > 1:
            zone_note = wording.az_unbalanced(name, counts)
            fullest = max(sorted(counts), key=lambda z: counts[z])
            candidates = [t for t in keepers if t.zone == fullest and t.last_status == RUNNING]
            if candidates:
                mover = max(candidates, key=lambda t: (t.started_at or 0, t.task_id))
                keepers.remove(mover)
                to_replace.append(mover)
                plan.decisions.append(f"zones {dict(counts)} are not balanced → moving task {mover.task_id[:8]} out of {fullest}")
        elif counts and _last_az_note_was_unbalanced(service):
            zone_note = wording.az_balanced(name, counts)
        if zone_note and not (service.events and service.events[0].message == zone_note):
            plan.events.append(zone_note)

    # -- blue/green: a whole second task set, then traffic moves to it step by step ------------
    shifting = task_sets and len(deployments) > 1 and primary.rollout_state == IN_PROGRESS and not primary.rollback_of
    hold_old = False
    if shifting:
        share = primary.traffic_percent
        baked = primary.shifted_at is not None and now - primary.shifted_at >= config.bake_seconds
        if len(keepers) == desired and all(healthy(t) for t in keepers):
            if share <= 0:
                step = {"BLUE_GREEN": 100.0, "CANARY": config.canary_percent}.get(config.strategy, config.linear_step_percent)
            elif share < 100 and baked:
                step = 100.0 if config.strategy == "CANARY" else min(100.0, share + config.linear_step_percent)
            else:
                step = share
            if step != share:
                primary = _replace(primary, traffic_percent=step, shifted_at=now, updated_at=now)
                deployments[0] = primary
                share, baked = step, False
                plan.events.append(wording.traffic_shifted(name, primary.id, step))
                plan.decisions.append(f"the new task set ({primary.task_definition}) is healthy → "
                                      f"{step:g}% of traffic to it, baking {config.bake_seconds}s")
        else:
            plan.decisions.append(f"starting the new task set ({primary.task_definition}) beside the old one; "
                                  "no traffic moves until all of it is healthy")
        if primary.shifted_at is not None and not baked:
            plan.wake_in(primary.shifted_at + config.bake_seconds - now)
        hold_old = not (share >= 100 and baked)

    # -- the rolling arithmetic: ECS's minimumHealthyPercent and maximumPercent -----------------
    max_total = math.floor(desired * config.maximum_percent / 100)
    if shifting:
        max_total = max(max_total, desired + len(to_replace))  # room for the whole new set
    min_healthy = math.ceil(desired * config.minimum_healthy_percent / 100)
    healthy_count = sum(1 for t in live if healthy(t))
    counts_text = f"desired {desired}, running {len(running)}, pending {len(pending)}"
    if to_replace:
        counts_text += f", {len(to_replace)} to replace"

    wanted = desired - len(keepers)
    room = max_total - len(live)
    launch = max(0, min(wanted, room))
    backing_off = False
    if launch and primary.rollout_state == FAILED:
        plan.decisions.append(f"{counts_text} → deployment {primary.id} FAILED; it launches no new tasks")
        launch = 0
    if launch:
        ready_at = (newest_failure or now) + backoff_delay(streak)
        if ready_at > now:
            plan.wake_in(ready_at - now)
            plan.decisions.append(
                f"{counts_text} → {streak} tasks failed fast in a row; waiting {ready_at - now:.0f}s before starting {launch} more"
            )
            launch = 0
            backing_off = True
        elif taskdef is None:
            plan.decisions.append(f"{counts_text} → cannot start: task definition {primary.task_definition} is missing")
            launch = 0
    starts: list[Start] = []
    for _ in range(launch):
        task_id = new_id()
        instance, why = (None, "")
        if fleet is not None:
            instance, why = place(taskdef, fleet, service.placement_strategy, constraints, task_id)
            if instance is None:
                event = wording.unable_to_place_task(name, why)
                if not _said_since(service, event, now - 300) and event not in plan.events:
                    plan.events.append(event)
                plan.decisions.append(f"{counts_text} → cannot place a task: {why}")
                plan.wake_in(PLACEMENT_RETRY)
                break
            fleet.take(instance, taskdef)
        starts.append(Start(task_id, primary.id, primary.task_definition,
                            instance.id if instance else None, instance.zone if instance else None))
    if starts:
        plan.starts = starts
        plan.events.append(wording.started(name, [s.task_id for s in starts]))
        where = ""
        if fleet is not None:
            where = " in " + ", ".join(sorted({s.zone for s in starts})) + " (AZ spread)" if not service.placement_strategy else ""
        plan.decisions.append(f"{counts_text} → starting {len(starts)} task{'s' if len(starts) != 1 else ''}{where}")

    stopping: list[Task] = []
    if len(keepers) > desired:
        stopping += scale_in_victims(keepers, len(keepers) - desired)
        plan.decisions.append(
            f"{counts_text} → stopping {len(stopping)} task{'s' if len(stopping) != 1 else ''} "
            "(fullest zone first, then not-yet-running, then newest)"
        )
    # Old tasks go as far as the healthy floor allows. Only a task that is not running or has
    # failed its checks is free to stop; one still proving itself is kept like a healthy one,
    # so a rollout begun early never empties the service.
    def free_to_stop(task: Task) -> bool:
        return task.last_status != RUNNING or task.health_status == UNHEALTHY or task.target_health == "unhealthy"

    budget = healthy_count - min_healthy - sum(1 for t in stopping if healthy(t))
    for task in sorted([] if hold_old else to_replace, key=lambda t: (not free_to_stop(t), -(t.started_at or t.created_at))):
        if not free_to_stop(task):
            if budget <= 0:
                continue
            budget -= 1
        stopping.append(task)
    replaced = [t for t in stopping if t in to_replace]
    if replaced:
        plan.decisions.append(
            f"{counts_text} → stopping {len(replaced)} old task{'s' if len(replaced) != 1 else ''} "
            f"(healthy floor {min_healthy}, ceiling {max_total})"
        )
    reason = (
        SCALE_IN_REASON.format(service=name) if not service.deployments
        else f"Scaling activity initiated by (deployment {primary.id})"
    )
    for task in stopping:
        plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, reason))
    if to_replace and not starts and not replaced and not backing_off and primary.rollout_state != FAILED and not shifting:
        if wanted > 0 and room <= 0 and budget <= 0:
            stuck = wording.deployment_config_blocks(name)
            if not _said_since(service, stuck, primary.created_at):
                plan.events.append(stuck)
            plan.decisions.append(
                f"{counts_text} → stuck: starting would exceed maximumPercent ({max_total} tasks) and stopping "
                f"would go below minimumHealthyPercent ({min_healthy} healthy)"
            )

    scheduler_stops = [s.task_id for s in plan.stops if s.stop_code == SERVICE_SCHEDULER_INITIATED]
    if scheduler_stops:
        plan.events.append(wording.stopped(name, scheduler_stops))

    # -- completion and steady state ----------------------------------------------------------
    shutting_down = any(t.last_status in SHUTTING_DOWN for t in tasks)
    settled = (
        not plan.starts and not plan.stops and not plan.reaps and not shutting_down
        and not to_replace and len(keepers) == desired and all(healthy(t) for t in keepers)
    )
    if settled and primary.rollout_state == IN_PROGRESS and service.status == ACTIVE:
        primary = _replace(primary, rollout_state=COMPLETED, updated_at=now,
                           rollout_state_reason=f"ECS deployment {primary.id} completed.")
        deployments = [primary]
        plan.events.append(wording.deployment_completed(name, primary.id))
        plan.decisions.append(f"all {desired} tasks of {primary.task_definition} are healthy → deployment completed")
    elif settled and len(deployments) > 1 and primary.rollout_state == COMPLETED:
        deployments = [primary]
    if deployments != list(service.deployments):
        plan.deployments = deployments

    if service.status == DRAINING and not live and not shutting_down and not plan.stops:
        plan.service_status = INACTIVE
        plan.decisions.append("service drained → INACTIVE")
    elif (
        service.status == ACTIVE and settled and len(deployments) <= 1
        and not (service.events and service.events[0].message == wording.steady(name))
    ):
        plan.events.append(wording.steady(name))
    return plan


def _last_az_note_was_unbalanced(service: Service) -> bool:
    for event in service.events:
        if "AZ balanced with" in event.message:
            return "is not AZ balanced" in event.message
    return False


def _replace(deployment: Deployment, **changes) -> Deployment:
    return Deployment(**{**deployment.__dict__, **changes})


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
