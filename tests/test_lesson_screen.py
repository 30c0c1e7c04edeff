"""The lesson screen from the keyboard, at 120x40, at 80x24 and in --plain (project issue 11).

Every question and option of a quiz can be reached and seen (the page scrolls; nothing is clipped
away), a step opens at its top with the keyboard on its text (never on Next), the step's text keeps
the larger share of the height beside an exercise, the step counter never runs into the buttons,
and a lesson is done only once its exercises passed ("done with gaps" until then).

No Docker here: the app runs on a FrozenLink (tests/app_support.py). The quiz tests use the
course's last lesson, whose quiz is the longest; the rest use the fixture lesson of every mode.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.geometry import Region

from tests import app_support as s
from tests.test_app_modes import modes_app, open_step, two_web
from tutor.learner.progress import DONE, DONE_WITH_GAPS, IN_PROGRESS, STATUSES, Progress

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
LARGE = (120, 40)
SMALL = (80, 24)
SIZES = [pytest.param(LARGE, False, id="120x40"), pytest.param(SMALL, False, id="80x24"),
         pytest.param(LARGE, True, id="120x40-plain")]


@pytest.fixture(autouse=True)
def utc(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SERVICELAB_HOME", str(tmp_path / "home"))
    yield from s.pin_utc(monkeypatch)


def in_sight(widget) -> bool:
    """The whole widget is drawn on the screen: inside every container's visible part, and the screen's."""
    screen = widget.screen
    geometry = screen.find_widget(widget)
    whole = geometry.region
    return whole.size.area > 0 and whole.intersection(geometry.clip).intersection(
        Region(0, 0, *screen.app.size)) == whole


def shown(widget) -> bool:
    node = widget
    while node is not None:
        if not getattr(node, "display", True):
            return False
        node = node.parent
    return True


async def open_last_quiz(pilot):
    """The course's last lesson, at its quiz step; returns the quiz view."""
    from tutor.ui.screens.lesson import LessonScreen
    from tutor.ui.widgets.quiz_view import QuizView

    app = pilot.app
    await pilot.pause()
    lesson = app.lessons[-1]
    index = next(n for n, step in enumerate(lesson.steps) if step.quiz)
    app.open_lesson(lesson, index)
    await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.query(QuizView),
                       what="the lesson")
    quiz = app.screen.query_one(QuizView)
    await s.wait_until(pilot, lambda: len(quiz.questions) == len(lesson.steps[index].quiz), what="the questions")
    await pilot.pause()
    return quiz


