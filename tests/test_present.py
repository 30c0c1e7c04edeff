"""One wording for answers: a command prints in a terminal exactly the lines the app's command bar shows.

The CLI runs here against a stand-in control plane (no Docker): `Lab`'s calls answer from canned
shapes. The bar's side parses the same line, reads the same stand-in through `present.fetch`, and
words it with tutor/live/results.py, as the app's link and screen do.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
from click.testing import CliRunner

from sandbox.cli import present
from sandbox.cli.context import Lab
from sandbox.cli.operations import ECS, Operation
from tests import app_support as s
from tutor.cli import build
from tutor.commands import parse
from tutor.live.results import describe

ARN = "arn:aws:ecs:us-east-1:123456789012"
A, B, C = s.ZONE_OF


def described_task(n: int, **kwargs: Any) -> dict[str, Any]:
    """A task as the Tasks call answers: the snapshot's shape, with its container."""
    task = s.task(n, instance=A, **kwargs)
    container = {"name": "web", "lastStatus": task["lastStatus"],
                 "networkBindings": [{"bindIP": "127.0.0.1", "hostPort": 32768 + n, "containerPort": 8080,
                                      "protocol": "tcp"}]}
    if task["lastStatus"] == "STOPPED":
        container.update(exitCode=0, networkBindings=[])
    return {**task, "containers": [container]}


TASKS = [described_task(1), described_task(2), described_task(9, status="STOPPED", stopped_reason="lesson 2")]
WEB = s.service(deployments=[s.deployment(1, "web:1", "PRIMARY", 3, 3, rollout="COMPLETED")])
TASK_DEFINITION = {
    "family": "web", "revision": 1, "taskDefinitionArn": f"{ARN}:task-definition/web:1",
    "containerDefinitions": [{"name": "web", "image": "servicelab/demo-task", "command": ["serve"], "cpu": 128,
                              "memory": 32, "portMappings": [{"containerPort": 8080}],
                              "healthCheck": {"interval": 5}}],
}


def balancer() -> dict[str, Any]:
    lb = {"service": "web", "requests": 12, "rejected": 0, **s.load_balancer([(1, "healthy"), (2, "initial")])}
    for n, target in enumerate(lb["targets"]):
        target.update(requests=6 * (1 - n) * 2, inFlight=n, reason=None)
    return lb


class StandIn:
    """What the control plane would answer, for the calls these commands make."""

    def ecs(self, name: str, **params: Any) -> dict[str, Any]:
        return {
            "ListServices": lambda: {"serviceArns": [WEB["serviceArn"]]},
            "DescribeServices": lambda: {"services": [WEB] if "web" in str(params.get("services")) else [],
                                         "failures": []},
            "UpdateService": lambda: {"service": WEB},
            "StopTask": lambda: {"task": TASKS[0]},
            "RunTask": lambda: {"tasks": [{**s.task(5, service=None, revision="batch:1", status="PENDING"),
                                           "containerInstanceArn": f"{ARN}:container-instance/default/{A}",
                                           "availabilityZone": "us-east-1a"}], "failures": []},
            "ListTaskDefinitions": lambda: {"taskDefinitionArns": [TASK_DEFINITION["taskDefinitionArn"]]},
            "DescribeTaskDefinition": lambda: {"taskDefinition": TASK_DEFINITION},
            "ListClusters": lambda: {"clusterArns": [f"{ARN}:cluster/default"]},
            "DescribeClusters": lambda: {"clusters": [{"clusterName": "default", "status": "ACTIVE",
                                                       "activeServicesCount": 1, "runningTasksCount": 2,
                                                       "pendingTasksCount": 0}]},
        }[name]()

    def lab(self, name: str, **params: Any) -> dict[str, Any]:
        if name == "Tasks":
            if params.get("task"):
                return {"tasks": [t for t in TASKS if t["taskId"].startswith(params["task"])]}
            everything = params.get("includeStopped")
            return {"tasks": [t for t in TASKS if everything or t["lastStatus"] != "STOPPED"]}
        return {
            "Watch": lambda: s.snapshot([WEB], TASKS),
            "Instances": lambda: {"instances": [s.instance(A, tasks=[TASKS[0]["taskId"]], cpu_used=128),
                                                s.instance(B, zone_failed=True), s.instance(C, status="DRAINING")]},
            "LoadBalancers": lambda: {"loadBalancers": [balancer()]},
            "DescribeScaling": lambda: {"service": "web", "desiredCount": 3, "scaling": s.scaling()},
        }[name]()

    def run(self, operation: Operation) -> dict[str, Any]:
        call = self.ecs if operation.api == ECS else self.lab
        return call(operation.name, **operation.params)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch):
    """The CLI's Lab answers from the stand-in; the clock stands still, in UTC."""
    answers = StandIn()
    monkeypatch.setattr(Lab, "ecs", lambda lab, name, **params: answers.ecs(name, **params))
    monkeypatch.setattr(Lab, "lab", lambda lab, name, **params: answers.lab(name, **params))
    monkeypatch.setattr(Lab, "run", lambda lab, op: answers.run(op))
    monkeypatch.setattr(present.time, "time", lambda: s.FROZEN_NOW)
    for _ in s.pin_utc(monkeypatch):
        yield answers


