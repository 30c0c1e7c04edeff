"""How the contract suite builds each runtime, and cleans up after it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest


def new_sandbox_name() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def make_runtime(kind: str, sandbox: str, tmp_path: Path):
    """(runtime, cleanup) for 'fake', 'docker' or 'process'; skips when the kind cannot run here."""
    if kind == "fake":
        from sandbox.runtime.fake import FakeRuntime

        return FakeRuntime(sandbox=sandbox), lambda: None
    if kind == "docker":
        from tests.docker_support import docker_runtime

        return docker_runtime(sandbox)
    if kind == "process":
        from sandbox.runtime.process import ProcessRuntime

        runtime = ProcessRuntime(sandbox=sandbox, state_dir=tmp_path / f"proc-{sandbox}")

        def cleanup() -> None:
            for container in runtime.list_owned():
                runtime.stop(container.container_id, timeout=1)
                runtime.remove(container.container_id)
            runtime.close()

        return runtime, cleanup
    pytest.fail(f"unknown runtime kind {kind}")
