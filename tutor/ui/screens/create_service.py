"""A small form to create a service: name, task definition and desired count."""

from __future__ import annotations

import re

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


class CreateServiceDialog(ModalScreen[tuple[str, str, int] | None]):
    """Answers (name, task definition, desired count), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, name: str, task_definitions: list[str]) -> None:
        super().__init__()
        self.suggested = name
        self.task_definitions = task_definitions

    def compose(self) -> ComposeResult:
        plain = self.app.plain  # type: ignore[attr-defined]
        default = "web:1" if "web:1" in self.task_definitions else self.task_definitions[0]
        with Vertical(classes="dialog", id="create-dialog"):
            yield Static("Create a service", classes="dialog-title")
            yield Label("Name")
            yield Input(self.suggested, id="create-name", compact=plain)
            yield Label("Task definition")
            yield Select([(td, td) for td in self.task_definitions], value=default, allow_blank=False,
                         id="create-taskdef", compact=plain)
            yield Label("Desired count")
            yield Input("2", id="create-count", type="integer", compact=plain)
            yield Static(id="create-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", id="create", variant="primary", compact=plain)
                yield Button("Cancel", id="cancel", compact=plain)

    def on_mount(self) -> None:
        self.query_one("#create-name", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _answer(self) -> None:
        name = self.query_one("#create-name", Input).value.strip()
        td = str(self.query_one("#create-taskdef", Select).value)
        raw = self.query_one("#create-count", Input).value.strip()
        error = self.query_one("#create-error", Static)
        if not NAME.match(name):
            error.update("The name may use letters, digits, - and _ only.")
            return
        try:
            count = int(raw)
        except ValueError:
            error.update("The desired count is a whole number, 0 to 100.")
            return
        if not 0 <= count <= 100:
            error.update("The desired count is a whole number, 0 to 100.")
            return
        self.dismiss((name, td, count))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._answer()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create":
            self._answer()
        else:
            self.dismiss(None)
