"""One exercise (or pitfall lab) in progress: its timeline, checklist, hint ladder and reset.

No Textual here. This is the whole non-UI half of the exercise mode: the app feeds it every
snapshot its sandbox link receives and shows `results()`; `h` calls `next_hint()`; the reset
key shows `reset_plan()` and then calls `reset()`. Hints used, passes and resets go to the
learner's progress as they happen (the caller saves it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from . import checks, reset
from .checks import Result
from .lessons import Lesson, Step
from .progress import Progress
from .runner import Runner
from .timeline import Timeline


@dataclass(frozen=True)
class Rung:
    """One rung of the hint ladder as shown: 1 is the nudge, the last is the solution."""

    number: int
    of: int
    text: str
    solution: bool


class ExerciseSession:
    def __init__(self, lesson: Lesson, step: Step, progress: Progress | None = None,
                 clock: Callable[[], float] = time.time, cluster: str = "default") -> None:
        if step.exercise is None:
            raise ValueError(f"step {step.id!r} of {lesson.id} is not an exercise")
        self.lesson = lesson
        self.step = step
        self.exercise = step.exercise
        self.progress = progress
        self.timeline = Timeline(clock=clock, cluster=cluster)
        self.rung = 0
        self.passed = False

    def ingest(self, snapshot: dict[str, Any], at: float | None = None) -> bool:
        """Take a new snapshot; returns True when the exercise has just passed."""
        self.timeline.ingest(snapshot, at)
        return self.judge()[1]

    def judge(self) -> tuple[list[Result], bool]:
        """The checklist now, and whether the exercise has just passed (judged once for both)."""
        results = self.results()
        if self.passed or not all(r.passed for r in results):
            return results, False
        self.passed = True  # latched: passing once is what counts, whatever the learner does next
        if self.progress is not None:
            self.progress.record_exercise_passed(self.lesson.id, self.step.id)
        return results, True

    def results(self) -> list[Result]:
        """The checklist: every check with its one-line status."""
        return checks.evaluate_all(self.exercise.checks, self.timeline)

    def symptoms(self) -> list[Result]:
        """A pitfall's symptoms: whether the mistake has visibly done its damage yet."""
        return checks.evaluate_all(self.exercise.symptoms, self.timeline)

    def next_hint(self) -> Rung:
        """Climb one rung (staying on the solution once there) and record it."""
        self.rung = min(self.rung + 1, self.exercise.ladder_size)
        return self.hint(self.rung)

    def hint(self, number: int) -> Rung:
        """A rung's text, computed from the sandbox's state right now."""
        size = self.exercise.ladder_size
        if not 1 <= number <= size:
            raise ValueError(f"rung {number} is out of range 1 to {size}")
        view = self.timeline.view()
        solution = number == size
        if solution:
            lines = []
            for line in self.exercise.solution:
                if line.wait is not None:
                    lines.append(f"(wait until {line.wait.condition.source()})")
                else:
                    lines.append(_fill(line, view))
            text = "\n".join(lines) + (f"\n\n{self.exercise.explain}" if self.exercise.explain else "")
        else:
            text = self.exercise.hints[number - 1].render(view)
        if self.progress is not None:
            self.progress.record_hint(self.lesson.id, self.step.id, number, solution=solution)
        return Rung(number, size, text, solution)

    def reset_plan(self, snapshot: dict[str, Any], instances: list[dict[str, Any]] | None = None) -> list[reset.Action]:
        return reset.plan(self.setup, snapshot, self.timeline.cluster, self.lesson, instances)

    def describe_reset(self, snapshot: dict[str, Any], instances: list[dict[str, Any]] | None = None) -> list[str]:
        return reset.describe(self.reset_plan(snapshot, instances), self.setup)

    def reset(self, runner: Runner) -> None:
        """Put the sandbox back to the step's setup and start the exercise over."""
        self.timeline.ingest(self.apply_reset(runner))
        self.restart()

    def apply_reset(self, runner: Runner) -> dict[str, Any]:
        """Put the sandbox back to the step's setup; returns the sandbox's state right after.

        It does not restart the exercise: the app does that with the returned state, once its
        own feed of snapshots has caught up, so one that left before the reset finished is not
        taken for the new start.
        """
        snapshot = runner.client.watch(-1, timeout=0, cluster=runner.cluster)
        instances = reset.instances(runner.client, runner.cluster)
        reset.apply(self.reset_plan(snapshot, instances), self.setup, runner)
        if self.progress is not None:
            self.progress.record_reset(self.lesson.id, self.step.id)
        return runner.client.watch(-1, timeout=0, cluster=runner.cluster)

    def restart(self) -> None:
        """Begin the exercise from now: earlier history no longer counts."""
        self.timeline.restart()
        self.passed = False

    @property
    def setup(self):
        return self.exercise.setup or self.lesson.sandbox


def _fill(line, view) -> str:
    """A solution line with its placeholders filled, or as written before any state arrived."""
    from . import expr

    if view is None or not expr.has_placeholders(line.parts):
        return line.text
    return "\n".join(expr.expand(line.parts, view)) or line.text
