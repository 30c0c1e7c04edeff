"""`servicelab instance …` and `servicelab zone …`: the simulated container instances and zones."""

from __future__ import annotations

import click

from .context import Lab, emit_json, json_option, table


@click.group("instance")
def instance_group() -> None:
    """The cluster's simulated container instances (slices of the one engine, one zone each)."""


@instance_group.command("ls")
@json_option
@click.pass_obj
def ls_cmd(lab: Lab, as_json: bool) -> None:
    """Instances with their zone, status, free CPU and memory, and task count."""
    instances = lab.lab("Instances", cluster=lab.cluster)["instances"]
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


def _set(lab: Lab, instance: str, status: str) -> None:
    result = lab.lab("SetInstanceStatus", cluster=lab.cluster, instance=instance, status=status)["instance"]
    click.echo(f"instance {result['containerInstanceId']} ({result['availabilityZone']}) is {status}")


@instance_group.command("drain")
@click.argument("instance_id", metavar="ID")
@click.pass_obj
def drain_cmd(lab: Lab, instance_id: str) -> None:
    """Set DRAINING: its tasks are replaced elsewhere, within the deployment bounds."""
    _set(lab, instance_id, "DRAINING")
    click.echo(click.style(
        f"  aws ecs update-container-instances-state --cluster {lab.cluster} --container-instances {instance_id} --status DRAINING",
        dim=True), err=True)


@instance_group.command("activate")
@click.argument("instance_id", metavar="ID")
@click.pass_obj
def activate_cmd(lab: Lab, instance_id: str) -> None:
    """Set ACTIVE again: it takes tasks."""
    _set(lab, instance_id, "ACTIVE")


@instance_group.command("add")
@click.option("--zone", required=True, help="e.g. us-east-1d")
@click.option("--cpu", default=2048, show_default=True, help="CPU units (1024 = one vCPU).")
@click.option("--memory", default=4096, show_default=True, help="MiB.")
@click.pass_obj
def add_cmd(lab: Lab, zone: str, cpu: int, memory: int) -> None:
    """Add an instance to the cluster."""
    result = lab.lab("AddInstance", cluster=lab.cluster, zone=zone, cpu=cpu, memory=memory)["instance"]
    click.echo(f"instance {result['containerInstanceId']} added in {zone}")


@click.group("zone")
def zone_group() -> None:
    """Fail and restore whole availability zones."""


@zone_group.command("fail")
@click.argument("zone")
@click.pass_obj
def fail_cmd(lab: Lab, zone: str) -> None:
    """Take a zone down: every task in it stops, and services place replacements elsewhere."""
    instances = lab.lab("SetZoneFailed", cluster=lab.cluster, zone=zone, failed=True)["instances"]
    click.echo(f"zone {zone} failed ({len(instances)} instance(s) down)")


@zone_group.command("restore")
@click.argument("zone")
@click.pass_obj
def restore_cmd(lab: Lab, zone: str) -> None:
    """Bring a zone back; services with AZ rebalancing move tasks back into it."""
    instances = lab.lab("SetZoneFailed", cluster=lab.cluster, zone=zone, failed=False)["instances"]
    click.echo(f"zone {zone} restored ({len(instances)} instance(s) back)")


def register(cli: click.Group) -> None:
    cli.add_command(instance_group)
    cli.add_command(zone_group)
