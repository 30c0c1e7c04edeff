"""The ECS API's protocol with the real boto3, against the real server on the fake runtime.

No Docker here: wire format, validation, errors, pagination, region, idempotency and response
shapes. tests/test_aws_clients.py drives the same API on the real engine with boto3 and the
AWS CLI, waiters included.
"""

from __future__ import annotations

import json

import pytest
import requests

from sandbox.api import ecs_ops, shapes
from sandbox.api.protocol import ECS_PREFIX, JSON_TYPE
from tests.aws_support import InProcessApi, ResponseShapeError, ecs_client
from tests.sandbox_fixtures import fake_sandbox, settle

HELLO = {"name": "hello", "image": "servicelab/demo-task", "memory": 32, "command": ["serve"],
         "portMappings": [{"containerPort": 8080}]}


@pytest.fixture
def api():
    sandbox, control, runtime, clock = fake_sandbox()
    server = InProcessApi(sandbox)
    server.control = control
    yield server
    server.close()


@pytest.fixture
def ecs(api):
    return ecs_client(api.address)


def raw(api, operation: str, body) -> tuple[int, dict]:
    """A request no SDK checked first, as curl would send it."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    response = requests.post(api.address + "/", data=data, timeout=10,
                             headers={"X-Amz-Target": ECS_PREFIX + operation, "Content-Type": JSON_TYPE})
    return response.status_code, response.json()


def test_every_operation_answers_in_ecs_shapes(api, ecs):
    """The 17 core operations, each response checked against botocore's output shape by the client hook."""
    cluster = ecs.create_cluster(clusterName="lab")["cluster"]
    assert cluster["status"] == "ACTIVE" and cluster["clusterName"] == "lab"
    assert ecs.describe_clusters(clusters=["lab"], include=["SETTINGS"])["clusters"][0]["clusterArn"] == cluster["clusterArn"]
    assert cluster["clusterArn"] in ecs.list_clusters()["clusterArns"]
    td = ecs.register_task_definition(family="hello", containerDefinitions=[HELLO])["taskDefinition"]
    assert (td["family"], td["revision"], td["status"]) == ("hello", 1, "ACTIVE")
    assert ecs.describe_task_definition(taskDefinition="hello")["taskDefinition"]["taskDefinitionArn"] == td["taskDefinitionArn"]
    assert ecs.list_task_definitions(familyPrefix="hello")["taskDefinitionArns"] == [td["taskDefinitionArn"]]
    service = ecs.create_service(cluster="lab", serviceName="web", taskDefinition="hello:1", desiredCount=2)["service"]
    assert (service["desiredCount"], service["status"], len(service["deployments"])) == (2, "ACTIVE", 1)
    settle(api.control)
    described = ecs.describe_services(cluster="lab", services=[service["serviceArn"]])["services"][0]
    assert described["runningCount"] == 2
    assert ecs.update_service(cluster="lab", service="web", desiredCount=3)["service"]["desiredCount"] == 3
    settle(api.control)
    assert ecs.list_services(cluster="lab")["serviceArns"] == [service["serviceArn"]]
    arns = ecs.list_tasks(cluster="lab", serviceName="web")["taskArns"]
    tasks = ecs.describe_tasks(cluster="lab", tasks=arns)["tasks"]
    assert len(tasks) == 3 and {t["lastStatus"] for t in tasks} == {"RUNNING"}
    assert {t["group"] for t in tasks} == {"service:web"}
    assert {t["startedBy"] for t in tasks} == {described["deployments"][0]["id"]}
    stopped = ecs.stop_task(cluster="lab", task=arns[0], reason="practice")["task"]
    assert (stopped["desiredStatus"], stopped["stopCode"], stopped["stoppedReason"]) == ("STOPPED", "UserInitiated", "practice")
    run = ecs.run_task(cluster="lab", taskDefinition="batch")
    assert run["failures"] == [] and run["tasks"][0]["group"] == "family:batch"
    assert ecs.deregister_task_definition(taskDefinition="hello:1")["taskDefinition"]["status"] == "INACTIVE"
    assert ecs.delete_service(cluster="lab", service="web", force=True)["service"]["status"] == "DRAINING"
    settle(api.control)
    ecs.stop_task(cluster="lab", task=run["tasks"][0]["taskArn"])
    settle(api.control)
    assert ecs.describe_services(cluster="lab", services=["web"])["services"][0]["status"] == "INACTIVE"
    assert ecs.delete_cluster(cluster="lab")["cluster"]["status"] == "INACTIVE"


