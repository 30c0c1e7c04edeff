"""`servicelab review`: a plain-terminal flashcard session over the cards due today.

Show the front, Enter reveals the back, grade 0-5. Each grade is saved at once, so stopping
half way (q, Ctrl+D or Ctrl+C) loses nothing. Cards graded below 4 come round again before
the session ends, without changing their schedule a second time (SM-2's last rule).
"""

from __future__ import annotations

import json
from collections import deque

import click

from sandbox.cli.context import fail

from tutor.lessons import LessonError, load_lessons
from tutor.learner.progress import Progress
from tutor.learner.review import Review, build_deck

RETRY_BELOW = 4
LEGEND = "0 blank, 1-2 wrong, 3 hard, 4 good, 5 easy"


@click.command("review")
@click.option("--all", "include_all", is_flag=True, help="Include the takeaways of lessons you have not started.")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True, help="Cards in this session.")
@click.option("--list", "list_only", is_flag=True, help="Only list what is due, without reviewing.")
@click.option("--json", "as_json", is_flag=True, help="With --list: print JSON.")
def review(include_all: bool, limit: int, list_only: bool, as_json: bool) -> None:
    """Review flashcards of the takeaways and of the questions you missed (spaced repetition)."""
    try:
        lessons = load_lessons()
    except LessonError as exc:
        fail(str(exc))
    progress = Progress.load()
    store = Review.load()
    for problem in (progress.message, store.message):
        if problem:
            click.echo(f"servicelab: warning: {problem}", err=True)
    deck = build_deck(lessons, progress, include_all)
    due = store.due(deck)
    if list_only:
        _list(deck, due, store, as_json)
        return
    if not due:
        hint = "" if include_all else " (add --all to include lessons you have not started)"
        click.echo(f"Nothing to review today: {len(deck)} card(s) in your deck, none due{hint}.")
        return
    session = deque(due[:limit])
    graded: set[str] = set()
    total = len(session)
    click.echo(f"{total} card(s) to review. Enter reveals the answer; grade 0-5; q stops.\n")
    while session:
        card = session.popleft()
        again = card.id in graded
        click.echo(click.style(f"[{card.lesson}{', again' if again else ''}]", dim=True))
        click.echo(card.front)
        if _ask("  (Enter to reveal) ") == "q":
            break
        click.echo(click.style(card.back, bold=True))
        grade = _grade()
        if grade is None:
            break
        if not again:
            schedule = store.grade(card.id, grade)
            store.save()
            graded.add(card.id)
            click.echo(click.style(f"  next review in {schedule.interval} day(s)\n", dim=True))
        else:
            click.echo("")
        if grade < RETRY_BELOW:
            session.append(card)
    click.echo(f"Reviewed {len(graded)} card(s). Saved to {store.path}.")


def _list(deck, due, store: Review, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({
            "deck": len(deck),
            "due": [{"id": c.id, "front": c.front, "source": c.source, **store.schedule(c.id).to_dict()} for c in due],
        }, indent=2))
        return
    click.echo(f"{len(due)} of {len(deck)} card(s) due today.")
    for card in due:
        click.echo(f"  {'missed' if card.missed else 'takeaway':8}  {card.front}")


def _ask(prompt: str) -> str:
    try:
        return click.prompt(prompt, default="", show_default=False, prompt_suffix="").strip().lower()
    except (click.Abort, EOFError):
        return "q"


def _grade() -> int | None:
    while True:
        answer = _ask(f"  Grade ({LEGEND}; q stops): ")
        if answer == "q":
            return None
        if answer.isdigit() and 0 <= int(answer) <= 5:
            return int(answer)
        click.echo("  Type a number from 0 to 5, or q.")
