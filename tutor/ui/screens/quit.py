"""Quitting: keep the sandbox running for later, or stop it and remove its containers."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class QuitScreen(ModalScreen[str | None]):
    """Answers "keep", "stop", or None to stay."""

    BINDINGS = [
        Binding("k", "answer('keep')", "Keep running"),
        Binding("s", "answer('stop')", "Stop sandbox"),
        Binding("escape", "answer(None)", "Stay"),
    ]

    def __init__(self, sandbox: str, api: str) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.api = api

    def compose(self) -> ComposeResult:
        plain = self.app.plain  # type: ignore[attr-defined]
        with Vertical(id="quit-dialog", classes="dialog"):
            yield Static(f"Quit servicelab? Your sandbox {self.sandbox!r} is still running.", classes="dialog-title")
            yield Static(
                "Keep it running (k): your services and tasks stay. servicelab picks them up next time, "
                f"and another terminal can use them meanwhile ({self.api or 'see servicelab sandbox status'}).\n\n"
                "Stop it (s): stop the control plane and remove every container it started, "
                "as servicelab sandbox down does.",
                classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Keep running (k)", id="keep", variant="primary", compact=plain)
                yield Button("Stop sandbox (s)", id="stop", variant="error", compact=plain)
                yield Button("Stay (esc)", id="stay", compact=plain)

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss({"keep": "keep", "stop": "stop"}.get(event.button.id or ""))
