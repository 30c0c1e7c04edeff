"""What only the process runtime promises: adoption across instances, loopback-only tasks,
never signalling a stranger's pid, and no process left behind (the shared contract is elsewhere)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox.core.model import HealthCheck
from sandbox.runtime import base
from sandbox.runtime.base import LaunchSpec
from sandbox.runtime.healthcheck import HealthTracker
from sandbox.runtime.process import ProcessRuntime
from tests.test_runtime_contract import HEALTH, http_get, observed, spec, wait_for


def demo_processes_under(root: Path) -> list[str]:
    """Live processes whose working directory is under root: every task and probe we start."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")  # fails for zombies, which are dead anyway
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if Path(cwd).is_relative_to(root):
            found.append(f"{entry.name}: {cmdline}")
    return found


@pytest.fixture
def new_runtime(tmp_path):
    """Makes ProcessRuntimes over tmp_path/state; afterwards removes all they own and checks /proc."""
    made: list[ProcessRuntime] = []

    def make(state_dir: Path = tmp_path / "state", sandbox: str = "t-proc") -> ProcessRuntime:
        runtime = ProcessRuntime(sandbox=sandbox, state_dir=state_dir)
        made.append(runtime)
        return runtime

    yield make
    for runtime in reversed(made):
        for container in runtime.list_owned():
            runtime.stop(container.container_id, timeout=1)
            runtime.remove(container.container_id)
        runtime.close()
    assert demo_processes_under(tmp_path) == []


def exited(runtime, task_id: str):
    return wait_for(lambda: (c := observed(runtime, task_id)) and c.state == base.EXITED and c)


def try_get(port: int, path: str = "/"):
    try:
        return http_get(port, path)
    except OSError:  # not listening yet
        return None


def test_a_new_instance_adopts_running_and_exited_tasks(new_runtime, tmp_path):
    first = new_runtime()
    web = first.launch(spec(first, "a" * 32))
    first.launch(spec(first, "b" * 32, command=("batch", "0"), port=None))
    assert exited(first, "b" * 32).exit_code == 0
    first.close()

    second = new_runtime()
    running = observed(second, "a" * 32)
    assert running.state == base.RUNNING
    assert (running.container_id, running.host_port) == (web.container_id, web.host_port)
    assert running.labels[base.LABEL_SERVICE] == "web"
    assert observed(second, "b" * 32).exit_code == 0
    assert "a" * 32 in wait_for(lambda: try_get(web.host_port))[1]

    second.stop(web.container_id, timeout=2)
    assert observed(second, "a" * 32).state == base.EXITED
    assert demo_processes_under(tmp_path) == []
    for container in second.list_owned():
        second.remove(container.container_id)
    assert list((tmp_path / "state" / "tasks").iterdir()) == []
    assert new_runtime().list_owned() == []


CONTROL_PLANE = """
import sys, time
from pathlib import Path
from sandbox.runtime.base import LaunchSpec
from sandbox.runtime.process import ProcessRuntime
runtime = ProcessRuntime("t-proc", Path(sys.argv[1]))
runtime.launch(LaunchSpec(sandbox="t-proc", cluster="default", task_id=sys.argv[2], task_definition="web:1",
                          image="servicelab/demo-task", command=("serve",), container_port=8080))
print("launched", flush=True)
time.sleep(60)
"""


