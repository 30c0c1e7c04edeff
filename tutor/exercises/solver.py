"""`lessons solve`: prove every exercise on a real sandbox of its own.

For each exercise: reset the sandbox to the exercise's setup and check that each of its checks
FAILS (a check that passes before the learner did anything cannot fail, which is a defect);
for a pitfall lab, first make the mistake, check that its symptoms show, and check that each
of the fix's checks fails at that point; then apply the reference solution and check that
every check PASSES in time.

Speed: one control plane per lesson (the reset between exercises keeps services that already
match), lessons in parallel, and short polls. Each lesson's sandbox gets an isolated name and
state directory and is torn down afterwards, leaving no container behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from sandbox.api.client import Client

from tutor.checks import spec as checks
from tutor.lessons import features
from tutor.exercises import reset
from tutor.exercises.session import ExerciseSession
from tutor.lessons import Exercise, Lesson, modes
from tutor.exercises.runner import CommandFailed, Runner
from tutor.checks.timeline import Recorder, Timeline

SANDBOX_PREFIX = "solve-"
"""Every sandbox `lessons solve` makes is named solve-<random>, so leftovers are easy to find."""


@dataclass
class Outcome:
    """How one exercise did; the first five fields are the `--json` contract."""

    lesson: str
    exercise: str
    failed_before: bool | None = None
    passed_after: bool | None = None
    seconds: float = 0.0
    kind: str = modes.EXERCISE
    skipped: str | None = None
    symptoms_shown: bool | None = None
    defects: list[str] = field(default_factory=list)
    """Checks that cannot fail, symptoms that never show."""
    failures: list[str] = field(default_factory=list)
    """One line per check still not passing after the solution."""
    error: str | None = None
    commands: list[str] = field(default_factory=list)
    sandbox: str | None = None
    """The throwaway sandbox it ran on."""

    @property
    def ok(self) -> bool:
        return self.skipped is not None or (
            bool(self.failed_before) and bool(self.passed_after) and not self.defects and self.error is None
        )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class LessonSandbox:
    """A throwaway sandbox for one lesson: its name, state home, client and recorder."""

    name: str
    home: Path
    env: dict[str, str]
    runner: Runner
    timeline: Timeline
    recorder: Recorder


def solve(lessons: list[Lesson], jobs: int = 4, runtime: str | None = None,
          log: Callable[[str], None] | None = None) -> list[Outcome]:
    """Solve every exercise of every lesson; lessons run in parallel, exercises in order."""
    log = log or (lambda line: None)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        done = list(pool.map(lambda lesson: solve_lesson(lesson, runtime, log), lessons))
    return [outcome for outcomes in done for outcome in outcomes]


def solve_lesson(lesson: Lesson, runtime: str | None = None, log: Callable[[str], None] | None = None) -> list[Outcome]:
    log = log or (lambda line: None)
    steps = [step for step in lesson.steps if step.exercise is not None]
    outcomes = []
    runnable = []
    for step in steps:
        why = features.reason(step.exercise.requires)
        if why:
            outcomes.append(Outcome(lesson.id, step.id, kind=step.exercise.kind, skipped=why))
            log(f"- {lesson.id}/{step.id}: skipped: {why}")
        else:
            runnable.append(step)
    if not runnable:
        return outcomes
    box = None
    try:
        box = _open(lesson, runtime)
        for step in runnable:
            outcome = _solve_one(lesson, step.id, step.exercise, box)
            outcomes.append(outcome)
            log(_line(outcome))
    except Exception as exc:  # the sandbox itself failed: every exercise left reports it
        solved = {o.exercise for o in outcomes}
        for step in runnable:
            if step.id not in solved:
                outcomes.append(Outcome(lesson.id, step.id, kind=step.exercise.kind, error=f"sandbox: {exc}"))
    finally:
        if box is not None:
            _close(box)
    order = [step.id for step in steps]
    return sorted(outcomes, key=lambda o: order.index(o.exercise))


def _solve_one(lesson: Lesson, step_id: str, exercise: Exercise, box: LessonSandbox) -> Outcome:
    outcome = Outcome(lesson.id, step_id, kind=exercise.kind, sandbox=box.name)
    started = time.monotonic()
    runner = box.runner
    runner.ran = []
    # Judged exactly as the app judges the learner (a pitfall's fix counts once its mistake showed).
    session = ExerciseSession(lesson, lesson.steps[lesson.step_index(step_id)], timeline=box.timeline)
    try:
        setup = session.setup
        snapshot = runner.client.watch(-1, timeout=0, cluster=runner.cluster)
        instances = reset.instances(runner.client, runner.cluster)
        reset.apply(reset.plan(setup, snapshot, runner.cluster, lesson, instances), setup, runner, lesson=lesson)
        session.restart()
        _settle(box)
        moment = "before the learner did anything"
        if exercise.kind == modes.PITFALL:
            # A pitfall's checks judge the fix, so they must fail once the mistake is made.
            runner.run_script(exercise.mistake)
            symptoms = _wait_all(session.symptoms, box, exercise.timeout)
            outcome.symptoms_shown = all(r.passed for r in symptoms)
            outcome.defects += [f"symptom never showed after the mistake: {r.message}" for r in symptoms if not r.passed]
            moment = "right after the mistake"
        before = session.results()
        outcome.failed_before = not all(r.passed for r in before)
        outcome.defects += [f"check '{r.check.describe()}' passes {moment}, so it cannot fail"
                            for r in before if r.passed]
        runner.run_script(exercise.solution)
        after = _wait_all(session.results, box, exercise.timeout)
        outcome.passed_after = all(r.passed for r in after)
        outcome.failures = [r.message for r in after if not r.passed]
    except CommandFailed as exc:
        outcome.error = str(exc)
    if box.recorder.error is not None and outcome.error is None and not outcome.passed_after:
        outcome.error = f"lost the sandbox's state feed: {box.recorder.error}"
    outcome.commands = list(runner.ran)
    outcome.seconds = round(time.monotonic() - started, 2)
    return outcome


def _settle(box: LessonSandbox, quiet: float = 0.3) -> None:
    """Let the first snapshot after the restart arrive, so 'before' judges current state."""
    deadline = time.monotonic() + quiet
    while time.monotonic() < deadline:
        box.recorder.wait_change(deadline - time.monotonic())


def _wait_all(judge: Callable[[], list[checks.Result]], box: LessonSandbox, timeout: float) -> list[checks.Result]:
    deadline = time.monotonic() + timeout
    while True:
        results = judge()
        if all(r.passed for r in results) or time.monotonic() >= deadline:
            return results
        box.recorder.wait_change(min(0.5, max(0.0, deadline - time.monotonic())))


def _open(lesson: Lesson, runtime: str | None) -> LessonSandbox:
    name = f"{SANDBOX_PREFIX}{uuid.uuid4().hex[:10]}"
    home = Path(tempfile.mkdtemp(prefix="servicelab-solve-"))
    env = {**os.environ, "SERVICELAB_HOME": str(home), "SERVICELAB_SANDBOX": name}
    # A proof runs on a plain sandbox of its own: no workshop quotas, no token.
    env.pop("SERVICELAB_WORKSHOP", None)
    if runtime:
        env["SERVICELAB_RUNTIME"] = runtime
    starter = Runner(name, None, env=env, cwd=lesson.path)
    starter.run_command("servicelab service ls")  # starts the control plane in the background
    status = json.loads(starter.run_command("servicelab sandbox status --json"))
    client = Client(status["api"])
    timeline = Timeline()
    runner = Runner(name, client, env=env, cwd=lesson.path, timeline=timeline)
    recorder = Recorder(client, timeline, poll_seconds=1.0).start()
    return LessonSandbox(name, home, env, runner, timeline, recorder)


def _close(box: LessonSandbox) -> None:
    box.recorder.stop()
    try:
        subprocess.run(_down_argv(box), env=box.env, capture_output=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(box.home, ignore_errors=True)


def _down_argv(box: LessonSandbox) -> list[str]:
    from tutor.exercises.runner import servicelab_argv

    return servicelab_argv() + ["--sandbox", box.name, "sandbox", "down"]


def leftovers(sandboxes: list[str]) -> list[str]:
    """Containers of these sandboxes still on the engine (there should be none)."""
    try:
        out = subprocess.run(["docker", "ps", "-a", "--filter", "label=servicelab.sandbox",
                              "--format", '{{.Names}} {{.Label "servicelab.sandbox"}}'],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.split()[0] for line in out.stdout.splitlines()
            if len(line.split()) == 2 and line.split()[1] in sandboxes]


def _line(o: Outcome) -> str:
    if o.skipped:
        return f"- {o.lesson}/{o.exercise}: skipped: {o.skipped}"
    mark = "✓" if o.ok else "✗"
    head = f"{mark} {o.lesson}/{o.exercise} ({o.kind}, {o.seconds:.1f}s)"
    notes = []
    if o.error:
        notes.append(f"error: {o.error}")
    if o.failed_before is False:
        notes.append("the checks already passed before the solution")
    notes += [f"defect: {d}" for d in o.defects]
    notes += [f"still failing: {f}" for f in o.failures]
    return head + "".join(f"\n    {n}" for n in notes)
