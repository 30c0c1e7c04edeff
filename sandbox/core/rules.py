"""Value rules that both an API request and the state file must follow, in one place.

The API (sandbox/actions.py) applies them to what people send; the state file's schema
(sandbox/state/schema.py) applies them again to what it loads.
"""

from __future__ import annotations

import re

from sandbox.core import errors
from sandbox.core.model import STRATEGIES, DeploymentConfiguration

NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
"""A cluster, service or family name, as ECS allows it."""


def check_deployment_configuration(config: DeploymentConfiguration) -> DeploymentConfiguration:
    if config.strategy not in STRATEGIES:
        raise errors.InvalidParameterException(f"strategy {config.strategy!r}; allowed: {', '.join(STRATEGIES)}")
    if not 1 <= config.canary_percent <= 99:
        raise errors.InvalidParameterException(f"canaryPercent {config.canary_percent} is out of range: allowed 1 to 99")
    if not 1 <= config.linear_step_percent <= 99:
        raise errors.InvalidParameterException(
            f"linear step {config.linear_step_percent} is out of range: allowed 1 to 99 percent")
    if not 0 <= config.bake_seconds <= 3600:
        raise errors.InvalidParameterException(f"bake time {config.bake_seconds}s is out of range: allowed 0 to 3600")
    if not 0 <= config.minimum_healthy_percent <= 100:
        raise errors.InvalidParameterException(
            f"minimumHealthyPercent {config.minimum_healthy_percent} is out of range: allowed 0 to 100"
        )
    if not 100 <= config.maximum_percent <= 200:
        raise errors.InvalidParameterException(f"maximumPercent {config.maximum_percent} is out of range: allowed 100 to 200")
    return config
