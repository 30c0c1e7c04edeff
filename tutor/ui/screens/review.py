"""Review (r on the home screen, the palette, or `review` in the command bar): the flashcards due today, SM-2 scheduled.

The deck and the schedule are tutor/learner/review.py's, the same as `servicelab review`: takeaways
of the lessons started and every question missed, missed ones first. Show the front, reveal
the back, grade 0-5; each grade is saved at once, so leaving half way loses nothing. A card
graded below 4 comes round again before the session ends without being scheduled twice
(SM-2's last rule, as the CLI does it).
"""

from __future__ import annotations

from collections import deque
from datetime import date
from typing import TYPE_CHECKING, cast

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from tutor.learner.review import GRADES, Card, Review, build_deck

if TYPE_CHECKING:
    from tutor.ui.app import ServicelabApp

RETRY_BELOW = 4
SOURCES = {"takeaway": "takeaway", "quiz": "a quiz question you missed", "prediction": "a prediction you missed"}


class ReviewScreen(Screen[None]):
    DEFAULT_CSS = """
    ReviewScreen #review-title { height: auto; padding: 0 1; background: $boost; }
    ReviewScreen #review-card { height: 1fr; padding: 1 2; }
    ReviewScreen #review-card Static { height: auto; margin: 0 0 1 0; }
    ReviewScreen #review-front { text-style: bold; }
    ReviewScreen #review-grades { color: $text-muted; }
    """

    BINDINGS = [
        Binding("space,enter", "reveal", "Show the answer", key_display="space"),
        # No descriptions: help shows the six grades as one row, and the screen lists them.
        *[Binding(str(n), f"grade({n})", "", show=False) for n in range(6)],
        Binding("a", "toggle_all", "All lessons", tooltip="Include the takeaways of lessons you have not started"),
        Binding("escape", "close", "Close", tooltip="Back; every grade so far is saved"),
    ]

    def __init__(self, store: Review | None = None, today: date | None = None, include_all: bool = False) -> None:
        super().__init__(name="review")
        self.store = store if store is not None else Review.load()
        self.today = today
        self.include_all = include_all
        self.deck: list[Card] = []
        self.queue: deque[Card] = deque()
        self.graded: set[str] = set()
        self.numbers: dict[str, int] = {}
        """Each card's number in this session, given the first time it shows ("Card 3 of 47")."""
        self.card: Card | None = None
        self.revealed = False
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Static(id="review-title")
        with VerticalScroll(id="review-card"):
            yield Static(id="review-where")
            yield Static(id="review-front")
            yield Static(id="review-back")
            yield Static(id="review-grades")
        yield Footer()

    def on_mount(self) -> None:
        if self.store.message:
            self.notify(self.store.message, title="Review", severity="warning", timeout=15)
        self._build()

    @property
    def tutor(self) -> ServicelabApp:
        return cast("ServicelabApp", self.app)

    def _build(self) -> None:
        self.deck = build_deck(self.tutor.lessons, self.tutor.progress, self.include_all)
        due = self.store.due(self.deck, self.today)
        self.queue = deque(due)
        self.graded = set()
        self.numbers = {}
        self.total = len(due)
        self._next()

    def _next(self, note: str = "") -> None:
        self.card = self.queue.popleft() if self.queue else None
        if self.card is not None:
            self.numbers.setdefault(self.card.id, len(self.numbers) + 1)
        self.revealed = False
        self._draw(note)
        self.refresh_bindings()

    def _draw(self, note: str = "") -> None:
        missed = sum(1 for c in self.queue if c.missed) + (1 if self.card and self.card.missed else 0)
        scope = "every lesson" if self.include_all else "the lessons you started"
        self.query_one("#review-title", Static).update(Content.from_markup(
            "[b]Review[/b]: flashcards of the takeaways and of what you missed, spaced out over days (SM-2). "
            "$n card(s) due from $scope, $m missed (a: $other).", n=str(self.total), scope=scope, m=str(missed),
            other="only the lessons you started" if self.include_all else "include every lesson"))
        where, front, back, grades = (self.query_one(f"#review-{n}", Static)
                                      for n in ("where", "front", "back", "grades"))
        card = self.card
        if card is None:
            done = len(self.graded)
            where.update("")
            front.update(f"Done: {done} card(s) reviewed and scheduled." if done else
                         f"Nothing to review today: {len(self.deck)} card(s) in your deck, none due.")
            back.update("Grades are saved; the cards come back when they are due." if done else
                        "Answer quiz questions and take lessons: what you miss comes back here.")
            grades.update((f"{note}\n" if note else "") + "escape goes back"
                          + ("" if self.include_all else "; a includes every lesson"))
            return
        again = ", again before the session ends" if card.id in self.graded else ""
        where.update(f"Card {self.numbers[card.id]} of {self.total} · {SOURCES.get(card.source, card.source)}"
                     f" · lesson {card.lesson}{again}")
        front.update(card.front)
        # The answer is not in the DOM until asked for, as with predictions.
        back.update(card.back if self.revealed else "(space shows the answer)")
        if self.revealed:
            grades.update("How well did you remember it? Press 0-5:\n"
                          + "\n".join(f"  {n}  {GRADES[n]}" for n in range(5, -1, -1)) + (f"\n\n{note}" if note else ""))
        else:
            grades.update(note)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.card is not None and not self.revealed
        return super().check_action(action, parameters)

    def action_reveal(self) -> None:
        if self.card is not None and not self.revealed:
            self.revealed = True
            self._draw()
            self.refresh_bindings()

    def action_grade(self, grade: int) -> None:
        card = self.card
        if card is None:
            return
        if not self.revealed:
            self._draw("Show the answer first (space), then grade how well you remembered it.")
            return
        note = ""
        if card.id not in self.graded:
            schedule = self.store.grade(card.id, grade, self.today)
            try:
                self.store.save()
            except OSError as exc:
                self.notify(f"the review could not be saved: {exc}", severity="error", timeout=10)
            self.graded.add(card.id)
            note = f"Last card: next review in {schedule.interval} day(s)."
        if grade < RETRY_BELOW:
            self.queue.append(card)
        self._next(note)

    def action_toggle_all(self) -> None:
        self.include_all = not self.include_all
        self._build()

    def action_close(self) -> None:
        self.dismiss(None)


def open_review(app: App, include_all: bool = False) -> None:
    if not isinstance(app.screen, ReviewScreen):
        app.push_screen(ReviewScreen(include_all=include_all))
