"""Announcements: state changes as lines of text, for `--plain` (screen-reader) mode."""

from __future__ import annotations

import time

from textual.widgets import Log

from tutor.live.view_model import clock


class Announcer(Log):
    """A log of sentences: each change in the sandbox, each action and its `aws ecs` twin.

    A screen reader follows new lines at the end of a log far better than a table that
    redraws in place, so in plain mode every change is said here too.
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(max_lines=500, auto_scroll=True, name=name, id=id, classes=classes)

    def say(self, line: str, at: float | None = None) -> None:
        # The app's clock (frozen in tests), so --plain frames are as repeatable as the others.
        now = getattr(self.app, "clock", time.time)
        self.write_line(f"{clock(now() if at is None else at)} {line}")
