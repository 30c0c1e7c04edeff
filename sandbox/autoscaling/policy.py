"""Target tracking as Application Auto Scaling does it for an ECS service, as a pure function.

desired = ceil(current × metric / target), clamped to [min, max]. It scales out only when the
metric is above the target and in only when it is below. A scale-out waits for the scale-out
cooldown after the previous scale-out. A scale-in waits for the scale-in cooldown after the
latest scaling activity of either kind (or after the policy was set): this stands in for the
long low-alarm window of real target tracking, which never scales in on a moment's quiet.
There is no scale-in while a deployment is in progress. Times are sandbox seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sandbox.core import errors

CPU = "cpu"
REQUESTS = "requests"
METRICS = {CPU: "ECSServiceAverageCPUUtilization", REQUESTS: "ALBRequestCountPerTarget"}
UNITS = {CPU: "%", REQUESTS: " requests/min/target"}
DEFAULT_COOLDOWN = 300
"""ECS's default scale-out and scale-in cooldown, in seconds."""
MAX_COOLDOWN = 3600
MAX_CAPACITY = 100
MIN_SAMPLES = 2
"""Samples needed before any metric-based decision (CloudWatch would call fewer INSUFFICIENT_DATA)."""
TARGET_RANGE = {CPU: (1.0, 100.0), REQUESTS: (1.0, 100_000.0)}


@dataclass(frozen=True)
class Policy:
    metric: str
    target: float
    min_capacity: int
    max_capacity: int
    scale_out_cooldown: float = DEFAULT_COOLDOWN
    scale_in_cooldown: float = DEFAULT_COOLDOWN

    @property
    def metric_name(self) -> str:
        return METRICS[self.metric]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def check(metric: Any, target: Any, min_capacity: Any, max_capacity: Any,
          scale_out_cooldown: Any = DEFAULT_COOLDOWN, scale_in_cooldown: Any = DEFAULT_COOLDOWN) -> Policy:
    """A valid policy, or InvalidParameterException with one clear line."""
    if metric not in METRICS:
        raise errors.InvalidParameterException(f"metric {metric!r} is not one of: {', '.join(METRICS)}")
    low, high = TARGET_RANGE[metric]
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not low <= target <= high:
        raise errors.InvalidParameterException(f"target {target!r} for {metric} is out of range: allowed {low:g} to {high:g}")
    for name, value in (("min", min_capacity), ("max", max_capacity)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAPACITY:
            raise errors.InvalidParameterException(f"{name} capacity {value!r} is out of range: allowed 0 to {MAX_CAPACITY}")
    if max_capacity < 1 or min_capacity > max_capacity:
        raise errors.InvalidParameterException(
            f"min {min_capacity} and max {max_capacity} do not make a range: need min <= max and max >= 1"
        )
    for name, value in (("scale-out cooldown", scale_out_cooldown), ("scale-in cooldown", scale_in_cooldown)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_COOLDOWN:
            raise errors.InvalidParameterException(f"{name} {value!r} is out of range: allowed 0 to {MAX_COOLDOWN} seconds")
    return Policy(metric, float(target), min_capacity, max_capacity, float(scale_out_cooldown), float(scale_in_cooldown))


@dataclass(frozen=True)
class Decision:
    desired: int | None
    """The desired count to set, or None to leave it as it is."""
    direction: str | None
    """"out", "in", or None when nothing changes."""
    metric: float | None
    """The metric value the decision used (the mean of the samples)."""
    reason: str
    """One line for people, with the arithmetic."""


def decide(
    samples: Sequence[float],
    current: int,
    desired_count: int,
    policy: Policy,
    last_scale_out: float | None,
    last_scale_in: float | None,
    policy_set_at: float,
    now: float,
    deploying: bool,
) -> Decision:
    """What target tracking does now.

    samples: the metric's values since the latest scaling activity (per target, per task);
    current: how many tasks or targets the latest sample covered; desired_count: the service's.
    """
    low, high = policy.min_capacity, policy.max_capacity
    if desired_count < low:
        return Decision(low, "out", None, f"desired count {desired_count} is below the minimum capacity {low} → {low}")
    if desired_count > high:
        return Decision(high, "in", None, f"desired count {desired_count} is above the maximum capacity {high} → {high}")
    if len(samples) < MIN_SAMPLES or current <= 0:
        return Decision(None, None, _mean(samples), f"waiting for {policy.metric_name} data")
    metric = _mean(samples)
    raw = math.ceil(current * metric / policy.target - 1e-9)
    wanted = max(low, min(high, raw))
    unit = UNITS[policy.metric]
    formula = f"ceil({current} × {metric:.1f} / {policy.target:g}) = {raw}"
    if metric > policy.target and wanted > desired_count:
        if last_scale_out is not None and now < last_scale_out + policy.scale_out_cooldown:
            wait = last_scale_out + policy.scale_out_cooldown - now
            return Decision(None, None, metric, f"{formula}, but the scale-out cooldown ends in {wait:.0f}s")
        return Decision(wanted, "out", metric,
                        f"{policy.metric_name} {metric:.1f}{unit} > target {policy.target:g}: {formula} → desired {wanted}"
                        + (f" (max {high})" if raw > high else ""))
    if metric < policy.target and wanted < desired_count:
        if deploying:
            return Decision(None, None, metric, f"{formula}, but there is no scale-in during a deployment")
        since = max(t for t in (policy_set_at, last_scale_out, last_scale_in) if t is not None)
        if now < since + policy.scale_in_cooldown:
            wait = since + policy.scale_in_cooldown - now
            return Decision(None, None, metric, f"{formula}, but the scale-in cooldown ends in {wait:.0f}s")
        return Decision(wanted, "in", metric,
                        f"{policy.metric_name} {metric:.1f}{unit} < target {policy.target:g}: {formula} → desired {wanted}"
                        + (f" (min {low})" if raw < low else ""))
    return Decision(None, None, metric, f"{policy.metric_name} {metric:.1f}{unit} against target {policy.target:g}: "
                                        f"{formula}; desired stays {desired_count}")


def _mean(samples: Sequence[float]) -> float | None:
    return sum(samples) / len(samples) if samples else None
