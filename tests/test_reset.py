"""Resetting a step's sandbox: the plan from a setup and a snapshot (pure), and how it reads."""

from __future__ import annotations

from tests.check_support import service, snapshot, task
from tutor.exercises import reset
from tutor.lessons import SandboxSetup, ServiceSetup, load_lessons


def setup(*services: tuple[str, str, int]) -> SandboxSetup:
    return SandboxSetup([ServiceSetup(name, ref, count) for name, ref, count in services])


def kinds(actions):
    return [(a.kind, a.target) for a in actions]


def test_a_matching_service_is_kept_and_rescaled():
    state = snapshot([service("web", 5, 5)])
    actions = reset.plan(setup(("web", "web:1", 2)), state)
    assert kinds(actions) == [("scale-service", "web")] and actions[0].count == 2
    assert reset.describe(actions, setup()) == ["scale web to 2"]


def test_others_are_deleted_and_missing_ones_created():
    state = snapshot([service("web", 2, 2, taskdef="web:2"), service("api", 1, 1), service("old", 0, 0, status="INACTIVE")],
                     [task("j1", service=None, taskdef="batch:1"), task("j2", service=None, taskdef="batch:1", status="STOPPED")])
    actions = reset.plan(setup(("web", "web:1", 2)), state)
    assert kinds(actions) == [("stop-task", "j1"), ("delete-service", "web"), ("delete-service", "api"),
                              ("create-service", "web")]
    assert reset.describe(actions, setup()) == [
        "stop one-off task j1", "delete service web", "delete service api", "create service web (web:1 × 2)"]


def test_chaos_zones_and_instances_are_restored():
    state = snapshot([service("web", 3, 3, chaos=True)])
    instances = [{"containerInstanceId": "ci-1", "availabilityZone": "us-east-1a", "zoneFailed": True, "status": "ACTIVE"},
                 {"containerInstanceId": "ci-2", "availabilityZone": "us-east-1b", "zoneFailed": False, "status": "DRAINING"}]
    actions = reset.plan(setup(("web", "web:1", 3)), state, instances=instances)
    assert kinds(actions) == [("restore-zone", "us-east-1a"), ("activate-instance", "ci-2"), ("stop-chaos", "web")]


def test_a_rolling_service_is_recreated():
    state = snapshot([service("web", 2, 3, deployments=2)])
    assert kinds(reset.plan(setup(("web", "web:1", 2)), state)) == [("delete-service", "web"), ("create-service", "web")]


def test_settled():
    want = setup(("web", "web:1", 2))
    assert reset.settled(snapshot([service("web", 2, 2)], [task("a"), task("b")]), want)
    assert not reset.settled(snapshot([service("web", 2, 1, pending=1)]), want)
    assert not reset.settled(snapshot([service("web", 2, 2), service("api", 0, 0, status="DRAINING")]), want)
    assert not reset.settled(snapshot([service("web", 2, 2)], [task("a", status="STOPPING")]), want)


def test_instances_in_the_snapshot_are_used_when_none_are_given():
    state = {**snapshot([service("web", 1, 1)]), "instances": [
        {"containerInstanceId": "ci-1", "containerInstanceArn": "arn:aws:ecs:us-east-1:1:container-instance/default/ci-1",
         "availabilityZone": "us-east-1c", "zoneFailed": True, "status": "ACTIVE"},
        {"containerInstanceId": "ci-9", "containerInstanceArn": "arn:aws:ecs:us-east-1:1:container-instance/other/ci-9",
         "availabilityZone": "us-east-1a", "zoneFailed": True, "status": "ACTIVE"}]}
    assert kinds(reset.plan(setup(("web", "web:1", 1)), state)) == [("restore-zone", "us-east-1c")]
