"""The learning modes: what a step asks of the learner, one module each, and their registry.

No Textual here. A step is in at most one mode (or none: a reading step). Each mode's module
(predict.py, myth.py, quiz.py, exercise.py, pitfall.py) says how its block is read, where
progress keeps the learner's answers, and what it adds to exports and review (the interface
is mode.py). Adding a mode: a module here, a line in MODES, its view widget and a line in
tutor/ui/widgets/mode_views.py. A lesson's takeaways (takeaway.py) are not a step mode.
"""

from __future__ import annotations

from . import exercise, myth, pitfall, predict, quiz
from .mode import EXERCISES, PREDICTIONS, QUIZ_ANSWERS, Mode

READ = "read"
"""The kind of a step in no mode: the learner reads, and tries its commands."""
PREDICT, MYTH, QUIZ, EXERCISE, PITFALL = predict.NAME, myth.NAME, quiz.NAME, exercise.NAME, pitfall.NAME

MODES: dict[str, Mode] = {mode.name: mode for mode in (
    predict.MODE,
    myth.MODE,
    quiz.MODE,
    exercise.MODE,
    pitfall.MODE,
)}
"""Every step mode by name, in the order a step's fields are checked and allowed."""


def section_of(kind: str) -> str | None:
    """The progress section (and score) of a step kind; None for a reading step or a kind unknown here."""
    mode = MODES.get(kind)
    return mode.section if mode is not None else None


__all__ = ["EXERCISE", "EXERCISES", "MODES", "MYTH", "Mode", "PITFALL", "PREDICT", "PREDICTIONS", "QUIZ",
           "QUIZ_ANSWERS", "READ", "section_of"]
