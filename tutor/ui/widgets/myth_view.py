"""Myth busters: a claim, the learner says true or false, then the reality, why it matters, and a demo.

The same commit-before-reveal flow as a prediction (a myth is recorded as one: option 0 is
"true", 1 is "false"), with the myth's own words and a live demonstration: the demo's lines
go to the command bar one at a time, so the learner runs them and watches the panel.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from tutor.lessons import Myth, Predict, Step
from tutor.lessons.modes import MYTH
from tutor.ui.widgets.predict_view import PredictView
from tutor.ui.widgets.script_list import ScriptList


class MythView(PredictView):
    DEFAULT_CSS = """
    MythView .demo { height: auto; margin: 0 0 1 0; }
    """

    PREFIX = MYTH

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(plain=plain, name=name, id=id, classes=classes)
        self.myth: Myth | None = None

    def compose_reveal(self) -> ComposeResult:
        yield Static("See it live (Enter puts the line in the command bar, filled in from the sandbox):",
                     classes="heading demo-heading")
        yield ScriptList(id="myth-demo", classes="demo")

    def show_mode(self, step: Step, answer: int | None, after: str) -> None:
        self.display = True
        assert step.myth is not None
        self.show_myth(step.myth, answer, after)

    def show_myth(self, myth: Myth, answer: int | None, after: str = "") -> None:
        self.myth = myth
        self.show(myth.as_predict(), answer, after)

    def question_text(self, predict: Predict) -> Content:
        assert self.myth is not None
        return Content.from_markup("[b]Myth or fact?[/b] $claim", claim=self.myth.claim)

    def option_text(self, index: int, text: str) -> str:
        return "True" if index == 0 else "False"

    def verdict(self, predict: Predict, answer: int) -> Content:
        assert self.myth is not None
        truth = "true" if self.myth.answer else "a myth"
        said = "true" if answer == 0 else "false"
        head = "Right" if answer == predict.answer else "Not quite"
        text = Content.from_markup("[b]You said $said. $head: the claim is $truth.[/b]\n[b]Reality:[/b] $reality",
                                   said=said, head=head, truth=truth, reality=self.myth.reality)
        if self.myth.why:
            text += Content.from_markup("\n\n[b]Why it matters:[/b] $why", why=self.myth.why)
        return text

    def clear_reveal(self) -> None:
        self.query_one(ScriptList).show([])

    def fill_reveal(self) -> None:
        assert self.myth is not None
        demo = self.query_one(ScriptList)
        demo.show(self.myth.demo)
        demo.display = bool(self.myth.demo)
        self.query_one(".demo-heading").display = bool(self.myth.demo)
