"""The lesson.yaml format, versions 1 and 2: a lesson's fields and its steps', read into a Lesson.

No Textual here. Format 2 is format 1 plus the learning modes other than predict (each read
by its module in tutor/lessons/modes/), takeaways, task definitions shipped with the lesson,
setup commands and step `requires`. A format 1 lesson loads exactly as before.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sandbox.core.source_error import shown
from sandbox.taskdefs.taskdef_file import TaskDefinitionFileError, builtin
from sandbox.taskdefs.taskdef_file import load_file as load_task_definitions

from tutor.lessons import features
from .model import LEVELS, SEED_SECTIONS, Lesson, Step
from .modes import MODES, READ, Mode, takeaway
from .reader import Reader
from .sandbox_setup import read_sandbox
from .scripts import read_commands

FORMAT_VERSION = 2
"""The newest lesson format this package reads."""
FORMATS = (1, 2)
"""Every format it reads; `format:` in lesson.yaml must name one."""

MAX_MINUTES = 120
LESSON_FIELDS = ("format", "id", "title", "level", "summary", "minutes", "covers", "steps")
LESSON_OPTIONAL = ("sandbox", "takeaways", "taskDefinitions")
STEP_FIELDS = ("id", "title", "file")
STEP_OPTIONAL = ("try", *MODES, "requires")


def read_lesson(r: Reader, node: yaml.Node, folder: Path) -> tuple[Lesson, int]:
    """The lesson, and the line of its `id:` (for a duplicate id across lessons)."""
    fields = r.mapping(node, None, LESSON_FIELDS, LESSON_OPTIONAL)
    version = r.integer(fields["format"], "format", 0, 10**6)
    if version not in FORMATS:
        r.fail(fields["format"], "format",
               f"field 'format' is {version}; this servicelab reads formats {' and '.join(map(str, FORMATS))}")
    r.version = version
    for key in ("takeaways", "taskDefinitions"):
        if key in fields:
            r.needs_format(2, fields[key], key)
    lesson_id = r.slug(fields["id"], "id")
    title = r.text(fields["title"], "title")
    level = r.choice(fields["level"], "level", LEVELS)
    summary = r.text(fields["summary"], "summary")
    minutes = r.integer(fields["minutes"], "minutes", 1, MAX_MINUTES)
    covers_items = r.sequence(fields["covers"], "covers")
    covers = [r.choice(item, f"covers[{i}]", SEED_SECTIONS) for i, item in enumerate(covers_items)]
    r.unique(covers_items, "covers", covers, "section id")
    sandbox = read_sandbox(r, fields.get("sandbox"))
    takeaways = takeaway.read(r, fields["takeaways"], "takeaways") if "takeaways" in fields else []
    files, refs = _task_definitions(r, fields.get("taskDefinitions"), folder)
    steps_node = fields["steps"]
    step_items = r.sequence(steps_node, "steps")
    if not step_items:
        r.fail(steps_node, "steps", "field 'steps' is empty; a lesson needs at least one step")
    steps, id_nodes = zip(*(_step(r, item, f"steps[{i}]", folder) for i, item in enumerate(step_items)))
    # Point a duplicate at its `id:` line, not at the start of the step.
    r.unique(list(id_nodes), "steps", [s.id for s in steps], "step id", suffix=".id")
    lesson = Lesson(lesson_id, title, level, summary, minutes, covers, sandbox, list(steps), folder,
                    version, takeaways, files, refs)
    return lesson, fields["id"].start_mark.line + 1


def _task_definitions(r: Reader, node: yaml.Node | None, folder: Path) -> tuple[list[str], list[str]]:
    """Files of task definitions the lesson ships, and the refs they get in a fresh sandbox."""
    if node is None:
        return [], []
    builtin_families = {td.family for td, _ in builtin()}
    files, refs = [], []
    items = r.sequence(node, "taskDefinitions")
    for i, item in enumerate(items):
        where = f"taskDefinitions[{i}]"
        name = r.text(item, where)
        if not name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name or name.startswith("."):
            r.fail(item, where, f"field '{where}' is {name!r}; allowed: the name of a .yaml file in {shown(folder)}")
        try:
            parsed = load_task_definitions(folder / name)
        except TaskDefinitionFileError as exc:
            r.fail(item, where, f"field '{where}' is {name!r}, but it is not a usable task definition: {exc}")
        for td, _ in parsed:
            if td.family in builtin_families:
                r.fail(item, where, f"field '{where}': {name} defines family {td.family!r}, which is built in; "
                                    "give a shipped task definition a family of its own")
            revision = 1 + sum(1 for ref in refs if ref.split(":")[0] == td.family)
            refs.append(f"{td.family}:{revision}")
        files.append(name)
    r.unique(items, "taskDefinitions", files, "file")
    return files, refs


def _step(r: Reader, node: yaml.Node, where: str, folder: Path) -> tuple[Step, yaml.Node]:
    fields = r.mapping(node, where, STEP_FIELDS, STEP_OPTIONAL)
    step_id = r.slug(fields["id"], f"{where}.id")
    file = r.text(fields["file"], f"{where}.file")
    commands = read_commands(r, fields["try"], f"{where}.try") if "try" in fields else []
    mode = _mode(r, fields, where)
    requires = []
    if "requires" in fields:
        r.needs_format(2, fields["requires"], f"{where}.requires")
        requires = [r.choice(item, f"{where}.requires[{i}]", features.KNOWN)
                    for i, item in enumerate(r.sequence(fields["requires"], f"{where}.requires"))]
    block = None
    if mode is not None:
        block = mode.with_step_requires(mode.read(r, fields[mode.name], f"{where}.{mode.name}"), requires)
    step = Step(
        id=step_id,
        title=r.text(fields["title"], f"{where}.title"),
        file=file,
        markdown=_markdown(r, fields["file"], f"{where}.file", folder, file),
        try_commands=commands,
        kind=mode.name if mode is not None else READ,
        block=block,
        requires=requires,
    )
    return step, fields["id"]


def _mode(r: Reader, fields: dict[str, yaml.Node], where: str) -> Mode | None:
    """The one mode the step is in, if any (checked before anything in its block is read)."""
    present = [mode for mode in MODES.values() if mode.name in fields]
    for mode in present:
        r.needs_format(mode.since_format, fields[mode.name], f"{where}.{mode.name}")
    if len(present) > 1:
        first, second = present[0].name, present[1].name
        r.fail(fields[second], f"{where}.{second}",
               f"step '{where}' has both '{first}' and '{second}'; a step is in one mode, so split it into two steps")
    return present[0] if present else None


def _markdown(r: Reader, node: yaml.Node, where: str, folder: Path, file: str) -> str:
    # Only `<lesson>/*.md` ships as package data, so a step file sits right in its lesson folder.
    if not file.endswith(".md") or "/" in file or "\\" in file or file.startswith("."):
        r.fail(node, where, f"field '{where}' is {file!r}; allowed: the name of a .md file in {shown(folder)}")
    target = folder / file
    try:
        text = target.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        r.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} does not exist")
    except UnicodeDecodeError:
        r.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} is not UTF-8 text")
    except OSError as exc:
        r.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} cannot be read: {exc.strerror}")
    if not text.strip():
        r.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} is empty; a step needs Markdown text")
    return text
