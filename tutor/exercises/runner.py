"""Run a lesson's commands against a sandbox: setups, mistakes, reference solutions, demos.

No Textual here. `servicelab …` lines run through the real CLI (a subprocess, exactly what a
learner types); `aws ecs …` lines are parsed by the command bar's parser and sent through
the client, as the app's command bar does. `{EXPR}` placeholders are filled from the
sandbox's current state first (a list repeats the command once per item), and `wait:` lines
poll until their condition holds.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from tutor.checks import expr
from tutor.lessons import ScriptLine
from tutor.checks.plain_words import sentence
from tutor.checks.timeline import Timeline

COMMAND_TIMEOUT = 60.0


class CommandFailed(RuntimeError):
    """A command exited non-zero, or a wait timed out; `str()` is one line."""


def servicelab_argv() -> list[str]:
    """How to start the real `servicelab` command from this Python."""
    script = shutil.which("servicelab", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-c", "from tutor.cli import main; main()"]


class Runner:
    """Runs commands against one sandbox (one control plane, one cluster)."""

    def __init__(self, sandbox: str, client: Any, cluster: str = "default", env: dict[str, str] | None = None,
                 cwd: Path | None = None, timeline: Timeline | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.sandbox = sandbox
        self.client = client
        self.cluster = cluster
        self.env = {**(env if env is not None else os.environ), "SERVICELAB_SANDBOX": sandbox, "NO_COLOR": "1"}
        self.cwd = cwd
        self.timeline = timeline
        self.log = log or (lambda line: None)
        self.ran: list[str] = []
        """Every command actually run, placeholders filled in."""

    def view(self) -> expr.View:
        """The sandbox now, as the check language sees it."""
        snapshot = self.client.watch(-1, timeout=0, cluster=self.cluster)
        return self.timeline.view_of(snapshot) if self.timeline else expr.View(snapshot, 0.0, self.cluster)

    def run_script(self, lines: list[ScriptLine]) -> None:
        for line in lines:
            self.run_line(line)

    def run_line(self, line: ScriptLine) -> None:
        if line.wait is not None:
            self.wait(line.wait.condition, line.wait.timeout)
            return
        commands = expr.expand(line.parts, self.view()) if expr.has_placeholders(line.parts) else [line.text]
        for command in commands:
            self.run_command(command)

    def run_command(self, command: str) -> str:
        """Run one command; returns its output, raises CommandFailed when it fails."""
        self.log(f"$ {command}")
        self.ran.append(command)
        if command.startswith("aws ecs "):
            return self._aws(command)
        words = shlex.split(command)
        argv = servicelab_argv() + ["--sandbox", self.sandbox, "--cluster", self.cluster] + words[1:]
        try:
            done = subprocess.run(argv, env=self.env, cwd=self.cwd, capture_output=True, text=True,
                                  timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise CommandFailed(f"`{command}` did not finish within {COMMAND_TIMEOUT:.0f}s") from None
        if done.returncode != 0:
            why = (done.stderr.strip() or done.stdout.strip()).splitlines()
            raise CommandFailed(f"`{command}` exited {done.returncode}: {why[-1] if why else 'no output'}")
        return done.stdout

    def _aws(self, command: str) -> str:
        from tutor.commands import CommandError, parse

        try:
            operation = parse(command, self.cluster)
        except CommandError as exc:
            raise CommandFailed(f"`{command}`: {exc}") from None
        if operation.api == "app":
            raise CommandFailed(f"`{command}` only works in the app")
        call = self.client.ecs if operation.api == "ecs" else self.client.lab
        try:
            return str(call(operation.name, **operation.params))
        except Exception as exc:  # the sandbox's own errors: one line, like the CLI
            raise CommandFailed(f"`{command}`: {exc}") from None

    def wait(self, condition: Any, timeout: float, interval: float = 0.2) -> None:
        deadline = time.monotonic() + timeout
        while True:
            view = self.view()
            if expr.evaluate(condition, view):
                return
            if time.monotonic() >= deadline:
                raise CommandFailed(f"waited {timeout:g}s until {sentence(condition)}: {expr.explain(condition, view)}")
            time.sleep(interval)
