"""The checklist of an exercise or pitfall lab, judged against the live sandbox as it changes.

The panel owns the step's ExerciseSession (tutor/exercises/session.py). Every snapshot the
link delivers goes into the session's timeline at once, so temporal checks ("within 10 s
after a task stopped…") see each state; judging and redrawing are coalesced, at most once
per COALESCE seconds, so a burst of changes costs one evaluation. A slow tick re-judges
even when nothing changes, because a time window can close with the sandbox standing still.

Red (a border in the error colour) until every check passes; green, and latched, from then
on. Each check that has not passed says why in one line. Keys live on the screen
(tutor/screens/learning.py): h climbs the hint ladder, v judges now, R resets the step.
"""

from __future__ import annotations

from typing import Any, Callable

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from tutor.lessons import features
from tutor.checks.spec import FAIL, PASS, Result
from tutor.exercises.session import ExerciseSession, Rung
from tutor.lessons import Lesson, Step
from tutor.lessons.modes import PITFALL
from tutor.learner.progress import Progress
from tutor.ui.widgets.script_list import ScriptList

COALESCE = 0.2
TICK = 1.0
STALE_WINDOW = 5.0
"""After a reset, snapshots older than the reset's own view are dropped for this long (see `restarted`)."""
GLYPHS = {PASS: "✓", FAIL: "✗"}
WORDS = {PASS: "PASS", FAIL: "FAIL"}
KEYS = "h next hint · v check now · R reset this step"


