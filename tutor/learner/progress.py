"""A learner's progress through the lessons, kept in `<state home>/progress.json`.

No Textual here: the app, the `servicelab progress` CLI and the tests share it. Writes are
atomic, and a file that cannot be read is set aside (renamed, never deleted) and reported,
so a learner never loses progress silently.

A lesson's answers are kept in one section per kind of answer (predictions, quiz answers,
exercise records); each learning mode names its section, and the records and how they are
read back live in the mode's module (tutor/lessons/modes/).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from sandbox.state import atomic, paths

from tutor.lessons import Lesson, Step
from tutor.lessons.modes import EXERCISES, PREDICTIONS, QUIZ_ANSWERS
from tutor.lessons.modes.exercise import ExerciseRecord, parse_records
from tutor.lessons.modes.predict import Prediction, parse_predictions
from tutor.lessons.modes.quiz import QuizAnswer, parse_answers

FILE_NAME = "progress.json"
FILE_VERSION = 1

NOT_STARTED = "not started"
IN_PROGRESS = "in progress"
DONE = "done"
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE)
"""What the file stores. A lesson is done once the learner went past its last step *and* every
exercise and pitfall lab in it passed; until both, the file says in progress."""
DONE_WITH_GAPS = "done with gaps"
"""Shown, never stored: past the last step, but an exercise or pitfall lab has not passed (`status_of`).
Files written before this existed may say done for such a lesson; they read as done with gaps."""

Clock = Callable[[], datetime]


def progress_path() -> Path:
    """Where progress lives: the state home, which SERVICELAB_HOME overrides."""
    return paths.home() / FILE_NAME


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class _Unreadable(ValueError):
    """The file is JSON but not a progress file we understand."""


@dataclass
class LessonProgress:
    """Where a learner is in one lesson."""

    status: str = NOT_STARTED
    current_step: int = 0
    """Index of the step the learner last visited."""
    steps_done: list[str] = field(default_factory=list)
    """Ids of finished steps, in the order they were finished."""
    started_at: str | None = None
    updated_at: str | None = None
    completed_at: str | None = None
    """When the lesson became done (older files: when the learner went past its last step)."""
    finished_at: str | None = None
    """When the learner first went past the last step, passed exercises or not."""
    predictions: dict[str, Prediction] = field(default_factory=dict)
    """Step id to the learner's first answer (myth steps record theirs here too: 0 true, 1 false)."""
    quiz: dict[str, dict[str, QuizAnswer]] = field(default_factory=dict)
    """Step id to question id to the learner's first answer."""
    exercises: dict[str, ExerciseRecord] = field(default_factory=dict)
    """Step id to how its exercise (or pitfall lab) went."""

    def step_answers(self, step: Step) -> Any:
        """What the learner did on a step, from its mode's section; None when nothing yet (or a reading step)."""
        if step.mode is None:
            return None
        sections = {PREDICTIONS: self.predictions, QUIZ_ANSWERS: self.quiz, EXERCISES: self.exercises}
        return sections[step.mode.section].get(step.id)

    @property
    def finished(self) -> bool:
        """Went past the last step (a file from before `finished_at` existed says so with done)."""
        return self.finished_at is not None or self.status == DONE

    def gaps(self, lesson: Lesson) -> list[int]:
        """Indexes of the lesson's exercise and pitfall steps that have not passed, in order."""
        return [n for n, step in enumerate(lesson.steps) if step.exercise is not None
                and (self.exercises.get(step.id) is None or self.exercises[step.id].passed_at is None)]

    def status_of(self, lesson: Lesson) -> str:
        """Not started, in progress, done with gaps, or done: what the learner is shown."""
        if self.status == NOT_STARTED:
            return NOT_STARTED
        if not self.finished:
            return IN_PROGRESS
        return DONE_WITH_GAPS if self.gaps(lesson) else DONE

    def quiz_score(self) -> tuple[int, int]:
        """(first answers that were right, questions answered) over the lesson's quizzes."""
        answers = [a for step in self.quiz.values() for a in step.values()]
        return sum(1 for a in answers if a.correct), len(answers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "current_step": self.current_step,
            "steps_done": list(self.steps_done),
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "completed_at": self.completed_at,
            "finished_at": self.finished_at,
            PREDICTIONS: {step: p.to_dict() for step, p in self.predictions.items()},
            QUIZ_ANSWERS: {step: {q: a.to_dict() for q, a in answers.items()} for step, answers in self.quiz.items()},
            EXERCISES: {step: e.to_dict() for step, e in self.exercises.items()},
        }


