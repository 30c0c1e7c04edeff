"""Learner progress: the file round trip, atomic writes, corrupt files, and `servicelab progress`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor.lessons import load_lessons
from tutor.learner.progress import DONE, IN_PROGRESS, NOT_STARTED, Progress, progress_path
from tutor.cli.progress import progress

REPO = Path(__file__).resolve().parent.parent
SHIPPED = [lesson.id for lesson in load_lessons()]
KEEPING_COUNT_STEPS = len(next(lesson for lesson in load_lessons() if lesson.id == "keeping-count").steps)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private state home, so no test reads or writes the developer's own progress."""
    monkeypatch.setenv("SERVICELAB_HOME", str(tmp_path))
    return tmp_path


def fixed_clock() -> datetime:
    return datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


def some_progress() -> Progress:
    """A learner who finished lesson 1 and is on step 3 of lesson 2."""
    record = Progress.load(clock=fixed_clock)
    for index, step in enumerate(["a-standing-order", "one-task-one-copy"]):
        record.visit("services-and-tasks", index)
        record.complete_step("services-and-tasks", step)
    record.mark_done("services-and-tasks")
    record.visit("keeping-count", 2)
    record.complete_step("keeping-count", "desired-and-running")
    record.record_prediction("keeping-count", "predict-a-stop", 2, True)
    return record


def sandbox_files(home: Path) -> list[str]:
    return sorted(path.name for path in home.iterdir())


class TestProgressFile:
    def test_lives_in_the_state_home(self, home: Path):
        """SERVICELAB_HOME decides where progress.json is, like every other sandbox file."""
        assert progress_path() == home / "progress.json"
        assert Progress.load().path == home / "progress.json"

    def test_missing_file_is_a_fresh_start(self, home: Path):
        record = Progress.load()
        assert (record.lessons, record.last_lesson, record.set_aside, record.message) == ({}, None, None, None)
        assert record.lesson("keeping-count").status == NOT_STARTED
        assert sandbox_files(home) == [], "loading alone must not create files"

    def test_round_trip(self, home: Path):
        """Everything recorded comes back after save and load."""
        record = some_progress()
        record.save()
        again = Progress.load()
        assert again.to_dict() == record.to_dict()
        assert again.last_lesson == "keeping-count"
        lesson1, lesson2 = again.lesson("services-and-tasks"), again.lesson("keeping-count")
        assert (lesson1.status, lesson1.steps_done, lesson1.completed_at) == (
            DONE, ["a-standing-order", "one-task-one-copy"], "2026-03-01T12:00:00Z")
        assert (lesson2.status, lesson2.current_step, lesson2.started_at) == (IN_PROGRESS, 2, "2026-03-01T12:00:00Z")
        assert lesson2.predictions["predict-a-stop"].chosen == 2 and lesson2.predictions["predict-a-stop"].correct

    def test_file_is_plain_json(self, home: Path):
        some_progress().save()
        data = json.loads((home / "progress.json").read_text())
        assert data["version"] == 1 and data["last_lesson"] == "keeping-count"
        assert data["lessons"]["keeping-count"]["predictions"]["predict-a-stop"] == {
            "chosen": 2, "correct": True, "at": "2026-03-01T12:00:00Z"}

    def test_first_prediction_counts(self, home: Path):
        """A second answer comes after the explanation was shown, so it does not replace the first."""
        record = Progress.load()
        record.record_prediction("keeping-count", "predict-a-stop", 0, False)
        record.record_prediction("keeping-count", "predict-a-stop", 2, True)
        assert record.lesson("keeping-count").predictions["predict-a-stop"].chosen == 0

    def test_revisiting_a_done_lesson_keeps_it_done(self, home: Path):
        record = Progress.load()
        record.mark_done("keeping-count")
        record.visit("keeping-count", 0)
        assert record.lesson("keeping-count").status == DONE
        assert record.last_lesson == "keeping-count"

    def test_complete_step_is_idempotent(self, home: Path):
        record = Progress.load()
        record.complete_step("keeping-count", "scale-up")
        record.complete_step("keeping-count", "scale-up")
        assert record.lesson("keeping-count").steps_done == ["scale-up"]

    def test_bad_arguments_are_refused(self, home: Path):
        record = Progress.load()
        with pytest.raises(ValueError, match="step index"):
            record.visit("keeping-count", -1)
        with pytest.raises(ValueError, match="lesson id"):
            record.visit("", 0)

    def test_reset_one_lesson(self, home: Path):
        record = some_progress()
        assert record.reset("keeping-count") == ["keeping-count"]
        assert list(record.lessons) == ["services-and-tasks"]
        assert record.last_lesson is None, "continue-where-I-left-off must not point at a cleared lesson"
        assert record.reset("keeping-count") == []

    def test_reset_everything(self, home: Path):
        record = some_progress()
        assert sorted(record.reset()) == ["keeping-count", "services-and-tasks"]
        assert (record.lessons, record.last_lesson) == ({}, None)


