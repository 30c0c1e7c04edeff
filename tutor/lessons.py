"""Lesson formats 1 and 2: read and check `lessons/<NN-slug>/lesson.yaml` and its step Markdown files.

No Textual here: the app, the CLI and the tests all read lessons through this module. Every
problem raises LessonError naming the file, the line, the field and what is allowed, because
the person reading it is a lesson author with the file open in an editor.

Format 2 is format 1 plus the learning modes (quiz, myth, exercise and pitfall steps, takeaways,
task definitions shipped with the lesson, setup commands); their blocks are read by
`tutor/lesson_modes.py`. A format 1 lesson loads exactly as before.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.resources
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from sandbox.model import MAX_DESIRED_COUNT
from sandbox.source_error import SourceError, shown
from sandbox.taskdef_file import TaskDefinitionFileError, builtin
from sandbox.taskdef_file import load_file as load_task_definitions

from . import features, lesson_modes
from .lesson_modes import TRY_PREFIXES, Exercise, Myth, Question, ScriptLine, Takeaway  # noqa: F401 (TRY_PREFIXES: re-exported)

FORMAT_VERSION = 2
"""The newest lesson format this module reads."""
FORMATS = (1, 2)
"""Every format it reads; `format:` in lesson.yaml must name one."""

LESSON_FILE = "lesson.yaml"

LEVELS = ("Foundation", "Intermediate", "Advanced", "Expert")
"""Lesson levels, easiest first."""

SEED_SECTIONS = (
    *(f"build-up-{n}" for n in range(1, 8)),
    "under-the-hood",
    "why-designed",
    *(f"myth-{n}" for n in range(1, 5)),
    "expert-1",
    "expert-2",
    "expert-3",
    "when-not-to-use",
    "production-patterns",
    "connection-os",
    "connection-factory",
    "connection-project-management",
    "pitfall-1",
    "pitfall-2",
    "pitfall-3",
    "takeaways",
)
"""Ids of the source material's sections that a lesson's `covers:` may name."""

MAX_MINUTES = 120

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Same rules as the sandbox's own name and FAMILY:REV checks, so a setup that loads also applies.
SERVICE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
TASK_DEFINITION_REF = re.compile(r"^[A-Za-z0-9_-]{1,255}:[1-9][0-9]*$")

LESSON_FIELDS = ("format", "id", "title", "level", "summary", "minutes", "covers", "steps")
LESSON_OPTIONAL = ("sandbox", "takeaways", "taskDefinitions")
SANDBOX_FIELDS = ("services", "run")
SERVICE_FIELDS = ("name", "taskDefinition", "desiredCount")
STEP_FIELDS = ("id", "title", "file")
STEP_OPTIONAL = ("try", "predict", "myth", "quiz", "exercise", "pitfall", "requires")
PREDICT_FIELDS = ("question", "options", "answer", "explain")
STEP_MODES = ("predict", "myth", "quiz", "exercise", "pitfall")
"""A step is in at most one of these modes."""


class LessonError(SourceError):
    """A lesson that cannot be used."""


@dataclass(frozen=True)
class ServiceSetup:
    """A service the sandbox should hold when the lesson starts."""

    name: str
    task_definition: str
    desired_count: int


@dataclass(frozen=True)
class SandboxSetup:
    """The sandbox state a lesson or exercise starts from; no services means an empty sandbox."""

    services: list[ServiceSetup] = field(default_factory=list)
    run: list[ScriptLine] = field(default_factory=list)
    """Commands (and waits) run once the services are up, such as a one-off task."""


@dataclass(frozen=True)
class Predict:
    """A question the learner answers before the step explains what happens."""

    question: str
    options: list[str]
    answer: int
    """Index into `options` of the right answer."""
    explain: str


@dataclass(frozen=True)
class Step:
    """One screenful of a lesson: its Markdown, what to try, and maybe a prediction."""

    id: str
    title: str
    file: str
    markdown: str
    try_commands: list[str] = field(default_factory=list)
    predict: Predict | None = None
    myth: Myth | None = None
    quiz: list[Question] = field(default_factory=list)
    exercise: Exercise | None = None
    """An exercise or a pitfall lab (see `exercise.kind`)."""
    requires: list[str] = field(default_factory=list)
    """Sandbox features the step needs (tutor/features.py); its exercise needs them too."""

    @property
    def kind(self) -> str:
        """What the learner does here: read, predict, myth, quiz, exercise or pitfall."""
        if self.exercise is not None:
            return self.exercise.kind
        if self.myth is not None:
            return "myth"
        if self.quiz:
            return "quiz"
        return "predict" if self.predict is not None else "read"


@dataclass(frozen=True)
class Lesson:
    """A loaded, checked lesson."""

    id: str
    title: str
    level: str
    summary: str
    minutes: int
    covers: list[str]
    sandbox: SandboxSetup
    steps: list[Step]
    path: Path
    """The lesson's folder."""
    format: int = 1
    takeaways: list[Takeaway] = field(default_factory=list)
    task_definitions: list[str] = field(default_factory=list)
    """Task definition files shipped in the lesson folder, registered when the lesson starts."""
    shipped_refs: list[str] = field(default_factory=list)
    """FAMILY:REVISION of each shipped task definition in a fresh sandbox."""

    def step_index(self, step_id: str) -> int:
        """The position of a step; raises KeyError for an id this lesson does not have."""
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        raise KeyError(step_id)


