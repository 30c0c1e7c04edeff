"""`servicelab prepare`: every step reported with its result, a real task run, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.docker_support import _client, require_docker

WORKSHOP = "title: Prepared class\nlessons:\n  - {id: services-and-tasks, unlocked: true}\n"


def prepare(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SERVICELAB_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    env.pop("SERVICELAB_WORKSHOP", None)
    return subprocess.run([sys.executable, "-m", "tutor", "prepare", *args], env=env, capture_output=True,
                          text=True, timeout=180, stdin=subprocess.DEVNULL)


def smoke_sandboxes() -> set[str]:
    return {c["Labels"]["servicelab.sandbox"] for c in _client().api.containers(all=True, filters={"label": "servicelab.sandbox"})
            if c["Labels"]["servicelab.sandbox"].startswith("prepare-")}


@pytest.mark.docker
@pytest.mark.slow
def test_prepare_checks_everything_and_runs_one_real_task(tmp_path):
    require_docker()
    before = smoke_sandboxes()
    (tmp_path / "class.yaml").write_text(WORKSHOP)
    result = prepare(tmp_path, "--workshop", str(tmp_path / "class.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for n, title in enumerate(["Docker engine", "Demo task image", "Lessons", "ECS API model",
                               "Browser page (workshop serve)", "Workshop file class.yaml", "Smoke test"], 1):
        assert any(line.startswith(f"ok   [{n}/7] {title}: ") for line in lines), (title, result.stdout)
    assert "a task ran in a throwaway sandbox" in result.stdout
    assert lines[-1] == "Ready: everything a class needs is on this machine."
    assert smoke_sandboxes() == before  # the throwaway sandbox took its containers with it


def test_prepare_names_what_to_fix(tmp_path):
    (tmp_path / "class.yaml").write_text("title: x\nlessons:\n  - id: no-such-lesson\n")
    result = prepare(tmp_path, "--workshop", str(tmp_path / "class.yaml"), "--no-smoke")
    assert result.returncode == 1
    assert "FAIL [6/6] Workshop file class.yaml: " in result.stdout
    assert "class.yaml:3: field 'lessons[0].id': no lesson 'no-such-lesson'" in result.stdout
    assert "Not ready" in result.stdout