# -- issue 11.1: quiz questions vanish -------------------------------------------------------------------
@s.async_tests
class TestQuizScrolls:
    @pytest.mark.parametrize("size, plain", SIZES)
    async def test_after_the_first_answer_the_next_question_is_there_and_comes_into_sight(
            self, tmp_path: Path, size, plain) -> None:
        app = s.frozen_app(tmp_path=tmp_path, lessons_root=LESSONS, plain=plain)
        async with app.run_test(size=size) as pilot:
            quiz = await open_last_quiz(pilot)
            first, second, *rest = quiz.questions
            assert rest, "the last lesson's quiz is the long one"
            first.choices.focus()
            await pilot.press("down", "enter")
            await s.wait_until(pilot, lambda: first.answered, what="the first answer")
            await s.wait_until(pilot, lambda: app.screen.focused is second.choices, what="the next question")
            await pilot.pause()
            text = second.query_one(".question-text")
            assert shown(text) and shown(second.choices)
            assert second.choices.option_count == len(second.question.options)
            assert in_sight(text), f"question 2's text is out of sight: {text.region}"
            assert in_sight(second.choices), f"question 2's options are out of sight: {second.choices.region}"
            box = quiz.query_one("#quiz-questions")
            assert box.size.height == box.virtual_size.height, "the questions' box clips its questions"
            # Every later question and each of its options can be brought into sight.
            for question in rest:
                question.choices.focus()
                await pilot.pause()
                assert in_sight(question.query_one(".question-text")) and in_sight(question.choices), question.number

    async def test_the_arrow_keys_keep_the_highlighted_option_in_sight(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.order_list import OrderList

        app = s.frozen_app(tmp_path=tmp_path, lessons_root=LESSONS)
        async with app.run_test(size=SMALL) as pilot:
            quiz = await open_last_quiz(pilot)
            page = app.screen.query_one("#step-scroll")
            for question in quiz.questions:
                question.choices.focus()
                await pilot.pause()
                page.scroll_home(animate=False, immediate=True)  # the learner scrolled back up to read
                await pilot.pause()
                await pilot.press("down")
                await pilot.pause()
                options = question.choices
                line = options._index_to_line[options.highlighted]
                region = options.region
                top = region.y + options.styles.gutter.top + line - options.scroll_offset.y
                assert page.region.y <= top < page.region.bottom, (
                    f"question {question.number}: the highlighted option is off the page")
                if isinstance(options, OrderList):
                    await pilot.press("shift+down")
                    await pilot.pause()


# -- issue 11.2: reading a step from the keyboard -------------------------------------------------------
@s.async_tests
class TestKeyboard:
    @pytest.mark.parametrize("size", [LARGE, SMALL], ids=["120x40", "80x24"])
    async def test_every_step_opens_at_its_top_with_the_keyboard_on_its_text(self, tmp_path: Path, size) -> None:
        from tutor.ui.screens.lesson import LessonScreen

        app = s.frozen_app(tmp_path=tmp_path, lessons_root=LESSONS)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            lesson = next(l for l in app.lessons if any(step.predict for step in l.steps))
            app.open_lesson(lesson, 0)
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen) and app.screen.query("#step-scroll"),
                               what="the lesson")
            screen = app.screen
            for index, step in enumerate(lesson.steps):
                if index:
                    await pilot.press("n")
                await s.wait_until(pilot, lambda: screen.view.index == index, what=f"step {index + 1}")
                await pilot.pause()
                page = screen.query_one("#step-scroll")
                assert screen.focused is page, f"step {step.id}: the keyboard is on {screen.focused}"
                assert page.scroll_offset.y == 0, f"step {step.id} opened scrolled to {page.scroll_offset.y}"
            await pilot.press("p")
            await pilot.pause()
            await pilot.press("enter")  # on the text: reads nothing as "next"
            await pilot.pause()
            assert screen.view.index == len(lesson.steps) - 2

    async def test_tab_reaches_the_question_and_enter_on_the_text_skips_nothing(self, tmp_path: Path) -> None:
        app = modes_app(tmp_path)
        async with app.run_test(size=SMALL) as pilot:
            await open_step(pilot, "guess")
            await pilot.pause()
            screen = app.screen
            assert screen.focused is screen.query_one("#step-scroll")
            await pilot.press("enter")
            await pilot.pause()
            assert screen.view.step.id == "guess", "Enter moved past an unanswered prediction"
            await pilot.press("tab")
            assert screen.focused is screen.query_one("#predict-options"), "Tab goes to the question first"
            await pilot.press("down", "enter")
            await pilot.pause()
            assert app.progress.lesson("modes").predictions["guess"].chosen == 0

    async def test_closing_the_command_bar_gives_the_keyboard_back_to_the_lesson(self, tmp_path: Path) -> None:
        app = modes_app(tmp_path)
        async with app.run_test(size=LARGE) as pilot:
            await open_step(pilot, "quiz")
            await pilot.pause()
            screen = app.screen
            first = screen.query_one("#quiz .choices")
            first.focus()
            await pilot.press("colon")
            await pilot.pause()
            assert screen.bar.is_open
            await pilot.press("escape")
            await pilot.pause()
            assert screen.focused is first, f"the keyboard went to {screen.focused}"

    @pytest.mark.parametrize("size", [LARGE, SMALL], ids=["120x40", "80x24"])
    async def test_the_step_counter_never_runs_into_the_buttons(self, tmp_path: Path, size) -> None:
        app = modes_app(tmp_path)
        async with app.run_test(size=size) as pilot:
            await open_step(pilot, "scale-up")
            screen = app.screen
            prev, count, after = (screen.query_one(f"#{name}") for name in ("step-prev", "step-count", "step-next"))
            assert prev.region.right <= count.region.x and count.region.right <= after.region.x
            assert {prev.region.y, count.region.y, after.region.y} == {prev.region.y}, "one line"
            assert count.region.height == 1 and "4 / 4" in count.render().plain
            assert all(in_sight(w) for w in (prev, count, after))

    @pytest.mark.parametrize("size, least", [(LARGE, 18), (SMALL, 10)], ids=["120x40", "80x24"])
    async def test_beside_an_exercise_the_text_keeps_the_larger_share(self, tmp_path: Path, size, least) -> None:
        from tutor.ui.widgets.exercise_panel import ExercisePanel

        app = modes_app(tmp_path)
        async with app.run_test(size=size) as pilot:
            await open_step(pilot, "scale-up")
            await pilot.press("h", "h", "h")  # the whole ladder: the panel at its tallest
            await pilot.pause()
            text = app.screen.query_one("#step-scroll").size.height
            panel = app.screen.query_one(ExercisePanel)
            assert text >= least and text > panel.outer_size.height, (text, panel.outer_size.height)
            hint = panel.query_one("#exercise-hint")
            assert in_sight(hint) or panel in app.screen.focus_chain, "the hint can be scrolled to"


