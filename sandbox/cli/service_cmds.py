"""`servicelab service …` and `servicelab chaos`: services, their counts, events and chaos."""

from __future__ import annotations

import json

import click

from . import completion
from . import operations as ops
from . import present
from .context import Lab, OpCommand, answer, json_option, pass_operation
from .operations import CommandError, Operation
from .service_settings import deployment_configuration, settings


@click.group("service")
def service_group() -> None:
    """Create, scale, inspect and delete services."""


deployment_options = [
    click.option("--min-healthy", type=int, metavar="P", help="minimumHealthyPercent (default 100)."),
    click.option("--max-percent", type=int, metavar="P", help="maximumPercent (default 200)."),
    click.option("--circuit-breaker/--no-circuit-breaker", default=None,
                 help="Fail a deployment whose tasks keep failing."),
    click.option("--rollback/--no-rollback", default=None, help="Roll a failed deployment back (turns the breaker on)."),
    click.option("--az-rebalancing/--no-az-rebalancing", default=None,
                 help="Move tasks back into balance when a zone returns."),
    click.option("--strategy", "deploy_strategy", type=click.Choice(["ROLLING", "BLUE_GREEN", "CANARY", "LINEAR"]),
                 help="ROLLING, or a second task set behind the load balancer with traffic moved all at once "
                      "(BLUE_GREEN), canary then the rest (CANARY), or in steps (LINEAR)."),
    click.option("--canary-percent", type=float, metavar="P", help="CANARY: the first share of traffic (default 10)."),
    click.option("--linear-step", type=float, metavar="P", help="LINEAR: the share added each step (default 25)."),
    click.option("--bake-minutes", type=int, metavar="M",
                 help="How long each traffic step must stay healthy (sandbox minutes; default 0.5)."),
    click.option("--health-check-grace-period", "grace", type=int, metavar="S",
                 help="healthCheckGracePeriodSeconds: failed health checks are ignored for S seconds after a "
                      "task starts (default 0)."),
]


def with_deployment_options(fn):
    for option in reversed(deployment_options):
        fn = option(fn)
    return fn


# Target group settings; defaults (shorter than AWS's, so lessons do not wait) in sandbox/lb/settings.py.
LOAD_BALANCER_OPTIONS = {
    "health_check_path": "healthCheckPath",
    "health_check_interval": "healthCheckIntervalSeconds",
    "healthy_threshold": "healthyThresholdCount",
    "unhealthy_threshold": "unhealthyThresholdCount",
    "deregistration_delay": "deregistrationDelaySeconds",
}
load_balancer_options = [
    click.option("--load-balancer", "load_balancer", is_flag=True,
                 help="Put the service behind a load balancer of its own on 127.0.0.1 (see `servicelab lb ls`)."),
    click.option("--health-check-path", metavar="PATH", help="Target health check path (default /health)."),
    click.option("--health-check-interval", type=int, metavar="S", help="Seconds between target health checks (default 5; AWS 30)."),
    click.option("--healthy-threshold", type=int, metavar="N", help="Passes in a row to become healthy (default 2; AWS 5)."),
    click.option("--unhealthy-threshold", type=int, metavar="N", help="Failures in a row to become unhealthy (default 2)."),
    click.option("--deregistration-delay", type=int, metavar="S",
                 help="Seconds a draining target may finish its requests (default 5; AWS 300)."),
]


def with_load_balancer_options(fn):
    for option in reversed(load_balancer_options):
        fn = option(fn)
    return fn


def _load_balancer_settings(options: dict) -> dict:
    return {LOAD_BALANCER_OPTIONS[k]: v for k, v in options.items() if k in LOAD_BALANCER_OPTIONS and v is not None}


def _create(cluster: str, p: dict) -> Operation:
    load_balancer = _load_balancer_settings(p)
    if load_balancer and not p["load_balancer"]:
        raise CommandError("load balancer settings need --load-balancer")
    return ops.create_service(cluster, p["name"], p["task_def"], p["count"], _settings(p),
                              load_balancer if p["load_balancer"] else None)


def _update(cluster: str, p: dict) -> Operation:
    return ops.update_service(cluster, p["name"], p["task_def"], p["count"], p["force_new_deployment"], _settings(p))


def _settings(p: dict) -> dict:
    return settings(p.get("strategy", ()), p.get("constraints", ()), deployment_configuration(p), p["az_rebalancing"],
                    p["grace"])


@service_group.command("create", cls=OpCommand, build=_create)
@click.argument("name")
@click.option("--task-def", "task_def", default="web:1", show_default=True, metavar="FAMILY[:REV]",
              shell_complete=completion.task_definitions)
