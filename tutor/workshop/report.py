"""`servicelab workshop report FILES…`: many learners' exports as one table and one chart.

Reads what `progress export` writes (JSON or CSV; collected files are JSON) back into the
export's rows, then sums them per lesson: how many learners started and finished, the median
time, quiz and prediction scores, exercises passed, hints and solutions used, and the checks
that went wrong most often. The chart is drawn with matplotlib into an SVG or PNG file.
"""

from __future__ import annotations

import csv
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..lessons.modes import EXERCISES, PREDICTIONS, QUIZ_ANSWERS, section_of
from . import export


class ReportError(ValueError):
    """A file that is not a progress export; the message names it."""


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    return {"true": True, "false": False}.get(str(value).strip().lower())


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def read_rows(path: Path) -> list[dict[str, Any]]:
    """One file's rows, typed, whichever format it is in."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read it ({exc})") from None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReportError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(document, dict) or document.get("format") != export.FORMAT:
            raise ReportError(f"{path}: not a servicelab progress export (no \"format\": \"{export.FORMAT}\")")
        try:
            raw = export.rows(document)
        except (KeyError, TypeError) as exc:
            raise ReportError(f"{path}: a progress export with a missing or odd field ({exc})") from None
    else:
        reader = csv.DictReader(text.splitlines())
        missing = [name for name in export.CSV_FIELDS if name not in (reader.fieldnames or [])]
        if missing:
            raise ReportError(f"{path}: not a progress export CSV (missing columns: {', '.join(missing)})")
        raw = list(reader)
    return [{
        **row,
        "answered": _bool(row.get("answered")),
        "correct": _bool(row.get("correct")),
        "steps_done": _int(row.get("steps_done")) or 0,
        "steps_total": _int(row.get("steps_total")) or 0,
        "seconds_spent": _int(row.get("seconds_spent")),
        "hints_used": _int(row.get("hints_used")) or 0,
        "solution_shown": _bool(row.get("solution_shown")) or _int(row.get("solution_shown")) or 0,
    } for row in raw]


def load(paths: list[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """Every file's rows; a learner in several files counts once (the last file given wins)."""
    by_learner: dict[str, list[dict[str, Any]]] = {}
    notes = []
    for path in paths:
        rows = read_rows(path)
        for learner in sorted({row["learner"] for row in rows}):
            if learner in by_learner:
                notes.append(f"learner {learner!r} appears again in {path}; using that file's rows")
            by_learner[learner] = [row for row in rows if row["learner"] == learner]
    return [row for rows in by_learner.values() for row in rows], notes


@dataclass
class LessonSummary:
    id: str
    title: str
    learners: int = 0
    started: int = 0
    done: int = 0
    minutes: list[float] = field(default_factory=list)
    quiz: list[int] = field(default_factory=lambda: [0, 0])
    """[correct, answered]"""
    predictions: list[int] = field(default_factory=lambda: [0, 0])
    exercises: list[int] = field(default_factory=lambda: [0, 0])
    """[passed, attempted]"""
    hints: int = 0
    solutions: int = 0

    def score(self, section: str | None) -> list[int] | None:
        """The [correct, answered] pair a learning mode's section counts toward; None for no score."""
        return {QUIZ_ANSWERS: self.quiz, PREDICTIONS: self.predictions, EXERCISES: self.exercises}.get(section)

    @property
    def in_progress(self) -> int:
        return self.started - self.done

    @property
    def median_minutes(self) -> float | None:
        return statistics.median(self.minutes) if self.minutes else None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "learners": self.learners, "started": self.started,
                "done": self.done, "medianMinutes": self.median_minutes,
                "quiz": {"correct": self.quiz[0], "answered": self.quiz[1]},
                "predictions": {"correct": self.predictions[0], "answered": self.predictions[1]},
                "exercises": {"passed": self.exercises[0], "attempted": self.exercises[1]},
                "hintsUsed": self.hints, "solutionsShown": self.solutions}


@dataclass
class Report:
    learners: list[str]
    lessons: list[LessonSummary]
    hardest: list[dict[str, Any]]
    """Checks answered by at least one learner, worst first: {lesson, step, kind, item, wrong, answered}."""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"learners": self.learners, "lessons": [l.to_dict() for l in self.lessons],
                "hardest": self.hardest, "notes": self.notes}


