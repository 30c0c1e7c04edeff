"""Where a task runs: ECS's placement constraints and strategies over simulated instances. Pure.

Order of work, as ECS documents it: keep the instances that have the CPU and memory the task
definition asks for, then those that satisfy every constraint, then rank what is left by the
strategies in order. With no strategy given the ranking is ECS's default for replica
services: the zone with the fewest of the service's tasks, then the instance with the fewest.

Scale-in is balanced the same way: a task goes from the zone with the most of the service's
tasks, then from the instance with the most; within that, tasks that have not reached
RUNNING go first, then the newest.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .model import NOT_YET_RUNNING, Instance, Task, TaskDefinition

ZONE_ATTRIBUTE = "attribute:ecs.availability-zone"
INSTANCE_TYPE = "t3.medium"
DEFAULT_STRATEGY = ({"type": "spread", "field": ZONE_ATTRIBUTE}, {"type": "spread", "field": "instanceId"})
STRATEGY_FIELDS = {
    "spread": (ZONE_ATTRIBUTE, "instanceId", "attribute:ecs.instance-type"),
    "binpack": ("cpu", "memory"),
    "random": (None,),
}
MAX_STRATEGIES = 5
MAX_CONSTRAINTS = 10


class PlacementError(ValueError):
    """A placement strategy or constraint that cannot be used; the message says what is allowed."""


def attributes(instance: Instance) -> dict[str, str]:
    """The attributes an expression can test, named as ECS names them."""
    return {
        "ecs.availability-zone": instance.zone,
        "ecs.instance-type": INSTANCE_TYPE,
        "ecs.os-type": "linux",
        "ecs.cpu-architecture": "x86_64",
        "instanceId": instance.id,
    }


# -- the cluster query language subset ------------------------------------------------------------
_CLAUSE = re.compile(r"^\s*(attribute:[\w.-]+|instanceId)\s*(==|!=|=~|not_in|in)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Clause:
    attribute: str
    op: str
    values: tuple[str, ...]

    def matches(self, instance: Instance) -> bool:
        name = self.attribute.removeprefix("attribute:")
        actual = attributes(instance).get(name)
        if actual is None:
            return False
        if self.op == "==":
            return actual == self.values[0]
        if self.op == "!=":
            return actual != self.values[0]
        if self.op == "in":
            return actual in self.values
        if self.op == "not_in":
            return actual not in self.values
        return re.search(self.values[0], actual) is not None


def parse_expression(expression: str) -> list[Clause]:
    """`attribute:ecs.availability-zone in [us-east-1a, us-east-1b] and attribute:… != …`."""
    clauses = []
    for part in re.split(r"\s+and\s+", expression.strip()):
        match = _CLAUSE.match(part)
        if not match:
            raise PlacementError(
                f"memberOf expression {part!r} is not understood; use 'attribute:NAME OP VALUE' "
                "with OP one of ==, !=, in [a, b], not_in [a, b], =~ regex, joined by 'and'"
            )
        attribute, op, raw = match.groups()
        if op in ("in", "not_in"):
            if not (raw.startswith("[") and raw.endswith("]")):
                raise PlacementError(f"'{op}' needs a list in brackets, e.g. [us-east-1a, us-east-1b]; got {raw!r}")
            values = tuple(v.strip().strip("'\"") for v in raw[1:-1].split(",") if v.strip())
        else:
            values = (raw.strip("'\""),)
        if op == "=~":
            try:
                re.compile(values[0])
            except re.error as exc:
                raise PlacementError(f"'=~' needs a regular expression; {values[0]!r}: {exc}") from None
        clauses.append(Clause(attribute, op, values))
    return clauses


def check_constraints(constraints: list[dict[str, str]]) -> None:
    if len(constraints) > MAX_CONSTRAINTS:
        raise PlacementError(f"at most {MAX_CONSTRAINTS} placement constraints; got {len(constraints)}")
    for c in constraints:
        kind = c.get("type")
        if kind == "distinctInstance":
            continue
        if kind == "memberOf":
            parse_expression(c.get("expression", ""))
            continue
        raise PlacementError(f"placement constraint type {kind!r} is not known; allowed: distinctInstance, memberOf")


def check_strategy(strategy: list[dict[str, str]]) -> None:
    if len(strategy) > MAX_STRATEGIES:
        raise PlacementError(f"at most {MAX_STRATEGIES} placement strategies; got {len(strategy)}")
    for s in strategy:
        kind, field = s.get("type"), s.get("field")
        if kind not in STRATEGY_FIELDS:
            raise PlacementError(f"placement strategy type {kind!r} is not known; allowed: spread, binpack, random")
        if kind != "random" and field not in STRATEGY_FIELDS[kind]:
            allowed = ", ".join(f for f in STRATEGY_FIELDS[kind] if f)
            raise PlacementError(f"{kind} cannot use field {field!r}; allowed: {allowed}")


# -- placing --------------------------------------------------------------------------------------
@dataclass
class Fleet:
    """The instances of one cluster and what is already placed on them, updated as tasks are placed."""

    instances: list[Instance]
    used_cpu: Counter
    used_memory: Counter
    service_per_instance: Counter
    service_per_zone: Counter

    @classmethod
    def build(cls, instances: list[Instance], cluster_tasks: Iterable[Task], service_tasks: Iterable[Task],
              taskdefs: dict[str, TaskDefinition]) -> Fleet:
        used_cpu, used_memory = Counter(), Counter()
        for task in cluster_tasks:
            td = taskdefs.get(task.task_definition)
            if task.instance_id and td is not None:
                used_cpu[task.instance_id] += td.cpu
                used_memory[task.instance_id] += td.memory
        per_instance, per_zone = Counter(), Counter()
        for task in service_tasks:
            if task.instance_id:
                per_instance[task.instance_id] += 1
                per_zone[task.zone] += 1
        return cls(instances, used_cpu, used_memory, per_instance, per_zone)

    def free_cpu(self, instance: Instance) -> int:
        return instance.cpu - self.used_cpu[instance.id]

    def free_memory(self, instance: Instance) -> int:
        return instance.memory - self.used_memory[instance.id]

    def take(self, instance: Instance, td: TaskDefinition) -> None:
        self.used_cpu[instance.id] += td.cpu
        self.used_memory[instance.id] += td.memory
        self.service_per_instance[instance.id] += 1
        self.service_per_zone[instance.zone] += 1

    def zones(self) -> list[str]:
        return sorted({i.zone for i in self.instances if i.usable})


def place(
    td: TaskDefinition,
    fleet: Fleet,
    strategy: list[dict[str, str]],
    constraints: list[dict[str, str]],
    seed: str,
) -> tuple[Instance | None, str]:
    """The instance for one more task and why; (None, ECS-worded reason) when nothing fits."""
    usable = [i for i in fleet.instances if i.usable]
    if not usable:
        return None, "no container instance is available (every instance is drained or in a failed zone)."
    fits = [i for i in usable if fleet.free_cpu(i) >= td.cpu and fleet.free_memory(i) >= td.memory]
    if not fits:
        closest = max(usable, key=lambda i: (min(fleet.free_cpu(i) - td.cpu, 0) + min(fleet.free_memory(i) - td.memory, 0), i.id))
        short = "CPU units" if fleet.free_cpu(closest) < td.cpu else "memory"
        return None, (
            "no container instance met all of its requirements. The closest matching container-instance "
            f"{closest.id} has insufficient {short} available."
        )
    for constraint in constraints:
        if constraint.get("type") == "distinctInstance":
            fits = [i for i in fits if fleet.service_per_instance[i.id] == 0]
            label = "distinctInstance"
        else:
            clauses = parse_expression(constraint.get("expression", ""))
            fits = [i for i in fits if all(c.matches(i) for c in clauses)]
            label = f"memberOf ({constraint.get('expression', '')})"
        if not fits:
            return None, f"no container instance met all of its requirements: the {label} placement constraint is unsatisfied."
    rng = random.Random(seed)
    tiebreak = {i.id: rng.random() for i in fits}

    def rank(instance: Instance) -> tuple:
        keys: list[float] = []
        for s in strategy or DEFAULT_STRATEGY:
            kind, field = s.get("type"), s.get("field")
            if kind == "spread":
                if field == "instanceId":
                    keys.append(fleet.service_per_instance[instance.id])
                else:
                    keys.append(fleet.service_per_zone[instance.zone])
            elif kind == "binpack":
                keys.append(fleet.free_cpu(instance) if field == "cpu" else fleet.free_memory(instance))
            else:
                keys.append(tiebreak[instance.id])
        return (*keys, instance.zone, instance.id)

    chosen = min(fits, key=rank)
    return chosen, f"{chosen.id} in {chosen.zone}"


def scale_in_victims(tasks: list[Task], count: int) -> list[Task]:
    """Which `count` tasks to stop: from the fullest zone, then the fullest instance, then the
    not-yet-running and the newest."""
    remaining = list(tasks)
    chosen: list[Task] = []
    for _ in range(min(count, len(remaining))):
        per_zone = Counter(t.zone for t in remaining)
        per_instance = Counter(t.instance_id for t in remaining)

        def order(task: Task) -> tuple:
            return (
                -per_zone[task.zone],
                -per_instance[task.instance_id],
                0 if task.last_status in NOT_YET_RUNNING else 1,
                -(task.started_at or task.created_at),
                task.task_id,
            )

        victim = min(remaining, key=order)
        chosen.append(victim)
        remaining.remove(victim)
    return chosen


def zone_counts(tasks: Iterable[Task], zones: list[str]) -> Counter:
    counts = Counter({zone: 0 for zone in zones})
    for task in tasks:
        if task.zone in counts:
            counts[task.zone] += 1
    return counts
