"""The sandbox against moto, on what moto gets right about ECS: ARNs, error codes, static shapes.

The same calls go to moto's in-process mock and to the sandbox's real server (fake runtime).
Counts, statuses over time, ids and events are not compared: moto runs no tasks (its services
never change their counts), so there the waiters and the end-to-end tests are the reference.
Where moto is known to differ from ECS, the difference is listed with the reason.
"""

from __future__ import annotations

import re

import boto3
import pytest
from moto import mock_aws

from tests.aws_support import InProcessApi, ecs_client
from tests.sandbox_fixtures import fake_sandbox

REGION = "eu-west-1"
PREFIX = f"arn:aws:ecs:{REGION}:123456789012:"
HELLO = [{"name": "hello", "image": "servicelab/demo-task", "memory": 32}]

# Members moto sends that the sandbox leaves out, and why.
MOTO_ONLY = {
    "networkConfiguration": "awsvpc only (moto sends {}); sandbox tasks use bridge networking",
    "tags": "ECS sends tags only when asked (include TAGS); moto always does",
    "networkMode": "moto shows bridge when none was registered; ECS leaves it out, as the AWS CLI's examples show",
    "taskSets": "only EXTERNAL and CODE_DEPLOY controllers have task sets",
    "platformFamily": "Fargate only",
}


def scripted(ecs) -> dict:
    """One sequence of calls; what each answered, or the error code it raised."""
    out: dict = {}

    def call(key, fn):
        try:
            out[key] = fn()
        except ecs.exceptions.ClientError as exc:
            out[key] = exc.response["Error"]["Code"]

    call("cluster", lambda: ecs.create_cluster(clusterName="lab")["cluster"])
    call("taskdef", lambda: ecs.register_task_definition(family="hello", containerDefinitions=HELLO)["taskDefinition"])
    call("service", lambda: ecs.create_service(cluster="lab", serviceName="web", taskDefinition="hello:1",
                                               desiredCount=2)["service"])
    call("clusters missing", lambda: ecs.describe_clusters(clusters=["lab", "nope"])["failures"])
    call("services missing", lambda: ecs.describe_services(cluster="lab", services=["web", "nope"])["failures"])
    call("list services", lambda: ecs.list_services(cluster="lab")["serviceArns"])
    call("list taskdefs", lambda: ecs.list_task_definitions(familyPrefix="hello")["taskDefinitionArns"])
    call("describe taskdef", lambda: ecs.describe_task_definition(taskDefinition="hello:1")["taskDefinition"])
    call("update", lambda: ecs.update_service(cluster="lab", service="web", desiredCount=3)["service"]["desiredCount"])
    for name, fn in {
        "describe services, no cluster": lambda: ecs.describe_services(cluster="nope", services=["web"]),
        "list services, no cluster": lambda: ecs.list_services(cluster="nope"),
        "list tasks, no cluster": lambda: ecs.list_tasks(cluster="nope"),
        "describe tasks, no cluster": lambda: ecs.describe_tasks(cluster="nope", tasks=["x"]),
        "stop task, no cluster": lambda: ecs.stop_task(cluster="nope", task="0" * 32),
        "run task, no cluster": lambda: ecs.run_task(cluster="nope", taskDefinition="hello:1"),
        "create service, no cluster": lambda: ecs.create_service(cluster="nope", serviceName="x", taskDefinition="hello:1"),
        "create service, no taskdef": lambda: ecs.create_service(cluster="lab", serviceName="x", taskDefinition="nope:1"),
        "update, no service": lambda: ecs.update_service(cluster="lab", service="nope", desiredCount=1),
        "update, no cluster": lambda: ecs.update_service(cluster="nope", service="web", desiredCount=1),
        "delete, no service": lambda: ecs.delete_service(cluster="lab", service="nope"),
        "delete, scaled above 0": lambda: ecs.delete_service(cluster="lab", service="web"),
        "delete cluster, no cluster": lambda: ecs.delete_cluster(cluster="nope"),
        "describe taskdef, unknown": lambda: ecs.describe_task_definition(taskDefinition="nope:1"),
        "deregister, unknown revision": lambda: ecs.deregister_task_definition(taskDefinition="hello:9"),
    }.items():
        call(name, fn)
    return out


@pytest.fixture(scope="module")
def both():
    with mock_aws():
        moto = scripted(boto3.client("ecs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"))
    sandbox, *_ = fake_sandbox()
    api = InProcessApi(sandbox)
    try:
        ours = scripted(ecs_client(api.address, region=REGION))
    finally:
        api.close()
    return moto, ours


def test_arns_match(both):
    moto, ours = both
    for key, field in (("cluster", "clusterArn"), ("taskdef", "taskDefinitionArn"), ("service", "serviceArn"),
                       ("service", "clusterArn"), ("service", "taskDefinition")):
        assert ours[key][field] == moto[key][field], (key, field)
    assert ours["service"]["serviceArn"] == PREFIX + "service/lab/web"
    assert ours["list services"] == moto["list services"]
    assert ours["list taskdefs"] == moto["list taskdefs"] == [PREFIX + "task-definition/hello:1"]
    for d in (ours["service"]["deployments"][0], moto["service"]["deployments"][0]):
        assert re.fullmatch(r"ecs-svc/\d{1,19}", d["id"])
    assert re.fullmatch(r"ecs-svc/\d{19}", ours["service"]["deployments"][0]["id"])  # ECS's are 19 digits


def test_error_codes_match(both):
    moto, ours = both
    errors = {k: v for k, v in moto.items() if isinstance(v, str)}
    assert len(errors) == 15
    assert {k: ours[k] for k in errors} == errors


def test_failure_envelopes_match(both):
    moto, ours = both
    assert ours["clusters missing"] == moto["clusters missing"] == [{"arn": PREFIX + "cluster/nope", "reason": "MISSING"}]
    assert ours["services missing"] == moto["services missing"] == [{"arn": PREFIX + "service/nope", "reason": "MISSING"}]


def test_static_shapes_have_every_member_moto_has(both):
    moto, ours = both
    for key in ("cluster", "taskdef", "service", "describe taskdef"):
        missing = set(moto[key]) - set(ours[key]) - set(MOTO_ONLY)
        assert not missing, f"{key} lacks {sorted(missing)}"
    assert set(moto["taskdef"]["containerDefinitions"][0]) <= set(ours["taskdef"]["containerDefinitions"][0])
    assert set(moto["service"]["deployments"][0]) - set(ours["service"]["deployments"][0]) <= set(MOTO_ONLY)


def test_defaults_match(both):
    moto, ours = both
    assert ours["cluster"]["settings"] == moto["cluster"]["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    for field in ("status", "revision", "family", "volumes", "placementConstraints"):
        assert ours["taskdef"][field] == moto["taskdef"][field], field
    # Where moto is not ECS: ECS shows no networkMode unless one was registered, and a bridge task
    # definition is compatible with EXTERNAL too (the AWS CLI's register-task-definition example).
    assert "networkMode" not in ours["taskdef"] and moto["taskdef"]["networkMode"] == "bridge"
    assert ours["taskdef"]["compatibilities"] == ["EXTERNAL", "EC2"] and moto["taskdef"]["compatibilities"] == ["EC2"]
    for field in ("environment", "mountPoints", "volumesFrom", "essential", "memory", "image", "name"):
        assert ours["taskdef"]["containerDefinitions"][0][field] == moto["taskdef"]["containerDefinitions"][0][field], field
    for field in ("status", "launchType", "schedulingStrategy", "deploymentController", "loadBalancers", "serviceRegistries"):
        assert ours["service"][field] == moto["service"][field], field
