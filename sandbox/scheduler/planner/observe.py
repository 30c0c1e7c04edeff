"""What the runtime, the load balancer and the fleet report, turned into reaps and stops.

Each step returns the ids of the tasks it takes away this pass, so later steps leave them be.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from sandbox.core import events as wording
from sandbox.core.model import (
    ESSENTIAL_CONTAINER_EXITED,
    RUNNING,
    SERVICE_SCHEDULER_INITIATED,
    STOPPED,
    UNHEALTHY,
    USER_INITIATED,
    Task,
)
from ...runtime.base import EXITED, ObservedContainer
from .context import PassContext
from .health import container_health, spared
from .plan import Plan, Reap, Stop
from .reasons import (
    CONTAINER_REMOVED,
    EXITED_REASON,
    HEALTH_FAILURE_REASON,
    HOST_LOST_REASON,
    OUT_OF_MEMORY,
    TERMINATION_NOTICE,
    USER_STOP_REASON,
)


def observe_containers(
    tasks: Iterable[Task],
    observed: Mapping[str, ObservedContainer],
    obs_seq: int,
    plan: Plan,
    replace_unhealthy: bool,
    grace_seconds: float = 0.0,
    now: float = 0.0,
) -> set[str]:
    """Reap tasks whose container exited or vanished, carry out stop requests, note health,
    and (for services) stop a task that fails its container health check."""
    leaving: set[str] = set()
    for task in tasks:
        if task.last_status != RUNNING:
            # Launches and stops in flight belong to the executor; it reports back.
            continue
        container = observed.get(task.task_id)
        if container is None:
            if obs_seq < task.launch_seq:
                continue  # this listing predates the container
            _reap_vanished(task, plan)
        elif container.state == EXITED:
            _reap_exited(task, container, plan)
        elif not _judge_running(task, container, plan, replace_unhealthy, grace_seconds, now):
            continue
        leaving.add(task.task_id)
    return leaving


def _reap_vanished(task: Task, plan: Plan) -> None:
    plan.reaps.append(Reap(task.task_id, ESSENTIAL_CONTAINER_EXITED, EXITED_REASON, None, CONTAINER_REMOVED))
    plan.decisions.append(f"task {task.task_id[:8]}'s container is gone → recording it as stopped")


def _reap_exited(task: Task, container: ObservedContainer, plan: Plan) -> None:
    reason = OUT_OF_MEMORY if container.oom_killed else None
    plan.reaps.append(Reap(task.task_id, ESSENTIAL_CONTAINER_EXITED, EXITED_REASON, container.exit_code, reason))
    plan.decisions.append(f"task {task.task_id[:8]} exited with code {container.exit_code} → recording it as stopped")


def _judge_running(task: Task, container: ObservedContainer, plan: Plan, replace_unhealthy: bool,
                   grace_seconds: float, now: float) -> bool:
    """Note the container's health; True if the task is asked to stop or failed its check."""
    health = container_health(container)
    if health != task.health_status:
        plan.health[task.task_id] = health
    if task.desired_status == STOPPED:
        plan.stops.append(Stop(task.task_id, task.stop_code or USER_INITIATED, task.stopped_reason or USER_STOP_REASON))
        plan.decisions.append(f"task {task.task_id[:8]} was asked to stop → stopping it")
        return True
    if replace_unhealthy and health == UNHEALTHY and not spared(task, "is UNHEALTHY", grace_seconds, now, plan):
        plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, HEALTH_FAILURE_REASON))
        plan.decisions.append(f"task {task.task_id[:8]} is UNHEALTHY → stopping it so it can be replaced")
        return True
    return False


def failed_targets(ctx: PassContext, leaving: set[str], plan: Plan) -> set[str]:
    """A target the load balancer found unhealthy is replaced, as ECS does, once any grace is over."""
    balancer = ctx.service.load_balancer
    if balancer is None:
        return set()
    grace = ctx.service.health_check_grace_seconds
    failed: set[str] = set()
    for task in ctx.tasks:
        if (task.last_status == RUNNING and task.desired_status == RUNNING and task.task_id not in leaving
                and task.target_health == "unhealthy"
                and not spared(task, "failed the load balancer's health checks", grace, ctx.now, plan)):
            target_group = balancer.target_group_arn
            plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, wording.elb_health_failure(target_group)))
            plan.decisions.append(f"task {task.task_id[:8]} failed the load balancer's health checks → "
                                  "stopping it so it can be replaced")
            failed.add(task.task_id)
    return failed


def lost_with_their_zone(ctx: PassContext, leaving: set[str], plan: Plan) -> set[str]:
    """A failed zone takes its tasks with it, as a lost host would."""
    lost: set[str] = set()
    for task in ctx.tasks:
        instance = ctx.instances.get(task.instance_id or "")
        if task.is_live and task.task_id not in leaving and instance is not None and instance.zone_failed:
            plan.stops.append(Stop(task.task_id, TERMINATION_NOTICE, HOST_LOST_REASON.format(instance=instance.id)))
            plan.decisions.append(f"zone {instance.zone} failed → task {task.task_id[:8]} on {instance.id} is lost")
            lost.add(task.task_id)
    return lost
