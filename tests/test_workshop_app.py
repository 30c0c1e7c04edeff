"""The app in a workshop (Pilot, frozen sandbox): locked lessons, time boxes, unlocks picked up live."""

from __future__ import annotations

from pathlib import Path

from tests import app_support as s
from tutor.lessons import load_lessons
from tutor.workshop.plan import load_plan, set_unlocked

WORKSHOP = """\
title: Tuesday class
lessons:
  - {id: keeping-count, unlocked: true, minutes: 25}
  - first-steps
"""


def workshop_app(tmp_path: Path):
    from tutor.ui.app import ServicelabApp
    from tutor.commands.history import CommandHistory
    from tutor.learner.progress import Progress
    from tutor.ui.sandbox_link import FrozenLink

    path = tmp_path / "class.yaml"
    path.write_text(WORKSHOP)
    lessons = load_lessons(s.FIXTURE_LESSONS)
    app = ServicelabApp(
        "frozen", lessons=lessons, workshop=load_plan(path, lessons), learner="ada",
        progress=Progress.load(tmp_path / "progress.json"), history=CommandHistory(tmp_path / "history.json"),
        link_factory=lambda app: FrozenLink(app, s.snapshot()), clock=s.Clock(),
    )
    return app, path


def labels(app) -> list[str]:
    from tutor.ui.widgets.lesson_list import LessonList

    options = app.screen.query_one(LessonList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@s.async_tests
class TestWorkshopApp:
    async def test_order_locks_and_time_boxes_are_shown(self, tmp_path):
        app, _ = workshop_app(tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            await pilot.pause()
            shown = labels(app)
            assert shown[0] == "Tuesday class"
            assert "Keeping count" in shown[1] and "25 min box" in shown[1] and "locked" not in shown[1]
            assert "First steps" in shown[2] and "locked" in shown[2] and "5 min box" in shown[2]

    async def test_a_locked_lesson_does_not_open(self, tmp_path):
        from tutor.ui.screens.home import HomeScreen
        from tutor.ui.screens.lesson import LessonScreen

        app, _ = workshop_app(tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            await pilot.pause()
            first_steps = next(l for l in app.lessons if l.id == "first-steps")
            app.open_lesson(first_steps)
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            await s.wait_until(pilot, lambda: any("is locked" in n.message for n in app._notifications),
                               timeout=5, what="the notice")
            await pilot.press("c")  # continue goes to the unlocked lesson
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen), what="the lesson screen")
            await pilot.pause()
            assert app.screen.lesson.id == "keeping-count"
            await s.wait_until(pilot, lambda: any("Time box: 25 minutes" in n.message for n in app._notifications),
                               timeout=5, what="the time box notice")

    async def test_unlock_by_the_instructor_is_picked_up_by_the_running_app(self, tmp_path):
        from tutor.ui.screens.lesson import LessonScreen

        app, path = workshop_app(tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            await pilot.pause()
            assert "locked" in labels(app)[2]
            set_unlocked(path, "first-steps")  # what `servicelab workshop unlock` does
            await s.wait_until(pilot, lambda: "locked" not in labels(app)[2], timeout=5, what="the unlock")
            await s.wait_until(pilot, lambda: any("First steps is unlocked" in n.message for n in app._notifications),
                               timeout=5, what="the notice")  # notices arrive as messages
            app.open_lesson(next(l for l in app.lessons if l.id == "first-steps"))
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen), what="the lesson screen")
            await pilot.pause()

    async def test_a_broken_edit_keeps_the_last_good_plan(self, tmp_path):
        app, path = workshop_app(tmp_path)
        async with app.run_test(size=(150, 45)) as pilot:
            await pilot.pause()
            path.write_text(WORKSHOP + "  - {id: nope}\n")
            await s.wait_until(pilot, lambda: any("keeping the last good plan" in n.message
                                                  for n in app._notifications), timeout=5, what="the warning")
            assert len(app.lessons) == 2


class CollectorThread:
    """The instructor's collector (tutor/workshop/collect.py) on a free loopback port, in a thread."""

    def __init__(self, into: Path) -> None:
        import asyncio
        import threading

        from aiohttp import web

        from tutor.workshop.collect import Collector

        self.received: list[str] = []
        self.loop = asyncio.new_event_loop()
        app = web.Application()
        Collector(into, on_update=lambda learner, doc: self.received.append(learner)).add_routes(app)
        self.runner = web.AppRunner(app)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def start() -> None:
            await self.runner.setup()
            await web.TCPSite(self.runner, "127.0.0.1", 0).start()

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    def close(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@s.async_tests
class TestSharing:
    async def test_nothing_is_shared_until_the_learner_opts_in(self, tmp_path):
        from tutor.workshop.share import Sharing

        collector = CollectorThread(tmp_path / "collected")
        try:
            app, _ = workshop_app(tmp_path)
            app.workshop.sharing = Sharing(collector.url, enabled=False)  # offered by the server, not chosen
            async with app.run_test(size=(150, 45)) as pilot:
                await pilot.pause()
                await s.wait_until(pilot, lambda: any("Sharing is off" in n.message for n in app._notifications),
                                   timeout=5, what="the offer")
                app.workshop.share()
                await pilot.pause(0.3)
                assert collector.received == []
                app.workshop.set_sharing(True)  # the palette's "workshop: Share my progress"
                await s.wait_until(pilot, lambda: collector.received == ["ada"], timeout=10, what="the share")
                stored = (tmp_path / "collected" / "ada.json").read_text()
                assert '"workshop": "Tuesday class"' in stored
                app.workshop.share()  # unchanged: not sent again
                await pilot.pause(0.3)
                assert collector.received == ["ada"]
        finally:
            collector.close()