class TestAtomicWrite:
    def test_a_failed_save_leaves_the_old_file_whole(self, home: Path, monkeypatch: pytest.MonkeyPatch):
        """If the final rename never happens, the previous progress is untouched and no temp file is left."""
        first = some_progress()
        first.save()
        before = (home / "progress.json").read_bytes()

        def crash(*args, **kwargs):
            raise OSError("disk full")

        first.reset()
        with monkeypatch.context() as patch, pytest.raises(OSError, match="disk full"):
            patch.setattr(os, "replace", crash)
            first.save()
        assert (home / "progress.json").read_bytes() == before
        assert sandbox_files(home) == ["progress.json"]

    def test_save_replaces_in_one_step(self, home: Path, monkeypatch: pytest.MonkeyPatch):
        """The new content is fully written to a sibling temp file, then renamed over progress.json."""
        renames = []
        real_replace = os.replace

        def spy(src, dst):
            renames.append((Path(src).name, Path(dst).name, json.loads(Path(src).read_text())["version"]))
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", spy)
        some_progress().save()
        [(src, dst, version)] = renames
        assert src.startswith(".progress.json.") and dst == "progress.json" and version == 1


class TestCorruptFile:
    @pytest.mark.parametrize(
        "content, problem",
        [
            (b'{"version": 1, "lessons": {', "not valid JSON"),
            (b"\xff\xfe garbage", "not UTF-8 text"),
            (b"[1, 2, 3]", "the top level is not a JSON object"),
            (b'{"version": 99, "lessons": {}}', "file version 99"),
            (b'{"version": 1, "lessons": {"x": {"status": "halfway"}}}', "lesson 'x': status 'halfway'"),
        ],
        ids=["bad json", "not utf-8", "not an object", "newer version", "bad status"],
    )
    def test_is_set_aside_and_reported(self, home: Path, content: bytes, problem: str):
        """An unreadable file is renamed (never deleted), and the loader says where it went."""
        (home / "progress.json").write_bytes(content)
        record = Progress.load()
        assert record.lessons == {}
        assert record.set_aside is not None and record.set_aside.parent == home
        assert record.set_aside.name.startswith("progress.json.corrupt-")
        assert record.set_aside.read_bytes() == content
        assert not (home / "progress.json").exists()
        assert problem in record.message
        assert str(record.set_aside) in record.message and "\n" not in record.message

    def test_fresh_progress_after_a_corrupt_file_keeps_the_old_one(self, home: Path):
        (home / "progress.json").write_text("{oops")
        record = Progress.load()
        record.visit("keeping-count", 0)
        record.save()
        assert Progress.load().last_lesson == "keeping-count"
        assert record.set_aside.read_text() == "{oops"


def invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(progress, list(args), input=input)