def test_a_misspelled_response_member_fails(api, ecs, monkeypatch):
    real = shapes.cluster

    def misspelled(*args, **kwargs):
        shape = real(*args, **kwargs)
        shape["clusterNmae"] = shape.pop("clusterName")
        return shape

    monkeypatch.setattr(shapes, "cluster", misspelled)
    api.server.check_responses = False
    with pytest.raises(ResponseShapeError, match='clusterNmae'):
        ecs.create_cluster(clusterName="lab")  # caught by the client-side check
    api.server.check_responses = True
    with pytest.raises(ecs.exceptions.ServerException, match="clusterNmae"):
        ecs.create_cluster(clusterName="lab")  # and by the server's own, which covers the AWS CLI too


class TestValidation:
    """Checked against botocore's ECS model, then against what the sandbox supports."""

    def test_the_model_checks_requests_no_sdk_checked(self, api):
        status, body = raw(api, "UpdateService", {"service": "web", "desiredCount": "3", "bogus": 1})
        assert status == 400 and body["__type"] == "InvalidParameterException"
        assert 'Unknown parameter in input: "bogus"' in body["message"]
        assert "Invalid type for parameter desiredCount" in body["message"]
        status, body = raw(api, "DescribeServices", {"cluster": "default"})
        assert body["__type"] == "InvalidParameterException" and 'Missing required parameter in input: "services"' in body["message"]
        status, body = raw(api, "ListServices", b"{not json")
        assert status == 400 and body["__type"] == "SerializationException"

    def test_enums_come_from_the_model(self, ecs):
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="launchType 'BOGUS' is not valid; valid values: EC2, FARGATE"):
            ecs.create_service(serviceName="x", taskDefinition="web:1", launchType="BOGUS")
        with pytest.raises(ecs.exceptions.InvalidParameterException, match=r"placementStrategy\[0\].type 'pack'"):
            ecs.create_service(serviceName="x", taskDefinition="web:1", placementStrategy=[{"type": "pack"}])

    def test_unsupported_parameters_are_refused_never_ignored(self, ecs):
        with pytest.raises(ecs.exceptions.InvalidParameterException,
                           match="parameter 'loadBalancers' is not supported by the servicelab sandbox"):
            ecs.create_service(serviceName="x", taskDefinition="web:1", loadBalancers=[])
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="launchType 'FARGATE' is not supported"):
            ecs.run_task(taskDefinition="batch", launchType="FARGATE")
        with pytest.raises(ecs.exceptions.InvalidParameterException, match=r"parameter 'overrides.cpu' is not supported"):
            ecs.run_task(taskDefinition="batch", overrides={"cpu": "512"})

    def test_every_declared_member_is_one_ecs_knows(self):
        from sandbox.api.ecs_model import service_model

        def members(shape, spec, path):
            if isinstance(spec, dict):
                target = shape.member if shape.type_name == "list" else shape
                for name, sub in spec.items():
                    assert name in target.members, f"{path}.{name} is not in ECS's model"
                    members(target.members[name], sub, f"{path}.{name}")

        for op, spec in ecs_ops.SUPPORTED.items():
            members(service_model().operation_model(op).input_shape, spec, op)
        assert len(ecs_ops.OPERATIONS) == 25

    def test_value_rules_the_model_does_not_have(self, ecs):
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="service name 'no spaces' is not valid"):
            ecs.create_service(serviceName="no spaces", taskDefinition="web:1")
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="desiredCount 1000 is out of range"):
            ecs.create_service(serviceName="big", taskDefinition="web:1", desiredCount=1000)
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="count 11 is out of range"):
            ecs.run_task(taskDefinition="batch", count=11)
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="maximumPercent 300 is out of range"):
            ecs.create_service(serviceName="x", taskDefinition="web:1", deploymentConfiguration={"maximumPercent": 300})
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="field 'memory' is 16384; allowed 6 to 4096"):
            ecs.register_task_definition(family="hello", containerDefinitions=[{**HELLO, "memory": 16384}])
        with pytest.raises(ecs.exceptions.ClientException, match="At least one of 'memory' or 'memoryReservation'"):
            ecs.register_task_definition(family="hello", containerDefinitions=[{"name": "hello", "image": "servicelab/demo-task"}])
        with pytest.raises(ecs.exceptions.InvalidParameterException,
                           match=r"runs one container per task for now, and this task definition has 2 \(hello, side\)"):
            ecs.register_task_definition(family="hello", containerDefinitions=[HELLO, {**HELLO, "name": "side"}])

    def test_task_level_sizes_take_ecs_forms(self, ecs):
        td = ecs.register_task_definition(family="sized", cpu="0.25 vCPU", memory="0.5 GB", containerDefinitions=[
            {"name": "sized", "image": "servicelab/demo-task"}])["taskDefinition"]
        assert (td["cpu"], td["memory"]) == ("256", "512")

    def test_unsupported_and_unknown_operations(self, api, ecs):
        with pytest.raises(ecs.exceptions.UnsupportedFeatureException, match="ListAttributes is part of ECS's API"):
            ecs.list_attributes(targetType="container-instance")
        status, body = raw(api, "NoSuchThing", {})
        assert status == 400 and body["__type"] == "UnknownOperationException"


