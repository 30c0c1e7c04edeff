"""Running the real `servicelab` command against a sandbox of the test's own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

SERVICELAB = shutil.which("servicelab", path=str(Path(sys.executable).parent)) or "servicelab"


class CliSandbox:
    """A throwaway sandbox (own name, own SERVICELAB_HOME) driven through the real CLI."""

    def __init__(self, home: Path, runtime: str = "docker") -> None:
        self.name = f"t-{uuid.uuid4().hex[:10]}"
        self.home = home
        self.env = {
            **os.environ,
            "SERVICELAB_HOME": str(home),
            "SERVICELAB_SANDBOX": self.name,
            "SERVICELAB_RUNTIME": runtime,
            "NO_COLOR": "1",
            # Every response the control plane sends is checked against botocore's output shapes.
            "SERVICELAB_CHECK_RESPONSES": "1",
        }

    def run(self, *args: str, check: bool = True, timeout: float = 60, input: str | None = None):
        result = subprocess.run(
            [SERVICELAB, *args], env=self.env, capture_output=True, text=True, timeout=timeout, input=input
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"servicelab {' '.join(args)} exited {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
            )
        return result

    def json(self, *args: str):
        return json.loads(self.run(*args, "--json").stdout)

    def service(self, name: str) -> dict:
        return self.json("service", "describe", name)

    def tasks(self, service: str | None = None, include_stopped: bool = False) -> list[dict]:
        args = ["task", "ls"] + (["--service", service] if service else []) + (["--all"] if include_stopped else [])
        return self.json(*args)

    def wait(self, predicate, timeout: float = 30.0, interval: float = 0.2, what: str = "condition"):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"{what} not met within {timeout}s (last: {last!r})")

    def wait_running(self, service: str, count: int, timeout: float = 30.0) -> dict:
        def ready():
            s = self.service(service)
            return s if s["runningCount"] == count and s["pendingCount"] == 0 else None

        return self.wait(ready, timeout, what=f"{service} running {count}")

    def down(self) -> None:
        self.run("sandbox", "down", check=False, timeout=120)


def docker_containers(sandbox: str) -> list[str]:
    out = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=servicelab.sandbox={sandbox}"],
        capture_output=True, text=True, timeout=30,
    ).stdout
    return out.split()
