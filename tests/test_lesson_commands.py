"""Every command a lesson offers runs in the command bar: its try commands, its scripts, and every
`servicelab …` or `aws ecs …` command written in its text.

The bar parses with the CLI's own grammar, so a command that parses here is one the CLI takes too.
"""

from __future__ import annotations

import re

import pytest

from tutor.commands import CommandError, parse
from tutor.lessons import load_lessons

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
"""A script's computed word, such as {tasks(service=web).first}."""
SAMPLE_ID = "abcd1234"
CODE_SPAN = re.compile(r"`((?:servicelab|aws ecs) [^`]+)`")
FENCE = re.compile(r"^```.*?$(.*?)^```", re.MULTILINE | re.DOTALL)
TEMPLATE = re.compile(r"…|\b(?!ID\b)[A-Z][A-Z0-9_]*(?::[A-Z]+)?\b")
"""Words that make a line a template to fill in (NAME, FAMILY:REV, N, …), not a command."""


def _script_lines(lesson, step) -> list:
    lines = list(getattr(step.myth, "demo", []) or []) if step.myth else []
    exercise = step.exercise
    if exercise is not None:
        setup = exercise.setup or lesson.sandbox
        lines += list(setup.run) + list(getattr(exercise, "mistake", []) or []) + list(exercise.solution)
    return [line.text for line in lines if line.wait is None]


def _written(markdown: str) -> list[str]:
    """Commands in code spans and in fenced blocks (a `# comment` after one is left out)."""
    found = CODE_SPAN.findall(markdown)
    for block in FENCE.findall(markdown):
        found += [line.split(" # ")[0].strip() for line in block.splitlines()
                  if line.strip().startswith(("servicelab ", "aws ecs "))]
    return [command for command in found if not TEMPLATE.search(command)]


def lesson_commands() -> list[tuple[str, str]]:
    commands: list[tuple[str, str]] = []
    for lesson in load_lessons():
        commands += [(f"{lesson.id} sandbox.run", line.text) for line in lesson.sandbox.run if line.wait is None]
        for step in lesson.steps:
            where = f"{lesson.id}/{step.id}"
            commands += [(f"{where} try", c) for c in step.try_commands]
            commands += [(f"{where} script", c) for c in _script_lines(lesson, step)]
            commands += [(f"{where} text", c) for c in _written(step.markdown)]
    return commands


COMMANDS = lesson_commands()


def test_the_lessons_offer_commands_of_both_forms() -> None:
    """The collection itself finds the lessons' commands, in the text as well as in try lists."""
    assert len(COMMANDS) > 50
    assert any(where.endswith("text") for where, _ in COMMANDS)
    assert any(command.startswith("aws ecs ") for _, command in COMMANDS)


@pytest.mark.parametrize("where, command", COMMANDS, ids=[f"{w}: {c}" for w, c in COMMANDS])
def test_every_lesson_command_parses_in_the_bar(where: str, command: str) -> None:
    try:
        parse(PLACEHOLDER.sub(SAMPLE_ID, command), placeholders={"ID": SAMPLE_ID})
    except CommandError as exc:
        pytest.fail(f"{where}: `{command}` is refused by the command bar: {exc}")


@pytest.mark.parametrize("command", [
    "servicelab service create web --count 4 --placement-strategy binpack:memory",
    "servicelab cheatsheet placement",
    "servicelab review --list",
])
def test_the_commands_the_bar_used_to_refuse(command: str) -> None:
    """Lesson commands the CLI always took and the bar refused before it used the CLI's grammar."""
    op = parse(command)
    assert parse(op.cli).request == op.request


def test_the_bar_says_where_a_terminal_command_runs(tmp_path) -> None:
    """`servicelab progress` in the bar is accepted and answered with where it runs, not an error;
    `servicelab review --list` opens the app's own review screen."""
    import asyncio

    from tests import app_support as s
    from tutor.ui.screens.review import ReviewScreen

    async def run() -> str:
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            await s.open_first_lesson(pilot)
            await pilot.press("colon")
            app.screen.bar.input.value = "servicelab progress"
            await pilot.press("enter")
            await pilot.pause()
            output = app.screen.bar.output_text
            app.screen.bar.input.value = "servicelab review --list"
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            assert app.link.actions == []
            return output

    output = asyncio.run(run())
    assert "servicelab progress runs in a terminal, not in the app; here, the home screen shows your progress" in output
    assert "No such command" not in output
