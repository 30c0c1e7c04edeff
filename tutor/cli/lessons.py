"""`servicelab lessons …`: the authoring tools. check, solve, new and preview.

Only the click commands live here; the work is in lesson_lint, solver and scaffold, so the
app and the tests can call it without a command line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from sandbox.core.source_error import shown

from tutor.lessons import features, lint as lesson_lint
from tutor.lessons import Lesson, LessonError, default_root, load_lesson, scaffold

root_option = click.option(
    "--root", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
    help="The lessons folder (default: the lessons that ship with servicelab).",
)


def _root(root: Path | None) -> Path:
    return root if root is not None else default_root()


@click.group("lessons")
def lessons_group() -> None:
    """Check, prove, scaffold and preview lessons (for lesson authors)."""


@lessons_group.command("check")
@root_option
@click.option("--verbose", "-v", is_flag=True, help="Also list what was left unchecked on purpose.")
def check_cmd(root: Path | None, verbose: bool) -> None:
    """Validate every lesson: schema, ids, covers, hints, solutions, task definitions, links."""
    report = lesson_lint.check(_root(root))
    for problem in report.problems:
        click.echo(f"error: {problem}", err=True)
    if verbose:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
    steps = sum(len(lesson.steps) for lesson in report.lessons)
    if not report.ok:
        click.echo(f"lessons check: {len(report.problems)} problem(s) in {len(report.lessons)} lesson(s)", err=True)
        sys.exit(1)
    click.echo(f"lessons check: {len(report.lessons)} lessons, {steps} steps, {report.exercises} exercises: all good"
               + (f" ({len(report.notes)} command(s) of features still to come left unchecked)" if report.notes else ""))


@lessons_group.command("solve")
@click.argument("lesson", required=False)
@root_option
@click.option("--json", "as_json", is_flag=True, help="Print {\"exercises\": [...]} as JSON.")
@click.option("--jobs", "-j", default=4, show_default=True, type=click.IntRange(1, 16),
              help="Lessons solved at the same time, each on its own sandbox.")
@click.pass_obj
def solve_cmd(lab, lesson: str | None, root: Path | None, as_json: bool, jobs: int) -> None:
    """Prove every exercise: its checks fail after the setup and pass after the reference solution.

    Each lesson runs on a fresh sandbox of its own (named solve-…), torn down afterwards.
    Exercises needing a sandbox feature that has not landed yet are skipped, with the reason.
    """
    from tutor.exercises.solver import leftovers, solve

    report = lesson_lint.check(_root(root))
    # Solving goes ahead on the lessons that load; what `check` found is still said, since a
    # lesson that does not load is a lesson whose exercises were not proven.
    for problem in report.problems:
        click.echo(f"warning: {problem}", err=True)
    if not report.lessons:
        sys.exit(1)
    chosen = report.lessons
    if lesson is not None:
        chosen = [item for item in report.lessons if lesson in (item.id, item.path.name)]
        if not chosen:
            known = ", ".join(item.id for item in report.lessons)
            click.echo(f"servicelab: error: no lesson {lesson!r}; known: {known}", err=True)
            sys.exit(2)
    started = time.monotonic()
    log = None if as_json else (lambda line: click.echo(line))
    outcomes = solve(chosen, jobs=jobs, runtime=getattr(lab, "runtime", None), log=log)
    left = leftovers(sorted({o.sandbox for o in outcomes if o.sandbox}))
    ok = all(o.ok for o in outcomes) and not left and report.ok
    if as_json:
        click.echo(json.dumps({
            "exercises": [o.to_dict() for o in outcomes],
            "ok": ok,
            "seconds": round(time.monotonic() - started, 1),
            "leftover_containers": left,
            "problems": report.problems,
        }, indent=2))
    else:
        ran = [o for o in outcomes if not o.skipped]
        good = sum(1 for o in ran if o.ok)
        skipped = len(outcomes) - len(ran)
        click.echo(f"\nlessons solve: {good} of {len(ran)} exercises proven"
                   + (f", {skipped} skipped (features still to come)" if skipped else "")
                   + f" in {time.monotonic() - started:.0f}s")
        if left:
            click.echo(f"left behind: {', '.join(left)}", err=True)
    sys.exit(0 if ok else 1)


@lessons_group.command("new")
@click.argument("lesson_id", metavar="ID")
@root_option
@click.option("--title", help="The lesson's title (default: made from the id).")
def new_cmd(lesson_id: str, root: Path | None, title: str | None) -> None:
    """Scaffold a lesson folder NN-ID with a lesson.yaml and two steps that pass `lessons check`."""
    try:
        folder = scaffold.new_lesson(_root(root), lesson_id, title)
    except ValueError as exc:
        click.echo(f"servicelab: error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"created {folder}")
    for path in sorted(folder.iterdir()):
        click.echo(f"  {path.name}")
    click.echo("Next: write the steps, name the seed sections in 'covers', then run "
               "`servicelab lessons check` and `servicelab lessons solve " + lesson_id + "`.")


@lessons_group.command("preview")
@click.argument("lesson_id", metavar="ID")
@root_option
@click.option("--watch", is_flag=True, help="Keep watching the lesson's files and print it again on every change.")
@click.option("--interval", default=0.5, show_default=True, type=float, help="Seconds between looks at the files.")
def preview_cmd(lesson_id: str, root: Path | None, watch: bool, interval: float) -> None:
    """Validate one lesson and print its steps as the app will walk through them.

    Exits 1 when the lesson has errors (without --watch, which runs until Ctrl+C).
    """
    folder = _find(_root(root), lesson_id)
    text, ok = _preview(folder)
    click.echo(text)
    if not watch:
        sys.exit(0 if ok else 1)
    click.echo(click.style(f"watching {folder} (Ctrl+C to stop)", dim=True), err=True)
    seen = scaffold.stamp(folder)
    try:
        while True:
            time.sleep(interval)
            now = scaffold.stamp(folder)
            if now != seen:
                seen = now
                click.echo(f"\n--- {time.strftime('%H:%M:%S')} changed; reloaded ---")
                click.echo(_preview(folder)[0])
    except KeyboardInterrupt:
        return


def _find(root: Path, lesson_id: str) -> Path:
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name == lesson_id or folder.name.split("-", 1)[-1] == lesson_id:
            return folder
        try:
            if load_lesson(folder).id == lesson_id:
                return folder
        except LessonError:
            continue
    click.echo(f"servicelab: error: no lesson {lesson_id!r} under {root}", err=True)
    sys.exit(2)


def _preview(folder: Path) -> tuple[str, bool]:
    """The lesson as the app walks it, with its errors; and whether it has none."""
    try:
        lesson = load_lesson(folder)
    except LessonError as exc:
        return f"error: {exc}", False
    # The whole-set checks too (commands, task definitions, links), but only this lesson's findings.
    report = lesson_lint.check(folder.parent)
    mine = [p for p in report.problems if p.startswith(shown(folder))]
    return render(lesson) + "".join(f"\nerror: {p}" for p in mine), not mine


def render(lesson: Lesson) -> str:
    """The lesson as a step list: what each step asks of the learner."""
    lines = [f"{lesson.title}  [{lesson.id}, {lesson.level}, ~{lesson.minutes} min, format {lesson.format}]",
             f"  covers: {', '.join(lesson.covers) or '-'}"]
    if lesson.sandbox.services:
        lines.append("  starts with: " + ", ".join(f"{s.name} ({s.task_definition} × {s.desired_count})"
                                                   for s in lesson.sandbox.services))
    for number, step in enumerate(lesson.steps, 1):
        words = len(step.markdown.split())
        lines.append(f"  {number}. {step.title}  ({step.kind}, {words} words)")
        for command in step.try_commands:
            lines.append(f"       try: {command}")
        if step.predict:
            lines.append(f"       predict: {step.predict.question}")
        if step.myth:
            lines.append(f"       myth: {step.myth.claim}  [{'true' if step.myth.answer else 'false'}]")
        for question in step.quiz:
            lines.append(f"       quiz ({question.kind}): {question.question}")
        if step.exercise:
            ex = step.exercise
            why = features.reason(ex.requires)
            lines.append(f"       goal: {ex.goal}" + (f"  [skipped for now: {why}]" if why else ""))
            for check in ex.symptoms:
                lines.append(f"       symptom: {check.describe()}")
            for check in ex.checks:
                lines.append(f"       check: {check.describe()}")
            lines.append(f"       hints: {len(ex.hints)}, then the solution ({len(ex.solution)} line(s))")
    if lesson.takeaways:
        lines.append(f"  takeaways: {len(lesson.takeaways)}")
    return "\n".join(lines)
