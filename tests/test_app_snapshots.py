"""Snapshots of home, lesson and help at a fixed size, each paired with a behavioural assert.

The lesson's live panel is fed frozen snapshots and a frozen clock, so task ids, times, stats
and the chart are the same on every run. Accept new baselines with `--snapshot-update`, only
after looking at the HTML report.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import app_support as s

TERMINAL = (150, 45)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    yield from s.pin_utc(monkeypatch)


def no_cursor_blink(pilot) -> None:
    from textual.widgets import Input

    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def play_history(pilot, clock: s.Clock) -> None:
    """A minute and a half of web's life: scaled 2 → 3, then a task stopped and replaced."""
    steps = [(-60, 3, 2), (-56, 3, 3), (-31, 3, 2), (-29, 3, 3)]
    for offset, desired, running in steps:
        clock.now = s.FROZEN_NOW + offset
        pilot.app.link.push(s.snapshot([s.service(desired=desired, running=running)], version=100 + offset))
        await pilot.pause()
    clock.now = s.FROZEN_NOW
    pilot.app.link.push(s.snapshot(version=200))
    await pilot.pause()


def test_home(snap_compare, tmp_path: Path) -> None:
    """Lessons by level with their status; one in progress offers to continue."""
    from tutor.learner.progress import Progress

    progress = Progress.load(tmp_path / "progress.json")
    progress.visit("keeping-count", 0)
    progress.mark_done("first-steps")
    app = s.frozen_app(tmp_path=tmp_path, progress=progress)
    seen = {}

    async def run_before(pilot) -> None:
        await pilot.pause()
        no_cursor_blink(pilot)
        seen["continue"] = str(pilot.app.screen.query_one("#continue").label)
        seen["shown"] = [l.id for l in pilot.app.screen.query_one("#lesson-list").shown_lessons]

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
    assert seen["continue"] == "Continue: Keeping count, step 1 of 1 (c)"
    assert seen["shown"] == ["first-steps", "keeping-count", "health-checks"]


def test_lesson(snap_compare, tmp_path: Path) -> None:
    """A lesson beside a frozen live panel: header, tasks with stats, chart, why and events."""
    clock = s.Clock(s.FROZEN_NOW - 100)
    start = s.snapshot([s.service(desired=2, running=2)], [s.task(1), s.task(2)], version=1)
    app = s.frozen_app(start, tmp_path=tmp_path, clock=clock)
    seen = {}

    async def run_before(pilot) -> None:
        from tutor.ui.widgets.count_chart import CountChart
        from tutor.ui.widgets.task_table import TaskTable

        await pilot.press("enter")
        await s.wait_until(pilot, lambda: pilot.app.screen.name == "lesson-first-steps")
        await play_history(pilot, clock)
        no_cursor_blink(pilot)
        seen["rows"] = pilot.app.screen.query_one(TaskTable).row_count
        seen["chart"] = pilot.app.screen.query_one(CountChart).text
        seen["history"] = list(pilot.app.screen.panel.histories["web"].running)

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
    assert seen["rows"] == 4
    assert seen["history"] == [2, 2, 3, 2, 3]
    assert "desired 3" in seen["chart"] and "running 3" in seen["chart"]


def test_help(snap_compare, tmp_path: Path) -> None:
    """? opens help over the lesson, listing the sandbox keys with their long descriptions."""
    app = s.frozen_app(tmp_path=tmp_path)
    seen = {}

    async def run_before(pilot) -> None:
        await pilot.press("enter")
        await s.wait_until(pilot, lambda: pilot.app.screen.name == "lesson-first-steps")
        await pilot.press("question_mark")
        await pilot.pause()
        no_cursor_blink(pilot)
        seen["text"] = pilot.app.screen.text

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
    assert "Stop the selected task (aws ecs stop-task); the service starts a replacement" in seen["text"]
    assert "aws ecs update-service [--cluster CLUSTER] --service SERVICE [--desired-count DESIRED-COUNT]" in seen["text"]


async def open_free_sandbox(pilot) -> None:
    pilot.app.open_sandbox()
    await s.wait_until(pilot, lambda: pilot.app.screen.name == "sandbox", what="the free sandbox")
    await pilot.pause()


def test_sandbox_ops_wide(snap_compare, tmp_path: Path) -> None:
    """Every operations view at once, wide: a rollout with the breaker, zones (one failed, one instance
    draining) beside the load balancer's targets, the scaling line, and "time ×10" in the status bar."""
    app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
    seen = {}

    async def run_before(pilot) -> None:
        await open_free_sandbox(pilot)
        screen = pilot.app.screen
        seen["zones"] = screen.query_one("#zones").region
        seen["lb"] = screen.query_one("#load-balancer").region
        seen["texts"] = {w.id: w.text for w in screen.query(".ops-view")}
        seen["bar"] = screen.query_one("#status-bar").text

    assert snap_compare(app, terminal_size=TERMINAL, run_before=run_before)
    assert seen["zones"].y == seen["lb"].y and seen["lb"].x > seen["zones"].x  # side by side
    texts = seen["texts"]
    assert "FAILED: us-east-1b" in texts["zones"] and "DRAINING" in texts["zones"]
    assert "failed 1/3" in texts["deployments"] and "ACTIVE   web:1" in texts["deployments"]
    assert "3 targets: 2 healthy, 1 initial" in texts["load-balancer"]
    assert "(above target)" in texts["scaling"]
    assert "time ×10" in seen["bar"] and "(A aws-env)" in seen["bar"]


def test_sandbox_ops_narrow_plain(snap_compare, tmp_path: Path) -> None:
    """The same views in --plain at 110 columns: zones above the load balancer, no bars, words only."""
    app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path, plain=True)
    seen = {}

    async def run_before(pilot) -> None:
        await open_free_sandbox(pilot)
        screen = pilot.app.screen
        seen["zones"] = screen.query_one("#zones").region
        seen["lb"] = screen.query_one("#load-balancer").region
        seen["screen"] = pilot.app.export_screenshot()
        seen["zones text"] = screen.query_one("#zones").text
        seen["bar"] = screen.query_one("#status-bar").text

    assert snap_compare(app, terminal_size=(110, 45), run_before=run_before)
    assert seen["lb"].y > seen["zones"].y and seen["lb"].x == seen["zones"].x  # stacked
    assert "■" not in seen["screen"] and "□" not in seen["screen"]
    assert "ZONE FAILED" in seen["zones text"] and "| time x10 |" in seen["bar"]
