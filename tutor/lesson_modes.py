"""Lesson format 2's learning modes: quizzes, myths, exercises, pitfall labs and takeaways.

No Textual here. `tutor/lessons.py` reads the lesson and hands each of these blocks to the
functions below, together with its reader, so every error still names file, line and field.
The dataclasses are what the app shows and what `lessons solve` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml

from . import checks, expr, features
from .checks import Check, CheckSpecError

if TYPE_CHECKING:  # the reader lives in lessons.py, which imports this module
    from .lessons import Predict, SandboxSetup

TRY_PREFIXES = ("servicelab ", "aws ecs ")
"""A command is typed at the command bar, which speaks these two forms."""
DEFAULT_TIMEOUT = 30.0
"""Seconds `lessons solve` gives the checks to pass after the reference solution."""

QUESTION_FIELDS = ("id", "question", "choices", "order")
OPTION_FIELDS = ("text", "explain")
MYTH_FIELDS = ("claim", "answer", "reality")
MYTH_OPTIONAL = ("why", "demo")
EXERCISE_FIELDS = ("goal", "checks", "hints", "solution")
EXERCISE_OPTIONAL = ("setup", "explain", "timeout", "requires")
PITFALL_FIELDS = EXERCISE_FIELDS + ("mistake", "symptoms")
CHECK_KEYS = ("expect", "eventually", "always", "during", "within", "after", "say")
TAKEAWAY_FIELDS = ("id", "front", "back")


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


@dataclass(frozen=True)
class Myth:
    """A common belief: the learner says whether it is true before the reality is shown."""

    claim: str
    answer: bool
    """Whether the claim is true (myths usually are not)."""
    reality: str
    why: str | None = None
    """Why believing it would hurt."""
    demo: list["ScriptLine"] = field(default_factory=list)
    """Commands that show the reality live ({EXPR} placeholders filled from the sandbox)."""

    def as_predict(self) -> "Predict":
        """The same commitment as a two-option prediction, so the app can reuse its predict flow."""
        from .lessons import Predict

        return Predict(question=f"True or false: {self.claim}", options=["True", "False"],
                       answer=0 if self.answer else 1, explain=self.reality)


@dataclass(frozen=True)
class Wait:
    """Pause a script until a condition holds (or fail after `timeout` seconds)."""

    condition: Any
    timeout: float


@dataclass(frozen=True)
class ScriptLine:
    """One line of a setup, mistake or solution: a command with {EXPR} placeholders, or a wait."""

    text: str
    """As written: the command, or `wait: EXPR`."""
    parts: list[Any] = field(default_factory=list)
    """The command split into text and placeholder expressions (empty for a wait)."""
    wait: Wait | None = None


@dataclass(frozen=True)
class Hint:
    text: str
    parts: list[Any]

    @property
    def computed(self) -> bool:
        """True when the hint reads the sandbox's current state."""
        return expr.has_placeholders(self.parts)

    def render(self, view: expr.View | None) -> str:
        return self.text if view is None else expr.render(self.parts, view)


@dataclass(frozen=True)
class Exercise:
    """A goal checked against the live sandbox; a pitfall lab adds the mistake to make first."""

    kind: str
    """"exercise" or "pitfall"."""
    goal: str
    checks: list[Check]
    hints: list[Hint]
    """The ladder's rungs before the solution: a nudge first, then hints computed from state."""
    solution: list[ScriptLine]
    setup: "SandboxSetup | None" = None
    """The sandbox the exercise starts from (reset restores it); None means the lesson's own."""
    explain: str | None = None
    """Shown with the solution: why it works."""
    timeout: float = DEFAULT_TIMEOUT
    requires: list[str] = field(default_factory=list)
    """Sandbox features it needs (see tutor/features.py)."""
    mistake: list[ScriptLine] = field(default_factory=list)
    """Pitfall only: the mistake, made on purpose."""
    symptoms: list[Check] = field(default_factory=list)
    """Pitfall only: what the mistake visibly does; they must hold once it is made."""

    @property
    def ladder_size(self) -> int:
        """Rungs in the hint ladder, the solution included."""
        return len(self.hints) + 1


@dataclass(frozen=True)
class Takeaway:
    """One thing to remember, as a flashcard for review."""

    id: str
    front: str
    back: str


