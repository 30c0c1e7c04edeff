"""What of a predict or myth step's Markdown the learner may read before committing to an answer.

No Textual here. Authors end the scene-setting part of such a step with a paragraph asking
the learner to commit ("Before reading on, commit to your answer…", lessons/README.md).
Whatever follows that paragraph may talk about the answer, so the app holds it back until
the learner has chosen. A step without that paragraph is all scene-setting: the question
comes after the whole text, and nothing is held back.
"""

from __future__ import annotations

import re

COMMIT = re.compile(r"commit to your answer", re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def split_for_reveal(markdown: str) -> tuple[str, str]:
    """(shown before the learner commits, held back until they have)."""
    found = COMMIT.search(markdown)
    if found is None:
        return markdown, ""
    # Cut at the end of the paragraph that asks, never inside it.
    end = _BLANK_LINE.search(markdown, found.end())
    if end is None:
        return markdown, ""
    return markdown[:end.start()].rstrip() + "\n", markdown[end.end():].strip()
