"""`servicelab task …`: list, inspect, stop, run, kill, read and enter tasks."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from . import completion
from . import operations as ops
from .context import Lab, OpCommand, answer, json_option, pass_operation
from .operations import Operation


@click.group("task")
def task_group() -> None:
    """List, inspect, stop, run and enter tasks."""


def _ls(cluster: str, p: dict) -> Operation:
    if p["include_stopped"]:
        return ops.all_tasks(cluster, p["service"])
    return ops.list_tasks(cluster, p["service"], p["stopped"])


@task_group.command("ls", cls=OpCommand, build=_ls)
@click.option("--service", metavar="NAME", help="Only this service's tasks.", shell_complete=completion.services)
@click.option("--all", "include_stopped", is_flag=True, help="Include STOPPED tasks.")
@click.option("--stopped", is_flag=True, help="Only tasks told to stop (desiredStatus STOPPED), as aws ecs list-tasks "
                                              "--desired-status STOPPED lists them.")
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """List tasks, newest first."""
    answer(lab, op)


@task_group.command("describe", cls=OpCommand, build=lambda c, p: ops.describe_task(c, p["task_id"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@json_option
@pass_operation
def describe_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Show one task: its statuses, container, port, times, stop code and reason, exit code."""
    answer(lab, op)


@task_group.command("stop", cls=OpCommand, build=lambda c, p: ops.stop_task(c, p["task_id"], p["reason"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@click.option("--reason", metavar="TEXT", help="Recorded as the task's stoppedReason.")
@pass_operation
def stop_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Stop a task (stopCode UserInitiated). A service will start a replacement."""
    answer(lab, op)


@task_group.command("kill", cls=OpCommand, build=lambda c, p: ops.kill_task(c, p["task_id"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@pass_operation
def kill_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Kill the task's container from outside, like a crash. The scheduler has to notice."""
    answer(lab, op)


@task_group.command("run", cls=OpCommand, build=lambda c, p: ops.run_task(c, p["task_def"], p["count"]))
@click.argument("task_def", metavar="FAMILY[:REV]", shell_complete=completion.task_definitions)
@click.option("--count", default=1, show_default=True, type=int, help="How many (1 to 10).")
@json_option
@pass_operation
def run_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Run one-off tasks. Nothing replaces them when they stop."""
    answer(lab, op)


@task_group.command("logs", cls=OpCommand, build=lambda c, p: ops.task_logs(c, p["task_id"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the task ends.")
@click.option("--tail", type=int, metavar="N", help="Only the last N lines.")
@click.pass_obj
def logs_cmd(lab: Lab, task_id: str, follow: bool, tail: int | None) -> None:
    """Print what the task's container wrote."""
    for chunk in lab.client().logs(task_id, follow=follow, tail=tail):
        click.echo(chunk, nl=False)


@task_group.command("exec", cls=OpCommand, context_settings={"ignore_unknown_options": True},
                    build=lambda c, p: ops.exec_task(c, p["task_id"], p["command"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@pass_operation
def exec_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Run a command inside the task: servicelab task exec ID -- sh"""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    argv = lab.lab("ExecArgv", **op.params, interactive=interactive)["argv"]
    if interactive:
        os.execvp(argv[0], argv)
    result = subprocess.run(argv)
    sys.exit(result.returncode)


def register(cli: click.Group) -> None:
    cli.add_command(task_group)
