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

from tutor.checks import spec as checks, plain_words
from tutor.exercises import reset
from tutor.checks.spec import FAIL, WAITING, Result
from tutor.lessons import Lesson, Step
from tutor.learner.progress import Progress
from tutor.exercises.runner import Runner
from tutor.checks.timeline import Timeline


@dataclass(frozen=True)
class Rung:
    """One rung of the hint ladder as shown: 1 is the nudge, the last is the solution."""

    number: int
    of: int
    text: str
    solution: bool


class ExerciseSession:
    def __init__(self, lesson: Lesson, step: Step, progress: Progress | None = None,
                 clock: Callable[[], float] = time.time, cluster: str = "default",
                 timeline: Timeline | None = None) -> None:
        if step.exercise is None:
            raise ValueError(f"step {step.id!r} of {lesson.id} is not an exercise")
        self.lesson = lesson
        self.step = step
        self.exercise = step.exercise
        self.progress = progress
        self.timeline = timeline or Timeline(clock=clock, cluster=cluster)
        self.rung = 0
        self.passed = False
        """Every check passes now, all at once (what "Done" shows)."""
        self.credited = False
        """Every check passed at once at some moment of this attempt (recorded in progress once)."""
        self.mistake_seen_at: float | None = None
        """A pitfall: when its symptoms first all showed in this attempt; its fix counts from then."""
        self.resetting = False
        """A reset is under way: what the reset itself does is not the learner's work."""

    def ingest(self, snapshot: dict[str, Any], at: float | None = None) -> bool:
        """Take a new snapshot; returns True when the exercise has just passed."""
        self.timeline.ingest(snapshot, at)
        return self.judge()[1]

    def judge(self) -> tuple[list[Result], bool]:
        """The checklist now, and whether the exercise has just passed (judged once for both)."""
        results = self.results()
        self.passed = bool(results) and all(r.passed for r in results)
        if not self.passed or self.credited:
            return results, False
        self.credited = True  # passing once is what progress keeps, whatever the learner does next
        if self.progress is not None:
            self.progress.record_exercise_passed(self.lesson.id, self.step.id)
        return results, True

    def results(self) -> list[Result]:
        """The checklist: every check with its one-line status, all judged on the same views.

        A pitfall's fix is judged only once the mistake has visibly done its damage, and only
        on what happened from then on.
        """
        wanted = self.exercise.checks
        if self.resetting:
            return [Result(c, WAITING, f"{c.describe()}: the sandbox is being reset") for c in wanted]
        if not self.exercise.symptoms:  # an exercise; a pitfall lab always has symptoms
            return checks.evaluate_all(wanted, self.timeline)
        since = self.mistake_shown()
        if since is None:
            return [Result(c, WAITING, f"{c.describe()}: make the mistake first; the fix counts once its "
                                       f"effect shows") for c in wanted]
        return checks.evaluate_all(wanted, self.timeline, since=since)

    def symptoms(self) -> list[Result]:
        """A pitfall's symptoms: whether the mistake has visibly done its damage yet."""
        return checks.evaluate_all(self.exercise.symptoms, self.timeline)

    def mistake_shown(self) -> float | None:
        """When a pitfall's symptoms all showed at once in this attempt (None: not yet)."""
        if self.mistake_seen_at is None and not self.resetting:
            symptoms = self.symptoms()
            latest = self.timeline.latest
            if symptoms and latest is not None and all(r.passed for r in symptoms):
                self.mistake_seen_at = latest.at
        return self.mistake_seen_at

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
            lines = [f"({plain_words.script_line(line)})" if line.wait else plain_words.script_line(line, view)
                     for line in self.exercise.solution]
            text = "\n".join(lines) + (f"\n\n{self.exercise.explain}" if self.exercise.explain else "")
        else:
            text = plain_words.fill(self.exercise.hints[number - 1].parts, view)
        if self.progress is not None:
            self.progress.record_hint(self.lesson.id, self.step.id, number, solution=solution)
        return Rung(number, size, text, solution)

    def reset_plan(self, snapshot: dict[str, Any], instances: list[dict[str, Any]] | None = None) -> list[reset.Action]:
        return reset.plan(self.setup, snapshot, self.timeline.cluster, self.lesson, instances)

    def describe_reset(self, snapshot: dict[str, Any], instances: list[dict[str, Any]] | None = None) -> list[str]:
        """What a reset will do, truthfully: the sandbox's changes, then what the checks forget."""
        actions = self.reset_plan(snapshot, instances)
        lines = reset.describe(actions, self.setup) if actions or self.setup.run else [
            "the sandbox already matches how this step starts: nothing in it changes"]
        failed = [r for r in self.results() if r.status == FAIL]
        return lines + [f"forget the failed attempt: {r.message}" for r in failed]

    def reset(self, runner: Runner) -> None:
        """Put the sandbox back to the step's setup and start the exercise over."""
        self.timeline.ingest(self.apply_reset(runner))
        self.restart()

    def apply_reset(self, runner: Runner) -> dict[str, Any]:
        """Put the sandbox back to the step's setup; returns the sandbox's state right after.

        It does not restart the exercise: the app does that with the returned state, once its
        own feed of snapshots has caught up, so one that left before the reset finished is not
        taken for the new start. Until then nothing passes: a reset deletes and stops things,
        which is not the learner's work.
        """
        self.resetting = True
        try:
            snapshot = runner.client.watch(-1, timeout=0, cluster=runner.cluster)
            instances = reset.instances(runner.client, runner.cluster)
            reset.apply(self.reset_plan(snapshot, instances), self.setup, runner, lesson=self.lesson)
        except Exception:
            self.restart()  # half a reset is still not the learner's doing
            raise
        if self.progress is not None:
            self.progress.record_reset(self.lesson.id, self.step.id)
        return runner.client.watch(-1, timeout=0, cluster=runner.cluster)

    def restart(self) -> None:
        """Begin the exercise from now: earlier history no longer counts."""
        self.timeline.restart()
        self.passed = self.credited = self.resetting = False
        self.mistake_seen_at = None

    @property
    def setup(self):
        return self.exercise.setup or self.lesson.sandbox
