"""The workshop file: a class's plan in YAML, checked with errors naming the file, line and field.

    title: Containers, hands on (Tuesday)
    lessons:                       # in the order the class takes them
      - id: services-and-tasks
        unlocked: true             # locked lessons are listed but cannot be opened
        minutes: 20                # the time box (default: the lesson's own estimate)
      - keeping-count              # short form: locked, the lesson's own estimate
    quotas:                        # per learner, enforced by each learner's control plane
      maxTasks: 12
      cpu: 4096                    # CPU units (1024 = one vCPU)
      memory: 1024                 # MiB
    idleTimeout: 30m               # stop a sandbox nobody used for this long (off to disable)

The control plane reads only the quotas and the idle timeout; the tutor checks the lesson ids
against the lessons it has (tutor/workshop/plan.py). No Textual here, and no lesson loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import yaml
from yaml.constructor import SafeConstructor

from sandbox.core import safe_yaml
from sandbox.workshop.quotas import Quota
from sandbox.core.source_error import SourceError

TOP_FIELDS = ("title", "lessons", "quotas", "idleTimeout", "description")
LESSON_FIELDS = ("id", "unlocked", "minutes")
QUOTA_LIMITS = {"maxTasks": (1, 200), "cpu": (64, 65536), "memory": (16, 65536)}
DEFAULT_QUOTA = Quota(max_tasks=12, cpu=4096, memory=1024)
"""Room for every shipped lesson (the largest asks for 8 tasks of 128 units and 32 MiB)."""
DEFAULT_IDLE_SECONDS = 30 * 60
MIN_IDLE_SECONDS, MAX_IDLE_SECONDS = 2, 7 * 24 * 3600
LESSON_ID = re.compile(r"^(?:\d+-)?[a-z0-9]+(?:-[a-z0-9]+)*$")
DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h)?$")


class WorkshopFileError(SourceError):
    """`str()` reads `FILE:LINE: field 'F': what is wrong and what is allowed`."""

    def __init__(self, path: Path | str, line: int | None, message: str, field: str | None = None) -> None:
        super().__init__(path, line, f"field {field!r}: {message}" if field else message, field)


@dataclass(frozen=True)
class PlannedLesson:
    id: str
    unlocked: bool = False
    minutes: int | None = None
    """The time box; None means the lesson's own estimate."""
    line: int | None = None


@dataclass(frozen=True)
class WorkshopFile:
    path: Path
    title: str
    lessons: tuple[PlannedLesson, ...]
    quota: Quota = DEFAULT_QUOTA
    idle_timeout: float | None = DEFAULT_IDLE_SECONDS
    """Seconds without a request before a learner's sandbox is stopped; None: never."""
    description: str = ""

    def lesson(self, lesson_id: str) -> PlannedLesson | None:
        return next((item for item in self.lessons if item.id == lesson_id), None)


def parse_duration(value: object) -> float | None:
    """90, "90s", "30m", "2h" → seconds; 0, "0", "off" → None (never). ValueError otherwise."""
    if value is False or value in (0, "0", "off", "never"):
        return None
    if isinstance(value, bool):
        raise ValueError("a duration such as 90s, 30m or 2h, or off")
    text = str(value).strip().lower()
    match = DURATION.match(text)
    if not match:
        raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 30m, 2h, or off")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
    if not MIN_IDLE_SECONDS <= seconds <= MAX_IDLE_SECONDS:
        raise ValueError(f"{value!r} is out of range; allowed {MIN_IDLE_SECONDS}s to {MAX_IDLE_SECONDS // 86400} days, or off")
    return seconds


