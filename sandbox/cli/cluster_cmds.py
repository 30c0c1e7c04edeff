"""`servicelab cluster …`: the ECS clusters inside a sandbox."""

from __future__ import annotations

import click

from .context import Lab, emit_json, json_option, table


@click.group("cluster")
def cluster_group() -> None:
    """List, create and delete clusters (each starts with three instances in three zones)."""


@cluster_group.command("ls")
@json_option
@click.pass_obj
def ls_cmd(lab: Lab, as_json: bool) -> None:
    """Every active cluster with its counts."""
    arns = lab.ecs("ListClusters")["clusterArns"]
    clusters = lab.ecs("DescribeClusters", clusters=arns)["clusters"] if arns else []
    if as_json:
        emit_json(clusters)
        return
    table([[c["clusterName"], c["status"], str(c["activeServicesCount"]), str(c["runningTasksCount"]),
            str(c["pendingTasksCount"])] for c in clusters],
          ["CLUSTER", "STATUS", "SERVICES", "RUNNING", "PENDING"])


@cluster_group.command("create")
@click.argument("name")
@click.pass_obj
def create_cmd(lab: Lab, name: str) -> None:
    """Create a cluster; use it with --cluster NAME."""
    lab.ecs("CreateCluster", clusterName=name)
    click.echo(f"cluster {name} created; use it with `servicelab --cluster {name} …`")


@cluster_group.command("delete")
@click.argument("name")
@click.pass_obj
def delete_cmd(lab: Lab, name: str) -> None:
    """Delete an empty cluster."""
    lab.ecs("DeleteCluster", cluster=name)
    click.echo(f"cluster {name} deleted")


def register(cli: click.Group) -> None:
    cli.add_command(cluster_group)
