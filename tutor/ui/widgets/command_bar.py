"""The command bar (`:`): the CLI's commands and their `aws ecs` twins, with completion and history."""

from __future__ import annotations

from typing import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from tutor import commands
from tutor.commands.history import CommandHistory

HINT = "Tab completes · ↑/↓ history · Enter runs · Esc closes · try: service scale web 3 or aws ecs list-tasks"
PLAIN_HINT = "Tab completes, Up and Down for history, Enter runs, Escape closes"


class CommandSuggester(Suggester):
    """Suggests the first completion, drawn from the sandbox's current services and tasks."""

    def __init__(self, names: Callable[[], commands.Names]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        candidates = commands.complete(value, self.names())
        return candidates[0] if candidates else None


class CommandInput(Input):
    """The line itself: Tab completes, Up and Down walk the history."""

    BINDINGS = [
        Binding("tab", "complete", "Complete", show=False,
                tooltip="Complete the word; with several choices, list them"),
        Binding("up", "history(-1)", "Previous command", show=False, tooltip="The previous command (history)"),
        Binding("down", "history(1)", "Next command", show=False, tooltip="The next command (history)"),
        Binding("escape", "close", "Close the command bar", show=False, tooltip="Close the command bar"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | tab | Complete the word, or list the choices. |
    | up / down | Walk through earlier commands. |
    | escape | Close the command bar. |
    """

    class Completed(Message):
        """Tab found these candidates (for the hint line)."""

        def __init__(self, candidates: list[str]) -> None:
            super().__init__()
            self.candidates = candidates

    class CloseRequested(Message):
        """Escape was pressed."""

    def __init__(self, history: CommandHistory, names: Callable[[], commands.Names], **kwargs) -> None:
        super().__init__(suggester=CommandSuggester(names), **kwargs)
        self.history = history
        self.names = names
        self._position: int | None = None
        self._draft = ""

    def action_complete(self) -> None:
        candidates = commands.complete(self.value[: self.cursor_position], self.names())
        if not candidates:
            self.post_message(self.Completed([]))
            return
        fill = candidates[0] if len(candidates) == 1 else commands.common_prefix(candidates)
        if len(candidates) == 1 and not fill.endswith(" "):
            fill += " "
        if len(fill) > self.cursor_position:
            self.value = fill + self.value[self.cursor_position:]
            self.cursor_position = len(fill)
        self.post_message(self.Completed(candidates if len(candidates) > 1 else []))

    def action_history(self, step: int) -> None:
        lines = self.history.lines
        if not lines:
            return
        if self._position is None:
            self._draft = self.value
            position = len(lines)
        else:
            position = self._position
        position = max(0, min(len(lines), position + step))
        self._position = None if position == len(lines) else position
        self.value = self._draft if self._position is None else lines[position]
        self.cursor_position = len(self.value)

    def action_close(self) -> None:
        self.post_message(self.CloseRequested())

    def forget_position(self) -> None:
        self._position = None
        self._draft = ""


class CommandBar(Vertical):
    """Output of the last commands above a one-line input; hidden until `:` opens it."""

    class Submitted(Message):
        """The learner pressed Enter on a line."""

        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    class Closed(Message):
        """The bar closed; focus should go back to where it was."""

    def __init__(self, history: CommandHistory, names: Callable[[], commands.Names], *, plain: bool = False,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.history = history
        self.names = names
        self.plain = plain
        self._output: list[Content] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="command-output"):
            yield Static(id="command-output-body")
        yield Static(PLAIN_HINT if self.plain else HINT, id="command-hint")
        yield CommandInput(self.history, self.names, id="command-input",
                           placeholder="a command: service scale web 3, task stop ID, aws ecs …")

    @property
    def input(self) -> CommandInput:
        return self.query_one(CommandInput)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, text: str = "") -> None:
        """Show the bar and put the cursor in it, optionally with a line to edit."""
        self.add_class("-open")
        field = self.input
        if text:
            field.value = text
            field.cursor_position = len(text)
        field.focus()

    def close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed())

    def say(self, text: str | Content, kind: str = "info") -> None:
        """Add lines to the output (newest at the bottom), e.g. a result or an error."""
        content = text if isinstance(text, Content) else Content(text)
        if kind == "error":
            content = Content.from_markup("[$text-error]$t[/]", t=content.plain)
        elif kind == "echo":
            content = Content.from_markup("[b]> $t[/]", t=content.plain)
        elif kind == "twin":
            content = Content.from_markup("[$text-muted]  $t[/]", t=content.plain)
        self._output.append(content)
        del self._output[:-200]
        self.query_one("#command-output-body", Static).update(Content("\n").join(self._output))
        self.add_class("-has-output")
        self.query_one("#command-output", VerticalScroll).scroll_end(animate=False)

    def clear_output(self) -> None:
        self._output.clear()
        self.query_one("#command-output-body", Static).update("")
        self.remove_class("-has-output")

    @property
    def output_text(self) -> str:
        return "\n".join(c.plain for c in self._output)

    @on(Input.Submitted, "#command-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        self.input.value = ""
        self.input.forget_position()
        if not line:
            return
        self.history.add(line)
        self.history.save()
        self.post_message(self.Submitted(line))

    @on(Input.Changed, "#command-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._hint(commands.complete(event.value, self.names())[:8])

    @on(CommandInput.Completed)
    def _completed(self, event: CommandInput.Completed) -> None:
        event.stop()
        if event.candidates:
            self._hint(event.candidates)

    @on(CommandInput.CloseRequested)
    def _close_requested(self, event: CommandInput.CloseRequested) -> None:
        event.stop()
        self.close()

    def _hint(self, candidates: list[str]) -> None:
        hint = self.query_one("#command-hint", Static)
        if not candidates:
            hint.update(PLAIN_HINT if self.plain else HINT)
            return
        words = [c.rsplit(" ", 1)[-1] or c for c in candidates[:8]]
        more = f" (+{len(candidates) - 8} more)" if len(candidates) > 8 else ""
        hint.update(Content("choices: " + "  ".join(words) + more))
