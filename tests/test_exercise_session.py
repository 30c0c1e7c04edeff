"""The exercise mode without the UI: green when the learner does the right thing, red otherwise,
a hint ladder computed from state, and everything recorded in progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check_support import service, snapshot, task
from tutor.exercises.session import ExerciseSession
from tutor.lessons import load_lessons
from tutor.learner.progress import Progress


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


def test_done_means_every_check_passes_now(tmp_path):
    """Lesson 01 step 5: during a rollout from web:1, api names web:2 but its one RUNNING task is
    still web:1; when the web:2 task starts, two run. Neither is done; "done" never sits above a ✗."""
    s, progress = session("services-and-tasks", "your-own-order", tmp_path)
    old = task("old1", service="api", taskdef="web:1")
    new = task("new1", service="api", taskdef="web:2", created=200)
    assert s.ingest(snapshot([service("api", 1, 1, taskdef="web:2", deployments=2)], [old])) is False
    assert s.ingest(snapshot([service("api", 1, 2, taskdef="web:2", deployments=2)], [old, new])) is False
    assert not s.passed and "your-own-order" not in progress.lesson("services-and-tasks").exercises
    assert s.ingest(snapshot([service("api", 1, 1, taskdef="web:2")], [new])) is True and s.passed
    s.ingest(snapshot([service("api", 1, 2, taskdef="web:2")], [new, task("new2", service="api", taskdef="web:2")]))
    assert not s.passed, "a check failing now means not done now, though the pass stays recorded"
    assert progress.lesson("services-and-tasks").exercises["your-own-order"].passed_at is not None


def test_a_pitfall_fix_needs_the_mistake_first(tmp_path):
    """Lesson 04: running the report as a one-off, without ever making the report service, is no lab."""
    clock = Clock()
    s, _ = session("web-and-batch", "job-as-a-service", tmp_path, clock)
    done = task("j1", service=None, taskdef="batch:1", status="STOPPED", stopped=1000.5, exit_code=0)
    assert s.ingest(snapshot([service("web", 2, 2)], [done])) is False
    assert all(r.status == "waiting" and "make the mistake first" in r.message for r in s.results())
    clock.now = 1010
    restarts = [task(f"r{n}", service="report", taskdef="batch:1", status="STOPPED", stopped=1005 + n,
                     exit_code=0, created=1001 + n) for n in range(2)]
    s.ingest(snapshot([service("web", 2, 2), service("report", 1, 1, taskdef="batch:1")], [done] + restarts))
    assert s.mistake_seen_at == 1010
    clock.now = 1020
    s.ingest(snapshot([service("web", 2, 2)], [done] + restarts))
    assert [r.passed for r in s.results()] == [True, False], "the one-off from before the mistake does not count"
    clock.now = 1030
    again = task("j2", service=None, taskdef="batch:1", status="STOPPED", stopped=1025, exit_code=0, created=1021)
    assert s.ingest(snapshot([service("web", 2, 2)], [done, again] + restarts)) is True


def test_deleting_what_was_never_there_does_not_pass(tmp_path):
    """Lesson 05: api is missing when the step opens; nothing is done yet."""
    s, _ = session("reconcile-loop", "drain-a-service", tmp_path)
    assert s.ingest(snapshot([service("web", 2, 2)])) is False
    assert not s.results()[0].passed


def test_nothing_passes_while_a_reset_runs(tmp_path):
    s, progress = session("reconcile-loop", "drain-a-service", tmp_path)
    s.ingest(snapshot([service("web", 2, 2), service("api", 2, 2, taskdef="web:2")]))
    s.resetting = True  # as apply_reset does until the app restarts the exercise
    stopped = [task(x, service="api", status="STOPPED", stopped=1000.5, code="ServiceSchedulerInitiated")
               for x in "ab"]
    assert s.ingest(snapshot([service("web", 2, 2), service("api", 0, 0, status="INACTIVE")], stopped)) is False
    assert "drain-a-service" not in progress.lesson("reconcile-loop").exercises
    s.restart()
    assert not s.resetting


def test_the_reset_preview_says_what_the_checks_forget(tmp_path):
    """Lesson 11: the sandbox may already match, but R still clears a failed chaos run; it says so."""
    clock = Clock()
    s, _ = session("in-production", "chaos", tmp_path, clock)
    for n, (running, chaos) in enumerate([(3, False), (1, True), (3, False)]):
        clock.now = 1000 + n
        s.ingest(snapshot([service("web", 3, running, chaos=chaos)]))
    lines = s.describe_reset(snapshot([service("web", 3, 3)]))
    assert lines[0] == "the sandbox already matches how this step starts: nothing in it changes"
    assert lines[1].startswith("forget the failed attempt: throughout the chaos session, at least two web tasks")
    assert "service(web).running is 1" in lines[1] and lines[1].endswith("it is judged afresh")


def test_solutions_and_hints_read_in_plain_words(tmp_path):
    s, _ = session("placement", "all-in-one-zone", tmp_path)
    solution = s.hint(s.exercise.ladder_size).text
    assert "(wait until web does not exist and web's status is not DRAINING)" in solution
    assert "service(web)" not in solution
    hint = session("keeping-count", "stop-a-task", tmp_path)[0].hint(2).text
    assert hint == "web has <the number of running tasks of web> running of <web's desired count> desired. " \
                   "This task is running: <a running web task id>", "before any state arrived"
