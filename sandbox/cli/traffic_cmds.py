"""`servicelab traffic NAME`: a bounded traffic generator against a service's load balancer."""

from __future__ import annotations

import asyncio
import sys

import click

from . import completion
from . import operations as ops
from . import present
from .context import Lab, OpCommand, fail, pass_operation, print_reply
from .operations import Operation


@click.command("traffic", cls=OpCommand,
               build=lambda c, p: ops.send_traffic(c, p["name"], p["rps"], p["seconds"], p["path"]))
@click.argument("name", shell_complete=completion.services)
@click.option("--rps", type=float, default=10.0, show_default=True, help="Requests per second (up to 500).")
@click.option("--for", "seconds", type=float, default=10.0, show_default=True, metavar="SECONDS",
              help="How long to send (up to 600).")
@click.option("--path", default="/", show_default=True, help="Path to request.")
@click.option("--json", "as_json", is_flag=True, help='Print {"requests", "errors", "p50_ms", "p99_ms"}.')
@pass_operation
def traffic_cmd(lab: Lab, op: Operation, name: str, rps: float, seconds: float, as_json: bool, **_: object) -> None:
    """Send RPS requests per second to the service's load balancer for SECONDS; report errors and latency."""
    from sandbox.lb import traffic

    balancers = lab.lab("LoadBalancers", cluster=lab.cluster, service=name)["loadBalancers"]
    if not balancers:
        fail(f"service {name!r} has no load balancer; create it with `servicelab service create {name} --load-balancer`")
    url = balancers[0]["url"]
    if not url:
        fail(f"the load balancer of {name!r} is still starting; try again in a moment")
    target = url + op.params["path"]
    if not as_json:
        click.echo(f"sending {rps:g} requests/s to {target} for {seconds:g}s …", err=True)
    report = asyncio.run(traffic.run(target, rps, seconds, on_result=None if as_json else _progress(rps)))
    if sys.stderr.isatty() and not as_json:
        click.echo("", err=True)
    print_reply(op, present.reply(op, present.traffic_answer(name, url, report)))


def _progress(rps: float):
    """A one-line running count on a terminal, about once a second."""
    if not sys.stderr.isatty():
        return None
    seen = {"n": 0, "errors": 0}
    every = max(1, round(rps))

    def on_result(result) -> None:
        seen["n"] += 1
        seen["errors"] += result.failed
        if seen["n"] % every == 0:
            click.echo(f"\r  {seen['n']} answered, {seen['errors']} errors", err=True, nl=False)

    return on_result


def register(cli: click.Group) -> None:
    cli.add_command(traffic_cmd)
