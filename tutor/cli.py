"""The `servicelab` command: the tutor app when run bare, the sandbox CLI with a command."""

from __future__ import annotations

import click

from sandbox.cli import cli


def _run_app(ctx: click.Context) -> None:
    # Imported here so CLI commands never pay for loading Textual.
    from .app import run

    lab = ctx.obj
    run(sandbox=lab.sandbox, cluster=lab.cluster, runtime=lab.runtime)


def build() -> click.Group:
    from .progress_cli import progress

    if "progress" not in cli.commands:
        cli.add_command(progress)
    cli.no_command = _run_app
    return cli


def main() -> None:
    build()(prog_name="servicelab")