def test_tasks_outlive_a_sigkilled_control_plane_and_are_adopted(new_runtime, tmp_path):
    task_id = "9" * 32
    control = subprocess.Popen([sys.executable, "-c", CONTROL_PLANE, str(tmp_path / "state"), task_id],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert control.stdout.readline() == "launched\n"
    finally:
        control.kill()
        control.wait()
    runtime = new_runtime()
    container = observed(runtime, task_id)
    assert container.state == base.RUNNING
    assert task_id in wait_for(lambda: try_get(container.host_port))[1]
    runtime.stop(container.container_id, timeout=2)
    assert observed(runtime, task_id).state == base.EXITED
    assert demo_processes_under(tmp_path) == []


def test_remove_stops_a_running_task(new_runtime, tmp_path):
    runtime = new_runtime()
    launched = runtime.launch(spec(runtime, "8" * 32))
    runtime.remove(launched.container_id)
    assert runtime.list_owned() == [] and demo_processes_under(tmp_path) == []


def test_an_adopted_task_killed_reports_137(new_runtime):
    first = new_runtime()
    launched = first.launch(spec(first, "c" * 32))
    first.close()
    second = new_runtime()
    second.kill(launched.container_id)
    assert exited(second, "c" * 32).exit_code == 137


def test_an_adopted_task_keeps_its_health_and_its_checks(new_runtime):
    first = new_runtime()
    first.launch(spec(first, "d" * 32, command=("flaky", "3"), health=HEALTH))
    wait_for(lambda: observed(first, "d" * 32).health == base.HEALTH_HEALTHY, timeout=10)
    first.close()
    second = new_runtime()
    assert observed(second, "d" * 32).health == base.HEALTH_HEALTHY
    wait_for(lambda: observed(second, "d" * 32).health == base.HEALTH_UNHEALTHY, timeout=15)


def test_a_recorded_pid_that_is_not_our_task_is_never_signalled(new_runtime, tmp_path):
    first = new_runtime()
    first.launch(spec(first, "e" * 32, command=("batch", "0"), port=None))
    exited(first, "e" * 32)
    first.close()
    # The pid has been reused by something else: here, a sleep of our own.
    stranger = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        record_path = tmp_path / "state" / "tasks" / f"{'e' * 32}.json"
        record = json.loads(record_path.read_text())
        record.update(pid=stranger.pid, start_ticks=None, state=base.RUNNING, exit_code=None)
        record_path.write_text(json.dumps(record))

        second = new_runtime()
        container = observed(second, "e" * 32)
        assert container.state == base.EXITED and container.exit_code is None
        second.stop(container.container_id, timeout=0.5)
        second.kill(container.container_id)
        second.remove(container.container_id)
        assert stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait()


def test_other_images_need_docker(new_runtime):
    runtime = new_runtime()
    bad = LaunchSpec(sandbox=runtime.sandbox, cluster="default", task_id="f" * 32,
                     task_definition="nginx:1", image="nginx:latest")
    with pytest.raises(base.ImageMissing, match="runs only servicelab/demo-task; install Docker to run other images"):
        runtime.launch(bad)
    assert runtime.list_owned() == []


def test_any_tag_of_the_demo_image_runs(new_runtime):
    runtime = new_runtime()
    tagged = LaunchSpec(sandbox=runtime.sandbox, cluster="default", task_id="0" * 32, task_definition="batch:1",
                        image="servicelab/demo-task:latest", command=("batch", "0"))
    runtime.launch(tagged)
    assert exited(runtime, "0" * 32).exit_code == 0


def listening_addresses(port: int) -> list[str]:
    """Local addresses of sockets listening on port, as /proc/net/tcp{,6} spell them."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_the_server_listens_on_loopback_only(new_runtime):
    runtime = new_runtime()
    launched = runtime.launch(spec(runtime, "1" * 32))
    wait_for(lambda: try_get(launched.host_port))
    assert listening_addresses(launched.host_port) == ["0100007F"]  # 127.0.0.1


def test_stop_is_graceful_and_reports_143(new_runtime):
    runtime = new_runtime()
    launched = runtime.launch(spec(runtime, "2" * 32))
    wait_for(lambda: try_get(launched.host_port))
    began = time.monotonic()
    assert runtime.stop(launched.container_id, timeout=5) == 128 + signal.SIGTERM
    assert time.monotonic() - began < 2
    assert any("got SIGTERM, exiting" in line for line in runtime.logs(launched.container_id))


def test_exec_sees_the_demo_task_command_and_port(new_runtime):
    runtime = new_runtime()
    launched = runtime.launch(spec(runtime, "3" * 32))
    wait_for(lambda: try_get(launched.host_port))
    argv = runtime.exec_argv(launched.container_id, ["demo-task", "health"], interactive=False)
    assert subprocess.run(argv, timeout=10).returncode == 0
    runtime.stop(launched.container_id, timeout=1)
    with pytest.raises(base.RuntimeError_):
        runtime.exec_argv(launched.container_id, ["true"], interactive=False)


def test_logs_follow_until_the_task_exits(new_runtime):
    runtime = new_runtime()
    launched = runtime.launch(spec(runtime, "4" * 32, command=("batch", "2"), port=None))
    lines = list(runtime.logs(launched.container_id, follow=True))
    assert [line for line in lines if "progress" in line] == ["demo-task: progress 1/2\n", "demo-task: progress 2/2\n"]
    assert lines[-1] == "demo-task: done\n"


def test_stats_show_a_busy_task(new_runtime):
    runtime = new_runtime()
    launched = runtime.launch(spec(runtime, "5" * 32, command=("burn",)))
    runtime.stats(launched.container_id)
    time.sleep(1)
    assert runtime.stats(launched.container_id).cpu_percent > 20


# -- the health state machine, without processes ----------------------------------------------
CHECK = HealthCheck(command=("CMD", "true"), interval=1, timeout=1, retries=2, start_period=10)


def test_failures_inside_the_start_period_do_not_count():
    tracker = HealthTracker(CHECK, started_at=0)
    assert not tracker.record(False, now=1) and not tracker.record(False, now=2)
    assert tracker.status == base.HEALTH_STARTING
    assert not tracker.record(False, now=11)
    assert tracker.record(False, now=12) and tracker.status == base.HEALTH_UNHEALTHY


def test_once_healthy_failures_count_even_inside_the_start_period():
    tracker = HealthTracker(CHECK, started_at=0)
    assert tracker.record(True, now=1) and tracker.status == base.HEALTH_HEALTHY
    tracker.record(False, now=2)
    assert tracker.status == base.HEALTH_HEALTHY
    assert tracker.record(False, now=3) and tracker.status == base.HEALTH_UNHEALTHY
    assert tracker.record(True, now=4) and tracker.status == base.HEALTH_HEALTHY
