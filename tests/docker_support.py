"""Docker for the tests: whether it answers, the demo image, and cleaning up after a sandbox."""

from __future__ import annotations

import functools

import pytest

from sandbox.runtime.base import LABEL_SANDBOX, RuntimeUnavailable


@functools.lru_cache(maxsize=1)
def _client():
    import docker

    return docker.from_env(timeout=30)


def docker_available() -> bool:
    try:
        return bool(_client().ping())
    except Exception:  # any failure to reach the engine means "not available" here
        _client.cache_clear()
        return False


def require_docker() -> None:
    """Skip the test when no Docker engine answers (CI always has one, so CI never skips)."""
    if not docker_available():
        pytest.skip("Docker engine not reachable (is dockerd running and /var/run/docker.sock accessible?)")


@functools.lru_cache(maxsize=1)
def _image_ready() -> str:
    from sandbox.image.build import ensure_image

    return ensure_image(_client())


def remove_sandbox_containers(sandbox: str) -> None:
    """Force-remove every container labelled as this sandbox's, whatever its state."""
    client = _client()
    for summary in client.api.containers(all=True, filters={"label": f"{LABEL_SANDBOX}={sandbox}"}):
        try:
            client.api.remove_container(summary["Id"], force=True)
        except Exception as exc:  # already gone is fine; anything else should be seen
            if "No such container" not in str(exc) and "already in progress" not in str(exc):
                raise


def docker_runtime(sandbox: str):
    """(runtime, cleanup) on the real engine, with the demo image built if needed."""
    require_docker()
    _image_ready()
    from sandbox.runtime.docker_runtime import DockerRuntime

    try:
        runtime = DockerRuntime(sandbox)
    except RuntimeUnavailable as exc:
        pytest.skip(str(exc))

    def cleanup() -> None:
        try:
            remove_sandbox_containers(sandbox)
        finally:
            runtime.close()

    return runtime, cleanup
