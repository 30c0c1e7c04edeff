"""A workshop as the tutor sees it: the file's lessons matched to real lessons, and unlocks.

The instructor's workshop file is the plan and is never rewritten (it keeps their comments).
What changes during the class, which lessons are unlocked, lives beside it in
`<name>.unlocks.json`, written atomically by `servicelab workshop unlock`. A learner's app
notices either file changing by its stat (inode, size, mtime): a few microseconds a second.
"""

from __future__ import annotations

import difflib
import fcntl
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sandbox.state import atomic
from sandbox.workshop.workshop_file import PlannedLesson, WorkshopFile, WorkshopFileError, load

from ..lessons import Lesson


def unlocks_path(workshop_file: Path) -> Path:
    return workshop_file.with_name(f"{workshop_file.stem}.unlocks.json")


def read_unlocks(workshop_file: Path) -> dict[str, bool]:
    """The instructor's changes during the class: lesson id → unlocked. Missing file: none yet."""
    try:
        data, _ = atomic.read_json(unlocks_path(workshop_file))
    except OSError:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("unlocked"), dict):
        return {}
    return {str(k): bool(v) for k, v in data["unlocked"].items() if isinstance(v, bool)}


@contextmanager
def _exclusive(workshop_file: Path) -> Iterator[None]:
    # Two unlocks at once must not lose one: read-modify-write under a lock beside the file.
    lock = workshop_file.with_name(f".{workshop_file.stem}.unlocks.lock")
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def set_unlocked(workshop_file: Path, lesson_id: str, unlocked: bool = True) -> dict[str, bool]:
    """Record an unlock (or a lock) atomically; returns every override now in force."""
    with _exclusive(workshop_file):
        current = read_unlocks(workshop_file)
        current[lesson_id] = unlocked
        atomic.write_json(unlocks_path(workshop_file), {
            "unlocked": current, "changedAt": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        })
        # Learners (other accounts on a shared machine) read it; the folder decides who may write.
        os.chmod(unlocks_path(workshop_file), 0o644)
    return current


@dataclass(frozen=True)
class Entry:
    lesson: Lesson
    planned: PlannedLesson
    unlocked: bool

    @property
    def minutes(self) -> int:
        """The time box: the workshop's, or the lesson's own estimate."""
        return self.planned.minutes or self.lesson.minutes


@dataclass(frozen=True)
class Plan:
    """The workshop's lessons in order, each with its unlock state and time box."""

    file: WorkshopFile
    entries: tuple[Entry, ...]

    @property
    def title(self) -> str:
        return self.file.title

    @property
    def path(self) -> Path:
        return self.file.path

    @property
    def lessons(self) -> list[Lesson]:
        return [entry.lesson for entry in self.entries]

    def entry(self, lesson_id: str) -> Entry | None:
        return next((e for e in self.entries if e.lesson.id == lesson_id), None)

    def is_unlocked(self, lesson_id: str) -> bool:
        entry = self.entry(lesson_id)
        return entry is not None and entry.unlocked

    def resolve(self, name: str) -> Lesson:
        """A lesson of this workshop by id or folder name; ValueError listing the choices."""
        for entry in self.entries:
            if name in (entry.lesson.id, entry.lesson.path.name):
                return entry.lesson
        known = [e.lesson.id for e in self.entries]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"lesson {name!r} is not in workshop {self.title!r}{hint}; its lessons: {', '.join(known)}")


def load_plan(path: Path | str, lessons: list[Lesson]) -> Plan:
    """Read and check the workshop file against the lessons; WorkshopFileError names the line."""
    file = load(Path(path).expanduser().resolve())
    by_name = {l.id: l for l in lessons} | {l.path.name: l for l in lessons}
    unlocks = read_unlocks(file.path)
    entries = []
    for index, planned in enumerate(file.lessons):
        lesson = by_name.get(planned.id)
        if lesson is None:
            close = difflib.get_close_matches(planned.id, [l.id for l in lessons], n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise WorkshopFileError(file.path, planned.line, f"no lesson {planned.id!r}; {hint}"
                                    f"lessons: {', '.join(l.id for l in lessons)}", f"lessons[{index}].id")
        unlocked = unlocks.get(lesson.id, unlocks.get(planned.id, planned.unlocked))
        entries.append(Entry(lesson, planned, unlocked))
    return Plan(file, tuple(entries))


class PlanWatch:
    """Tells cheaply whether the workshop file or its unlocks changed since the last look."""

    def __init__(self, path: Path) -> None:
        self.paths = (path, unlocks_path(path))
        self._seen = self._stamp()

    def _stamp(self) -> tuple:
        stamps = []
        for path in self.paths:
            try:
                st = os.stat(path)
                stamps.append((st.st_ino, st.st_size, st.st_mtime_ns))
            except OSError:
                stamps.append(None)
        return tuple(stamps)

    def changed(self) -> bool:
        stamp = self._stamp()
        if stamp == self._seen:
            return False
        self._seen = stamp
        return True
