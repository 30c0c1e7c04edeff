"""Sandbox features an exercise may need, and whether this servicelab has them yet.

An exercise that says `requires: [placement]` is written against ECS's documented behaviour
and the CLI names the feature will have. Until the sandbox grows that feature, `lessons
solve` skips it with a reason, and the app can say so instead of showing a goal nobody can
reach. A feature counts as present when its commands exist in the real CLI, so the day it
lands the exercises run without anyone flipping a switch.
"""

from __future__ import annotations

KNOWN = ("placement", "deployments")

WHAT = {
    "placement": "container instances across availability zones and placement strategies "
                 "(`servicelab instance ls`, `servicelab zone fail/restore`)",
    "deployments": "rolling deployments (`servicelab service update NAME --task-def web:2`)",
}


def _cli():
    from sandbox.cli import cli

    return cli


def available(feature: str) -> bool:
    if feature not in KNOWN:
        raise ValueError(f"unknown feature {feature!r}; known: {', '.join(KNOWN)}")
    cli = _cli()
    if feature == "placement":
        return "instance" in cli.commands and "zone" in cli.commands
    service = cli.commands.get("service")
    return service is not None and "update" in getattr(service, "commands", {})


def missing(requires: list[str]) -> list[str]:
    return [feature for feature in requires if not available(feature)]


def reason(requires: list[str]) -> str | None:
    """Why an exercise cannot run here yet, or None when it can."""
    absent = missing(requires)
    if not absent:
        return None
    return "needs " + " and ".join(f"{name} ({WHAT[name]})" for name in absent) + ", which this sandbox does not have yet"
