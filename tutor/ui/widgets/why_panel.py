"""Why: the reconciler's latest decisions in plain words ("desired 3, running 2 → starting 1 task")."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tutor.live.view_model import clock

DECISIONS_SHOWN = 12


class WhyPanel(VerticalScroll):
    """What the scheduler compared and what it decided, newest first."""

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        self._shown: tuple = ()

    def compose(self) -> ComposeResult:
        yield Static(Content("The scheduler has not had to decide anything yet."), classes="why-body")

    def show(self, decisions: list[tuple[float, str]]) -> None:
        shown = tuple(decisions[:DECISIONS_SHOWN])
        if shown == self._shown:
            return
        self._shown = shown
        if not shown:
            body = Content("The scheduler has not had to decide anything yet.")
        else:
            body = Content("\n").join(
                Content.from_markup("[$text-muted]$at[/]  $text", at=clock(at),
                                    text=text.replace("→", "->") if self.plain else text)
                for at, text in shown
            )
        self.query_one(".why-body", Static).update(body)

    @property
    def text(self) -> str:
        return "\n".join(f"{clock(at)}  {text}" for at, text in self._shown)
