"""The exercise mode without the UI: green when the learner does the right thing, red otherwise,
a hint ladder computed from state, and everything recorded in progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check_support import service, snapshot, task
from tutor.exercise_session import ExerciseSession
from tutor.lessons import load_lessons
from tutor.progress import Progress


class Clock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


def session(lesson_id: str, step_id: str, tmp_path: Path, clock=None):
    lesson = next(l for l in load_lessons() if l.id == lesson_id)
    step = lesson.steps[lesson.step_index(step_id)]
    progress = Progress.load(tmp_path / "progress.json")
    return ExerciseSession(lesson, step, progress, clock=clock or Clock()), progress


def test_turns_green_when_the_learner_scales_and_stays_red_otherwise(tmp_path):
    s, progress = session("keeping-count", "scale-up", tmp_path)
    assert s.ingest(snapshot([service("web", 2, 2)])) is False
    assert [r.status for r in s.results()] == ["fail", "fail"]
    assert s.results()[0].message == "web asks for three tasks: service(web).desired is 2, needs == 3"
    assert s.ingest(snapshot([service("web", 4, 4)])) is False  # the wrong count stays red
    assert s.ingest(snapshot([service("web", 3, 2, pending=1)])) is False
    assert [r.passed for r in s.results()] == [True, False]
    assert s.ingest(snapshot([service("web", 3, 3)])) is True
    assert progress.lesson("keeping-count").exercises["scale-up"].passed_at is not None
    assert s.ingest(snapshot([service("web", 2, 2)])) is False, "passing is reported once"


def test_the_hint_ladder_reads_the_sandbox(tmp_path):
    s, progress = session("keeping-count", "stop-a-task", tmp_path)
    s.ingest(snapshot([service("web", 3, 3)], [task("aaaa1111"), task("bbbb2222", created=200)]))
    first = s.next_hint()
    assert (first.number, first.of, first.solution) == (1, 3, False)
    second = s.next_hint()
    assert second.text == "web has 3 running of 3 desired. This task is running: aaaa1111"
    third = s.next_hint()
    assert third.solution and third.text == 'servicelab task stop aaaa1111 --reason "lesson 2"'
    assert s.next_hint().number == 3, "the ladder ends at the solution"
    record = progress.lesson("keeping-count").exercises["stop-a-task"]
    assert (record.hints_used, record.solution_shown) == (3, True)


def test_a_temporal_goal_needs_the_recovery_to_happen_after_the_kill(tmp_path):
    clock = Clock()
    s, _ = session("keeping-count", "crash-one", tmp_path, clock)
    up = [task("a"), task("b"), task("c")]
    s.ingest(snapshot([service("web", 3, 3)], up))
    assert not s.results()[0].passed and "waiting for task_stopped" in s.results()[0].message
    clock.now = 1001
    crashed = [task("a"), task("b"), task("c", status="STOPPED", stopped=1001, code="EssentialContainerExited")]
    s.ingest(snapshot([service("web", 3, 2, pending=1)], crashed))
    clock.now = 1002
    assert s.ingest(snapshot([service("web", 3, 3)], crashed + [task("d", created=1001.5)])) is True


def test_restart_forgets_what_happened_before(tmp_path):
    clock = Clock()
    s, _ = session("reconcile-loop", "let-the-loop-stop", tmp_path, clock)
    stopped = [task(x, status="STOPPED", stopped=1000.5, code="ServiceSchedulerInitiated") for x in "ab"]
    s.ingest(snapshot([service("web", 1, 1)], stopped + [task("c")]))
    assert s.passed
    clock.now = 1010
    s.restart()
    assert not s.passed and not all(r.passed for r in s.results())


def test_a_pitfall_reports_its_symptoms(tmp_path):
    s, _ = session("web-and-batch", "job-as-a-service", tmp_path)
    s.ingest(snapshot([service("web", 2, 2)]))
    assert [r.passed for r in s.symptoms()] == [False]
    assert s.describe_reset(snapshot([service("web", 2, 2), service("report", 1, 1, taskdef="batch:1")])) == [
        "delete service report"]


def test_only_exercise_steps(tmp_path):
    lesson = next(l for l in load_lessons() if l.id == "keeping-count")
    with pytest.raises(ValueError, match="is not an exercise"):
        ExerciseSession(lesson, lesson.steps[0])
