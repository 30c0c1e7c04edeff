"""`servicelab lessons check`, `new` and `preview`, and lesson format 2: passes on the shipped
lessons, fails with clear messages on broken copies of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor.lessons import lint as lesson_lint
from tutor.lessons import LessonError, default_root, load_lesson, load_lessons
from tutor.cli.lessons import lessons_group

REPO = Path(__file__).resolve().parent.parent


def invoke(*args: str):
    return CliRunner().invoke(lessons_group, list(args))


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped lessons, copied to tmp_path/lessons so a test can break them."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "lessons"
    shutil.copytree(default_root(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py", "README.md"))
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if fragment in line)


class TestShipped:
    def test_check_passes(self):
        result = invoke("check")
        assert result.exit_code == 0, result.output + result.stderr
        assert "13 lessons" in result.stdout and "all good" in result.stdout

    def test_check_runs_as_the_real_command(self):
        done = subprocess.run([sys.executable, "-c", "from tutor.cli import main; main()", "lessons", "check"],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    def test_at_least_twelve_exercises_every_mode_and_every_section(self):
        lessons = load_lessons()
        kinds = {step.kind for lesson in lessons for step in lesson.steps}
        assert {"read", "predict", "myth", "quiz", "exercise", "pitfall"} <= kinds
        assert lesson_lint.check(default_root()).exercises >= 12
        assert all(lesson.takeaways for lesson in lessons)

    def test_every_quiz_option_is_explained(self):
        for lesson in load_lessons():
            for step in lesson.steps:
                for question in step.quiz:
                    assert all(option.explain for option in question.options), f"{lesson.id}/{question.id}"

    def test_exercises_that_need_a_feature_say_so(self):
        by_step = {(l.id, s.id): s for l in load_lessons() for s in l.steps}
        assert "placement" in by_step[("placement", "all-in-one-zone")].exercise.requires
        assert set(by_step[("right-sizing", "oversized")].exercise.requires) == {"placement", "deployments"}
        assert "deployments" in by_step[("deployments", "roll-web")].exercise.requires


class TestBroken:
    def test_an_uncovered_section(self, copy: Path):
        edit(copy / "13-big-picture" / "lesson.yaml", "covers: [takeaways]", "covers: []")
        result = invoke("check", "--root", str(copy))
        assert result.exit_code == 1
        assert "seed sections no lesson covers: takeaways" in result.stderr

    def test_an_empty_hint_points_at_its_line(self, copy: Path):
        path = copy / "02-keeping-count" / "lesson.yaml"
        edit(path, "        - You never start tasks by hand here. Change the one number the service keeps for you.",
             "        - ''")
        result = invoke("check", "--root", str(copy))
        assert result.exit_code == 1
        line = line_of(path, "        - ''")
        assert f"lessons/02-keeping-count/lesson.yaml:{line}: field 'steps[1].exercise.hints[0]' is empty" in result.stderr

    def test_no_reference_solution(self, copy: Path):
        path = copy / "01-services-and-tasks" / "lesson.yaml"
        edit(path, "      solution:\n        - servicelab service create api --task-def web:2 --count 1\n", "")
        result = invoke("check", "--root", str(copy))
        assert result.exit_code == 1
        assert "missing required field 'steps[4].exercise.solution'" in result.stderr

    def test_a_hint_ladder_without_a_computed_hint(self, copy: Path):
        path = copy / "01-services-and-tasks" / "lesson.yaml"
        edit(path, "\"api {service(api).status}: it runs '{service(api).taskdef}' with {service(api).running} of "
                   "{service(api).desired} running. You want web:2, one task.\"", "Create it from web:2.")
        result = invoke("check", "--root", str(copy))
        assert "step 'your-own-order': exercise: no hint is computed from the sandbox's state" in result.stderr

    def test_an_unknown_task_definition(self, copy: Path):
        edit(copy / "01-services-and-tasks" / "lesson.yaml",
             "        - servicelab service create api --task-def web:2 --count 1",
             "        - servicelab service create api --task-def web:7 --count 1")
        result = invoke("check", "--root", str(copy))
        assert "task definition 'web:7' does not exist; web has revision(s) [1, 2]" in result.stderr

    def test_a_shipped_task_definition_counts(self, copy: Path):
        """right-sizing ships api:1 and api:2; a third revision does not exist."""
        edit(copy / "08-right-sizing" / "lesson.yaml", "servicelab service update api --task-def api:2\n      timeout",
             "servicelab service update api --task-def api:3\n      timeout")
        result = invoke("check", "--root", str(copy))
        assert "task definition 'api:3' does not exist; api has revision(s) [1, 2]" in result.stderr
        assert result.stderr.count("does not exist") == 1

    def test_a_link_to_nothing(self, copy: Path):
        step = copy / "02-keeping-count" / "01-desired-and-running.md"
        step.write_text(step.read_text() + "\nSee [the loop](lesson:reconcile-loop/no-such-step) and [x](lesson:nope).\n")
        result = invoke("check", "--root", str(copy))
        assert "links to lesson:reconcile-loop/no-such-step, but lesson 'reconcile-loop' has no step 'no-such-step'" in result.stderr
        assert "links to lesson:nope, but no lesson has id 'nope'" in result.stderr

    def test_a_command_the_cli_refuses(self, copy: Path):
        edit(copy / "02-keeping-count" / "lesson.yaml", "      - servicelab service describe web\n",
             "      - servicelab service descibe web\n")
        result = invoke("check", "--root", str(copy))
        assert "`servicelab service descibe web`: No such command 'descibe'" in result.stderr

    def test_a_check_typo_points_at_its_line(self, copy: Path):
        path = copy / "02-keeping-count" / "lesson.yaml"
        edit(path, "- expect: service(web).desired == 3", "- expect: service(web).desird == 3")
        result = invoke("check", "--root", str(copy))
        line = line_of(path, "service(web).desird")
        assert (f"lessons/02-keeping-count/lesson.yaml:{line}: check 'steps[1].exercise.checks[0]': "
                "'expect': service() has no attribute 'desird' (did you mean 'desired'?)") in result.stderr

    def test_duplicate_lesson_ids(self, copy: Path):
        edit(copy / "12-connections" / "lesson.yaml", "id: connections", "id: placement")
        result = invoke("check", "--root", str(copy))
        assert "lesson id 'placement' is already used by lessons/06-placement/lesson.yaml" in result.stderr

    def test_every_problem_is_reported_not_just_the_first(self, copy: Path):
        edit(copy / "13-big-picture" / "lesson.yaml", "covers: [takeaways]", "covers: []")
        edit(copy / "02-keeping-count" / "lesson.yaml", "      - servicelab service describe web\n",
             "      - servicelab service descibe web\n")
        result = invoke("check", "--root", str(copy))
        assert "2 problem(s)" in result.stderr


class TestFormat2:
    def test_format_1_cannot_use_the_new_modes(self, copy: Path):
        path = copy / "02-keeping-count" / "lesson.yaml"
        edit(path, "format: 2", "format: 1")
        with pytest.raises(LessonError) as caught:
            load_lesson(path.parent)
        assert str(caught.value).startswith("lessons/02-keeping-count/lesson.yaml:")
        assert "field 'takeaways' needs format 2; this lesson says 'format: 1'" in str(caught.value)
        text = path.read_text()
        path.write_text(text[:text.index("takeaways:")])
        with pytest.raises(LessonError) as caught:
            load_lesson(path.parent)
        assert "field 'steps[1].exercise' needs format 2; this lesson says 'format: 1'" in str(caught.value)

    def test_a_step_in_two_modes(self, copy: Path):
        path = copy / "02-keeping-count" / "lesson.yaml"
        edit(path, "    predict:\n      question: You stop one", "    quiz: []\n    predict:\n      question: You stop one")
        with pytest.raises(LessonError, match="has both 'predict' and 'quiz'; a step is in one mode"):
            load_lesson(path.parent)

    def test_a_choice_question_needs_exactly_one_correct(self, copy: Path):
        path = copy / "01-services-and-tasks" / "lesson.yaml"
        edit(path, "          - text: One bus out on the route.\n            correct: true",
             "          - text: One bus out on the route.")
        with pytest.raises(LessonError, match=r"marks 0 options 'correct: true'; mark exactly one"):
            load_lesson(path.parent)

    def test_an_option_without_an_explanation(self, copy: Path):
        path = copy / "01-services-and-tasks" / "lesson.yaml"
        edit(path, "            explain: The timetable is the desired count, part of the order, not a worker.\n", "")
        with pytest.raises(LessonError, match=r"missing required field 'steps\[5\].quiz\[1\].choices\[2\].explain'"):
            load_lesson(path.parent)

    def test_myths_read_as_predictions(self):
        lesson = next(l for l in load_lessons() if l.id == "keeping-count")
        step = lesson.steps[lesson.step_index("not-a-one-shot")]
        predict = step.myth.as_predict()
        assert predict.options == ["True", "False"] and predict.answer == 1
        assert step.myth.demo[0].text == "servicelab task run batch:1"

    def test_questions_grade_answers(self):
        lesson = next(l for l in load_lessons() if l.id == "reconcile-loop")
        order, choice = lesson.steps[lesson.step_index("order-the-loop")].quiz
        assert order.grade([0, 1, 2, 3]) and not order.grade([1, 0, 2, 3]) and not order.grade(1)
        assert choice.grade(1) and not choice.grade(0)
        assert choice.correct_text() == "The agent on that machine (or Fargate's hidden equivalent)."

    def test_shipped_task_definitions(self):
        lesson = next(l for l in load_lessons() if l.id == "right-sizing")
        assert (lesson.task_definitions, lesson.shipped_refs) == (["api.yaml"], ["api:1", "api:2"])


class TestNewAndPreview:
    def test_new_scaffolds_a_lesson_that_checks(self, copy: Path):
        result = invoke("new", "my-topic", "--root", str(copy))
        assert result.exit_code == 0, result.output
        folder = copy / "14-my-topic"
        assert sorted(p.name for p in folder.iterdir()) == ["01-the-idea.md", "02-try-it.md", "lesson.yaml"]
        lesson = load_lesson(folder)
        assert lesson.format == 2 and lesson.steps[1].exercise.hints[1].computed
        assert invoke("check", "--root", str(copy)).exit_code == 0

    def test_new_refuses_bad_and_taken_ids(self, copy: Path):
        assert invoke("new", "Bad Id", "--root", str(copy)).exit_code == 2
        result = invoke("new", "placement", "--root", str(copy))
        assert result.exit_code == 2 and "already exists" in result.stderr

    def test_preview_prints_the_step_list(self):
        result = invoke("preview", "keeping-count")
        assert result.exit_code == 0, result.output
        assert "Keeping count  [keeping-count, Foundation" in result.stdout
        assert "4. Stop a task and watch  (exercise" in result.stdout
        assert "check: within 10 s of a web task stopping, web is back to its desired count" in result.stdout

    def test_preview_shows_a_broken_lesson_as_its_error(self, copy: Path):
        edit(copy / "02-keeping-count" / "lesson.yaml", "level: Foundation", "level: Beginner")
        result = invoke("preview", "02-keeping-count", "--root", str(copy))
        assert result.exit_code == 1
        assert result.stdout.startswith("error: lessons/02-keeping-count/lesson.yaml:")

    def test_preview_exits_1_on_a_lesson_that_loads_but_fails_its_checks(self, copy: Path):
        edit(copy / "02-keeping-count" / "lesson.yaml", "- servicelab service describe web",
             "- servicelab service frobnicate web")
        result = invoke("preview", "02-keeping-count", "--root", str(copy))
        assert result.exit_code == 1, result.output
        assert "Keeping count  [keeping-count" in result.stdout and "\nerror: lessons/02-keeping-count" in result.stdout

    def test_a_missing_root_is_one_line(self, tmp_path: Path):
        for command in ("preview", "check"):
            result = invoke(command, *(["keeping-count"] if command == "preview" else []), "--root", str(tmp_path / "x"))
            assert result.exit_code == 2 and "Traceback" not in result.output
            assert "does not exist" in result.stderr

    def test_watch_reprints_on_change(self, copy: Path):
        """`preview --watch` notices an edit within a second and prints the lesson again."""
        process = subprocess.Popen(
            [sys.executable, "-c", "from tutor.cli import main; main()", "lessons", "preview", "keeping-count",
             "--root", str(copy), "--watch", "--interval", "0.2"],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            import time

            time.sleep(1.5)
            edit(copy / "02-keeping-count" / "lesson.yaml", "title: Keeping count", "title: Keeping score")
            time.sleep(1.5)
        finally:
            process.terminate()
            out, _ = process.communicate(timeout=10)
        assert "changed; reloaded" in out and "Keeping score  [keeping-count" in out


def test_readme_documents_every_stable_name():
    from tutor.checks import expr

    readme = (REPO / "lessons" / "README.md").read_text()
    for name, spec in expr.NAMES.items():
        assert f"`{name}(" in readme, name
        for attribute in spec.attrs:
            assert f"`.{attribute}`" in readme, f"{name}.{attribute}"
