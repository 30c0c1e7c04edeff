"""One-off tasks (RunTask): placed when asked for, launched by the loop, recorded when they end.

RunTask places its tasks at once, as ECS does, so that what fits nowhere comes back in its
answer (`place_one_offs`). The tasks it records wait as PROVISIONING until the loop's next
pass hands them to the executor (`plan_standalone`). Nothing replaces a one-off task, and a
failing health check does not stop one, as in ECS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from sandbox.core.model import PROVISIONING, Instance, Task, TaskDefinition
from ...runtime.base import ObservedContainer
from ..placement import Fleet, Unplaced, place
from .observe import observe_containers
from .plan import Plan


@dataclass(frozen=True)
class OneOff:
    """Where one requested task goes: an instance, none (no fleet to place on), or why it fits nowhere."""

    task_id: str
    instance: Instance | None = None
    unplaced: Unplaced | None = None
    """ECS's failure code and reason when no instance could take it; None when it was placed (or there is no fleet)."""


def place_one_offs(td: TaskDefinition, fleet: Fleet | None, count: int, new_id: Callable[[], str]) -> list[OneOff]:
    """Place `count` tasks of `td`, each on the instance the default strategy ranks first.

    A task that fits nowhere does not stop the rest. The fleet given is left as it was.
    """
    placed: list[OneOff] = []
    for _ in range(count):
        task_id = new_id()
        if fleet is None:
            placed.append(OneOff(task_id))
            continue
        placement = place(td, fleet, [], [], task_id)
        if isinstance(placement, Unplaced):
            placed.append(OneOff(task_id, unplaced=placement))
            continue
        fleet = placement.fleet
        placed.append(OneOff(task_id, placement.instance))
    return placed


def plan_standalone(tasks: list[Task], observed: Mapping[str, ObservedContainer], obs_seq: int) -> Plan:
    """Plan one pass for one-off tasks (RunTask): launch what RunTask recorded, record their end,
    never replace them."""
    plan = Plan()
    plan.launches = [t.task_id for t in tasks if t.last_status == PROVISIONING]
    observe_containers(tasks, observed, obs_seq, plan, replace_unhealthy=False)
    return plan
