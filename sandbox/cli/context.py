"""What every command shares: which sandbox, reaching its control plane, errors and output."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from typing import Any, Callable

import click

from sandbox.core import errors
from sandbox.state import paths
from sandbox.api.client import Client, ControlPlaneDown
from . import present
from .operations import ECS, CommandError, Operation

OPERATION = "servicelab.operation"
"""Where an OpCommand leaves its Operation in the context's meta, for its callback."""


class Lab:
    """The sandbox a command talks to, and its control plane (started on demand)."""

    def __init__(self, sandbox: str | None, cluster: str, runtime: str | None) -> None:
        self._sandbox = sandbox
        self.cluster = cluster
        self.runtime = runtime
        self._client: Client | None = None

    @property
    def sandbox(self) -> str:
        name = self._sandbox or paths.default_sandbox_name()
        try:
            return paths.check_sandbox_name(name)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None

    def running_client(self) -> Client | None:
        """The control plane's client if one runs now; never starts one."""
        from sandbox.control.daemon import read_api_file

        info = read_api_file(self.sandbox)
        if not info:
            return None
        client = Client.for_sandbox(self.sandbox, info["api"])
        try:
            client.lab("Status", timeout=3)
        except ControlPlaneDown:
            return None
        return client

    def client(self) -> Client:
        """The control plane's client, starting one in the background when none runs."""
        if self._client is None:
            self._client = self.running_client() or self._start()
        return self._client

    def _start(self) -> Client:
        from sandbox.control.daemon import spawn, wait_for_api

        process = spawn(self.sandbox, self.runtime)
        try:
            info = wait_for_api(self.sandbox, process)
        except RuntimeError as exc:
            raise errors.ClientException(str(exc)) from None
        click.echo(
            f"servicelab: started a control plane for sandbox {self.sandbox!r} "
            f"({info['runtime']} runtime) at {info['api']}",
            err=True,
        )
        if info["runtime"] == "process":
            from ..runtime.select import PROCESS_WARNING

            click.echo(f"servicelab: warning: {PROCESS_WARNING}", err=True)
        return Client.for_sandbox(self.sandbox, info["api"])

    def ecs(self, operation: str, **params: Any) -> dict[str, Any]:
        return self.client().ecs(operation, **params)

    def lab(self, operation: str, **params: Any) -> dict[str, Any]:
        return self.client().lab(operation, **params)

    def run(self, operation: Operation) -> dict[str, Any]:
        """Carry out an ECS or servicelab operation (the app's own ones are not for the control plane)."""
        call = self.ecs if operation.api == ECS else self.lab
        return call(operation.name, **operation.params)


Builder = Callable[[str, dict[str, Any]], Operation]
"""(cluster, the command's parsed parameters) → the Operation they mean."""


class OpCommand(click.Command):
    """A command that means one Operation, built from its parameters by `build`.

    The app's command bar parses a line with the same command and calls the same `build`, so a
    command means the same call, with the same twin, in a terminal and in the app.
    """

    def __init__(self, *args: Any, build: Builder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.build = build

    def operation_for(self, cluster: str, params: dict[str, Any]) -> Operation:
        """The Operation these parsed parameters mean, asked for as the options say (`--json`, `--limit`);
        CommandError when it cannot be carried out."""
        op = self.build(cluster, params)
        return dataclasses.replace(op, as_json=bool(params.get("as_json")), limit=params.get("limit"))

    def operation(self, ctx: click.Context, cluster: str) -> Operation:
        try:
            return self.operation_for(cluster, ctx.params)
        except CommandError as exc:
            raise click.UsageError(str(exc), ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        ctx.meta[OPERATION] = self.operation(ctx, ctx.find_object(Lab).cluster)
        return super().invoke(ctx)


def pass_operation(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Call the command with its Lab and the Operation its parameters mean, then its parameters."""

    @functools.wraps(fn)
    def callback(**params: Any) -> Any:
        ctx = click.get_current_context()
        return fn(ctx.find_object(Lab), ctx.meta[OPERATION], **params)

    return callback


class LabGroup(click.Group):
    """Turns expected failures into one line and an exit status: 2 for usage, 1 for failures."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except errors.SandboxError as exc:
            click.echo(f"servicelab: error: {exc.message}", err=True)
            ctx.exit(exc.exit_status)
        except ControlPlaneDown as exc:
            click.echo(f"servicelab: error: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            ctx.exit(130)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def table(rows: list[list[str]], headers: list[str]) -> None:
    """Aligned columns, plain text, so output pipes and greps well."""
    for line in present.table(rows, headers):
        click.echo(line)



json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON with ECS's field names.")


def fail(message: str, status: int = 1) -> None:
    click.echo(f"servicelab: error: {message}", err=True)
    sys.exit(status)


def answer(lab: Lab, operation: Operation) -> None:
    """Carry out the operation and print its answer: the same text the app's command bar shows."""
    print_reply(operation, present.reply(operation, present.fetch(operation, lab)))


def print_reply(operation: Operation, reply: present.Reply) -> None:
    """The answer on stdout, problems on stderr, then the twin and the notes that go with it, dimmed."""
    for line in reply.lines:
        click.echo(line)
    for line in reply.errors:
        click.echo(line, err=True)
    show_twin(operation)
    for note in reply.notes:
        click.echo(click.style(f"  {note}", dim=True), err=True)
    if reply.failed:
        sys.exit(1)


def show_twin(operation: Operation) -> None:
    """After a change, show how the real `aws` CLI does the same, so it becomes familiar.

    The same string the app shows for the same action: `aws ecs …`, or another AWS tool's way.
    """
    twin = operation.aws or operation.elsewhere
    if operation.changes and twin:
        click.echo(click.style(f"  {twin}", dim=True), err=True)
