"""Help (`?`): every key, from the bindings themselves, and every command the bar understands."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor import commands
from tutor.live.view_model import SLOW_MOTION_SECONDS


SANDBOX_APP_ACTIONS = {"toggle_slow_motion", "restart_sandbox"}
"""The app's own keys that are about the live sandbox: help lists them there (ctrl+r is the sandbox
screens' too), not under "Everywhere"."""


def key_name(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    names = {"plus": "+", "equals_sign": "=", "minus": "-", "colon": ":", "slash": "/",
             "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]"}
    return ", ".join(names.get(k, k) for k in binding.key.split(","))


def _bindings(source: list[BindingType]) -> list[Binding]:
    return [b if isinstance(b, Binding) else Binding(*b) for b in source]


def key_sections(app_bindings: list[BindingType]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(keys, what)]) for every screen: the help is built from the real bindings.

    The app's own bindings are handed in by the app that opens the help, so this module never
    imports the app (the app imports it)."""
    from tutor.ui.widgets.command_bar import CommandInput
    from tutor.ui.widgets.order_list import OrderList
    from tutor.ui.screens.base import SandboxScreen
    from tutor.ui.screens.cheatsheet import CheatSheetScreen
    from tutor.ui.screens.home import HomeScreen
    from tutor.ui.screens.learning import LearningScreen
    from tutor.ui.screens.lesson import LessonScreen
    from tutor.ui.screens.logs import LogsScreen
    from tutor.ui.screens.review import ReviewScreen

    def rows(source: list[BindingType], only: set[str] | None = None,
             leave_out: set[str] = frozenset()) -> list[tuple[str, str]]:
        # One row per action: `q, ctrl+q, ctrl+c  Quit: …`; the tooltip is the long description.
        grouped: dict[str, tuple[list[str], str]] = {}
        for b in _bindings(source):
            if not b.description or b.action in leave_out or (only is not None and b.action not in only):
                continue
            keys, what = grouped.setdefault(b.action, ([], b.tooltip or b.description))
            keys.append(key_name(b))
        return [(", ".join(keys), what) for keys, what in grouped.values()]

    return [
        ("Everywhere", rows(app_bindings, leave_out=SANDBOX_APP_ACTIONS)
         + [("ctrl+p", "Command palette: lessons and actions"),
            ("tab / shift+tab", "Move between parts of the screen")]),
        ("Lessons (home)", rows(HomeScreen.BINDINGS) + [("up / down, enter", "Choose a lesson; a click works too")]),
        ("In a lesson", rows(LessonScreen.BINDINGS) + rows(LearningScreen.BINDINGS)
         + rows(OrderList.BINDINGS) + [("enter", "Answer: commit a prediction, a myth or a quiz question")]),
        ("Review (flashcards)", rows(ReviewScreen.BINDINGS)
         + [("0 … 5", "Grade how well you remembered: 0 blank, 1-2 wrong, 3 hard, 4 good, 5 at once")]),
        ("Cheat sheet", rows(CheatSheetScreen.BINDINGS) + [("enter", "Use the entry's servicelab command")]),
        ("The live sandbox (lesson or free sandbox)", rows(SandboxScreen.BINDINGS)
         + rows(app_bindings, only={"toggle_slow_motion"})
         + [("up / down", "Select a task in the table")]),
        ("The command bar", rows(CommandInput.BINDINGS) + [("enter", "Run the line")]),
        ("Logs", rows(LogsScreen.BINDINGS)),
    ]


def help_text(app_bindings: list[BindingType]) -> Content:
    lines: list[Content] = [Content.from_markup("[b]servicelab help[/b]  (Escape, q or ? closes)"), Content("")]
    for section, rows in key_sections(app_bindings):
        lines.append(Content.from_markup("[b]$s[/b]", s=section))
        width = max(len(k) for k, _ in rows)
        lines += [Content(f"  {keys.ljust(width)}  {what}") for keys, what in rows]
        lines.append(Content(""))
    lines.append(Content.from_markup("[b]Command bar: servicelab commands[/b] (the word servicelab is optional)"))
    lines += [Content(f"  {c.usage.removeprefix('servicelab ')}  — {c.help}") for c in commands.cli_commands()]
    lines.append(Content(""))
    lines.append(Content.from_markup("[b]Command bar: aws ecs forms[/b] (each does what its servicelab twin does)"))
    lines += [Content(f"  {c.usage}\n      same as: {c.cli_twin}") for c in commands.aws_commands()]
    lines.append(Content(""))
    lines.append(Content("ID in a lesson's command means the task selected in the table."))
    lines.append(Content("Every key that changes the sandbox also shows its aws ecs twin."))
    lines.append(Content("A shows the aws-env lines: with them, the real aws ecs and boto3 in a second terminal "
                         "drive this sandbox (servicelab aws-env prints the same)."))
    lines.append(Content("Under the tasks, views appear when they have something to say: the deployments of a "
                         "rollout, zones and instances, the load balancer's targets, auto scaling. "
                         "\"time ×N\" in the status bar: the sandbox's clock runs N times faster."))
    lines.append(Content(f"Slow motion (w): each new status of a task stays in the table {SLOW_MOTION_SECONDS:g} s, "
                         "so the starting ones (PROVISIONING, PENDING, ACTIVATING) can be watched; the status bar "
                         "says \"slow motion\" while it is on."))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """Every key and every command, in one scrollable page."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close help", key_display="esc"),
    ]

    def __init__(self, app_bindings: list[BindingType]) -> None:
        super().__init__()
        self.app_bindings = app_bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Static(help_text(self.app_bindings), id="help-body")

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def text(self) -> str:
        return help_text(self.app_bindings).plain
