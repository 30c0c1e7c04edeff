"""The command bar's history, kept between sessions in the state home."""

from __future__ import annotations

from pathlib import Path

from sandbox.state import atomic, paths

HISTORY_FILE = "command-history.json"
KEPT = 200


class CommandHistory:
    """Lines typed at the command bar, oldest first, without repeats in a row."""

    def __init__(self, path: Path | None = None, lines: list[str] | None = None) -> None:
        self.path = path
        self.lines: list[str] = list(lines or [])

    @classmethod
    def load(cls, path: Path | None = None) -> CommandHistory:
        """Read the history; a missing or unreadable file just means an empty history."""
        path = path or paths.home() / HISTORY_FILE
        try:
            data, _ = atomic.read_json(path)
        except (OSError, UnicodeDecodeError):
            data = None
        lines = [l for l in data if isinstance(l, str)] if isinstance(data, list) else []
        return cls(path, lines[-KEPT:])

    def add(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        if self.lines and self.lines[-1] == line:
            return
        self.lines.append(line)
        del self.lines[:-KEPT]

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_json(self.path, self.lines)
        except OSError:
            pass  # history is a convenience; never fail a command over it
