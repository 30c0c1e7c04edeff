"""What every learning mode says about itself; one module per mode beside this one fills it in.

A mode is what a step asks of the learner (the registry is tutor/lessons/modes/__init__.py).
Its module says how its block is read from lesson.yaml, where progress keeps the learner's
answers, the rows it adds to a progress export and the review cards it makes of mistakes.
No Textual here: the widget that shows a mode is registered in tutor/widgets/mode_views.py.
"""

from __future__ import annotations

from typing import Any

import yaml

from ..cards import Card
from ..reader import Reader

PREDICTIONS, QUIZ_ANSWERS, EXERCISES = "predictions", "quiz", "exercises"
"""Sections of a lesson's progress (LessonProgress fields of these names), which are also the
scores of a progress export and a workshop report: a mode's answers count toward its section's."""


class Mode:
    """One learning mode: a subclass per mode module, and one instance of it in the registry."""

    name: str
    """The step field that holds the mode's block, and the step's kind."""
    section: str
    """Where progress keeps the learner's answers (one of the sections above)."""
    since_format = 2
    """The lesson format that introduced the mode."""

    def read(self, r: Reader, node: yaml.Node, where: str) -> Any:
        """The mode's block, checked; errors name file, line and field."""
        raise NotImplementedError

    def with_step_requires(self, block: Any, requires: list[str]) -> Any:
        """The block once it knows the sandbox features its step requires."""
        return block

    def export_rows(self, step_id: str, block: Any, answers: Any) -> list[dict[str, Any]]:
        """A progress export's rows for the step: one per item answered or attempted, or not yet.

        `answers` is what the mode's progress section keeps for the step, or None.
        """
        raise NotImplementedError

    def missed_cards(self, lesson_id: str, step_id: str, block: Any, answers: Any) -> list[Card]:
        """Review cards for what the learner got wrong on the step."""
        return []
