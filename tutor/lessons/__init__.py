"""The course as data: lessons, their steps and learning modes, read from `lessons/` (no Textual).

- model.py: Lesson and Step; loader.py: load_lessons, load_lesson, default_root;
- lesson_yaml.py: the lesson.yaml format; reader.py: the node reader whose every error names
  file, line and field; sandbox_setup.py and scripts.py: blocks several parts share;
- modes/: one module per learning mode (predict, myth, quiz, exercise, pitfall) and their
  registry, plus takeaways; cards.py: the review flashcards they make;
- step_text.py, links.py, scaffold.py: a step's text before its answer, `lesson:` links,
  and new lessons for authors.

The names importers use are re-exported here: `from tutor.lessons import Lesson, load_lessons`.
"""

from __future__ import annotations

from .lesson_yaml import FORMAT_VERSION, FORMATS
from .loader import LESSON_FILE, default_root, load_lesson, load_lessons
from .model import LEVELS, SEED_SECTIONS, Lesson, Step
from .modes.exercise import Exercise, Hint
from .modes.myth import Myth
from .modes.predict import Predict
from .modes.quiz import Option, Question
from .modes.takeaway import Takeaway
from .reader import SLUG, LessonError
from .sandbox_setup import SandboxSetup, ServiceSetup
from .scripts import TRY_PREFIXES, ScriptLine, Wait

__all__ = [
    "FORMATS", "FORMAT_VERSION", "LESSON_FILE", "LEVELS", "SEED_SECTIONS", "SLUG", "TRY_PREFIXES",
    "Exercise", "Hint", "Lesson", "LessonError", "Myth", "Option", "Predict", "Question", "SandboxSetup",
    "ScriptLine", "ServiceSetup", "Step", "Takeaway", "Wait",
    "default_root", "load_lesson", "load_lessons",
]
