"""Stopping tasks: scale-in, then old tasks as far as the healthy floor allows.

Scale-in order: the fullest zone first, then the fullest instance, then tasks that have not
reached RUNNING, newest created first; then RUNNING tasks, newest started first. Old tasks
have proven themselves.
"""

from __future__ import annotations

from sandbox.core.model import RUNNING, SERVICE_SCHEDULER_INITIATED, UNHEALTHY, Task
from ..placement import scale_in_victims
from .context import KeepOrReplace, PassContext, Rollout
from .health import Health
from .plan import Plan, Stop
from .reasons import DEPLOYMENT_REASON, SCALE_IN_REASON
from .rolling import Bounds


def _tasks(n: int) -> str:
    return f"{n} task{'s' if n != 1 else ''}"


def scale_in(ctx: PassContext, split: KeepOrReplace, bounds: Bounds, plan: Plan) -> list[Task]:
    """The primary's tasks beyond the desired count, balanced across zones."""
    extra = len(split.keepers) - ctx.desired
    if extra <= 0:
        return []
    victims = scale_in_victims(list(split.keepers), extra)
    plan.decisions.append(
        f"{bounds.counts_text} → stopping {_tasks(len(victims))} "
        "(fullest zone first, then not-yet-running, then newest)"
    )
    return victims


def stop_budget(bounds: Bounds, healthy: Health, already_stopping: list[Task]) -> int:
    """Healthy tasks that may still stop without going below the floor."""
    return bounds.healthy_count - bounds.min_healthy - healthy.count(already_stopping)


def _free_to_stop(task: Task) -> bool:
    """Not running, or failed its checks: stopping it costs no healthy task."""
    return task.last_status != RUNNING or task.health_status == UNHEALTHY or task.target_health == "unhealthy"


def replace_old(split: KeepOrReplace, bounds: Bounds, budget: int, hold_old: bool, plan: Plan) -> list[Task]:
    """Old tasks to stop now, as far as the healthy floor allows.

    Only a task that is not running or has failed its checks is free to stop; one still
    proving itself is kept like a healthy one, so a rollout begun early never empties the service.
    """
    replaced: list[Task] = []
    candidates = [] if hold_old else split.to_replace
    for task in sorted(candidates, key=lambda t: (not _free_to_stop(t), -(t.started_at or t.created_at))):
        if not _free_to_stop(task):
            if budget <= 0:
                continue
            budget -= 1
        replaced.append(task)
    if replaced:
        plan.decisions.append(
            f"{bounds.counts_text} → stopping {len(replaced)} old task{'s' if len(replaced) != 1 else ''} "
            f"(healthy floor {bounds.min_healthy}, ceiling {bounds.max_total})"
        )
    return replaced


def stop_tasks(ctx: PassContext, rollout: Rollout, tasks: list[Task], plan: Plan) -> None:
    """Stop `tasks` with the reason ECS gives: scaling by the service, or by its deployment."""
    if ctx.service.deployments:
        reason = DEPLOYMENT_REASON.format(deployment=rollout.primary.id)
    else:
        reason = SCALE_IN_REASON.format(service=ctx.name)
    for task in tasks:
        plan.stops.append(Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, reason))
