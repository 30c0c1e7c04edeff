"""`servicelab scaling …`: target-tracking auto scaling of a service's desired count."""

from __future__ import annotations

import click

from ..autoscaling.policy import DEFAULT_COOLDOWN
from . import completion
from . import operations as ops
from .context import Lab, OpCommand, answer, json_option, pass_operation
from .operations import Operation


@click.group("scaling")
def scaling_group() -> None:
    """Auto scaling: target tracking on average CPU or on requests per target."""


def _set(cluster: str, p: dict) -> Operation:
    return ops.put_scaling_policy(cluster, p["name"], p["metric"], p["target"], p["min_capacity"], p["max_capacity"],
                                  p["scale_out_cooldown"], p["scale_in_cooldown"])


@scaling_group.command("set", cls=OpCommand, build=_set)
@click.argument("name", shell_complete=completion.services)
@click.option("--metric", type=click.Choice(list(ops.SCALING_METRICS)), required=True,
              help="cpu: ECSServiceAverageCPUUtilization (% of reserved CPU); "
                   "requests: ALBRequestCountPerTarget (per minute per target; needs --load-balancer).")
@click.option("--target", type=float, required=True, help="The value to keep the metric at.")
@click.option("--min", "min_capacity", type=int, required=True, help="Fewest tasks.")
@click.option("--max", "max_capacity", type=int, required=True, help="Most tasks.")
@click.option("--scale-out-cooldown", type=float, metavar="S",
              help=f"Seconds after a scale-out before the next one (sandbox time; default {DEFAULT_COOLDOWN}).")
@click.option("--scale-in-cooldown", type=float, metavar="S",
              help=f"Seconds after any scaling before a scale-in (sandbox time; default {DEFAULT_COOLDOWN}).")
@json_option
@pass_operation
def set_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Keep METRIC at TARGET by changing the desired count within MIN..MAX."""
    answer(lab, op)


@scaling_group.command("show", cls=OpCommand, build=lambda c, p: ops.describe_scaling(c, p["name"]))
@click.argument("name", shell_complete=completion.services)
@json_option
@pass_operation
def show_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """The policy, the metric against its target, and the latest scaling activity."""
    answer(lab, op)


@scaling_group.command("off", cls=OpCommand, build=lambda c, p: ops.delete_scaling_policy(c, p["name"]))
@click.argument("name", shell_complete=completion.services)
@pass_operation
def off_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Remove the service's scaling policy; the desired count stays where it is."""
    answer(lab, op)


def register(cli: click.Group) -> None:
    cli.add_command(scaling_group)
