"""Where a task runs: ECS's placement constraints and strategies over simulated instances. Pure.

`fleet` holds the instances and their usage; `constraints` and `strategies` are registries of
ECS's kinds, parsed from the ECS entries; `placing.place` filters by resources, then by each
constraint, then ranks by the strategies, and returns `Placed` or `Unplaced` (with ECS's
failure code); `scale_in` picks which tasks go, balanced the same way.
"""

from .constraints import DistinctInstance, MemberOf, check_constraints, parse_constraint
from .errors import PlacementError
from .fleet import Fleet
from .placing import RESOURCE_CPU, RESOURCE_INSTANCE, RESOURCE_MEMORY, Placed, Unplaced, place
from .scale_in import scale_in_victims, zone_counts
from .strategies import Binpack, Random, Spread, check_strategy, parse_strategy

__all__ = [
    "RESOURCE_CPU",
    "RESOURCE_INSTANCE",
    "RESOURCE_MEMORY",
    "Binpack",
    "DistinctInstance",
    "Fleet",
    "MemberOf",
    "PlacementError",
    "Placed",
    "Random",
    "Spread",
    "Unplaced",
    "check_constraints",
    "check_strategy",
    "parse_constraint",
    "parse_strategy",
    "place",
    "scale_in_victims",
    "zone_counts",
]
