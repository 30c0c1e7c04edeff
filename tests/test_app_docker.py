"""The app against a real control plane on Docker: keys and the command bar change real containers.

Each test has its own SERVICELAB_HOME and sandbox name, and always ends with
`servicelab sandbox down`, then checks no container with its label is left.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import app_support as s

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SIZE = (160, 45)


@pytest.fixture
def real_app(tmp_path: Path, monkeypatch):
    yield from s.real_app(s.FIXTURE_LESSONS, tmp_path, monkeypatch)


def tasks(app, status: str | None = None) -> list:
    from tutor.ui.widgets.task_table import TaskTable

    table = app.screen.query_one(TaskTable)
    rows = [table._rows[k] for k in table._order]
    return [r for r in rows if status is None or r.last_status == status]


def header(app) -> str:
    from tutor.ui.widgets.service_header import ServiceHeader

    return app.screen.query_one(ServiceHeader).render().plain


async def open_lesson_and_wait_for_three(pilot) -> None:
    await pilot.press("enter")
    await s.wait_until(pilot, lambda: pilot.app.screen.name == "lesson-first-steps", what="the lesson")
    # The lesson's setup creates `web` with 3 tasks on the real engine.
    await s.wait_until(pilot, lambda: len(tasks(pilot.app, "RUNNING")) == 3, timeout=60,
                       what=lambda: f"3 RUNNING web tasks (header: {header(pilot.app)!r}, rows: {tasks(pilot.app)}, said: {[n.message for n in pilot.app._notifications]}, link {pilot.app.link.state})")


@s.async_tests
class TestRealSandbox:
    async def test_stopping_a_task_shows_the_recovery_in_table_and_events(self, real_app) -> None:
        """k stops the selected task; the table shows it STOPPED and a new task RUNNING; events say so."""
        from tutor.ui.widgets.events_log import EventsLog
        from tutor.ui.widgets.status_bar import StatusBar

        app = real_app
        async with app.run_test(size=SIZE) as pilot:
            await open_lesson_and_wait_for_three(pilot)
            assert "runtime docker" in app.screen.query_one(StatusBar).text
            assert "engine ok" in app.screen.query_one(StatusBar).text
            before = {r.task_id for r in tasks(app, "RUNNING")}
            app.screen.query_one("#task-table").focus()
            victim = app.screen.panel.selected_task
            assert victim is not None and victim.last_status == "RUNNING"
            await pilot.press("k")
            twin = f"aws ecs stop-task --task {victim.task_id}"
            assert twin in app.screen.query_one("#last-action").render().plain

            def recovered() -> bool:
                stopped = [r for r in tasks(app) if r.task_id == victim.task_id and r.last_status == "STOPPED"]
                running = {r.task_id for r in tasks(app, "RUNNING")}
                return bool(stopped) and len(running) == 3 and bool(running - before)

            await s.wait_until(pilot, recovered, timeout=60, what="the replacement task RUNNING")
            stopped = next(r for r in tasks(app) if r.task_id == victim.task_id)
            assert stopped.stopped and "UserInitiated" in stopped.note
            await s.wait_until(pilot, lambda: "has started 1 tasks" in app.screen.query_one(EventsLog).text,
                               timeout=10, what="the started event")
            assert "desired 3" in header(app) and "running 3" in header(app)

    async def test_scale_key_and_aws_form_in_the_command_bar(self, real_app) -> None:
        """+ scales up; `aws ecs update-service … --desired-count 1` scales down; both on real containers."""
        app = real_app
        async with app.run_test(size=SIZE) as pilot:
            await open_lesson_and_wait_for_three(pilot)
            await pilot.press("plus")
            await s.wait_until(pilot, lambda: len(tasks(app, "RUNNING")) == 4, timeout=60, what="4 RUNNING")
            assert "desired 4" in header(app)
            await pilot.press("colon")
            app.screen.bar.input.value = "aws ecs update-service --service web --desired-count 1"
            await pilot.press("enter")
            await s.wait_until(pilot, lambda: len(tasks(app, "RUNNING")) == 1, timeout=60, what="1 RUNNING")
            await s.wait_until(pilot, lambda: "service web: desired 1 (running" in app.screen.bar.output_text, timeout=10,
                               what="the command's answer")
            app.screen.bar.input.value = "aws ecs describe-services --services web"
            await pilot.press("enter")
            await s.wait_until(pilot, lambda: "service web  (ACTIVE)\n  task definition  web:1" in
                               app.screen.bar.output_text, timeout=10, what="describe-services output")

    async def test_quitting_with_stop_removes_everything(self, real_app) -> None:
        """q then s: the control plane stops and every container it started is gone."""
        from tutor.ui.screens.quit import QuitScreen

        app = real_app
        async with app.run_test(size=SIZE) as pilot:
            await open_lesson_and_wait_for_three(pilot)
            assert s.leftover_containers(app.link.sandbox)
            await pilot.press("q")
            await s.wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.press("s")
            await s.wait_until(pilot, lambda: not app.is_running, timeout=60, what="the app exiting")
        assert app.link.state == "stopped"
        assert s.leftover_containers(app.link.sandbox) == []


def zones_text(app) -> str:
    return app.screen.query_one("#zones").text


@s.async_tests
class TestRealZones:
    async def test_failing_a_zone_from_the_command_bar_changes_the_zones_view(self, real_app) -> None:
        """`zone fail` in the bar: the zone is marked FAILED, its task stops and the service places a
        replacement in another zone; `zone restore` clears the mark. All on real containers."""
        app = real_app
        async with app.run_test(size=SIZE) as pilot:
            await open_lesson_and_wait_for_three(pilot)
            zones = app.screen.query_one("#zones")
            await s.wait_until(pilot, lambda: zones.display and "web 1 · 1 · 1 over 3 zones" in zones_text(app),
                               timeout=30, what=lambda: f"web spread 1/1/1 (zones view: {zones_text(app)!r})")
            victim = next(line.split()[1] for line in zones_text(app).splitlines() if line.startswith("  us-east-1a"))
            await pilot.press("colon")
            app.screen.bar.input.value = "zone fail us-east-1a"
            await pilot.press("enter")
            await s.wait_until(pilot, lambda: "zone us-east-1a failed" in app.screen.bar.output_text, timeout=10,
                               what=lambda: f"the command's answer ({app.screen.bar.output_text!r})")

            def moved() -> bool:
                lines = zones_text(app).splitlines()
                a = next((l for l in lines if l.startswith("  us-east-1a")), "")
                return ("FAILED: us-east-1a" in lines[0] and a.split()[1:5] == [victim, "ZONE", "FAILED", "web"]
                        and a.split()[5] == "0" and len(tasks(app, "RUNNING")) == 3)

            await s.wait_until(pilot, moved, timeout=60,
                               what=lambda: f"us-east-1a FAILED and 3 RUNNING elsewhere (zones view: {zones_text(app)!r})")
            heading = zones_text(app).splitlines()[0]
            assert heading.startswith("Zones and instances  web 0 · ") and "over 3 zones" in heading
            assert "no aws ecs equivalent: a zone outage happens to AWS" in app.screen.bar.output_text
            app.screen.bar.input.value = "zone restore us-east-1a"
            await pilot.press("enter")
            await s.wait_until(pilot, lambda: "FAILED" not in zones_text(app), timeout=30,
                               what=lambda: f"the zone restored (zones view: {zones_text(app)!r})")