@s.async_tests
class TestNarrow:
    async def test_at_80_columns_the_lesson_has_the_width_and_z_swaps_in_the_panel(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.live_panel import LivePanel

        app = modes_app(tmp_path)
        async with app.run_test(size=SMALL) as pilot:
            await open_step(pilot, "scale-up")
            screen = app.screen
            view, panel = screen.view, screen.query_one(LivePanel)
            assert view.size.width == SMALL[0] and not shown(panel)
            assert shown(screen.query_one("#pane-hint")), "the step's bar says how to see the panel"
            await pilot.press("z")
            await pilot.pause()
            assert shown(panel) and panel.size.width == SMALL[0] and not shown(view)
            await pilot.press("escape")  # the lesson back, not the lessons list
            await pilot.pause()
            assert shown(view) and not shown(panel) and screen.is_current
            assert screen.focused is screen.query_one("#step-scroll")

    async def test_at_120_columns_both_side_by_side(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.live_panel import LivePanel

        app = modes_app(tmp_path)
        async with app.run_test(size=LARGE) as pilot:
            await open_step(pilot, "scale-up")
            screen = app.screen
            assert shown(screen.query_one(LivePanel)) and shown(screen.view)
            assert not shown(screen.query_one("#pane-hint"))


# -- issue 11.4: the zones lines fit -------------------------------------------------------------------
@s.async_tests
class TestZonesFit:
    @pytest.mark.parametrize("size", [SMALL, (100, 30)], ids=["80x24", "100x30"])
    async def test_every_zones_line_fits_the_panel(self, tmp_path: Path, size) -> None:
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            app.open_sandbox()
            await s.wait_until(pilot, lambda: app.screen.name == "sandbox", what="the free sandbox")
            await pilot.pause()
            zones = app.screen.query_one("#zones")
            width = zones.content_region.width
            assert zones.region.right <= size[0], f"the zones view is {zones.region.width} wide"
            lines = zones.text.splitlines()
            assert "FAILED: us-east-1b" in zones.text and any("DRAINING" in line for line in lines)
            assert all(len(line) <= width for line in lines), [l for l in lines if len(l) > width]


def test_the_zones_lines_give_way_bars_first_then_free_capacity() -> None:
    from tutor.live.ops_view import zones_view
    from tutor.ui.widgets.ops_panels import ZonesPanel

    view = zones_view(s.ops_snapshot(), "web")
    panel = ZonesPanel()
    wide = panel.build(view, 0).plain
    assert "■" in wide and "free 1664 cpu" in wide
    for width in (78, 60):
        lines = panel.build(view, width).plain.splitlines()
        assert all(len(line) <= width for line in lines), (width, lines)
        assert "ci-0b0b0b0b" in "\n".join(lines) and "ZONE FAILED" in "\n".join(lines), "instances and states stay"


# -- issue 11.3: a lesson is done when its exercises passed ------------------------------------------------
@s.async_tests
class TestDoneWithGaps:
    async def test_finishing_with_an_exercise_not_passed_is_done_with_gaps_and_continue_goes_there(
            self, tmp_path: Path) -> None:
        from tutor.ui.screens.home import HomeScreen
        from tutor.ui.screens.lesson import LessonScreen
        from tutor.ui.widgets.lesson_list import LessonList

        app = modes_app(tmp_path)
        async with app.run_test(size=LARGE) as pilot:
            await open_step(pilot, "scale-up")
            await pilot.press("n")  # Finish, with the exercise not passed
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")
            lesson = app.lessons[0]
            assert app.progress.status_of(lesson) == DONE_WITH_GAPS
            assert app.progress.lesson("modes").status == IN_PROGRESS, "the file never says done with gaps"
            home = app.screen
            label = str(home.query_one(LessonList).get_option_at_index(1).prompt)
            assert "[!]" in label and "done with gaps: step 4" in label
            assert "step 4 of 4 (not passed yet)" in str(home.query_one("#continue").label)
            assert not home.course_complete
            await pilot.press("c")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen), what="the lesson")
            await pilot.pause()
            assert app.screen.view.step.id == "scale-up"
            app.link.push(two_web(desired=3, running=3, version=8))
            await s.wait_until(pilot, lambda: any("Lesson done" in n.message for n in app._notifications),
                               what="the lesson done, and said")
            assert app.progress.status_of(lesson) == DONE
        saved = Progress.load(tmp_path / "progress.json").lesson("modes")
        assert (saved.status, saved.finished_at is not None, saved.completed_at is not None) == (DONE, True, True)

    async def test_finishing_with_every_exercise_passed_is_done(self, tmp_path: Path) -> None:
        from tutor.ui.screens.home import HomeScreen

        app = modes_app(tmp_path)
        async with app.run_test(size=LARGE) as pilot:
            await open_step(pilot, "scale-up")
            app.link.push(two_web(desired=3, running=3, version=8))
            await s.wait_until(pilot, lambda: app.screen.query_one("#exercise").passed, what="the exercise")
            await pilot.press("n")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")
            assert app.progress.status_of(app.lessons[0]) == DONE
            assert app.screen.course_complete