class _Reader:
    """Walks the composed YAML nodes, so every error knows its line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, field: str | None, message: str) -> NoReturn:
        raise WorkshopFileError(self.path, node.start_mark.line + 1 if node is not None else None, message, field)

    def mapping(self, node: yaml.Node, where: str, allowed: tuple[str, ...]) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, where or None, f"must be a mapping with {', '.join(allowed)}")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            field = f"{where}.{name}" if where else name
            if name not in allowed:
                self.fail(key, field, f"unknown field; allowed: {', '.join(allowed)}")
            if name in out:
                self.fail(key, field, "appears twice")
            out[name] = (key, value)
        return out

    def scalar(self, node: yaml.Node) -> object:
        # Resolved as safe_load would (YAML 1.1: `off` is false), keeping the node for its line.
        return SafeConstructor().construct_object(node) if isinstance(node, yaml.ScalarNode) else None

    def text(self, node: yaml.Node, field: str) -> str:
        value = self.scalar(node)
        if not isinstance(value, str) or not value.strip():
            self.fail(node, field, "must be non-empty text")
        return value.strip()

    def integer(self, node: yaml.Node, field: str, low: int, high: int) -> int:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(node, field, f"must be a whole number from {low} to {high}, got {value!r}")
        if not low <= value <= high:
            self.fail(node, field, f"is {value}; allowed {low} to {high}")
        return value

    def workshop(self, node: yaml.Node | None) -> WorkshopFile:
        if node is None:
            self.fail(None, None, "the file is empty; it needs at least a title and lessons")
        fields = self.mapping(node, "", TOP_FIELDS)
        for required in ("title", "lessons"):
            if required not in fields:
                self.fail(node, required, "is required")
        title = self.text(fields["title"][1], "title")
        description = self.text(fields["description"][1], "description") if "description" in fields else ""
        lessons = self.lessons(fields["lessons"][1])
        quota = self.quota(fields["quotas"][1]) if "quotas" in fields else DEFAULT_QUOTA
        idle = DEFAULT_IDLE_SECONDS
        if "idleTimeout" in fields:
            value_node = fields["idleTimeout"][1]
            try:
                idle = parse_duration(self.scalar(value_node))
            except ValueError as exc:
                self.fail(value_node, "idleTimeout", str(exc))
        return WorkshopFile(self.path, title, lessons, quota, idle, description)

    def lessons(self, node: yaml.Node) -> tuple[PlannedLesson, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.fail(node, "lessons", "must be a list of lesson ids (or mappings with id, unlocked, minutes)")
        out: list[PlannedLesson] = []
        for index, item in enumerate(node.value):
            where = f"lessons[{index}]"
            if isinstance(item, yaml.ScalarNode):
                lesson = PlannedLesson(self.lesson_id(item, where), line=item.start_mark.line + 1)
            else:
                fields = self.mapping(item, where, LESSON_FIELDS)
                if "id" not in fields:
                    self.fail(item, f"{where}.id", "is required")
                unlocked = False
                if "unlocked" in fields:
                    value = self.scalar(fields["unlocked"][1])
                    if not isinstance(value, bool):
                        self.fail(fields["unlocked"][1], f"{where}.unlocked", f"must be true or false, got {value!r}")
                    unlocked = value
                minutes = None
                if "minutes" in fields:
                    minutes = self.integer(fields["minutes"][1], f"{where}.minutes", 1, 480)
                lesson = PlannedLesson(self.lesson_id(fields["id"][1], f"{where}.id"), unlocked, minutes,
                                       item.start_mark.line + 1)
            if any(l.id == lesson.id for l in out):
                self.fail(item, where, f"lesson {lesson.id!r} is listed twice")
            out.append(lesson)
        return tuple(out)

    def lesson_id(self, node: yaml.Node, field: str) -> str:
        value = self.scalar(node)
        if not isinstance(value, str) or not LESSON_ID.match(value):
            self.fail(node, field, f"must be a lesson id such as services-and-tasks, got {value!r}")
        return value

    def quota(self, node: yaml.Node) -> Quota:
        fields = self.mapping(node, "quotas", tuple(QUOTA_LIMITS))
        values = {name: getattr(DEFAULT_QUOTA, attr) for name, attr in
                  (("maxTasks", "max_tasks"), ("cpu", "cpu"), ("memory", "memory"))}
        for name, (_, value) in fields.items():
            values[name] = self.integer(value, f"quotas.{name}", *QUOTA_LIMITS[name])
        return Quota(max_tasks=values["maxTasks"], cpu=values["cpu"], memory=values["memory"])


def parse_text(text: str, path: Path | str) -> WorkshopFile:
    path = Path(path)
    try:
        node = safe_yaml.compose(text)
    except safe_yaml.YamlError as exc:
        raise WorkshopFileError(path, exc.line, exc.problem) from None
    return _Reader(path).workshop(node)


def load(path: Path | str) -> WorkshopFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkshopFileError(path, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WorkshopFileError(path, None, f"cannot read it ({exc})") from None
    return parse_text(text, path)
