"""`servicelab prepare`: make this machine ready for a class that may have no network at all.

Each step says what it checks and how long it took; a failed step says what to do, and the
others still run, so one pass lists everything to fix. Nothing here downloads at class time:
the image is built from a local busybox, the lessons and the ECS model ship with servicelab,
and the browser page uses only files bundled with textual-serve.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

SMOKE_TIMEOUT = 60.0


class StepFailed(Exception):
    """A step that did not pass; the message says what to do."""


@dataclass
class Step:
    title: str
    run: Callable[[Callable[[str], None]], str]
    """Does the work, may report progress through its argument, returns a one-line result."""


def docker_step(say: Callable[[str], None]) -> str:
    from sandbox.runtime.base import RuntimeUnavailable
    from sandbox.runtime.docker_runtime import connect

    try:
        client = connect()
        version = client.version()
    except (RuntimeUnavailable, Exception) as exc:  # any failure here means "no engine"
        raise StepFailed(str(exc)) from None
    return f"Docker {version.get('Version', '?')} answers ({version.get('Arch', '?')})"


def image_step(say: Callable[[str], None]) -> str:
    from sandbox.image.build import DEMO_IMAGE, ImageBuildError, ensure_image
    from sandbox.runtime.base import RuntimeUnavailable

    try:
        ref = ensure_image(progress=say)
    except (ImageBuildError, RuntimeUnavailable) as exc:
        raise StepFailed(str(exc)) from None
    return f"{DEMO_IMAGE} ready ({ref[:19]})"


def lessons_step(say: Callable[[str], None]) -> str:
    from tutor.lessons.lint import check
    from ..lessons import default_root

    report = check(default_root())
    if not report.ok:
        raise StepFailed(f"{len(report.problems)} problem(s); first: {report.problems[0]}")
    steps = sum(len(lesson.steps) for lesson in report.lessons)
    return f"{len(report.lessons)} lessons, {steps} steps, {report.exercises} exercises check out"


def model_step(say: Callable[[str], None]) -> str:
    from sandbox.api.ecs_model import service_model

    model = service_model()
    return f"ECS API model {model.api_version} is on disk ({len(model.operation_names)} operations)"


def page_step(say: Callable[[str], None]) -> str:
    from textual_serve import server

    from .web import offline_template

    templates = Path(server.__file__).parent / "templates"
    page = offline_template(templates)
    if "https://" in page.replace("http://www.w3.org", ""):
        raise StepFailed("the browser page still asks the internet for something; check textual-serve's version")
    fonts = list((Path(server.__file__).parent / "static" / "fonts").glob("*.ttf"))
    return f"the browser page needs nothing from the internet ({len(fonts)} bundled fonts)"


def workshop_step(path: Path) -> Step:
    def run(say: Callable[[str], None]) -> str:
        from sandbox.workshop.workshop_file import WorkshopFileError

        from ..lessons import load_lessons
        from .plan import load_plan

        try:
            plan = load_plan(path, load_lessons())
        except WorkshopFileError as exc:
            raise StepFailed(str(exc)) from None
        unlocked = sum(1 for e in plan.entries if e.unlocked)
        quota = plan.file.quota
        return (f"{plan.title!r}: {len(plan.entries)} lessons ({unlocked} unlocked), quota {quota.max_tasks} tasks, "
                f"{quota.cpu} CPU units, {quota.memory} MiB per learner")

    return Step(f"Workshop file {path.name}", run)


def smoke_step(say: Callable[[str], None]) -> str:
    """A real task in a throwaway sandbox: proves control plane, engine and image together."""
    home = Path(tempfile.mkdtemp(prefix="servicelab-prepare-"))
    env = {**os.environ, "SERVICELAB_HOME": str(home), "SERVICELAB_SANDBOX": f"prepare-{uuid.uuid4().hex[:8]}",
           "SERVICELAB_RUNTIME": "docker"}
    env.pop("SERVICELAB_WORKSHOP", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sandbox", *args], env=env, capture_output=True, text=True,
                              timeout=SMOKE_TIMEOUT, stdin=subprocess.DEVNULL)

    started = time.monotonic()
    try:
        say("starting a throwaway control plane")
        created = cli("service", "create", "smoke", "--count", "1")
        if created.returncode != 0:
            raise StepFailed(created.stderr.strip().splitlines()[-1] if created.stderr.strip() else "service create failed")
        say("waiting for its task to run")
        while time.monotonic() - started < SMOKE_TIMEOUT:
            described = cli("service", "describe", "smoke", "--json")
            if described.returncode == 0 and json.loads(described.stdout).get("runningCount") == 1:
                return f"a task ran in a throwaway sandbox in {time.monotonic() - started:.1f}s"
            time.sleep(0.3)
        raise StepFailed(f"the smoke test's task was not RUNNING within {SMOKE_TIMEOUT:.0f}s")
    finally:
        say("taking the throwaway sandbox down")
        cli("sandbox", "down")
        shutil.rmtree(home, ignore_errors=True)


def steps(workshop: Path | None, smoke: bool) -> list[Step]:
    out = [
        Step("Docker engine", docker_step),
        Step("Demo task image", image_step),
        Step("Lessons", lessons_step),
        Step("ECS API model", model_step),
        Step("Browser page (workshop serve)", page_step),
    ]
    if workshop is not None:
        out.append(workshop_step(workshop))
    if smoke:
        out.append(Step("Smoke test", smoke_step))
    return out


def run_all(todo: list[Step], console) -> bool:
    """Run every step with a spinner and a result line each; True when all passed."""
    from rich.markup import escape

    ok = True
    for number, step in enumerate(todo, 1):
        label = f"[{number}/{len(todo)}] {step.title}"
        started = time.monotonic()
        with console.status(escape(f"{label}…")) as status:
            def say(line: str, status=status, label=label) -> None:
                status.update(escape(f"{label}: {line.strip()[:80]}"))

            try:
                result, passed = step.run(say), True
            except StepFailed as exc:
                result, passed = str(exc), False
            except Exception as exc:  # a step's bug is reported as its failure, not a traceback
                result, passed = f"{type(exc).__name__}: {exc}", False
        took = time.monotonic() - started
        mark = "[green]ok[/]  " if passed else "[red]FAIL[/]"
        console.print(f"{mark} {escape(label)}: {escape(result)} [dim]({took:.1f}s)[/]", highlight=False)
        ok = ok and passed
    return ok
