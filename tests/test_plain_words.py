"""What a learner reads instead of the check language: placeholders as live values or words,
waits as sentences, in the reset dialog, demo and mistake lists, try lists and solutions."""

from __future__ import annotations

import re

from tests.check_support import service, snapshot, task
from tutor.checks import expr, plain_words
from tutor.exercises import reset
from tutor.lessons import SandboxSetup, ScriptLine, ServiceSetup, Wait, load_lessons

LANGUAGE = re.compile(r"[{}]|\b(" + "|".join(expr.NAMES) + r")\(")


def line(text: str) -> ScriptLine:
    return ScriptLine(text, expr.parse_template(text))


def wait(text: str) -> ScriptLine:
    return ScriptLine(f"wait: {text}", [], Wait(expr.parse(text), 20))


def test_a_placeholder_is_the_live_value_or_words():
    kill = line("servicelab task kill {tasks(service=web, status=RUNNING).first}")
    assert plain_words.script_line(kill) == "servicelab task kill <a running web task id>"
    view = expr.View(snapshot([service("web", 2, 2)], [task("abcd1234")]))
    assert plain_words.script_line(kill, view) == "servicelab task kill abcd1234"
    empty = expr.View(snapshot([service("web", 0, 0)]))
    assert plain_words.script_line(kill, empty) == "servicelab task kill <a running web task id>"
    assert plain_words.commands(kill, empty) == ["servicelab task kill <a running web task id>"]


def test_a_list_repeats_the_command_for_running_and_reads_as_words_to_show():
    stop = line("servicelab task stop {tasks(oneoff=true, family=web, desired=RUNNING).ids}")
    assert plain_words.script_line(stop) == \
        "servicelab task stop <the ids of the one-off web tasks meant to keep running>"
    view = expr.View(snapshot([], [task("aa", service=None), task("bb", service=None, created=200)]))
    assert plain_words.commands(stop, view) == ["servicelab task stop aa", "servicelab task stop bb"]
    assert plain_words.commands(stop, expr.View(snapshot())) == [], "nothing to run it on"


def test_waits_read_as_sentences():
    assert plain_words.script_line(wait("service(web).running == 2")) == "wait until web runs 2 tasks"
    assert plain_words.script_line(wait('not service(web).exists and service(web).status != "DRAINING"')) == \
        "wait until web does not exist and web's status is not DRAINING"
    assert plain_words.script_line(wait("oneoff(family=web).running == 2")) == \
        "wait until there are 2 one-off web tasks running now"
    assert plain_words.sentence(expr.parse("task_stopped(service=web) >= 1")) == \
        "there is at least 1 web task seen stopping"


def test_the_reset_dialog_shows_setup_lines_in_words():
    setup = SandboxSetup([ServiceSetup("web", "web:1", 2)],
                         run=[line("servicelab service create api --count 2"), wait("service(web).running == 2")])
    lines = reset.describe([], setup)
    assert lines == ["run servicelab service create api --count 2", "wait until web runs 2 tasks"]


def test_no_shown_line_of_any_lesson_leaks_the_check_language():
    for lesson in load_lessons():
        for step in lesson.steps:
            scripts = list(step.myth.demo) if step.myth else []
            exercise = step.exercise
            if exercise is not None:
                scripts += list(exercise.mistake) + list(exercise.solution) + list((exercise.setup or lesson.sandbox).run)
            shown = [plain_words.script_line(l) for l in scripts] + [plain_words.command(c) for c in step.try_commands]
            for text in shown:
                assert not LANGUAGE.search(text), (lesson.id, step.id, text)