class ExercisePanel(VerticalScroll):
    """The checklist, below the step's text. It takes at most 40% of the lesson's height, so
    the step's text keeps the larger share, and scrolls beyond that (Tab reaches it; up and down
    scroll it, like the step's page)."""

    DEFAULT_CSS = """
    ExercisePanel {
        display: none;
        height: auto;
        max-height: 40%;
        overflow-y: auto;
        padding: 0 1;
        border: round $error;
        border-title-style: bold;
    }
    ExercisePanel.-active { display: block; }
    ExercisePanel.-passed { border: round $success; }
    ExercisePanel > Static { height: auto; }
    ExercisePanel #exercise-status { text-style: bold; }
    ExercisePanel.-passed #exercise-status { color: $text-success; }
    ExercisePanel #exercise-mistake { height: auto; }
    ExercisePanel #exercise-note { color: $text-warning; }
    ExercisePanel #exercise-hint { margin: 1 0 0 0; }
    ExercisePanel #exercise-keys { color: $text-muted; }
    """

    PINNED = True
    """The checklist stays in sight below the step's text while the learner works the sandbox."""

    def allow_focus(self) -> bool:
        # A Tab stop only while there is more to scroll to: the keyboard scrolls it then.
        return self.allow_vertical_scroll

    class Passed(Message):
        """Every check passed for the first time."""

    class Recorded(Message):
        """The session wrote to the learner's progress (a hint, a pass): time to save it."""

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        self.session: ExerciseSession | None = None
        self.results: list[Result] = []
        self.symptom_results: list[Result] = []
        self.rung: Rung | None = None
        self.unavailable: str | None = None
        self.busy: str | None = None
        self._latest: dict[str, Any] | None = None
        self._floor: int | None = None
        self._pending: Timer | None = None
        self._tick: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="exercise-goal")
        yield Static(id="exercise-status")
        yield Static(id="exercise-note")
        yield Static("1. Make the mistake on purpose (Enter puts a line in the command bar):",
                     id="exercise-mistake-heading")
        yield ScriptList(id="exercise-mistake")
        yield Static(id="exercise-symptoms")
        yield Static(id="exercise-checks")
        yield Static(id="exercise-hint")
        yield Static(KEYS, id="exercise-keys")

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.session is not None

    @property
    def passed(self) -> bool:
        return self.session is not None and self.session.passed

    def start(self, lesson: Lesson, step: Step, progress: Progress | None, clock: Callable[[], float],
              cluster: str, snapshot: dict[str, Any] | None) -> None:
        """Begin the step's exercise from now; earlier history does not count."""
        self.stop()
        exercise = step.exercise
        assert exercise is not None
        self.session = ExerciseSession(lesson, step, progress, clock=clock, cluster=cluster)
        self.unavailable = features.reason(exercise.requires)
        self.rung = None
        self.busy = None
        self.add_class("-active")
        pitfall = exercise.kind == PITFALL
        self.border_title = "Pitfall lab" if pitfall else "Exercise"
        self.query_one("#exercise-goal", Static).update(Content.from_markup("[b]Goal:[/b] $g", g=exercise.goal))
        self.query_one("#exercise-mistake-heading").display = pitfall
        mistake = self.query_one(ScriptList)
        mistake.display = pitfall
        mistake.show(exercise.mistake)
        self.query_one("#exercise-symptoms").display = pitfall
        self.query_one("#exercise-hint", Static).update("")
        self._latest = None
        if snapshot is not None:
            self.feed(snapshot)
        self.evaluate()
        self._tick = self.set_interval(TICK, self.evaluate)

    def show_mode(self, step: Step, answer: int | None, after: str) -> None:
        """Nothing yet: the screen starts the exercise, which needs progress and the sandbox (`start`)."""

    def hide_mode(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._floor = None
        for timer in (self._pending, self._tick):
            if timer is not None:
                timer.stop()
        self._pending = self._tick = None
        self.session = None
        self.results = []
        self.symptom_results = []
        self.remove_class("-active", "-passed")

    def on_unmount(self) -> None:
        self.stop()

    # -- fed by the screen ----------------------------------------------------------------------
    def feed(self, snapshot: dict[str, Any]) -> None:
        """A new snapshot: into the timeline now, judged on the next coalesced pass."""
        if self.session is None:
            return
        if self._floor is not None:
            if 0 <= _version(snapshot) < self._floor:
                return  # sent before the reset finished: the exercise starts from the reset's state
            self._floor = None
        self._latest = snapshot
        self.session.timeline.ingest(snapshot)
        if self._pending is None:
            self._pending = self.set_timer(COALESCE, self._flush)

    def _flush(self) -> None:
        self._pending = None
        self.evaluate()

    def evaluate(self) -> None:
        """Judge every check against the timeline now, and redraw."""
        session = self.session
        if session is None:
            return
        if self.unavailable is None:
            # `feed` has put every snapshot into the timeline already; only judging is left,
            # and nothing passes before the sandbox has been seen at all.
            if self._latest is None:
                self.results, just_passed = session.results(), False
            else:
                self.results, just_passed = session.judge()
            self.symptom_results = session.symptoms()
            if just_passed:
                self.post_message(self.Recorded())
                self.post_message(self.Passed())
        self._redraw()

    def next_hint(self) -> Rung | None:
        if self.session is None:
            return None
        self.rung = self.session.next_hint()
        self.post_message(self.Recorded())
        self._redraw()
        # The hint is drawn near the bottom: bring it into sight where the panel has to scroll.
        self.call_after_refresh(self.query_one("#exercise-hint").scroll_visible, animate=False)
        return self.rung

    def restarted(self, snapshot: dict[str, Any]) -> None:
        """The sandbox was reset and `snapshot` is its state right after: the exercise starts over from it.

        Snapshots still on their way from before the reset finished would otherwise become the
        timeline's newest state and could pass a check at once; they are older, so they are
        dropped for a few seconds (not for ever: a control plane that restarts counts afresh).
        """
        self.busy = None
        if self.session is None:
            return
        self._floor = _version(snapshot)
        self.set_timer(STALE_WINDOW, self._clear_floor)
        self._latest = snapshot
        self.session.timeline.ingest(snapshot)
        self.session.restart()
        self.evaluate()

    def _clear_floor(self) -> None:
        self._floor = None

    def set_busy(self, text: str | None) -> None:
        self.busy = text
        self._redraw()

    # -- drawing --------------------------------------------------------------------------------
    def _line(self, result: Result) -> Content:
        mark = WORDS.get(result.status, "WAIT") if self.plain else GLYPHS.get(result.status, "…")
        style = {PASS: "$text-success", FAIL: "$text-error"}.get(result.status, "$text-warning")
        return Content.from_markup(f"[{style}]$mark[/] $m", mark=mark, m=result.message)

    def _redraw(self) -> None:
        session = self.session
        if session is None:
            return
        self.set_class(session.passed, "-passed")
        note = self.query_one("#exercise-note", Static)
        note.update(self.busy or "")
        note.display = bool(self.busy)
        status = self.query_one("#exercise-status", Static)
        checks = self.query_one("#exercise-checks", Static)
        if self.unavailable:
            status.update(f"Not available in this sandbox: it {self.unavailable}.")
            checks.update("")
        else:
            done = sum(r.passed for r in self.results)
            if session.passed:
                text = "✓ Done: every check passed. Press n for the next step."
            else:
                text = f"Not yet: {done} of {len(self.results)} checks pass."
            status.update(text)
            heading = [Content.from_markup("[b]$h[/b]", h="3. Fix it:" if session.exercise.kind == PITFALL
                                           else "Checks:")]
            checks.update(Content("\n").join(heading + [self._line(r) for r in self.results]))
        symptoms = self.query_one("#exercise-symptoms", Static)
        if session.exercise.kind == PITFALL and not self.unavailable:
            symptoms.update(Content("\n").join([Content.from_markup("[b]2. See what it does:[/b]")]
                                               + [self._line(r) for r in self.symptom_results]))
        hint = self.query_one("#exercise-hint", Static)
        rung = self.rung
        hint.display = rung is not None  # no blank lines before the first hint: the step's text needs them
        if rung is None:
            hint.update("")
        elif rung.solution:
            hint.update(Content.from_markup("[b]Solution[/b] (rung $n of $of):\n$t", n=str(rung.number),
                                            of=str(rung.of), t=rung.text))
        else:
            kind = "a nudge" if rung.number == 1 else "from the sandbox now"
            hint.update(Content.from_markup("[b]Hint $n of $of[/b] ($kind): $t", n=str(rung.number),
                                            of=str(rung.of), kind=kind, t=rung.text))

    @property
    def text(self) -> str:
        """Everything the panel shows, as plain text (for tests and announcements)."""
        visuals = [w.render() for w in self.query(Static) if w.display]
        return "\n".join(getattr(v, "plain", str(v)) for v in visuals)


def _version(snapshot: dict[str, Any]) -> int:
    try:
        return int(snapshot.get("version", -1))
    except (TypeError, ValueError):
        return -1
