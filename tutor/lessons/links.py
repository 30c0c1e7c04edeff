"""`lesson:` links in step Markdown: `[text](lesson:ID)` or `[text](lesson:ID/STEP)`.

No Textual here. `lessons check` proves every link leads somewhere (tutor/lessons/lint.py);
this module turns a clicked link into the lesson and step to open.
"""

from __future__ import annotations

from .model import Lesson

SCHEME = "lesson:"


def is_lesson_link(href: str) -> bool:
    return href.startswith(SCHEME)


def resolve(href: str, lessons: list[Lesson]) -> tuple[Lesson, int] | None:
    """The lesson and step index a link points at, or None when it points at nothing."""
    if not is_lesson_link(href):
        return None
    lesson_id, _, step_id = href[len(SCHEME):].strip().partition("/")
    lesson = next((l for l in lessons if l.id == lesson_id), None)
    if lesson is None:
        return None
    if not step_id:
        return lesson, 0
    try:
        return lesson, lesson.step_index(step_id)
    except KeyError:
        return None