# -- reading the YAML (the reader is tutor.lessons._Reader) -----------------------------------
def read_quiz(r: Any, node: yaml.Node, where: str) -> list[Question]:
    items = r.sequence(node, where)
    if not items:
        r.fail(node, where, f"field '{where}' is empty; a quiz needs at least one question")
    questions = [_question(r, item, f"{where}[{i}]") for i, item in enumerate(items)]
    r.unique(items, where, [q.id for q in questions], "question id", suffix=".id")
    return questions


def _question(r: Any, node: yaml.Node, where: str) -> Question:
    fields = r.mapping(node, where, ("id", "question"), ("choices", "order"))
    kinds = [k for k in ("choices", "order") if k in fields]
    if len(kinds) != 1:
        r.fail(node, where, f"question '{where}' needs exactly one of 'choices' (pick one) or 'order' (put in order)")
    kind = kinds[0]
    items = r.sequence(fields[kind], f"{where}.{kind}")
    options = []
    for i, item in enumerate(items):
        spot = f"{where}.{kind}[{i}]"
        optional = ("correct",) if kind == "choices" else ()
        option_fields = r.mapping(item, spot, OPTION_FIELDS, optional)
        correct = False
        if "correct" in option_fields:
            value = r.value(option_fields["correct"])
            if not isinstance(value, bool):
                r.fail(option_fields["correct"], f"{spot}.correct", f"field '{spot}.correct' is {r.kind(option_fields['correct'])}; expected true or false")
            correct = value
        options.append(Option(r.text(option_fields["text"], f"{spot}.text"),
                              r.text(option_fields["explain"], f"{spot}.explain"), correct))
    if len(options) < 2:
        r.fail(fields[kind], f"{where}.{kind}", f"field '{where}.{kind}' has {len(options)} item(s); a question needs at least 2")
    if kind == "choices" and sum(o.correct for o in options) != 1:
        r.fail(fields[kind], f"{where}.{kind}",
               f"field '{where}.{kind}' marks {sum(o.correct for o in options)} options 'correct: true'; mark exactly one")
    r.unique(items, f"{where}.{kind}", [o.text for o in options], "option", suffix=".text")
    return Question(r.slug(fields["id"], f"{where}.id"), r.text(fields["question"], f"{where}.question"),
                    "choice" if kind == "choices" else "order", options)


def read_myth(r: Any, node: yaml.Node, where: str) -> Myth:
    fields = r.mapping(node, where, MYTH_FIELDS, MYTH_OPTIONAL)
    answer = r.value(fields["answer"])
    if not isinstance(answer, bool):
        r.fail(fields["answer"], f"{where}.answer",
               f"field '{where}.answer' is {r.kind(fields['answer'])}; expected true or false: is the claim true?")
    return Myth(
        claim=r.text(fields["claim"], f"{where}.claim"),
        answer=answer,
        reality=r.text(fields["reality"], f"{where}.reality"),
        why=r.text(fields["why"], f"{where}.why") if "why" in fields else None,
        demo=read_script(r, fields["demo"], f"{where}.demo") if "demo" in fields else [],
    )


def read_commands(r: Any, node: yaml.Node, where: str) -> list[str]:
    """Plain commands the learner can run (`try`, a myth's `demo`)."""
    out = []
    for i, item in enumerate(r.sequence(node, where)):
        command = r.text(item, f"{where}[{i}]")
        if not command.startswith(TRY_PREFIXES):
            r.fail(item, f"{where}[{i}]", f"field '{where}[{i}]' is {command!r}; allowed: commands starting with "
                   + " or ".join(repr(p.strip()) for p in TRY_PREFIXES))
        out.append(command)
    return out


