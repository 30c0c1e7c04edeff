"""Faults on the real engine: a deleted sandbox folder, a damaged state file, `down` from another
home, what a host-network task listens on, containers removed while the control plane was down,
and an engine restart (last: it stops the engine the rest of the suite needs)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import docker
import pytest

from sandbox.runtime.base import LaunchSpec
from tests.cli_support import CliSandbox, docker_containers
from tests.docker_support import docker_runtime, require_docker
from tests.runtimes import new_sandbox_name

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):
        return False


def _folder(lab: CliSandbox) -> Path:
    return lab.home / "sandboxes" / lab.name


def _stop_control_plane_keeping_tasks(lab: CliSandbox) -> None:
    """SIGTERM, as Ctrl-C on `sandbox serve` does: the control plane ends, its containers run on."""
    pid = lab.json("sandbox", "status")["pid"]
    os.kill(pid, signal.SIGTERM)
    lab.wait(lambda: not _alive(pid), timeout=30, what="the control plane ended")


# -- a deleted sandbox folder -------------------------------------------------------------------
def test_a_deleted_sandbox_stays_deleted(lab):
    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    pid = lab.json("sandbox", "status")["pid"]
    shutil.rmtree(_folder(lab))
    lab.wait(lambda: not _alive(pid), timeout=30, what="the control plane ended")
    assert not _folder(lab).exists(), "the old control plane wrote its folder back as it stopped"
    assert docker_containers(lab.name) == []
    assert lab.json("service", "ls") == [], "the deleted service came back"


def test_a_command_right_after_the_delete_gets_a_reachable_control_plane(lab):
    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    old = lab.json("sandbox", "status")["pid"]
    shutil.rmtree(_folder(lab))
    lab.run("service", "ls")  # starts a new control plane at once, in a new folder of the same name
    lab.wait(lambda: not _alive(old), timeout=30, what="the old control plane ended")
    status = lab.json("sandbox", "status")
    assert status["running"] is True and status["pid"] != old, "the old one removed the new one's api.json"
    assert json.loads((_folder(lab) / "api.json").read_text())["pid"] == status["pid"]
    assert [s["serviceName"] for s in lab.json("service", "ls")] == []


# -- a damaged state file -----------------------------------------------------------------------
def _damage(lab: CliSandbox, change) -> bytes:
    path = _folder(lab) / "state.json"
    state = json.loads(path.read_text())
    change(state)
    raw = json.dumps(state).encode()
    path.write_bytes(raw)
    return raw


def _set_aside_said(lab: CliSandbox, raw: bytes, problem: str) -> None:
    (aside,) = _folder(lab).glob("state.json.corrupt-*")
    assert aside.read_bytes() == raw, "the damaged file was not kept as it was"
    for log in ("control-plane.log", "serve.out"):
        lines = [l for l in (_folder(lab) / log).read_text().splitlines() if "set aside as" in l]
        assert len(lines) == 1 and aside.name in lines[0] and problem in lines[0], (log, lines)


def test_a_desired_count_past_the_cap_in_the_state_file_is_set_aside_not_launched(lab):
    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    _stop_control_plane_keeping_tasks(lab)
    raw = _damage(lab, lambda state: state["services"][0].update(desiredCount=100000))
    lab.run("service", "ls")
    _set_aside_said(lab, raw, "desiredCount: 100000 is out of range: allowed 0 to 100")
    assert len(docker_containers(lab.name)) <= 1, "the damaged desired count launched containers"


def test_what_runs_survives_a_state_file_that_is_not_a_state(lab):
    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    running = docker_containers(lab.name)
    _stop_control_plane_keeping_tasks(lab)
    (_folder(lab) / "state.json").write_bytes(b"true")
    lab.run("service", "ls")
    _set_aside_said(lab, b"true", "is not a mapping")
    lab.wait(lambda: len(lab.tasks()) == 1, timeout=10, what="the running task adopted")
    assert docker_containers(lab.name) == running


# -- containers removed while the control plane was down -----------------------------------------
def _kill_control_plane(lab: CliSandbox) -> None:
    """SIGKILL: no shutdown code runs at all."""
    pid = lab.json("sandbox", "status")["pid"]
    os.kill(pid, signal.SIGKILL)
    lab.wait(lambda: not _alive(pid), timeout=30, what="the control plane ended")


def _running_containers(sandbox: str) -> list[str]:
    return subprocess.run(["docker", "ps", "-q", "--filter", f"label=servicelab.sandbox={sandbox}"],
                          capture_output=True, text=True, timeout=30).stdout.split()


@pytest.mark.parametrize("stop", [_kill_control_plane, _stop_control_plane_keeping_tasks], ids=["SIGKILL", "graceful"])
def test_tasks_whose_containers_went_while_the_control_plane_was_down_are_stopped_and_replaced(lab, stop):
    lab.run("service", "create", "web", "--count", "2")
    lab.wait_running("web", 2)
    old = {t["taskId"] for t in lab.tasks("web")}
    stop(lab)
    subprocess.run(["docker", "rm", "-f", *docker_containers(lab.name)], check=True, capture_output=True, timeout=60)
    lab.run("service", "ls")  # starts a new control plane
    started = time.monotonic()

    def converged():
        tasks = lab.tasks("web", include_stopped=True)
        new = [t for t in tasks if t["taskId"] not in old and t["lastStatus"] == "RUNNING"]
        gone = [t for t in tasks if t["taskId"] in old and t["lastStatus"] == "STOPPED"]
        return (len(new) == 2 and len(gone) == 2 and len(_running_containers(lab.name)) == 2) and gone

    gone = lab.wait(converged, timeout=15, interval=0.3, what="2 new tasks running and the old ones STOPPED")
    assert time.monotonic() - started < 15
    for task in gone:
        assert task["stopCode"] == "EssentialContainerExited"
        assert task["stoppedReason"] == "Essential container in task exited"
    service = lab.service("web")
    assert service["runningCount"] == 2 and service["desiredCount"] == 2


# -- another home's sandbox of the same name ------------------------------------------------------
def test_down_from_another_home_leaves_that_home_s_containers_alone(lab, tmp_path):
    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    running = docker_containers(lab.name)
    other = CliSandbox(tmp_path / "other-home")
    other.name, other.env["SERVICELAB_SANDBOX"] = lab.name, lab.name
    result = other.run("sandbox", "down")
    assert docker_containers(lab.name) == running, "down removed another home's containers"
    assert "belong to another servicelab home" in result.stderr
    assert str(lab.home.resolve()) not in result.stdout + result.stderr
    assert len(lab.tasks("web")) == 1


# -- host networking ----------------------------------------------------------------------------
@pytest.fixture
def runtime():
    require_docker()
    rt, cleanup = docker_runtime(new_sandbox_name())
    yield rt
    cleanup()
    rt.close()


def _socket_inodes(pid: int) -> set[str]:
    """The sockets held by a process and all its descendants (the demo task's httpd is a child)."""
    inodes, pids = set(), [pid]
    while pids:
        current = pids.pop()
        for fd in Path(f"/proc/{current}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        for task in Path(f"/proc/{current}/task").iterdir():
            pids += [int(p) for p in (task / "children").read_text().split()]
    return inodes


def _listening_on(pid: int) -> set[str]:
    """host:port of every TCP socket the process tree listens on, read from the host's /proc/net/tcp."""
    inodes, found = _socket_inodes(pid), set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and inode in inodes:  # 0A: LISTEN
            address, port = local.split(":")
            octets = [str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)]
            found.add(f"{'.'.join(octets)}:{int(port, 16)}")
    return found


def test_a_host_network_task_without_a_container_port_listens_on_loopback_only(runtime):
    port = random.randint(20000, 40000)
    task_id = "f" * 12 + "0" * 20
    launched = runtime.launch(LaunchSpec(
        sandbox=runtime.sandbox, cluster="default", task_id=task_id, task_definition="hostnet:1",
        image="servicelab/demo-task", service=None, command=("serve",),
        # No containerPort: the task picks its own port (PORT from its environment, or 8080).
        environment=(("SERVICELAB_TASK_ID", task_id), ("PORT", str(port)), ("BIND", "0.0.0.0")),
        container_port=None, network_mode="host"))
    pid = docker.from_env().api.inspect_container(launched.container_id)["State"]["Pid"]
    deadline = time.monotonic() + 10
    while not _listening_on(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _listening_on(pid) == {f"127.0.0.1:{port}"}


# -- an engine restart: keep this last, since it stops the engine the rest of the suite needs ----
ENGINE_LOG = "servicelab-dockerd.log"
"""scripts/setup-engine.sh starts dockerd with its output in /var/log/servicelab-dockerd.log."""
STARTED_ENGINES: list[subprocess.Popen] = []


class Engine:
    """The local dockerd the tests talk to, when scripts/setup-engine.sh started it: stopped and
    started again exactly as it was (same arguments, same log)."""

    def __init__(self, pid: int, argv: list[str], log: str) -> None:
        self.pid, self.argv, self.log = pid, argv, log

    @classmethod
    def ours(cls) -> "Engine":
        """The engine, or a skip saying why this test may not restart it."""
        require_docker()
        host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        for proc in Path("/proc").iterdir():
            try:
                argv = (proc / "cmdline").read_bytes().decode().split("\0")[:-1]
            except (OSError, ValueError):
                continue
            if not argv or Path(argv[0]).name != "dockerd" or host not in _engine_hosts(argv):
                continue
            try:
                log = os.readlink(proc / "fd" / "1")
            except OSError:
                pytest.skip(f"cannot see where dockerd (pid {proc.name}) writes: not root, so not restarting it")
            if Path(log).name != ENGINE_LOG:
                pytest.skip(f"dockerd (pid {proc.name}) was not started by scripts/setup-engine.sh (its output goes "
                            f"to {log}, not {ENGINE_LOG}): not restarting an engine the suite did not start")
            return cls(int(proc.name), argv, log)
        pytest.skip(f"no local dockerd serves {host}: not restarting an engine the suite did not start")

    def stop(self, sig: int) -> None:
        """Signal dockerd and wait until it and the containerd it runs have ended (a new dockerd
        waits in vain for a containerd that is still on its way out)."""
        children = [int(pid) for task in Path(f"/proc/{self.pid}/task").iterdir()
                    for pid in (task / "children").read_text().split()]
        os.kill(self.pid, sig)

        def gone() -> bool:  # reaped, not a zombie: dockerd takes any pid that answers as still running
            for process in STARTED_ENGINES:
                process.poll()  # an engine this test run started is its child: reap it
            return not any(Path(f"/proc/{pid}").exists() for pid in (self.pid, *children))

        deadline = time.monotonic() + 60
        while not gone() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert gone(), "dockerd did not stop within 60 s"

    def start(self) -> None:
        """As setup-engine.sh does: in the background, its output appended to the same log."""
        if self.answers():
            return
        pidfile = _engine_option(self.argv, "--pidfile", "-p") or "/var/run/docker.pid"
        try:  # a killed dockerd leaves its pid file, and a new one refuses to start over it
            if int(Path(pidfile).read_text().strip() or 0) == self.pid:
                Path(pidfile).unlink()
        except (OSError, ValueError):
            pass
        with open(self.log, "ab") as log:
            process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                       start_new_session=True)
        STARTED_ENGINES.append(process)
        self.pid = process.pid
        deadline = time.monotonic() + 60
        while not self.answers() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert self.answers(), f"dockerd did not come back within 60 s; see {self.log}"

    @staticmethod
    def answers() -> bool:
        return subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True,
                              timeout=30).returncode == 0


