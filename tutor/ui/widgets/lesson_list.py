"""The home screen's list: the lessons in course order, each marked done, done with gaps, in progress or
not started (done with gaps: past the last step with an exercise not passed, tutor/learner/progress.py).

The order is the course's (lesson folders by number, or a workshop's plan), the same order
"Continue" follows. Levels do not group the list, which would reorder it: a lesson's level is
in its details beside the list, and the search finds lessons by level.
"""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tutor.lessons import Lesson
from tutor.learner.progress import DONE, DONE_WITH_GAPS, IN_PROGRESS, NOT_STARTED, Progress

STATUS_FILTERS = ("all", NOT_STARTED, IN_PROGRESS, DONE, DONE_WITH_GAPS)
MARKS = {DONE: "[x]", DONE_WITH_GAPS: "[!]", IN_PROGRESS: "[~]", NOT_STARTED: "[ ]"}
STYLES = {DONE: "$text-success", DONE_WITH_GAPS: "$text-warning", IN_PROGRESS: "$text-warning"}


def steps_words(indexes: list[int]) -> str:
    """"step 3" or "steps 3 and 5", numbered from 1 as the learner sees them."""
    numbers = [str(n + 1) for n in indexes]
    words = numbers[-1] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
    return f"step{'s' if len(numbers) > 1 else ''} {words}"


def matches(lesson: Lesson, query: str) -> bool:
    """Every word of the query appears in the lesson's id, title, level, summary or step titles."""
    haystack = " ".join([lesson.id, lesson.title, lesson.level, lesson.summary,
                         *(s.title for s in lesson.steps)]).lower()
    return all(word in haystack for word in query.lower().split())


class LessonList(OptionList):
    """The lessons, numbered in course order under one heading; Enter or a click opens one."""

    class Chosen(Message):
        """A lesson was chosen."""

        def __init__(self, lesson: Lesson) -> None:
            super().__init__()
            self.lesson = lesson

    class Shown(Message):
        """The highlighted lesson changed (None when nothing is highlighted)."""

        def __init__(self, lesson: Lesson | None) -> None:
            super().__init__()
            self.lesson = lesson

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._lessons: dict[str, Lesson] = {}
        self._title_width = 0
        self._number_width = 1
        self.shown_lessons: list[Lesson] = []

    def show(self, lessons: list[Lesson], progress: Progress, query: str = "", status: str = "all",
             workshop=None) -> None:
        """List the lessons that match `query` and `status`, keeping the highlight where it was.

        `lessons` come in course order and stay in it; with a workshop (tutor/workshop/live.py)
        that is the class's order, under its title, each with its time box, and locked ones say so.
        """
        keep = self.highlighted_lesson.id if self.highlighted_lesson else None
        self._lessons = {l.id: l for l in lessons}
        self._title_width = max((len(l.title) for l in lessons), default=0)
        self._number_width = len(str(len(lessons)))
        numbered = [(n, l) for n, l in enumerate(lessons, 1) if matches(l, query)
                    and (status == "all" or progress.status_of(l) == status)]
        self.shown_lessons = [l for _, l in numbered]
        heading = workshop.title if workshop is not None else f"THE COURSE, IN ORDER ({len(lessons)} lessons)"
        options: list[Option | None] = []
        if numbered:
            options.append(Option(Content.from_markup("[b]$heading[/b]", heading=heading), disabled=True,
                                  id="heading"))
        options += [Option(self._label(n, lesson, progress, workshop), id=lesson.id) for n, lesson in numbered]
        self.clear_options()
        self.add_options(options)
        if not self.shown_lessons:
            self.add_option(Option("No lesson matches. Esc clears the search.", disabled=True, id="none"))
            return
        target = keep if keep in {l.id for l in self.shown_lessons} else self.shown_lessons[0].id
        self.highlighted = self.get_option_index(target)

    def _label(self, number: int, lesson: Lesson, progress: Progress, workshop=None) -> Content:
        """` 3 [~] Keeping count   (at step 2 of 5)`: the state in words too, never the mark alone.

        The minutes and the level are in the details beside the list; a workshop's time box and
        lock are said here, as the class runs on them.
        """
        record = progress.lesson(lesson.id)
        status = record.status_of(lesson)
        if status == IN_PROGRESS:
            step = min(record.current_step, len(lesson.steps) - 1) + 1
            state = f"at step {step} of {len(lesson.steps)}"
        elif status == DONE_WITH_GAPS:
            state = f"done with gaps: {steps_words(record.gaps(lesson))}"
        else:
            state = status
        style = STYLES.get(status, "$text-muted")
        extra = ""
        if workshop is not None:
            extra = f"  [$text-muted]{workshop.minutes(lesson)} min box[/]"
            extra += "" if workshop.is_unlocked(lesson.id) else "  [$text-error]locked[/]"
        return Content.from_markup(
            f" $number $mark $title  [{style}]($state)[/]{extra}",
            number=str(number).rjust(self._number_width), mark=MARKS[status],
            title=lesson.title.ljust(self._title_width), state=state,
        )

    @property
    def highlighted_lesson(self) -> Lesson | None:
        if self.highlighted is None:
            return None
        option = self.get_option_at_index(self.highlighted)
        return self._lessons.get(option.id or "")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        lesson = self._lessons.get(event.option.id or "")
        if lesson is not None:
            self.post_message(self.Chosen(lesson))

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.Shown(self._lessons.get(event.option.id or "")))
