"""The cheat sheet: complete, searchable, and every command in it one the sandbox accepts."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tutor.lessons import features
from tutor.lessons.cheatsheet import entries, search
from tutor.cli.cheatsheet import cheatsheet
from tutor.lessons.lint import command_problem
from tutor.lessons import load_lessons


def test_every_entry_has_both_sides_or_says_why_not():
    for entry in entries():
        assert entry.aws or entry.servicelab, entry.concept
        if entry.aws is None or entry.servicelab is None:
            assert entry.note, f"{entry.concept}: say why one side is missing"
        assert entry.aws is None or entry.aws.startswith(("aws ecs ", "aws logs ", "aws application-autoscaling "))


def test_every_servicelab_command_is_accepted_by_the_real_cli():
    for entry in entries():
        if entry.servicelab and not features.missing(list(entry.requires)):
            assert command_problem(entry.servicelab) is None, entry.servicelab


def test_every_lesson_it_names_exists_and_every_lesson_is_named():
    ids = {lesson.id for lesson in load_lessons()}
    named = {entry.lesson for entry in entries() if entry.lesson}
    assert named <= ids
    assert ids - named <= {"big-picture"}


def test_search_needs_every_word_and_ranks_concepts_first():
    assert len(search("")) == len(entries())
    found = [e.concept for e in search("desired count")]
    assert found[0] == "Desired count"
    assert all("zone" in e.text() and "placement" in e.text() for e in search("zone placement"))
    by_case = [e.concept for e in search("RUN-TASK")]
    assert by_case[0] == "Run-task is not scaling" and "One-off task" in by_case  # any case; concept hits first
    assert search("no such thing anywhere") == []


def test_cli_text_and_json():
    runner = CliRunner()
    result = runner.invoke(cheatsheet, ["stop", "task"])
    assert result.exit_code == 0
    assert "aws ecs     aws ecs stop-task --task ID" in result.stdout
    assert "servicelab  servicelab task stop ID" in result.stdout
    data = json.loads(runner.invoke(cheatsheet, ["--json", "crash"]).stdout)
    assert data[0]["concept"] == "Crash a task" and data[0]["aws"] is None and data[0]["available"] is True
    missing = runner.invoke(cheatsheet, ["zzz"])
    assert missing.exit_code == 1 and "nothing matches" in missing.stdout
