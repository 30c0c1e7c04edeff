"""The app on a frozen sandbox: navigation, keys, the command bar, progress and accessibility.

No Docker here: a FrozenLink serves fixed snapshots and records every operation the app asks
for. tests/test_app_docker.py drives the same app against a real control plane.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests import app_support as s
from tests.app_support import open_first_lesson
from tutor.lessons import ServiceSetup
from tutor.ui.messages import LinkStateChanged
from tutor.learner.progress import DONE, Progress

SIZE = (150, 45)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    yield from s.pin_utc(monkeypatch)


@pytest.fixture
def app(tmp_path: Path):
    return s.frozen_app(tmp_path=tmp_path)


def header_text(app) -> str:
    from tutor.ui.widgets.service_header import ServiceHeader

    return str(app.screen.query_one(ServiceHeader).render().plain)


def row_cells(app, task_id: str) -> list[str | None]:
    """The task's row as on screen, one entry per column of COLUMNS (None: the column is not shown)."""
    from tutor.ui.widgets.task_table import COLUMNS, TaskTable

    shown = app.screen.query_one(TaskTable).shown_cells(task_id)
    return [shown.get(column.key) for column in COLUMNS]


@s.async_tests
class TestHome:
    async def test_lessons_in_course_order_whatever_their_level_the_order_continue_follows(
            self, tmp_path: Path) -> None:
        """One rule, the course's order (folder numbers), for the list and for Continue: a recap of
        a lower level at the end of the course stays at the end. Each status is said in words."""
        from tutor.ui.screens.lesson import LessonScreen
        from tutor.ui.widgets.lesson_list import LessonList

        root = tmp_path / "lessons"
        shutil.copytree(s.FIXTURE_LESSONS, root)
        first = root / "01-first" / "lesson.yaml"
        first.write_text(first.read_text().replace("level: Foundation", "level: Expert"))
        app = s.frozen_app(tmp_path=tmp_path, lessons_root=root)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            lessons = app.screen.query_one(LessonList)
            prompts = [str(lessons.get_option_at_index(i).prompt) for i in range(lessons.option_count)]
            assert prompts[0] == "THE COURSE, IN ORDER (3 lessons)"
            assert "1 [ ] First steps" in prompts[1] and "(not started)" in prompts[1]
            assert [l.id for l in lessons.shown_lessons] == ["first-steps", "keeping-count", "health-checks"]
            await pilot.press("c")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.lesson.id == lessons.shown_lessons[0].id

    async def test_after_the_whole_course_home_says_so_and_the_button_opens_the_review(
            self, tmp_path: Path) -> None:
        from tutor.ui.screens.review import ReviewScreen
        from tutor.ui.widgets.lesson_list import LessonList

        progress = Progress.load(tmp_path / "progress.json")
        for lesson in ("first-steps", "keeping-count", "health-checks"):
            progress.mark_done(lesson)
        progress.last_lesson = "health-checks"
        app = s.frozen_app(tmp_path=tmp_path, progress=progress)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            line = app.screen.query_one("#course-complete")
            assert line.display and "Course complete: all 3 lessons done" in line.render().plain
            assert "review" in str(app.screen.query_one("#continue").label)
            assert "(done)" in str(app.screen.query_one(LessonList).get_option_at_index(1).prompt)
            await pilot.press("c")
            await s.wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), what="the review")

    async def test_the_course_complete_line_waits_for_the_last_lesson(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert not app.screen.query_one("#course-complete").display
            assert "Start the first lesson" in str(app.screen.query_one("#continue").label)

    async def test_search_filters_and_enter_opens_the_only_match(self, app) -> None:
        from tutor.ui.screens.lesson import LessonScreen
        from tutor.ui.widgets.lesson_list import LessonList

        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"health")
            await pilot.pause()
            assert [l.id for l in app.screen.query_one(LessonList).shown_lessons] == ["health-checks"]
            await pilot.press("enter")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.lesson.id == "health-checks"

    async def test_escape_clears_the_search(self, app) -> None:
        from tutor.ui.widgets.lesson_list import LessonList

        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("slash", *"zzz")
            await pilot.pause()
            assert app.screen.query_one(LessonList).shown_lessons == []
            await pilot.press("escape")
            await pilot.pause()
            assert len(app.screen.query_one(LessonList).shown_lessons) == 3

    async def test_filter_by_status(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.lesson_list import LessonList

        progress = Progress.load(tmp_path / "progress.json")
        progress.mark_done("keeping-count")
        app = s.frozen_app(tmp_path=tmp_path, progress=progress)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f")  # not started
            await pilot.pause()
            assert [l.id for l in app.screen.query_one(LessonList).shown_lessons] == ["first-steps", "health-checks"]
            await pilot.press("f", "f")  # in progress, then done
            await pilot.pause()
            assert [l.id for l in app.screen.query_one(LessonList).shown_lessons] == ["keeping-count"]

    async def test_a_click_opens_a_lesson(self, app) -> None:
        from tutor.ui.screens.lesson import LessonScreen

        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.click("#lesson-list", offset=(8, 3))  # the second lesson's line
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.lesson.id == "keeping-count"

    async def test_continue_resumes_at_the_saved_step(self, tmp_path: Path) -> None:
        """Progress saved by one run is where the next run continues."""
        from tutor.ui.screens.lesson import LessonScreen

        first = s.frozen_app(tmp_path=tmp_path)
        async with first.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("n")
            await pilot.pause()
            assert first.screen.view.index == 1
        saved = Progress.load(tmp_path / "progress.json")
        assert saved.last_lesson == "first-steps"
        assert saved.lesson("first-steps").current_step == 1
        assert saved.lesson("first-steps").steps_done == ["meet-the-service"]

        second = s.frozen_app(tmp_path=tmp_path)
        async with second.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "Continue: First steps, step 2 of 2" in str(second.screen.query_one("#continue").label)
            await pilot.press("c")
            await s.wait_until(pilot, lambda: isinstance(second.screen, LessonScreen))
            assert second.screen.view.index == 1

    async def test_a_corrupt_progress_file_is_set_aside_and_said(self, tmp_path: Path) -> None:
        (tmp_path / "progress.json").write_text("{not json")
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            messages = [n.message for n in app._notifications]
            assert any("set aside" in m for m in messages)
        assert list(tmp_path.glob("progress.json.corrupt-*"))


@s.async_tests
class TestLesson:
    async def test_opening_a_lesson_sets_up_its_sandbox(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert app.link.setups == [[ServiceSetup("web", "web:1", 3)]]

    async def test_next_previous_and_finish(self, app, tmp_path: Path) -> None:
        from tutor.ui.screens.home import HomeScreen

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            view = app.screen.view
            assert "step 1 of 2" in view.query_one("#step-title").render().plain
            await pilot.press("n")
            await pilot.pause()
            assert view.index == 1
            await pilot.press("p")
            await pilot.pause()
            assert view.index == 0
            await pilot.press("n", "n")  # the second n finishes the lesson
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert Progress.load(tmp_path / "progress.json").lesson("first-steps").status == DONE

    async def test_a_prediction_is_recorded_and_explained(self, app, tmp_path: Path) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("n")
            await pilot.pause()
            options = app.screen.query_one("#predict-options")
            options.focus()
            await pilot.press("down", "down", "enter")  # B: the right answer
            await pilot.pause()
            explain = app.screen.query_one("#predict-explain").render().plain
            assert "You chose B. Right." in explain
            assert "starts a replacement" in explain
        prediction = Progress.load(tmp_path / "progress.json").lesson("first-steps").predictions["stop-one"]
        assert (prediction.chosen, prediction.correct) == (1, True)

    async def test_a_try_command_goes_to_the_command_bar_with_the_selected_task(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("n")
            await pilot.pause()
            # A prediction step shows its commands once the learner has committed to an answer.
            assert not app.screen.query_one("#try-list").display
            app.screen.query_one("#predict-options").focus()
            await pilot.press("down", "enter")
            await pilot.pause()
            assert app.screen.query_one("#try-list").display
            app.screen.query_one("#try-list").focus()
            await pilot.press("enter")
            await pilot.pause()
            bar = app.screen.bar
            assert bar.is_open
            # ID became the selected task: the first row, the newest task.
            assert bar.input.value == f"servicelab task stop {s.task(3)['taskId'][:12]}"


@s.async_tests
class TestLivePanel:
    async def test_header_table_events_and_why(self, app) -> None:
        """Counts and states in words, stats in the table, stopped tasks greyed with their reason."""
        from tutor.ui.widgets.events_log import EventsLog
        from tutor.ui.widgets.why_panel import WhyPanel

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            header = header_text(app)
            for words in ("Service web", "desired 3", "running 3", "pending 0", "deployment COMPLETED", "steady",
                          "chaos off"):
                assert words in header
            running = row_cells(app, s.task(1)["taskId"])
            assert running[1].strip() == "RUNNING" and running[2] == "HEALTHY"
            # Beside the lesson (88 columns) the table leaves out MEMORY and CONTAINER rather than cut the note.
            assert running[4] == "0.4%" and running[5] is None and running[6] == "1m00s"
            await pilot.press("z")  # the panel takes the whole width: every column
            running = await s.wait_until(pilot, lambda: (cells := row_cells(app, s.task(1)["taskId"]))[5] and cells,
                                         what="the MEMORY column")
            assert running[5] == "1.5 MiB" and running[7] == "000000000001"
            stopped = row_cells(app, s.task(9)["taskId"])
            assert stopped[1].strip() == "STOPPED" and stopped[8] == "UserInitiated: lesson 2"
            events = app.screen.query_one(EventsLog).text.splitlines()
            assert events[0].endswith("service (web) has reached a steady state.")  # newest first
            assert "desired 3, running 2 → starting 1 task" in app.screen.query_one(WhyPanel).text

    async def test_a_change_shows_as_soon_as_the_message_is_handled(self, app) -> None:
        """The panel redraws from the pushed snapshot itself, not on a polling timer.

        One idle turn of the message loop, with no time allowed to pass, must be
        enough; the wall-clock figure (key to update) is measured in bench/app_load.py.
        """
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            tasks = [s.task(1), s.task(2, status="STOPPED"), s.task(3), s.task(4, status="PENDING", health="UNKNOWN")]
            app.link.push(s.snapshot([s.service(running=2, pending=1, steady=False)], tasks, version=8))
            await pilot.pause()
            assert "running 2" in header_text(app)
            assert "changing" in header_text(app)
            assert row_cells(app, s.task(4)["taskId"])[1].strip() == "PENDING"

    async def test_a_health_check_grace_period_is_said_in_the_header(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert "grace" not in header_text(app)  # the default, 0, goes unsaid
            app.link.push(s.snapshot([{**s.service(), "healthCheckGracePeriodSeconds": 90}], version=11))
            await pilot.pause()
            assert "chaos off · health check grace 90s" in header_text(app)

    async def test_engine_down_and_back_shows_in_the_status_bar(self, app) -> None:
        from tutor.ui.widgets.status_bar import StatusBar

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            bar = app.screen.query_one(StatusBar)
            assert "engine ok" in bar.text
            app.link.push(s.snapshot(engine_ok=False, version=9))
            await pilot.pause()
            assert "engine DOWN: Cannot connect to the Docker daemon" in bar.text
            app.link.push(s.snapshot(version=10))
            await pilot.pause()
            assert "engine ok" in bar.text

    async def test_a_lost_control_plane_is_said_and_the_app_keeps_working(self, app) -> None:
        from tutor.ui.widgets.status_bar import StatusBar

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            app.post_message(LinkStateChanged("lost", "no control plane answers", "http://127.0.0.1:49999"))
            await pilot.pause()
            assert "control plane gone: no control plane answers" in app.screen.query_one(StatusBar).text
            await pilot.press("n")  # the lesson still works
            await pilot.pause()
            assert app.screen.view.index == 1

    async def test_the_process_runtime_is_a_warning(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.status_bar import StatusBar

        app = s.frozen_app(s.snapshot(runtime="process"), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            text = app.screen.query_one(StatusBar).text
            assert "runtime process (WARNING: tasks are local processes, not containers)" in text
            assert "sandbox frozen" in text and "cluster default" in text and "API http://127.0.0.1:49999" in text


@s.async_tests
class TestKeys:
    async def test_scale_keys_show_the_aws_twin(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("plus")
            await pilot.pause()
            op = app.link.actions[-1]
            assert op.request == ("ecs", "UpdateService", {"cluster": "default", "service": "web", "desiredCount": 4})
            twin = "aws ecs update-service --service web --desired-count 4"
            assert twin in app.screen.query_one("#last-action").render().plain
            await pilot.press("minus")
            await pilot.pause()
            assert app.link.actions[-1].params["desiredCount"] == 2

    async def test_k_stops_the_selected_task_and_K_crashes_it(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            app.screen.query_one("#task-table").focus()
            await pilot.press("down")  # the second row: task 1 (task 3 is newest)
            await pilot.press("k")
            await pilot.pause()
            assert app.link.actions[-1].request == ("ecs", "StopTask", {"cluster": "default",
                                                                         "task": s.task(1)["taskId"]})
            await pilot.press("K")
            await pilot.pause()
            assert app.link.actions[-1].name == "KillTask"

    async def test_stopping_a_stopped_task_is_refused_politely(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            app.screen.query_one("#task-table").focus()
            await pilot.press("ctrl+end", "k")
            await pilot.pause()
            assert app.link.actions == []
            assert any("STOPPED already" in n.message for n in app._notifications)

    async def test_chaos_toggles(self, tmp_path: Path) -> None:
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("c")
            await pilot.pause()
            assert app.link.actions[-1].name == "StartChaos"
            app.link.push(s.snapshot([s.service(chaos={"every": 5, "until": s.FROZEN_NOW + 50, "stopped": 2})]))
            await pilot.pause()
            assert "chaos ON: a task every 5s, 2 stopped, 50s left" in header_text(app)
            await pilot.press("c")
            await pilot.pause()
            assert app.link.actions[-1].name == "StopChaos"

    async def test_create_and_delete_a_service(self, app) -> None:
        from tutor.ui.screens.confirm import ConfirmDialog
        from tutor.ui.screens.create_service import CreateServiceDialog

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("a")
            await s.wait_until(pilot, lambda: isinstance(app.screen, CreateServiceDialog))
            await pilot.press("enter")  # name "api", web:1, count 2
            await pilot.pause()
            assert app.link.actions[-1].request == ("ecs", "CreateService", {
                "cluster": "default", "serviceName": "api", "taskDefinition": "web:1", "desiredCount": 2})
            await pilot.press("d")
            await s.wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await pilot.pause()
            assert app.link.actions[-1].request == ("ecs", "DeleteService",
                                                    {"cluster": "default", "service": "web", "force": True})

    async def test_l_follows_logs_and_escape_comes_back(self, app) -> None:
        from textual.widgets import Log

        from tutor.ui.screens.lesson import LessonScreen
        from tutor.ui.screens.logs import LogsScreen

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("l")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LogsScreen))
            await s.wait_until(pilot, lambda: app.screen.query_one(Log).line_count >= 3, what="log lines")
            assert "frozen log line 0" in app.screen.query_one(Log).lines[0]
            await pilot.press("escape")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))

    async def test_e_without_a_terminal_says_how_to_open_the_shell(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("e")
            await pilot.pause()
            assert app.link.actions[-1].name == "exec"
            await s.wait_until(pilot, lambda: any("cannot open a shell from here" in n.message
                                                  for n in app._notifications))

    async def test_brackets_switch_services(self, tmp_path: Path) -> None:
        snap = s.snapshot([s.service("web"), s.service("api", desired=1, running=1, created=1)])
        app = s.frozen_app(snap, tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert "Service web" in header_text(app) and "(1 of 2" in header_text(app)
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert "Service api" in header_text(app)


@s.async_tests
class TestCommandBar:
    async def test_an_aws_form_runs_and_echoes_its_twin(self, app, tmp_path: Path) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("colon")
            app.screen.bar.input.value = "aws ecs update-service --service web --desired-count 5"
            await pilot.press("enter")
            await pilot.pause()
            assert app.link.actions[-1].request == ("ecs", "UpdateService",
                                                    {"cluster": "default", "service": "web", "desiredCount": 5})
            output = app.screen.bar.output_text
            assert "> aws ecs update-service --service web --desired-count 5" in output
            assert "aws ecs update-service --service web --desired-count 5" in output.splitlines()[1]
        assert app.history.lines[-1] == "aws ecs update-service --service web --desired-count 5"

    async def test_an_unsupported_line_gets_a_clear_message(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("colon")
            app.screen.bar.input.value = "aws ecs tag-resource"
            await pilot.press("enter")
            await pilot.pause()
            assert app.link.actions == []
            assert "aws ecs tag-resource is not supported by the sandbox; supported:" in app.screen.bar.output_text

    async def test_tab_completes_and_up_recalls(self, app) -> None:
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("colon", *"service sc", "tab")
            field = app.screen.bar.input
            assert field.value == "service scale "
            await pilot.press("tab")
            assert field.value == "service scale web "
            await pilot.press("3", "enter")
            await pilot.pause()
            assert app.link.actions[-1].params["desiredCount"] == 3
            await pilot.press("up")
            assert field.value == "service scale web 3"

    async def test_escape_closes_the_bar_then_leaves_the_lesson(self, app) -> None:
        from tutor.ui.screens.home import HomeScreen

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("colon")
            assert app.screen.bar.is_open
            await pilot.press("escape")
            assert not app.screen.bar.is_open
            await pilot.press("escape")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))


@s.async_tests
class TestHelpAndPalette:
    async def test_help_lists_every_key(self, app) -> None:
        from tutor.ui.app import ServicelabApp
        from tutor.ui.screens.base import SandboxScreen
        from tutor.ui.screens.help import HelpScreen, key_name
        from tutor.ui.screens.home import HomeScreen
        from tutor.ui.screens.lesson import LessonScreen

        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("question_mark")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
            text = app.screen.text
            for cls in (ServicelabApp, HomeScreen, LessonScreen, SandboxScreen):
                for binding in cls.BINDINGS:
                    assert key_name(binding) in text, binding
                    assert (binding.tooltip or binding.description) in text
            await pilot.press("escape")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))

    async def test_the_palette_has_lessons_and_actions(self, app) -> None:
        from tutor.ui.palette import TutorCommands

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            names = [name for name, _, _ in TutorCommands(app.screen)._commands()]
            assert "lesson: First steps" in names and "lesson: Health checks" in names
            assert "sandbox: Scale web up by one" in names
            assert "view: High-contrast theme" in names


@s.async_tests
class TestAccessibility:
    BOX_AND_BLOCKS = [chr(c) for c in range(0x2500, 0x25A0)]

    async def test_plain_mode_draws_no_boxes_and_announces_changes(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.announcer import Announcer

        app = s.frozen_app(tmp_path=tmp_path, plain=True)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            screen_text = app.export_screenshot()
            drawn = [ch for ch in self.BOX_AND_BLOCKS if ch in screen_text]
            assert drawn == []
            tasks = [s.task(1, status="STOPPED", stopped_reason="Task stopped by user"), s.task(2), s.task(3),
                     s.task(9, status="STOPPED", stopped_reason="lesson 2")]
            app.link.push(s.snapshot([s.service(running=2, steady=False)], tasks, version=8))
            await pilot.pause()
            said = "\n".join(app.screen.query_one(Announcer).lines)
            assert f"task {s.task(1)['taskId'][:8]}: RUNNING to STOPPED (Task stopped by user)" in said
            assert "service web: desired 3, running 2, pending 0" in said
            await pilot.press("plus")
            await pilot.pause()
            said = "\n".join(app.screen.query_one(Announcer).lines)
            assert "aws ecs update-service --service web --desired-count 4" in said

    async def test_no_color_is_honoured_and_states_stay_words(self, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.setenv("NO_COLOR", "1")
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert app.no_color
            assert row_cells(app, s.task(1)["taskId"])[1].strip() == "RUNNING"
            assert "steady" in header_text(app)

    async def test_high_contrast_theme(self, tmp_path: Path) -> None:
        app = s.frozen_app(tmp_path=tmp_path, high_contrast=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.theme == "servicelab-high-contrast"
            assert app.current_theme.background == "#000000"


@s.async_tests
class TestLogs:
    async def test_k_stops_the_task_being_followed_and_its_last_lines_still_come(self, app, monkeypatch) -> None:
        """As the lesson asks: keep the logs open, press k, read the task's last words."""
        import queue

        from textual.widgets import Log

        from tutor.ui.screens.logs import LogsScreen

        lines: queue.Queue[str | None] = queue.Queue()
        lines.put("demo-task: serving version 1 on :8080\n")

        class Stream:
            def abort(self) -> None:
                lines.put(None)

        def follow(task: str):
            return iter(lines.get, None), Stream()

        monkeypatch.setattr(app.link, "logs", follow)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("t", "l")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LogsScreen), what="the logs")
            screen = app.screen
            await pilot.press("k")
            await pilot.pause()
            stop = app.link.actions[-1]
            assert stop.name == "StopTask" and stop.params["task"] == screen.task_id
            lines.put("demo-task: got SIGTERM, exiting\n")
            lines.put(None)
            await s.wait_until(pilot, lambda: screen.ended, what="the end of the log")
            text = "\n".join(screen.query_one(Log).lines)
            assert text.index("stop task") < text.index("got SIGTERM") < text.index("its container stopped")
            assert "aws ecs stop-task" in text

    async def test_k_on_a_task_whose_log_ended_says_so(self, app) -> None:
        from tutor.ui.screens.logs import LogsScreen

        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("t", "l")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.ended)
            acted = len(app.link.actions)
            await pilot.press("k")
            await pilot.pause()
            assert len(app.link.actions) == acted
            assert "has stopped already" in [t.message for t in app._notifications][-1]


def test_following_logs_waits_out_a_quiet_task() -> None:
    """A demo task says nothing between its first line and SIGTERM: following must not give up."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from sandbox.api.client import Client

    class QuietTask(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for line, pause in ((b"serving\n", 1.2), (b"got SIGTERM, exiting\n", 0)):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                self.wfile.flush()
                time.sleep(pause)
            self.wfile.write(b"0\r\n\r\n")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), QuietTask)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = Client(f"http://127.0.0.1:{server.server_port}", timeout=0.5)
        assert "".join(client.logs("t1", follow=True)) == "serving\ngot SIGTERM, exiting\n"
    finally:
        server.shutdown()


def test_the_engine_down_message_names_only_commands_that_exist() -> None:
    import re

    from sandbox.runtime.docker_runtime import unavailable_message
    from tutor.cli import build

    message = unavailable_message(ConnectionRefusedError("connection refused"))
    for command in re.findall(r"`servicelab ([^`]+)`", message):
        group = build()
        for word in command.split():
            group = group.commands.get(word) if hasattr(group, "commands") else None
            assert group is not None, f"`servicelab {command}` in {message!r} is no command"
    assert "bash scripts/tutor" in message or "servicelab sandbox" in message


@s.async_tests
class TestReviewCounter:
    async def test_the_counter_moves_with_each_new_card_and_a_repeat_keeps_its_number(
            self, tmp_path: Path, monkeypatch) -> None:
        from tutor.lessons.cards import Card
        from tutor.learner.review import Review
        from tutor.ui.screens import review

        deck = [Card(f"takeaway:l/{n}", f"front {n}", f"back {n}", "takeaway", "l") for n in range(1, 4)]
        monkeypatch.setattr(review, "build_deck", lambda *args: deck)
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.push_screen(review.ReviewScreen(Review(tmp_path / "review.json")))
            await pilot.pause()

            def where() -> str:
                return app.screen.query_one("#review-where").render().plain

            assert where().startswith("Card 1 of 3")
            await pilot.press("space", "1")  # forgotten: it comes round again
            assert where().startswith("Card 2 of 3")
            await pilot.press("space", "5")
            assert where().startswith("Card 3 of 3")
            await pilot.press("space", "5")
            assert where().startswith("Card 1 of 3") and "again" in where()


@s.async_tests
class TestQuit:
    async def test_keep_running_exits_without_stopping(self, app) -> None:
        from tutor.ui.screens.quit import QuitScreen

        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("q")
            await s.wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.press("k")
            await s.wait_until(pilot, lambda: not app.is_running, what="the app exiting")
        assert app.link.state == "live"

    async def test_stop_shuts_the_sandbox_down_then_exits(self, app) -> None:
        from tutor.ui.screens.quit import QuitScreen

        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("q")
            await s.wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.press("s")
            await s.wait_until(pilot, lambda: not app.is_running, what="the app exiting")
        assert app.link.state == "stopped"

    async def test_escape_stays(self, app) -> None:
        from tutor.ui.screens.home import HomeScreen
        from tutor.ui.screens.quit import QuitScreen

        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("q")
            await s.wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.press("escape")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            assert app.is_running


def test_cli_has_the_app_options() -> None:
    """`servicelab --help` lists the app's --plain and --high-contrast beside the sandbox CLI."""
    from click.testing import CliRunner

    from tutor.cli import build

    result = CliRunner().invoke(build(), ["--help"])
    assert result.exit_code == 0
    assert "--plain" in result.output and "--high-contrast" in result.output
    assert "service" in result.output and "progress" in result.output
    assert os.environ.get("SERVICELAB_PLAIN") is None