def default_root() -> Path:
    """The folder of the installed `lessons` package."""
    # Lessons ship as plain package files (never zipped), so the Traversable is a real folder.
    return Path(str(importlib.resources.files("lessons")))


def load_lessons(root: Path | str | None = None) -> list[Lesson]:
    """Every lesson under `root`, ordered by folder name; lesson ids must be unique."""
    root = Path(root) if root is not None else default_root()
    lessons: list[Lesson] = []
    seen: dict[str, Path] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name.startswith(("_", ".")):  # __pycache__, editor and VCS folders
            continue
        lesson, id_line = _load(folder)
        if lesson.id in seen:
            raise LessonError(
                folder / LESSON_FILE, id_line,
                f"field 'id' is {lesson.id!r}, already used by {shown(seen[lesson.id])}; lesson ids must be unique",
                "id",
            )
        seen[lesson.id] = folder / LESSON_FILE
        lessons.append(lesson)
    return lessons


def load_lesson(path: Path | str) -> Lesson:
    """Load one lesson from its folder (or from its lesson.yaml)."""
    return _load(Path(path))[0]


def _load(path: Path) -> tuple[Lesson, int]:
    folder = path.parent if path.name == LESSON_FILE else path
    file = folder / LESSON_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonError(file, None, f"missing: every lesson folder needs a {LESSON_FILE}") from None
    except UnicodeDecodeError:
        raise LessonError(file, None, "is not UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise LessonError(file, line, f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise LessonError(file, None, f"invalid YAML: {exc}") from None
    reader = _Reader(file)
    if root is None:
        reader.fail(None, None, f"is empty; a lesson needs the fields {', '.join(LESSON_FIELDS)}")
    return reader.lesson(root, folder)


class _Reader:
    """Walks the composed YAML nodes, so every complaint can carry the node's line."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._constructor = yaml.SafeLoader("")

    version = 1

    def fail(self, node: yaml.Node | None, field: str | None, message: str) -> NoReturn:
        line = node.start_mark.line + 1 if node is not None else 1
        raise LessonError(self.file, line, message, field)

    # -- the format ---------------------------------------------------------------------------
    def lesson(self, node: yaml.Node, folder: Path) -> tuple[Lesson, int]:
        fields = self.mapping(node, None, LESSON_FIELDS, LESSON_OPTIONAL)
        version = self.integer(fields["format"], "format", 0, 10**6)
        if version not in FORMATS:
            self.fail(fields["format"], "format",
                      f"field 'format' is {version}; this servicelab reads formats {' and '.join(map(str, FORMATS))}")
        self.version = version
        for key in ("takeaways", "taskDefinitions"):
            if key in fields:
                self.needs_format_2(fields[key], key)
        lesson_id = self.slug(fields["id"], "id")
        title = self.text(fields["title"], "title")
        level = self.choice(fields["level"], "level", LEVELS)
        summary = self.text(fields["summary"], "summary")
        minutes = self.integer(fields["minutes"], "minutes", 1, MAX_MINUTES)
        covers_node = fields["covers"]
        covers_items = self.sequence(covers_node, "covers")
        covers = [self.choice(item, f"covers[{i}]", SEED_SECTIONS) for i, item in enumerate(covers_items)]
        self.unique(covers_items, "covers", covers, "section id")
        sandbox = self.sandbox(fields.get("sandbox"))
        takeaways = lesson_modes.read_takeaways(self, fields["takeaways"], "takeaways") if "takeaways" in fields else []
        files, refs = self.task_definitions(fields.get("taskDefinitions"), folder)
        steps_node = fields["steps"]
        step_items = self.sequence(steps_node, "steps")
        if not step_items:
            self.fail(steps_node, "steps", "field 'steps' is empty; a lesson needs at least one step")
        steps, id_nodes = zip(*(self.step(item, f"steps[{i}]", folder) for i, item in enumerate(step_items)))
        # Point a duplicate at its `id:` line, not at the start of the step.
        self.unique(list(id_nodes), "steps", [s.id for s in steps], "step id", suffix=".id")
        lesson = Lesson(lesson_id, title, level, summary, minutes, covers, sandbox, list(steps), folder,
                        version, takeaways, files, refs)
        return lesson, fields["id"].start_mark.line + 1

    def needs_format_2(self, node: yaml.Node, where: str) -> None:
        if self.version < 2:
            self.fail(node, where, f"field '{where}' needs format 2; this lesson says 'format: {self.version}'")

    def task_definitions(self, node: yaml.Node | None, folder: Path) -> tuple[list[str], list[str]]:
        """Files of task definitions the lesson ships, and the refs they get in a fresh sandbox."""
        if node is None:
            return [], []
        builtin_families = {td.family for td, _ in builtin()}
        files, refs = [], []
        items = self.sequence(node, "taskDefinitions")
        for i, item in enumerate(items):
            where = f"taskDefinitions[{i}]"
            name = self.text(item, where)
            if not name.endswith((".yaml", ".yml")) or "/" in name or "\\" in name or name.startswith("."):
                self.fail(item, where, f"field '{where}' is {name!r}; allowed: the name of a .yaml file in {shown(folder)}")
            try:
                parsed = load_task_definitions(folder / name)
            except TaskDefinitionFileError as exc:
                self.fail(item, where, f"field '{where}' is {name!r}, but it is not a usable task definition: {exc}")
            for td, _ in parsed:
                if td.family in builtin_families:
                    self.fail(item, where, f"field '{where}': {name} defines family {td.family!r}, which is built in; "
                                           "give a shipped task definition a family of its own")
                revision = 1 + sum(1 for ref in refs if ref.split(":")[0] == td.family)
                refs.append(f"{td.family}:{revision}")
            files.append(name)
        self.unique(items, "taskDefinitions", files, "file")
        return files, refs

    def sandbox(self, node: yaml.Node | None, where_root: str = "sandbox") -> SandboxSetup:
        if node is None or self.is_null(node):
            return SandboxSetup()
        fields = self.mapping(node, where_root, (), SANDBOX_FIELDS)
        services = []
        listed = fields.get("services")
        items = [] if listed is None or self.is_null(listed) else self.sequence(listed, f"{where_root}.services")
        for i, item in enumerate(items):
            where = f"{where_root}.services[{i}]"
            service = self.mapping(item, where, SERVICE_FIELDS, ())
            name = self.text(service["name"], f"{where}.name")
            if not SERVICE_NAME.match(name):
                self.fail(service["name"], f"{where}.name",
                          f"field '{where}.name' is {name!r}; allowed: up to 255 letters, digits, '-' or '_'")
            ref = self.text(service["taskDefinition"], f"{where}.taskDefinition")
            if not TASK_DEFINITION_REF.match(ref):
                self.fail(service["taskDefinition"], f"{where}.taskDefinition",
                          f"field '{where}.taskDefinition' is {ref!r}; allowed: FAMILY:REVISION, such as web:1")
            count = self.integer(service["desiredCount"], f"{where}.desiredCount", 0, MAX_DESIRED_COUNT)
            services.append(ServiceSetup(name, ref, count))
        self.unique(items, f"{where_root}.services", [s.name for s in services], "service name")
        run = []
        if "run" in fields:
            self.needs_format_2(fields["run"], f"{where_root}.run")
            run = lesson_modes.read_script(self, fields["run"], f"{where_root}.run", allow_empty=True)
        return SandboxSetup(services, run)

    def step(self, node: yaml.Node, where: str, folder: Path) -> tuple[Step, yaml.Node]:
        fields = self.mapping(node, where, STEP_FIELDS, STEP_OPTIONAL)
        step_id = self.slug(fields["id"], f"{where}.id")
        file = self.text(fields["file"], f"{where}.file")
        commands = lesson_modes.read_commands(self, fields["try"], f"{where}.try") if "try" in fields else []
        modes = [key for key in STEP_MODES if key in fields]
        for key in modes:
            if key != "predict":
                self.needs_format_2(fields[key], f"{where}.{key}")
        if len(modes) > 1:
            second = fields[modes[1]]
            self.fail(second, f"{where}.{modes[1]}",
                      f"step '{where}' has both '{modes[0]}' and '{modes[1]}'; a step is in one mode, so split it into two steps")
        requires = []
        if "requires" in fields:
            self.needs_format_2(fields["requires"], f"{where}.requires")
            requires = [self.choice(item, f"{where}.requires[{i}]", features.KNOWN)
                        for i, item in enumerate(self.sequence(fields["requires"], f"{where}.requires"))]
        exercise = None
        for kind in ("exercise", "pitfall"):
            if kind in fields:
                exercise = lesson_modes.read_exercise(self, fields[kind], f"{where}.{kind}", kind)
                merged = list(dict.fromkeys(requires + exercise.requires))
                exercise = dataclasses.replace(exercise, requires=merged)
        step = Step(
            id=step_id,
            title=self.text(fields["title"], f"{where}.title"),
            file=file,
            markdown=self.markdown(fields["file"], f"{where}.file", folder, file),
            try_commands=commands,
            predict=self.predict(fields["predict"], f"{where}.predict") if "predict" in fields else None,
            myth=lesson_modes.read_myth(self, fields["myth"], f"{where}.myth") if "myth" in fields else None,
            quiz=lesson_modes.read_quiz(self, fields["quiz"], f"{where}.quiz") if "quiz" in fields else [],
            exercise=exercise,
            requires=requires,
        )
        return step, fields["id"]

    def markdown(self, node: yaml.Node, where: str, folder: Path, file: str) -> str:
        # Only `<lesson>/*.md` ships as package data, so a step file sits right in its lesson folder.
        if not file.endswith(".md") or "/" in file or "\\" in file or file.startswith("."):
            self.fail(node, where, f"field '{where}' is {file!r}; allowed: the name of a .md file in {shown(folder)}")
        target = folder / file
        try:
            text = target.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            self.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} does not exist")
        except UnicodeDecodeError:
            self.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} is not UTF-8 text")
        except OSError as exc:
            self.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} cannot be read: {exc.strerror}")
        if not text.strip():
            self.fail(node, where, f"field '{where}' is {file!r}, but {shown(target)} is empty; a step needs Markdown text")
        return text

    def predict(self, node: yaml.Node, where: str) -> Predict:
        fields = self.mapping(node, where, PREDICT_FIELDS, ())
        options = [
            self.text(item, f"{where}.options[{i}]")
            for i, item in enumerate(self.sequence(fields["options"], f"{where}.options"))
        ]
        if len(options) < 2:
            self.fail(fields["options"], f"{where}.options",
                      f"field '{where}.options' has {len(options)} option(s); a prediction needs at least 2")
        answer = self.integer(fields["answer"], f"{where}.answer", 0, len(options) - 1,
                              hint=f"an index into 'options', 0 to {len(options) - 1}")
        return Predict(
            question=self.text(fields["question"], f"{where}.question"),
            options=options,
            answer=answer,
            explain=self.text(fields["explain"], f"{where}.explain"),
        )

    # -- generic checks -----------------------------------------------------------------------
    def mapping(
        self, node: yaml.Node, where: str | None, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, yaml.Node]:
        allowed = required + optional
        if not isinstance(node, yaml.MappingNode):
            what = f"field '{where}'" if where else "the file"
            self.fail(node, where, f"{what} is {self.kind(node)}; expected a mapping with the fields {', '.join(allowed)}")
        fields: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            if not isinstance(key, str):
                self.fail(key_node, where, f"field name {self.kind(key_node)} is not text; allowed: {', '.join(allowed)}")
            name = f"{where}.{key}" if where else str(key)
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                guess = f" (did you mean '{close[0]}'?)" if close else ""
                self.fail(key_node, name, f"unknown field '{name}'{guess}; allowed: {', '.join(allowed)}")
            if key in fields:  # PyYAML would silently keep the last one
                self.fail(key_node, name, f"field '{name}' appears twice; give it once")
            fields[key] = value_node
        for key in required:
            if key not in fields:
                name = f"{where}.{key}" if where else key
                self.fail(node, name, f"missing required field '{name}'; required here: {', '.join(required)}")
        return fields

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; expected a list")
        return list(node.value)

    def text(self, node: yaml.Node, where: str) -> str:
        value = self.value(node)
        if not isinstance(value, str):
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; expected text (quote it if YAML reads it as something else)")
        if not value.strip():
            self.fail(node, where, f"field '{where}' is empty; expected some text")
        return value.strip()

    def slug(self, node: yaml.Node, where: str) -> str:
        value = self.text(node, where)
        if not SLUG.match(value):
            self.fail(node, where, f"field '{where}' is {value!r}; allowed: lowercase letters, digits and single '-', like 'keeping-count'")
        return value

    def integer(self, node: yaml.Node, where: str, low: int, high: int, hint: str | None = None) -> int:
        value = self.value(node)
        expected = hint or f"a whole number from {low} to {high}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; expected {expected}")
        if not low <= value <= high:
            self.fail(node, where, f"field '{where}' is {value}; allowed: {expected}")
        return value

    def choice(self, node: yaml.Node, where: str, allowed: tuple[str, ...]) -> str:
        value = self.value(node)
        if not isinstance(value, str) or value.strip() not in allowed:
            self.fail(node, where, f"field '{where}' is {self.kind(node)}; allowed: {', '.join(allowed)}")
        return value.strip()

    def unique(self, nodes: list[yaml.Node], where: str, values: list[str], what: str, suffix: str = "") -> None:
        seen: set[str] = set()
        for index, value in enumerate(values):
            if value in seen:
                self.fail(nodes[index], f"{where}[{index}]{suffix}",
                          f"{what} {value!r} appears twice in '{where}'; each must be unique")
            seen.add(value)

    def is_null(self, node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and self.value(node) is None

    def value(self, node: yaml.Node) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.fail(node, None, f"invalid YAML: {getattr(exc, 'problem', None) or exc}")

    def kind(self, node: yaml.Node) -> str:
        """How a value reads in an error: the value itself plus its type in words."""
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        value = self.value(node)
        if value is None:
            return "empty"
        if isinstance(value, bool):
            return f"{node.value} (true/false)"
        if isinstance(value, (int, float)):
            return f"{node.value} (a number)"
        return repr(value)
