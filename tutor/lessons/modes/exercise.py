"""Exercises (format 2): a goal, checked against the live sandbox, with a ladder of hints.

`exercise: {goal, checks, hints, solution, setup?, explain?, timeout?, requires?}`. The hint
ladder climbs from a nudge to hints computed from the sandbox's state, then the solution.
Progress keeps an ExerciseRecord per step: how far up the ladder the learner climbed, how
often they reset, and when every check passed. A pitfall lab (pitfall.py) is an exercise too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

import yaml

from tutor.checks import spec as checks, expr
from tutor.lessons import features
from tutor.checks.spec import Check, CheckSpecError
from ..reader import Reader
from ..sandbox_setup import SandboxSetup, read_sandbox
from ..scripts import DEFAULT_TIMEOUT, ScriptLine, read_duration, read_script, read_template
from .mode import EXERCISES, Mode

NAME = "exercise"
FIELDS = ("goal", "checks", "hints", "solution")
OPTIONAL = ("setup", "explain", "timeout", "requires")
CHECK_KEYS = ("expect", "eventually", "always", "during", "within", "after", "say")


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
    """The mode's name: an exercise or a pitfall lab."""
    goal: str
    checks: list[Check]
    hints: list[Hint]
    """The ladder's rungs before the solution: a nudge first, then hints computed from state."""
    solution: list[ScriptLine]
    setup: SandboxSetup | None = None
    """The sandbox the exercise starts from (reset restores it); None means the lesson's own."""
    explain: str | None = None
    """Shown with the solution: why it works."""
    timeout: float = DEFAULT_TIMEOUT
    requires: list[str] = field(default_factory=list)
    """Sandbox features it needs (see tutor/lessons/features.py)."""
    mistake: list[ScriptLine] = field(default_factory=list)
    """Pitfall only: the mistake, made on purpose."""
    symptoms: list[Check] = field(default_factory=list)
    """Pitfall only: what the mistake visibly does; they must hold once it is made."""

    @property
    def ladder_size(self) -> int:
        """Rungs in the hint ladder, the solution included."""
        return len(self.hints) + 1


@dataclass
class ExerciseRecord:
    """How an exercise went: how far up the hint ladder the learner climbed, and when it passed."""

    hints_used: int = 0
    """The highest rung reached: 0 none, 1 the nudge, ..., the last rung is the solution."""
    solution_shown: bool = False
    passed_at: str | None = None
    resets: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"hints_used": self.hints_used, "solution_shown": self.solution_shown,
                "passed_at": self.passed_at, "resets": self.resets}


# -- reading the block ------------------------------------------------------------------------
def read(r: Reader, node: yaml.Node, where: str, kind: str, required: tuple[str, ...]) -> Exercise:
    """An exercise, or (with a pitfall's name and its required fields) a pitfall lab."""
    fields = r.mapping(node, where, required, OPTIONAL)
    hints = _hints(r, fields["hints"], f"{where}.hints")
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
        setup=read_sandbox(r, fields["setup"], f"{where}.setup") if "setup" in fields else None,
        explain=r.text(fields["explain"], f"{where}.explain") if "explain" in fields else None,
        timeout=read_duration(r, fields["timeout"], f"{where}.timeout") if "timeout" in fields else DEFAULT_TIMEOUT,
        requires=requires,
        # Only a pitfall allows (and requires) these two.
        mistake=read_script(r, fields["mistake"], f"{where}.mistake") if "mistake" in fields else [],
        symptoms=read_checks(r, fields["symptoms"], f"{where}.symptoms") if "symptoms" in fields else [],
    )


def _hints(r: Reader, node: yaml.Node, where: str) -> list[Hint]:
    items = r.sequence(node, where)
    if not items:
        r.fail(node, where, f"field '{where}' is empty; give a nudge first, then a hint computed from state")
    hints = []
    for i, item in enumerate(items):
        text = r.text(item, f"{where}[{i}]")
        hints.append(Hint(text, read_template(r, item, f"{where}[{i}]", text)))
    return hints


def read_checks(r: Reader, node: yaml.Node, where: str) -> list[Check]:
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


# -- progress and export ----------------------------------------------------------------------
def parse_records(data: Any, bad: Callable[[str], Exception]) -> dict[str, ExerciseRecord]:
    """A lesson's exercise records as progress.json keeps them; `bad(what)` is the error to raise."""
    if not isinstance(data, dict):
        raise bad(f"'{EXERCISES}' is not an object")
    out = {}
    for step_id, item in data.items():
        numbers = [item.get(k, 0) for k in ("hints_used", "resets")] if isinstance(item, dict) else [None]
        if (not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
                or not isinstance(item.get("solution_shown", False), bool)
                or not isinstance(item.get("passed_at"), (str, type(None)))):
            raise bad(f"exercise record for step {step_id!r} is not {{hints_used, solution_shown, passed_at, resets}}")
        out[step_id] = ExerciseRecord(item.get("hints_used", 0), item.get("solution_shown", False),
                                      item.get("passed_at"), item.get("resets", 0))
    return out


class ExerciseMode(Mode):
    name = NAME
    section = EXERCISES
    required = FIELDS
    """The block's required fields."""

    def read(self, r: Reader, node: yaml.Node, where: str) -> Exercise:
        return read(r, node, where, self.name, self.required)

    def with_step_requires(self, block: Exercise, requires: list[str]) -> Exercise:
        """An exercise needs what its step needs as well as its own."""
        return replace(block, requires=list(dict.fromkeys(requires + block.requires)))

    def export_rows(self, step_id: str, block: Exercise, done: ExerciseRecord | None) -> list[dict[str, Any]]:
        return [{
            "step": step_id, "kind": self.name, "item": block.goal,
            "answered": done is not None, "correct": bool(done.passed_at) if done else None,
            "hints_used": done.hints_used if done else 0,
            "solution_shown": done.solution_shown if done else False,
            "resets": done.resets if done else 0,
            "checks": [check.describe() for check in block.checks],
        }]


MODE = ExerciseMode()