class TestErrors:
    """ECS's error codes, so boto3 raises its named exception classes."""

    @pytest.mark.parametrize("call, code", [
        (lambda c: c.describe_services(cluster="nope", services=["web"]), "ClusterNotFoundException"),
        (lambda c: c.list_tasks(cluster="nope"), "ClusterNotFoundException"),
        (lambda c: c.update_service(service="nope", desiredCount=1), "ServiceNotFoundException"),
        (lambda c: c.list_tasks(serviceName="nope"), "ServiceNotFoundException"),
        (lambda c: c.describe_task_definition(taskDefinition="nope:1"), "ClientException"),
        (lambda c: c.create_service(serviceName="x", taskDefinition="nope:1"), "ClientException"),
        (lambda c: c.describe_tasks(tasks=[]), "InvalidParameterException"),
        (lambda c: c.stop_task(task="0123456789abcdef0123456789abcdef"), "InvalidParameterException"),
        (lambda c: c.list_services(nextToken="garbage!"), "InvalidParameterException"),
    ])
    def test_named_exceptions(self, ecs, call, code):
        with pytest.raises(getattr(ecs.exceptions, code)):
            call(ecs)

    def test_inactive_service_and_busy_cluster(self, api, ecs):
        ecs.create_service(serviceName="web", taskDefinition="web:1", desiredCount=1)
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="Creation of service was not idempotent"):
            ecs.create_service(serviceName="web", taskDefinition="web:1", desiredCount=1)
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="cannot be stopped while it is scaled above 0"):
            ecs.delete_service(service="web")
        with pytest.raises(ecs.exceptions.ClusterContainsServicesException):
            ecs.delete_cluster(cluster="default")
        ecs.delete_service(service="web", force=True)
        settle(api.control)
        with pytest.raises(ecs.exceptions.ServiceNotActiveException):
            ecs.update_service(service="web", desiredCount=2)


