"""The subset of ECS's cluster query language that `memberOf` takes, over an instance's attributes.

`attribute:ecs.availability-zone in [us-east-1a, us-east-1b] and attribute:… != …`: clauses
of an attribute, an operator (==, !=, in, not_in, =~) and a value or list, joined by `and`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.core.model import Instance
from .errors import PlacementError

ZONE_ATTRIBUTE = "attribute:ecs.availability-zone"
INSTANCE_TYPE = "t3.medium"

_CLAUSE = re.compile(r"^\s*(attribute:[\w.-]+|instanceId)\s*(==|!=|=~|not_in|in)\s*(.+?)\s*$")
_LIST_OPS = ("in", "not_in")


def attributes(instance: Instance) -> dict[str, str]:
    """The attributes an expression can test, named as ECS names them."""
    return {
        "ecs.availability-zone": instance.zone,
        "ecs.instance-type": INSTANCE_TYPE,
        "ecs.os-type": "linux",
        "ecs.cpu-architecture": "x86_64",
        "instanceId": instance.id,
    }


@dataclass(frozen=True)
class Clause:
    """One `attribute OP value` test."""

    attribute: str
    op: str
    values: tuple[str, ...]

    def matches(self, instance: Instance) -> bool:
        actual = attributes(instance).get(self.attribute.removeprefix("attribute:"))
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


def parse_expression(expression: str) -> tuple[Clause, ...]:
    """The clauses of a memberOf expression; PlacementError says what is wrong with one."""
    return tuple(_parse_clause(part) for part in re.split(r"\s+and\s+", expression.strip()))


def _parse_clause(part: str) -> Clause:
    match = _CLAUSE.match(part)
    if not match:
        raise PlacementError(
            f"memberOf expression {part!r} is not understood; use 'attribute:NAME OP VALUE' "
            "with OP one of ==, !=, in [a, b], not_in [a, b], =~ regex, joined by 'and'"
        )
    attribute, op, raw = match.groups()
    values = _list_values(op, raw) if op in _LIST_OPS else (raw.strip("'\""),)
    if op == "=~":
        try:
            re.compile(values[0])
        except re.error as exc:
            raise PlacementError(f"'=~' needs a regular expression; {values[0]!r}: {exc}") from None
    return Clause(attribute, op, values)


def _list_values(op: str, raw: str) -> tuple[str, ...]:
    if not (raw.startswith("[") and raw.endswith("]")):
        raise PlacementError(f"'{op}' needs a list in brackets, e.g. [us-east-1a, us-east-1b]; got {raw!r}")
    return tuple(v.strip().strip("'\"") for v in raw[1:-1].split(",") if v.strip())
