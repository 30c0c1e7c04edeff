"""The contract every runtime keeps: the same tests on Docker, on local processes and on the fake.

Tests that need a real workload (the demo task's HTTP server, crashing, health checks) skip
on the fake runtime, which does not run commands.
"""

from __future__ import annotations

import subprocess
import threading
import time
import urllib.request

import pytest

from sandbox.core.model import HealthCheck
from sandbox.runtime import base
from sandbox.runtime.base import LaunchSpec
from tests.runtimes import make_runtime, new_sandbox_name

HEALTH = HealthCheck(command=("CMD-SHELL", "demo-task health"), interval=1, timeout=2, retries=2, start_period=0)


@pytest.fixture(params=["fake", "docker", "process"])
def runtime(request, tmp_path):
    rt, cleanup = make_runtime(request.param, new_sandbox_name(), tmp_path)
    yield rt
    cleanup()


def real_only(runtime) -> None:
    if runtime.name == "fake":
        pytest.skip("the fake runtime runs no commands")


def spec(runtime, task_id: str, command=("serve",), port: int | None = 8080, health=None, env=()) -> LaunchSpec:
    return LaunchSpec(
        sandbox=runtime.sandbox,
        cluster="default",
        task_id=task_id,
        task_definition="web:1",
        image="servicelab/demo-task",
        service="web",
        command=tuple(command),
        environment=(("VERSION", "7"), ("SERVICELAB_TASK_ID", task_id), *env),
        cpu=128,
        memory=32,
        container_port=port,
        health_check=health,
    )


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def observed(runtime, task_id: str):
    for container in runtime.list_owned():
        if container.task_id == task_id:
            return container
    return None


def http_get(port: int, path: str = "/") -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_launch_is_listed_with_labels_and_port(runtime):
    launched = runtime.launch(spec(runtime, "a" * 32))
    container = observed(runtime, "a" * 32)
    assert container is not None and container.container_id == launched.container_id
    assert container.state == base.RUNNING
    assert container.labels[base.LABEL_SANDBOX] == runtime.sandbox
    assert container.labels[base.LABEL_SERVICE] == "web"
    assert container.labels[base.LABEL_TASK_DEFINITION] == "web:1"
    assert launched.host_port and container.host_port == launched.host_port


def test_demo_task_answers_with_its_id_and_version(runtime):
    real_only(runtime)
    launched = runtime.launch(spec(runtime, "b" * 32))
    status, body = wait_for(lambda: _try_get(launched.host_port, "/"))
    assert status == 200 and "b" * 32 in body and "version 7" in body
    assert wait_for(lambda: _try_get(launched.host_port, "/health"))[0] == 200


def _try_get(port, path):
    try:
        return http_get(port, path)
    except OSError:
        return None


def test_stop_then_remove(runtime):
    launched = runtime.launch(spec(runtime, "c" * 32))
    exit_code = runtime.stop(launched.container_id, timeout=1)
    assert exit_code is not None
    assert observed(runtime, "c" * 32).state == base.EXITED
    runtime.remove(launched.container_id)
    assert observed(runtime, "c" * 32) is None
    # Already gone is not an error.
    runtime.stop(launched.container_id)
    runtime.remove(launched.container_id)


def test_kill_exits_non_zero(runtime):
    launched = runtime.launch(spec(runtime, "d" * 32))
    runtime.kill(launched.container_id)
    container = wait_for(lambda: (c := observed(runtime, "d" * 32)) and c.state == base.EXITED and c)
    assert container.exit_code not in (None, 0)


def test_crash_exits_by_itself_and_watch_reports_it(runtime):
    real_only(runtime)
    seen: list[str] = []
    stop = threading.Event()
    watcher = threading.Thread(target=runtime.watch, args=(seen.append, stop), daemon=True)
    watcher.start()
    time.sleep(0.3)
    runtime.launch(spec(runtime, "e" * 32, command=("crash", "1"), port=None))
    container = wait_for(lambda: (c := observed(runtime, "e" * 32)) and c.state == base.EXITED and c)
    assert container.exit_code == 1
    wait_for(lambda: "e" * 32 in seen, timeout=5)
    stop.set()
    watcher.join(timeout=5)
    assert not watcher.is_alive()


def test_batch_exits_zero(runtime):
    real_only(runtime)
    runtime.launch(spec(runtime, "f" * 32, command=("batch", "1"), port=None))
    container = wait_for(lambda: (c := observed(runtime, "f" * 32)) and c.state == base.EXITED and c)
    assert container.exit_code == 0


def test_health_check_reports_healthy_then_unhealthy(runtime):
    real_only(runtime)
    runtime.launch(spec(runtime, "1" * 32, command=("flaky", "3"), health=HEALTH))
    wait_for(lambda: observed(runtime, "1" * 32).health == base.HEALTH_HEALTHY, timeout=10)
    wait_for(lambda: observed(runtime, "1" * 32).health == base.HEALTH_UNHEALTHY, timeout=15)


def test_logs_hold_what_the_task_printed(runtime):
    launched = runtime.launch(spec(runtime, "2" * 32, command=("batch", "1"), port=None))
    if runtime.name != "fake":
        wait_for(lambda: observed(runtime, "2" * 32).state == base.EXITED)
    lines = list(runtime.logs(launched.container_id))
    assert lines and any(line.strip() for line in lines)
    assert len(list(runtime.logs(launched.container_id, tail=1))) == 1


def test_only_this_sandboxs_containers_are_listed(runtime, tmp_path):
    other, cleanup = make_runtime(runtime.name, new_sandbox_name(), tmp_path / "other")
    try:
        other.launch(spec(other, "3" * 32))
        runtime.launch(spec(runtime, "4" * 32))
        assert {c.task_id for c in runtime.list_owned()} == {"4" * 32}
        assert {c.task_id for c in other.list_owned()} == {"3" * 32}
    finally:
        cleanup()


def test_missing_image_is_reported(runtime):
    bad = LaunchSpec(sandbox=runtime.sandbox, cluster="default", task_id="5" * 32,
                     task_definition="x:1", image="servicelab/no-such-image")
    with pytest.raises(base.ImageMissing):
        runtime.launch(bad)


def test_exec_runs_inside_the_task(runtime):
    real_only(runtime)
    launched = runtime.launch(spec(runtime, "6" * 32))
    argv = runtime.exec_argv(launched.container_id, ["sh", "-c", "echo inside-$SERVICELAB_TASK_ID"], interactive=False)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    assert "inside-" + "6" * 32 in result.stdout


def test_stats_for_running_and_gone(runtime):
    launched = runtime.launch(spec(runtime, "7" * 32))
    sample = runtime.stats(launched.container_id)
    assert sample is not None and sample.memory_bytes > 0 and sample.cpu_percent >= 0
    runtime.stop(launched.container_id, timeout=1)
    runtime.remove(launched.container_id)
    assert runtime.stats(launched.container_id) is None
