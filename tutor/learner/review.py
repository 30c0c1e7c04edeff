"""Review: flashcards of the lessons' takeaways and of what the learner got wrong, scheduled with SM-2.

No Textual here. The deck is built fresh from the lessons and the learner's progress each time
(so a fixed typo in a lesson shows up at once); the cards themselves are made by the lessons'
takeaways and learning modes (tutor/lessons/modes/). Only each card's schedule is stored, in
`<state home>/review.json`, written atomically, with an unreadable file set aside, never lost.

SM-2 (SuperMemo 2, the ancestor of Anki's scheduler), grades 0-5:
- grade >= 3: the interval goes 1 day, then 6 days, then the previous interval × ease;
- grade < 3: the card starts over (repetitions 0, interval 1 day);
- every grade moves the ease by 0.1 - (5 - q) × (0.08 + (5 - q) × 0.02), never below 1.3.
Missed items come back sooner three ways: a missed quiz question or prediction is due at once
and comes first; a failed card starts over at 1 day; and within a session, a card graded
below 4 is asked again before the session ends (SM-2's last rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sandbox.state import atomic, paths

from tutor.lessons import Lesson
from tutor.lessons.cards import Card
from tutor.lessons.modes import takeaway
from tutor.learner.progress import NOT_STARTED, Progress

FILE_NAME = "review.json"
FILE_VERSION = 1
START_EASE = 2.5
MIN_EASE = 1.3
GRADES = {
    0: "blank: no memory of it",
    1: "wrong, but it rang a bell once I saw the answer",
    2: "wrong, but the answer seemed easy once seen",
    3: "right, with serious effort",
    4: "right, after a moment's thought",
    5: "right, at once",
}


def review_path() -> Path:
    return paths.home() / FILE_NAME


@dataclass(frozen=True)
class Schedule:
    ease: float = START_EASE
    interval: int = 0
    """Days until the card is due again."""
    repetitions: int = 0
    """Successful reviews in a row."""
    due: str | None = None
    """ISO date it is due; None for a card never reviewed (due now)."""
    lapses: int = 0
    last_grade: int | None = None
    reviewed: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ease": round(self.ease, 4), "interval": self.interval, "repetitions": self.repetitions,
                "due": self.due, "lapses": self.lapses, "last_grade": self.last_grade, "reviewed": self.reviewed}


def sm2(schedule: Schedule, grade: int, today: date) -> Schedule:
    """The schedule after one review graded 0-5 on `today`."""
    if isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 5:
        raise ValueError(f"grade must be a whole number from 0 to 5, got {grade!r}")
    if grade >= 3:
        if schedule.repetitions == 0:
            interval = 1
        elif schedule.repetitions == 1:
            interval = 6
        else:
            interval = max(1, round(schedule.interval * schedule.ease))
        repetitions, lapses = schedule.repetitions + 1, schedule.lapses
    else:
        interval, repetitions, lapses = 1, 0, schedule.lapses + 1
    miss = 5 - grade
    # Rounded so a schedule reads back from the file exactly as it was written.
    ease = round(max(MIN_EASE, schedule.ease + 0.1 - miss * (0.08 + miss * 0.02)), 4)
    return Schedule(ease, interval, repetitions, (today + timedelta(days=interval)).isoformat(), lapses, grade,
                    today.isoformat())


def build_deck(lessons: list[Lesson], progress: Progress, include_all: bool = False) -> list[Card]:
    """Takeaways of the lessons the learner has started (or all), and every item they missed."""
    cards: list[Card] = []
    for lesson in lessons:
        record = progress.lesson(lesson.id)
        if include_all or record.status != NOT_STARTED:
            cards += takeaway.cards(lesson.id, lesson.takeaways)
        for step in lesson.steps:
            if step.mode is not None:
                cards += step.mode.missed_cards(lesson.id, step.id, step.block, record.step_answers(step))
    return cards


class Review:
    """Every card's schedule for one learner. Grade with `grade()`, then `save()`."""

    def __init__(self, path: Path, schedules: dict[str, Schedule] | None = None,
                 set_aside: Path | None = None, problem: str | None = None) -> None:
        self.path = path
        self.schedules = schedules or {}
        self.set_aside = set_aside
        self.problem = problem

    @classmethod
    def load(cls, path: Path | None = None) -> Review:
        path = path or review_path()
        data, aside = atomic.read_json(path)
        if aside is not None:
            return cls(path, set_aside=aside, problem="not valid JSON")
        if data is None:
            return cls(path)
        try:
            return cls(path, _parse(data))
        except ValueError as exc:  # keep the file for the learner rather than overwrite it
            return cls(path, set_aside=atomic.set_aside(path), problem=str(exc))

    @property
    def message(self) -> str | None:
        if self.set_aside is None:
            return None
        return (f"review file {self.path} could not be read ({self.problem}); it was set aside as "
                f"{self.set_aside} and every card starts fresh")

    def schedule(self, card_id: str) -> Schedule:
        return self.schedules.get(card_id) or Schedule()

    def due(self, deck: list[Card], today: date | None = None) -> list[Card]:
        """Cards due on `today`: missed items first, then the most overdue, then new ones."""
        today = today or _today()

        def order(card: Card) -> tuple:
            s = self.schedule(card.id)
            return (not card.missed, s.due is None, s.due or "", card.id)

        return sorted((c for c in deck if _is_due(self.schedule(c.id), today)), key=order)

    def grade(self, card_id: str, grade: int, today: date | None = None) -> Schedule:
        new = sm2(self.schedule(card_id), grade, today or _today())
        self.schedules[card_id] = new
        return new

    def save(self) -> None:
        atomic.write_json(self.path, {"version": FILE_VERSION,
                                      "cards": {key: s.to_dict() for key, s in sorted(self.schedules.items())}})


def _is_due(schedule: Schedule, today: date) -> bool:
    return schedule.due is None or date.fromisoformat(schedule.due) <= today


def _today() -> date:
    return datetime.now(timezone.utc).astimezone().date()


def _parse(data: Any) -> dict[str, Schedule]:
    if not isinstance(data, dict) or data.get("version") != FILE_VERSION:
        raise ValueError(f"not a review file of version {FILE_VERSION}")
    cards = data.get("cards")
    if not isinstance(cards, dict):
        raise ValueError("'cards' is not an object")
    out = {}
    for key, item in cards.items():
        try:
            due = item.get("due")
            if due is not None:
                date.fromisoformat(due)
            out[key] = Schedule(float(item["ease"]), int(item["interval"]), int(item["repetitions"]), due,
                                int(item.get("lapses", 0)), item.get("last_grade"), item.get("reviewed"))
        except (AttributeError, KeyError, TypeError, ValueError):
            raise ValueError(f"card {key!r} has no usable schedule") from None
    return out
