"""One step of a lesson: its Markdown, the commands to try, a prediction, and next/previous."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from ..lessons import Lesson, Step

LETTERS = "ABCDEFGH"


class LessonView(Vertical):
    """The left side of the lesson screen. It shows a step; the screen decides which."""

    class Navigate(Message):
        """Previous (-1) or next (+1) was clicked."""

        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    class TryChosen(Message):
        """The learner picked one of the step's commands to run."""

        def __init__(self, command: str) -> None:
            super().__init__()
            self.command = command

    class Predicted(Message):
        """The learner answered the step's prediction question."""

        def __init__(self, step: Step, chosen: int) -> None:
            super().__init__()
            self.step = step
            self.chosen = chosen

        @property
        def correct(self) -> bool:
            return self.step.predict is not None and self.chosen == self.step.predict.answer

    def __init__(self, lesson: Lesson, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.lesson = lesson
        self.plain = plain
        self.index = 0
        self.answer: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="step-title")
        with VerticalScroll(id="step-scroll"):
            yield Markdown(id="step-markdown", open_links=False)
            yield Static("Try it (Enter puts it in the command bar):", id="try-heading", classes="section-heading")
            yield OptionList(id="try-list")
            yield Static(id="predict-question", classes="section-heading")
            yield OptionList(id="predict-options")
            yield Static(id="predict-explain")
        with Horizontal(id="step-nav"):
            yield Button("Previous" if self.plain else "← Previous", id="step-prev")
            yield Static(id="step-count")
            yield Button("Next" if self.plain else "Next →", id="step-next", variant="primary")

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    def show_step(self, index: int, answer: int | None = None) -> None:
        """Show step `index`; `answer` is the learner's earlier prediction, if any."""
        self.index = max(0, min(index, len(self.lesson.steps) - 1))
        self.answer = answer
        step = self.step
        total = len(self.lesson.steps)
        self.query_one("#step-title", Static).update(Content.from_markup(
            "[b]$lesson[/b] · step $n of $total: $title", lesson=self.lesson.title, n=str(self.index + 1),
            total=str(total), title=step.title))
        self.query_one("#step-count", Static).update(f"{self.index + 1} / {total}")
        self.query_one("#step-prev", Button).disabled = self.index == 0
        last = self.index == total - 1
        self.query_one("#step-next", Button).label = ("Finish" if last else ("Next" if self.plain else "Next →"))
        self.query_one("#step-markdown", Markdown).update(step.markdown)
        tries = self.query_one("#try-list", OptionList)
        tries.clear_options()
        tries.add_options([Option(command, id=f"try-{n}") for n, command in enumerate(step.try_commands)])
        tries.display = bool(step.try_commands)
        if step.try_commands:
            tries.highlighted = 0
        self.query_one("#try-heading").display = bool(step.try_commands)
        self._show_predict()
        self.query_one("#step-scroll", VerticalScroll).scroll_home(animate=False)

    def _show_predict(self) -> None:
        predict = self.step.predict
        question = self.query_one("#predict-question", Static)
        options = self.query_one("#predict-options", OptionList)
        explain = self.query_one("#predict-explain", Static)
        for widget in (question, options, explain):
            widget.display = predict is not None
        if predict is None:
            return
        question.update(Content.from_markup("[b]Predict:[/b] $q", q=predict.question))
        options.clear_options()
        options.add_options([
            Option(f"{LETTERS[n]}. {text}", id=f"predict-{n}") for n, text in enumerate(predict.options)
        ])
        if self.answer is None:
            explain.update("Choose an answer before you try it (Enter on an option).")
            return
        right = self.answer == predict.answer
        verdict = "Right." if right else f"Not quite: the answer is {LETTERS[predict.answer]}."
        explain.update(Content.from_markup(
            "[b]You chose $you. $verdict[/b]\n$explain", you=LETTERS[self.answer], verdict=verdict,
            explain=predict.explain))

    @on(OptionList.OptionSelected, "#try-list")
    def _try(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.TryChosen(str(event.option.prompt)))

    @on(OptionList.OptionSelected, "#predict-options")
    def _predict(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = event.option_index
        self.answer = chosen if self.answer is None else self.answer
        self.post_message(self.Predicted(self.step, chosen))
        self._show_predict()

    @on(Button.Pressed, "#step-prev")
    def _prev(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Navigate(-1))

    @on(Button.Pressed, "#step-next")
    def _next(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Navigate(1))