def read_script(r: Any, node: yaml.Node, where: str, allow_empty: bool = False) -> list[ScriptLine]:
    items = r.sequence(node, where)
    if not items and not allow_empty:
        r.fail(node, where, f"field '{where}' is empty; give at least one command")
    lines = []
    for i, item in enumerate(items):
        spot = f"{where}[{i}]"
        if isinstance(item, yaml.MappingNode):
            fields = r.mapping(item, spot, ("wait",), ("timeout",))
            condition = _expression(r, fields["wait"], f"{spot}.wait")
            timeout = _duration(r, fields["timeout"], f"{spot}.timeout") if "timeout" in fields else DEFAULT_TIMEOUT
            lines.append(ScriptLine(f"wait: {condition.source()}", [], Wait(condition, timeout)))
            continue
        command = r.text(item, spot)
        if not command.startswith(TRY_PREFIXES):
            r.fail(item, spot, f"field '{spot}' is {command!r}; allowed: a command starting with 'servicelab' or "
                               "'aws ecs', or {wait: EXPR, timeout: 20s}")
        try:
            parts = expr.parse_template(command)
        except expr.ExprError as exc:
            r.fail(item, spot, f"field '{spot}': {exc}")
        lines.append(ScriptLine(command, parts))
    return lines


def read_checks(r: Any, node: yaml.Node, where: str) -> list[Check]:
    items = r.sequence(node, where)
    if not items:
        r.fail(node, where, f"field '{where}' is empty; an exercise needs at least one check")
    out = []
    for i, item in enumerate(items):
        spot = f"{where}[{i}]"
        fields = r.mapping(item, spot, (), CHECK_KEYS)
        try:
            out.append(checks.build({key: r.value(value) for key, value in fields.items()}))
        except CheckSpecError as exc:
            at = fields.get(exc.field, item)
            r.fail(at, f"{spot}.{exc.field}", f"check '{spot}': {exc}")
    return out


def read_exercise(r: Any, node: yaml.Node, where: str, kind: str) -> Exercise:
    required = PITFALL_FIELDS if kind == "pitfall" else EXERCISE_FIELDS
    fields = r.mapping(node, where, required, EXERCISE_OPTIONAL)
    hints = []
    hint_items = r.sequence(fields["hints"], f"{where}.hints")
    if not hint_items:
        r.fail(fields["hints"], f"{where}.hints", f"field '{where}.hints' is empty; give a nudge first, then a hint computed from state")
    for i, item in enumerate(hint_items):
        text = r.text(item, f"{where}.hints[{i}]")
        try:
            hints.append(Hint(text, expr.parse_template(text)))
        except expr.ExprError as exc:
            r.fail(item, f"{where}.hints[{i}]", f"field '{where}.hints[{i}]': {exc}")
    requires = []
    if "requires" in fields:
        for i, item in enumerate(r.sequence(fields["requires"], f"{where}.requires")):
            requires.append(r.choice(item, f"{where}.requires[{i}]", features.KNOWN))
    return Exercise(
        kind=kind,
        goal=r.text(fields["goal"], f"{where}.goal"),
        checks=read_checks(r, fields["checks"], f"{where}.checks"),
        hints=hints,
        solution=read_script(r, fields["solution"], f"{where}.solution"),
        setup=r.sandbox(fields["setup"], f"{where}.setup") if "setup" in fields else None,
        explain=r.text(fields["explain"], f"{where}.explain") if "explain" in fields else None,
        timeout=_duration(r, fields["timeout"], f"{where}.timeout") if "timeout" in fields else DEFAULT_TIMEOUT,
        requires=requires,
        mistake=read_script(r, fields["mistake"], f"{where}.mistake") if kind == "pitfall" else [],
        symptoms=read_checks(r, fields["symptoms"], f"{where}.symptoms") if kind == "pitfall" else [],
    )


def read_takeaways(r: Any, node: yaml.Node, where: str) -> list[Takeaway]:
    items = r.sequence(node, where)
    out = []
    for i, item in enumerate(items):
        spot = f"{where}[{i}]"
        fields = r.mapping(item, spot, TAKEAWAY_FIELDS, ())
        out.append(Takeaway(r.slug(fields["id"], f"{spot}.id"), r.text(fields["front"], f"{spot}.front"),
                            r.text(fields["back"], f"{spot}.back")))
    r.unique(items, where, [t.id for t in out], "takeaway id", suffix=".id")
    return out


def _expression(r: Any, node: yaml.Node, where: str) -> Any:
    text = r.text(node, where)
    try:
        return expr.parse(text)
    except expr.ExprError as exc:
        r.fail(node, where, f"field '{where}': {exc}")


def _duration(r: Any, node: yaml.Node, where: str) -> float:
    try:
        return checks.parse_duration(r.value(node), where)
    except CheckSpecError as exc:
        r.fail(node, where, f"field {exc}")
