"""The command bar's answers: the CLI's own wording (sandbox/cli/present.py), line by line with a kind.

`servicelab task ls` reads the same in a terminal and in the bar because both word the answer
with `present.reply`; here it only becomes the bar's lines: the answer, then what a terminal
prints on standard error (as errors), then the notes that follow the twin (dimmed, as the twin).
"""

from __future__ import annotations

from typing import Any

from sandbox.cli import present
from tutor.commands import Operation

Line = tuple[str, str]
"""A line of the bar's output and its kind: info, error or twin (CommandBar.say)."""


def describe(operation: Operation, answer: dict[str, Any], now: float | None = None) -> list[Line]:
    """The lines that answer the command, as `servicelab` prints them in a terminal."""
    try:
        reply = present.reply(operation, answer, now)
    except (KeyError, IndexError, TypeError):
        # An answer without the fields its text needs (a stand-in sandbox): the action itself was done.
        return [(f"done: {operation.summary}", "info")]
    return ([(line, "info") for line in reply.lines] + [(line, "error") for line in reply.errors]
            + [(line, "twin") for line in reply.notes])
