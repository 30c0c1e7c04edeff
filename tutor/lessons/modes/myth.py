"""Myth busters (format 2): a claim; the learner says true or false, then sees the reality live.

`myth: {claim, answer, reality, why?, demo?}`. The same commitment as a prediction with two
options, so progress keeps it as one (0 true, 1 false), an export counts it among the
predictions, and a wrong answer comes back in review as that prediction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from ..cards import Card
from ..reader import Reader
from ..scripts import ScriptLine, read_script
from .predict import Predict, Prediction, PredictMode, missed_card

NAME = "myth"
FIELDS = ("claim", "answer", "reality")
OPTIONAL = ("why", "demo")


@dataclass(frozen=True)
class Myth:
    """A common belief: the learner says whether it is true before the reality is shown."""

    claim: str
    answer: bool
    """Whether the claim is true (myths usually are not)."""
    reality: str
    why: str | None = None
    """Why believing it would hurt."""
    demo: list[ScriptLine] = field(default_factory=list)
    """Commands that show the reality live ({EXPR} placeholders filled from the sandbox)."""

    def as_predict(self) -> Predict:
        """The same commitment as a two-option prediction, so the app can reuse its predict flow."""
        return Predict(question=f"True or false: {self.claim}", options=["True", "False"],
                       answer=0 if self.answer else 1, explain=self.reality)


def read(r: Reader, node: yaml.Node, where: str) -> Myth:
    fields = r.mapping(node, where, FIELDS, OPTIONAL)
    answer = r.boolean(fields["answer"], f"{where}.answer", ": is the claim true?")
    return Myth(
        claim=r.text(fields["claim"], f"{where}.claim"),
        answer=answer,
        reality=r.text(fields["reality"], f"{where}.reality"),
        why=r.text(fields["why"], f"{where}.why") if "why" in fields else None,
        demo=read_script(r, fields["demo"], f"{where}.demo") if "demo" in fields else [],
    )


class MythMode(PredictMode):
    name = NAME
    since_format = 2

    def read(self, r: Reader, node: yaml.Node, where: str) -> Myth:
        return read(r, node, where)

    def missed_cards(self, lesson_id: str, step_id: str, block: Myth, answers: Prediction | None) -> list[Card]:
        return missed_card(lesson_id, step_id, block.as_predict(), answers)


MODE = MythMode()
