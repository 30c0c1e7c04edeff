"""What a service keeps about its auto scaling: the policy, when it was set, and what the
scaler last measured and did. Frozen: the scaler and the actions replace it, never edit it.

The JSON names are the ones the state file and the API have always used (`setAt`,
`lastScaleOutAt`, `lastAction` with `from` and `to`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .policy import Policy


@dataclass(frozen=True)
class ScalingActivity:
    """One change of the desired count (Application Auto Scaling's scaling activity)."""

    at: float
    from_count: int
    to_count: int
    direction: str
    """"out" or "in"."""
    reason: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "from": self.from_count, "to": self.to_count, "direction": self.direction,
                "reason": self.reason, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScalingActivity:
        """A hand-edited state file may leave some out; they read as None, as the API showed them."""
        return cls(data.get("at"), data.get("from"), data.get("to"), data.get("direction"), data.get("reason"),
                   data.get("message"))


@dataclass(frozen=True)
class ScalingState:
    """The latest scale-out and scale-in, the latest activity, and the latest sample and verdict."""

    last_scale_out_at: float | None = None
    last_scale_in_at: float | None = None
    last_action: ScalingActivity | None = None
    metric: float | None = None
    capacity: int | None = None
    sampled_at: float | None = None
    status: str | None = None
    """The policy's latest reason, with its arithmetic."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "lastScaleOutAt": self.last_scale_out_at,
            "lastScaleInAt": self.last_scale_in_at,
            "lastAction": self.last_action.to_dict() if self.last_action else None,
            "metric": self.metric,
            "capacity": self.capacity,
            "sampledAt": self.sampled_at,
            "status": self.status,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScalingState:
        action = data.get("lastAction")
        return cls(
            last_scale_out_at=data.get("lastScaleOutAt"),
            last_scale_in_at=data.get("lastScaleInAt"),
            last_action=ScalingActivity.from_dict(action) if action else None,
            metric=data.get("metric"),
            capacity=data.get("capacity"),
            sampled_at=data.get("sampledAt"),
            status=data.get("status"),
        )


@dataclass(frozen=True)
class Autoscaling:
    """A service's target-tracking policy, when it was set, and how it has gone."""

    policy: Policy
    set_at: float = 0.0
    state: ScalingState = field(default_factory=ScalingState)

    @classmethod
    def set(cls, policy: Policy, now: float, previous: Autoscaling | None) -> Autoscaling:
        """A policy set at `now`. The latest scale-out, scale-in and activity carry over from a
        policy it replaces, so their cooldowns still count."""
        old = previous.state if previous else ScalingState()
        return cls(policy, now, ScalingState(old.last_scale_out_at, old.last_scale_in_at, old.last_action))

    def after(self, activity: ScalingActivity) -> Autoscaling:
        """This record once `activity` has set the desired count."""
        latest = "last_scale_out_at" if activity.direction == "out" else "last_scale_in_at"
        return replace(self, state=replace(self.state, last_action=activity, **{latest: activity.at}))

    def sampled(self, metric: float | None, capacity: int | None, at: float, status: str) -> Autoscaling:
        """This record with the scaler's latest sample and verdict."""
        return replace(self, state=replace(self.state, metric=metric, capacity=capacity, sampled_at=at, status=status))

    def to_dict(self) -> dict[str, Any]:
        return {"policy": self.policy.to_dict(), "setAt": self.set_at, "state": self.state.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Autoscaling:
        return cls(Policy.from_dict(data["policy"]), data.get("setAt", 0.0),
                   ScalingState.from_dict(data.get("state") or {}))
