"""Which widget shows which learning mode: the one place widgets meet mode names.

A mode (tutor/lessons/modes/) is shown by one view; a view may show several modes (the
exercise panel shows pitfall labs too). LessonView builds each view once, with the id of
the first mode it shows (#predict, #myth, #quiz, #exercise), and on every step shows the
step's view and hides the others. Views that are PINNED stay below the step's text, in
sight while the learner works the sandbox; the others scroll with the text.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from tutor.lessons import Step
from tutor.lessons.modes import EXERCISE, MYTH, PITFALL, PREDICT, QUIZ
from tutor.ui.widgets.exercise_panel import ExercisePanel
from tutor.ui.widgets.myth_view import MythView
from tutor.ui.widgets.predict_view import PredictView
from tutor.ui.widgets.quiz_view import QuizView


class ModeView(Protocol):
    """What LessonView asks of a mode's view (built as View(plain=..., id=...), like other widgets)."""

    PINNED: ClassVar[bool]

    def show_mode(self, step: Step, answer: int | None, after: str) -> None:
        """Show the step; `answer` is the learner's earlier prediction, `after` the text held back until it."""

    def hide_mode(self) -> None:
        """The step on screen is in another mode (or none)."""


VIEWS: dict[str, type[ModeView]] = {
    PREDICT: PredictView,
    MYTH: MythView,
    QUIZ: QuizView,
    EXERCISE: ExercisePanel,
    PITFALL: ExercisePanel,
}


def distinct() -> dict[str, type[ModeView]]:
    """Each view once, under the id it is built with: the first mode it shows."""
    out: dict[str, type[ModeView]] = {}
    for mode, view in VIEWS.items():
        if view not in out.values():
            out[mode] = view
    return out


def view_id(kind: str) -> str | None:
    """The id of the view that shows a step of this kind; None for a reading step."""
    view = VIEWS.get(kind)
    if view is None:
        return None
    return next(name for name, built in distinct().items() if built is view)
