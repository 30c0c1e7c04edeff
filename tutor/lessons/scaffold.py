"""Scaffolding for lesson authors: a new lesson folder, and a cheap "did it change?" stamp.

The new lesson loads and passes the per-lesson checks as it is, so an author starts from
something green and changes one thing at a time.
"""

from __future__ import annotations

import re
from pathlib import Path

from .loader import load_lesson
from .reader import SLUG

LESSON_YAML = """\
# Lesson format 2; the fields are described in lessons/README.md.
format: 2
id: {id}
title: {title}
level: Foundation
summary: >-
  One or two sentences for the lesson list: what the learner will see and do.
minutes: 10
covers: []
sandbox:
  services:
    - {{name: web, taskDefinition: "web:1", desiredCount: 2}}
steps:
  - id: the-idea
    title: The idea
    file: 01-the-idea.md
    try:
      - servicelab service describe web
  - id: try-it
    title: Try it yourself
    file: 02-try-it.md
    exercise:
      goal: Scale web to three tasks.
      checks:
        - expect: service(web).desired == 3
          say: web wants three tasks
        - expect: service(web).running == 3
          say: three web tasks are running
      hints:
        - The number to change is the service's desired count, not the tasks themselves.
        - "web wants {{service(web).desired}} and runs {{service(web).running}}; ask for 3."
      solution:
        - servicelab service scale web 3
takeaways:
  - id: the-idea
    front: A question the learner should be able to answer after this lesson.
    back: Its answer, in one or two sentences.
"""

STEP_ONE = """\
# The idea

Explain one idea in a few short paragraphs, in your own words.

## Try it

Say what to run (`servicelab service describe web`).

**Look for** what the learner should notice, in the words the sandbox prints.
"""

STEP_TWO = """\
# Try it yourself

Set the goal in a sentence. The checklist beside the lesson turns green as the sandbox
gets there; `h` climbs the hint ladder.
"""


def new_lesson(root: Path, lesson_id: str, title: str | None = None) -> Path:
    """Create `NN-ID` under root with the next free number; returns the folder."""
    if not SLUG.match(lesson_id):
        raise ValueError(f"lesson id {lesson_id!r} is not allowed: use lowercase letters, digits and single '-'")
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in root.iterdir() if p.is_dir() and (m := re.match(r"^(\d+)-", p.name))]
    for p in root.iterdir():
        if p.is_dir() and p.name.split("-", 1)[-1] == lesson_id:
            raise ValueError(f"{p} already exists")
    folder = root / f"{max(numbers, default=0) + 1:02d}-{lesson_id}"
    folder.mkdir()
    title = title or lesson_id.replace("-", " ").capitalize()
    (folder / "lesson.yaml").write_text(LESSON_YAML.format(id=lesson_id, title=title), encoding="utf-8")
    (folder / "01-the-idea.md").write_text(STEP_ONE, encoding="utf-8")
    (folder / "02-try-it.md").write_text(STEP_TWO, encoding="utf-8")
    load_lesson(folder)  # the scaffold must load; failing here is a bug in this module
    return folder


def stamp(folder: Path) -> tuple:
    """Names, sizes and modification times of the lesson's files: equal stamps, no change."""
    try:
        return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()))
    except FileNotFoundError:
        return ()
