"""The lesson screen: a lesson's steps on the left, the live sandbox on the right (on a narrow
terminal, one at a time: z swaps them). Going past the last step finishes the lesson: done when
every exercise in it passed, otherwise done with gaps (tutor/learner/progress.py)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer

from tutor.lessons import Lesson
from tutor.learner.progress import DONE
from tutor.ui.widgets.announcer import Announcer
from tutor.ui.widgets.command_bar import CommandBar
from tutor.ui.widgets.lesson_list import steps_words
from tutor.ui.widgets.lesson_view import LessonView
from tutor.ui.widgets.live_panel import LivePanel
from tutor.ui.widgets.status_bar import StatusBar
from tutor.ui.screens.learning import LearningScreen


ONE_PANE_BELOW = 100
"""Below this many columns the lesson and the live panel take turns at the whole width (z swaps them),
as a narrow terminal's best TUIs do, rather than squeezing both to unreadable columns."""


class LessonScreen(LearningScreen):
    """Read a step, try it in the sandbox beside it, see what the service does.

    The learning modes' keys and wiring (exercises, quizzes, the cheat sheet, links) come
    from LearningScreen (tutor/screens/learning.py).
    """

    BINDINGS = [
        Binding("n", "step(1)", "Next step", tooltip="Next step (your place is saved as you go)"),
        Binding("p", "step(-1)", "Previous step", tooltip="Previous step"),
        Binding("escape", "home", "Lessons",
                tooltip="Back to the lessons (closes the command bar, or the zoomed panel, first)"),
        Binding("z", "zoom", "Zoom panel", show=False,
                tooltip="Give the live panel the whole width, or give the lesson back"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | n / p | Next / previous step (progress is saved as you go). |
    | escape | Back to the list of lessons (first closes the command bar, or gives the lesson back). |
    | z | Give the whole width to the live panel, or give the lesson back. Below 100 columns the two take turns. |
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-one-pane"), (ONE_PANE_BELOW, "-side-by-side")]

    def __init__(self, lesson: Lesson, step: int | None = None) -> None:
        super().__init__(name=f"lesson-{lesson.id}")
        self.lesson = lesson
        self._start_step = step

    def compose(self) -> ComposeResult:
        plain = self.tutor.plain
        with Horizontal(id="lesson-body"):
            yield LessonView(self.lesson, plain=plain, id="lesson-view")
            yield LivePanel([s.name for s in self.lesson.sandbox.services], plain=plain, clock=self.tutor.clock,
                            id="live-panel")
        yield CommandBar(self.tutor.history, lambda: self.panel.names(), plain=plain, id="command-bar")
        if plain:
            yield Announcer(id="announcer")
        yield StatusBar(self.tutor.link.sandbox, self.cluster, plain=plain, id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        progress = self.tutor.progress
        record = progress.lesson(self.lesson.id)
        step = self._start_step if self._start_step is not None else record.current_step
        self._show(min(max(step, 0), len(self.lesson.steps) - 1))
        self.tutor.link.ensure_services(self.lesson.sandbox.services,
                                        [self.lesson.path / name for name in self.lesson.task_definitions])

    @property
    def view(self) -> LessonView:
        return self.query_one(LessonView)

    def _show(self, index: int) -> None:
        progress = self.tutor.progress
        step = self.lesson.steps[index]
        earlier = progress.lesson(self.lesson.id).predictions.get(step.id)
        self.view.show_step(index, earlier.chosen if earlier else None)
        progress.visit(self.lesson.id, index)
        self.tutor.save_progress()
        self.announce(f"step {index + 1} of {len(self.lesson.steps)}: {step.title}")

    def action_step(self, delta: int) -> None:
        index = self.view.index
        progress = self.tutor.progress
        if delta > 0:
            progress.complete_step(self.lesson.id, self.lesson.steps[index].id)
            if index == len(self.lesson.steps) - 1:
                self._finish()
                return
        target = index + delta
        if 0 <= target < len(self.lesson.steps):
            self._show(target)
        else:
            self.tutor.save_progress()

    def _finish(self) -> None:
        """Past the last step: done when every exercise passed; otherwise say which steps are left."""
        title = self.lesson.title
        if self.tutor.progress.finish(self.lesson) == DONE:
            self.notify(f"Lesson done: {title}. Your sandbox keeps running.", title="Well done")
            self.announce(f"lesson done: {title}")
        else:
            left = steps_words(self.tutor.progress.lesson(self.lesson.id).gaps(self.lesson))
            self.notify(f"{title} is done with gaps: {left} not passed yet. Continue on the lessons screen "
                        "takes you back to the first.", title="Almost done", severity="warning", timeout=8)
            self.announce(f"lesson done with gaps: {left} not passed yet")
        self.tutor.save_progress()
        self.app.pop_screen()

    def action_home(self) -> None:
        if self.bar.is_open:
            self.bar.close()
            return
        if self.has_class("-zoomed"):
            self.action_zoom()
            return
        self.app.pop_screen()

    def action_zoom(self) -> None:
        zoomed = not self.has_class("-zoomed")
        self.set_class(zoomed, "-zoomed")
        # The keyboard goes with the eyes: to the tasks when the panel takes the screen, back to the text after.
        if zoomed:
            self.action_focus_tasks()
            self.announce("the live panel, the whole width; z or escape gives the lesson back")
        else:
            self.view.focus_text()
            self.announce("the lesson")

    @on(LessonView.Navigate)
    def _navigate(self, event: LessonView.Navigate) -> None:
        event.stop()
        self.action_step(event.delta)

    @on(LessonView.TryChosen)
    def _try(self, event: LessonView.TryChosen) -> None:
        event.stop()
        command = event.command
        selected = self.panel.selected_task
        if " ID" in command and selected is not None and not selected.stopped:
            command = command.replace(" ID", f" {selected.task_id[:12]}")
        self.bar.open(command)

    @on(LessonView.Predicted)
    def _predicted(self, event: LessonView.Predicted) -> None:
        event.stop()
        self.tutor.progress.record_prediction(self.lesson.id, event.step.id, event.chosen, event.correct)
        self.tutor.save_progress()
        self.announce("your prediction: " + ("right" if event.correct else "not quite; read the explanation"))
