"""`servicelab cluster …`: the ECS clusters inside a sandbox."""

from __future__ import annotations

import click

from . import operations as ops
from .context import Lab, OpCommand, answer, json_option, pass_operation
from .operations import Operation


@click.group("cluster")
def cluster_group() -> None:
    """List, create and delete clusters (each starts with three instances in three zones)."""


@cluster_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_clusters())
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Every active cluster with its counts."""
    answer(lab, op)


@cluster_group.command("create", cls=OpCommand, build=lambda c, p: ops.create_cluster(p["name"]))
@click.argument("name")
@pass_operation
def create_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Create a cluster; use it with --cluster NAME."""
    answer(lab, op)


@cluster_group.command("delete", cls=OpCommand, build=lambda c, p: ops.delete_cluster(p["name"]))
@click.argument("name")
@pass_operation
def delete_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Delete an empty cluster."""
    answer(lab, op)


def register(cli: click.Group) -> None:
    cli.add_command(cluster_group)
