"""Review: SM-2 scheduling, the deck built from takeaways and missed items, the store, the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from tutor.lessons import load_lessons
from tutor.learner.progress import Progress
from tutor.learner.review import MIN_EASE, START_EASE, Card, Review, Schedule, build_deck, sm2
from tutor.cli.review import review

TODAY = date(2026, 3, 1)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SERVICELAB_HOME", str(tmp_path))
    return tmp_path


def run(schedule: Schedule, grades: list[int], start: date = TODAY) -> Schedule:
    """Review on each due date in turn with the given grades."""
    day = start
    for grade in grades:
        schedule = sm2(schedule, grade, day)
        day = date.fromisoformat(schedule.due)
    return schedule


class TestSm2:
    def test_intervals_grow_1_6_then_by_ease(self):
        first = sm2(Schedule(), 4, TODAY)
        second = sm2(first, 4, TODAY)
        third = sm2(second, 4, TODAY)
        assert (first.interval, second.interval, third.interval) == (1, 6, 15)  # 6 × 2.5
        assert first.due == (TODAY + timedelta(days=1)).isoformat()
        assert first.ease == pytest.approx(START_EASE)  # grade 4 leaves the ease alone

    def test_ease_moves_with_the_grade(self):
        assert sm2(Schedule(), 5, TODAY).ease == pytest.approx(2.6)
        assert sm2(Schedule(), 3, TODAY).ease == pytest.approx(2.36)
        assert sm2(Schedule(), 0, TODAY).ease == pytest.approx(1.7)
        assert run(Schedule(), [0, 0, 0, 0]).ease == MIN_EASE

    def test_a_miss_starts_the_card_over(self):
        learned = run(Schedule(), [5, 5, 5])
        assert learned.interval > 6
        missed = sm2(learned, 1, TODAY)
        assert (missed.interval, missed.repetitions, missed.lapses) == (1, 0, 1)

    def test_missed_items_come_back_sooner(self):
        """Same card history, one missed on the second review: it is due days earlier."""
        remembered = run(Schedule(), [4, 4])
        forgotten = run(Schedule(), [4, 2])
        assert date.fromisoformat(forgotten.due) < date.fromisoformat(remembered.due)
        assert (remembered.interval, forgotten.interval) == (6, 1)
        # and from then on it grows more slowly, because its ease dropped
        assert run(forgotten, [4, 4, 4]).interval < run(remembered, [4, 4, 4]).interval

    def test_grades_out_of_range(self):
        for bad in (-1, 6, 2.5, True):
            with pytest.raises(ValueError):
                sm2(Schedule(), bad, TODAY)


def card(card_id: str, missed: bool = False) -> Card:
    return Card(card_id, "front", "back", "quiz" if missed else "takeaway", "demo")


class TestDueOrder:
    def test_missed_items_first_then_overdue_then_new(self, home: Path):
        store = Review(home / "review.json")
        store.grade("takeaway:old", 4, TODAY - timedelta(days=10))   # due 9 days ago
        store.grade("takeaway:later", 5, TODAY)                       # due tomorrow
        deck = [card("takeaway:new"), card("takeaway:old"), card("takeaway:later"), card("quiz:missed", True)]
        assert [c.id for c in store.due(deck, TODAY)] == ["quiz:missed", "takeaway:old", "takeaway:new"]

    def test_saved_atomically_and_read_back(self, home: Path):
        store = Review(home / "review.json")
        store.grade("takeaway:x", 3, TODAY)
        store.save()
        again = Review.load(home / "review.json")
        assert again.schedule("takeaway:x") == store.schedule("takeaway:x")
        assert json.loads((home / "review.json").read_text())["version"] == 1
        assert not list(home.glob(".review.json.*")), "no temp file left behind"

    @pytest.mark.parametrize("content", [b"{oops", b'{"version": 7}', b'{"version": 1, "cards": {"a": {"ease": "x"}}}'])
    def test_an_unreadable_file_is_set_aside(self, home: Path, content: bytes):
        (home / "review.json").write_bytes(content)
        store = Review.load(home / "review.json")
        assert store.schedules == {} and store.set_aside is not None
        assert store.set_aside.read_bytes() == content
        assert "set aside as" in store.message


class TestDeck:
    def test_takeaways_of_started_lessons_and_missed_items(self, home: Path):
        lessons = load_lessons()
        progress = Progress.load()
        assert build_deck(lessons, progress) == []
        progress.visit("reconcile-loop", 0)
        progress.record_quiz_answer("reconcile-loop", "order-the-loop", "loop-order", [1, 0, 2, 3], False)
        progress.record_quiz_answer("reconcile-loop", "order-the-loop", "who-starts-containers", 1, True)
        progress.record_prediction("keeping-count", "not-a-one-shot", 0, False)
        deck = {c.id: c for c in build_deck(lessons, progress)}
        assert "takeaway:reconcile-loop/three-moves" in deck
        assert "takeaway:services-and-tasks/task-is-a-copy" not in deck  # not started
        assert "takeaway:keeping-count/desired-vs-running" in deck      # started by answering
        missed = deck["quiz:reconcile-loop/order-the-loop/loop-order"]
        assert missed.missed and missed.back.startswith("Ask the runtime what is really running. → Compare")
        assert "quiz:reconcile-loop/order-the-loop/who-starts-containers" not in deck
        myth = deck["predict:keeping-count/not-a-one-shot"]
        assert myth.front.startswith("True or false: A service starts its tasks once") and myth.back.startswith("False. ")

    def test_all_includes_every_takeaway(self, home: Path):
        lessons = load_lessons()
        deck = build_deck(lessons, Progress.load(), include_all=True)
        assert len(deck) == sum(len(l.takeaways) for l in lessons) >= 25


class TestCli:
    def invoke(self, *args: str, input: str = ""):
        return CliRunner().invoke(review, list(args), input=input)

    def test_nothing_due(self, home: Path):
        result = self.invoke()
        assert result.exit_code == 0 and "Nothing to review today" in result.stdout

    def test_a_session_grades_and_repeats_misses(self, home: Path):
        progress = Progress.load()
        progress.visit("placement", 0)
        progress.save()
        # three takeaway cards in placement: grade 5, 1 (asked again: 4), 5
        result = self.invoke("--limit", "3", input="\n5\n\n1\n\n5\n\n4\n")
        assert result.exit_code == 0, result.output
        assert result.stdout.count("next review in 1 day(s)") == 3
        assert ", again]" in result.stdout
        saved = json.loads((home / "review.json").read_text())["cards"]
        assert sorted(s["last_grade"] for s in saved.values()) == [1, 5, 5], "a repeat does not reschedule"

    def test_q_stops_and_keeps_what_was_graded(self, home: Path):
        progress = Progress.load()
        progress.visit("placement", 0)
        progress.save()
        result = self.invoke(input="\n5\nq\n")
        assert result.exit_code == 0
        assert len(json.loads((home / "review.json").read_text())["cards"]) == 1

    def test_list_as_json(self, home: Path):
        result = self.invoke("--list", "--json", "--all")
        data = json.loads(result.stdout)
        assert data["deck"] == len(data["due"]) >= 25
