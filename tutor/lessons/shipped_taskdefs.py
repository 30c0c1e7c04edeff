"""A lesson's own task definitions: the one rule for putting them in a sandbox.

No Textual here. When a lesson opens (tutor/ui/sandbox_link.py) and when a step is reset
(tutor/exercises/reset.py), the sandbox must hold exactly the revisions the lesson ships, in order
(`api:1`, `api:2`…), whatever it held before: an earlier visit, an older version of the
lesson, revisions the learner registered. Lessons name revisions by number, so skipping a
family that merely exists, or registering a file again on top of what is there, would leave
`api:2` meaning something else. `sync()` asks the control plane to make each shipped family
hold exactly those revisions; it changes nothing when the family already does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable

from sandbox.core.model import TaskDefinition
from sandbox.taskdefs.taskdef_file import load_file, register_request

SYNC_OPERATION = "SyncTaskDefinitions"


def families(paths: Iterable[Path]) -> dict[str, list[TaskDefinition]]:
    """Each shipped family with its revisions in order (revision 1 first), across the files."""
    out: dict[str, list[TaskDefinition]] = {}
    for path in paths:
        for td, _ in load_file(Path(path)):
            out.setdefault(td.family, []).append(td)
    return out


def sync_request(family: str, revisions: list[TaskDefinition]) -> dict[str, Any]:
    """The SyncTaskDefinitions body that makes `family` hold exactly `revisions`."""
    return {"family": family, "taskDefinitions": [register_request(td) for td in revisions]}


def sync(lab: Callable[..., dict[str, Any]], paths: Iterable[Path]) -> list[str]:
    """Make the sandbox hold exactly the shipped revisions; returns the refs that changed.

    `lab` is a client's `lab` method (or anything that calls a servicelab operation).
    """
    changed: list[str] = []
    for family, revisions in families(paths).items():
        changed += lab(SYNC_OPERATION, **sync_request(family, revisions)).get("changed", [])
    return changed


def differences(shipped_refs: list[str], active_refs: Iterable[str]) -> dict[str, tuple[list[str], list[str]]]:
    """Per shipped family whose ACTIVE revisions differ from the shipped ones: (missing, extra) refs.

    Judged from refs alone (a snapshot lists no contents); the contents behind matching refs
    were made right when the lesson opened.
    """
    wanted: dict[str, list[str]] = {}
    for ref in shipped_refs:
        wanted.setdefault(ref.split(":", 1)[0], []).append(ref)
    active = list(active_refs)
    out = {}
    for family, refs in wanted.items():
        present = [r for r in active if r.split(":", 1)[0] == family]
        missing = [r for r in refs if r not in present]
        extra = sorted((r for r in present if r not in refs), key=_revision)
        if missing or extra:
            out[family] = (missing, extra)
    return out


def lesson_files(lesson: Any) -> list[Path]:
    """The task definition files a lesson ships, as paths."""
    return [lesson.path / name for name in lesson.task_definitions]


def _revision(ref: str) -> int:
    number = ref.rsplit(":", 1)[-1]
    return int(number) if number.isdigit() else 0
