"""Completing a command bar line: the CLI's click tree completes `servicelab …`, botocore's model `aws ecs …`.

Values come from the sandbox's current state (`Names`): the click commands name what completes
each argument, and the bar hands them the names through the context's object.
"""

from __future__ import annotations

import shlex
from typing import Iterable

import click
from click.shell_completion import ShellComplete

from sandbox.cli.completion import Names

from .aws import FORMS, xform
from .bar import APP_WORD_VALUES, APP_WORDS
from .grammar import FIRST, program, top_names


def complete(line: str, names: Names | None = None) -> list[str]:
    """Full-line candidates that extend `line`, best first; empty when nothing fits."""
    names = names or Names()
    try:
        words = shlex.split(line)
    except ValueError:
        return []
    partial = "" if (not line or line[-1].isspace()) else (words.pop() if words else "")
    head = line[: len(line) - len(partial)]
    seen: list[str] = []
    for word in _next_words(words, partial, names):
        if word.startswith(partial) and word != partial and word not in seen:
            seen.append(word)
    return [head + _quote(word) for word in seen]


def common_prefix(candidates: Iterable[str]) -> str:
    """The longest prefix all candidates share (what Tab can fill in without choosing)."""
    items = list(candidates)
    if not items:
        return ""
    first, last = min(items), max(items)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]


def _quote(word: str) -> str:
    return shlex.quote(word) if word and any(c.isspace() for c in word) else word


def _next_words(words: list[str], partial: str, names: Names) -> list[str]:
    if words and words[0] == "aws":
        return _aws_words(words[1:], names)
    if words and words[0] == "servicelab":
        words = words[1:]
    if not words and not partial.startswith("-"):
        return _top_words()
    if words and words[0] in APP_WORDS:
        return list(APP_WORD_VALUES.get(words[0], ())) if len(words) == 1 else []
    if not _is_command_path(words):
        return []
    found = _click_words(words, partial, names)
    if not found and not partial:
        # Nothing left to name: offer the options, as the CLI's completion does after a dash.
        found = _click_words(words, "--", names)
    return found


def _top_words() -> list[str]:
    """The sandbox's commands, then aws and the app's own words, then the rest of the program."""
    names = top_names()
    return [n for n in names if n in FIRST] + ["aws", *APP_WORDS] + [n for n in names if n not in FIRST]


def _click_words(words: list[str], partial: str, names: Names) -> list[str]:
    items = ShellComplete(program(), {"obj": names}, "servicelab", "").get_completions(list(words), partial)
    return [item.value for item in items if item.value not in ("--help", "-h") and not _is_short(item.value)]


def _is_short(word: str) -> bool:
    return word.startswith("-") and not word.startswith("--")


def _is_command_path(words: list[str]) -> bool:
    """True when the words so far walk down real commands (completion offers nothing after a typo)."""
    command: click.Command = program()
    ctx = click.Context(command)
    for word in words:
        if not isinstance(command, click.Group) or word.startswith("-"):
            return True
        command = command.get_command(ctx, word)
        if command is None:
            return False
    return True


def _aws_words(words: list[str], names: Names) -> list[str]:
    if not words:
        return ["ecs"]
    if len(words) == 1:
        # Shortest first: the everyday commands (update-service) have the short names.
        return sorted(FORMS, key=lambda name: (len(name), name))
    form = FORMS.get(words[1])
    if form is None:
        return []
    options = {"--" + xform(m): m for m in form.members}
    rest = words[2:]
    if rest and rest[-1] in options:
        member = options[rest[-1]]
        if form.shape.members[member].type_name != "boolean":
            field = form.names.get(member)
            return form.choices(member) or (list(getattr(names, field)) if field else [])
    unused = [option for option in options if option not in rest]
    return [o for o in unused if form.is_required(options[o])] + [o for o in unused if not form.is_required(options[o])]