def aggregate(rows: list[dict[str, Any]], notes: list[str] | None = None) -> Report:
    lessons: dict[str, LessonSummary] = {}
    checks: dict[tuple[str, str, str], list[int]] = {}
    for row in rows:
        summary = lessons.setdefault(row["lesson"], LessonSummary(row["lesson"], row["lesson_title"]))
        if row["kind"] == "lesson":
            summary.learners += 1
            if row["status"] != "not started":
                summary.started += 1
                if row["seconds_spent"] is not None:
                    summary.minutes.append(row["seconds_spent"] / 60)
            summary.done += row["status"] == "done"
            continue
        if not row["answered"]:
            continue
        section = section_of(row["kind"])
        target = summary.score(section)
        if target is not None:
            target[0] += bool(row["correct"])
            target[1] += 1
        if section == EXERCISES:
            summary.hints += row["hints_used"]
            summary.solutions += bool(row["solution_shown"])
        tally = checks.setdefault((row["lesson"], row["step"], row["item"]), [0, 0])
        tally[0] += not row["correct"]
        tally[1] += 1
    hardest = sorted(
        ({"lesson": k[0], "step": k[1], "item": k[2], "wrong": v[0], "answered": v[1]}
         for k, v in checks.items() if v[0]),
        key=lambda c: (-c["wrong"] / c["answered"], -c["answered"], c["lesson"], c["step"]),
    )[:5]
    learners = sorted({row["learner"] for row in rows})
    return Report(learners, list(lessons.values()), hardest, list(notes or []))


def _ratio(pair: list[int]) -> str:
    return f"{pair[0]}/{pair[1]}" if pair[1] else "-"


def table(report: Report) -> list[list[str]]:
    """Rows for the terminal table (headers in HEADERS)."""
    out = []
    for lesson in report.lessons:
        median = lesson.median_minutes
        out.append([lesson.id, f"{lesson.done}/{lesson.learners}", str(lesson.in_progress),
                    "-" if median is None else f"{median:.0f}", _ratio(lesson.quiz), _ratio(lesson.predictions),
                    _ratio(lesson.exercises), str(lesson.hints), str(lesson.solutions)])
    return out


HEADERS = ["LESSON", "DONE", "IN PROGRESS", "MEDIAN MIN", "QUIZ", "PREDICTIONS", "EXERCISES", "HINTS", "SOLUTIONS"]


def chart(report: Report, path: Path, title: str = "Workshop progress") -> Path:
    """Two panels: where learners are per lesson, and how first answers went. SVG or PNG by suffix."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a classroom server
    import matplotlib.pyplot as plt

    names = [lesson.id for lesson in report.lessons][::-1]
    lessons = report.lessons[::-1]
    done = [l.done for l in lessons]
    going = [l.in_progress for l in lessons]
    idle = [l.learners - l.started for l in lessons]
    rows = list(range(len(names)))
    height = max(3.5, 0.45 * len(names) + 2.0)
    figure, (where, scores) = plt.subplots(1, 2, figsize=(12, height), sharey=True)
    where.barh(rows, done, color="#2e7d32", label="done")
    where.barh(rows, going, left=done, color="#f9a825", label="in progress")
    where.barh(rows, idle, left=[a + b for a, b in zip(done, going)], color="#bdbdbd", label="not started")
    where.set_yticks(rows, names)
    where.set_xlabel(f"learners ({len(report.learners)})")
    where.set_title("Where learners are")
    where.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize="small", frameon=False)
    where.xaxis.get_major_locator().set_params(integer=True)

    def percent(pair: list[int]) -> float:
        return 100 * pair[0] / pair[1] if pair[1] else 0.0

    scores.barh([r + 0.2 for r in rows], [percent(l.quiz) for l in lessons], height=0.4, color="#1565c0",
                label="quiz, first answers right")
    scores.barh([r - 0.2 for r in rows], [percent(l.predictions) for l in lessons], height=0.4, color="#8e24aa",
                label="predictions right")
    scores.set_xlim(0, 100)
    scores.set_xlabel("% of answers given")
    scores.set_title("How answers went")
    scores.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize="small", frameon=False)
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
