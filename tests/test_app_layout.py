"""What a learner sees at common terminal sizes: nothing important cut, toasts that do not pile up,
and slow motion for the statuses that pass too fast to see.

No Docker here: the app runs on a FrozenLink (tests/app_support.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import app_support as s
from tests.app_support import open_first_lesson
from tutor.ui.messages import LinkStateChanged

LESSON_AT_120 = (120, 40)
SMALL = (80, 24)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    yield from s.pin_utc(monkeypatch)


def shown_line(widget, y: int = 0) -> str:
    """A widget's line as drawn on screen, cropped to its width."""
    return "".join(segment.text for segment in widget.render_line(y))


# -- the status bar --------------------------------------------------------------------------------
def test_fit_shortens_then_leaves_out_the_least_important_first() -> None:
    from textual.content import Content

    from tutor.ui.widgets.status_bar import Part, fit

    parts = [Part(3, Content("runtime docker")), Part(1, Content("cluster default")),
             Part(2, Content("API http://127.0.0.1:40000 (A aws-env)"), Content("API http://127.0.0.1:40000")),
             Part(9, Content("control plane gone: it is not running; press ctrl+r to start it"),
                  Content("control plane gone: press ctrl+r to start it"), kept=True)]
    assert fit(parts, 0, " · ").plain.count(" · ") == 3, "not laid out yet: everything"
    assert fit(parts, 125, " · ").plain == (
        "runtime docker · API http://127.0.0.1:40000 (A aws-env) · "
        "control plane gone: it is not running; press ctrl+r to start it")
    assert fit(parts, 80, " · ").plain == "runtime docker · control plane gone: it is not running; press ctrl+r to start it"
    assert fit(parts, 50, " · ").plain == "control plane gone: press ctrl+r to start it"
    assert fit(parts, 20, " · ").plain == "control plane gone: press ctrl+r to start it", "what to do is never left out"


@s.async_tests
class TestStatusBar:
    @pytest.mark.parametrize("size", [LESSON_AT_120, SMALL])
    async def test_a_lost_control_plane_says_what_to_press_at_any_width(self, tmp_path: Path, size) -> None:
        from tutor.ui.widgets.status_bar import StatusBar

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=size) as pilot:
            await open_first_lesson(pilot)
            app.post_message(LinkStateChanged(
                "lost", "the control plane is not running; press ctrl+r to start it", "http://127.0.0.1:49999"))
            await pilot.pause()
            bar = app.screen.query_one(StatusBar)
            line = shown_line(bar)
            assert "press ctrl+r to start it" in line
            assert "sandbox frozen" in line or size == SMALL
            assert "cluster default" not in line, "the least important part gave way first"
            assert "cluster default" in bar.text, "the whole bar is still there to read"

    async def test_ctrl_r_starts_the_control_plane_from_the_home_screen_too(self, tmp_path: Path) -> None:
        app = s.frozen_app(tmp_path=tmp_path)
        restarts = []
        app.link.restart = lambda: restarts.append(True)
        async with app.run_test(size=LESSON_AT_120) as pilot:
            await pilot.pause()
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert restarts == [True]


# -- the task table --------------------------------------------------------------------------------
def test_columns_leave_out_the_least_important_rather_than_cut_the_last() -> None:
    from tutor.ui.widgets.task_table import COLUMNS, PADDING, fit_columns

    every = [c.key for c in COLUMNS]
    assert [c.key for c, _ in fit_columns(0)] == every
    assert [c.key for c, _ in fit_columns(118)] == every
    beside_a_lesson = fit_columns(70)
    assert [c.key for c, _ in beside_a_lesson] == ["task", "status", "health", "revision", "uptime", "note"]
    assert sum(width + PADDING for _, width in beside_a_lesson) == 70, "the note takes the room left"
    assert [c.key for c, _ in fit_columns(40)] == ["task", "status", "health"]


@s.async_tests
class TestTaskTable:
    @pytest.mark.parametrize("size", [LESSON_AT_120, SMALL])
    async def test_every_column_shown_fits_beside_the_lesson(self, tmp_path: Path, size) -> None:
        """Beside the lesson at 120 columns; at 80 the panel has the width to itself, one z away."""
        from tutor.ui.widgets.task_table import TaskTable

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=size) as pilot:
            await open_first_lesson(pilot)
            if size == SMALL:
                await pilot.press("z")
                await pilot.pause()
            table = app.screen.query_one(TaskTable)
            header = shown_line(table)
            labels = [str(column.label) for column in table.columns.values()]
            for label in labels:
                assert f" {label} " in f"{header} ", f"{label!r} is cut in {header!r}"
            assert {"TASK", "LAST STATUS", "HEALTH"} <= set(labels)

    async def test_the_panel_zoomed_shows_every_column(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.task_table import COLUMNS, TaskTable

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=LESSON_AT_120) as pilot:
            await open_first_lesson(pilot)
            table = app.screen.query_one(TaskTable)
            table.move_cursor(row=1)
            selected = table.selected_task.task_id
            await pilot.press("z")
            await s.wait_until(pilot, lambda: table.shown_columns == [c.key for c in COLUMNS], what="every column")
            assert table.selected_task.task_id == selected, "the cursor stays on its task"


