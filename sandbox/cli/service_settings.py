"""A service's settings as the CLI takes them (`--placement-strategy binpack:memory`, `--min-healthy 50`)
and as ECS names them (`placementStrategy`, `deploymentConfiguration`), in both directions.

`service create` and `service update` turn their options into ECS members here; an operation
turns the members back into `servicelab` words here, so the two directions cannot drift.
"""

from __future__ import annotations

from typing import Any

ORDER = ("placementStrategy", "placementConstraints", "deploymentConfiguration", "availabilityZoneRebalancing",
         "healthCheckGracePeriodSeconds")
"""The settings in the order twins say them, whatever order they were typed in."""

DEPLOYMENT_OPTIONS = (
    ("--max-percent", ("maximumPercent",)),
    ("--min-healthy", ("minimumHealthyPercent",)),
    ("--strategy", ("strategy",)),
    ("--bake-minutes", ("bakeTimeInMinutes",)),
    ("--linear-step", ("linearConfiguration", "stepPercent")),
    ("--canary-percent", ("canaryConfiguration", "canaryPercent")),
)
"""CLI option to its place in deploymentConfiguration, in the ECS model's order (after the circuit
breaker), so a configuration reads the same whichever form it was typed in."""


def settings(strategy: tuple[str, ...] = (), constraints: tuple[str, ...] = (), deployment: dict | None = None,
             az_rebalancing: bool | None = None, grace: int | None = None) -> dict[str, Any]:
    """The ECS members for the CLI's service options; options left out are absent."""
    members = {
        "placementStrategy": [_typed(v, "field") for v in strategy] or None,
        "placementConstraints": [_typed(v, "expression") for v in constraints] or None,
        "deploymentConfiguration": deployment or None,
        "availabilityZoneRebalancing": None if az_rebalancing is None else ("ENABLED" if az_rebalancing else "DISABLED"),
        "healthCheckGracePeriodSeconds": grace,
    }
    return ordered(members)


def ordered(members: dict[str, Any] | None) -> dict[str, Any]:
    """The members that are set, in twin order."""
    members = members or {}
    return {key: members[key] for key in ORDER if members.get(key) is not None}


def deployment_configuration(options: dict[str, Any]) -> dict[str, Any]:
    """deploymentConfiguration from the CLI's deployment options (min_healthy, max_percent, …)."""
    values = {"--strategy": options.get("deploy_strategy"), "--canary-percent": options.get("canary_percent"),
              "--linear-step": options.get("linear_step"), "--bake-minutes": options.get("bake_minutes"),
              "--min-healthy": options.get("min_healthy"), "--max-percent": options.get("max_percent")}
    config: dict[str, Any] = {}
    breaker, rollback = options.get("circuit_breaker"), options.get("rollback")
    if breaker is not None or rollback is not None:
        config["deploymentCircuitBreaker"] = {"enable": bool(breaker or rollback), "rollback": bool(rollback)}
    for option, path in DEPLOYMENT_OPTIONS:
        if values[option] is not None:
            target = config
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = values[option]
    return config


def cli_words(members: dict[str, Any]) -> list[Any]:
    """The `servicelab service create/update` options that set these members."""
    words: list[Any] = []
    for item in members.get("placementStrategy") or []:
        words += ["--placement-strategy", _untyped(item, "field")]
    for item in members.get("placementConstraints") or []:
        words += ["--placement-constraint", _untyped(item, "expression")]
    words += _deployment_words(members.get("deploymentConfiguration") or {})
    rebalancing = members.get("availabilityZoneRebalancing")
    if rebalancing is not None:
        words.append("--az-rebalancing" if rebalancing == "ENABLED" else "--no-az-rebalancing")
    if members.get("healthCheckGracePeriodSeconds") is not None:
        words += ["--health-check-grace-period", members["healthCheckGracePeriodSeconds"]]
    return words


def _deployment_words(config: dict[str, Any]) -> list[Any]:
    words: list[Any] = []
    for option, path in DEPLOYMENT_OPTIONS:
        value: Any = config
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            words += [option, f"{value:g}" if isinstance(value, float) else value]
    breaker = config.get("deploymentCircuitBreaker")
    if breaker:
        words.append("--rollback" if breaker.get("rollback") else
                     "--circuit-breaker" if breaker.get("enable") else "--no-circuit-breaker")
    return words


def _typed(value: str, second: str) -> dict[str, str]:
    """`binpack:memory` → {type: binpack, field: memory}; `distinctInstance` → {type: distinctInstance}."""
    kind, _, rest = value.partition(":")
    return {"type": kind, second: rest} if rest else {"type": kind}


def _untyped(item: dict[str, Any], second: str) -> str:
    return f"{item['type']}:{item[second]}" if item.get(second) else str(item.get("type"))
