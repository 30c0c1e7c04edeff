"""The free sandbox: the live panel at full width, no lesson, everything else the same."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer

from tutor.ui.widgets.announcer import Announcer
from tutor.ui.widgets.command_bar import CommandBar
from tutor.ui.widgets.live_panel import LivePanel
from tutor.ui.widgets.status_bar import StatusBar
from tutor.ui.screens.base import SandboxScreen


class FreeSandboxScreen(SandboxScreen):
    """Play with services and tasks without a lesson."""

    BINDINGS = [Binding("escape", "home", "Lessons")]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape | Back to the list of lessons. |
    """

    def compose(self) -> ComposeResult:
        plain = self.tutor.plain
        yield LivePanel(["web"], plain=plain, clock=self.tutor.clock, id="live-panel")
        yield CommandBar(self.tutor.history, lambda: self.panel.names(), plain=plain, id="command-bar")
        if plain:
            yield Announcer(id="announcer")
        yield StatusBar(self.tutor.link.sandbox, self.cluster, plain=plain, id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.panel.query_one("#task-table").focus()

    def action_home(self) -> None:
        if self.bar.is_open:
            self.bar.close()
            return
        self.app.pop_screen()