# -- toasts ----------------------------------------------------------------------------------------
@s.async_tests
class TestToasts:
    async def test_toasts_stay_few_and_a_repeated_one_replaces_the_last(self, tmp_path: Path) -> None:
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=LESSON_AT_120) as pilot:
            await open_first_lesson(pilot)
            for n in range(3):
                app.notify(f"set up step {n}", title="Lesson setup")
            await pilot.pause()
            assert [t.message for t in app._notifications] == ["set up step 2"]
            app.notify("the engine is down", severity="error")
            app.notify("one", title="A")
            app.notify("two", title="B")
            await pilot.pause()
            assert [t.message for t in app._notifications] == ["the engine is down", "two"], "errors go last"

    async def test_a_toast_unasked_leaves_sooner_than_textuals_default(self, tmp_path: Path) -> None:
        from tutor.ui.app import NOTIFY_SECONDS

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=LESSON_AT_120) as pilot:
            await pilot.pause()
            app.notify("hello")
            await pilot.pause()
            assert [t.timeout for t in app._notifications] == [NOTIFY_SECONDS["information"]]
            assert NOTIFY_SECONDS["information"] < app.NOTIFICATION_TIMEOUT


# -- slow motion -----------------------------------------------------------------------------------
def test_the_way_up_puts_back_the_statuses_no_snapshot_caught() -> None:
    from tutor.live.view_model import passed_through

    assert passed_through(None, "RUNNING") == ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"]
    assert passed_through("PROVISIONING", "ACTIVATING") == ["PENDING", "ACTIVATING"]
    assert passed_through("RUNNING", "STOPPED") == ["STOPPED"], "only the way up is known for sure"
    assert passed_through(None, "STOPPED") == ["STOPPED"]


def test_slow_motion_holds_each_status_in_turn() -> None:
    from tutor.live.view_model import SlowMotion, task_rows

    slow = SlowMotion(hold=1.5)
    now = s.FROZEN_NOW
    old = s.snapshot(tasks=[s.task(1)])
    slow.observe(old["tasks"], now)
    new = s.snapshot(tasks=[s.task(1), s.task(2, age=0)])
    slow.observe(new["tasks"], now + 0.1)

    def statuses(at: float) -> list[str]:
        return [row.last_status for row in slow.apply(task_rows(new, "web", now=at), at)]

    assert statuses(now + 0.1) == ["PROVISIONING", "RUNNING"], "task 1 was there already: no replay"
    assert slow.next_change(now + 0.1) == pytest.approx(1.5)
    assert statuses(now + 1.7) == ["PENDING", "RUNNING"]
    assert statuses(now + 3.3) == ["ACTIVATING", "RUNNING"]
    assert statuses(now + 4.9) == ["RUNNING", "RUNNING"]
    assert slow.next_change(now + 4.9) is None


@s.async_tests
class TestSlowMotion:
    async def test_w_holds_a_new_task_on_its_way_up_and_says_so(self, tmp_path: Path) -> None:
        from tutor.ui.screens.help import HelpScreen
        from tutor.ui.widgets.status_bar import StatusBar
        from tutor.ui.widgets.task_table import TaskTable

        clock = s.Clock()
        app = s.frozen_app(tmp_path=tmp_path, clock=clock)
        async with app.run_test(size=LESSON_AT_120) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("w")
            await pilot.pause()
            assert "slow motion" in shown_line(app.screen.query_one(StatusBar))
            fresh = s.task(5, age=0)
            app.link.push(s.snapshot(tasks=[fresh, s.task(1), s.task(2), s.task(3, age=30)], version=8))
            await pilot.pause()
            table = app.screen.query_one(TaskTable)
            assert table.shown_cells(fresh["taskId"])["status"].strip() == "PROVISIONING"
            clock.now += 1.6
            await s.wait_until(pilot, lambda: table.shown_cells(fresh["taskId"])["status"].strip() == "PENDING",
                               timeout=5, what="PENDING, held in its turn")
            await pilot.press("w")
            await pilot.pause()
            assert table.shown_cells(fresh["taskId"])["status"].strip() == "RUNNING", "off: as it is"
            assert "slow motion" not in app.screen.query_one(StatusBar).text
            await pilot.press("question_mark")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
            assert "w  " in app.screen.text and "Slow motion" in app.screen.text
