"""Scripts in lessons: plain commands to try, and lines with {EXPR} placeholders or waits.

No Textual here. A `try` list holds commands the learner runs as written; a script (a
sandbox's `run`, a myth's `demo`, a pitfall's `mistake`, an exercise's `solution`) may also
fill placeholders from the sandbox and wait for a condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from tutor.checks import spec as checks, expr
from tutor.checks.spec import CheckSpecError
from .reader import Reader

TRY_PREFIXES = ("servicelab ", "aws ecs ")
"""A command is typed at the command bar, which speaks these two forms."""
DEFAULT_TIMEOUT = 30.0
"""Seconds a wait, or `lessons solve` after an exercise's reference solution, allows by default."""


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


def read_commands(r: Reader, node: yaml.Node, where: str) -> list[str]:
    """Plain commands the learner can run (a step's `try`)."""
    out = []
    for i, item in enumerate(r.sequence(node, where)):
        command = r.text(item, f"{where}[{i}]")
        if not command.startswith(TRY_PREFIXES):
            r.fail(item, f"{where}[{i}]", f"field '{where}[{i}]' is {command!r}; allowed: commands starting with "
                   + " or ".join(repr(p.strip()) for p in TRY_PREFIXES))
        out.append(command)
    return out


def read_script(r: Reader, node: yaml.Node, where: str, allow_empty: bool = False) -> list[ScriptLine]:
    items = r.sequence(node, where)
    if not items and not allow_empty:
        r.fail(node, where, f"field '{where}' is empty; give at least one command")
    return [_script_line(r, item, f"{where}[{i}]") for i, item in enumerate(items)]


def _script_line(r: Reader, item: yaml.Node, spot: str) -> ScriptLine:
    if isinstance(item, yaml.MappingNode):
        fields = r.mapping(item, spot, ("wait",), ("timeout",))
        condition = read_expression(r, fields["wait"], f"{spot}.wait")
        timeout = read_duration(r, fields["timeout"], f"{spot}.timeout") if "timeout" in fields else DEFAULT_TIMEOUT
        return ScriptLine(f"wait: {condition.source()}", [], Wait(condition, timeout))
    command = r.text(item, spot)
    if not command.startswith(TRY_PREFIXES):
        r.fail(item, spot, f"field '{spot}' is {command!r}; allowed: a command starting with 'servicelab' or "
                           "'aws ecs', or {wait: EXPR, timeout: 20s}")
    return ScriptLine(command, read_template(r, item, spot, command))


def read_template(r: Reader, node: yaml.Node, where: str, text: str) -> list[Any]:
    """Text with {EXPR} placeholders, split into text and the parsed expressions."""
    try:
        return expr.parse_template(text)
    except expr.ExprError as exc:
        r.fail(node, where, f"field '{where}': {exc}")


def read_expression(r: Reader, node: yaml.Node, where: str) -> Any:
    text = r.text(node, where)
    try:
        return expr.parse(text)
    except expr.ExprError as exc:
        r.fail(node, where, f"field '{where}': {exc}")


def read_duration(r: Reader, node: yaml.Node, where: str) -> float:
    try:
        return checks.parse_duration(r.value(node), where)
    except CheckSpecError as exc:
        r.fail(node, where, f"field {exc}")
