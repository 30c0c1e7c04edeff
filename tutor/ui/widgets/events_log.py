"""The service's event log, newest first, timestamped, in ECS's own wording."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tutor.live.view_model import clock

EVENTS_SHOWN = 40


class EventsLog(VerticalScroll):
    """`HH:MM:SS  (service web) has started 1 tasks: (task …).`, newest at the top."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._shown: tuple = ()

    def compose(self) -> ComposeResult:
        yield Static(Content("No events yet."), classes="events-body")

    def show(self, events: list[tuple[float, str]]) -> None:
        """Show (createdAt, message) pairs, newest first; redraws only when they changed."""
        shown = tuple(events[:EVENTS_SHOWN])
        if shown == self._shown:
            return
        self._shown = shown
        if not shown:
            body = Content("No events yet.")
        else:
            body = Content("\n").join(
                Content.from_markup("[$text-muted]$at[/]  $message", at=clock(at), message=message)
                for at, message in shown
            )
        self.query_one(".events-body", Static).update(body)

    @property
    def text(self) -> str:
        return "\n".join(f"{clock(at)}  {message}" for at, message in self._shown)
