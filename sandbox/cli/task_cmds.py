"""`servicelab task …`: list, inspect, stop, run, kill, read and enter tasks."""

from __future__ import annotations

import os
import subprocess
import sys

import click

from . import completion
from . import operations as ops
from .context import Lab, OpCommand, ago, clock_time, emit_json, json_option, pass_operation, show_twin, table
from .operations import Operation


def _one(lab: Lab, task: str) -> dict:
    return lab.lab("Tasks", cluster=lab.cluster, task=task)["tasks"][0]


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
@click.pass_obj
def ls_cmd(lab: Lab, service: str | None, include_stopped: bool, stopped: bool, as_json: bool) -> None:
    """List tasks, newest first."""
    # The table wants more than ListTasks's ARNs: the tutor's Tasks call gives every field at once.
    tasks = lab.lab("Tasks", cluster=lab.cluster, service=service, includeStopped=include_stopped or stopped)["tasks"]
    if stopped and not include_stopped:
        tasks = [t for t in tasks if t["desiredStatus"] == "STOPPED"]
    if as_json:
        emit_json(tasks)
        return
    if not tasks:
        click.echo("no tasks" + ("" if include_stopped else " (use --all to include stopped ones)"))
        return
    rows = []
    for t in tasks:
        stopped = t["lastStatus"] == "STOPPED"
        rows.append([
            t["taskId"][:12],
            t["group"].split(":", 1)[1] if t["group"].startswith("service:") else "(one-off)",
            t["taskDefinition"],
            t["lastStatus"],
            t["desiredStatus"],
            t["healthStatus"],
            "-" if stopped else ago(t.get("startedAt")),
            (t.get("containerId") or "-")[:12],
            (t.get("stoppedReason") or "") if stopped or t["desiredStatus"] == "STOPPED" else "",
        ])
    table(rows, ["TASK", "SERVICE", "TASK DEF", "LAST STATUS", "DESIRED", "HEALTH", "UPTIME", "CONTAINER", "STOPPED REASON"])


@task_group.command("describe", cls=OpCommand, build=lambda c, p: ops.describe_task(c, p["task_id"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@json_option
@click.pass_obj
def describe_cmd(lab: Lab, task_id: str, as_json: bool) -> None:
    """Show one task: its statuses, times, stop code and reason, exit code."""
    t = _one(lab, task_id)
    if as_json:
        emit_json(t)
        return
    c = t["containers"][0]
    click.echo(f"task {t['taskId']}  ({t['group']}, {t['taskDefinition']})")
    click.echo(f"  lastStatus {t['lastStatus']}   desiredStatus {t['desiredStatus']}   health {t['healthStatus']}")
    click.echo(f"  container  {t.get('containerId') or '-'}")
    for b in c.get("networkBindings", []):
        click.echo(f"  port       http://{b['bindIP']}:{b['hostPort']} → {b['containerPort']}/tcp")
    click.echo(f"  created    {clock_time(t['createdAt'])}")
    if t.get("startedAt"):
        click.echo(f"  started    {clock_time(t['startedAt'])}")
    if t.get("stoppedAt"):
        click.echo(f"  stopped    {clock_time(t['stoppedAt'])}")
    if t.get("stopCode"):
        click.echo(f"  stopCode   {t['stopCode']}")
        click.echo(f"  reason     {t.get('stoppedReason', '')}")
    if "exitCode" in c:
        click.echo(f"  exit code  {c['exitCode']}")
    if c.get("reason"):
        click.echo(f"  container  {c['reason']}")


@task_group.command("stop", cls=OpCommand, build=lambda c, p: ops.stop_task(c, p["task_id"], p["reason"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@click.option("--reason", metavar="TEXT", help="Recorded as the task's stoppedReason.")
@pass_operation
def stop_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Stop a task (stopCode UserInitiated). A service will start a replacement."""
    t = lab.run(op)["task"]
    tid = t["taskArn"].rsplit("/", 1)[-1]
    click.echo(f"task {tid[:12]} stopping ({t['group']})")
    show_twin(op)


@task_group.command("kill", cls=OpCommand, build=lambda c, p: ops.kill_task(c, p["task_id"]))
@click.argument("task_id", metavar="ID", shell_complete=completion.tasks)
@pass_operation
def kill_cmd(lab: Lab, op: Operation, task_id: str) -> None:
    """Kill the task's container from outside, like a crash. The scheduler has to notice."""
    result = lab.run(op)
    click.echo(f"killed container {result['containerId'][:12]} of task {result['taskId'][:12]}")


@task_group.command("run", cls=OpCommand, build=lambda c, p: ops.run_task(c, p["task_def"], p["count"]))
@click.argument("task_def", metavar="FAMILY[:REV]", shell_complete=completion.task_definitions)
@click.option("--count", default=1, show_default=True, type=int, help="How many (1 to 10).")
@json_option
@pass_operation
def run_cmd(lab: Lab, op: Operation, as_json: bool, **_: object) -> None:
    """Run one-off tasks. Nothing replaces them when they stop."""
    result = lab.run(op)
    if as_json:
        emit_json(result)
        return
    for t in result["tasks"]:
        where = f" on {t['containerInstanceArn'].rsplit('/', 1)[-1]} in {t['availabilityZone']}" if t.get("availabilityZone") else ""
        click.echo(f"task {t['taskArn'].rsplit('/', 1)[-1][:12]} started ({t['group']}){where}")
    for f in result["failures"]:
        click.echo(f"not placed: {f['reason']}: {f.get('detail', '')}", err=True)
    show_twin(op)
    if result["failures"] and not result["tasks"]:
        raise SystemExit(1)


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
