"""One step of a lesson: its Markdown, its learning mode, the commands to try, and next/previous.

The mode widgets each do one job (predict_view, myth_view, quiz_view, exercise_panel); this
view builds them from the registry (mode_views.py) and shows the one for the step's mode.
Widgets that need the learner's progress or the
sandbox (the quiz's earlier answers, the exercise's session) are filled in by the screen
when it hears `StepShown` (tutor/screens/learning.py).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widget import Widget
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from tutor.checks import plain_words
from tutor.lessons import Lesson, Step
from tutor.lessons.step_text import split_for_reveal
from tutor.ui.widgets import mode_views
from tutor.ui.widgets.choice_list import ChoiceList
from tutor.ui.widgets.predict_view import PredictView

PANE_HINT = "z: the live panel"
"""Shown in the step's bar when the screen is too narrow for the lesson and the panel side by side."""


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
            predict = self.step.prediction
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
        # The step's page: it has the keyboard when a step opens (up, down, page up/down read on;
        # Tab goes to the question), and it scrolls, so every question and option can be reached.
        with VerticalScroll(id="step-scroll"):
            yield Markdown(id="step-markdown", open_links=False)
            yield from self._mode_views(pinned=False)
            yield Static("Try it (Enter puts it in the command bar):", id="try-heading", classes="section-heading")
            yield ChoiceList(id="try-list")
        yield from self._mode_views(pinned=True)
        # One line: compact buttons, and the counter takes the room between them (never under them).
        with Horizontal(id="step-nav"):
            yield Button("Previous" if self.plain else "← Previous", id="step-prev", compact=True)
            yield Static(id="step-count")
            yield Static(PANE_HINT, id="pane-hint")
            yield Button("Next" if self.plain else "Next →", id="step-next", variant="primary", compact=True)

    def _mode_views(self, pinned: bool) -> ComposeResult:
        for view_id, view in mode_views.distinct().items():
            if view.PINNED is pinned:
                yield view(plain=self.plain, id=view_id)

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    def mode_view(self) -> Widget | None:
        """The view of the step's mode; None for a reading step."""
        view_id = mode_views.view_id(self.step.kind)
        return self.query_one(f"#{view_id}") if view_id else None

    def show_step(self, index: int, answer: int | None = None) -> None:
        """Show step `index`; `answer` is the learner's earlier prediction, if any."""
        self.index = max(0, min(index, len(self.lesson.steps) - 1))
        self.answer = answer
        step = self.step
        if self.screen.focused is not None and self in self.screen.focused.ancestors:
            # First, before the old step's lists change under it: keys go on to the new page.
            self.focus_text()
        total = len(self.lesson.steps)
        self.query_one("#step-title", Static).update(Content.from_markup(
            "[b]$lesson[/b] · step $n of $total: $title", lesson=self.lesson.title, n=str(self.index + 1),
            total=str(total), title=step.title))
        self.query_one("#step-count", Static).update(f"{self.index + 1} / {total}")
        self.query_one("#step-prev", Button).disabled = self.index == 0
        last = self.index == total - 1
        self.query_one("#step-next", Button).label = ("Finish" if last else ("Next" if self.plain else "Next →"))
        # A prediction or myth holds back whatever follows its question until the learner commits.
        before, after = split_for_reveal(step.markdown) if step.asks_first else (step.markdown, "")
        self.query_one("#step-markdown", Markdown).update(before)
        self._show_mode(step, answer, after)
        tries = self.query_one("#try-list", ChoiceList)
        tries.clear_options()
        tries.add_options([Option(plain_words.command(command), id=f"try-{n}") for n, command in enumerate(step.try_commands)])
        if step.try_commands:
            tries.highlighted = 0
        self._show_tries()
        self.query_one("#step-scroll", VerticalScroll).scroll_home(animate=False)
        self.post_message(self.StepShown(step))

    def _show_mode(self, step: Step, answer: int | None, after: str) -> None:
        shown = mode_views.view_id(step.kind)
        for view_id in mode_views.distinct():
            view = self.query_one(f"#{view_id}")
            if view_id == shown:
                view.show_mode(step, answer, after)
            else:
                view.hide_mode()

    @property
    def committed(self) -> bool:
        """False while a prediction or myth waits for the learner's answer."""
        return not self.step.asks_first or self.answer is not None

    def focus_text(self, top: bool = False) -> None:
        """The keyboard to the step's page (reading comes first; Tab reaches the question); `top` scrolls it home."""
        page = self.query_one("#step-scroll", VerticalScroll)
        page.focus(scroll_visible=False)
        if top:
            page.scroll_home(animate=False, immediate=True)

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
