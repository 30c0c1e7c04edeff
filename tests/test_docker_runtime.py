"""What only the Docker runtime promises: loopback ports, limits, ownership, the image build."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest

from sandbox.image import build as image
from sandbox.runtime import base
from sandbox.runtime.docker_runtime import DockerRuntime, parse_time
from tests.docker_support import docker_runtime, require_docker
from tests.runtimes import new_sandbox_name
from tests.test_runtime_contract import HEALTH, observed, spec, wait_for


@pytest.fixture
def rt():
    runtime, cleanup = docker_runtime(new_sandbox_name())
    yield runtime
    cleanup()


@pytest.fixture
def foreign(rt, request):
    """A running demo-task container made with plain docker-py, never by a runtime."""
    labels = getattr(request, "param", None)
    container = rt.client.containers.run(
        image.DEMO_TAG, ["serve"], name=f"sl-foreign-{uuid.uuid4().hex[:10]}", labels=labels, detach=True,
    )
    try:
        yield container
    finally:
        container.remove(force=True)


def test_port_is_published_on_loopback_only(rt):
    launched = rt.launch(spec(rt, "a" * 32))
    attrs = rt.client.api.inspect_container(launched.container_id)
    bindings = attrs["NetworkSettings"]["Ports"]["8080/tcp"]
    assert bindings and {b["HostIp"] for b in bindings} == {"127.0.0.1"}
    assert int(bindings[0]["HostPort"]) == launched.host_port
    assert {b["HostIp"] for b in attrs["HostConfig"]["PortBindings"]["8080/tcp"]} == {"127.0.0.1"}
    assert "PORT=8080" in attrs["Config"]["Env"]


def test_cpu_and_memory_limits_are_applied(rt):
    launched = rt.launch(spec(rt, "b" * 32))
    host = rt.client.api.inspect_container(launched.container_id)["HostConfig"]
    assert host["CpuShares"] == 128
    assert host["Memory"] == 32 * 1024 * 1024
    assert host["RestartPolicy"]["Name"] in ("", "no") and not host["AutoRemove"]
    sample = rt.stats(launched.container_id)
    assert sample.memory_limit_bytes == 32 * 1024 * 1024


def test_launch_reports_start_time_and_health_check_settings(rt):
    before = time.time()
    launched = rt.launch(spec(rt, "c" * 32, health=HEALTH))
    assert before - 2 <= launched.started_at <= time.time() + 2
    check = rt.client.api.inspect_container(launched.container_id)["Config"]["Healthcheck"]
    assert check["Test"] == ["CMD-SHELL", "demo-task health"]
    assert check["Interval"] == 1_000_000_000 and check["Retries"] == 2


@pytest.mark.parametrize("foreign", [None, {base.LABEL_SANDBOX: "someone-else"}], indirect=True,
                         ids=["unlabelled", "other-sandbox"])
def test_foreign_containers_are_never_touched(rt, foreign):
    rt.launch(spec(rt, "d" * 32))
    assert [c.task_id for c in rt.list_owned()] == ["d" * 32]
    for action in (rt.stop, rt.remove, rt.kill, rt.logs, rt.stats):
        with pytest.raises(base.NotOwned):
            action(foreign.id)
    with pytest.raises(base.NotOwned):
        rt.exec_argv(foreign.id, ["true"], interactive=False)
    with pytest.raises(base.NotOwned):  # a short id resolves to the same container
        rt.stop(foreign.id[:12])
    foreign.reload()
    assert foreign.status == "running"


def test_one_sandbox_name_in_two_homes_never_shares_a_container():
    name = new_sandbox_name()
    first, cleanup = docker_runtime(name)
    first.home = "/home/a/servicelab"
    second = DockerRuntime(name, client=first.client, home="/home/b/servicelab")
    try:
        launched = first.launch(spec(first, "e" * 32))
        assert first.client.api.inspect_container(launched.container_id)["Config"]["Labels"][base.LABEL_HOME] \
            == "/home/a/servicelab"
        assert second.list_owned() == [] and [c.task_id for c in first.list_owned()] == ["e" * 32]
        assert second.other_homes() == {"/home/a/servicelab"} and first.other_homes() == set()
        for action in (second.stop, second.remove, second.kill):
            with pytest.raises(base.NotOwned):
                action(launched.container_id)
        # A container from before homes were stamped still belongs to its sandbox name.
        unstamped = DockerRuntime(name, client=first.client).launch(spec(first, "f" * 32))
        assert {c.container_id for c in second.list_owned()} == {unstamped.container_id}
    finally:
        cleanup()


def test_stop_is_prompt_and_reports_sigterm(rt):
    launched = rt.launch(spec(rt, "e" * 32))
    started = time.monotonic()
    assert rt.stop(launched.container_id, timeout=10) == 143
    assert time.monotonic() - started < 5, "the demo task must end on SIGTERM, not wait for SIGKILL"


def test_crash_output_includes_stderr(rt):
    launched = rt.launch(spec(rt, "f" * 32, command=("crash", "0"), port=None))
    wait_for(lambda: (c := observed(rt, "f" * 32)) and c.state == base.EXITED)
    text = "".join(rt.logs(launched.container_id))
    assert "crashed" in text and text.endswith("\n")


def test_same_task_twice_fails_cleanly(rt):
    first = rt.launch(spec(rt, "1" * 32))
    with pytest.raises(base.LaunchFailed):
        rt.launch(spec(rt, "1" * 32))
    assert [c.container_id for c in rt.list_owned()] == [first.container_id]


def test_cpu_percent_comes_from_consecutive_samples(rt):
    launched = rt.launch(spec(rt, "2" * 32, command=("burn",)))
    rt.stats(launched.container_id)
    time.sleep(1.0)
    assert rt.stats(launched.container_id).cpu_percent > 20


def test_watch_returns_promptly_when_stopped(rt):
    stop = threading.Event()
    watcher = threading.Thread(target=rt.watch, args=(lambda task_id: None, stop), daemon=True)
    watcher.start()
    time.sleep(0.3)
    stop.set()
    watcher.join(timeout=3)
    assert not watcher.is_alive()


def test_engine_down_is_runtime_unavailable(tmp_path):
    import docker

    client = docker.DockerClient(base_url=f"unix://{tmp_path}/no.sock", version="1.41", timeout=2)
    rt = DockerRuntime("t-down", client=client)
    assert rt.ping() is False
    for call in (rt.list_owned, lambda: rt.stop("abc"), lambda: rt.launch(spec(rt, "3" * 32))):
        with pytest.raises(base.RuntimeUnavailable, match="Docker is not running"):
            call()
    stop = threading.Event()
    watcher = threading.Thread(target=rt.watch, args=(lambda task_id: None, stop), daemon=True)
    watcher.start()
    time.sleep(0.3)
    stop.set()
    watcher.join(timeout=3)
    assert not watcher.is_alive()


def test_connect_failure_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    with pytest.raises(base.RuntimeUnavailable) as caught:
        DockerRuntime("t-down")
    assert "\n" not in str(caught.value) and "systemctl start docker" in str(caught.value)


def test_ensure_image_is_idempotent_and_fast(monkeypatch):
    require_docker()
    first = image.ensure_image()

    def no_build(*args, **kwargs):
        raise AssertionError("rebuilt an image that was up to date")

    monkeypatch.setattr(image, "_build", no_build)
    assert image.ensure_image() == first
    checker = DockerRuntime("t-img")
    try:
        assert image.image_present(checker.client)
    finally:
        checker.close()


def test_missing_static_busybox_gives_install_advice(monkeypatch, tmp_path):
    require_docker()
    dynamic = Path("/bin/sh").resolve()
    monkeypatch.setattr(image, "busybox_candidates", lambda: [tmp_path / "none", dynamic])
    monkeypatch.setattr(image, "pull_busybox", lambda client, say: None)
    with pytest.raises(image.ImageBuildError) as caught:
        image.ensure_image()
    message = str(caught.value)
    assert "apt-get install busybox-static" in message and "apk add busybox-static" in message
    assert "dnf install busybox" in message


def test_static_elf_detection():
    busybox = Path("/usr/bin/busybox").read_bytes()
    assert image.is_static_elf(busybox)
    assert not image.is_static_elf(Path("/bin/sh").resolve().read_bytes())
    assert not image.is_static_elf(b"#!/bin/sh\necho hi\n" * 10)
    other_arch = "arm64" if image.is_static_elf(busybox, "amd64") else "amd64"
    assert not image.is_static_elf(busybox, other_arch)


def test_parse_time():
    assert parse_time("1970-01-01T00:00:01.500000000Z") == pytest.approx(1.5)
    assert parse_time("0001-01-01T00:00:00Z") is None
