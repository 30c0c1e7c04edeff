"""The learning modes in the app, on a frozen sandbox: predict, myth, quiz, exercise, review, cheat sheet, links.

No Docker here (tests/test_app_modes_docker.py drives an exercise on real containers). The
lesson is tests/fixtures/modes: one step per mode, so nothing here moves when the real
lessons are edited.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from tests import app_support as s
from tutor.learner.progress import Progress

MODES = Path(__file__).parent / "fixtures" / "modes"
SIZE = (150, 45)
EXPLAIN = "Desired is still 2, so the service starts a replacement"
AFTER = "Now stop one for real"


@pytest.fixture(autouse=True)
def utc(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SERVICELAB_HOME", str(tmp_path / "home"))  # review.json goes here
    yield from s.pin_utc(monkeypatch)


def two_web(desired: int = 2, running: int = 2, pending: int = 0, version: int = 7) -> dict:
    tasks = [s.task(n) for n in range(1, running + 1)]
    return s.snapshot([s.service(desired=desired, running=running, pending=pending)], tasks, version=version)


def modes_app(tmp_path: Path, snap: dict | None = None, progress=None):
    return s.frozen_app(two_web() if snap is None else snap, tmp_path=tmp_path, lessons_root=MODES,
                        progress=progress)


async def open_step(pilot, step_id: str) -> None:
    from tutor.ui.screens.lesson import LessonScreen

    if not isinstance(pilot.app.screen, LessonScreen):
        await pilot.press("enter")
        await s.wait_until(pilot, lambda: isinstance(pilot.app.screen, LessonScreen), what="the lesson")
    screen = pilot.app.screen
    screen._show(screen.lesson.step_index(step_id))
    await pilot.pause()


def dom_text(screen) -> str:
    """Every word the screen holds, shown or not: Statics, Markdown sources and option prompts."""
    from textual.widgets import Markdown, OptionList, Static

    parts = []
    for widget in screen.query(Static):
        visual = widget.render()
        parts.append(getattr(visual, "plain", str(visual)))
    parts += [md.source for md in screen.query(Markdown)]
    for options in screen.query(OptionList):
        parts += [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    return "\n".join(parts)


@s.async_tests
class TestPredictAndMyth:
    async def test_the_explanation_is_not_there_until_a_choice_is_committed(self, tmp_path: Path) -> None:
        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "guess")
            screen = app.screen
            before = dom_text(screen)
            assert "You stop one of two web tasks" in before
            assert EXPLAIN not in before and AFTER not in before, "the answer is in the DOM before committing"
            assert not screen.query_one("#try-list").display, "the live result waits for the commitment too"
            assert app.progress.lesson("modes").predictions == {}
            screen.query_one("#predict-options").focus()
            await pilot.press("down", "down", "enter")  # nothing is highlighted at first: A, then B
            await pilot.pause()
            after = dom_text(screen)
            assert "You chose B. Right." in after and EXPLAIN in after and AFTER in after
            assert screen.query_one("#try-list").display
            await pilot.press("up", "enter")  # A: a second choice, made after seeing the answer
            await pilot.pause()
            assert "You chose B. Right." in dom_text(screen)
        prediction = Progress.load(tmp_path / "progress.json").lesson("modes").predictions["guess"]
        assert (prediction.chosen, prediction.correct) == (1, True)

    async def test_a_myth_reveals_the_reality_and_its_demo_goes_to_the_command_bar(self, tmp_path: Path) -> None:
        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "myth")
            screen = app.screen
            assert "Myth or fact? A service starts its tasks once" in dom_text(screen)
            assert "keeps its count for as long as it exists" not in dom_text(screen)
            screen.query_one("#myth-options").focus()
            await pilot.press("down", "enter")  # "True": wrong, it is a myth
            await pilot.pause()
            text = dom_text(screen)
            assert "You said true. Not quite: the claim is a myth." in text
            assert "keeps its count for as long as it exists" in text and "no answer to the first crash" in text
            demo = screen.query_one("#myth-demo")
            demo.focus()
            await pilot.press("down", "enter")  # the kill, with the oldest RUNNING web task filled in
            await pilot.pause()
            assert screen.bar.is_open
            assert screen.bar.input.value == f"servicelab task kill {s.task(2)['taskId']}"
        prediction = Progress.load(tmp_path / "progress.json").lesson("modes").predictions["myth"]
        assert (prediction.chosen, prediction.correct) == (0, False)

    async def test_a_lesson_link_opens_its_step(self, tmp_path: Path) -> None:
        from textual.widgets import Markdown

        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "guess")
            app.screen.query_one("#predict-options").focus()
            await pilot.press("down", "enter")
            await pilot.pause()
            after = app.screen.query_one("#predict .after", Markdown)
            assert "(lesson:modes/quiz)" in after.source
            after.post_message(Markdown.LinkClicked(after, "lesson:modes/quiz"))
            await s.wait_until(pilot, lambda: app.screen.view.index == 2, what="the quiz step")
            assert app.screen.view.step.id == "quiz"


async def order_correctly(pilot, order_list) -> None:
    """Move the items of an ordering question into the right order with shift+up, as a learner would."""
    order_list.focus()
    await pilot.pause()
    for target in range(len(order_list.order)):
        where = order_list.order.index(target)
        order_list.highlighted = where
        for _ in range(where - target):
            await pilot.press("shift+up")
    await pilot.pause()
    assert order_list.order == sorted(order_list.order)
    await pilot.press("enter")
    await pilot.pause()


@s.async_tests
class TestQuiz:
    async def test_answers_are_explained_and_the_score_is_recorded(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.order_list import OrderList
        from tutor.ui.widgets.quiz_view import QuizView

        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "quiz")
            quiz = app.screen.query_one(QuizView)
            first, second = quiz.questions
            assert second.choices.order != [0, 1, 2], "an ordering question starts shuffled"
            first.choices.focus()
            await pilot.press("down", "enter")  # A: wrong
            await pilot.pause()
            feedback = dom_text(first)
            assert "You chose A. Not quite: the answer is B." in feedback
            for explain in ("Nobody has to", "It sees running below desired", "That is a one-off task"):
                assert explain in feedback, "every option is explained"
            assert app.screen.focused is second.choices, "focus moves on to the next question"
            await order_correctly(pilot, app.screen.query_one(OrderList))
            assert "Right. The right order, and why:" in dom_text(second)
            assert "The gap is the work." in dom_text(second)
            assert "Quiz done: 1 of 2 right first time." in dom_text(quiz)
            first.choices.disabled = False  # even if the list could be used again, the first answer stands
            first.choices.focus()
            await pilot.press("down", "enter")
            await pilot.pause()
        record = Progress.load(tmp_path / "progress.json").lesson("modes")
        assert record.quiz_score() == (1, 2)
        assert record.quiz["quiz"]["who-keeps-count"].chosen == 0
        assert record.quiz["quiz"]["loop-order"].chosen == [0, 1, 2]

    async def test_coming_back_shows_the_answers_given(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.quiz_view import QuizView

        progress = Progress.load(tmp_path / "progress.json")
        progress.record_quiz_answer("modes", "quiz", "who-keeps-count", 1, True)
        app = modes_app(tmp_path, progress=progress)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "quiz")
            first, second = app.screen.query_one(QuizView).questions
            assert first.answered and first.choices.disabled and "You chose B. Right." in dom_text(first)
            assert not second.answered and not second.choices.disabled
            assert "This quiz: 1 of 1 right first time, 1 to go." in dom_text(app.screen.query_one(QuizView))


@s.async_tests
class TestExercise:
    async def test_the_checklist_follows_the_sandbox_and_the_hint_ladder_is_recorded(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.exercise_panel import ExercisePanel

        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "guess")
            panel = app.screen.query_one(ExercisePanel)
            assert not panel.display and not app.screen.check_action("hint", ())
            await open_step(pilot, "scale-up")
            assert panel.display and app.screen.check_action("hint", ())
            await s.wait_until(pilot, lambda: panel.results, what="the first judgement")
            assert [r.status for r in panel.results] == ["fail", "fail"]
            assert "web asks for three tasks: service(web).desired is 2, needs == 3" in panel.text
            assert panel.has_class("-active") and not panel.has_class("-passed")
            app.link.push(two_web(desired=4, running=4, version=8))  # the wrong number stays red
            await s.wait_until(pilot, lambda: "desired is 4" in panel.text, what="the re-judged checklist")
            assert not panel.passed
            await pilot.press("h")
            assert "Hint 1 of 3 (a nudge): Change the one number" in panel.text
            await pilot.press("h")
            assert "web wants 4 and has 4 running." in panel.text, "the hint reads the sandbox now"
            await pilot.press("h")
            assert "Solution (rung 3 of 3):\nservicelab service scale web 3" in panel.text
            app.link.push(two_web(desired=3, running=2, pending=1, version=9))
            app.link.push(two_web(desired=3, running=3, version=10))
            await s.wait_until(pilot, lambda: panel.passed, what="the exercise passing")
            assert panel.has_class("-passed") and "✓ Done: every check passed." in panel.text
            await pilot.press("v")
            assert panel.passed
        record = Progress.load(tmp_path / "progress.json").lesson("modes").exercises["scale-up"]
        assert (record.hints_used, record.solution_shown) == (3, True)
        assert record.passed_at is not None

    async def test_reset_asks_then_runs_in_a_worker_and_starts_the_checks_over(self, tmp_path: Path,
                                                                                monkeypatch) -> None:
        from tutor.exercises.session import ExerciseSession
        from tutor.ui.screens.confirm import ConfirmDialog
        from tutor.ui.widgets.exercise_panel import ExercisePanel

        calls = []

        def fake_reset(session, runner) -> dict:
            calls.append(runner)
            session.progress.record_reset(session.lesson.id, session.step.id)
            return two_web(version=50)

        monkeypatch.setattr(ExerciseSession, "apply_reset", fake_reset)
        monkeypatch.setattr("tutor.exercises.linked_runner.runner_for", lambda link, timeline=None: "runner")
        app = modes_app(tmp_path, two_web(desired=3, running=3))
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "scale-up")
            panel = app.screen.query_one(ExercisePanel)
            assert "when this step opened, the sandbox was not how the exercise starts" in panel.text
            await pilot.press("R")
            await s.wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="the question")
            assert "scale web to 2" in dom_text(app.screen)
            await pilot.press("y")
            await s.wait_until(pilot, lambda: calls and "resetting" not in panel.text, what="the reset")
            assert calls == ["runner"]
            assert "service(web).desired is 2" in panel.text, "judged from the state the reset left"
            app.link.push(two_web(desired=3, running=3, version=49))  # sent before the reset finished
            await pilot.pause(0.5)
            assert not panel.passed, "a snapshot older than the reset's is not the exercise's new start"
        assert Progress.load(tmp_path / "progress.json").lesson("modes").exercises["scale-up"].resets == 1


@s.async_tests
class TestReview:
    async def test_a_missed_quiz_item_comes_first_and_is_due_before_a_remembered_one(self, tmp_path: Path) -> None:
        from tutor.learner.review import Review, Schedule, review_path
        from tutor.ui.screens.home import HomeScreen
        from tutor.ui.screens.review import ReviewScreen
        from tutor.ui.widgets.quiz_view import QuizView

        today = date.today()
        takeaway, missed = "takeaway:modes/desired-vs-running", "quiz:modes/quiz/who-keeps-count"
        # Remembered once already, and due again today.
        store = Review(review_path(), {takeaway: Schedule(2.5, 1, 1, today.isoformat(), 0, 5, None)})
        store.save()
        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "quiz")
            app.screen.query_one(QuizView).questions[0].choices.focus()
            await pilot.press("down", "enter")  # A: wrong
            await pilot.pause()
            await pilot.press("escape")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("r")
            await s.wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), what="the review screen")
            review = app.screen
            assert review.card.id == missed, "the missed item comes first"
            assert "It sees running below desired" not in dom_text(review), "the back waits for space"
            await pilot.press("1")  # grading before seeing the answer is refused
            assert review.card.id == missed and "Show the answer first" in dom_text(review)
            await pilot.press("space")
            assert "The service. It sees running below desired" in dom_text(review)
            await pilot.press("1")  # forgotten
            assert review.card.id == takeaway
            await pilot.press("space", "4")  # remembered
            assert review.card.id == missed, "a card graded below 4 comes round again"
            await pilot.press("space", "5")
            assert review.card is None and "Done: 2 card(s) reviewed and scheduled." in dom_text(review)
        saved = Review.load(review_path())
        assert saved.schedule(missed).due == (today + timedelta(days=1)).isoformat()
        assert saved.schedule(missed).lapses == 1, "the second time round did not grade it again"
        assert saved.schedule(takeaway).due == (today + timedelta(days=6)).isoformat()
        assert saved.schedule(missed).due < saved.schedule(takeaway).due


@s.async_tests
class TestCheatSheet:
    async def test_enter_puts_the_command_in_the_lessons_command_bar(self, tmp_path: Path) -> None:
        from tutor.ui.screens.cheatsheet import CheatSheetScreen
        from tutor.ui.screens.lesson import LessonScreen

        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_step(pilot, "scale-up")
            await pilot.press("i")
            await s.wait_until(pilot, lambda: isinstance(app.screen, CheatSheetScreen), what="the cheat sheet")
            await pilot.press(*"desired count")
            await pilot.pause()
            sheet = app.screen
            assert sheet.shown[0].concept == "Desired count"
            await pilot.press("enter", "enter")  # into the results, then use the first
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))
            assert app.screen.bar.is_open and app.screen.bar.input.value == "servicelab service scale web 3"

    async def test_from_home_the_aws_form_goes_to_the_clipboard(self, tmp_path: Path) -> None:
        from tutor.ui.screens.cheatsheet import CheatSheetScreen
        from tutor.ui.screens.home import HomeScreen

        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("i")
            await s.wait_until(pilot, lambda: isinstance(app.screen, CheatSheetScreen), what="the cheat sheet")
            assert len(app.screen.shown) > 20, "every concept is listed before any search"
            await pilot.press(*"stop-task", "enter", "a")
            await s.wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            assert app.clipboard.startswith("aws ecs stop-task")

    async def test_the_palette_offers_review_and_the_cheat_sheet(self, tmp_path: Path) -> None:
        from tutor.ui.palette import TutorCommands
        from tutor.ui.screens.review import ReviewScreen

        app = modes_app(tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            commands = {name: run for name, run, _ in TutorCommands(app.screen)._commands()}
            assert "view: Cheat sheet" in commands
            commands["review: Flashcards due today"]()
            await s.wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen)
                               and "Nothing to review today" in dom_text(app.screen), what="the review screen")
