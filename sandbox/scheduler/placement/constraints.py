"""ECS's placement constraints, one class per kind, found by their `type` in a registry.

Each kind is a feasibility check, as Nomad's are: it is parsed (and so validated) from the
ECS entry, says whether an instance may take one more of the service's tasks, and names the
failure code RunTask reports and the label its events use when no instance passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Mapping, Protocol, Sequence

from sandbox.core.model import Instance
from .errors import PlacementError
from .expression import Clause, parse_expression
from .fleet import Fleet

MAX_CONSTRAINTS = 10


class Constraint(Protocol):
    kind: ClassVar[str]
    """ECS's `type` for this constraint."""
    failure_code: ClassVar[str]
    """RunTask's failure reason when no instance satisfies it."""

    @property
    def label(self) -> str:
        """How the service's events name it."""

    def feasible(self, instance: Instance, fleet: Fleet) -> bool:
        """Whether `instance` may take one more of the service's tasks."""


@dataclass(frozen=True)
class DistinctInstance:
    """Every task of the service on a different instance."""

    kind: ClassVar[str] = "distinctInstance"
    failure_code: ClassVar[str] = "DistinctInstance placement constraint unsatisfied"

    @classmethod
    def parse(cls, entry: Mapping[str, str]) -> DistinctInstance:
        return cls()

    @property
    def label(self) -> str:
        return self.kind

    def feasible(self, instance: Instance, fleet: Fleet) -> bool:
        return fleet.service_per_instance[instance.id] == 0


@dataclass(frozen=True)
class MemberOf:
    """Only instances whose attributes satisfy a cluster query language expression."""

    expression: str
    clauses: tuple[Clause, ...]

    kind: ClassVar[str] = "memberOf"
    failure_code: ClassVar[str] = "MemberOf placement constraint unsatisfied"

    @classmethod
    def parse(cls, entry: Mapping[str, str]) -> MemberOf:
        expression = entry.get("expression", "")
        return cls(expression, parse_expression(expression))

    @property
    def label(self) -> str:
        return f"{self.kind} ({self.expression})"

    def feasible(self, instance: Instance, fleet: Fleet) -> bool:
        return all(clause.matches(instance) for clause in self.clauses)


KINDS: dict[str, type[DistinctInstance] | type[MemberOf]] = {k.kind: k for k in (DistinctInstance, MemberOf)}


def parse_constraint(entry: Mapping[str, str]) -> Constraint:
    """The constraint an ECS placementConstraints entry describes; PlacementError if it is not one."""
    kind = KINDS.get(entry.get("type"))
    if kind is None:
        raise PlacementError(
            f"placement constraint type {entry.get('type')!r} is not known; allowed: {', '.join(KINDS)}")
    return kind.parse(entry)


def check_constraints(entries: Sequence[Mapping[str, str]]) -> None:
    """Refuse a placementConstraints list ECS would refuse: too long, or an entry that is not one."""
    if len(entries) > MAX_CONSTRAINTS:
        raise PlacementError(f"at most {MAX_CONSTRAINTS} placement constraints; got {len(entries)}")
    for entry in entries:
        parse_constraint(entry)
