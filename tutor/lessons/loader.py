"""Finding and opening lessons: `lessons/<NN-slug>/lesson.yaml`, one folder per lesson.

No Textual here: the app, the CLI and the tests all load lessons through this module. Every
problem raises LessonError naming the file, the line, the field and what is allowed.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from sandbox.core import safe_yaml
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
    for folder in lesson_folders(root):
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


def lesson_folders(root: Path) -> list[Path]:
    """The folders under `root`, in order; a root that is missing or not a folder is a LessonError."""
    try:
        return sorted(p for p in root.iterdir() if p.is_dir())
    except FileNotFoundError:
        raise LessonError(root, None, "no such folder; lessons live in a folder of lesson folders") from None
    except NotADirectoryError:
        raise LessonError(root, None, "is a file; lessons live in a folder of lesson folders") from None
    except OSError as exc:
        raise LessonError(root, None, f"cannot be read: {exc.strerror}") from None


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
    except IsADirectoryError:
        raise LessonError(file, None, f"is a folder; a lesson's {LESSON_FILE} is a file") from None
    except UnicodeDecodeError:
        raise LessonError(file, None, "is not UTF-8 text") from None
    except OSError as exc:
        raise LessonError(file, None, f"cannot be read: {exc.strerror}") from None
    try:
        root = safe_yaml.compose(text)
    except safe_yaml.YamlError as exc:
        raise LessonError(file, exc.line, exc.problem) from None
    reader = Reader(file)
    if root is None:
        reader.fail(None, None, f"is empty; a lesson needs the fields {', '.join(LESSON_FIELDS)}")
    return read_lesson(reader, root, folder)