def test_pagination_with_max_results_and_next_token(ecs):
    for n in range(12):
        ecs.create_cluster(clusterName=f"c{n:02d}")
    first = ecs.list_clusters(maxResults=5)
    assert len(first["clusterArns"]) == 5 and first["nextToken"]
    pages = list(ecs.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["clusterArns"]) for p in pages] == [5, 5, 3]
    arns = [a for p in pages for a in p["clusterArns"]]
    assert arns == sorted(arns) and len(set(arns)) == 13  # 12 and the default one
    assert "nextToken" not in pages[-1]
    with pytest.raises(ecs.exceptions.InvalidParameterException, match="maxResults must be from 1 to 100"):
        ecs.list_clusters(maxResults=101)


def test_region_comes_from_the_signature_and_unsigned_requests_work(api):
    signed = ecs_client(api.address, region="eu-west-1")
    assert signed.create_cluster(clusterName="lab")["cluster"]["clusterArn"] == "arn:aws:ecs:eu-west-1:123456789012:cluster/lab"
    unsigned = ecs_client(api.address, region="ap-south-1", unsigned=True)
    assert unsigned.list_clusters()["clusterArns"][0].startswith("arn:aws:ecs:us-east-1:123456789012:cluster/")


def test_client_tokens_make_retries_idempotent(api, ecs):
    once = ecs.run_task(taskDefinition="batch", clientToken="retry-1")["tasks"]
    again = ecs.run_task(taskDefinition="batch", clientToken="retry-1")["tasks"]
    assert [t["taskArn"] for t in again] == [t["taskArn"] for t in once]
    other = ecs.run_task(taskDefinition="batch")["tasks"]  # botocore makes a fresh token per call
    assert other[0]["taskArn"] != once[0]["taskArn"]
    created = ecs.create_service(serviceName="web", taskDefinition="web:1", clientToken="svc-1")["service"]
    assert ecs.create_service(serviceName="web", taskDefinition="web:1", clientToken="svc-1")["service"]["serviceArn"] == created["serviceArn"]


def test_deployment_configuration_and_placement_reach_the_service(ecs):
    service = ecs.create_service(
        serviceName="web", taskDefinition="web:1", desiredCount=2,
        deploymentConfiguration={"minimumHealthyPercent": 50, "maximumPercent": 150,
                                 "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        placementStrategy=[{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    )["service"]
    assert service["deploymentConfiguration"]["minimumHealthyPercent"] == 50
    assert service["placementStrategy"] == [{"type": "spread", "field": "attribute:ecs.availability-zone"}]
    # Members left out keep their values, as in ECS.
    updated = ecs.update_service(service="web", deploymentConfiguration={"maximumPercent": 200})["service"]
    config = updated["deploymentConfiguration"]
    assert (config["minimumHealthyPercent"], config["maximumPercent"], config["deploymentCircuitBreaker"]["rollback"]) == (50, 200, True)
    rolled = ecs.update_service(service="web", forceNewDeployment=True)["service"]
    assert [d["status"] for d in rolled["deployments"]] == ["PRIMARY", "ACTIVE"]


def test_the_health_check_grace_period_is_kept_and_checked(ecs):
    service = ecs.create_service(serviceName="web", taskDefinition="web:1", healthCheckGracePeriodSeconds=90)["service"]
    assert service["healthCheckGracePeriodSeconds"] == 90
    assert ecs.update_service(service="web", desiredCount=2)["service"]["healthCheckGracePeriodSeconds"] == 90
    updated = ecs.update_service(service="web", healthCheckGracePeriodSeconds=0)["service"]
    assert updated["healthCheckGracePeriodSeconds"] == 0
    with pytest.raises(ecs.exceptions.InvalidParameterException,
                       match="healthCheckGracePeriodSeconds -1 is out of range: allowed 0 to 2147483647"):
        ecs.update_service(service="web", healthCheckGracePeriodSeconds=-1)


def test_network_mode_is_kept(ecs):
    td = ecs.register_task_definition(family="hello", networkMode="host", containerDefinitions=[HELLO])["taskDefinition"]
    assert td["networkMode"] == "host"
    assert ecs.describe_task_definition(taskDefinition="hello:1")["taskDefinition"]["networkMode"] == "host"
