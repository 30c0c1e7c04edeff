"""Placing one task: the instance it goes to, or ECS's failure code and reason when none fits.

Order of work, as ECS documents it: keep the instances that have the CPU and memory the task
definition asks for, then those that satisfy every constraint, then rank what is left by the
strategies in order (ECS's default spread when none is given). Pure: the fleet given is left
as it was, and a placed task comes back with the fleet that has its usage taken.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Mapping, Sequence

from sandbox.core.model import Instance, TaskDefinition
from .constraints import Constraint, parse_constraint
from .fleet import Fleet
from .strategies import DEFAULT_STRATEGY, Strategy, parse_strategy

RESOURCE_CPU = "RESOURCE:CPU"
RESOURCE_MEMORY = "RESOURCE:MEMORY"
RESOURCE_INSTANCE = "RESOURCE:INSTANCE"
"""Not one of ECS's codes: the sandbox's for a cluster with no usable instance at all."""


@dataclass(frozen=True)
class Placed:
    """One more task fits: where it goes, and the fleet with its CPU, memory and count taken."""

    instance: Instance
    fleet: Fleet


@dataclass(frozen=True)
class Unplaced:
    """No instance fits the task."""

    code: str
    """ECS's failure code, as RunTask's `failures` give it (RESOURCE:CPU, MemberOf …)."""
    reason: str
    """What the service's "unable to place a task" event says, in ECS's words."""


def place(
    td: TaskDefinition,
    fleet: Fleet,
    strategy: Sequence[Mapping[str, str]],
    constraints: Sequence[Mapping[str, str]],
    seed: str,
) -> Placed | Unplaced:
    """Where one more task of `td` goes, by the ECS placementStrategy and placementConstraints
    entries given; `seed` (the task id) fixes the order the `random` strategy draws."""
    usable = fleet.usable()
    if not usable:
        return Unplaced(RESOURCE_INSTANCE,
                        "no container instance is available (every instance is drained or in a failed zone).")
    fits = [i for i in usable if fleet.has_room(i, td)]
    if not fits:
        return _short_of_resources(td, fleet, usable)
    # A task definition's own memberOf constraints apply to every task of it, as in ECS.
    own = [{"type": kind, "expression": expression} for kind, expression in td.placement_constraints]
    for constraint in [parse_constraint(c) for c in [*constraints, *own]]:
        fits = [i for i in fits if constraint.feasible(i, fleet)]
        if not fits:
            return _unsatisfied(constraint)
    ranked = [parse_strategy(s) for s in strategy] or DEFAULT_STRATEGY
    chosen = min(fits, key=_ranking(ranked, fleet, fits, seed))
    return Placed(chosen, fleet.taking(chosen, td))


def _short_of_resources(td: TaskDefinition, fleet: Fleet, usable: list[Instance]) -> Unplaced:
    """ECS names the instance closest to fitting, and what it lacks."""
    def shortfall(i: Instance) -> tuple[int, str]:
        return min(fleet.free_cpu(i) - td.cpu, 0) + min(fleet.free_memory(i) - td.memory, 0), i.id

    closest = max(usable, key=shortfall)
    cpu_short = fleet.free_cpu(closest) < td.cpu
    return Unplaced(
        RESOURCE_CPU if cpu_short else RESOURCE_MEMORY,
        "no container instance met all of its requirements. The closest matching container-instance "
        f"{closest.id} has insufficient {'CPU units' if cpu_short else 'memory'} available.",
    )


def _unsatisfied(constraint: Constraint) -> Unplaced:
    return Unplaced(
        constraint.failure_code,
        f"no container instance met all of its requirements: the {constraint.label} placement constraint is unsatisfied.",
    )


def _ranking(strategies: Sequence[Strategy], fleet: Fleet, fits: list[Instance], seed: str):
    """The sort key over `fits`: each strategy in order, then zone and id so ties are stable."""
    rng = random.Random(seed)
    draws = {i.id: rng.random() for i in fits}

    def rank(instance: Instance) -> tuple:
        return (*(s.key(instance, fleet, draws) for s in strategies), instance.zone, instance.id)

    return rank
