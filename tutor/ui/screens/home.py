"""The home screen: the lessons in course order with your progress, search, and "continue where I left off".

A lesson is done once every exercise in it passed; one the learner went through with an exercise
not passed is "done with gaps", and continuing it opens the first such step. Once every lesson is
done, the course is complete: the screen says so, and the button that continued the course opens
the review instead.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Footer, Input, Static

from tutor.lessons import Lesson, Step
from tutor.learner.progress import DONE, DONE_WITH_GAPS, NOT_STARTED, LessonProgress
from tutor.ui.widgets.announcer import Announcer
from tutor.ui.widgets.lesson_list import STATUS_FILTERS, LessonList, steps_words
from tutor.ui.widgets.status_bar import StatusBar
from tutor.ui.screens.base import TutorScreen


class HomeScreen(TutorScreen):
    """Pick a lesson (Enter or a click), continue the last one, or open the free sandbox."""

    BINDINGS = [
        Binding("slash", "search", "Search", key_display="/",
                tooltip="Search the lessons: titles, summaries, levels and steps"),
        Binding("f", "filter", "Filter", tooltip="Show all lessons, or only not started, in progress or done"),
        Binding("c", "continue", "Continue", tooltip="Continue where you left off"),
        Binding("s", "sandbox", "Free sandbox", tooltip="The live sandbox without a lesson"),
        Binding("r", "review", "Review",
                tooltip="Review: flashcards of the takeaways and of what you missed, spaced out over days"),
        Binding("i", "cheatsheet", "Cheat sheet",
                tooltip="The cheat sheet: every concept with its aws ecs command and servicelab twin"),
        Binding("escape", "clear_search", "Clear search", show=False, tooltip="Clear the search"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | / | Search the lessons (titles, summaries, steps). |
    | f | Filter: all, not started, in progress, done. |
    | c | Continue where you left off. |
    | s | The free sandbox, without a lesson. |
    | r | Review: flashcards due today (spaced repetition). |
    | i | The cheat sheet: concepts with their aws ecs and servicelab commands. |
    | enter | Open the highlighted lesson. |
    | escape | Clear the search. |
    """

    def __init__(self) -> None:
        super().__init__(name="home")
        self.status_filter = "all"
        self._complete_shown: bool | None = None

    def compose(self) -> ComposeResult:
        plain = self.tutor.plain
        yield Static(Content.from_markup(
            "[b]servicelab[/b]: how services keep tasks running (the AWS ECS model), on real containers"),
            id="home-title")
        yield Static(id="course-complete")
        yield Button("Continue", id="continue", variant="primary", compact=plain)
        with Horizontal(id="search-row"):
            yield Input(placeholder="Search lessons ( / )", id="search", compact=plain)
            yield Static(id="filter-label")
        with Horizontal(id="home-body"):
            yield LessonList(id="lesson-list")
            with VerticalScroll(id="lesson-detail"):
                yield Static(id="lesson-detail-body")
        if plain:
            yield Announcer(id="announcer")
        yield StatusBar(self.tutor.link.sandbox, self.tutor.cluster, plain=plain, id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_lessons()
        self.query_one(LessonList).focus()
        if self.tutor.lesson_error:
            self.query_one("#lesson-detail-body", Static).update(Content.from_markup(
                "[$text-error]The lessons could not be loaded:[/]\n$error", error=self.tutor.lesson_error))

    def on_screen_resume(self) -> None:
        self.refresh_lessons()

    def refresh_lessons(self) -> None:
        """Redraw the list and the continue button from the current progress."""
        lessons = self.tutor.lessons
        query = self.query_one("#search", Input).value
        self.query_one(LessonList).show(lessons, self.tutor.progress, query, self.status_filter,
                                        workshop=self.tutor.workshop)
        self.query_one("#filter-label", Static).update(f"showing: {self.status_filter} (f changes)")
        button = self.query_one("#continue", Button)
        target = self.continue_target()
        self._show_course_complete()
        if self.course_complete:
            button.label = "Course complete: review what you learned (c)"
            button.disabled = False
        elif target is None:
            button.label = "Start the first lesson (c)" if lessons else "No lessons"
            button.disabled = not lessons
        else:
            lesson, step = target
            gap = " (not passed yet)" if step in self.tutor.progress.lesson(lesson.id).gaps(lesson) else ""
            button.label = f"Continue: {lesson.title}, step {step + 1} of {len(lesson.steps)}{gap} (c)"
            button.disabled = False

    @property
    def course_complete(self) -> bool:
        """Every lesson of the course (in a workshop: of its plan) is done."""
        lessons = self.tutor.lessons
        return bool(lessons) and all(self.tutor.progress.status_of(l) == DONE for l in lessons)

    def _show_course_complete(self) -> None:
        """The course-complete moment: a line above the button, said once each time it comes true."""
        complete = self.course_complete
        if complete == self._complete_shown:
            return
        self._complete_shown = complete
        line = self.query_one("#course-complete", Static)
        line.display = complete
        if not complete:
            return
        count = len(self.tutor.lessons)
        line.update(Content.from_markup(
            "[b]$cheer: all $n lessons done. Well done![/b]\n"
            "Keep it fresh: [b]r[/b] reviews the flashcards when they are due, [b]s[/b] opens the free sandbox "
            "to try things your own way, [b]i[/b] is the cheat sheet; any lesson opens again from the list.",
            cheer="Course complete" if self.tutor.plain else "★ Course complete", n=str(count)))
        self.announce(f"Course complete: all {count} lessons done")

    def continue_target(self) -> tuple[Lesson, int] | None:
        """The lesson and step to continue with: the last one touched, unless it is done, then the first
        lesson in course order that is not done. In a lesson done with gaps, its first exercise not passed."""
        progress = self.tutor.progress
        # In a workshop, locked lessons are not where anyone continues.
        open_lessons = [l for l in self.tutor.lessons if not self.tutor.is_locked(l)]
        by_id = {l.id: l for l in open_lessons}
        last = by_id.get(progress.last_lesson or "")
        if last is not None and progress.status_of(last) != DONE:
            return last, _where(last, progress.lesson(last.id))
        for lesson in open_lessons:
            status = progress.status_of(lesson)
            if status == NOT_STARTED:
                return (lesson, 0) if last is not None else None
            if status != DONE:
                return lesson, _where(lesson, progress.lesson(lesson.id))
        return None

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        self.query_one(LessonList).focus()

    def action_filter(self) -> None:
        index = STATUS_FILTERS.index(self.status_filter)
        self.status_filter = STATUS_FILTERS[(index + 1) % len(STATUS_FILTERS)]
        self.refresh_lessons()
        self.announce(f"showing {self.status_filter} lessons")

    def action_continue(self) -> None:
        if self.course_complete:
            self.action_review()
            return
        target = self.continue_target()
        if target is None:
            open_lessons = [l for l in self.tutor.lessons if not self.tutor.is_locked(l)]
            if open_lessons:
                self.tutor.open_lesson(open_lessons[0])
            return
        self.tutor.open_lesson(target[0], target[1])

    def action_sandbox(self) -> None:
        self.tutor.open_sandbox()

    def action_review(self) -> None:
        from tutor.ui.screens.review import open_review

        open_review(self.app)

    def action_cheatsheet(self) -> None:
        from tutor.ui.screens.cheatsheet import open_cheatsheet

        open_cheatsheet(self.app)

    @on(Button.Pressed, "#continue")
    def _continue_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_continue()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.refresh_lessons()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        lessons = self.query_one(LessonList)
        if len(lessons.shown_lessons) == 1:
            self.tutor.open_lesson(lessons.shown_lessons[0])
        else:
            lessons.focus()

    @on(LessonList.Chosen)
    def _chosen(self, event: LessonList.Chosen) -> None:
        event.stop()
        self.tutor.open_lesson(event.lesson)

    @on(LessonList.Shown)
    def _shown(self, event: LessonList.Shown) -> None:
        event.stop()
        body = self.query_one("#lesson-detail-body", Static)
        lesson = event.lesson
        if lesson is None:
            body.update("")
            return
        record = self.tutor.progress.lesson(lesson.id)
        status = record.status_of(lesson)
        gaps = record.gaps(lesson)
        if status == DONE_WITH_GAPS:
            status += f": {steps_words(gaps)} not passed yet (c goes there)"
        steps = "\n".join(_step_line(n, s, record, n - 1 in gaps) for n, s in enumerate(lesson.steps, 1))
        services = ", ".join(f"{s.name} ({s.desired_count} × {s.task_definition})" for s in lesson.sandbox.services)
        workshop = self.tutor.workshop
        minutes = f"{lesson.minutes} minutes"
        if workshop is not None:
            minutes = f"time box {workshop.minutes(lesson)} minutes" + (
                "" if workshop.is_unlocked(lesson.id) else " · locked until your instructor unlocks it")
        body.update(Content.from_markup(
            "[b]$title[/b]\n$level · $minutes · $status\n\n$summary\n\n[b]Steps[/b]\n$steps\n\n"
            "[b]Sandbox[/b]\n$services",
            title=lesson.title, level=lesson.level, minutes=minutes, status=status,
            summary=lesson.summary, steps=steps, services=services or "an empty sandbox",
        ))


def _where(lesson: Lesson, record: LessonProgress) -> int:
    """The step to continue a lesson at: its first exercise not passed once finished, else where the learner was."""
    gaps = record.gaps(lesson)
    if record.finished and gaps:
        return gaps[0]
    return min(record.current_step, len(lesson.steps) - 1)


def _step_line(number: int, step: Step, record: LessonProgress, gap: bool) -> str:
    """`[x] 2. Title`; an exercise gone past without passing is marked, in words too."""
    if gap and step.id in record.steps_done:
        return f"  [!] {number}. {step.title} (not passed yet)"
    return f"  {'[x]' if step.id in record.steps_done else '[ ]'} {number}. {step.title}"
