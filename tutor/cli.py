"""The `servicelab` command: the tutor app when run bare, the sandbox CLI with a command."""

from __future__ import annotations

import click

from sandbox.cli import cli

PLAIN = "servicelab.plain"
HIGH_CONTRAST = "servicelab.high_contrast"


def _run_app(ctx: click.Context) -> None:
    # Imported here so CLI commands never pay for loading Textual.
    from .app import run

    lab = ctx.obj
    run(
        sandbox=lab.sandbox,
        cluster=lab.cluster,
        runtime=lab.runtime,
        plain=bool(ctx.meta.get(PLAIN)),
        high_contrast=bool(ctx.meta.get(HIGH_CONTRAST)),
    )


def _remember(key: str):
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        ctx.meta[key] = value
        return value

    return callback


# The app's own options. They are the tutor's, not the sandbox CLI's, so they are added here
# and kept out of the group's callback (expose_value=False); the app reads them from ctx.meta.
APP_OPTIONS = [
    click.Option(["--plain"], is_flag=True, envvar="SERVICELAB_PLAIN", expose_value=False,
                 callback=_remember(PLAIN),
                 help="Screen-reader-friendly app: no box drawing, no spinners, changes announced as lines "
                      "(env SERVICELAB_PLAIN)."),
    click.Option(["--high-contrast"], is_flag=True, envvar="SERVICELAB_HIGH_CONTRAST", expose_value=False,
                 callback=_remember(HIGH_CONTRAST),
                 help="Open the app in its high-contrast theme (env SERVICELAB_HIGH_CONTRAST). "
                      "NO_COLOR is honoured too."),
]


def build() -> click.Group:
    from .cheatsheet_cli import cheatsheet
    from .lessons_cli import lessons_group
    from .progress_cli import progress
    from .review_cli import review

    for command in (progress, lessons_group, review, cheatsheet):
        if command.name not in cli.commands:
            cli.add_command(command)
    names = {name for param in cli.params for name in param.opts}
    for option in APP_OPTIONS:
        if not names.intersection(option.opts):
            cli.params.append(option)
    cli.no_command = _run_app
    return cli


def main() -> None:
    build()(prog_name="servicelab")
