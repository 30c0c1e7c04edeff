"""The pure planner: (desired, observed, now) in, a plan of actions out. No I/O, no clock.

It reads a service's desired state, its task records and what the runtime reports for each
task's container, and decides what should happen next. The executor applies the plan; the
next pass re-reads everything, so a plan that was only half applied is simply planned again.

`plan_service` (in `service`) reads as the list of its steps; each step lives in a module
named for it: `observe`, `chaos`, `health`, `backoff`, `breaker`, `zones`, `traffic`,
`rolling`, `launches`, `stops`, `outcome`.
"""

from .backoff import start_failures, throttle_delay
from .breaker import FAST_FAILURE_WINDOW, circuit_breaker_threshold, failed_in_a_row
from .health import grace_left
from .plan import Plan, Reap, Start, Stop
from .reasons import EXITED_REASON
from .service import plan_service
from .standalone import OneOff, place_one_offs, plan_standalone

__all__ = [
    "EXITED_REASON",
    "FAST_FAILURE_WINDOW",
    "OneOff",
    "Plan",
    "Reap",
    "Start",
    "Stop",
    "circuit_breaker_threshold",
    "failed_in_a_row",
    "grace_left",
    "plan_service",
    "place_one_offs",
    "plan_standalone",
    "start_failures",
    "throttle_delay",
]
