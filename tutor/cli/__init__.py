"""The `servicelab` command: the tutor app when run bare, the sandbox CLI with a command."""

from __future__ import annotations

import importlib

import click

from sandbox.cli import cli
from sandbox.cli.context import LabGroup

PLAIN = "servicelab.plain"
HIGH_CONTRAST = "servicelab.high_contrast"
WORKSHOP = "servicelab.workshop"
SHARE = "servicelab.share_progress"


TUTOR_COMMANDS = {
    "progress": "tutor.cli.progress:progress",
    "lessons": "tutor.cli.lessons:lessons_group",
    "review": "tutor.cli.review:review",
    "cheatsheet": "tutor.cli.cheatsheet:cheatsheet",
    "workshop": "tutor.workshop.cli:workshop_group",
    "prepare": "tutor.workshop.cli:prepare_cmd",
}
"""The tutor's own commands, by name: each is loaded only when it is used (or listed in help),
so a sandbox command never pays for them, and the command bar can read this tree without
importing the app."""
APP = "tutor.ui.app:run"
"""What runs when `servicelab` is given no command: the Textual app."""


def _load(spec: str) -> object:
    module, attribute = spec.split(":")
    return getattr(importlib.import_module(module), attribute)


def _run_app(ctx: click.Context) -> None:
    lab = ctx.obj
    _load(APP)(
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


class TutorProgram(LabGroup):
    """`servicelab`: the sandbox CLI's commands and options, the tutor's own commands, and the app
    when run bare. Built beside the sandbox's group, never by changing it."""

    def __init__(self, base: click.Group) -> None:
        super().__init__(
            name="servicelab", commands=dict(base.commands), params=[*base.params, *APP_OPTIONS],
            callback=base.callback, invoke_without_command=True, help=base.help,
            context_settings=base.context_settings,
        )

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *TUTOR_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in TUTOR_COMMANDS:
            self.add_command(_load(TUTOR_COMMANDS[name]), name)
        return self.commands.get(name)

    def no_command(self, ctx: click.Context) -> None:
        _run_app(ctx)


_PROGRAM: TutorProgram | None = None


def build() -> TutorProgram:
    """The whole program's click tree (one per process: the command bar parses with it too)."""
    global _PROGRAM
    if _PROGRAM is None:
        _PROGRAM = TutorProgram(cli)
    return _PROGRAM


def main() -> None:
    build()(prog_name="servicelab")
