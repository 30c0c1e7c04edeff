"""The `servicelab` command: the tutor app when run bare, the sandbox CLI with a command."""

from __future__ import annotations

import click

from sandbox.cli import cli

PLAIN = "servicelab.plain"
HIGH_CONTRAST = "servicelab.high_contrast"
WORKSHOP = "servicelab.workshop"
SHARE = "servicelab.share_progress"


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
        workshop=ctx.meta.get(WORKSHOP),
        share_progress=ctx.meta.get(SHARE),
    )


def _remember(key: str):
    def callback(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        ctx.meta[key] = value
        return value

    return callback


def _workshop(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # In the environment too, so a control plane that any command starts learns the quotas; not
    # while only parsing (the command bar and completion read lines with resilient_parsing).
    if value and not ctx.resilient_parsing:
        import os
        from pathlib import Path

        value = str(Path(value).expanduser().resolve())
        os.environ["SERVICELAB_WORKSHOP"] = value
    ctx.meta[WORKSHOP] = value or None
    return value


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
    click.Option(["--workshop"], metavar="FILE", envvar="SERVICELAB_WORKSHOP", expose_value=False, is_eager=True,
                 callback=_workshop,
                 help="Follow a classroom workshop file: its lessons in order, locks and time boxes; your sandbox "
                      "gets its quotas (env SERVICELAB_WORKSHOP)."),
    click.Option(["--share-progress"], metavar="URL", expose_value=False, callback=_remember(SHARE),
                 help="With --workshop: send your progress to the instructor's server as it changes "
                      "(off unless given)."),
]


def build() -> click.Group:
    from .cheatsheet_cli import cheatsheet
    from .lessons_cli import lessons_group
    from .progress_cli import progress
    from .review_cli import review
    from .workshop.cli import export_cmd, prepare_cmd, workshop_group

    for command in (progress, lessons_group, review, cheatsheet, workshop_group, prepare_cmd):
        if command.name not in cli.commands:
            cli.add_command(command)
    if export_cmd.name not in progress.commands:
        progress.add_command(export_cmd)
    names = {name for param in cli.params for name in param.opts}
    for option in APP_OPTIONS:
        if not names.intersection(option.opts):
            cli.params.append(option)
    cli.no_command = _run_app
    return cli


def main() -> None:
    build()(prog_name="servicelab")
