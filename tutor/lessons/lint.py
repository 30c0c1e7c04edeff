"""`lessons check`: everything about a set of lessons that can be known without running them.

Loading already checks the schema (file, line and field in every message). On top of that
this checks the set as a whole: unique ids, every seed section covered, hint ladders that
have a hint computed from state, commands that the command bar (with the CLI's grammar) accepts,
task definitions that exist (built in or shipped), and `lesson:` links that lead somewhere.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sandbox.core.source_error import shown
from sandbox.taskdefs.taskdef_file import builtin

from tutor.checks import expr
from tutor.lessons import features
from tutor.lessons import SEED_SECTIONS, Exercise, Lesson, LessonError, ScriptLine, load_lesson

LINK = re.compile(r"\]\(lesson:([^)\s]*)\)")
TASK_DEF_OPTIONS = ("--task-def", "--task-definition")


@dataclass
class Report:
    lessons: list[Lesson] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Things left unchecked on purpose, such as commands of features still to come."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exercises(self) -> int:
        return sum(1 for lesson in self.lessons for step in lesson.steps if step.exercise)


def check(root: Path) -> Report:
    report = Report()
    folders = sorted(p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    if not folders:
        report.problems.append(f"{shown(Path(root))}: no lesson folders here")
        return report
    for folder in folders:
        try:
            report.lessons.append(load_lesson(folder))
        except LessonError as exc:
            report.problems.append(str(exc))
    _unique_ids(report)
    _coverage(report)
    known = _task_definitions(report)
    for lesson in report.lessons:
        for problem in _lesson_problems(lesson, report, known):
            report.problems.append(f"{shown(lesson.path / 'lesson.yaml')}: {problem}")
    return report


def _unique_ids(report: Report) -> None:
    seen: dict[str, Lesson] = {}
    for lesson in report.lessons:
        if lesson.id in seen:
            report.problems.append(f"{shown(lesson.path / 'lesson.yaml')}: lesson id {lesson.id!r} is already used by "
                                   f"{shown(seen[lesson.id].path / 'lesson.yaml')}; lesson ids must be unique")
        seen.setdefault(lesson.id, lesson)


def _coverage(report: Report) -> None:
    covered = {section for lesson in report.lessons for section in lesson.covers}
    missing = [section for section in SEED_SECTIONS if section not in covered]
    if missing:
        report.problems.append(f"seed sections no lesson covers: {', '.join(missing)} "
                               "(name them in some lesson's 'covers')")


def _task_definitions(report: Report) -> dict[str, set[int]]:
    """Family to revisions: the built-ins plus what every lesson ships (families must not clash)."""
    known: dict[str, set[int]] = {}
    for td, revision in builtin():
        known.setdefault(td.family, set()).add(revision or 1)
    owner: dict[str, Lesson] = {}
    for lesson in report.lessons:
        for ref in lesson.shipped_refs:
            family, revision = ref.split(":")
            if family in owner and owner[family] is not lesson:
                report.problems.append(
                    f"{shown(lesson.path / 'lesson.yaml')}: ships task definition family {family!r}, which "
                    f"{owner[family].id} ships too; each shipped family belongs to one lesson")
            owner[family] = lesson
            known.setdefault(family, set()).add(int(revision))
    return known


def _lesson_problems(lesson: Lesson, report: Report, known: dict[str, set[int]]) -> Iterator[str]:
    ids = {l.id: {s.id for s in l.steps} for l in report.lessons}
    for ref, where in _refs(lesson):
        family, _, revision = ref.partition(":")
        if family not in known:
            yield f"{where}: task definition {ref!r} does not exist (built in: web, crashy, flaky, batch; or ship a file in 'taskDefinitions')"
        elif revision and revision.isdigit() and int(revision) not in known[family]:
            yield f"{where}: task definition {ref!r} does not exist; {family} has revision(s) {sorted(known[family])}"
    for step in lesson.steps:
        where = f"step '{step.id}'"
        for target in LINK.findall(step.markdown):
            lesson_id, _, step_id = target.partition("/")
            if lesson_id not in ids:
                yield f"{where}: {step.file} links to lesson:{target}, but no lesson has id {lesson_id!r}"
            elif step_id and step_id not in ids[lesson_id]:
                yield f"{where}: {step.file} links to lesson:{target}, but lesson {lesson_id!r} has no step {step_id!r}"
        absent = features.missing(_requires(step))
        commands = list(step.try_commands) + [l.text for l in (step.myth.demo if step.myth else []) if l.wait is None]
        if step.exercise:
            yield from (f"{where}: {p}" for p in _exercise_problems(step.exercise))
            commands += [line.text for line in _scripts(step.exercise, lesson) if line.wait is None]
        for command in commands:
            if absent:
                report.notes.append(f"{lesson.id}/{step.id}: not checking `{command}`: the step needs {', '.join(absent)}")
                continue
            problem = command_problem(command)
            if problem:
                yield f"{where}: `{command}`: {problem}"


def _exercise_problems(exercise: Exercise) -> Iterator[str]:
    if not any(hint.computed for hint in exercise.hints):
        yield (f"{exercise.kind}: no hint is computed from the sandbox's state; add one with placeholders, "
               "such as 'web has {service(web).running} running of {service(web).desired} desired'")
    if len(exercise.hints) < 2:
        yield f"{exercise.kind}: the hint ladder needs a nudge and a hint computed from state before the solution"
    if not exercise.solution:
        yield f"{exercise.kind}: no reference solution"


def _requires(step) -> list[str]:
    return list(step.exercise.requires) if step.exercise else list(step.requires)


def _scripts(exercise: Exercise, lesson: Lesson) -> list[ScriptLine]:
    setup = exercise.setup or lesson.sandbox
    return list(setup.run) + list(exercise.mistake) + list(exercise.solution)


def _refs(lesson: Lesson) -> Iterator[tuple[str, str]]:
    """Every task definition the lesson names, with where it names it."""
    for service in lesson.sandbox.services:
        yield service.task_definition, f"sandbox service {service.name!r}"
    for line in lesson.sandbox.run:
        yield from ((ref, "sandbox.run") for ref in _command_refs(line.text))
    for step in lesson.steps:
        where = f"step '{step.id}'"
        texts = list(step.try_commands)
        ex = step.exercise
        nodes = []
        for line in step.myth.demo if step.myth else []:
            texts += [line.text] if line.wait is None else []
            nodes += [line.wait.condition] if line.wait else [p for p in line.parts if not isinstance(p, str)]
        if ex:
            if ex.setup:
                for service in ex.setup.services:
                    yield service.task_definition, f"{where}: setup service {service.name!r}"
            for line in _scripts(ex, lesson):
                if line.wait is not None:
                    nodes.append(line.wait.condition)
                else:
                    texts.append(line.text)
                    nodes += [p for p in line.parts if not isinstance(p, str)]
            nodes += [c.condition for c in ex.checks + ex.symptoms]
            nodes += [n for c in ex.checks + ex.symptoms for n in (c.during, c.after) if n is not None]
            nodes += [p for hint in ex.hints for p in hint.parts if not isinstance(p, str)]
        for text in texts:
            yield from ((ref, where) for ref in _command_refs(text))
        for node in nodes:
            for ref in expr.refs(node):
                args = dict(ref.args)
                if "taskdef" in args:
                    yield str(args["taskdef"]), where
                if "family" in args:
                    yield str(args["family"]), where


def _command_refs(command: str) -> list[str]:
    try:
        words = shlex.split(re.sub(r"\{[^{}]*\}", "ID", command))
    except ValueError:
        return []
    refs = []
    for i, word in enumerate(words):
        if word in TASK_DEF_OPTIONS and i + 1 < len(words):
            refs.append(words[i + 1])
        elif word.startswith(tuple(f"{o}=" for o in TASK_DEF_OPTIONS)):
            refs.append(word.split("=", 1)[1])
    if words[:3] in (["servicelab", "task", "run"], ["servicelab", "taskdef", "describe"]) and len(words) > 3:
        refs.append(words[3])
    return [ref for ref in refs if ref != "ID"]


def command_problem(command: str) -> str | None:
    """Why the command bar (and so the CLI, whose grammar it uses) would refuse a command, or None."""
    from tutor.commands import CommandError, parse

    try:
        parse(re.sub(r"\{[^{}]*\}", "abcd1234", command), placeholders={"ID": "abcd1234"})
    except CommandError as exc:
        return str(exc)
    return None