@click.option("--count", default=1, show_default=True, type=int, help="desiredCount.")
@click.option("--placement-strategy", "strategy", multiple=True, metavar="TYPE[:FIELD]",
              help="e.g. spread:attribute:ecs.availability-zone, spread:instanceId, binpack:memory, random (repeatable, in order).")
@click.option("--placement-constraint", "constraints", multiple=True, metavar="TYPE[:EXPR]",
              help="distinctInstance, or memberOf:'attribute:ecs.availability-zone != us-east-1a' (repeatable).")
@with_deployment_options
@with_load_balancer_options
@json_option
@pass_operation
def create_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Create a service that keeps COUNT tasks of a task definition running."""
    answer(lab, op)


@service_group.command("scale", cls=OpCommand, build=lambda c, p: ops.scale_service(c, p["name"], p["count"]))
@click.argument("name", shell_complete=completion.services)
@click.argument("count", type=int)
@json_option
@pass_operation
def scale_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Set the service's desiredCount; the scheduler does the rest."""
    answer(lab, op)


@service_group.command("update", cls=OpCommand, build=_update)
@click.argument("name", shell_complete=completion.services)
@click.option("--task-def", "task_def", metavar="FAMILY[:REV]", help="Deploy this task definition.",
              shell_complete=completion.task_definitions)
@click.option("--count", type=int, help="Also set desiredCount.")
@click.option("--force-new-deployment", is_flag=True, help="Replace every task, even with the same task definition.")
@with_deployment_options
@json_option
@pass_operation
def update_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Change a service: a new task definition starts a deployment (rolling, or blue/green)."""
    answer(lab, op)


@service_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_services(c))
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """List the cluster's active services with their counts."""
    answer(lab, op)


@service_group.command("describe", cls=OpCommand, build=lambda c, p: ops.describe_service(c, p["name"]))
@click.argument("name", shell_complete=completion.services)
@json_option
@pass_operation
def describe_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Show a service: counts, deployment, recent events and the scheduler's reasoning."""
    answer(lab, op)


@service_group.command("events", cls=OpCommand,
                       build=lambda c, p: ops.describe_service(c, p["name"], show="events"))
@click.argument("name", shell_complete=completion.services)
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they happen.")
@click.option("--limit", default=20, show_default=True, help="How many past events to show first.")
@json_option
@pass_operation
def events_cmd(lab: Lab, op: Operation, follow: bool, **_: object) -> None:
    """The service's event log in ECS's wording, oldest first."""
    if not follow:
        answer(lab, op)
        return
    found = present.fetch(op, lab)
    events = found["services"][0]["events"]
    if op.as_json:  # one JSON object a line, so a follower can read them one at a time
        for e in reversed(events[: present.events_limit(op)]):
            click.echo(json.dumps(e, sort_keys=True))
    else:
        for line in present.reply(op, found).lines:
            click.echo(line)
    _follow(lab, op, {e["id"] for e in events})


def _follow(lab: Lab, op: Operation, seen: set[str]) -> None:
    """Print each new event as it happens, until interrupted."""
    client, name, version = lab.client(), op.params["services"][0], -1
    while True:
        snap = client.watch(version, timeout=20, cluster=op.params["cluster"])
        version = snap["version"]
        for svc in snap["services"]:
            if svc["serviceName"] != name:
                continue
            for e in reversed(svc["events"]):
                if e["id"] not in seen:
                    seen.add(e["id"])
                    click.echo(json.dumps(e, sort_keys=True) if op.as_json else present.event_line(e))


@service_group.command("delete", cls=OpCommand, build=lambda c, p: ops.delete_service(c, p["name"], p["force"]))
@click.argument("name", shell_complete=completion.services)
@click.option("--force", is_flag=True, help="Delete even while tasks are wanted (scales to 0 first).")
@pass_operation
def delete_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Delete a service: it drains its tasks (DRAINING), then becomes INACTIVE."""
    answer(lab, op)


def _chaos(cluster: str, p: dict) -> Operation:
    if p["stop"]:
        return ops.stop_chaos(cluster, p["name"])
    if p["every"] is None:
        raise CommandError("chaos needs --every SECONDS (or --stop): e.g. chaos web --every 5 --for 30")
    return ops.start_chaos(cluster, p["name"], p["every"], p["duration"])


@click.command("chaos", cls=OpCommand, build=_chaos)
@click.argument("name", shell_complete=completion.services)
@click.option("--every", type=float, metavar="SECONDS", help="Stop one random task this often.")
@click.option("--for", "duration", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="How long the chaos lasts.")
@click.option("--stop", is_flag=True, help="End a chaos run early.")
@pass_operation
def chaos_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Stop a random task of the service at a steady pace, for a bounded time."""
    answer(lab, op)


def register(cli: click.Group) -> None:
    cli.add_command(service_group)
    cli.add_command(chaos_cmd)

