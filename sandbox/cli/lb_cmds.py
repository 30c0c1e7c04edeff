"""`servicelab lb …`: the services' load balancers, their URLs and their targets' health."""

from __future__ import annotations

import click

from . import completion
from . import operations as ops
from .context import Lab, OpCommand, emit_json, json_option, pass_operation, table
from .operations import Operation


@click.group("lb")
def lb_group() -> None:
    """Load balancers: one per service created with --load-balancer."""


@lb_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_load_balancers(c, p["service"]))
@click.argument("service", required=False, shell_complete=completion.services)
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, as_json: bool, **_: object) -> None:
    """Each load-balanced service's URL and its targets with their health."""
    balancers = lab.run(op)["loadBalancers"]
    if as_json:
        emit_json(balancers)
        return
    if not balancers:
        click.echo("no load balancers; create a service with `servicelab service create web --count 2 --load-balancer`")
        return
    for lb in balancers:
        check = lb["healthCheck"]
        click.echo(f"{lb['service']}  {lb['url'] or '(starting)'}  {lb['requests']} requests"
                   + (f", {lb['rejected']} answered 503 (no healthy target)" if lb["rejected"] else ""))
        click.echo(f"  health check GET {check['path']} every {check['intervalSeconds']}s, healthy after "
                   f"{check['healthyThreshold']}, unhealthy after {check['unhealthyThreshold']}; "
                   f"deregistration delay {lb['deregistrationDelaySeconds']}s")
        if not lb["targets"]:
            click.echo("  no targets yet (a task is registered once it is RUNNING and its container is healthy)")
            continue
        table(
            [["  " + t["taskId"][:12], str(t["port"]), t["health"], str(t["requests"]), str(t["inFlight"]),
              t.get("reason") or ""] for t in lb["targets"]],
            ["  TASK", "PORT", "HEALTH", "REQUESTS", "IN FLIGHT", "LAST FAILURE"],
        )


def register(cli: click.Group) -> None:
    cli.add_command(lb_group)
