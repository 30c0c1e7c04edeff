"""The cheat sheet: every concept with its `aws ecs` command and its servicelab twin, searchable.

No Textual here. The data is `tutor/cheatsheet.yaml`; `search()` is what both the
`servicelab cheatsheet` command and (later) the app's cheat sheet panel use.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from tutor.lessons import features

DATA = Path(__file__).with_name("cheatsheet.yaml")
FIELDS = {"concept", "about", "aws", "servicelab", "note", "lesson", "tags", "requires"}


@dataclass(frozen=True)
class Entry:
    concept: str
    about: str
    aws: str | None
    servicelab: str | None
    note: str | None = None
    lesson: str | None = None
    tags: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        """False while the servicelab command belongs to a sandbox feature still to come."""
        return not features.missing(list(self.requires))

    def text(self) -> str:
        """Everything searchable, lower case."""
        return " ".join(filter(None, [self.concept, self.about, self.aws, self.servicelab, self.note,
                                      self.lesson, *self.tags])).lower()


@functools.lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    """Every entry, in the file's order; a malformed file is a bug, so it raises ValueError."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{DATA}: expected a list of entries")
    out = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not {"concept", "about", "aws", "servicelab"} <= set(item) \
                or set(item) - FIELDS:
            raise ValueError(f"{DATA}: entry {index} needs concept, about, aws, servicelab "
                             f"(and only {', '.join(sorted(FIELDS))})")
        if item["aws"] is None and item["servicelab"] is None:
            raise ValueError(f"{DATA}: entry {item['concept']!r} has neither an aws nor a servicelab command")
        out.append(Entry(item["concept"], item["about"], item["aws"], item["servicelab"], item.get("note"),
                         item.get("lesson"), tuple(item.get("tags") or ()), tuple(item.get("requires") or ())))
    return tuple(out)


def search(query: str = "") -> list[Entry]:
    """Entries containing every word of the query (any case), best first: concept hits, then tags."""
    words = query.lower().split()
    if not words:
        return list(entries())

    def score(entry: Entry) -> tuple:
        concept = entry.concept.lower()
        tags = " ".join(entry.tags).lower()
        return (-sum(w in concept for w in words), -sum(w in tags for w in words))

    found = [e for e in entries() if all(w in e.text() for w in words)]
    return sorted(found, key=score)
