"""The `servicelab` command line for the sandbox: sandbox, service, task, taskdef, chaos, instances and
zones, load balancers, traffic and auto scaling."""

from __future__ import annotations

import click

from . import (
    aws_cmds,
    cluster_cmds,
    instance_cmds,
    lb_cmds,
    sandbox_cmds,
    scaling_cmds,
    service_cmds,
    task_cmds,
    taskdef_cmds,
    traffic_cmds,
)
from .context import Lab, LabGroup


@click.group(cls=LabGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--sandbox", "sandbox_name", envvar="SERVICELAB_SANDBOX", metavar="NAME",
              help="Sandbox to use (default: your login name; env SERVICELAB_SANDBOX).")
@click.option("--cluster", default="default", show_default=True, metavar="NAME", help="ECS cluster inside the sandbox.")
@click.option("--runtime", type=click.Choice(["docker", "process"]), envvar="SERVICELAB_RUNTIME",
              help="Where tasks run (default: docker when the engine answers, else process; env SERVICELAB_RUNTIME).")
@click.pass_context
def cli(ctx: click.Context, sandbox_name: str | None, cluster: str, runtime: str | None) -> None:
    """servicelab: learn how services keep tasks running, on real containers."""
    ctx.obj = Lab(sandbox_name, cluster, runtime)
    if ctx.invoked_subcommand is None:
        # The tutor sets `no_command` to open the app; the bare sandbox CLI prints its help.
        handler = getattr(ctx.command, "no_command", None)
        if handler is None:
            click.echo(ctx.get_help())
        else:
            handler(ctx)


for module in (sandbox_cmds, cluster_cmds, service_cmds, task_cmds, taskdef_cmds, instance_cmds, aws_cmds, lb_cmds, traffic_cmds,
               scaling_cmds):
    module.register(cli)
