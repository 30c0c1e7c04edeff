"""The safety net behind `sandbox down`: whatever carries this sandbox's labels goes."""

from __future__ import annotations

from .. import paths
from ..runtime.base import RuntimeError_


def remove_leftovers(sandbox: str) -> int:
    """Remove every container and task process owned by `sandbox`; returns how many."""
    removed = 0
    for make in (_docker, _processes):
        runtime = make(sandbox)
        if runtime is None:
            continue
        try:
            for container in runtime.list_owned():
                runtime.stop(container.container_id, timeout=1.0)
                runtime.remove(container.container_id)
                removed += 1
            runtime.release()
        except RuntimeError_:
            pass
        finally:
            runtime.close()
    return removed


def _docker(sandbox: str):
    try:
        from ..runtime.docker_runtime import DockerRuntime

        return DockerRuntime(sandbox)
    except RuntimeError_:
        return None


def _processes(sandbox: str):
    directory = paths.sandbox_dir(sandbox) / "processes"
    if not directory.exists():
        return None
    from ..runtime.process import ProcessRuntime

    return ProcessRuntime(sandbox=sandbox, state_dir=directory)
