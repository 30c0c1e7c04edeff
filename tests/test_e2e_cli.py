"""End to end on the real engine, through the real `servicelab` command, as a learner uses it."""

from __future__ import annotations

import os
import subprocess
import signal
import time

import pytest

from tests.cli_support import CliSandbox, docker_containers

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_create_scale_kill_recover(lab):
    first = lab.run("service", "create", "web", "--count", "3")
    assert "started a control plane" in first.stderr
    assert "aws ecs create-service" in first.stderr
    lab.wait_running("web", 3)
    assert len(docker_containers(lab.name)) == 3

    victim = lab.tasks("web")[0]
    lab.run("task", "kill", victim["taskId"])
    stopped = lab.wait(
        lambda: next((t for t in lab.tasks("web", include_stopped=True)
                      if t["taskId"] == victim["taskId"] and t["lastStatus"] == "STOPPED"), None),
        what="the killed task recorded as STOPPED",
    )
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["stoppedReason"] == "Essential container in task exited"
    assert stopped["containers"][0]["exitCode"] == 137
    service = lab.wait_running("web", 3)
    assert any(e["message"].startswith("(service web) has started 1 tasks: (task ") for e in service["events"])
    running_ids = {t["taskId"] for t in lab.tasks("web") if t["lastStatus"] == "RUNNING"}
    assert victim["taskId"] not in running_ids and len(running_ids) == 3

    lab.run("service", "scale", "web", "1")
    lab.wait_running("web", 1)
    lab.wait(lambda: len(docker_containers(lab.name)) == 1, what="scale-in removed the containers")
    scaled_in = [t for t in lab.tasks("web", include_stopped=True) if t.get("stopCode") == "ServiceSchedulerInitiated"]
    assert len(scaled_in) == 2
    events = [e["message"] for e in lab.service("web")["events"]]
    assert any(m.startswith("(service web) has stopped 2 running tasks:") for m in events)
    lab.wait(lambda: lab.service("web")["events"][0]["message"] == "service (web) has reached a steady state.",
             what="steady state event")


def test_user_stop_is_user_initiated_and_replaced(lab):
    lab.run("service", "create", "web", "--count", "2")
    lab.wait_running("web", 2)
    victim = lab.tasks("web")[0]["taskId"]
    out = lab.run("task", "stop", victim, "--reason", "practice")
    assert "aws ecs stop-task" in out.stderr
    described = lab.wait(
        lambda: (t := lab.json("task", "describe", victim))["lastStatus"] == "STOPPED" and t,
        what="stopped",
    )
    assert described["stopCode"] == "UserInitiated" and described["stoppedReason"] == "practice"
    lab.wait_running("web", 2)


def test_health_failure_is_replaced(lab, tmp_path):
    spec = tmp_path / "fragile.yaml"
    spec.write_text(
        "family: fragile\nimage: servicelab/demo-task\ncommand: [flaky, '3']\nmemory: 32\ncontainerPort: 8080\n"
        "healthCheck: {command: [CMD-SHELL, demo-task health], interval: 1, timeout: 2, retries: 2}\n"
    )
    assert "registered fragile:1" in lab.run("taskdef", "register", str(spec)).stdout
    lab.run("service", "create", "fragile", "--task-def", "fragile:1", "--count", "1")
    first = lab.wait(lambda: [t for t in lab.tasks("fragile") if t["healthStatus"] == "HEALTHY"], what="healthy")[0]
    stopped = lab.wait(
        lambda: (t := lab.json("task", "describe", first["taskId"]))["lastStatus"] == "STOPPED" and t,
        timeout=30, what="the unhealthy task stopped",
    )
    assert stopped["stoppedReason"] == "Task failed container health checks"
    assert stopped["stopCode"] == "ServiceSchedulerInitiated"
    lab.wait(lambda: any(t["lastStatus"] == "RUNNING" and t["taskId"] != first["taskId"] for t in lab.tasks("fragile")),
             what="a replacement")


def test_the_grace_period_keeps_an_unhealthy_task_until_it_is_lifted(lab, tmp_path):
    spec = tmp_path / "fragile.yaml"
    spec.write_text(
        "family: fragile\nimage: servicelab/demo-task\ncommand: [flaky, '3']\nmemory: 32\ncontainerPort: 8080\n"
        "healthCheck: {command: [CMD-SHELL, demo-task health], interval: 1, timeout: 2, retries: 2}\n"
    )
    lab.run("taskdef", "register", str(spec))
    created = lab.run("service", "create", "fragile", "--task-def", "fragile:1", "--health-check-grace-period", "600")
    assert "--health-check-grace-period-seconds 600" in created.stderr
    assert lab.service("fragile")["healthCheckGracePeriodSeconds"] == 600
    task = lab.wait(lambda: [t for t in lab.tasks("fragile") if t["healthStatus"] == "UNHEALTHY"],
                    timeout=30, what="unhealthy")[0]
    described = lab.run("service", "describe", "fragile").stdout
    assert "failures ignored for 600s after a task starts" in described
    assert f"task {task['taskId'][:8]} is UNHEALTHY, but it is within the service's 600s health check grace " \
           "period → keeping it" in described
    assert lab.json("task", "describe", task["taskId"])["lastStatus"] == "RUNNING"

    lab.run("service", "update", "fragile", "--health-check-grace-period", "0")
    stopped = lab.wait(lambda: (t := lab.json("task", "describe", task["taskId"]))["lastStatus"] == "STOPPED" and t,
                       what="replaced once the grace period is lifted")
    assert stopped["stoppedReason"] == "Task failed container health checks"


