"""`servicelab cluster …`: the ECS clusters inside a sandbox."""

from __future__ import annotations

import click

from . import operations as ops
from .context import Lab, OpCommand, emit_json, json_option, pass_operation, show_twin, table
from .operations import Operation


@click.group("cluster")
def cluster_group() -> None:
    """List, create and delete clusters (each starts with three instances in three zones)."""


@cluster_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_clusters())
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, as_json: bool) -> None:
    """Every active cluster with its counts."""
    arns = lab.run(op)["clusterArns"]
    clusters = lab.ecs("DescribeClusters", clusters=arns)["clusters"] if arns else []
    if as_json:
        emit_json(clusters)
        return
    table([[c["clusterName"], c["status"], str(c["activeServicesCount"]), str(c["runningTasksCount"]),
            str(c["pendingTasksCount"])] for c in clusters],
          ["CLUSTER", "STATUS", "SERVICES", "RUNNING", "PENDING"])


@cluster_group.command("create", cls=OpCommand, build=lambda c, p: ops.create_cluster(p["name"]))
@click.argument("name")
@pass_operation
def create_cmd(lab: Lab, op: Operation, name: str) -> None:
    """Create a cluster; use it with --cluster NAME."""
    lab.run(op)
    click.echo(f"cluster {name} created; use it with `servicelab --cluster {name} …`")
    show_twin(op)


@cluster_group.command("delete", cls=OpCommand, build=lambda c, p: ops.delete_cluster(p["name"]))
@click.argument("name")
@pass_operation
def delete_cmd(lab: Lab, op: Operation, name: str) -> None:
    """Delete an empty cluster."""
    lab.run(op)
    click.echo(f"cluster {name} deleted")
    show_twin(op)


def register(cli: click.Group) -> None:
    cli.add_command(cluster_group)