def test_an_older_file_that_says_done_reads_as_done_with_gaps_and_a_new_file_stays_readable(tmp_path: Path) -> None:
    from tutor.lessons import load_lessons

    lesson = next(l for l in load_lessons(LESSONS) if any(step.exercise for step in l.steps))
    older = {"version": 1, "last_lesson": lesson.id, "lessons": {lesson.id: {
        "status": "done", "current_step": len(lesson.steps) - 1, "steps_done": [s.id for s in lesson.steps],
        "started_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T01:00:00Z",
        "completed_at": "2026-01-01T01:00:00Z"}}}
    path = tmp_path / "progress.json"
    path.write_text(json.dumps(older))
    progress = Progress.load(path)
    assert progress.set_aside is None
    assert progress.status_of(lesson) == DONE_WITH_GAPS
    gaps = progress.lesson(lesson.id).gaps(lesson)
    assert gaps == [n for n, step in enumerate(lesson.steps) if step.exercise]
    progress.finish(lesson)
    progress.save()
    written = json.loads(path.read_text())["lessons"][lesson.id]
    assert written["status"] in STATUSES and written["status"] == IN_PROGRESS, "an older servicelab reads it"
    assert Progress.load(path).status_of(lesson) == DONE_WITH_GAPS
    for step in lesson.steps:
        if step.exercise:
            progress.record_exercise_passed(lesson.id, step.id)
    assert progress.settle(lesson) and progress.status_of(lesson) == DONE
    assert not progress.settle(lesson), "done once"
