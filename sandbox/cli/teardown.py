"""The safety net behind `sandbox down`: whatever carries this sandbox's labels, in this home, goes.

A sandbox name is unique only within one servicelab home (SERVICELAB_HOME), so the runtimes are
the ones a control plane of this home would use: another home's containers of the same name are
never touched, as no other command touches them.
"""

from __future__ import annotations

from sandbox.state import paths
from ..runtime.base import RuntimeError_


def remove_leftovers(sandbox: str) -> int:
    """Remove every container and task process this home's `sandbox` owns; returns how many."""
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


def used_by_another_home(sandbox: str) -> bool:
    """Whether another servicelab home runs containers under this sandbox name (left alone by down)."""
    runtime = _docker(sandbox)
    if runtime is None:
        return False
    try:
        return bool(runtime.other_homes())
    except RuntimeError_:
        return False
    finally:
        runtime.close()


def _docker(sandbox: str):
    from ..runtime.select import select_runtime

    try:
        return select_runtime("docker", sandbox, paths.sandbox_dir(sandbox))
    except RuntimeError_:
        return None


def _processes(sandbox: str):
    directory = paths.sandbox_dir(sandbox) / "processes"
    if not directory.exists():
        return None
    from ..runtime.process import ProcessRuntime

    return ProcessRuntime(sandbox=sandbox, state_dir=directory)
