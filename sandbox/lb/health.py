"""Target health as ELBv2 keeps it, as a pure state machine (no I/O, no clock).

A target starts `initial` when registered. `healthyThresholdCount` passes in a row make it
`healthy`; `unhealthyThresholdCount` failures in a row make it `unhealthy`; one result of the
other kind resets the streak. A deregistered target is `draining` and is no longer checked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

INITIAL = "initial"
HEALTHY = "healthy"
UNHEALTHY = "unhealthy"
DRAINING = "draining"
STATES = (INITIAL, HEALTHY, UNHEALTHY, DRAINING)


@dataclass(frozen=True)
class TargetHealth:
    state: str = INITIAL
    passes: int = 0
    """Consecutive passed checks."""
    fails: int = 0
    """Consecutive failed checks."""


def after_check(health: TargetHealth, ok: bool, healthy_threshold: int, unhealthy_threshold: int) -> TargetHealth:
    """The health after one check result."""
    if health.state == DRAINING:
        return health
    if ok:
        passes = health.passes + 1
        state = HEALTHY if passes >= healthy_threshold else health.state
        return TargetHealth(state, passes, 0)
    fails = health.fails + 1
    state = UNHEALTHY if fails >= unhealthy_threshold else health.state
    return TargetHealth(state, 0, fails)


def draining(health: TargetHealth) -> TargetHealth:
    return replace(health, state=DRAINING)


def routable(health: TargetHealth) -> bool:
    """Only healthy targets get requests (no fail-open when all are unhealthy, unlike an ALB)."""
    return health.state == HEALTHY
