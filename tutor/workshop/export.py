"""`servicelab progress export`: a learner's progress as one JSON document, or as CSV rows.

Built only from what tutor/learner/progress.py stores. Per lesson: status, steps, quiz score,
predictions, hints and time spent. Per check: every prediction, myth, quiz question, exercise
and pitfall of the lesson, answered or not, so an instructor sees what nobody reached too
(each learning mode makes its own rows: tutor/lessons/modes/).

Time spent is what progress records: from the first visit to completion (or to the latest
visit of a lesson still in progress). It is elapsed time, not time at the keyboard.

The CSV is the JSON flattened to one row per check plus one "lesson" row per lesson; report.py
reads either back into the same rows.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any

from ..lessons import Lesson
from ..lessons.modes import EXERCISES, PREDICTIONS, QUIZ_ANSWERS, section_of
from tutor.learner.progress import NOT_STARTED, LessonProgress, Progress

FORMAT = "servicelab-progress"
VERSION = 1
CSV_FIELDS = ("learner", "workshop", "lesson", "lesson_title", "status", "steps_done", "steps_total",
              "seconds_spent", "step", "kind", "item", "answered", "correct", "hints_used",
              "solution_shown", "resets")


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def seconds_spent(record: LessonProgress) -> int | None:
    start, end = _time(record.started_at), _time(record.completed_at or record.updated_at)
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _checks(lesson: Lesson, record: LessonProgress) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for step in lesson.steps:
        if step.mode is not None:
            out += step.mode.export_rows(step.id, step.block, record.step_answers(step))
    return out


def _score(checks: list[dict[str, Any]], section: str) -> dict[str, int]:
    chosen = [c for c in checks if section_of(c["kind"]) == section and c["answered"]]
    return {"answered": len(chosen), "correct": sum(1 for c in chosen if c["correct"])}


def lesson_export(lesson: Lesson, record: LessonProgress) -> dict[str, Any]:
    checks = _checks(lesson, record)
    exercises = [c for c in checks if section_of(c["kind"]) == EXERCISES]
    return {
        "id": lesson.id,
        "title": lesson.title,
        "status": record.status,
        "stepsDone": len([s for s in lesson.steps if s.id in record.steps_done]),
        "stepsTotal": len(lesson.steps),
        "startedAt": record.started_at,
        "updatedAt": record.updated_at,
        "completedAt": record.completed_at,
        "secondsSpent": seconds_spent(record) if record.status != NOT_STARTED else None,
        "quiz": _score(checks, QUIZ_ANSWERS),
        "predictions": _score(checks, PREDICTIONS),
        "exercises": {"total": len(exercises), "passed": sum(1 for c in exercises if c["correct"])},
        "hintsUsed": sum(c.get("hints_used", 0) for c in exercises),
        "solutionsShown": sum(1 for c in exercises if c.get("solution_shown")),
        "checks": checks,
    }


def export_document(progress: Progress, lessons: list[Lesson], learner: str,
                    workshop: str | None = None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "learner": learner,
        "workshop": workshop,
        "exportedAt": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "lessons": [lesson_export(lesson, progress.lesson(lesson.id)) for lesson in lessons],
    }


def rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """One "lesson" row per lesson, then one row per check: the CSV's rows, and the report's input."""
    out = []
    for lesson in document["lessons"]:
        base = {"learner": document["learner"], "workshop": document.get("workshop") or "",
                "lesson": lesson["id"], "lesson_title": lesson["title"], "status": lesson["status"],
                "steps_done": lesson["stepsDone"], "steps_total": lesson["stepsTotal"],
                "seconds_spent": lesson["secondsSpent"]}
        out.append({**base, "step": "", "kind": "lesson", "item": "", "answered": lesson["status"] != NOT_STARTED,
                    "correct": lesson["status"] == "done", "hints_used": lesson["hintsUsed"],
                    "solution_shown": lesson["solutionsShown"], "resets": ""})
        for check in lesson["checks"]:
            out.append({**base, "step": check["step"], "kind": check["kind"], "item": check["item"],
                        "answered": check["answered"], "correct": check["correct"],
                        "hints_used": check.get("hints_used", ""), "solution_shown": check.get("solution_shown", ""),
                        "resets": check.get("resets", "")})
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(document: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows(document):
        writer.writerow({key: _cell(row.get(key)) for key in CSV_FIELDS})
    return buffer.getvalue()
