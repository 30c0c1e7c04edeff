"""The classroom's commands: `servicelab prepare`, `servicelab workshop …` and `progress export`.

Only click here; the work is in the modules beside this one. tutor/cli.py adds them to the
`servicelab` command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from sandbox.cli.context import fail, table

workshop_file_arg = click.argument("workshop_file", metavar="FILE",
                                   type=click.Path(path_type=Path, dir_okay=False))


def _plan(path: Path):
    from sandbox.core.source_error import SourceError

    from ..lessons import load_lessons
    from .plan import load_plan

    try:
        return load_plan(path, load_lessons())
    except SourceError as exc:  # the workshop file or a lesson
        fail(str(exc), 2)


# -- servicelab prepare ---------------------------------------------------------------------------
@click.command("prepare")
@click.option("--workshop", "workshop_file", type=click.Path(path_type=Path, dir_okay=False), envvar="SERVICELAB_WORKSHOP",
              help="Also check this workshop file against the lessons (env SERVICELAB_WORKSHOP).")
@click.option("--no-smoke", is_flag=True, help="Skip running one real task in a throwaway sandbox.")
def prepare_cmd(workshop_file: Path | None, no_smoke: bool) -> None:
    """Get this machine ready for a class with no network: image, lessons, model, browser page.

    Builds the demo image, checks the lessons (and the workshop file, if any), and runs one real
    task end to end. Run it before the class, at the venue; it is safe to repeat.
    """
    from rich.console import Console

    from .prepare import run_all, steps

    console = Console(highlight=False, soft_wrap=True)
    ok = run_all(steps(workshop_file, smoke=not no_smoke), console)
    if ok:
        console.print("Ready: everything a class needs is on this machine.")
    else:
        console.print("[red]Not ready[/]: fix the steps marked FAIL, then run `servicelab prepare` again.")
        sys.exit(1)


# -- servicelab progress export ---------------------------------------------------------------------
@click.command("export")
@click.option("--json", "fmt", flag_value="json", default=True, help="One JSON document (the default).")
@click.option("--csv", "fmt", flag_value="csv", help="CSV: one row per lesson and per check.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to this file instead of standard output.")
@click.option("--workshop", "workshop_file", type=click.Path(path_type=Path, dir_okay=False), envvar="SERVICELAB_WORKSHOP",
              help="Export the workshop's lessons, in its order (env SERVICELAB_WORKSHOP).")
@click.option("--learner", metavar="NAME", help="Your name in the export (default: your sandbox name).")
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, output: Path | None, workshop_file: Path | None,
               learner: str | None) -> None:
    """Export your progress for the instructor: per lesson and per check, with predictions,
    quiz scores, hints used and time spent."""
    from sandbox.state import atomic

    from ..lessons import LessonError, load_lessons
    from tutor.learner.progress import Progress
    from .export import export_document, to_csv
    from .share import learner_name

    lab = ctx.find_root().obj
    title = None
    if workshop_file is not None:
        plan = _plan(workshop_file)
        lessons, title = plan.lessons, plan.title
    else:
        try:
            lessons = load_lessons()
        except LessonError as exc:
            fail(str(exc))
    try:
        progress = Progress.load()
    except OSError as exc:
        fail(f"cannot read progress: {exc}")
    if progress.message:
        click.echo(f"servicelab: warning: {progress.message}", err=True)
    document = export_document(progress, lessons, learner or learner_name(lab.sandbox), title)
    text = to_csv(document) if fmt == "csv" else json.dumps(document, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic.write_text(output, text)
        click.echo(f"wrote {output}", err=True)


# -- servicelab workshop … ------------------------------------------------------------------------
@click.group("workshop")
def workshop_group() -> None:
    """Run a classroom workshop: unlock lessons, serve the app in browsers, collect and report progress."""


@workshop_group.command("check")
@workshop_file_arg
def check_cmd(workshop_file: Path) -> None:
    """Check a workshop file: schema, lesson ids, quotas, idle timeout (errors name file, line, field)."""
    plan = _plan(workshop_file)
    quota = plan.file.quota
    idle = plan.file.idle_timeout
    click.echo(f"workshop {plan.title!r}: {len(plan.entries)} lessons, quota {quota.max_tasks} tasks / "
               f"{quota.cpu} CPU units / {quota.memory} MiB per learner, idle timeout "
               f"{'off' if idle is None else f'{idle / 60:g} min'}: all good")


@workshop_group.command("status")
@workshop_file_arg
def status_cmd(workshop_file: Path) -> None:
    """The workshop's lessons in order: unlocked or locked, and their time boxes."""
    plan = _plan(workshop_file)
    click.echo(plan.title)
    table([[str(n), e.lesson.id, "unlocked" if e.unlocked else "locked", f"{e.minutes} min", e.lesson.title]
           for n, e in enumerate(plan.entries, 1)], ["#", "LESSON", "STATE", "TIME BOX", "TITLE"])


