"""The course as data: a Lesson, its Steps, and the values a lesson may take.

No Textual here. A step carries its mode's block generically (`kind` and `block`, see
tutor/lessons/modes/); the typed properties below read it for the modes code asks about
by name, so call sites stay plain (`step.quiz`, `step.exercise`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .modes import MODES, MYTH, PREDICT, QUIZ, READ, Mode
from .modes.exercise import Exercise
from .modes.myth import Myth
from .modes.predict import Predict
from .modes.quiz import Question
from .modes.takeaway import Takeaway
from .sandbox_setup import SandboxSetup

LEVELS = ("Foundation", "Intermediate", "Advanced", "Expert")
"""Lesson levels, easiest first."""

SEED_SECTIONS = (
    *(f"build-up-{n}" for n in range(1, 8)),
    "under-the-hood",
    "why-designed",
    *(f"myth-{n}" for n in range(1, 5)),
    "expert-1",
    "expert-2",
    "expert-3",
    "when-not-to-use",
    "production-patterns",
    "connection-os",
    "connection-factory",
    "connection-project-management",
    "pitfall-1",
    "pitfall-2",
    "pitfall-3",
    "takeaways",
)
"""Ids of the source material's sections that a lesson's `covers:` may name."""


@dataclass(frozen=True)
class Step:
    """One screenful of a lesson: its Markdown, what to try, and what it asks of the learner."""

    id: str
    title: str
    file: str
    markdown: str
    try_commands: list[str] = field(default_factory=list)
    kind: str = READ
    """What the learner does here: read, or the name of the step's mode (predict, myth, quiz...)."""
    block: Any = None
    """The mode's block as read from lesson.yaml (a Predict, a Myth, Questions, an Exercise); None to read."""
    requires: list[str] = field(default_factory=list)
    """Sandbox features the step needs (tutor/lessons/features.py); its exercise needs them too."""

    @property
    def mode(self) -> Mode | None:
        return MODES.get(self.kind)

    @property
    def predict(self) -> Predict | None:
        return self.block if self.kind == PREDICT else None

    @property
    def myth(self) -> Myth | None:
        return self.block if self.kind == MYTH else None

    @property
    def quiz(self) -> list[Question]:
        return self.block if self.kind == QUIZ else []

    @property
    def exercise(self) -> Exercise | None:
        """An exercise or a pitfall lab (see `exercise.kind`)."""
        return self.block if isinstance(self.block, Exercise) else None

    @property
    def prediction(self) -> Predict | None:
        """What a predict or myth step asks, as a prediction (a myth's: option 0 true, 1 false)."""
        return self.myth.as_predict() if self.myth is not None else self.predict

    @property
    def asks_first(self) -> bool:
        """The learner commits to an answer before the rest of the step shows (step_text.py)."""
        return self.prediction is not None


@dataclass(frozen=True)
class Lesson:
    """A loaded, checked lesson."""

    id: str
    title: str
    level: str
    summary: str
    minutes: int
    covers: list[str]
    sandbox: SandboxSetup
    steps: list[Step]
    path: Path
    """The lesson's folder."""
    format: int = 1
    takeaways: list[Takeaway] = field(default_factory=list)
    task_definitions: list[str] = field(default_factory=list)
    """Task definition files shipped in the lesson folder, registered when the lesson starts."""
    shipped_refs: list[str] = field(default_factory=list)
    """FAMILY:REVISION of each shipped task definition in a fresh sandbox."""

    def step_index(self, step_id: str) -> int:
        """The position of a step; raises KeyError for an id this lesson does not have."""
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        raise KeyError(step_id)
