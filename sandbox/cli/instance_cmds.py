"""`servicelab instance …` and `servicelab zone …`: the simulated container instances and zones."""

from __future__ import annotations

import click

from . import completion
from . import operations as ops
from .context import Lab, OpCommand, emit_json, json_option, pass_operation, show_twin, table
from .operations import Operation


@click.group("instance")
def instance_group() -> None:
    """The cluster's simulated container instances (slices of the one engine, one zone each)."""


@instance_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_instances(c))
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, as_json: bool) -> None:
    """Instances with their zone, status, free CPU and memory, and task count."""
    instances = lab.run(op)["instances"]
    if as_json:
        emit_json(instances)
        return
    table(
        [[i["containerInstanceId"], i["availabilityZone"],
          "ZONE FAILED" if i["zoneFailed"] else i["status"],
          f"{i['remainingCpu']}/{i['cpu']}", f"{i['remainingMemory']}/{i['memory']} MiB", str(i["runningTasksCount"])]
         for i in instances],
        ["INSTANCE", "ZONE", "STATUS", "FREE CPU", "FREE MEMORY", "TASKS"],
    )


def _set(lab: Lab, op: Operation) -> None:
    result = lab.run(op)["instance"]
    click.echo(f"instance {result['containerInstanceId']} ({result['availabilityZone']}) is {op.params['status']}")
    show_twin(op)


@instance_group.command("drain", cls=OpCommand,
                        build=lambda c, p: ops.set_instance_status(c, p["instance_id"], "DRAINING"))
@click.argument("instance_id", metavar="ID", shell_complete=completion.instances)
@pass_operation
def drain_cmd(lab: Lab, op: Operation, instance_id: str) -> None:
    """Set DRAINING: its tasks are replaced elsewhere, within the deployment bounds."""
    _set(lab, op)


@instance_group.command("activate", cls=OpCommand,
                        build=lambda c, p: ops.set_instance_status(c, p["instance_id"], "ACTIVE"))
@click.argument("instance_id", metavar="ID", shell_complete=completion.instances)
@pass_operation
def activate_cmd(lab: Lab, op: Operation, instance_id: str) -> None:
    """Set ACTIVE again: it takes tasks."""
    _set(lab, op)


@instance_group.command("add", cls=OpCommand, build=lambda c, p: ops.add_instance(c, p["zone"], p["cpu"], p["memory"]))
@click.option("--zone", required=True, help="e.g. us-east-1d")
@click.option("--cpu", default=2048, show_default=True, help="CPU units (1024 = one vCPU).")
@click.option("--memory", default=4096, show_default=True, help="MiB.")
@pass_operation
def add_cmd(lab: Lab, op: Operation, zone: str, **_: object) -> None:
    """Add an instance to the cluster."""
    result = lab.run(op)["instance"]
    click.echo(f"instance {result['containerInstanceId']} added in {zone}")


@click.group("zone")
def zone_group() -> None:
    """Fail and restore whole availability zones."""


@zone_group.command("fail", cls=OpCommand, build=lambda c, p: ops.set_zone_failed(c, p["zone"], True))
@click.argument("zone", shell_complete=completion.zones)
@pass_operation
def fail_cmd(lab: Lab, op: Operation, zone: str) -> None:
    """Take a zone down: every task in it stops, and services place replacements elsewhere."""
    instances = lab.run(op)["instances"]
    click.echo(f"zone {zone} failed ({len(instances)} instance(s) down)")


@zone_group.command("restore", cls=OpCommand, build=lambda c, p: ops.set_zone_failed(c, p["zone"], False))
@click.argument("zone", shell_complete=completion.zones)
@pass_operation
def restore_cmd(lab: Lab, op: Operation, zone: str) -> None:
    """Bring a zone back; services with AZ rebalancing move tasks back into it."""
    instances = lab.run(op)["instances"]
    click.echo(f"zone {zone} restored ({len(instances)} instance(s) back)")


def register(cli: click.Group) -> None:
    cli.add_command(instance_group)
    cli.add_command(zone_group)
