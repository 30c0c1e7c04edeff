"""The home screen's list: lessons grouped by level, each marked done, in progress or not started."""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..lessons import LEVELS, Lesson
from ..progress import DONE, IN_PROGRESS, NOT_STARTED, Progress

STATUS_FILTERS = ("all", NOT_STARTED, IN_PROGRESS, DONE)
MARKS = {DONE: "[x]", IN_PROGRESS: "[~]", NOT_STARTED: "[ ]"}


def matches(lesson: Lesson, query: str) -> bool:
    """Every word of the query appears in the lesson's id, title, level, summary or step titles."""
    haystack = " ".join([lesson.id, lesson.title, lesson.level, lesson.summary,
                         *(s.title for s in lesson.steps)]).lower()
    return all(word in haystack for word in query.lower().split())


class LessonList(OptionList):
    """Lessons under level headings; Enter or a click opens one."""

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
        self.shown_lessons: list[Lesson] = []

    def show(self, lessons: list[Lesson], progress: Progress, query: str = "", status: str = "all",
             workshop=None) -> None:
        """List the lessons that match `query` and `status`, keeping the highlight where it was.

        With a workshop (tutor/workshop/live.py) they stay in the class's order under its title,
        each with its time box, and locked ones say so.
        """
        keep = self.highlighted_lesson.id if self.highlighted_lesson else None
        self._lessons = {l.id: l for l in lessons}
        self.shown_lessons = []
        self._title_width = max((len(l.title) for l in lessons), default=0)
        options: list[Option | None] = []
        groups = [("workshop", workshop.title, lessons)] if workshop is not None else [
            (level, level.upper(), [l for l in lessons if l.level == level]) for level in LEVELS]
        for key, heading, members in groups:
            group = [l for l in members if matches(l, query)
                     and (status == "all" or progress.lesson(l.id).status == status)]
            if not group:
                continue
            options.append(Option(Content.from_markup("[b]$level[/b]", level=heading), disabled=True,
                                  id=f"level-{key}"))
            for lesson in group:
                options.append(Option(self._label(lesson, progress, workshop), id=lesson.id))
                self.shown_lessons.append(lesson)
        self.clear_options()
        self.add_options(options)
        if not self.shown_lessons:
            self.add_option(Option("No lesson matches. Esc clears the search.", disabled=True, id="none"))
            return
        target = keep if keep in {l.id for l in self.shown_lessons} else self.shown_lessons[0].id
        self.highlighted = self.get_option_index(target)

    def _label(self, lesson: Lesson, progress: Progress, workshop=None) -> Content:
        record = progress.lesson(lesson.id)
        status = record.status
        if status == IN_PROGRESS:
            step = min(record.current_step, len(lesson.steps) - 1) + 1
            state = f"in progress, step {step} of {len(lesson.steps)}"
        else:
            state = status
        style = {DONE: "$text-success", IN_PROGRESS: "$text-warning"}.get(status, "$text-muted")
        minutes = f"{lesson.minutes} min"
        locked = ""
        if workshop is not None:
            minutes = f"{workshop.minutes(lesson)} min box"
            locked = "" if workshop.is_unlocked(lesson.id) else "  [$text-error]locked[/]"
        return Content.from_markup(
            f"  $mark $title  [{style}]($state)[/]  [$text-muted]$minutes[/]{locked}",
            mark=MARKS[status], title=lesson.title.ljust(self._title_width), state=state,
            minutes=minutes,
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
