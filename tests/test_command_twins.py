"""One command language: the CLI prints the same `aws ecs` twin for an action as the app's command bar shows.

The CLI runs here against a stand-in for the control plane (no Docker): each command's real
callback builds its Operation, `Lab.run` answers with a canned result, and the twin it prints
is compared with the one the bar gives for the same line.
"""

from __future__ import annotations

import shlex

import pytest
from click.testing import CliRunner

from sandbox.cli.context import Lab
from sandbox.cli.operations import Operation
from tutor.cli import build
from tutor.commands import parse

TASK = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

DEPLOYMENT = {"id": "ecs-svc/1", "rolloutState": "IN_PROGRESS", "taskDefinition": "arn:aws:ecs:::task-definition/web:2"}
ANSWERS = {
    "CreateService": {"service": {}},
    "CreateServiceWithLoadBalancer": {"service": {"loadBalancer": {
        "url": "http://127.0.0.1:38000", "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:0:targetgroup/web/1",
        "containerName": "web", "containerPort": 8080}}},
    "UpdateService": {"service": {"runningCount": 1, "pendingCount": 0, "deployments": [DEPLOYMENT],
                                  "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 200}}},
    "StopTask": {"task": {"taskArn": f"arn:aws:ecs:::task/default/{TASK}", "group": "service:web"}},
    "RunTask": {"tasks": [], "failures": []},
    "SetInstanceStatus": {"instance": {"containerInstanceId": "ci-1", "availabilityZone": "us-east-1a"}},
    "PutScalingPolicy": {"scaling": {"metricName": "ECSServiceAverageCPUUtilization", "target": 50, "min": 1,
                                     "max": 4, "scaleOutCooldown": 300, "scaleInCooldown": 300}},
}
"""What the control plane would answer, as far as each command prints it."""

ACTIONS = [
    "service create web --count 2",
    "service create api --task-def web:2 --count 4 --placement-strategy binpack:memory --health-check-grace-period 60",
    "service create web --count 2 --load-balancer",
    "service scale web 3",
    "--cluster prod service scale web 3",
    "service update web --task-def web:2",
    "service update web --min-healthy 50 --rollback",
    "service update web --health-check-grace-period 0",
    "service delete web --force",
    f"task stop {TASK} --reason 'lesson 2'",
    "task run batch --count 2",
    "--cluster prod task run batch",
    "instance drain ci-1",
    "instance activate ci-1",
    "scaling set web --metric cpu --target 50 --min 1 --max 4 --scale-in-cooldown 30",
    "scaling off web",
    "cluster create blue",
    "cluster delete blue",
]


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[Operation]:
    """Lab.run answers from ANSWERS and records what it was asked."""
    ran: list[Operation] = []

    def run(lab: Lab, operation: Operation) -> dict:
        ran.append(operation)
        return ANSWERS.get(operation.name, {})

    monkeypatch.setattr(Lab, "run", run)
    return ran


@pytest.mark.parametrize("line", ACTIONS)
def test_the_cli_prints_the_twin_the_bar_shows(line: str, answered: list[Operation]) -> None:
    """Same request, same twin string, whichever side the action came from."""
    result = CliRunner().invoke(build(), ["--sandbox", "twins", *shlex.split(line)], prog_name="servicelab")
    assert result.exit_code == 0, result.output + result.stderr
    bar = parse(line)
    assert [op.request for op in answered] == [bar.request]
    printed = [l.strip() for l in result.stderr.splitlines() if l.startswith("  ")]
    assert printed[0] == (bar.aws or bar.elsewhere)
    # Only a load balancer's real names may follow, after the twin itself.
    assert all(l.startswith("with this sandbox's values: --load-balancers targetGroupArn=arn:") for l in printed[1:])


def test_an_aws_twin_parses_back_to_the_same_request(answered: list[Operation]) -> None:
    """The twin the CLI prints, typed into the bar, does what the CLI did."""
    for line in ACTIONS:
        bar = parse(line)
        if bar.aws:
            assert parse(bar.aws).request == bar.request, line


def test_the_cli_and_the_bar_refuse_alike() -> None:
    """A builder's refusal reads the same in a terminal and in the bar."""
    from tutor.commands import CommandError

    result = CliRunner().invoke(build(), ["--sandbox", "twins", "chaos", "web"], prog_name="servicelab")
    assert result.exit_code == 2
    with pytest.raises(CommandError) as refused:
        parse("chaos web")
    assert f"Error: {refused.value}" in result.stderr
