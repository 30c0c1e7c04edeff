"""An exercise in the app against a real control plane on Docker, acted on through the command bar.

It stays red while the learner does the wrong thing (run-task instead of scaling the
service), turns green when they scale, and the reset key puts the real sandbox back. The
test has its own SERVICELAB_HOME and sandbox name, and always ends with `servicelab sandbox
down`, then checks no container with its label is left.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import app_support as s

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MODES = Path(__file__).parent / "fixtures" / "modes"
SIZE = (160, 45)


@pytest.fixture
def real_app(tmp_path: Path, monkeypatch):
    yield from s.real_app(MODES, tmp_path, monkeypatch)


def running(app, group: str) -> int:
    return sum(1 for t in (app.snapshot or {}).get("tasks", [])
               if t.get("group") == group and t.get("lastStatus") == "RUNNING")


async def type_command(pilot, line: str) -> None:
    screen = pilot.app.screen
    if not screen.bar.is_open:
        await pilot.press("colon")
    screen.bar.input.value = line
    await pilot.press("enter")


@s.async_tests
class TestExerciseOnRealContainers:
    async def test_green_only_when_the_learner_scales_and_reset_puts_it_back(self, real_app, tmp_path) -> None:
        from tutor.learner.progress import Progress
        from tutor.ui.screens.confirm import ConfirmDialog
        from tutor.ui.screens.lesson import LessonScreen
        from tutor.ui.widgets.exercise_panel import ExercisePanel

        app = real_app
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen), what="the lesson")
            await pilot.press("n", "n", "n")
            await s.wait_until(pilot, lambda: app.screen.view.step.id == "scale-up", what="the exercise step")
            panel = app.screen.query_one(ExercisePanel)
            await s.wait_until(pilot, lambda: running(app, "service:web") == 2, timeout=60,
                               what=lambda: f"web's 2 tasks RUNNING (link {app.link.state})")
            await s.wait_until(pilot, lambda: "service(web).running is 2" in panel.text, timeout=10,
                               what=lambda: f"the checklist to see them: {panel.text!r}")
            assert [r.status for r in panel.results] == ["fail", "fail"]

            # The wrong lever: a one-off task adds a container, but the service still asks for 2.
            await type_command(pilot, "servicelab task run web:1")
            await s.wait_until(pilot, lambda: running(app, "family:web") == 1, timeout=60, what="the one-off task")
            await pilot.pause(2 * 0.2 + 0.3)  # past the coalescing delay: the checklist has judged it
            assert not panel.passed and not panel.has_class("-passed")
            assert "web asks for three tasks: service(web).desired is 2, needs == 3" in panel.text

            await type_command(pilot, "servicelab service scale web 3")
            await s.wait_until(pilot, lambda: panel.passed, timeout=60,
                               what=lambda: f"the exercise passing: {panel.text!r}")
            assert panel.has_class("-passed") and "✓ Done: every check passed." in panel.text
            assert running(app, "service:web") == 3

            await pilot.press("escape")  # close the command bar, so R reaches the screen
            await pilot.press("R")
            await s.wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the reset question")
            await pilot.press("y")
            await s.wait_until(pilot, lambda: any(n.title == "Reset" for n in app._notifications), timeout=90,
                               what=lambda: f"the reset finishing: {panel.text!r}")
            said = [n.message for n in app._notifications if n.title == "Reset"]
            assert said == ["The sandbox is back to how this step starts."], said
            assert panel.busy is None and not panel.passed
            await s.wait_until(pilot, lambda: running(app, "service:web") == 2 and running(app, "family:web") == 0,
                               timeout=30, what="the sandbox back at its start")
            await s.wait_until(pilot, lambda: "service(web).desired is 2" in panel.text, timeout=10,
                               what="the checklist red again")
        record = Progress.load(tmp_path / "home" / "progress.json").lesson("modes").exercises["scale-up"]
        assert record.passed_at is not None and record.resets == 1
