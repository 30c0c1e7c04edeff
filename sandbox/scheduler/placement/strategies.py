"""ECS's placement strategies, one class per kind, found by their `type` in a registry.

Each ranks the instances that passed every constraint: `key` is smaller for the instance it
prefers. Strategies apply in order, the next breaking the ties of the one before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Mapping, Protocol, Sequence

from sandbox.core.model import Instance
from .errors import PlacementError
from .expression import ZONE_ATTRIBUTE
from .fleet import Fleet

MAX_STRATEGIES = 5


class Strategy(Protocol):
    kind: ClassVar[str]
    """ECS's `type` for this strategy."""

    def key(self, instance: Instance, fleet: Fleet, draws: Mapping[str, float]) -> float:
        """Smaller for an instance this strategy prefers; `draws` are the seeded random numbers."""


@dataclass(frozen=True)
class Spread:
    """Fewest of the service's tasks first, per zone or per instance."""

    field: str
    kind: ClassVar[str] = "spread"
    fields: ClassVar[tuple[str, ...]] = (ZONE_ATTRIBUTE, "instanceId", "attribute:ecs.instance-type")

    def key(self, instance: Instance, fleet: Fleet, draws: Mapping[str, float]) -> float:
        if self.field == "instanceId":
            return fleet.service_per_instance[instance.id]
        # Every simulated instance is the same type, so spreading by type falls back to zones.
        return fleet.service_per_zone[instance.zone]


@dataclass(frozen=True)
class Binpack:
    """Least of a resource left (but still enough) first."""

    field: str
    kind: ClassVar[str] = "binpack"
    fields: ClassVar[tuple[str, ...]] = ("cpu", "memory")

    def key(self, instance: Instance, fleet: Fleet, draws: Mapping[str, float]) -> float:
        return fleet.free_cpu(instance) if self.field == "cpu" else fleet.free_memory(instance)


@dataclass(frozen=True)
class Random:
    """A seeded random order: the same task id always ranks the same way."""

    field: str | None = None
    kind: ClassVar[str] = "random"
    fields: ClassVar[tuple[str, ...]] = ()
    """Any field: random ignores it."""

    def key(self, instance: Instance, fleet: Fleet, draws: Mapping[str, float]) -> float:
        return draws[instance.id]


KINDS: dict[str, type[Spread] | type[Binpack] | type[Random]] = {k.kind: k for k in (Spread, Binpack, Random)}

DEFAULT_STRATEGY: tuple[Strategy, ...] = (Spread(ZONE_ATTRIBUTE), Spread("instanceId"))
"""ECS's default for replica services: the zone with the fewest of the service's tasks, then the instance."""


def parse_strategy(entry: Mapping[str, str]) -> Strategy:
    """The strategy an ECS placementStrategy entry describes; PlacementError if it is not one."""
    kind, field = entry.get("type"), entry.get("field")
    strategy = KINDS.get(kind)
    if strategy is None:
        raise PlacementError(f"placement strategy type {kind!r} is not known; allowed: {', '.join(KINDS)}")
    if strategy.fields and field not in strategy.fields:
        raise PlacementError(f"{kind} cannot use field {field!r}; allowed: {', '.join(strategy.fields)}")
    return strategy(field)


def check_strategy(entries: Sequence[Mapping[str, str]]) -> None:
    """Refuse a placementStrategy list ECS would refuse: too long, or an entry that is not one."""
    if len(entries) > MAX_STRATEGIES:
        raise PlacementError(f"at most {MAX_STRATEGIES} placement strategies; got {len(entries)}")
    for entry in entries:
        parse_strategy(entry)
