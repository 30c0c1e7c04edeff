"""Review flashcards the course makes: a lesson's takeaways, and questions a learner got wrong.

No Textual here. The learning modes make them (tutor/lessons/modes/); tutor/learner/review.py
builds the deck and schedules each card.
"""

from __future__ import annotations

from dataclasses import dataclass

TAKEAWAY = "takeaway"
"""The source of a card made from a takeaway; every other source is something the learner missed."""


@dataclass(frozen=True)
class Card:
    id: str
    """Stable: `takeaway:LESSON/ID`, `quiz:LESSON/STEP/QUESTION` or `predict:LESSON/STEP`."""
    front: str
    back: str
    source: str
    lesson: str

    @property
    def missed(self) -> bool:
        """A card made from a question the learner answered wrong."""
        return self.source != TAKEAWAY


def sentence(text: str) -> str:
    """Options are often whole sentences already: "The service." must not become "The service.."."""
    return text if text.rstrip().endswith((".", "!", "?")) else f"{text}."
