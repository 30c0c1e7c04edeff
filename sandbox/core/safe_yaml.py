"""One YAML reader, with limits, for every file people write by hand (task definitions, workshops).

PyYAML's SafeLoader builds no objects, but it still lets a file exhaust the stack (deep nesting
recurses), the memory or the CPU (a "billion laughs" alias bomb is tiny until something walks
it), and carry control characters into values (`"\\0"` is a NUL). Here each is refused with a
`YamlError` that has the line and one line of problem, for the caller's file error:

- at most MAX_BYTES of text;
- at most MAX_DEPTH levels of nesting;
- at most MAX_NODES nodes once aliases are expanded, and no alias inside its own anchor;
- no control characters other than tab, newline and carriage return, in the text or in a value.

Readers that need lines for their errors walk the node tree from `compose`; `load` gives the tree
and the data built from it, as yaml.safe_load builds it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

MAX_BYTES = 1 << 20
MAX_DEPTH = 50
MAX_NODES = 100_000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
"""C0 and C1 controls, less tab, newline, carriage return and NEL (which YAML reads as a line break)."""


class YamlError(ValueError):
    """A file that is not YAML we read; `line` is 1-based (None when no line applies)."""

    def __init__(self, line: int | None, problem: str) -> None:
        super().__init__(f"line {line}: {problem}" if line else problem)
        self.line = line
        self.problem = problem


class _Loader(yaml.SafeLoader):
    """SafeLoader that stops composing past MAX_DEPTH, before the recursion does."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlError(self.peek_event().start_mark.line + 1, f"nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _control(value: str) -> str | None:
    found = CONTROL.search(value)
    return None if found is None else f"control character U+{ord(found.group()):04X} is not allowed"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _scalar_problem(node: yaml.ScalarNode, constructor: SafeConstructor) -> str | None:
    """Control characters an escape put into the value, or a value safe_load cannot build (2020-13-01)."""
    problem = _control(node.value)
    if problem is None:
        try:
            constructor.construct_object(node)
        except (ValueError, yaml.YAMLError) as exc:
            problem = f"{node.value[:40]!r} cannot be read ({' '.join(str(exc).split())})"
    return problem


def _check_tree(root: yaml.Node) -> None:
    """Refuse alias bombs and cycles, counting the nodes a walk over the data would visit, and
    scalars that cannot be used. Iterative: no depth of input recurses."""
    constructor = SafeConstructor()
    expanded: dict[int, int] = {}
    inside: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            inside.discard(key)
            expanded[key] = min(MAX_NODES + 1, 1 + sum(expanded[id(child)] for child in _children(node)))
            if expanded[key] > MAX_NODES:
                raise YamlError(node.start_mark.line + 1, f"aliases expand to more than {MAX_NODES:,} nodes")
            continue
        if key in expanded:
            continue
        if key in inside:
            raise YamlError(node.start_mark.line + 1, "an alias refers to the node that holds it")
        problem = _scalar_problem(node, constructor) if isinstance(node, yaml.ScalarNode) else None
        if problem:
            raise YamlError(node.start_mark.line + 1, problem)
        inside.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _one_line(exc: yaml.YAMLError) -> YamlError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    context = getattr(exc, "context", None)
    if context and getattr(exc, "problem", None):
        problem = f"{problem}; {' '.join(context.split())}"
    return YamlError(mark.line + 1 if mark else None, f"not valid YAML ({problem})")


def _read(text: str, build: bool) -> tuple[yaml.Node | None, Any]:
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise YamlError(None, f"larger than {MAX_BYTES // 1024} KiB")
    found = CONTROL.search(text)
    if found is not None:
        raise YamlError(_line_of(text, found.start()), _control(found.group()))
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, None
            _check_tree(node)
            return node, loader.construct_document(node) if build else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _one_line(exc) from None


def load(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for lines) and its data, or YamlError. An empty file is (None, None)."""
    return _read(text, build=True)


def compose(text: str) -> yaml.Node | None:
    """The document's node tree, checked as `load` checks it, without building the data."""
    return _read(text, build=False)[0]
