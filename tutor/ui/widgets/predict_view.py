"""Predict and reveal: the learner commits to an answer before the explanation is shown.

Until a choice is committed, the explanation and the part of the step's Markdown that comes
after the question (tutor/lessons/step_text.py) are not in the DOM at all, not merely hidden: what
is not there cannot be read by scrolling, selecting text, or a screen reader. The first
choice is the one recorded (the screen does that, on `Committed`); later selections change
nothing, because they are made after seeing the answer.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tutor.lessons import Predict, Step
from tutor.lessons.modes import PREDICT
from tutor.ui.widgets.choice_list import ChoiceList

LETTERS = "ABCDEFGH"
PROMPT = "Commit to an answer first (Enter on an option): the explanation and the rest of the step follow."


class PredictView(Vertical):
    """A question, its options, and (once answered) the verdict, the explanation and the rest."""

    # Type selectors match subclasses too, so the myth view is styled by these rules.
    DEFAULT_CSS = """
    PredictView { height: auto; }
    PredictView .question { height: auto; padding: 0 1; }
    PredictView .heading { height: auto; padding: 0 1; text-style: bold; color: $text-muted; }
    PredictView .options { height: auto; margin: 0 0 1 0; }
    PredictView .prompt { height: auto; padding: 0 1 1 1; color: $text-muted; }
    PredictView .reveal { height: auto; display: none; }
    PredictView .explain { height: auto; padding: 0 1 1 1; }
    PredictView.-committed .reveal { display: block; }
    PredictView.-committed .prompt { display: none; }
    """

    PREFIX = PREDICT
    """Ids are PREFIX-question, PREFIX-options, PREFIX-explain: a myth view sits beside this one."""
    PINNED = False

    class Committed(Message):
        """The learner's first answer, by option index."""

        def __init__(self, chosen: int) -> None:
            super().__init__()
            self.chosen = chosen

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        """The app's --plain mode (every mode view takes it; options here are words already)."""
        self.predict: Predict | None = None
        self.answer: int | None = None
        self._after = ""

    def compose(self) -> ComposeResult:
        p = self.PREFIX
        yield Static(id=f"{p}-question", classes="question")
        yield ChoiceList(id=f"{p}-options", classes="options")
        yield Static(PROMPT, classes="prompt")
        with Vertical(classes="reveal"):
            yield Static(id=f"{p}-explain", classes="explain")
            yield Markdown(classes="after", open_links=False)
            yield from self.compose_reveal()

    def compose_reveal(self) -> ComposeResult:
        """Extra parts of the reveal, after the rest of the step's text (subclasses)."""
        yield from ()

    @property
    def committed(self) -> bool:
        return self.answer is not None

    def show_mode(self, step: Step, answer: int | None, after: str) -> None:
        self.display = True
        assert step.predict is not None
        self.show(step.predict, answer, after)

    def hide_mode(self) -> None:
        self.display = False

    def show(self, predict: Predict, answer: int | None, after: str = "") -> None:
        """A new question; `answer` is the learner's earlier choice, if they made one."""
        self.predict = predict
        self.answer = answer
        self._after = after
        self.query_one(".question", Static).update(self.question_text(predict))
        options = self.query_one(".options", OptionList)
        options.clear_options()
        options.add_options([Option(self.option_text(n, text), id=f"{self.PREFIX}-{n}")
                             for n, text in enumerate(predict.options)])
        self._render_reveal()

    def question_text(self, predict: Predict) -> Content:
        return Content.from_markup("[b]Predict:[/b] $q", q=predict.question)

    def option_text(self, index: int, text: str) -> str:
        return f"{LETTERS[index]}. {text}"

    def _render_reveal(self) -> None:
        self.set_class(self.committed, "-committed")
        after = self.query_one(".after", Markdown)
        explain = self.query_one(".explain", Static)
        if not self.committed or self.predict is None:
            # Nothing of the answer goes into the DOM before the learner has chosen.
            explain.update("")
            after.update("")
            after.display = False
            self.clear_reveal()
            return
        explain.update(self.verdict(self.predict, self.answer))
        after.update(self._after)
        after.display = bool(self._after)
        self.fill_reveal()

    def verdict(self, predict: Predict, answer: int) -> Content:
        right = answer == predict.answer
        verdict = "Right." if right else f"Not quite: the answer is {LETTERS[predict.answer]}."
        return Content.from_markup("[b]You chose $you. $verdict[/b]\n$explain", you=LETTERS[answer],
                                   verdict=verdict, explain=predict.explain)

    def clear_reveal(self) -> None:
        """Empty the extra reveal parts (subclasses)."""

    def fill_reveal(self) -> None:
        """Fill the extra reveal parts once the learner has committed (subclasses)."""

    @on(OptionList.OptionSelected, ".options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.committed:
            return  # the first answer stands: this one was made after seeing the explanation
        self.answer = event.option_index
        self._render_reveal()
        self.post_message(self.Committed(event.option_index))