def _set(workshop_file: Path, lesson: str, unlocked: bool) -> None:
    from .plan import set_unlocked

    plan = _plan(workshop_file)
    if lesson == "next" and unlocked:
        locked = [e for e in plan.entries if not e.unlocked]
        if not locked:
            click.echo("every lesson of the workshop is already unlocked")
            return
        target = locked[0].lesson
    else:
        try:
            target = plan.resolve(lesson)
        except ValueError as exc:
            fail(str(exc), 2)
    try:
        set_unlocked(plan.path, target.id, unlocked)
    except OSError as exc:
        fail(f"cannot record it beside {plan.path}: {exc}")
    click.echo(f"{target.id} ({target.title}) is now {'unlocked' if unlocked else 'locked'}; "
               "learners' apps pick it up within a second or two")


@workshop_group.command("unlock")
@workshop_file_arg
@click.argument("lesson")
def unlock_cmd(workshop_file: Path, lesson: str) -> None:
    """Unlock LESSON (an id, a folder name, or `next`) for every learner of the workshop."""
    _set(workshop_file, lesson, True)


@workshop_group.command("lock")
@workshop_file_arg
@click.argument("lesson")
def lock_cmd(workshop_file: Path, lesson: str) -> None:
    """Lock LESSON again (learners already in it may finish the step they are on)."""
    _set(workshop_file, lesson, False)


host_option = click.option("--host", default="127.0.0.1", show_default=True,
                           help="Address to listen on; 0.0.0.0 lets learners on the LAN connect.")


@workshop_group.command("serve")
@click.argument("workshop_file", metavar="[FILE]", required=False, envvar="SERVICELAB_WORKSHOP",
                type=click.Path(path_type=Path, dir_okay=False))
@host_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--collect-into", type=click.Path(path_type=Path, file_okay=False),
              help="Where shared progress is kept (default: <state home>/workshop-serve/collected).")
@click.pass_obj
def serve_cmd(lab, workshop_file: Path | None, host: str, port: int, collect_into: Path | None) -> None:
    """Serve the app in browsers: each connection gets its own app process and sandbox.

    Learners open http://HOST:PORT/?learner=NAME (the name labels them in reports; without it
    they are anonymous). Progress they choose to share is collected here too. Closing a tab
    takes that learner's sandbox down, and Ctrl-C takes down every one still up.
    """
    from .web import serve

    plan = _plan(workshop_file) if workshop_file is not None else None
    serve(plan.path if plan else None, host, port, collect_into, lab.runtime)


@workshop_group.command("collect")
@host_option
@click.option("--port", default=8001, show_default=True, type=click.IntRange(1, 65535))
@click.option("--into", type=click.Path(path_type=Path, file_okay=False), default=Path("collected"),
              show_default=True, help="Where each learner's latest export is kept.")
def collect_cmd(host: str, port: int, into: Path) -> None:
    """Receive the progress learners choose to share (`servicelab --share-progress http://HOST:PORT`)."""
    from aiohttp import web

    from .collect import Collector, summary_line

    app = web.Application()
    Collector(into, on_update=lambda learner, doc: click.echo(summary_line(learner, doc))).add_routes(app)
    click.echo(f"collecting shared progress on http://{host}:{port}/progress into {into}/ (Ctrl-C stops)")
    web.run_app(app, host=host, port=port, print=None, access_log=None)


@workshop_group.command("report")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--chart", type=click.Path(path_type=Path, dir_okay=False), default=Path("workshop-report.svg"),
              show_default=True, help="The chart's file: .svg or .png.")
@click.option("--no-chart", is_flag=True, help="Only the table.")
@click.option("--json", "as_json", is_flag=True, help="Print the aggregate as JSON instead of a table.")
def report_cmd(files: tuple[Path, ...], chart: Path, no_chart: bool, as_json: bool) -> None:
    """Aggregate learners' exports (JSON or CSV) into a table per lesson and a chart."""
    from . import report

    if chart.suffix.lower() not in (".svg", ".png"):
        fail(f"--chart {chart}: use a .svg or .png file name", 2)
    try:
        rows, notes = report.load(list(files))
    except report.ReportError as exc:
        fail(str(exc), 2)
    summary = report.aggregate(rows, notes)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), indent=2))
    else:
        click.echo(f"{len(summary.learners)} learner(s): {', '.join(summary.learners)}")
        table(report.table(summary), report.HEADERS)
        if summary.hardest:
            click.echo("\nMost often wrong:")
            for item in summary.hardest:
                what = "" if item["item"] == item["step"] else f": {item['item']}"
                click.echo(f"  {item['wrong']}/{item['answered']} wrong  {item['lesson']} / {item['step']}{what}")
    if not no_chart:
        report.chart(summary, chart)
        click.echo(f"chart: {chart}", err=True)


@workshop_group.command("leave")
@click.pass_obj
def leave_cmd(lab) -> None:
    """Take your sandbox out of its workshop: no quotas or token from its next start on."""
    from sandbox.workshop import classroom
    from sandbox.state import paths

    if classroom.forget(paths.sandbox_dir(lab.sandbox)):
        click.echo(f"sandbox {lab.sandbox!r} left its workshop; `servicelab sandbox down` ends the running control plane")
    else:
        click.echo(f"sandbox {lab.sandbox!r} is not in a workshop")