class Progress:
    """Every lesson's progress for one learner. Change it with the methods, then `save()`."""

    def __init__(
        self,
        path: Path,
        lessons: dict[str, LessonProgress] | None = None,
        last_lesson: str | None = None,
        set_aside: Path | None = None,
        problem: str | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.path = path
        self.lessons: dict[str, LessonProgress] = lessons or {}
        self.last_lesson = last_lesson
        """The lesson to continue with: the one most recently touched."""
        self.set_aside = set_aside
        """Where an unreadable progress file was moved on load, or None."""
        self.problem = problem
        """Why that file could not be read."""
        self._clock = clock

    @classmethod
    def load(cls, path: Path | None = None, clock: Clock = _utc_now) -> Progress:
        """Read progress; a missing file is a fresh start, an unreadable one is set aside."""
        path = path or progress_path()
        try:
            data, aside = atomic.read_json(path)
            problem = "not valid JSON" if aside else None
            if aside is not None and not _is_utf8(aside):
                problem = "not UTF-8 text"
        except UnicodeDecodeError:  # older read_json let text decoding errors through
            data, aside, problem = None, atomic.set_aside(path), "not UTF-8 text"
        if data is None:
            return cls(path, set_aside=aside, problem=problem, clock=clock)
        try:
            lessons, last = _parse(data)
        except _Unreadable as exc:
            # Keep the file for the learner (or a newer servicelab) rather than overwrite it.
            return cls(path, set_aside=atomic.set_aside(path), problem=str(exc), clock=clock)
        return cls(path, lessons, last, clock=clock)

    @property
    def message(self) -> str | None:
        """One line for the learner when a file was set aside on load."""
        if self.set_aside is None:
            return None
        return (
            f"progress file {self.path} could not be read ({self.problem}); "
            f"it was set aside as {self.set_aside} and progress starts fresh"
        )

    def lesson(self, lesson_id: str) -> LessonProgress:
        """A lesson's progress; a lesson never touched reads as not started."""
        return self.lessons.get(lesson_id) or LessonProgress()

    def visit(self, lesson_id: str, step_index: int) -> LessonProgress:
        """The learner opened a step: remember it as the place to continue from."""
        if isinstance(step_index, bool) or not isinstance(step_index, int) or step_index < 0:
            raise ValueError(f"step index must be a whole number from 0, got {step_index!r}")
        record = self._touch(lesson_id)
        record.current_step = step_index
        return record

    def complete_step(self, lesson_id: str, step_id: str) -> LessonProgress:
        record = self._touch(lesson_id)
        if step_id not in record.steps_done:
            record.steps_done.append(step_id)
        return record

    def mark_done(self, lesson_id: str) -> LessonProgress:
        """Done, whatever its exercises say (`finish` is what the lesson screen uses)."""
        record = self._touch(lesson_id)
        record.finished_at = record.finished_at or record.updated_at
        record.status = DONE
        record.completed_at = record.completed_at or record.updated_at
        return record

    def status_of(self, lesson: Lesson) -> str:
        return self.lesson(lesson.id).status_of(lesson)

    def finish(self, lesson: Lesson) -> str:
        """The learner went past the last step: done if every exercise passed, otherwise done with gaps."""
        record = self._touch(lesson.id)
        record.finished_at = record.finished_at or record.updated_at
        self._settle(record, lesson)
        return record.status_of(lesson)

    def settle(self, lesson: Lesson) -> bool:
        """An exercise passed: a lesson finished with gaps may be done now. True when it just became done."""
        record = self.lessons.get(lesson.id)
        if record is None or record.status == DONE or not record.finished:
            return False
        return self._settle(record, lesson)

    def _settle(self, record: LessonProgress, lesson: Lesson) -> bool:
        """Store done once finished without gaps; a stored done with gaps (an older file) goes back to in progress."""
        done = record.finished and not record.gaps(lesson)
        became = done and record.status != DONE
        record.status = DONE if done else IN_PROGRESS
        if became:
            record.completed_at = record.updated_at or record.completed_at
        return became

    def record_prediction(self, lesson_id: str, step_id: str, chosen: int, correct: bool) -> Prediction:
        """Keep the learner's first answer: later ones were given after seeing the explanation."""
        record = self._touch(lesson_id)
        if step_id not in record.predictions:
            record.predictions[step_id] = Prediction(chosen, bool(correct), record.updated_at)
        return record.predictions[step_id]

    def record_quiz_answer(self, lesson_id: str, step_id: str, question_id: str,
                           chosen: int | list[int], correct: bool) -> QuizAnswer:
        """Keep the first answer to each question: it is the one that counts toward the score."""
        record = self._touch(lesson_id)
        answers = record.quiz.setdefault(step_id, {})
        if question_id not in answers:
            answers[question_id] = QuizAnswer(list(chosen) if isinstance(chosen, (list, tuple)) else chosen,
                                              bool(correct), record.updated_at)
        return answers[question_id]

    def record_hint(self, lesson_id: str, step_id: str, rung: int, solution: bool = False) -> ExerciseRecord:
        """The learner climbed to `rung` of an exercise's hint ladder (the solution is its last rung)."""
        if isinstance(rung, bool) or not isinstance(rung, int) or rung < 1:
            raise ValueError(f"hint rung must be a whole number from 1, got {rung!r}")
        record = self._exercise(lesson_id, step_id)
        record.hints_used = max(record.hints_used, rung)
        record.solution_shown = record.solution_shown or solution
        return record

    def record_exercise_passed(self, lesson_id: str, step_id: str) -> ExerciseRecord:
        record = self._exercise(lesson_id, step_id)
        record.passed_at = record.passed_at or self.lessons[lesson_id].updated_at
        return record

    def record_reset(self, lesson_id: str, step_id: str) -> ExerciseRecord:
        record = self._exercise(lesson_id, step_id)
        record.resets += 1
        return record

    def _exercise(self, lesson_id: str, step_id: str) -> ExerciseRecord:
        return self._touch(lesson_id).exercises.setdefault(step_id, ExerciseRecord())

    def reset(self, lesson_id: str | None = None) -> list[str]:
        """Forget one lesson's progress, or every lesson's; returns the ids that were cleared."""
        if lesson_id is None:
            cleared = list(self.lessons)
        else:
            cleared = [lesson_id] if lesson_id in self.lessons else []
        for key in cleared:
            del self.lessons[key]
        if lesson_id is None or self.last_lesson == lesson_id:
            self.last_lesson = None
        return cleared

    def save(self) -> None:
        """Write atomically: a crash mid-save leaves the previous file intact."""
        atomic.write_json(self.path, self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FILE_VERSION,
            "last_lesson": self.last_lesson,
            "lessons": {key: record.to_dict() for key, record in self.lessons.items()},
        }

    def _touch(self, lesson_id: str) -> LessonProgress:
        if not isinstance(lesson_id, str) or not lesson_id:
            raise ValueError(f"lesson id must be non-empty text, got {lesson_id!r}")
        now = self._clock().astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        record = self.lessons.setdefault(lesson_id, LessonProgress())
        if record.status == NOT_STARTED:
            record.status = IN_PROGRESS
            record.started_at = now
        record.updated_at = now
        self.last_lesson = lesson_id
        return record


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return True


def _parse(data: Any) -> tuple[dict[str, LessonProgress], str | None]:
    """Check the whole file before trusting any of it; raise _Unreadable saying what is wrong."""
    if not isinstance(data, dict):
        raise _Unreadable("not a progress file: the top level is not a JSON object")
    version = data.get("version")
    if version != FILE_VERSION:
        raise _Unreadable(f"file version {version!r}; this servicelab reads version {FILE_VERSION}")
    last = data.get("last_lesson")
    lessons = data.get("lessons", {})
    if last is not None and not isinstance(last, str):
        raise _Unreadable("'last_lesson' is not text")
    if not isinstance(lessons, dict):
        raise _Unreadable("'lessons' is not an object")
    return {str(key): _parse_lesson(key, value) for key, value in lessons.items()}, last


def _parse_lesson(key: str, data: Any) -> LessonProgress:
    def bad(what: str) -> _Unreadable:
        return _Unreadable(f"lesson {key!r}: {what}")

    if not isinstance(data, dict):
        raise bad("not an object")
    record = LessonProgress()
    status = data.get("status", NOT_STARTED)
    if status not in STATUSES:
        raise bad(f"status {status!r} is not one of {', '.join(STATUSES)}")
    step = data.get("current_step", 0)
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise bad("'current_step' is not a whole number from 0")
    done = data.get("steps_done", [])
    if not isinstance(done, list) or not all(isinstance(s, str) for s in done):
        raise bad("'steps_done' is not a list of step ids")
    for name in ("started_at", "updated_at", "completed_at", "finished_at"):
        if not isinstance(data.get(name), (str, type(None))):
            raise bad(f"{name!r} is not text")
    record.predictions = parse_predictions(data.get(PREDICTIONS, {}), bad)
    record.quiz = parse_answers(data.get(QUIZ_ANSWERS, {}), bad)
    record.exercises = parse_records(data.get(EXERCISES, {}), bad)
    record.status = status
    record.current_step = step
    record.steps_done = list(done)
    record.started_at = data.get("started_at")
    record.updated_at = data.get("updated_at")
    record.completed_at = data.get("completed_at")
    record.finished_at = data.get("finished_at")
    return record
