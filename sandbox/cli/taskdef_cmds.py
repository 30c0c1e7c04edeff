"""`servicelab taskdef …`: the task definitions a service or task can run."""

from __future__ import annotations

from pathlib import Path

import click

from . import completion
from . import operations as ops
from .context import Lab, OpCommand, answer, emit_json, fail, json_option, pass_operation
from .operations import Operation


@click.group("taskdef")
def taskdef_group() -> None:
    """List, show and register task definitions."""


@taskdef_group.command("ls", cls=OpCommand, build=lambda c, p: ops.list_task_definitions())
@json_option
@pass_operation
def ls_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Every ACTIVE task definition revision."""
    answer(lab, op)


@taskdef_group.command("describe", cls=OpCommand, build=lambda c, p: ops.describe_task_definition(c, p["ref"]))
@click.argument("ref", metavar="FAMILY[:REV]", shell_complete=completion.task_definitions)
@json_option
@pass_operation
def describe_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Show one task definition."""
    answer(lab, op)


@taskdef_group.command("register")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@json_option
@click.pass_obj
def register_cmd(lab: Lab, file: Path, as_json: bool) -> None:
    """Register a task definition from a YAML file (see `servicelab taskdef describe web:1`)."""
    from sandbox.taskdefs.taskdef_file import TaskDefinitionFileError, load_file, register_request

    try:
        parsed = load_file(file)
    except TaskDefinitionFileError as exc:
        fail(str(exc), 2)
    for td, _ in parsed:
        request = register_request(td)
        result = lab.ecs("RegisterTaskDefinition", **request)["taskDefinition"]
        if as_json:
            emit_json(result)
        else:
            click.echo(f"registered {result['family']}:{result['revision']}")


def register(cli: click.Group) -> None:
    cli.add_command(taskdef_group)
