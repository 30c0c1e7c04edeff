"""`servicelab instance …` and `servicelab zone …`: the simulated container instances and zones."""

from __future__ import annotations

import click

from . import completion
from . import operations as ops
from .context import Lab, OpCommand, answer, json_option, pass_operation
from .operations import Operation


@click.group("instance")
def instance_group() -> None:
    """The cluster's simulated container instances (slices of the one engine, one zone each)."""


@instance_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_instances(c))
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Instances with their zone, status, free CPU and memory, and task count."""
    answer(lab, op)


@instance_group.command("drain", cls=OpCommand,
                        build=lambda c, p: ops.set_instance_status(c, p["instance_id"], "DRAINING"))
@click.argument("instance_id", metavar="ID", shell_complete=completion.instances)
@pass_operation
def drain_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Set DRAINING: its tasks are replaced elsewhere, within the deployment bounds."""
    answer(lab, op)


@instance_group.command("activate", cls=OpCommand,
                        build=lambda c, p: ops.set_instance_status(c, p["instance_id"], "ACTIVE"))
@click.argument("instance_id", metavar="ID", shell_complete=completion.instances)
@pass_operation
def activate_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Set ACTIVE again: it takes tasks."""
    answer(lab, op)


@instance_group.command("add", cls=OpCommand, build=lambda c, p: ops.add_instance(c, p["zone"], p["cpu"], p["memory"]))
@click.option("--zone", required=True, help="e.g. us-east-1d")
@click.option("--cpu", default=2048, show_default=True, help="CPU units (1024 = one vCPU).")
@click.option("--memory", default=4096, show_default=True, help="MiB.")
@pass_operation
def add_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Add an instance to the cluster."""
    answer(lab, op)


@click.group("zone")
def zone_group() -> None:
    """Fail and restore whole availability zones."""


@zone_group.command("fail", cls=OpCommand, build=lambda c, p: ops.set_zone_failed(c, p["zone"], True))
@click.argument("zone", shell_complete=completion.zones)
@pass_operation
def fail_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Take a zone down: every task in it stops, and services place replacements elsewhere."""
    answer(lab, op)


@zone_group.command("restore", cls=OpCommand, build=lambda c, p: ops.set_zone_failed(c, p["zone"], False))
@click.argument("zone", shell_complete=completion.zones)
@pass_operation
def restore_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Bring a zone back; services with AZ rebalancing move tasks back into it."""
    answer(lab, op)


def register(cli: click.Group) -> None:
    cli.add_command(instance_group)
    cli.add_command(zone_group)
