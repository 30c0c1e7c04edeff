"""Finding and opening lessons: `lessons/<NN-slug>/lesson.yaml`, one folder per lesson.

No Textual here: the app, the CLI and the tests all load lessons through this module. Every
problem raises LessonError naming the file, the line, the field and what is allowed.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import yaml

from sandbox.core.source_error import shown

from .lesson_yaml import LESSON_FIELDS, read_lesson
from .model import Lesson
from .reader import LessonError, Reader

LESSON_FILE = "lesson.yaml"


def default_root() -> Path:
    """The folder of the installed `lessons` package."""
    # Lessons ship as plain package files (never zipped), so the Traversable is a real folder.
    return Path(str(importlib.resources.files("lessons")))


def load_lessons(root: Path | str | None = None) -> list[Lesson]:
    """Every lesson under `root`, ordered by folder name; lesson ids must be unique."""
    root = Path(root) if root is not None else default_root()
    lessons: list[Lesson] = []
    seen: dict[str, Path] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name.startswith(("_", ".")):  # __pycache__, editor and VCS folders
            continue
        lesson, id_line = _load(folder)
        if lesson.id in seen:
            raise LessonError(
                folder / LESSON_FILE, id_line,
                f"field 'id' is {lesson.id!r}, already used by {shown(seen[lesson.id])}; lesson ids must be unique",
                "id",
            )
        seen[lesson.id] = folder / LESSON_FILE
        lessons.append(lesson)
    return lessons


def load_lesson(path: Path | str) -> Lesson:
    """Load one lesson from its folder (or from its lesson.yaml)."""
    return _load(Path(path))[0]


def _load(path: Path) -> tuple[Lesson, int]:
    folder = path.parent if path.name == LESSON_FILE else path
    file = folder / LESSON_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonError(file, None, f"missing: every lesson folder needs a {LESSON_FILE}") from None
    except UnicodeDecodeError:
        raise LessonError(file, None, "is not UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise LessonError(file, line, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise LessonError(file, None, f"invalid YAML: {exc}") from None
    reader = Reader(file)
    if root is None:
        reader.fail(None, None, f"is empty; a lesson needs the fields {', '.join(LESSON_FIELDS)}")
    return read_lesson(reader, root, folder)
