"""Quizzes (format 2): multiple-choice and ordering questions, every option explained.

`quiz: [{id, question, choices | order}]`, each option `{text, explain}` (a choice may say
`correct: true`; exactly one does). Progress keeps the first answer to each question: it is
the one that counts toward the score, and a wrong one comes back in review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import yaml

from ..cards import Card, sentence
from ..reader import Reader
from .mode import QUIZ_ANSWERS, Mode

NAME = "quiz"
OPTION_FIELDS = ("text", "explain")


@dataclass(frozen=True)
class Option:
    text: str
    explain: str
    """Why this option is right or wrong (for an ordering question: why it sits where it does)."""
    correct: bool = False


@dataclass(frozen=True)
class Question:
    """A quiz question: pick one of `options` ("choice"), or put them in order ("order")."""

    id: str
    question: str
    kind: str
    options: list[Option]
    """For "order", listed in the right order; the app shuffles them."""

    @property
    def answer(self) -> int | list[int]:
        if self.kind == "order":
            return list(range(len(self.options)))
        return next(i for i, option in enumerate(self.options) if option.correct)

    def grade(self, chosen: int | list[int]) -> bool:
        """Whether an answer is right: an option index, or option indexes in the learner's order."""
        if self.kind == "order":
            return list(chosen) == self.answer if isinstance(chosen, (list, tuple)) else False
        return chosen == self.answer

    def correct_text(self) -> str:
        """The right answer in words, for feedback and review cards."""
        if self.kind == "order":
            return " → ".join(option.text for option in self.options)
        return self.options[self.answer].text


@dataclass
class QuizAnswer:
    """The learner's first answer to one quiz question: an option, or options in their order."""

    chosen: int | list[int]
    correct: bool
    at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"chosen": self.chosen, "correct": self.correct, "at": self.at}


# -- reading the block ------------------------------------------------------------------------
def read(r: Reader, node: yaml.Node, where: str) -> list[Question]:
    items = r.sequence(node, where)
    if not items:
        r.fail(node, where, f"field '{where}' is empty; a quiz needs at least one question")
    questions = [_question(r, item, f"{where}[{i}]") for i, item in enumerate(items)]
    r.unique(items, where, [q.id for q in questions], "question id", suffix=".id")
    return questions


def _question(r: Reader, node: yaml.Node, where: str) -> Question:
    fields = r.mapping(node, where, ("id", "question"), ("choices", "order"))
    kinds = [k for k in ("choices", "order") if k in fields]
    if len(kinds) != 1:
        r.fail(node, where, f"question '{where}' needs exactly one of 'choices' (pick one) or 'order' (put in order)")
    kind = kinds[0]
    items = r.sequence(fields[kind], f"{where}.{kind}")
    options = [_option(r, item, f"{where}.{kind}[{i}]", kind) for i, item in enumerate(items)]
    if len(options) < 2:
        r.fail(fields[kind], f"{where}.{kind}", f"field '{where}.{kind}' has {len(options)} item(s); a question needs at least 2")
    if kind == "choices" and sum(o.correct for o in options) != 1:
        r.fail(fields[kind], f"{where}.{kind}",
               f"field '{where}.{kind}' marks {sum(o.correct for o in options)} options 'correct: true'; mark exactly one")
    r.unique(items, f"{where}.{kind}", [o.text for o in options], "option", suffix=".text")
    return Question(r.slug(fields["id"], f"{where}.id"), r.text(fields["question"], f"{where}.question"),
                    "choice" if kind == "choices" else "order", options)


def _option(r: Reader, node: yaml.Node, spot: str, kind: str) -> Option:
    optional = ("correct",) if kind == "choices" else ()
    fields = r.mapping(node, spot, OPTION_FIELDS, optional)
    correct = r.boolean(fields["correct"], f"{spot}.correct") if "correct" in fields else False
    return Option(r.text(fields["text"], f"{spot}.text"), r.text(fields["explain"], f"{spot}.explain"), correct)


# -- progress, export and review --------------------------------------------------------------
def parse_answers(data: Any, bad: Callable[[str], Exception]) -> dict[str, dict[str, QuizAnswer]]:
    """A lesson's quiz answers as progress.json keeps them; `bad(what)` is the error to raise."""
    if not isinstance(data, dict):
        raise bad(f"'{QUIZ_ANSWERS}' is not an object")
    out: dict[str, dict[str, QuizAnswer]] = {}
    for step_id, answers in data.items():
        if not isinstance(answers, dict):
            raise bad(f"quiz answers for step {step_id!r} are not an object")
        for question, answer in answers.items():
            chosen = answer.get("chosen") if isinstance(answer, dict) else None
            index_ok = isinstance(chosen, int) and not isinstance(chosen, bool)
            order_ok = isinstance(chosen, list) and all(isinstance(c, int) and not isinstance(c, bool) for c in chosen)
            if (not (index_ok or order_ok) or not isinstance(answer.get("correct"), bool)
                    or not isinstance(answer.get("at"), (str, type(None)))):
                raise bad(f"quiz answer {step_id!r}/{question!r} is not {{chosen, correct, at}}")
            out.setdefault(step_id, {})[question] = QuizAnswer(chosen, answer["correct"], answer.get("at"))
    return out


def card_front(question: Question) -> str:
    if question.kind == "order":
        items = "; ".join(sorted(option.text for option in question.options))
        return f"{question.question} ({items})"
    return question.question


def card_back(question: Question) -> str:
    if question.kind == "order":
        return question.correct_text()
    right = question.options[question.answer]
    return f"{sentence(right.text)} {right.explain}"


class QuizMode(Mode):
    name = NAME
    section = QUIZ_ANSWERS

    def read(self, r: Reader, node: yaml.Node, where: str) -> list[Question]:
        return read(r, node, where)

    def export_rows(self, step_id: str, block: list[Question],
                    answers: dict[str, QuizAnswer] | None) -> list[dict[str, Any]]:
        answers = answers or {}
        return [{"step": step_id, "kind": self.name, "item": question.id, "answered": question.id in answers,
                 "correct": answers[question.id].correct if question.id in answers else None}
                for question in block]

    def missed_cards(self, lesson_id: str, step_id: str, block: list[Question],
                     answers: dict[str, QuizAnswer] | None) -> list[Card]:
        answers = answers or {}
        return [Card(f"{self.name}:{lesson_id}/{step_id}/{question.id}", card_front(question), card_back(question),
                     self.name, lesson_id)
                for question in block if question.id in answers and not answers[question.id].correct]


MODE = QuizMode()
