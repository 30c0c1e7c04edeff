"""Many learners on one machine, on the real engine: isolation, tokens, quotas, hardening, idle cleanup.

Two learners' sandboxes share one SERVICELAB_HOME (as learners of one account in a browser
workshop would) and one workshop file, each with its own control plane. Every sandbox is taken
down at the end, and no container labelled with its name may be left.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from sandbox.core import errors
from sandbox.workshop import tokens
from sandbox.api.client import Client
from tests.aws_support import AWS
from tests.cli_support import CliSandbox, docker_containers
from tests.docker_support import _client, remove_sandbox_containers, require_docker

pytestmark = [pytest.mark.docker, pytest.mark.slow]

WORKSHOP = """\
title: Isolation test
lessons: [services-and-tasks]
quotas: {maxTasks: 3, cpu: 1024, memory: 256}
idleTimeout: off
"""


def learner(home, workshop) -> CliSandbox:
    sandbox = CliSandbox(home)
    sandbox.env["SERVICELAB_WORKSHOP"] = str(workshop)
    return sandbox


def api_and_token(sandbox: CliSandbox) -> tuple[str, str | None]:
    status = sandbox.json("sandbox", "status")
    token = (sandbox.home / "sandboxes" / sandbox.name / "token").read_text().strip()
    return status["api"], token


@pytest.fixture(scope="module")
def class_of_two(tmp_path_factory, request):
    require_docker()
    root = tmp_path_factory.mktemp("classroom")
    workshop = root / "class.yaml"
    workshop.write_text(WORKSHOP)
    a, b = learner(root / "home", workshop), learner(root / "home", workshop)

    def down() -> None:
        for sandbox in (a, b):
            sandbox.down()
        left = {s.name: docker_containers(s.name) for s in (a, b)}
        for sandbox in (a, b):
            remove_sandbox_containers(sandbox.name)
        assert left == {a.name: [], b.name: []}

    request.addfinalizer(down)
    for sandbox in (a, b):
        sandbox.run("service", "create", "web", "--count", "1")
    for sandbox in (a, b):
        sandbox.wait_running("web", 1)
    return a, b


def test_a_learner_cannot_stop_or_kill_anothers_task_by_its_id(class_of_two):
    a, b = class_of_two
    b_task = b.tasks("web")[0]
    for verb in ("stop", "kill"):
        result = a.run("task", verb, b_task["taskId"], check=False)
        assert result.returncode != 0
        assert "not found" in result.stderr
    assert [t["taskId"] for t in b.tasks("web")] == [b_task["taskId"]]
    assert b.tasks("web")[0]["lastStatus"] == "RUNNING"
    # A's control plane lists only containers labelled with A's sandbox.
    a_short = {cid[:12] for cid in (t["containerId"] for t in a.tasks()) if cid}
    assert a_short and a_short <= set(docker_containers(a.name))
    assert not a_short & set(docker_containers(b.name))


def test_a_learners_api_needs_their_token(class_of_two):
    a, b = class_of_two
    b_api, b_token = api_and_token(b)
    _, a_token = api_and_token(a)
    assert a_token != b_token
    for token in (None, a_token):
        with pytest.raises(errors.UnrecognizedClientException, match="needs its token"):
            Client(b_api, token=token).ecs("ListServices")
    assert Client(b_api, token=b_token).ecs("ListServices")["serviceArns"]
    # The AWS CLI with A's `aws-env` (A's token as its secret key) cannot drive B's sandbox either.
    env = {**a.env, **a.json("aws-env")["env"], "AWS_ENDPOINT_URL_ECS": b_api}
    result = subprocess.run([AWS, "ecs", "list-services"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "UnrecognizedClientException" in result.stderr
    mine = subprocess.run([AWS, "ecs", "list-services"], env={**a.env, **a.json("aws-env")["env"]},
                          capture_output=True, text=True, timeout=60)
    assert mine.returncode == 0, mine.stderr
    assert json.loads(mine.stdout)["serviceArns"][0].endswith("/web")
    unsigned = subprocess.run([AWS, "ecs", "list-services", "--no-sign-request"],
                              env={**a.env, **a.json("aws-env")["env"]}, capture_output=True, text=True, timeout=60)
    assert unsigned.returncode != 0 and "UnrecognizedClientException" in unsigned.stderr


def test_token_file_is_the_learners_alone(class_of_two):
    a, _ = class_of_two
    folder = a.home / "sandboxes" / a.name
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert oct((folder / tokens.TOKEN_FILE).stat().st_mode & 0o777) == "0o600"


def test_quotas_refuse_with_a_clear_message(class_of_two):
    a, _ = class_of_two
    result = a.run("service", "scale", "web", "5", check=False)
    assert result.returncode == 1
    assert ("servicelab: error: workshop quota: at most 3 tasks per learner (maxTasks); this would need 5, you use 1."
            in result.stderr)
    result = a.run("task", "run", "web:1", "--count", "3", check=False)
    assert "at most 3 tasks per learner (maxTasks); this would need 4" in result.stderr
    status = a.json("sandbox", "status")
    assert status["quota"] == {"limits": {"maxTasks": 3, "cpu": 1024, "memory": 256},
                               "used": {"tasks": 1, "cpu": 128, "memory": 32}}
    assert a.service("web")["desiredCount"] == 1


def test_task_containers_are_hardened(class_of_two):
    a, _ = class_of_two
    container = a.tasks("web")[0]["containerId"]
    attrs = _client().api.inspect_container(container)
    host = attrs["HostConfig"]
    assert "no-new-privileges" in (host.get("SecurityOpt") or [])
    assert host["CapDrop"] == ["ALL"] and not host.get("CapAdd")
    assert host["ReadonlyRootfs"] is True
    assert "/tmp" in (host.get("Tmpfs") or {})
    assert host["PidsLimit"] == 64
    assert host["Memory"] == 32 * 1024 * 1024  # web:1's memory
    assert host["Privileged"] is False
    bindings = [b for value in (host.get("PortBindings") or {}).values() for b in value]
    assert bindings and all(b["HostIp"] == "127.0.0.1" for b in bindings)
    published = [b for value in (attrs["NetworkSettings"]["Ports"] or {}).values() for b in (value or [])]
    assert published and all(b["HostIp"] == "127.0.0.1" for b in published)
    assert attrs["Config"]["Labels"]["servicelab.sandbox"] == a.name


def test_an_idle_sandbox_stops_itself_and_removes_its_containers(tmp_path):
    require_docker()
    sandbox = CliSandbox(tmp_path / "home")
    sandbox.env["SERVICELAB_IDLE_TIMEOUT"] = "3s"
    try:
        sandbox.run("service", "create", "web", "--count", "1")
        sandbox.wait_running("web", 1)
        folder = sandbox.home / "sandboxes" / sandbox.name
        assert not (folder / tokens.TOKEN_FILE).exists()  # no workshop: no token, plain clients work
        unsigned = subprocess.run([AWS, "ecs", "list-services", "--no-sign-request"],
                                  env={**sandbox.env, **sandbox.json("aws-env")["env"]},
                                  capture_output=True, text=True, timeout=60)
        assert unsigned.returncode == 0, unsigned.stderr
        assert docker_containers(sandbox.name)
        deadline = time.monotonic() + 30
        while (folder / "api.json").exists() and time.monotonic() < deadline:
            time.sleep(0.2)  # no requests: only looking at files
        assert not (folder / "api.json").exists(), "the idle control plane did not stop"
        while docker_containers(sandbox.name) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert docker_containers(sandbox.name) == []
        log = (folder / "control-plane.log").read_text()
        assert "idle cleanup: no request for" in log and "(idle timeout 3s)" in log
        assert "removed everything it owned" in log
    finally:
        sandbox.down()
        remove_sandbox_containers(sandbox.name)
