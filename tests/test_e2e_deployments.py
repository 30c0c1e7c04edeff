"""Deployments and zones end to end: real containers, driven through the real CLI."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.cli_support import CliSandbox

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def zones(lab: CliSandbox, service: str = "web") -> Counter:
    return Counter(t["availabilityZone"] for t in lab.tasks(service) if t["lastStatus"] == "RUNNING")


def test_rolling_update_replaces_every_task_and_completes(lab):
    lab.run("service", "create", "web", "--count", "2")
    lab.wait(lambda: lab.service("web")["deployments"][0]["rolloutState"] == "COMPLETED", what="first rollout")
    out = lab.run("service", "update", "web", "--task-def", "web:2")
    assert "aws ecs update-service --service web --task-definition web:2" in out.stderr
    lab.wait(lambda: len(lab.service("web")["deployments"]) == 1
             and lab.service("web")["deployments"][0]["rolloutState"] == "COMPLETED"
             and lab.service("web")["taskDefinition"].endswith("web:2"),
             timeout=60, what="the rollout to web:2")
    running = [t for t in lab.tasks("web") if t["lastStatus"] == "RUNNING"]
    assert len(running) == 2 and {t["taskDefinition"] for t in running} == {"web:2"}
    messages = [e["message"] for e in lab.service("web")["events"]]
    assert any(m.endswith("deployment completed.") for m in messages)


def test_bad_deployment_fails_and_rolls_back(lab):
    lab.run("service", "create", "web", "--task-def", "web:2", "--count", "2", "--rollback")
    lab.wait(lambda: lab.service("web")["deployments"][0]["rolloutState"] == "COMPLETED", what="first rollout")
    lab.run("service", "update", "web", "--task-def", "crashy:1")
    lab.wait(lambda: any("deployment failed: tasks failed to start." in e["message"]
                         for e in lab.service("web")["events"]), timeout=60, what="the circuit breaker")
    service = lab.wait(lambda: (s := lab.service("web"))["taskDefinition"].endswith("web:2")
                       and len(s["deployments"]) == 1 and s["deployments"][0]["rolloutState"] == "COMPLETED" and s,
                       timeout=60, what="the rollback")
    assert service["runningCount"] == 2
    assert any("rolling back to task definition web:2" in e["message"] for e in service["events"])


def test_zones_spread_fail_and_rebalance(lab):
    lab.run("service", "create", "web", "--count", "6", "--az-rebalancing")
    lab.wait_running("web", 6, timeout=60)
    assert sorted(zones(lab).values()) == [2, 2, 2]
    lab.run("zone", "fail", "us-east-1a")
    lab.wait(lambda: zones(lab) == Counter({"us-east-1b": 3, "us-east-1c": 3}), timeout=30, what="6 in two zones")
    lab.run("zone", "restore", "us-east-1a")
    lab.wait(lambda: sorted(zones(lab).values()) == [2, 2, 2] and lab.service("web")["runningCount"] == 6,
             timeout=90, what="rebalanced 2/2/2")
    instances = lab.json("instance", "ls")
    assert {i["availabilityZone"] for i in instances} == {"us-east-1a", "us-east-1b", "us-east-1c"}
