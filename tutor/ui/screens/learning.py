"""What the learning modes add to a sandbox screen: the keys and the wiring between widgets.

The lesson screen is a LearningScreen. Here live the exercise keys (h hint, v check now,
R reset the step), the cheat sheet key, recording quiz answers, filling a demo's or a
mistake's placeholders from the sandbox, and following `lesson:` links. The widgets
themselves (tutor/widgets/*_view.py, exercise_panel.py) only show and ask; progress is
written here, by the screen that owns the lesson.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.widgets import Markdown

from tutor.checks import expr, plain_words
from tutor.lessons.links import is_lesson_link, resolve
from tutor.ui.sandbox_link import failure_text
from tutor.ui.widgets.command_bar import CommandBar
from tutor.ui.widgets.exercise_panel import ExercisePanel
from tutor.ui.widgets.lesson_view import LessonView
from tutor.ui.widgets.quiz_view import QuizView
from tutor.ui.widgets.script_list import ScriptList
from tutor.ui.screens.base import SandboxScreen

if TYPE_CHECKING:
    from tutor.exercises.session import ExerciseSession
    from tutor.lessons import Lesson, ScriptLine, Step

EXERCISE_ACTIONS = ("hint", "check", "reset_step")


class LearningScreen(SandboxScreen):
    """A sandbox screen that shows a lesson's steps (LessonScreen sets `lesson`)."""

    BINDINGS = [
        Binding("h", "hint", "Hint",
                tooltip="Exercise: the next rung of the hint ladder (a nudge, a hint from the sandbox now, "
                        "then the solution); hints used are recorded"),
        Binding("v", "check", "Check",
                tooltip="Exercise: run the checks now (they also run by themselves whenever the sandbox changes)"),
        Binding("R", "reset_step", "Reset step",
                tooltip="Exercise: put the sandbox back to how this step starts, after showing what will change"),
        Binding("i", "cheatsheet", "Cheat sheet", show=False,
                tooltip="The cheat sheet: every concept with its aws ecs command and servicelab twin; "
                        "Enter puts a command in the command bar"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | h | Exercise: next hint (nudge, hint from the sandbox, solution). |
    | v | Exercise: run the checks now. |
    | R | Exercise: reset the step's sandbox, after asking. |
    | i | The cheat sheet. |
    """

    lesson: Lesson

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._exercise_shown = False
        self._focus_outside_bar: Any = None
        """The widget that last had the keyboard outside the command bar: it gets it back when the bar closes."""

    @property
    def exercise(self) -> ExercisePanel:
        return self.query_one(ExercisePanel)

    # -- a step came on screen --------------------------------------------------------------------
    @on(LessonView.StepShown)
    def _step_shown(self, event: LessonView.StepShown) -> None:
        event.stop()
        step = event.step
        if step.quiz:
            record = self.tutor.progress.lesson(self.lesson.id)
            self.query_one(QuizView).show(step, record.quiz.get(step.id, {}))
            self._show_quiz_score(step)
        self._exercise_shown = step.exercise is not None
        if step.exercise is not None:
            self.exercise.start(self.lesson, step, self.tutor.progress, self.tutor.clock, self.cluster,
                                self.tutor.snapshot)
            self._say_if_not_at_start()
        self.refresh_bindings()
        # A step opens at its top with the keyboard on its text: the learner reads first, and Tab
        # reaches the question. Never on Next, where a stray Enter would skip an unanswered step.
        self.call_after_refresh(self._open_at_top, step)

    def _open_at_top(self, step: Step) -> None:
        view = self.query_one(LessonView)
        if view.step is step and not self.bar.is_open:
            view.focus_text(top=True)

    # -- the keyboard, around the command bar -------------------------------------------------------
    @on(events.DescendantFocus)
    def _remember_focus(self, event: events.DescendantFocus) -> None:
        if self.bar not in event.widget.ancestors_with_self:
            self._focus_outside_bar = event.widget

    @on(CommandBar.Closed)
    def _back_from_the_bar(self, event: CommandBar.Closed) -> None:
        """Back to where the learner was (the step's text, a question), not to the task table."""
        event.stop()
        event.prevent_default()  # SandboxScreen's handler sends the free sandbox's keyboard to the table
        before = self._focus_outside_bar
        if before is not None and before in self.focus_chain:
            before.focus(scroll_visible=False)
        else:
            self.query_one(LessonView).focus_text()

    def _say_if_not_at_start(self) -> None:
        """An exercise opened on a sandbox that is not how it starts: say so, and how to fix it."""
        session = self.exercise.session
        snapshot = self.tutor.snapshot
        if session is None or snapshot is None:
            return
        try:
            changes = session.reset_plan(snapshot)
        except Exception:  # a partial snapshot; the reset itself will look again
            return
        # Creating the lesson's own services is the lesson setup's job, already under way.
        changes = [a for a in changes if a.kind != "create-service"
                   or a.target not in {s.name for s in self.lesson.sandbox.services}]
        if changes:
            self.exercise.set_busy("when this step opened, the sandbox was not how the exercise starts; "
                                   "R shows what a reset changes")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in EXERCISE_ACTIONS:
            return self._exercise_shown
        return super().check_action(action, parameters)

    # -- fed by the app ---------------------------------------------------------------------------
    def sandbox_changed(self, snapshot: dict[str, Any]) -> None:
        super().sandbox_changed(snapshot)
        try:
            panel = self.exercise
        except NoMatches:  # before compose
            return
        panel.feed(snapshot)

    # -- quiz -------------------------------------------------------------------------------------
    @on(QuizView.Answered)
    def _quiz_answered(self, event: QuizView.Answered) -> None:
        event.stop()
        self.tutor.progress.record_quiz_answer(self.lesson.id, event.step.id, event.question.id, event.chosen,
                                               event.correct)
        self.tutor.save_progress()
        self._show_quiz_score(event.step)
        self.announce("right" if event.correct else "not quite; each option is explained below it")
        if not self.query_one(QuizView).open_questions:
            # The last answer: its list is disabled now; the keyboard goes back to the page to read on.
            self.query_one(LessonView).focus_text()

    def _show_quiz_score(self, step: Step) -> None:
        record = self.tutor.progress.lesson(self.lesson.id)
        answers = record.quiz.get(step.id, {})
        right = sum(1 for a in answers.values() if a.correct)
        self.query_one(QuizView).show_score(right, len(answers), *record.quiz_score())

    # -- exercise ---------------------------------------------------------------------------------
    def action_hint(self) -> None:
        rung = self.exercise.next_hint()
        if rung is not None:
            self.announce(f"hint {rung.number} of {rung.of}: {rung.text}")

    def action_check(self) -> None:
        panel = self.exercise
        panel.evaluate()
        passing = sum(r.passed for r in panel.results)
        self.notify(f"{passing} of {len(panel.results)} checks pass" + (" · done" if panel.passed else ""),
                    title="Checked now", timeout=3)

    @on(ExercisePanel.Recorded)
    def _recorded(self, event: ExercisePanel.Recorded) -> None:
        event.stop()
        self.tutor.save_progress()

    @on(ExercisePanel.Passed)
    def _passed(self, event: ExercisePanel.Passed) -> None:
        event.stop()
        self.notify("Every check passes. Press n for the next step.", title="Exercise done")
        self.announce("exercise done: every check passes")
        if self.tutor.progress.settle(self.lesson):  # finished earlier with this gap: done now
            self.tutor.save_progress()
            self.notify(f"Lesson done: {self.lesson.title}; every exercise has passed.", title="Well done")
            self.announce(f"lesson done: {self.lesson.title}")

    def action_reset_step(self) -> None:
        from tutor.ui.screens.confirm import ConfirmDialog

        session = self.exercise.session
        if session is None:
            return
        try:
            lines = session.describe_reset(self.tutor.snapshot or {})
        except Exception as exc:  # planning reads the snapshot; the reset itself reads it afresh
            lines = [f"(the plan could not be worked out from what the panel shows: {exc})"]

        def confirmed(yes: bool | None) -> None:
            if yes and self.exercise.session is session:
                self.exercise.set_busy("resetting the sandbox…")
                self.run_worker(partial(self._reset, session), thread=True, group="exercise-reset",
                                exclusive=True, exit_on_error=False, name="reset step")

        body = "\n".join(f"• {line}" for line in lines)
        self.app.push_screen(ConfirmDialog(
            "Reset this step's sandbox?",
            f"{body}\n\nThe exercise's checks start over from then.", yes="Reset", no="Keep it"), confirmed)

    def _reset(self, session: ExerciseSession) -> None:
        """In a worker thread: reset.py's plan and apply can take a minute on real containers."""
        from tutor.exercises.linked_runner import runner_for

        try:
            after = session.apply_reset(runner_for(self.tutor.link, timeline=session.timeline))
        except Exception as exc:
            self.app.call_from_thread(self._reset_done, session, None, failure_text(exc))
            return
        self.app.call_from_thread(self._reset_done, session, after, None)

    def _reset_done(self, session: ExerciseSession, after: dict[str, Any] | None, error: str | None) -> None:
        self.tutor.save_progress()
        if not self.is_mounted or self.exercise.session is not session:
            return  # the learner moved on meanwhile
        if error:
            self.exercise.set_busy(None)
            self.notify(f"the reset did not finish: {error}", title="Reset", severity="error", timeout=10)
            return
        self.exercise.restarted(after or {})
        self.notify("The sandbox is back to how this step starts.", title="Reset")
        self.announce("reset done; the exercise starts over")

    # -- demo and mistake lines -------------------------------------------------------------------
    @on(ScriptList.Chosen)
    def _script_line(self, event: ScriptList.Chosen) -> None:
        event.stop()
        commands = self.fill(event.line)
        if not commands:
            self.notify(f"nothing to run it on right now: {event.line.text}", severity="warning")
            return
        self.bar.open(commands[0])
        if len(commands) > 1:
            self.bar.say(f"then, one at a time: {'; '.join(commands[1:])}", kind="twin")

    def fill(self, line: ScriptLine) -> list[str]:
        """A script line with its {EXPR} placeholders filled from the sandbox as it is now."""
        snapshot = self.tutor.snapshot
        # Anything the sandbox does not show yet stays as words in <…>, for the learner to edit.
        return plain_words.commands(line, expr.View(snapshot, 0.0, self.cluster) if snapshot else None)

    # -- links and the cheat sheet ----------------------------------------------------------------
    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        href = event.href
        if is_lesson_link(href):
            target = resolve(href, self.tutor.lessons)
            if target is None:
                self.notify(f"that link leads to no lesson here: {href}", severity="warning")
                return
            self.tutor.open_lesson(*target)
        elif href.startswith(("https://", "http://")):
            self.app.open_url(href)

    def action_cheatsheet(self) -> None:
        from tutor.ui.screens.cheatsheet import open_cheatsheet

        open_cheatsheet(self.app)

