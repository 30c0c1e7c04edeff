"""A service's load balancer (`LoadBalancer`) and its settings: the target group's health check
and deregistration delay (`TargetGroupSettings`), validated by `check`.

Names follow the ELBv2 target group attributes. The defaults are shorter than AWS's so a lesson
does not wait minutes (AWS: interval 30 s, healthy threshold 5, deregistration delay 300 s);
the ranges are AWS's. Waits follow the sandbox clock, so time dilation shortens them too.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass, field, fields
from typing import Any

from sandbox.core import errors


@dataclass(frozen=True)
class TargetGroupSettings:
    """The target group's health check and deregistration delay, with the sandbox's defaults."""

    health_check_path: str = field(default="/health", metadata={"name": "healthCheckPath"})
    health_check_interval_seconds: int = field(default=5, metadata={"name": "healthCheckIntervalSeconds"})
    healthy_threshold_count: int = field(default=2, metadata={"name": "healthyThresholdCount"})
    unhealthy_threshold_count: int = field(default=2, metadata={"name": "unhealthyThresholdCount"})
    deregistration_delay_seconds: int = field(default=5, metadata={"name": "deregistrationDelaySeconds"})

    def to_dict(self) -> dict[str, Any]:
        """ELBv2's names, as the API, the CLI and the state file spell them."""
        return {f.metadata["name"]: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TargetGroupSettings:
        return cls(**{f.name: data[f.metadata["name"]] for f in fields(cls) if f.metadata["name"] in data})


@dataclass(frozen=True)
class LoadBalancer:
    """A service's own load balancer: its target group and settings, its listener, and the
    container and port requests go to (what ECS's loadBalancers entry names)."""

    target_group_arn: str
    container_name: str
    container_port: int
    settings: TargetGroupSettings = TargetGroupSettings()
    listener_port: int | None = None
    """The port on 127.0.0.1 it listens on; None until one is known."""

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.settings.to_dict(),
            "targetGroupArn": self.target_group_arn,
            "listenerPort": self.listener_port,
            "containerName": self.container_name,
            "containerPort": self.container_port,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadBalancer:
        return cls(
            target_group_arn=data["targetGroupArn"],
            container_name=data["containerName"],
            container_port=data["containerPort"],
            settings=TargetGroupSettings.from_dict(data),
            listener_port=data.get("listenerPort"),
        )


DEFAULTS: dict[str, Any] = TargetGroupSettings().to_dict()
RANGES = {
    "healthCheckIntervalSeconds": (5, 300),
    "healthyThresholdCount": (2, 10),
    "unhealthyThresholdCount": (2, 10),
    "deregistrationDelaySeconds": (0, 3600),
}
HEALTH_CHECK_TIMEOUT = 2.0
"""Real seconds a health check may take before it counts as failed (Target.Timeout)."""
SUCCESS_CODES = range(200, 300)
"""Status codes a health check accepts (the ALB matcher's default is 200)."""
ACCOUNT = "123456789012"
REGION = "us-east-1"


def check(given: dict[str, Any] | None) -> TargetGroupSettings:
    """The full settings: what was given (ELBv2's names), validated, over the defaults. One clear
    line on error."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise errors.InvalidParameterException(
            f"unknown load balancer setting {unknown[0]!r}; allowed: {', '.join(DEFAULTS)}"
        )
    settings = {**DEFAULTS, **{k: v for k, v in given.items() if v is not None}}
    path = settings["healthCheckPath"]
    if not isinstance(path, str) or not path.startswith("/") or len(path) > 1024 or any(c.isspace() for c in path):
        raise errors.InvalidParameterException(
            f"healthCheckPath {path!r} is not valid: give a path starting with '/', such as /health"
        )
    for name, (low, high) in RANGES.items():
        value = settings[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise errors.InvalidParameterException(f"{name} {value!r} is out of range: allowed {low} to {high}")
    return TargetGroupSettings.from_dict(settings)


def target_group_arn(cluster: str, service: str, created_at: float) -> str:
    """An ELBv2-shaped ARN; its 16 hex digits tell apart target groups of a reused service name."""
    name = f"ecs-{cluster}-{service}"[:32].rstrip("-")
    digest = hashlib.sha1(f"{cluster}/{service}/{created_at}".encode()).hexdigest()[:16]
    return f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}/{digest}"


def free_port() -> int:
    """A port on 127.0.0.1 that is free now; the listener binds it a moment later (or another
    one if something took it in between), so the URL is known when the service is created."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
