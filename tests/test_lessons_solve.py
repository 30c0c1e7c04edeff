"""`servicelab lessons solve --json` on the real engine: every exercise fails before its reference
solution and passes after it, and nothing is left behind."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.cli_support import SERVICELAB
from tests.docker_support import _image_ready, require_docker

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def solve_containers() -> list[str]:
    out = subprocess.run(["docker", "ps", "-a", "--filter", "label=servicelab.sandbox",
                          "--format", '{{.Label "servicelab.sandbox"}}'], capture_output=True, text=True, timeout=30)
    return [name for name in out.stdout.split() if name.startswith("solve-")]


@pytest.mark.timeout(300)
def test_every_exercise_is_proven(tmp_path):
    require_docker()
    _image_ready()
    done = subprocess.run([SERVICELAB, "lessons", "solve", "--json"], capture_output=True, text=True, timeout=290,
                          env={**os.environ, "SERVICELAB_HOME": str(tmp_path / "home"), "NO_COLOR": "1"})
    data = json.loads(done.stdout)
    ran = [e for e in data["exercises"] if not e["skipped"]]
    broken = [e for e in ran if not (e["failed_before"] and e["passed_after"]) or e["defects"] or e["error"]]
    assert not broken, json.dumps(broken, indent=2)
    assert done.returncode == 0 and data["ok"], done.stderr
    assert len(ran) >= 12
    assert {"lesson", "exercise", "failed_before", "passed_after", "seconds"} <= set(ran[0])
    assert {e["kind"] for e in ran} == {"exercise", "pitfall"}
    assert data["leftover_containers"] == []
    assert solve_containers() == [], "a solve- sandbox left containers behind"
