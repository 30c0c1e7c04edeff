"""Takeaways (format 2): the few things to remember from a lesson, as review flashcards.

Not a step mode: `takeaways: [{id, front, back}]` belongs to the lesson, so the registry of
step modes does not list it. Every learner who has started the lesson gets its cards.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from ..cards import TAKEAWAY, Card
from ..reader import Reader

FIELDS = ("id", "front", "back")


@dataclass(frozen=True)
class Takeaway:
    """One thing to remember, as a flashcard for review."""

    id: str
    front: str
    back: str


def read(r: Reader, node: yaml.Node, where: str) -> list[Takeaway]:
    items = r.sequence(node, where)
    out = []
    for i, item in enumerate(items):
        spot = f"{where}[{i}]"
        fields = r.mapping(item, spot, FIELDS, ())
        out.append(Takeaway(r.slug(fields["id"], f"{spot}.id"), r.text(fields["front"], f"{spot}.front"),
                            r.text(fields["back"], f"{spot}.back")))
    r.unique(items, where, [t.id for t in out], "takeaway id", suffix=".id")
    return out


def cards(lesson_id: str, takeaways: list[Takeaway]) -> list[Card]:
    return [Card(f"{TAKEAWAY}:{lesson_id}/{t.id}", t.front, t.back, TAKEAWAY, lesson_id) for t in takeaways]
