"""One step of a lesson: its Markdown, its learning mode, the commands to try, and next/previous.

The mode widgets each do one job (predict_view, myth_view, quiz_view, exercise_panel); this
view only decides which one a step shows. Widgets that need the learner's progress or the
sandbox (the quiz's earlier answers, the exercise's session) are filled in by the screen
when it hears `StepShown` (tutor/screens/learning.py).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from ..lessons import Lesson, Step
from ..step_text import split_for_reveal
from .exercise_panel import ExercisePanel
from .myth_view import MythView
from .predict_view import LETTERS, PredictView  # noqa: F401 (LETTERS: re-exported)
from .quiz_view import QuizView


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
            # A myth is recorded as a prediction too: option 0 is "true", 1 is "false".
            predict = self.step.myth.as_predict() if self.step.myth else self.step.predict
            return predict is not None and self.chosen == predict.answer

    class StepShown(Message):
        """A step is on screen: the screen fills in what needs progress or the sandbox."""

        def __init__(self, step: Step) -> None:
            super().__init__()
            self.step = step

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
            yield PredictView(id="predict")
            yield MythView(id="myth")
            yield QuizView(id="quiz")
            yield Static("Try it (Enter puts it in the command bar):", id="try-heading", classes="section-heading")
            yield OptionList(id="try-list")
        yield ExercisePanel(plain=self.plain, id="exercise")
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
        # A prediction or myth holds back whatever follows its question until the learner commits.
        before, after = split_for_reveal(step.markdown) if (step.predict or step.myth) else (step.markdown, "")
        self.query_one("#step-markdown", Markdown).update(before)
        predict = self.query_one(PredictView)
        predict.display = step.predict is not None
        if step.predict is not None:
            predict.show(step.predict, answer, after)
        myth = self.query_one(MythView)
        myth.display = step.myth is not None
        if step.myth is not None:
            myth.show_myth(step.myth, answer, after)
        self.query_one(QuizView).display = bool(step.quiz)
        if not step.exercise:
            self.query_one(ExercisePanel).stop()
        tries = self.query_one("#try-list", OptionList)
        tries.clear_options()
        tries.add_options([Option(command, id=f"try-{n}") for n, command in enumerate(step.try_commands)])
        if step.try_commands:
            tries.highlighted = 0
        self._show_tries()
        self.query_one("#step-scroll", VerticalScroll).scroll_home(animate=False)
        self.post_message(self.StepShown(step))

    @property
    def committed(self) -> bool:
        """False while a prediction or myth waits for the learner's answer."""
        step = self.step
        return not (step.predict or step.myth) or self.answer is not None

    def _show_tries(self) -> None:
        # The commands show the live result, so they too wait until the learner has committed.
        shown = bool(self.step.try_commands) and self.committed
        self.query_one("#try-list").display = shown
        self.query_one("#try-heading").display = shown

    @on(PredictView.Committed)
    def _committed(self, event: PredictView.Committed) -> None:
        event.stop()
        self.answer = event.chosen
        self._show_tries()
        self.post_message(self.Predicted(self.step, event.chosen))

    @on(OptionList.OptionSelected, "#try-list")
    def _try(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.TryChosen(str(event.option.prompt)))

    @on(Button.Pressed, "#step-prev")
    def _prev(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Navigate(-1))

    @on(Button.Pressed, "#step-next")
    def _next(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Navigate(1))
