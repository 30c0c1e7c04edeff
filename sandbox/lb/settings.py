"""A service's load balancer settings: the target group's health check and deregistration delay.

Names follow the ELBv2 target group attributes. The defaults are shorter than AWS's so a lesson
does not wait minutes (AWS: interval 30 s, healthy threshold 5, deregistration delay 300 s);
the ranges are AWS's. Waits follow the sandbox clock, so time dilation shortens them too.
"""

from __future__ import annotations

import hashlib
import socket
from typing import Any

from .. import errors

DEFAULTS: dict[str, Any] = {
    "healthCheckPath": "/health",
    "healthCheckIntervalSeconds": 5,
    "healthyThresholdCount": 2,
    "unhealthyThresholdCount": 2,
    "deregistrationDelaySeconds": 5,
}
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


def check(given: dict[str, Any] | None) -> dict[str, Any]:
    """The full settings: what was given, validated, over the defaults. One clear line on error."""
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
    return settings


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
