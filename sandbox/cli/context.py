"""What every command shares: which sandbox, reaching its control plane, errors and output."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from .. import errors, paths
from ..client import Client, ControlPlaneDown
from ..timefmt import clock, duration


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
        from ..daemon import read_api_file

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
        from ..daemon import spawn, wait_for_api

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
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def ago(timestamp: float | None, now: float | None = None) -> str:
    if not timestamp:
        return "-"
    return duration((now or time.time()) - timestamp)


clock_time = clock


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON with ECS's field names.")


def fail(message: str, status: int = 1) -> None:
    click.echo(f"servicelab: error: {message}", err=True)
    sys.exit(status)


def aws_twin(text: str, tool: str = "ecs") -> None:
    """Show the real CLI's twin of what was just done, so it becomes familiar."""
    click.echo(click.style(f"  aws {tool} {text}", dim=True), err=True)
