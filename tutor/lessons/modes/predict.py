"""Predict and reveal (format 1): the learner commits to an answer before the step explains.

`predict: {question, options, answer, explain}`. The first answer is kept in progress as a
Prediction (later ones were given after seeing the explanation); a wrong one comes back in
review. What of the step's text shows before the answer is tutor/lessons/step_text.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import yaml

from ..cards import Card, sentence
from ..reader import Reader
from .mode import PREDICTIONS, Mode

NAME = "predict"
FIELDS = ("question", "options", "answer", "explain")
REVIEW_SOURCE = "prediction"


@dataclass(frozen=True)
class Predict:
    """A question the learner answers before the step explains what happens."""

    question: str
    options: list[str]
    answer: int
    """Index into `options` of the right answer."""
    explain: str


@dataclass
class Prediction:
    """The learner's first answer to a step's prediction question (a myth's: 0 true, 1 false)."""

    chosen: int
    correct: bool
    at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"chosen": self.chosen, "correct": self.correct, "at": self.at}


def read(r: Reader, node: yaml.Node, where: str) -> Predict:
    fields = r.mapping(node, where, FIELDS, ())
    options = [
        r.text(item, f"{where}.options[{i}]")
        for i, item in enumerate(r.sequence(fields["options"], f"{where}.options"))
    ]
    if len(options) < 2:
        r.fail(fields["options"], f"{where}.options",
               f"field '{where}.options' has {len(options)} option(s); a prediction needs at least 2")
    answer = r.integer(fields["answer"], f"{where}.answer", 0, len(options) - 1,
                       hint=f"an index into 'options', 0 to {len(options) - 1}")
    return Predict(
        question=r.text(fields["question"], f"{where}.question"),
        options=options,
        answer=answer,
        explain=r.text(fields["explain"], f"{where}.explain"),
    )


def parse_predictions(data: Any, bad: Callable[[str], Exception]) -> dict[str, Prediction]:
    """A lesson's predictions as progress.json keeps them; `bad(what)` is the error to raise."""
    if not isinstance(data, dict):
        raise bad(f"'{PREDICTIONS}' is not an object")
    out = {}
    for step_id, answer in data.items():
        if (
            not isinstance(answer, dict)
            or isinstance(answer.get("chosen"), bool)
            or not isinstance(answer.get("chosen"), int)
            or not isinstance(answer.get("correct"), bool)
            or not isinstance(answer.get("at"), (str, type(None)))
        ):
            raise bad(f"prediction for step {step_id!r} is not {{chosen, correct, at}}")
        out[step_id] = Prediction(answer["chosen"], answer["correct"], answer.get("at"))
    return out


def missed_card(lesson_id: str, step_id: str, predict: Predict, answer: Prediction | None) -> list[Card]:
    """The question and its right answer, explained, when the learner's first answer was wrong."""
    if answer is None or answer.correct:
        return []
    back = f"{sentence(predict.options[predict.answer])} {predict.explain}"
    return [Card(f"{NAME}:{lesson_id}/{step_id}", predict.question, back, REVIEW_SOURCE, lesson_id)]


class PredictMode(Mode):
    name = NAME
    section = PREDICTIONS
    since_format = 1

    def read(self, r: Reader, node: yaml.Node, where: str) -> Predict:
        return read(r, node, where)

    def export_rows(self, step_id: str, block: Any, answers: Prediction | None) -> list[dict[str, Any]]:
        return [{"step": step_id, "kind": self.name, "item": step_id, "answered": answers is not None,
                 "correct": answers.correct if answers else None}]

    def missed_cards(self, lesson_id: str, step_id: str, block: Predict, answers: Prediction | None) -> list[Card]:
        return missed_card(lesson_id, step_id, block, answers)


MODE = PredictMode()
