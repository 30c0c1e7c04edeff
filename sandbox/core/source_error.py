"""One error for files people write by hand: task definitions, workshop files, lessons."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path | str) -> str:
    """A path as its author would type it: relative to the working directory when under it."""
    try:
        return str(Path(path).absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class SourceError(ValueError):
    """A hand-written file that cannot be used.

    `str()` reads `FILE:LINE: what is wrong and what is allowed`, the form editors and
    terminals turn into a jump to the line.
    """

    def __init__(self, path: Path | str, line: int | None, message: str, field: str | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.field = field
        self.detail = message
        where = f"{shown(path)}:{line}" if line else shown(path)
        super().__init__(f"{where}: {message}")
