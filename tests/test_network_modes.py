"""Task networking modes and container hardening on the real engine."""

from __future__ import annotations

import random
import socket
import time
import urllib.request

import docker
import pytest

from sandbox.runtime.base import LaunchSpec
from tests.docker_support import docker_runtime, require_docker
from tests.runtimes import new_sandbox_name

pytestmark = pytest.mark.docker


@pytest.fixture
def runtime():
    require_docker()
    rt, cleanup = docker_runtime(new_sandbox_name())
    yield rt
    cleanup()
    rt.release()
    rt.close()


def task_id(n: int) -> str:
    # Distinct in the first 12 characters, which name the container.
    return f"{n:012x}" + "0" * 20


def spec(rt, n: int, mode: str, port: int | None = 8080) -> LaunchSpec:
    return LaunchSpec(sandbox=rt.sandbox, cluster="default", task_id=task_id(n), task_definition="web:1",
                      image="servicelab/demo-task", service="web", command=("serve",),
                      environment=(("SERVICELAB_TASK_ID", task_id(n)), ("VERSION", "1")),
                      container_port=port, network_mode=mode)


def get(port: int) -> str:
    deadline = time.monotonic() + 10
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                return r.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def inspect(container_id: str) -> dict:
    return docker.from_env().api.inspect_container(container_id)


def test_bridge_is_hardened_and_published_on_loopback(runtime):
    launched = runtime.launch(spec(runtime, 1, "bridge"))
    host = inspect(launched.container_id)["HostConfig"]
    assert host["ReadonlyRootfs"] is True and host["CapDrop"] == ["ALL"]
    assert "no-new-privileges" in host["SecurityOpt"] and host["PidsLimit"] == 64
    assert {b["HostIp"] for b in host["PortBindings"]["8080/tcp"]} == {"127.0.0.1"}
    assert task_id(1) in get(launched.host_port)


def test_awsvpc_gives_an_address_of_its_own_and_down_removes_the_network(runtime):
    a = runtime.launch(spec(runtime, 2, "awsvpc"))
    b = runtime.launch(spec(runtime, 3, "awsvpc"))
    networks = inspect(a.container_id)["NetworkSettings"]["Networks"]
    (name,) = networks
    assert name.endswith("-vpc")
    ip_a = networks[name]["IPAddress"]
    ip_b = inspect(b.container_id)["NetworkSettings"]["Networks"][name]["IPAddress"]
    assert ip_a and ip_b and ip_a != ip_b
    for launched in (a, b):
        runtime.stop(launched.container_id, timeout=1)
        runtime.remove(launched.container_id)
    runtime.release()
    assert docker.from_env().api.networks(names=[name]) == []


def test_host_mode_binds_loopback_and_a_second_task_collides(runtime):
    port = random.randint(20000, 40000)
    first = runtime.launch(spec(runtime, 4, "host", port))
    assert first.host_port == port and task_id(4) in get(port)
    with socket.socket() as probe:  # the listener is on loopback only
        assert probe.connect_ex(("127.0.0.1", port)) == 0
    second = runtime.launch(spec(runtime, 5, "host", port))
    deadline = time.monotonic() + 10
    while inspect(second.container_id)["State"]["Running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert inspect(second.container_id)["State"]["Running"] is False  # address already in use


def test_none_mode_has_no_network(runtime):
    launched = runtime.launch(spec(runtime, 6, "none", port=None))
    assert inspect(launched.container_id)["HostConfig"]["NetworkMode"] == "none"
    assert launched.host_port is None
