"""Snapshots of the quiz and exercise views at a fixed size, each paired with a behavioural assert.

The lesson is the fixture tests/fixtures/modes, the sandbox a frozen one on a frozen clock.
Accept new baselines with `--snapshot-update`, only after looking at them (rsvg-convert
turns the SVG into a PNG).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import app_support as s
from tests.test_app_modes import MODES, open_step, two_web

TERMINAL = (150, 45)
SMALL = (80, 24)
"""A small terminal: the lesson has the whole width, the live panel is one z away."""


def no_cursor_blink(pilot) -> None:
    from textual.widgets import Input

    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


@pytest.fixture(autouse=True)
def utc(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SERVICELAB_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield from s.pin_utc(monkeypatch)


def test_quiz(snap_compare, tmp_path: Path) -> None:
    """One question answered wrong, every option explained; the ordering question waits, shuffled."""
    app = s.frozen_app(two_web(), tmp_path=tmp_path, lessons_root=MODES)
    seen = {}

    async def run_before(pilot) -> None:
        from tutor.ui.widgets.quiz_view import QuizView

        await open_step(pilot, "quiz")
        first, second = pilot.app.screen.query_one(QuizView).questions
        first.choices.focus()
        await pilot.press("down", "down", "down", "enter")  # C: wrong
        await s.wait_until(pilot, lambda: pilot.app.screen.focused is second.choices,
                           what="the keyboard on the next question")
        no_cursor_blink(pilot)
        seen["order"] = list(second.choices.order)
        seen["answer"] = pilot.app.progress.lesson("modes").quiz["quiz"]["who-keeps-count"]

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
    assert (seen["answer"].chosen, seen["answer"].correct) == (2, False)
    assert seen["order"] != [0, 1, 2]


def test_exercise(snap_compare, tmp_path: Path) -> None:
    """Half way: one check passes, one says why not; the second rung of the hint reads the sandbox."""
    app = s.frozen_app(two_web(), tmp_path=tmp_path, lessons_root=MODES)
    seen = {}

    async def run_before(pilot) -> None:
        from tutor.ui.widgets.exercise_panel import ExercisePanel

        await open_step(pilot, "scale-up")
        pilot.app.link.push(two_web(desired=3, running=2, pending=1, version=8))
        panel = pilot.app.screen.query_one(ExercisePanel)
        await s.wait_until(pilot, lambda: [r.status for r in panel.results] == ["pass", "fail"],
                           what="the checklist half way")
        await pilot.press("h", "h")
        await s.wait_until(pilot, lambda: getattr(pilot.app.screen.focused, "id", None) == "step-scroll",
                           what="the keyboard on the step's text, never on Next")
        no_cursor_blink(pilot)
        seen["text"] = panel.text
        seen["passed"] = panel.passed

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
    assert not seen["passed"]
    assert "three web tasks are RUNNING: service(web).running is 2, needs == 3" in seen["text"]
    assert "Hint 2 of 3 (from the sandbox now): web wants 3 and has 2 running." in seen["text"]


def test_quiz_small(snap_compare, tmp_path: Path) -> None:
    """At 80x24, once the first question is answered, the second with its items is in sight, under the
    first's explanations; the step's bar is one line, its counter clear of the buttons."""
    app = s.frozen_app(two_web(), tmp_path=tmp_path, lessons_root=MODES)
    seen = {}

    async def run_before(pilot) -> None:
        from tutor.ui.widgets.quiz_view import QuizView

        await open_step(pilot, "quiz")
        await pilot.press("tab", "down", "down", "enter")  # from the text to question 1; B: right
        first, second = pilot.app.screen.query_one(QuizView).questions
        await s.wait_until(pilot, lambda: pilot.app.screen.focused is second.choices,
                           what="the keyboard on the next question")
        await pilot.pause()
        no_cursor_blink(pilot)
        region = pilot.app.screen.find_widget(second.choices).region
        seen["second"] = region.y >= 0 and region.bottom <= SMALL[1]
        seen["answer"] = pilot.app.progress.lesson("modes").quiz["quiz"]["who-keeps-count"]

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
    assert seen["second"], "question 2's items are on the screen"
    assert (seen["answer"].chosen, seen["answer"].correct) == (1, True)


def test_exercise_small(snap_compare, tmp_path: Path) -> None:
    """At 80x24 the exercise's text keeps the larger share: the checklist below it is capped and scrolls."""
    app = s.frozen_app(two_web(), tmp_path=tmp_path, lessons_root=MODES)
    seen = {}

    async def run_before(pilot) -> None:
        from tutor.ui.widgets.exercise_panel import ExercisePanel

        await open_step(pilot, "scale-up")
        panel = pilot.app.screen.query_one(ExercisePanel)
        await s.wait_until(pilot, lambda: [r.status for r in panel.results] == ["fail", "fail"],
                           what="the checklist")
        await pilot.pause()
        no_cursor_blink(pilot)
        seen["text"] = pilot.app.screen.query_one("#step-scroll").size.height
        seen["panel"] = panel.outer_size.height

    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)
    assert seen["text"] > seen["panel"]