def test_only_tasks_that_never_reach_running_are_throttled(lab, tmp_path):
    """ECS's service throttle: a task that cannot start (its image is missing) is retried with
    growing gaps and the event; a task that crashes after reaching RUNNING is replaced at once."""
    spec = tmp_path / "ghost.yaml"
    spec.write_text("family: ghost\nimage: servicelab/no-such-image\ncommand: [serve]\nmemory: 16\n")
    lab.run("taskdef", "register", str(spec))
    lab.run("service", "create", "ghost", "--task-def", "ghost:1", "--count", "1")
    lab.run("service", "create", "crashy", "--task-def", "crashy:1", "--count", "1")
    throttled = "(service {}) is unable to consistently start tasks successfully."
    lab.wait(lambda: any(e["message"] == throttled.format("ghost") for e in lab.service("ghost")["events"]),
             timeout=30, what="the throttle event for ghost")

    def stopped(service: str, at_least: int):
        done = sorted((t for t in lab.tasks(service, include_stopped=True) if t["lastStatus"] == "STOPPED"),
                      key=lambda t: t["createdAt"])
        return done if len(done) >= at_least else None

    ghosts = lab.wait(lambda: stopped("ghost", 4), timeout=30, what="four ghost tasks failed to start")
    assert all(t["stopCode"] == "TaskFailedToStart" and not t.get("startedAt") for t in ghosts)
    assert ghosts[0]["stoppedReason"].startswith("CannotPullContainerError: ")
    ghost_starts = sorted(t["createdAt"] for t in lab.tasks("ghost", include_stopped=True))
    ghost_waits = [start - t["stoppedAt"] for t, start in zip(ghosts, ghost_starts[1:])]
    assert ghost_waits[-1] > ghost_waits[0] + 1.0, ghost_waits  # growing gaps: no hot loop

    crashes = lab.wait(lambda: stopped("crashy", 4), timeout=45, what="four crashy tasks crashed")
    assert all(t["stopCode"] == "EssentialContainerExited" and t["startedAt"] for t in crashes)
    assert all(t["containers"][0]["exitCode"] == 1 for t in crashes)
    crashy_starts = sorted(t["createdAt"] for t in lab.tasks("crashy", include_stopped=True))
    crashy_waits = [start - t["stoppedAt"] for t, start in zip(crashes, crashy_starts[1:])]
    assert max(crashy_waits) < 1.5, crashy_waits  # replaced at once, every time
    assert not any(e["message"] == throttled.format("crashy") for e in lab.service("crashy")["events"])


def test_sigkill_of_the_control_plane_loses_and_duplicates_nothing(lab):
    lab.run("service", "create", "web", "--count", "3")
    lab.wait_running("web", 3)
    before = sorted(docker_containers(lab.name))
    tasks_before = sorted(t["taskId"] for t in lab.tasks("web"))
    status = lab.json("sandbox", "status")
    os.kill(status["pid"], signal.SIGKILL)
    lab.wait(lambda: not lab.json("sandbox", "status")["running"], what="control plane gone")
    restarted = lab.run("service", "ls")
    assert "started a control plane" in restarted.stderr
    lab.wait_running("web", 3)
    time.sleep(1.0)  # a pass or two after adoption
    assert sorted(docker_containers(lab.name)) == before
    assert sorted(t["taskId"] for t in lab.tasks("web")) == tasks_before


def test_one_off_tasks_run_to_completion_and_are_not_replaced(lab):
    out = lab.json("task", "run", "batch", "--count", "2")
    ids = [t["taskArn"].rsplit("/", 1)[-1] for t in out["tasks"]]
    def finished():
        done = [t for t in lab.tasks(include_stopped=True) if t["taskId"] in ids and t["lastStatus"] == "STOPPED"]
        return done if len(done) == 2 else None

    done = lab.wait(finished, timeout=30, what="batch tasks finished")
    assert all(t["containers"][0]["exitCode"] == 0 for t in done)
    assert all(t["group"] == "family:batch" for t in done)
    time.sleep(1.0)
    assert [t for t in lab.tasks() if t["lastStatus"] != "STOPPED"] == []
    logs = lab.run("task", "logs", ids[0]).stdout
    assert "done" in logs


def test_logs_and_exec_reach_the_container(lab):
    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    task = lab.tasks("web")[0]
    assert task["taskId"] in lab.run("task", "exec", task["taskId"], "--", "sh", "-c", "echo $SERVICELAB_TASK_ID").stdout
    assert "serving version 1" in lab.run("task", "logs", task["taskId"]).stdout


