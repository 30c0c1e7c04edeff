"""The YAML reader every part of a lesson is read with: each complaint names file, line and field.

No Textual here. The person reading an error is a lesson author with the file open in an
editor, so the reader walks the composed YAML nodes (not plain values) and every failure
raises LessonError with the node's line, the field's dotted path and what is allowed.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, NoReturn

import yaml

from sandbox.core.source_error import SourceError

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class LessonError(SourceError):
    """A lesson that cannot be used."""


class Reader:
    """Checks one lesson.yaml's nodes; the lesson format (lesson_yaml.py) and the modes use it."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.version = 1
        """The lesson's `format:`, once read; format 2 fields check it."""
        self._constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node | None, field: str | None, message: str) -> NoReturn:
        line = node.start_mark.line + 1 if node is not None else 1
        raise LessonError(self.file, line, message, field)

    def needs_format(self, version: int, node: yaml.Node, where: str) -> None:
        if self.version < version:
            self.fail(node, where, f"field '{where}' needs format {version}; this lesson says 'format: {self.version}'")

    def mapping(
        self, node: yaml.Node, where: str | None, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, yaml.Node]:
        allowed = required + optional
        if not isinstance(node, yaml.MappingNode):
            what = f"field '{where}'" if where else "the file"
            self.fail(node, where, f"{what} is {self.kind(node)}; expected a mapping with the fields {', '.join(allowed)}")
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                self.fail(key_node, where, f"field name {self.kind(key_node)} is not text; allowed: {', '.join(allowed)}")
            name = f"{where}.{key}" if where else str(key)
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                guess = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(key_node, name, f"unknown field '{name}'{guess}; allowed: {', '.join(allowed)}")
            if key in fields:  # PyYAML would silently keep the last one
                self.fail(key_node, name, f"field '{name}' appears twice; give it once")
            fields[key] = value_node
        for key in required:
            if key not in fields:
                name = f"{where}.{key}" if where else key
                self.fail(node, name, f"missing required field '{name}'; required here: {', '.join(required)}")
        return fields

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; expected a list")
        return list(node.value)

    def text(self, node: yaml.Node, where: str) -> str:
        value = self.value(node)
        if not isinstance(value, str):
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; expected text (quote it if YAML reads it as something else)")
        if not value.strip():
            self.fail(node, where, f"field '{where}' is empty; expected some text")
        return value.strip()

    def slug(self, node: yaml.Node, where: str) -> str:
        value = self.text(node, where)
        if not SLUG.match(value):
            self.fail(node, where, f"field '{where}' is {value!r}; allowed: lowercase letters, digits and single '-', like 'keeping-count'")
        return value

    def integer(self, node: yaml.Node, where: str, low: int, high: int, hint: str | None = None) -> int:
        value = self.value(node)
        expected = hint or f"a whole number from {low} to {high}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; expected {expected}")
        if not low <= value <= high:
            self.fail(node, where, f"field '{where}' is {value}; allowed: {expected}")
        return value

    def boolean(self, node: yaml.Node, where: str, question: str = "") -> bool:
        """true or false; `question` says what the answer means (": is the claim true?")."""
        value = self.value(node)
        if not isinstance(value, bool):
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; expected true or false{question}")
        return value

    def choice(self, node: yaml.Node, where: str, allowed: tuple[str, ...]) -> str:
        value = self.value(node)
        if not isinstance(value, str) or value.strip() not in allowed:
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; allowed: {', '.join(allowed)}")
        return value.strip()

    def unique(self, nodes: list[yaml.Node], where: str, values: list[str], what: str, suffix: str = "") -> None:
        seen: set[str] = set()
        for index, value in enumerate(values):
            if value in seen:
                self.fail(nodes[index], f"{where}[{index}]{suffix}",
                          f"{what} {value!r} appears twice in '{where}'; each must be unique")
            seen.add(value)

    def is_null(self, node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and self.value(node) is None

    def value(self, node: yaml.Node) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.fail(node, None, f"not valid YAML ({' '.join(str(getattr(exc, 'problem', None) or exc).split())})")

    def kind(self, node: yaml.Node) -> str:
        """How a value reads in an error: the value itself plus its type in words."""
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        value = self.value(node)
        if value is None:
            return "empty"
        if isinstance(value, bool):
            return f"{node.value} (true/false)"
        if isinstance(value, (int, float)):
            return f"{node.value} (a number)"
        return repr(value)
