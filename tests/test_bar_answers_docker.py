"""The command bar on real containers answers as `servicelab` does in a terminal.

The app runs its own sandbox (tests/app_support.py `real_app`); lines are typed into the bar key by
key. The same commands then run through the real `servicelab` program against the same sandbox,
and both print the same text. Ends with `servicelab sandbox down` and no container left.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

import pytest

from tests import app_support as s
from tests.cli_support import SERVICELAB
from tests.test_bar_answers import type_line

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SIZE = (160, 45)


@pytest.fixture
def real_app(tmp_path: Path, monkeypatch):
    yield from s.real_app(s.FIXTURE_LESSONS, tmp_path, monkeypatch)


def in_a_terminal(app, *words: str) -> str:
    env = {**os.environ, "SERVICELAB_SANDBOX": app.sandbox_name, "NO_COLOR": "1"}
    done = subprocess.run([SERVICELAB, *words], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def answer(output: str, line: str) -> list[str]:
    """The bar's lines after the last echo of `line`, without the twin (indented, after the echo)."""
    lines = output.splitlines()
    start = len(lines) - 1 - lines[::-1].index(f"> {line}")
    return lines[start + 2:]


async def steady_and_healthy(pilot) -> list:
    from tutor.ui.widgets.task_table import TaskTable

    await s.open_first_lesson(pilot)

    def healthy() -> list:
        table = pilot.app.screen.query_one(TaskTable)
        rows = [table._rows[k] for k in table._order]
        ready = [r for r in rows if r.last_status == "RUNNING" and r.health == "HEALTHY"]
        return ready if len(ready) == 3 else []

    return await s.wait_until(pilot, healthy, timeout=60, what="three HEALTHY web tasks")


@s.async_tests
class TestTheBarOnRealContainers:
    async def test_task_commands_answer_as_the_cli_does(self, real_app) -> None:
        app = real_app
        async with app.run_test(size=SIZE) as pilot:
            task = (await steady_and_healthy(pilot))[0].task_id

            line = f"task describe {task}"
            output = await type_line(pilot, line)
            await s.wait_until(pilot, lambda: "  created    " in app.screen.bar.output_text, timeout=10,
                               what="task describe's answer")
            described = answer(app.screen.bar.output_text, line)
            assert described[0] == f"task {task}  (service:web, web:1)"
            assert any(l.startswith("  container  ") and len(l.split()[1]) == 64 for l in described)
            assert any(l.startswith("  port       http://127.0.0.1:") and l.endswith("→ 8080/tcp") for l in described)
            assert described == in_a_terminal(app, "task", "describe", task).splitlines()

            line = f"task describe {task[:12]} --json"
            await type_line(pilot, line)
            await s.wait_until(pilot, lambda: answer(app.screen.bar.output_text, line)[-1:] == ["}"], timeout=10,
                               what="the JSON answer")
            as_json = json.loads("\n".join(answer(app.screen.bar.output_text, line)))
            assert as_json["taskId"] == task and as_json["containerId"]

            line = f"task exec {task} -- uname -r"
            output = await type_line(pilot, line)
            # The container shares the host's kernel: its release is the machine's own.
            await s.wait_until(pilot, lambda: platform.release() in app.screen.bar.output_text, timeout=20,
                               what=lambda: f"uname's output ({app.screen.bar.output_text[-300:]!r})")
            assert app.is_running and "aws ecs execute-command" in output

            line = f"task exec {task} -- sh -c 'exit 3'"
            await type_line(pilot, line)
            await s.wait_until(pilot, lambda: "exit code 3" in app.screen.bar.output_text, timeout=20,
                               what="the exit code")

            for words in (["taskdef", "ls"], ["cluster", "ls"], ["instance", "ls"]):
                line = " ".join(words)
                await type_line(pilot, line)
                await s.wait_until(pilot, lambda: len(answer(app.screen.bar.output_text, line)) > 1, timeout=10,
                                   what=f"{line}'s answer")
                await pilot.pause(0.3)
                assert answer(app.screen.bar.output_text, line) == in_a_terminal(app, *words).splitlines(), line

            line = "task ls"
            await type_line(pilot, line)
            await s.wait_until(pilot, lambda: len(answer(app.screen.bar.output_text, line)) == 4, timeout=10,
                               what="task ls's table")
            header = answer(app.screen.bar.output_text, line)[0]
            assert header == in_a_terminal(app, "task", "ls").splitlines()[0]
            assert header.split()[:2] == ["TASK", "SERVICE"]
