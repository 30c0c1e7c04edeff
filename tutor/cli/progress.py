"""`servicelab progress`: show or reset a learner's progress through the lessons.

Only the `progress` group lives here; the top-level `servicelab` CLI adds it.
"""

from __future__ import annotations

import json

import click

from sandbox.cli.context import fail

from tutor.lessons import Lesson, LessonError, load_lessons
from tutor.learner.progress import NOT_STARTED, Progress
from tutor.workshop.cli import export_cmd


def _lessons() -> list[Lesson]:
    try:
        return load_lessons()
    except LessonError as exc:
        fail(str(exc))


def _progress() -> Progress:
    try:
        record = Progress.load()
    except OSError as exc:  # e.g. the state home is not writable, or progress.json is a folder
        fail(f"cannot read progress: {exc}")
    if record.message:
        click.echo(f"servicelab: warning: {record.message}", err=True)
    return record


def _step_label(lesson: Lesson, index: int) -> tuple[int, str]:
    """The step to show as current; a lesson that lost steps since then shows its last one."""
    index = min(index, len(lesson.steps) - 1)
    return index, lesson.steps[index].title


def _summary(lesson: Lesson, record: Progress) -> dict:
    state = record.lesson(lesson.id)
    row = {
        "id": lesson.id,
        "title": lesson.title,
        "level": lesson.level,
        "status": state.status,
        "steps_total": len(lesson.steps),
        **state.to_dict(),
    }
    if state.status == NOT_STARTED:
        row.update(current_step=None, current_step_id=None, current_step_title=None)
    else:
        index, title = _step_label(lesson, state.current_step)
        row.update(current_step=index, current_step_id=lesson.steps[index].id, current_step_title=title)
    return row


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def progress(ctx: click.Context, as_json: bool) -> None:
    """Show your progress through every lesson."""
    if ctx.invoked_subcommand is not None:
        return
    lessons = _lessons()
    record = _progress()
    rows = [_summary(lesson, record) for lesson in lessons]
    if as_json:
        click.echo(json.dumps({
            "progress_file": str(record.path),
            "set_aside": str(record.set_aside) if record.set_aside else None,
            "last_lesson": record.last_lesson,
            "lessons": rows,
        }, indent=2))
        return
    width = max([len("LESSON")] + [len(row["id"]) for row in rows])
    click.echo(f"{'LESSON':<{width}}  {'LEVEL':<12}  {'STATUS':<11}  STEP")
    for row in rows:
        step = "-" if row["current_step"] is None else (
            f"{row['current_step'] + 1}/{row['steps_total']} {row['current_step_title']}"
        )
        click.echo(f"{row['id']:<{width}}  {row['level']:<12}  {row['status']:<11}  {step}")
    last = next((row for row in rows if row["id"] == record.last_lesson), None)
    if last is not None and last["current_step"] is not None:
        click.echo(f"\nContinue with {last['id']}, step {last['current_step'] + 1}: {last['current_step_title']}")
    elif rows:
        click.echo(f"\nNothing started yet; the first lesson is {rows[0]['id']}.")
    click.echo(click.style(f"Progress file: {record.path}", dim=True))


@progress.command("reset")
@click.argument("lesson", required=False)
@click.option("--yes", "-y", is_flag=True, help="Clear without asking first.")
def reset(lesson: str | None, yes: bool) -> None:
    """Clear progress for LESSON, or for all lessons.

    Asks first, naming what will be cleared, unless --yes is given.
    """
    lessons = _lessons()
    record = _progress()
    shipped = [item.id for item in lessons]
    # Ids recorded for lessons no longer shipped stay clearable, so nothing is stuck forever.
    known = shipped + sorted(key for key in record.lessons if key not in shipped)
    if lesson is not None and lesson not in known:
        fail(f"unknown lesson {lesson!r}; allowed: {', '.join(known)}", status=2)
    targets = [key for key in ([lesson] if lesson else known) if key in record.lessons]
    if not targets:
        click.echo(f"Nothing to clear: no progress recorded for {lesson or 'any lesson'}.")
        return
    described = "; ".join(_describe(key, record) for key in targets)
    if not yes:
        click.confirm(f"Clear progress for {described}?", abort=True)
    record.reset(lesson)
    record.save()
    click.echo(f"Cleared progress for {', '.join(targets)}.")


def _describe(key: str, record: Progress) -> str:
    state = record.lesson(key)
    done = f"{len(state.steps_done)} step(s) done"
    if state.predictions:
        done += f", {len(state.predictions)} prediction(s)"
    return f"{key} ({state.status}, {done})"


# `progress export` is the workshop's export (the instructor's reports read it), offered here too.
progress.add_command(export_cmd)
