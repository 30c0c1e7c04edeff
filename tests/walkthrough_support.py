"""A learner's walk through the whole course in the app, by keyboard only (tests/test_walkthrough.py).

`Walk` opens every lesson from the home screen's list with Enter, visits every step with `n`,
and on each step checks that what the learner must read or use can be reached: every question,
option, checklist line, hint and button is displayed, can be scrolled into the screen's visible
region (by containers the keyboard can scroll), and, when it is something to act on, is in the
Tab order. Questions are answered with Tab, the arrow keys and Enter. Exercises are solved in
the command bar (`:`), each line of the reference solution as the hint ladder's last rung shows
it, with placeholders (task ids) filled from the live sandbox; the line goes into the bar whole,
as a paste would, then Enter.

Keys are posted as the terminal sends them and each is followed by the screen handling its
queues (Pilot.press waits for the whole process to look idle instead, which costs minutes
with a live sandbox feeding the app). Problems are collected rather than raised at the first
one, so one run lists everything that blocks a learner, each with the lesson and the step.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from textual import events
from textual.geometry import Offset, Region
from textual.keys import key_to_character
from textual.widget import Widget
from textual.widgets import Input, OptionList

from tests.app_support import wait_until

LARGE = (120, 40)
SMALL = (80, 24)


def displayed(widget: Widget) -> bool:
    """The widget and every ancestor are displayed (and attached to a screen)."""
    node: Any = widget
    while node is not None:
        if not getattr(node, "display", True):
            return False
        if node.styles.get_rule("visibility") == "hidden":
            return False
        node = node.parent
    return widget.is_attached


def text_of(widget: Widget) -> str:
    visual = widget.render()
    return getattr(visual, "plain", str(visual))


@dataclass
class Walk:
    """One walk through the course at one terminal size."""

    pilot: Any
    size: tuple[int, int]
    solve: bool
    problems: dict[str, list[str]] = field(default_factory=dict)
    """Each problem found, with where it was met (lesson/step), the same problem once."""
    actions: list[Any] = field(default_factory=list)
    """ActionDone / ActionFailed messages the app handled (fed by run_test's message_hook)."""
    toasts: list[tuple[str, str]] = field(default_factory=list)
    """(title, message) of every toast the app showed, kept: a toast with the title of an
    earlier one replaces it on screen, so counting the ones on screen misses repeats."""
    where: str = "home"
    _details: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """How long each lesson took (to see where the time goes)."""
    checked: int = 0
    """How many things were checked for reach and sight (so a walk that checked nothing shows)."""

    # -- bookkeeping ----------------------------------------------------------------------------
    @property
    def app(self) -> Any:
        return self.pilot.app

    @property
    def screen(self) -> Any:
        return self.app.screen

    def problem(self, text: str, detail: str = "") -> None:
        """Note a problem here; `detail` (geometry, the panel's text) is kept for the first place met."""
        places = self.problems.setdefault(text, [])
        first = self._details.setdefault(text, detail)
        places.append(f"{self.where} ({detail})" if detail and (not places or detail != first) else self.where)

    def report(self) -> str:
        """Every problem, the places it was met, in the order first met."""
        lines = [f"{sum(map(len, self.problems.values()))} problem(s) a learner meets at "
                 f"{self.size[0]}x{self.size[1]}, {len(self.problems)} different:"]
        for text, places in self.problems.items():
            lines.append(f"- {text}\n    at {', '.join(places)}")
        return "\n".join(lines)

    def keep_toasts(self, app: Any) -> None:
        """Log every toast `app` shows, as well as showing it."""
        shown = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            self.toasts.append((kwargs.get("title", ""), message))
            shown(message, **kwargs)

        app.notify = notify

    def hook(self, message: Any) -> None:
        from tutor.ui.messages import ActionDone, ActionFailed

        if isinstance(message, (ActionDone, ActionFailed)) and not getattr(message, "quiet", False):
            self.actions.append(message)

    async def settle(self, rounds: int = 3) -> None:
        """Let the app handle what is queued, and what that queues in turn, and redraw."""
        for _ in range(rounds):
            await self.pilot.pause(0)

    async def wait(self, predicate: Any, timeout: float, what: str) -> None:
        """Wait for the sandbox (a command's answer, checks passing): the app runs on meanwhile.

        Polls ten times a second without redrawing anything itself, so a minute's wait costs
        the app no more than a learner watching; raises AssertionError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not seen within {timeout}s")
            await asyncio.sleep(0.1)
        await self.settle(1)

    async def press(self, *keys: str) -> None:
        """Key presses as the terminal sends them, in order; then the widget's action and what it posts."""
        for key in keys:
            self.app.post_message(events.Key(key, key_to_character(key)))
            await self.pilot.pause(0)  # the app hands it to the focused widget, in order
        await self.settle(2)  # the widget acts, and what its action posts is handled

    # -- seeing and reaching ----------------------------------------------------------------------
    def _scroll_into_view(self, widget: Widget, local: Region) -> list[Widget]:
        """Scroll each ancestor so `local` (in the widget's own box) is in view, as Textual's
        scroll_to_widget does for a whole widget. Returns the containers that had to move.

        Nothing is forced: a container that does not scroll (overflow hidden) stays put, so what
        it cuts off stays out of sight and is reported."""
        moved: list[Widget] = []
        region = local.translate(widget.virtual_region.offset)
        node = widget
        while isinstance(node.parent, Widget):
            container = node.parent
            delta = Offset(0, 0)
            if node.styles.dock == "none":
                delta = container.scroll_to_region(region, spacing=node.dock_gutter, animate=False,
                                                   immediate=True)
            if delta:
                moved.append(container)
            region = (region.translate(-delta)
                      .translate(container.styles.margin.top_left)
                      .translate(container.styles.border.spacing.top_left)
                      .translate(container.virtual_region_with_margin.offset)
                      .grow(container.styles.margin)
                      .intersection(container.virtual_region_with_margin))
            node = container
        return moved

    def _shown_part(self, widget: Widget, local: Region) -> Region | None:
        """The part of `local` (in the widget's box) that is inside the screen's visible region."""
        from textual.errors import NoWidget

        try:
            geometry = self.screen.find_widget(widget)
        except (NoWidget, KeyError):
            return None
        target = local.translate(geometry.region.offset)
        screen = Region(0, 0, *self.app.size)
        return target.intersection(geometry.clip).intersection(screen)

    async def see_part(self, widget: Widget, local: Region, what: str, chain: list[Widget]) -> bool:
        """`local` of the widget can be brought into view, by containers the keyboard can scroll."""
        self.checked += 1
        shown = self._shown_part(widget, local)
        if shown == local.translate(self._origin(widget)):
            return True
        moved = self._scroll_into_view(widget, local)
        await self.pilot.pause(0)
        shown = self._shown_part(widget, local)
        if shown is None or shown.size != local.size:
            # What just appeared (an explanation, a hint) may not be laid out yet: once more after a frame.
            await self.pilot.pause(0.05)
            moved += [c for c in self._scroll_into_view(widget, local) if c not in moved]
            await self.pilot.pause(0)
            shown = self._shown_part(widget, local)
        if shown is None or shown.size != local.size:
            seen = ("not at all" if not shown else
                    f"{shown.width}x{shown.height} of its {local.width}x{local.height} cells")
            self.problem(f"{what} cannot be scrolled into view",
                         f"seen {seen}; widget {widget.region} clipped to {self._clip(widget)}")
            return False
        for container in moved:
            # The keyboard scrolls a container that has focus, or one whose focusable child takes it.
            between = [w for w in widget.ancestors_with_self if container in w.ancestors]
            if container in chain or any(w in chain for w in between):
                continue
            self.problem(f"{what} is out of sight until {self._name(container)} is scrolled, and the keyboard "
                         f"cannot scroll it (neither it nor anything around {what} is in the Tab order)")
            return False
        return True

    def _origin(self, widget: Widget) -> Offset:
        try:
            return self.screen.find_widget(widget).region.offset
        except Exception:
            return Offset(-1, -1)

    def _clip(self, widget: Widget) -> Region | None:
        try:
            return self.screen.find_widget(widget).clip
        except Exception:
            return None

    @staticmethod
    def _name(widget: Widget) -> str:
        return f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__

    async def see(self, widget: Widget, what: str, *, chain: list[Widget] | None = None,
                  needs_text: bool = False) -> bool:
        """The widget is displayed, has height, and its first and last lines can be scrolled into view."""
        chain = self.screen.focus_chain if chain is None else chain
        if not displayed(widget):
            self.problem(f"{what} is not displayed")
            return False
        if needs_text and not text_of(widget).strip():
            self.problem(f"{what} is empty")
            return False
        width, height = widget.outer_size  # its whole box: the parts below are in the box's coordinates
        if width <= 0 or height <= 0:
            self.problem(f"{what} has no room on screen (size {width}x{height})")
            return False
        ok = await self.see_part(widget, Region(0, 0, width, 1), f"{what} (first line)", chain)
        if ok and height > 1:
            ok = await self.see_part(widget, Region(0, height - 1, width, 1), f"{what} (last line)", chain)
        return ok

    async def reach(self, widget: Widget, what: str) -> bool:
        """Something to act on: in the Tab order, and in sight."""
        chain = self.screen.focus_chain
        if not displayed(widget):
            self.problem(f"{what} is not displayed")
            return False
        if widget not in chain:
            self.problem(f"{what} cannot be reached with the keyboard (not in the Tab order)")
            return False
        return await self.see(widget, what, chain=chain)

    async def tab_to(self, widget: Widget, what: str) -> None:
        """Tab until `widget` has the keyboard, as a learner moves to a question (the bar closed first)."""
        if self._typing():
            await self.press("escape")
        for _ in range(len(self.screen.focus_chain) + 1):
            if self.app.focused is widget:
                return
            await self.press("tab")
        self.problem(f"Tab never gives {what} the keyboard (focus stays on {self._name(self.app.focused)})"
                     if self.app.focused is not None else f"Tab never gives {what} the keyboard")
        widget.focus()  # so the walk can go on and find what else there is
        await self.settle()

    async def reach_options(self, options: OptionList, what: str) -> bool:
        """A list to choose from: in the Tab order, and every option in sight when it is highlighted.

        The highlight is moved as the arrow keys move it (one enabled option to the next; the
        keys themselves are pressed where an answer is chosen), which scrolls the list to it."""
        if not await self.reach(options, what):
            return False
        chain = self.screen.focus_chain
        ok = True
        for n in range(options.option_count):
            if options.get_option_at_index(n).disabled:
                # A line to read, not to choose (a script's wait): the list scrolls to it.
                line = options._index_to_line[n]
                options.scroll_to_region(Region(0, line, options.scrollable_content_region.width,
                                                options._heights[n]), animate=False, immediate=True)
            else:
                options.highlighted = n  # what up/down do; watching it scrolls the list to the option
            ok &= await self.see_option(options, n, what, chain)
        return ok

    async def see_option(self, options: OptionList, n: int, what: str, chain: list[Widget]) -> bool:
        line = options._index_to_line[n]  # the option's first line in the list's content
        height = options._heights[n]
        gutter = options.styles.gutter.top
        top = gutter + line - options.scroll_offset.y
        if not (gutter <= top and top + height <= gutter + options.scrollable_content_region.height):
            self.problem(f"{what}: option {n + 1} stays outside the list's window when it is highlighted")
            return False
        return await self.see_part(options, Region(0, top, options.outer_size.width, height),
                                   f"{what}, option {n + 1}", chain)

    # -- typing -------------------------------------------------------------------------------------
    def _typing(self) -> bool:
        return isinstance(self.app.focused, Input)

    async def press_screen_key(self, *keys: str) -> None:
        """Keys for the screen (n, h, R…): a learner closes the command bar first so they are not typed."""
        if self._typing():
            await self.press("escape")
        await self.press(*keys)

    async def type_command(self, line: str) -> str | None:
        """Type a line into the command bar (opened with `:`) and press Enter; returns what went wrong."""
        bar = self.screen.bar
        if not (bar.is_open and self.app.focused is bar.input):
            await self.press("colon")
        if self.app.focused is not bar.input:
            return f"`:` did not put the cursor in the command bar (focus on {self.app.focused!r})"
        # The line goes in whole, as a paste would: key by key costs a minute over the course.
        bar.input.value = line
        bar.input.cursor_position = len(line)
        seen = len(self.actions)
        await self.press("enter")
        return await self._outcome(seen, line)

    async def _outcome(self, seen: int, line: str) -> str | None:
        from tutor.ui.messages import ActionFailed

        try:
            await self.wait(lambda: len(self.actions) > seen, timeout=30, what="an answer")
        except AssertionError:
            tail = "\n".join(self.screen.bar.output_text.splitlines()[-3:])
            return f"`{line}` typed into the command bar was not carried out; the bar says: {tail!r}"
        answer = self.actions[seen]
        if isinstance(answer, ActionFailed):
            return f"`{line}` in the command bar failed: {answer.message}"
        return None

    # -- the course -----------------------------------------------------------------------------------
    async def walk_course(self) -> None:
        """Every lesson in course order, from the home screen, then the course-complete moment.

        Something that stops the walk (a screen that never opens) is a problem too, reported
        with everything found before it."""
        try:
            await self._walk_course()
        except Exception:
            self.problem("the walk could not go on", traceback.format_exc(limit=-4))

    async def _walk_course(self) -> None:
        from tutor.ui.screens.home import HomeScreen

        await wait_until(self.pilot, lambda: isinstance(self.screen, HomeScreen), what="the home screen")
        for lesson in self.app.lessons:
            self.where = lesson.id
            started = time.monotonic()
            await self.open_from_home(lesson)
            await self.walk_lesson(lesson)
            self.seconds[lesson.id] = round(time.monotonic() - started, 1)
        self.where = "home"
        if self.solve:
            await self.see_course_complete()

    async def open_from_home(self, lesson: Any) -> None:
        from tutor.ui.screens.lesson import LessonScreen
        from tutor.ui.widgets.lesson_list import LessonList

        await self.settle()
        home = self.screen
        listing = home.query_one(LessonList)
        if self.app.focused is not listing:
            self.problem(f"the lesson list does not have the keyboard on the home screen "
                         f"(focus on {self.app.focused!r}); pressing Tab to reach it")
            for _ in range(8):
                await self.press("tab")
                if self.app.focused is listing:
                    break
            else:
                raise AssertionError(f"{self.where}: Tab never reaches the lesson list")
        order = [l.id for l in self.app.lessons]
        for _ in range(len(order) + 2):
            shown = listing.highlighted_lesson
            if shown is not None and shown.id == lesson.id:
                break
            here = order.index(shown.id) if shown is not None else -1
            await self.press("down" if order.index(lesson.id) > here else "up")
        else:
            raise AssertionError(f"{self.where}: the arrow keys never highlight {lesson.title!r} in the lesson list")
        await self.press("enter")
        await wait_until(self.pilot, lambda: isinstance(self.screen, LessonScreen) and self.screen.lesson.id == lesson.id,
                         what=f"{lesson.title} opening from the list")

    async def walk_lesson(self, lesson: Any) -> None:
        from tutor.learner.progress import DONE
        from tutor.ui.screens.home import HomeScreen

        screen = self.screen
        for index, step in enumerate(lesson.steps):
            self.where = f"{lesson.id}/{step.id} (step {index + 1})"
            await wait_until(self.pilot, lambda: screen.view.index == index, timeout=10,
                             what=f"step {index + 1} of {lesson.id}")
            await self.settle()
            await self.walk_step(screen, step)
            await self.press_screen_key("n")
        self.where = lesson.id
        await wait_until(self.pilot, lambda: isinstance(self.screen, HomeScreen), timeout=10,
                         what=f"the home screen after the last step of {lesson.id}")
        # A lesson is done once every exercise in it has passed: only a walk that solves them gets there.
        if self.solve and self.app.progress.lesson(lesson.id).status != DONE:
            self.problem(f"the lesson is not recorded as done after its last step "
                         f"({self.app.progress.lesson(lesson.id).status})")

    async def see_course_complete(self) -> None:
        from textual.widgets import Button

        await self.settle()
        home = self.screen
        line = home.query_one("#course-complete")
        if await self.see(line, "the course-complete line", needs_text=True):
            if "Course complete" not in text_of(line):
                self.problem(f"the home screen does not say the course is complete: {text_of(line)!r}")
        button = home.query_one("#continue", Button)
        if "Course complete" not in str(button.label):
            self.problem(f"the home screen's button does not say the course is complete: {button.label!r}")

    # -- a step ---------------------------------------------------------------------------------------
    async def walk_step(self, screen: Any, step: Any) -> None:
        view = screen.view
        await self.see(view.query_one("#step-title"), "the step's title", needs_text=True)
        await self.see(view.query_one("#step-markdown"), "the step's text")
        if step.asks_first:
            await self.answer_prediction(screen, step)
        elif step.quiz:
            await self.answer_quiz(screen, step)
        elif step.exercise is not None:
            await self.work_exercise(screen, step)
        await self.see_tries_and_buttons(view, step)

    async def see_tries_and_buttons(self, view: Any, step: Any) -> None:
        from textual.widgets import Button

        if step.try_commands:
            tries = view.query_one("#try-list", OptionList)
            await self.reach_options(tries, "the Try it list")
        previous = view.query_one("#step-prev", Button)
        if not previous.disabled:
            await self.reach(previous, "the Previous button")
        await self.reach(view.query_one("#step-next", Button), "the Next button")

    # -- predictions and myths ------------------------------------------------------------------------
    async def answer_prediction(self, screen: Any, step: Any) -> None:
        view = screen.view.mode_view()
        kind = "myth" if step.myth is not None else "prediction"
        if view is None or not displayed(view):
            self.problem(f"the {kind} is not displayed")
            return
        await self.see(view.query_one(".question"), f"the {kind}'s question", needs_text=True)
        options = view.query_one(".options", OptionList)
        await self.reach_options(options, f"the {kind}'s options")
        answer = step.prediction.answer
        await self.choose(options, answer, f"the {kind}'s options")
        await self.settle()
        if screen.view.answer != answer:
            self.problem(f"Enter on option {answer + 1} did not commit the {kind} (recorded {screen.view.answer})")
            return
        await self.see(view.query_one(".explain"), f"the {kind}'s explanation", needs_text=True)
        after = view.query_one(".after")
        if after.display:
            await self.see(after, f"the rest of the step after the {kind}")
        if step.myth is not None and step.myth.demo:
            await self.reach_options(view.query_one("#myth-demo", OptionList), "the myth's demo lines")
        recorded = self.app.progress.lesson(screen.lesson.id).predictions.get(step.id)
        if recorded is None or not recorded.correct:
            self.problem(f"the {kind}'s right answer is not recorded as right: {recorded}")

    async def choose(self, options: OptionList, index: int, what: str) -> None:
        """Highlight option `index` with the arrow keys and press Enter."""
        await self.tab_to(options, what)
        await self.press("home")
        if options.highlighted is None:
            await self.press("down")
        await self.press(*["down"] * index)
        if options.highlighted != index:
            self.problem(f"{what}: the arrow keys highlight option {options.highlighted}, not {index + 1}")
            return
        await self.press("enter")

    # -- quizzes --------------------------------------------------------------------------------------
    async def answer_quiz(self, screen: Any, step: Any) -> None:
        from tutor.ui.widgets.quiz_view import QuizView

        quiz = screen.query_one(QuizView)
        total = len(step.quiz)
        try:
            await wait_until(self.pilot, lambda: len(quiz.questions) == total and all(
                q.is_mounted for q in quiz.questions), timeout=5, what="the quiz's questions")
        except AssertionError:
            self.problem(f"the quiz shows {len(quiz.questions)} of its {total} questions")
            return
        await self.settle()
        for number, question in enumerate(step.quiz, 1):
            views = [q for q in quiz.questions if q.question.id == question.id]
            if not views or not displayed(views[0]):
                self.problem(f"question {number} of the quiz is gone (before it was answered)")
                continue
            await self.answer_question(quiz, views[0], number, total)
        await self.settle()
        for number, view in enumerate(quiz.questions, 1):
            await self.see(view.query_one(".question-text"), f"question {number}, after the whole quiz was answered")
        score = quiz.query_one("#quiz-score")
        if await self.see(score, "the quiz's score", needs_text=True) and "Quiz done" not in text_of(score):
            self.problem(f"the quiz's score does not say it is done: {text_of(score)!r}")
        record = self.app.progress.lesson(screen.lesson.id).quiz.get(step.id, {})
        wrong = [q.id for q in step.quiz if q.id not in record or not record[q.id].correct]
        if wrong:
            self.problem(f"right answers not recorded as right for questions {wrong}")

    async def answer_question(self, quiz: Any, view: Any, number: int, total: int) -> None:
        what = f"question {number} of {total}"
        await self.see(view.query_one(".question-text"), f"{what}'s text", needs_text=True)
        choices = view.choices
        if view.question.kind == "order":
            await self.see(view.query_one(".question-how"), f"{what}'s instructions", needs_text=True)
            await self.reach_options(choices, f"{what}'s items")
            await self.put_in_order(choices, what)
        else:
            await self.reach_options(choices, f"{what}'s options")
            await self.choose(choices, view.question.answer, f"{what}'s options")
        await self.settle()
        if not view.answered:
            self.problem(f"Enter did not answer {what}")
            return
        if not view.question.grade(view.answer.chosen):
            self.problem(f"{what} was answered with the right choice but graded wrong: {view.answer.chosen}")
        await self.see(view.query_one(".feedback"), f"the feedback on {what}", needs_text=True)
        later = [q for q in quiz.questions if q.number == number + 1]
        if number < total:
            if not later or not displayed(later[0]):
                self.problem(f"question {number + 1} is gone after answering {what}")
                return
            await self.see(later[0].query_one(".question-text"), f"question {number + 1} after answering {what}",
                           needs_text=True)

    async def put_in_order(self, items: Any, what: str) -> None:
        """Move each item to its place with shift+up, then Enter."""
        await self.tab_to(items, what)
        for place in range(len(items.order)):
            where = items.order.index(place)
            await self.press("home", *["down"] * where)
            await self.press(*["shift+up"] * (where - place))
        if items.order != sorted(items.order):
            self.problem(f"{what}: shift+up did not put the items in order: {items.order}")
            return
        await self.press("enter")

    # -- exercises and pitfall labs -----------------------------------------------------------------
    async def work_exercise(self, screen: Any, step: Any) -> None:
        panel = screen.exercise
        exercise = step.exercise
        kind = "pitfall lab" if exercise.kind == "pitfall" else "exercise"
        if not panel.active or not displayed(panel):
            self.problem(f"the {kind}'s panel is not shown")
            return
        if panel.unavailable:
            self.problem(f"the {kind} says it is not available: {panel.unavailable}")
        await self.pilot.pause(0.3)  # the panel judges what the sandbox holds now
        if self.solve:
            await self.reset_if_asked(screen, panel, kind)
        await self.see_panel(panel, kind)
        if self.solve and exercise.kind == "pitfall":
            await self.make_mistake(screen, panel, exercise)
        await self.climb_ladder(screen, panel, exercise, kind)
        if self.solve:
            await self.type_solution(screen, panel, exercise, kind)

    async def see_panel(self, panel: Any, kind: str) -> None:
        chain = self.screen.focus_chain
        await self.see(panel.query_one("#exercise-goal"), f"the {kind}'s goal", chain=chain, needs_text=True)
        await self.see(panel.query_one("#exercise-status"), f"the {kind}'s status line", chain=chain, needs_text=True)
        note = panel.query_one("#exercise-note")
        if note.display:
            await self.see(note, f"the {kind}'s note", chain=chain, needs_text=True)
        if panel.session.exercise.kind == "pitfall":
            await self.see(panel.query_one("#exercise-mistake-heading"), "the pitfall lab's step 1 heading",
                           chain=chain, needs_text=True)
            await self.reach_options(panel.query_one("#exercise-mistake", OptionList), "the mistake's lines")
            await self.see(panel.query_one("#exercise-symptoms"), "the pitfall lab's symptoms checklist",
                           needs_text=True)
        await self.see(panel.query_one("#exercise-checks"), f"the {kind}'s checklist", needs_text=True)
        await self.see(panel.query_one("#exercise-keys"), f"the {kind}'s keys (h, v, R)", needs_text=True)

    async def reset_if_asked(self, screen: Any, panel: Any, kind: str) -> None:
        """When the app says the sandbox is not how the exercise starts, R (and y) as it suggests."""
        from tutor.ui.screens.confirm import ConfirmDialog

        if not (panel.busy and "R shows what a reset changes" in panel.busy):
            return
        before = len([title for title, _ in self.toasts if title == "Reset"])
        await self.press_screen_key("R")
        try:
            await wait_until(self.pilot, lambda: isinstance(self.app.screen, ConfirmDialog), timeout=5,
                             what="the reset question")
        except AssertionError:
            self.problem(f"R did not ask to reset the {kind}'s sandbox")
            return
        await self.press("y")
        try:
            await self.wait(lambda: len([title for title, _ in self.toasts if title == "Reset"]) > before,
                             timeout=120, what="the reset finishing")
        except AssertionError:
            self.problem("the reset did not finish within 120 s", panel.text)
            return
        said = [message for title, message in self.toasts if title == "Reset"][-1]
        if said != "The sandbox is back to how this step starts.":
            self.problem(f"the reset did not put the sandbox back: {said}")
        await self.pilot.pause(0.3)

    async def make_mistake(self, screen: Any, panel: Any, exercise: Any) -> None:
        """Step 1 of a pitfall lab: Enter on each line of the mistake puts it, filled in, in the command bar."""
        mistake = panel.query_one("#exercise-mistake", OptionList)
        for n, line in enumerate(exercise.mistake):
            if line.wait is not None:
                await self.wait_for(panel, line, "the mistake's")
                continue
            await self.tab_to(mistake, "the mistake's lines")
            await self.press("home")
            for _ in range(sum(1 for earlier in exercise.mistake[:n] if earlier.wait is None)):
                await self.press("down")
            if mistake.highlighted != n:
                self.problem(f"the arrow keys do not reach line {n + 1} of the mistake")
                return
            seen = len(self.actions)
            await self.press("enter")
            bar = screen.bar
            if not bar.is_open or self.app.focused is not bar.input:
                self.problem(f"Enter on the mistake's line {n + 1} did not open the command bar with it")
                return
            typed = bar.input.value
            if "<" in typed:
                self.problem(f"the mistake's line {n + 1} came to the command bar unfilled: {typed!r}")
                return
            await self.press("enter")
            error = await self._outcome(seen, typed)
            if error:
                self.problem(f"making the mistake: {error}")
                return
        try:
            await self.wait(lambda: panel.symptom_results and all(r.passed for r in panel.symptom_results),
                             timeout=exercise.timeout + 10, what="the mistake's symptoms")
        except AssertionError:
            self.problem("the mistake's symptoms never all showed", panel.text)

    async def wait_for(self, panel: Any, line: Any, whose: str) -> None:
        """A `wait:` line: the learner watches the live panel until it holds."""
        from tutor.checks import expr

        def holds() -> bool:
            return panel.session is not None and bool(expr.evaluate(line.wait.condition, panel.session.timeline.view()))

        try:
            await self.wait(holds, timeout=line.wait.timeout + 10, what=line.text)
        except AssertionError:
            self.problem(f"{whose} `{line.text}` never held on the live sandbox")

    async def climb_ladder(self, screen: Any, panel: Any, exercise: Any, kind: str) -> None:
        """h up to the last rung: every hint, then the solution, each in sight."""
        hint = panel.query_one("#exercise-hint")
        for rung in range(1, exercise.ladder_size + 1):
            await self.press_screen_key("h")
            if panel.rung is None or panel.rung.number != rung:
                self.problem(f"h did not show hint {rung} of {exercise.ladder_size}")
                return
            await self.see(hint, f"the {kind}'s hint {rung} of {exercise.ladder_size}", needs_text=True)
        if not panel.rung.solution:
            self.problem(f"the last rung of the {kind}'s hint ladder is not the solution")

    async def type_solution(self, screen: Any, panel: Any, exercise: Any, kind: str) -> None:
        """Each line of the reference solution, as the ladder's last rung shows it now, typed into the bar."""
        from tutor.checks import expr, plain_words

        for line in exercise.solution:
            if line.wait is not None:
                await self.wait_for(panel, line, "the solution's")
                continue
            for _ in range(3 if expr.has_placeholders(line.parts) else 1):
                if expr.has_placeholders(line.parts):
                    await self.press_screen_key("h")  # the solution rung again: filled from the sandbox now
                shown = panel.rung.text if panel.rung is not None else ""
                typed = plain_words.commands(line, panel.session.timeline.view())
                if typed and all("<" not in command and command in shown for command in typed):
                    break  # (else the sandbox moved on between the two readings: read again)
            else:
                self.problem(f"the solution rung shows no command to type for `{line.text}`", shown)
                return
            for command in typed:
                error = await self.type_command(command)
                if error:
                    self.problem(f"solving the {kind}: {error}")
        try:
            await self.wait(lambda: panel.passed, timeout=exercise.timeout + 15,
                             what="every check passing")
        except AssertionError:
            tail = "\n".join(screen.bar.output_text.splitlines()[-6:])
            self.problem(f"the {kind} did not pass after its solution was typed into the command bar",
                         f"the panel says:\n{panel.text}\nthe command bar says:\n{tail}")
            return
        await self.settle()
        status = panel.query_one("#exercise-status")
        if "✓ Done" not in text_of(status):
            self.problem(f"the {kind} passed but its status line says {text_of(status)!r}")
        await self.see(status, f"the {kind}'s ✓ Done line", needs_text=True)
        record = self.app.progress.lesson(screen.lesson.id).exercises.get(screen.view.step.id)
        if record is None or record.passed_at is None:
            self.problem(f"progress does not record the {kind} as passed: {record}")
