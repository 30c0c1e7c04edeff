"""`servicelab lb …`: the services' load balancers, their URLs and their targets' health."""

from __future__ import annotations

import click

from . import completion
from . import operations as ops
from .context import Lab, OpCommand, answer, json_option, pass_operation
from .operations import Operation


@click.group("lb")
def lb_group() -> None:
    """Load balancers: one per service created with --load-balancer."""


@lb_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_load_balancers(c, p["service"]))
@click.argument("service", required=False, shell_complete=completion.services)
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Each load-balanced service's URL and its targets with their health."""
    answer(lab, op)


def register(cli: click.Group) -> None:
    cli.add_command(lb_group)
