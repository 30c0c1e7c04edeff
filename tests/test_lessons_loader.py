"""The lesson loader: the shipped lessons load, and every malformed lesson gets a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tutor.lessons import LEVELS, SEED_SECTIONS, LessonError, load_lesson, load_lessons

REPO = Path(__file__).resolve().parent.parent

VALID = """\
format: 1
id: demo
title: Demo
level: Foundation
summary: A lesson made up for the tests.
minutes: 5
covers: [build-up-1]
sandbox:
  services:
    - {name: web, taskDefinition: "web:1", desiredCount: 2}
steps:
  - id: first
    title: First
    file: first.md
    try:
      - servicelab service ls
  - id: second
    title: Second
    file: second.md
    predict:
      question: Which one?
      options: [this, that]
      answer: 1
      explain: Because.
"""
STEP_FILES = {"first.md": "# First\n\nSome text.\n", "second.md": "# Second\n\nMore text.\n"}


def make_lesson(root: Path, text: str = VALID, folder: str = "01-demo", files: dict[str, str] | None = None) -> Path:
    """Write one lesson under root/lessons/ and return its folder."""
    path = root / "lessons" / folder
    path.mkdir(parents=True)
    (path / "lesson.yaml").write_text(text, encoding="utf-8")
    for name, body in (STEP_FILES if files is None else files).items():
        (path / name).write_text(body, encoding="utf-8")
    return path


def line_of(text: str, fragment: str | tuple[str, int]) -> int:
    """1-based line number of the line containing fragment (or its n-th such line)."""
    fragment, occurrence = fragment if isinstance(fragment, tuple) else (fragment, 1)
    hits = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return hits[occurrence - 1]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work from tmp_path so errors show paths as an author types them: lessons/01-demo/..."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


class TestShippedLessons:
    def test_all_load_in_folder_order(self):
        """The three first lessons load, ordered by folder name."""
        lessons = load_lessons()
        assert [lesson.id for lesson in lessons][:3] == ["services-and-tasks", "keeping-count", "tasks-are-containers"]
        assert [lesson.path.name for lesson in lessons] == sorted(lesson.path.name for lesson in lessons)

    def test_levels_and_covers_match_the_plan(self):
        """Each lesson teaches the seed sections it was planned for, at its level."""
        by_id = {lesson.id: lesson for lesson in load_lessons()}
        assert (by_id["services-and-tasks"].level, by_id["services-and-tasks"].covers) == ("Foundation", ["build-up-1", "build-up-2"])
        assert (by_id["keeping-count"].level, by_id["keeping-count"].covers) == ("Foundation", ["build-up-3", "myth-1"])
        assert (by_id["tasks-are-containers"].level, by_id["tasks-are-containers"].covers) == ("Intermediate", ["build-up-4", "myth-2"])

    def test_every_seed_section_is_covered_once_the_set_is_complete(self):
        covered = {section for lesson in load_lessons() for section in lesson.covers}
        assert covered == set(SEED_SECTIONS)
        assert 10 <= len(load_lessons()) <= 14

    def test_every_step_is_short_markdown_with_something_to_try(self):
        """3-7 steps per lesson; each step renders as CommonMark and, unless it is a quiz, points
        at a sandbox command."""
        md = MarkdownIt("commonmark")
        for lesson in load_lessons():
            assert 3 <= len(lesson.steps) <= 7, lesson.id
            for step in lesson.steps:
                assert step.try_commands or step.kind == "quiz", f"{lesson.id}/{step.id} has nothing to try"
                assert "<h1>" in md.render(step.markdown), f"{lesson.id}/{step.id} has no heading"
                assert len(step.markdown.split()) < 400, f"{lesson.id}/{step.id} is too long for one screen"

    def test_keeping_count_has_a_prediction_before_the_answer(self):
        """Lesson 2 asks the learner to commit before it shows what the service does."""
        lesson = next(lesson for lesson in load_lessons() if lesson.id == "keeping-count")
        index = next(i for i, step in enumerate(lesson.steps) if step.predict)
        step = lesson.steps[index]
        assert "commit to your answer" in step.markdown.lower()
        assert 0 <= step.predict.answer < len(step.predict.options)
        assert "servicelab service scale web 3" in lesson.steps[index - 1].try_commands
        assert any("task stop" in command for command in lesson.steps[index + 1].try_commands)

    def test_sandbox_setup_starts_web_with_two_tasks(self):
        """Every first-three lesson starts from a `web` service running web:1 twice."""
        for lesson in load_lessons()[:3]:
            [service] = lesson.sandbox.services
            assert (service.name, service.task_definition, service.desired_count) == ("web", "web:1", 2)

    def test_constants(self):
        assert LEVELS == ("Foundation", "Intermediate", "Advanced", "Expert")
        assert len(SEED_SECTIONS) == 25 and "connection-project-management" in SEED_SECTIONS

    def test_loader_does_not_import_textual(self):
        """The loader and progress stay usable without the UI toolkit."""
        code = "import sys, tutor.lessons, tutor.learner.progress, tutor.cli.progress; print('textual' in sys.modules)"
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == "False"


class TestValidLesson:
    def test_loads_every_field(self, here: Path):
        lesson = load_lesson(make_lesson(here))
        assert (lesson.id, lesson.title, lesson.level, lesson.minutes) == ("demo", "Demo", "Foundation", 5)
        assert lesson.covers == ["build-up-1"]
        assert lesson.steps[0].try_commands == ["servicelab service ls"]
        assert lesson.steps[0].markdown.startswith("# First")
        assert lesson.steps[1].predict.options == ["this", "that"] and lesson.steps[1].predict.answer == 1
        assert lesson.step_index("second") == 1

    def test_sandbox_may_be_left_out(self, here: Path):
        text = VALID.replace('sandbox:\n  services:\n    - {name: web, taskDefinition: "web:1", desiredCount: 2}\n', "")
        assert load_lesson(make_lesson(here, text)).sandbox.services == []

    def test_lesson_yaml_path_works_too(self, here: Path):
        assert load_lesson(make_lesson(here) / "lesson.yaml").id == "demo"


# (replace this, with this, the line holding this fragment, field, words the message must contain).
# A mapping missing a field is reported at its first line.
MALFORMED = {
    "invalid yaml": ("summary: A lesson made up for the tests.", "summary: A lesson: made up",
                     "summary:", None, ["not valid YAML", "mapping values are not allowed"]),
    "missing required field": ("summary: A lesson made up for the tests.\n", "",
                               "format: 1", "summary", ["missing required field 'summary'", "required here: format, id"]),
    "unknown field": ("level: Foundation", "level: Foundation\nlevle: Expert",
                      "levle:", "levle", ["unknown field 'levle'", "did you mean 'level'", "allowed: format, id"]),
    "wrong type": ("minutes: 5", "minutes: ten",
                   "minutes:", "minutes", ["field 'minutes' is 'ten'", "expected a whole number from 1 to 120"]),
    "wrong container type": ("covers: [build-up-1]", "covers: build-up-1",
                             "covers:", "covers", ["field 'covers' is 'build-up-1'", "expected a list"]),
    "unknown level": ("level: Foundation", "level: Beginner",
                      "level:", "level", ["field 'level' is 'Beginner'; allowed: Foundation, Intermediate, Advanced, Expert"]),
    "unknown covers id": ("covers: [build-up-1]", "covers: [build-up-1, build-up-9]",
                          "covers:", "covers[1]", ["field 'covers[1]' is 'build-up-9'", "allowed: build-up-1, build-up-2"]),
    "duplicate step id": ("  - id: second", "  - id: first",
                          ("  - id: first", 2), "steps[1].id", ["step id 'first' appears twice"]),
    "step file missing": ("file: second.md", "file: missing.md",
                          "file: missing.md", "steps[1].file", ["'missing.md'", "lessons/01-demo/missing.md does not exist"]),
    "step file outside the folder": ("file: second.md", "file: ../second.md",
                                     "file: ../second.md", "steps[1].file", ["allowed: the name of a .md file in lessons/01-demo"]),
    "bad predict answer index": ("answer: 1", "answer: 2",
                                 "answer:", "steps[1].predict.answer", ["field 'steps[1].predict.answer' is 2", "0 to 1"]),
    "predict answer not a number": ("answer: 1", "answer: true",
                                    "answer:", "steps[1].predict.answer", ["(true/false)", "an index into 'options', 0 to 1"]),
    "predict missing explain": ("      explain: Because.\n", "",
                                "question:", "steps[1].predict.explain", ["missing required field 'steps[1].predict.explain'"]),
    "too few options": ("options: [this, that]", "options: [this]",
                        "options:", "steps[1].predict.options", ["at least 2"]),
    "try not a sandbox command": ("- servicelab service ls", "- docker ps",
                                  "- docker ps", "steps[0].try[0]", ["'docker ps'", "allowed: commands starting with 'servicelab' or 'aws ecs'"]),
    "bad step id": ("  - id: first", "  - id: First Step",
                    "  - id: First Step", "steps[0].id", ["allowed: lowercase letters, digits and single '-'"]),
    "bad task definition": ('taskDefinition: "web:1"', 'taskDefinition: "web"',
                            "taskDefinition:", "sandbox.services[0].taskDefinition", ["allowed: FAMILY:REVISION"]),
    "desired count out of range": ("desiredCount: 2", "desiredCount: -1",
                                   "desiredCount:", "sandbox.services[0].desiredCount", ["is -1", "from 0 to 100"]),
    "newer format": ("format: 1", "format: 3",
                     "format:", "format", ["field 'format' is 3", "reads formats 1 and 2"]),
    "field given twice": ("title: Demo", "title: Demo\ntitle: Again",
                          "title: Again", "title", ["field 'title' appears twice"]),
    "empty text": ("title: Demo", "title: ''",
                   "title:", "title", ["field 'title' is empty"]),
    "no steps": (VALID[VALID.index("steps:"):], "steps: []\n",
                 "steps:", "steps", ["at least one step"]),
}


class TestMalformedLessons:
    @pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
    def test_error_names_file_line_and_field(self, here: Path, case: str):
        """Each mistake is reported as `lessons/01-demo/lesson.yaml:LINE: ...` naming the field."""
        old, new, fragment, field, words = MALFORMED[case]
        assert old in VALID, "the test case no longer matches VALID"
        text = VALID.replace(old, new, 1)
        folder = make_lesson(here, text)
        with pytest.raises(LessonError) as caught:
            load_lesson(folder)
        error = caught.value
        line = line_of(text, fragment)
        assert str(error).startswith(f"lessons/01-demo/lesson.yaml:{line}: "), str(error)
        assert (error.line, error.field) == (line, field)
        assert error.path == folder / "lesson.yaml"
        for word in words:
            assert word in str(error)
        assert isinstance(error, ValueError)

    def test_empty_step_markdown(self, here: Path):
        folder = make_lesson(here, files={**STEP_FILES, "second.md": "  \n\n"})
        with pytest.raises(LessonError) as caught:
            load_lesson(folder)
        assert str(caught.value) == (
            f"lessons/01-demo/lesson.yaml:{line_of(VALID, 'file: second.md')}: field 'steps[1].file' is "
            "'second.md', but lessons/01-demo/second.md is empty; a step needs Markdown text"
        )
        assert caught.value.field == "steps[1].file"

    def test_duplicate_lesson_id_across_lessons(self, here: Path):
        """Two folders claiming one id: the second is named, with the first it clashes with."""
        make_lesson(here, folder="01-demo")
        make_lesson(here, folder="02-copy")
        with pytest.raises(LessonError) as caught:
            load_lessons(here / "lessons")
        assert str(caught.value) == (
            f"lessons/02-copy/lesson.yaml:{line_of(VALID, 'id: demo')}: field 'id' is 'demo', "
            "already used by lessons/01-demo/lesson.yaml; lesson ids must be unique"
        )
        assert caught.value.field == "id"

    def test_empty_lesson_yaml(self, here: Path):
        with pytest.raises(LessonError, match=r"^lessons/01-demo/lesson.yaml:1: is empty; a lesson needs the fields format, id"):
            load_lesson(make_lesson(here, ""))

    def test_top_level_must_be_a_mapping(self, here: Path):
        with pytest.raises(LessonError, match=r"lesson.yaml:1: the file is a list; expected a mapping"):
            load_lesson(make_lesson(here, "- id: demo\n"))

    def test_missing_lesson_yaml(self, here: Path):
        (here / "lessons" / "01-empty").mkdir(parents=True)
        with pytest.raises(LessonError, match=r"^lessons/01-empty/lesson.yaml: missing"):
            load_lessons(here / "lessons")

    def test_outside_the_working_directory_the_full_path_is_shown(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.chdir(REPO)
        folder = make_lesson(tmp_path, VALID.replace("level: Foundation", "level: Beginner"))
        with pytest.raises(LessonError) as caught:
            load_lesson(folder)
        assert str(caught.value).startswith(f"{folder / 'lesson.yaml'}:{line_of(VALID, 'level:')}: field 'level'")

    def test_hidden_and_underscore_folders_are_skipped(self, here: Path):
        make_lesson(here)
        (here / "lessons" / "__pycache__").mkdir()
        (here / "lessons" / ".drafts").mkdir()
        assert [lesson.id for lesson in load_lessons(here / "lessons")] == ["demo"]