class TestProgressCli:
    def test_shows_every_lesson_not_started(self, home: Path):
        result = invoke()
        assert result.exit_code == 0, result.output
        for lesson_id in SHIPPED:
            assert lesson_id in result.stdout
        assert SHIPPED[:3] == ["services-and-tasks", "keeping-count", "tasks-are-containers"]
        assert result.stdout.count("not started") == len(SHIPPED)
        assert "first lesson is services-and-tasks" in result.stdout
        assert str(home / "progress.json") in result.stdout

    def test_shows_status_and_current_step(self, home: Path):
        some_progress().save()
        result = invoke()
        assert result.exit_code == 0, result.output
        lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
        assert "done" in lines["services-and-tasks"]
        assert "in progress" in lines["keeping-count"] and f"3/{KEEPING_COUNT_STEPS} What will the service do?" in lines["keeping-count"]
        assert "not started" in lines["tasks-are-containers"]
        assert "Continue with keeping-count, step 3: What will the service do?" in result.stdout

    def test_json(self, home: Path):
        some_progress().save()
        result = invoke("--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert [row["id"] for row in data["lessons"]] == SHIPPED
        row = data["lessons"][1]
        assert (row["status"], row["current_step"], row["current_step_id"], row["steps_total"]) == (
            "in progress", 2, "predict-a-stop", KEEPING_COUNT_STEPS)
        assert row["predictions"]["predict-a-stop"]["correct"] is True
        assert data["lessons"][2]["current_step"] is None
        assert (data["last_lesson"], data["set_aside"]) == ("keeping-count", None)

    def test_reset_one_lesson_with_yes(self, home: Path):
        some_progress().save()
        result = invoke("reset", "keeping-count", "--yes")
        assert result.exit_code == 0, result.output
        assert "Cleared progress for keeping-count." in result.stdout
        assert list(Progress.load().lessons) == ["services-and-tasks"]

    def test_reset_asks_and_names_what_it_clears(self, home: Path):
        some_progress().save()
        result = invoke("reset", input="n\n")
        assert result.exit_code == 1
        assert "Clear progress for services-and-tasks (done, 2 step(s) done); keeping-count (in progress" in result.stdout
        assert len(Progress.load().lessons) == 2, "answering no must clear nothing"
        result = invoke("reset", input="y\n")
        assert result.exit_code == 0, result.output
        assert "Cleared progress for services-and-tasks, keeping-count." in result.stdout
        assert Progress.load().lessons == {}

    def test_reset_with_nothing_recorded(self, home: Path):
        result = invoke("reset", "keeping-count")
        assert result.exit_code == 0
        assert "Nothing to clear" in result.stdout

    def test_unknown_lesson_is_a_one_line_usage_error(self, home: Path):
        some_progress().save()
        result = invoke("reset", "no-such-lesson", "--yes")
        assert result.exit_code == 2
        assert result.stderr == f"servicelab: error: unknown lesson 'no-such-lesson'; allowed: {', '.join(SHIPPED)}\n"
        assert len(Progress.load().lessons) == 2

    def test_corrupt_file_warns_once_on_stderr(self, home: Path):
        (home / "progress.json").write_text("not json")
        result = invoke("--json")
        assert result.exit_code == 0
        [warning] = result.stderr.splitlines()
        aside = next(home.glob("progress.json.corrupt-*"))
        assert warning.startswith("servicelab: warning: ") and str(aside) in warning
        assert json.loads(result.stdout)["set_aside"] == str(aside)


class TestProgressCliProcess:
    """The same commands in a real process, as the installed `servicelab progress` runs them."""

    def run(self, home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "SERVICELAB_HOME": str(home), "PYTHONPATH": str(REPO)}
        return subprocess.run(
            [sys.executable, "-c", "from tutor.cli.progress import progress; progress()", *args],
            cwd=REPO, env=env, input=input, capture_output=True, text=True, timeout=60,
        )

    def test_show_reset_and_errors(self, tmp_path: Path):
        home = tmp_path / "state"
        empty = self.run(home, "--json")
        assert empty.returncode == 0, empty.stderr
        assert [row["status"] for row in json.loads(empty.stdout)["lessons"]] == ["not started"] * len(SHIPPED)

        record = Progress.load(home / "progress.json")
        record.visit("tasks-are-containers", 1)
        record.save()
        shown = self.run(home)
        assert shown.returncode == 0, shown.stderr
        assert "Continue with tasks-are-containers, step 2: Look inside a task" in shown.stdout

        unknown = self.run(home, "reset", "nope")
        assert unknown.returncode == 2
        assert unknown.stderr.count("\n") == 1 and "allowed: services-and-tasks" in unknown.stderr

        declined = self.run(home, "reset", "tasks-are-containers", input="n\n")
        assert declined.returncode == 1 and "Clear progress for tasks-are-containers" in declined.stdout
        cleared = self.run(home, "reset", "tasks-are-containers", "--yes")
        assert cleared.returncode == 0 and "Cleared progress for tasks-are-containers." in cleared.stdout
        assert Progress.load(home / "progress.json").lessons == {}

    def test_corrupt_file_warning(self, tmp_path: Path):
        (tmp_path / "progress.json").write_text("{broken")
        result = self.run(tmp_path)
        assert result.returncode == 0, result.stderr
        [warning] = result.stderr.splitlines()
        assert "set aside as" in warning and str(tmp_path / "progress.json.corrupt-") in warning
        assert len(list(tmp_path.glob("progress.json.corrupt-*"))) == 1


class TestQuizAndExercises:
    """Format 2's modes in the progress file: quiz answers, hint ladders, passes, resets."""

    def test_first_quiz_answer_counts_toward_the_score(self, home: Path):
        record = Progress.load(clock=fixed_clock)
        record.record_quiz_answer("reconcile-loop", "order-the-loop", "loop-order", [1, 0, 2, 3], False)
        record.record_quiz_answer("reconcile-loop", "order-the-loop", "loop-order", [0, 1, 2, 3], True)
        record.record_quiz_answer("reconcile-loop", "order-the-loop", "who-starts-containers", 1, True)
        assert record.lesson("reconcile-loop").quiz_score() == (1, 2)
        assert record.lesson("reconcile-loop").quiz["order-the-loop"]["loop-order"].chosen == [1, 0, 2, 3]

    def test_hints_used_and_passes_are_recorded(self, home: Path):
        record = Progress.load(clock=fixed_clock)
        record.record_hint("keeping-count", "scale-up", 1)
        record.record_hint("keeping-count", "scale-up", 3, solution=True)
        record.record_hint("keeping-count", "scale-up", 2)
        record.record_reset("keeping-count", "scale-up")
        record.record_exercise_passed("keeping-count", "scale-up")
        exercise = record.lesson("keeping-count").exercises["scale-up"]
        assert (exercise.hints_used, exercise.solution_shown, exercise.resets) == (3, True, 1)
        assert exercise.passed_at == "2026-03-01T12:00:00Z"
        with pytest.raises(ValueError):
            record.record_hint("keeping-count", "scale-up", 0)

    def test_round_trip(self, home: Path):
        record = Progress.load(clock=fixed_clock)
        record.record_quiz_answer("big-picture", "check-yourself", "lifecycle", 2, True)
        record.record_hint("big-picture", "from-scratch", 2)
        record.save()
        again = Progress.load()
        assert again.to_dict() == record.to_dict()
        data = json.loads((home / "progress.json").read_text())
        assert data["lessons"]["big-picture"]["exercises"]["from-scratch"] == {
            "hints_used": 2, "solution_shown": False, "passed_at": None, "resets": 0}

    def test_a_file_from_before_format_2_still_loads(self, home: Path):
        (home / "progress.json").write_text(json.dumps({"version": 1, "last_lesson": "keeping-count", "lessons": {
            "keeping-count": {"status": "in progress", "current_step": 1, "steps_done": ["desired-and-running"],
                              "predictions": {}}}}))
        record = Progress.load()
        assert record.set_aside is None
        assert record.lesson("keeping-count").quiz == {} and record.lesson("keeping-count").exercises == {}

    def test_a_bad_exercise_record_sets_the_file_aside(self, home: Path):
        (home / "progress.json").write_text(json.dumps({"version": 1, "lessons": {
            "keeping-count": {"status": "in progress", "exercises": {"scale-up": {"hints_used": "lots"}}}}}))
        record = Progress.load()
        assert record.set_aside is not None and "exercise record for step 'scale-up'" in record.message