def test_status_and_down_leave_nothing(lab):
    lab.run("service", "create", "web", "--count", "2")
    lab.wait_running("web", 2)
    status = lab.json("sandbox", "status")
    assert status["running"] is True and status["runtime"] == "docker"
    assert status["sandbox"] == lab.name and status["api"].startswith("http://127.0.0.1:")
    lab.run("sandbox", "down")
    assert docker_containers(lab.name) == []
    assert lab.json("sandbox", "status")["running"] is False
    assert "is down" in lab.run("sandbox", "down").stdout  # idempotent


def test_a_deleted_sandbox_directory_stops_its_control_plane_and_its_tasks(lab):
    import shutil

    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    pid = lab.json("sandbox", "status")["pid"]
    shutil.rmtree(lab.home / "sandboxes" / lab.name)
    lab.wait(lambda: not _alive(pid), timeout=20, what="the control plane ended")
    assert docker_containers(lab.name) == []


def test_a_sandbox_name_another_home_uses_is_refused_with_the_way_out(lab, tmp_path):
    lab.run("service", "create", "web", "--count", "1")
    lab.wait_running("web", 1)
    other = CliSandbox(tmp_path / "other-home")
    other.name, other.env["SERVICELAB_SANDBOX"] = lab.name, lab.name
    refused = other.run("service", "ls", check=False)
    assert refused.returncode != 0
    assert f"sandbox {lab.name!r} belongs to another servicelab home" in refused.stderr
    assert f"`servicelab --sandbox {lab.name} sandbox down` with SERVICELAB_HOME set to it" in refused.stderr
    assert str(lab.home.resolve()) not in refused.stderr, "another learner's home path was disclosed"
    assert len(lab.tasks("web")) == 1 and len(docker_containers(lab.name)) == 1, "the first home's task was touched"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of ours would linger as a zombie; the control plane is started detached.
    return not open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z"


class TestBadInput:
    """One line that names what was wrong and what is allowed; 2 for usage, 1 for failures."""

    def test_unknown_service(self, lab):
        result = lab.run("service", "scale", "nope", "2", check=False)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == (
            "servicelab: error: Service not found: 'nope' in cluster 'default'. See `servicelab service ls`."
        )
        assert "Traceback" not in result.stderr

    def test_count_out_of_range(self, lab):
        lab.run("service", "create", "web", "--count", "0")
        result = lab.run("service", "scale", "web", "1000", check=False)
        assert result.returncode == 2
        assert "desiredCount 1000 is out of range: allowed 0 to 100" in result.stderr
        negative = lab.run("service", "scale", "web", "--", "-1", check=False)
        assert negative.returncode == 2 and "allowed 0 to 100" in negative.stderr

    def test_unknown_task_definition(self, lab):
        result = lab.run("service", "create", "api", "--task-def", "nosuch:1", check=False)
        assert result.returncode == 1
        assert "TaskDefinition not found: 'nosuch:1'" in result.stderr and "families:" in result.stderr

    def test_unknown_task(self, lab):
        result = lab.run("task", "stop", "0123456789abcdef0123456789abcdef", check=False)
        assert result.returncode == 2 and "The referenced task was not found" in result.stderr

    def test_malformed_yaml(self, lab, tmp_path):
        bad = tmp_path / "bad.yaml"
        bad.write_text("family: x\nimage: servicelab/demo-task\nmemory: lots\n")
        result = lab.run("taskdef", "register", str(bad), check=False)
        assert result.returncode == 2
        assert f"{bad}:3: field 'memory' must be a whole number from 6 to 4096, got 'lots'" in result.stderr

    def test_docker_not_running(self, tmp_path):
        sandbox = CliSandbox(tmp_path / "nodocker")
        sandbox.env["DOCKER_HOST"] = f"unix://{tmp_path}/no-such.sock"
        result = sandbox.run("sandbox", "serve", check=False, timeout=30)
        assert result.returncode == 1
        assert "Docker is not running" in result.stderr and "Traceback" not in result.stderr


def test_process_runtime_keeps_count_and_says_tasks_are_not_containers(tmp_path):
    lab = CliSandbox(tmp_path / "home", runtime="process")
    try:
        first = lab.run("service", "create", "web", "--count", "2")
        assert "(process runtime)" in first.stderr and "not containers" in first.stderr
        lab.wait_running("web", 2)
        victim = lab.tasks("web")[0]
        lab.run("task", "kill", victim["taskId"])
        stopped = lab.wait(
            lambda: (t := lab.json("task", "describe", victim["taskId"]))["lastStatus"] == "STOPPED" and t,
            what="the killed process recorded as STOPPED",
        )
        assert stopped["containers"][0]["exitCode"] == 137
        lab.wait_running("web", 2)
        status = lab.json("sandbox", "status")
        assert status["runtime"] == "process" and status["containers"] is False
    finally:
        lab.down()
    # Task processes run in the sandbox's state directory, which lives under tmp_path.
    leftover = subprocess.run(["pgrep", "-f", "sandbox.image.demotask"], capture_output=True, text=True).stdout.split()
    assert [pid for pid in leftover if str(tmp_path) in _cwd(pid)] == []


def _cwd(pid: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""