def _engine_option(argv: list[str], *names: str) -> str | None:
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _engine_hosts(argv: list[str]) -> list[str]:
    hosts = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg in ("-H", "--host")]
    hosts += [arg.split("=", 1)[1] for arg in argv if arg.startswith(("-H=", "--host="))]
    return hosts or ["unix:///var/run/docker.sock"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_after_an_engine_restart_the_service_converges_without_waiting_for_the_resync(lab, sig):
    """Last in the file: it stops the engine every other test needs, and always
    starts it again."""
    engine = Engine.ours()
    lab.run("service", "create", "web", "--count", "2")
    lab.wait_running("web", 2)
    before = set(_running_containers(lab.name))
    try:
        engine.stop(sig)
        lab.wait(lambda: not lab.json("sandbox", "status")["engine"]["ok"], timeout=5, interval=0.3,
                 what="the control plane saw the engine go")
    finally:
        engine.start()
    back = time.monotonic()

    def converged():
        running = set(_running_containers(lab.name))
        status = lab.json("sandbox", "status")
        return (len(running) == 2 and not running & before and status["engine"]["ok"]
                and set(docker_containers(lab.name)) == running)

    lab.wait(converged, timeout=15, interval=0.3, what="2 new containers running, and nothing else left")
    assert time.monotonic() - back < 15, "converged only with the 30 s resync"
    service = lab.service("web")
    assert service["runningCount"] == 2
