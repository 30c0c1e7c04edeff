"""`servicelab lb …`: the services' load balancers, their URLs and their targets' health."""

from __future__ import annotations

import click

from .context import Lab, emit_json, json_option, table


@click.group("lb")
def lb_group() -> None:
    """Load balancers: one per service created with --load-balancer."""


@lb_group.command("ls")
@click.argument("service", required=False)
@json_option
@click.pass_obj
def ls_cmd(lab: Lab, service: str | None, as_json: bool) -> None:
    """Each load-balanced service's URL and its targets with their health."""
    balancers = lab.lab("LoadBalancers", cluster=lab.cluster, service=service)["loadBalancers"]
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