def in_a_terminal(line: str):
    result = CliRunner().invoke(build(), ["--sandbox", "present", *shlex.split(line)], prog_name="servicelab")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def in_the_bar(line: str, answers: StandIn) -> list[tuple[str, str]]:
    op = parse(line)
    return describe(op, present.fetch(op, answers), s.FROZEN_NOW)


LINES = [
    "task ls", "task ls --all", "task ls --stopped", "task ls --json", f"task describe {TASKS[0]['taskId']}",
    f"task describe {TASKS[2]['taskId'][:12]}", f"task describe {TASKS[0]['taskId']} --json",
    "service ls", "service ls --json", "service describe web", "service describe web --json",
    "service events web", "service events web --limit 1", "service events web --json", "service scale web 3",
    "service scale web 3 --json", f"task stop {TASKS[0]['taskId']}", "task run batch", "task run batch --json",
    "taskdef ls", "taskdef describe web:1", "taskdef describe web:1 --json", "cluster ls", "cluster ls --json",
    "instance ls", "lb ls", "lb ls --json", "scaling show web", "scaling show web --json",
]


@pytest.mark.parametrize("line", LINES)
def test_a_command_reads_the_same_in_a_terminal_and_in_the_bar(line: str, stand_in: StandIn) -> None:
    terminal = in_a_terminal(line)
    assert terminal.exit_code == 0, terminal.output + terminal.stderr
    bar = in_the_bar(line, stand_in)
    assert terminal.stdout.splitlines() == [text for text, kind in bar if kind == "info"]
    assert terminal.stdout.strip(), "printed nothing"


def test_the_aws_form_answers_with_its_twins_text(stand_in: StandIn) -> None:
    """`aws ecs list-tasks` in the bar reads like `servicelab task ls`: one operation, one answer."""
    assert in_the_bar("aws ecs list-tasks", stand_in) == in_the_bar("task ls", stand_in)
    task = TASKS[0]["taskId"]
    assert in_the_bar(f"aws ecs describe-tasks --tasks {task}", stand_in) == in_the_bar(f"task describe {task}", stand_in)


def test_the_answers_the_lessons_point_at(stand_in: StandIn) -> None:
    """task describe shows the container, its port and when it was created; task ls has the SERVICE column;
    cluster ls is a table, not "done"."""
    task = TASKS[0]
    text = [line for line, _ in in_the_bar(f"task describe {task['taskId']}", stand_in)]
    assert f"  container  {task['containerId']}" in text
    assert "  port       http://127.0.0.1:32769 → 8080/tcp" in text
    assert any(line.startswith("  created    ") for line in text)
    header = in_the_bar("task ls", stand_in)[0][0].split()
    assert header[:3] == ["TASK", "SERVICE", "TASK"]
    assert [line for line, _ in in_the_bar("cluster ls", stand_in)][1].split() == ["default", "ACTIVE", "1", "2", "0"]


def test_json_in_the_bar_is_the_json_the_cli_prints(stand_in: StandIn) -> None:
    lines = [line for line, _ in in_the_bar("task ls --json", stand_in)]
    assert json.loads("\n".join(lines)) == [t for t in TASKS if t["lastStatus"] != "STOPPED"]
    described = json.loads("\n".join(line for line, _ in in_the_bar("service describe web --json", stand_in)))
    assert described["serviceName"] == "web"


def test_a_missing_service_is_refused_alike(stand_in: StandIn) -> None:
    from sandbox.core.errors import ServiceNotFoundException

    terminal = in_a_terminal("service describe nope")
    assert terminal.exit_code == 1
    with pytest.raises(ServiceNotFoundException) as refused:
        in_the_bar("service describe nope", stand_in)
    assert f"servicelab: error: {refused.value.message}" in terminal.stderr


class TestExecAnswers:
    def test_a_command_answers_with_its_output_and_a_failure_with_its_exit_code(self) -> None:
        op = parse("task exec 0123 -- uname -r")
        assert describe(op, {"output": "6.1.0\n", "exitCode": 0}) == [("6.1.0", "info")]
        assert describe(op, {"output": "", "exitCode": 2}) == [("(no output)", "info"), ("exit code 2", "error")]
        stuck = describe(op, {"output": "", "exitCode": None, "timedOut": True})
        assert stuck[-1][1] == "error" and "run it in a terminal: servicelab task exec 0123 -- uname -r" in stuck[-1][0]

    def test_only_a_bare_shell_needs_a_terminal(self) -> None:
        assert present.wants_terminal(["sh"]) and present.wants_terminal(["/bin/bash"]) and present.wants_terminal([])
        assert not present.wants_terminal(["uname", "-r"]) and not present.wants_terminal(["sh", "-c", "echo hi"])
