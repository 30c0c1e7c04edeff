"""Task definitions as AWS writes them, and the rest of the ECS API a learner meets, with the real boto3.

On the fake runtime (no Docker): every member RegisterTaskDefinition defines is taken and described
back exactly as registered plus what ECS adds; the describe → edit → register round trip; what
stays refused and why; tags, task definition families and deletion, container instances, RunTask's
startedBy and overrides. tests/test_aws_clients.py runs the same task definitions on real Docker
through the AWS CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sandbox.core import events as wording
from sandbox.core.model import TaskDefinition
from sandbox.runtime.docker_runtime import missing_image
from sandbox.state.store import Store
from sandbox.taskdefs import ecs_json
from tests.aws_support import InProcessApi, ecs_client
from tests.sandbox_fixtures import fake_sandbox, settle
from tests.scheduler_support import converge

FIXTURES = Path(__file__).parent / "fixtures" / "taskdefs-aws"
READ_ONLY = ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
             "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt")
"""What describe-task-definition adds that register-task-definition refuses: people strip these."""
HELLO = {"name": "hello", "image": "servicelab/demo-task", "memory": 32}


def fixtures() -> list[Path]:
    return sorted(FIXTURES.glob("*.json"))


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def assert_contains(given: Any, described: Any, where: str = "") -> None:
    """Everything registered is in the describe, unchanged (ECS may add members, never alter one)."""
    if isinstance(given, dict):
        assert isinstance(described, dict), where
        for key, value in given.items():
            assert key in described, f"{where}.{key} is missing"
            assert_contains(value, described[key], f"{where}.{key}")
    elif isinstance(given, list):
        assert isinstance(described, list) and len(given) == len(described), where
        for index, (a, b) in enumerate(zip(given, described)):
            assert_contains(a, b, f"{where}[{index}]")
    else:
        assert given == described, f"{where}: registered {given!r}, described {described!r}"


def stripped(described: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in described.items() if k not in READ_ONLY}


@pytest.fixture
def lab():
    sandbox, control, runtime, clock = fake_sandbox()
    server = InProcessApi(sandbox)
    server.sandbox, server.control, server.runtime, server.clock = sandbox, control, runtime, clock
    yield server
    server.close()


@pytest.fixture
def ecs(lab):
    return ecs_client(lab.address)


class TestAsRegistered:
    @pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.stem)
    def test_an_aws_style_task_definition_registers_verbatim_and_describes_back(self, ecs, path):
        body = json.loads(path.read_text())
        registered = ecs.register_task_definition(**body)
        assert registered["tags"] == body.get("tags", [])
        described = ecs.describe_task_definition(taskDefinition=body["family"], include=["TAGS"])
        assert_contains({k: v for k, v in body.items() if k != "tags"}, described["taskDefinition"])
        assert described["tags"] == body.get("tags", [])
        assert "tags" not in ecs.describe_task_definition(taskDefinition=body["family"])  # only when asked

    def test_ecs_adds_its_defaults_and_nothing_else(self, ecs):
        td = ecs.register_task_definition(family="hello", containerDefinitions=[
            {**HELLO, "portMappings": [{"containerPort": 8080}]}])["taskDefinition"]
        assert set(td) == {"taskDefinitionArn", "containerDefinitions", "family", "revision", "volumes", "status",
                           "placementConstraints", "compatibilities", "registeredAt", "registeredBy"}
        assert td["containerDefinitions"] == [{
            "name": "hello", "image": "servicelab/demo-task", "memory": 32, "cpu": 0, "essential": True,
            "portMappings": [{"containerPort": 8080, "hostPort": 0, "protocol": "tcp"}],
            "environment": [], "mountPoints": [], "volumesFrom": [],
        }]
        assert td["compatibilities"] == ["EXTERNAL", "EC2"] and td["volumes"] == td["placementConstraints"] == []
        host = ecs.register_task_definition(family="hosted", networkMode="host", containerDefinitions=[
            {**HELLO, "name": "hosted", "portMappings": [{"containerPort": 8080}]}])["taskDefinition"]
        assert host["containerDefinitions"][0]["portMappings"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]

    def test_task_level_sizes_are_kept_as_units(self, ecs):
        td = ecs.register_task_definition(family="sized", cpu="1 vCPU", memory="1 GB", containerDefinitions=[
            {"name": "sized", "image": "servicelab/demo-task"}])["taskDefinition"]
        assert (td["cpu"], td["memory"]) == ("1024", "1024")

    def test_what_the_task_uses_is_listed_as_required_attributes(self, ecs):
        td = ecs.register_task_definition(**fixture("webserver"))["taskDefinition"]
        names = [a["name"] for a in td["requiresAttributes"]]
        assert "com.amazonaws.ecs.capability.logging-driver.awslogs" in names
        assert "com.amazonaws.ecs.capability.task-iam-role" in names
        assert "ecs.capability.container-health-check" in names


class TestRoundTrip:
    def test_describe_edit_register_with_boto3(self, ecs):
        ecs.register_task_definition(**fixture("worker-volumes"))
        described = ecs.describe_task_definition(taskDefinition="worker")["taskDefinition"]
        edited = stripped(described)
        edited["containerDefinitions"][0]["environment"] = [{"name": "MODE", "value": "fast"}]
        again = ecs.register_task_definition(**edited)["taskDefinition"]
        assert again["revision"] == 2
        assert stripped(ecs.describe_task_definition(taskDefinition="worker:2")["taskDefinition"]) == edited
        # Registered as ECS showed it, it is the same task definition again.
        assert stripped(ecs.register_task_definition(**stripped(described))["taskDefinition"]) == stripped(described)

    def test_the_empty_lists_describe_shows_are_taken_back(self, ecs):
        td = ecs.register_task_definition(family="hello", containerDefinitions=[HELLO], placementConstraints=[],
                                          volumes=[], requiresCompatibilities=["EC2"])["taskDefinition"]
        assert td["placementConstraints"] == [] and td["requiresCompatibilities"] == ["EC2"]


class TestRefused:
    @pytest.mark.parametrize("container, task, why", [
        ({"privileged": True}, {}, "privileged true is not supported by the servicelab sandbox: a privileged container"),
        ({"linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}}}, {}, "every Linux capability dropped"),
        ({"linuxParameters": {"devices": [{"hostPath": "/dev/kvm"}]}}, {}, "a host device would reach past the container"),
        ({}, {"pidMode": "host"}, "pidMode host is not supported by the servicelab sandbox: the host's PID namespace"),
        ({}, {"ipcMode": "host"}, "ipcMode host is not supported"),
        ({"mountPoints": [{"sourceVolume": "etc", "containerPath": "/etc-of-host"}]},
         {"volumes": [{"name": "etc", "host": {"sourcePath": "/etc"}}]}, "may mount only folders"),
        ({"mountPoints": [{"sourceVolume": "v", "containerPath": "/v"}]},
         {"volumes": [{"name": "v", "dockerVolumeConfiguration": {"driverOpts": {"o": "bind", "device": "/"}}}]},
         "local driver options can mount any folder"),
        ({"dockerLabels": {"servicelab.sandbox": "someone-else"}}, {}, "say which sandbox owns a container"),
        ({"restartPolicy": {"enabled": True}}, {}, "the sandbox replaces a task whose essential container exits"),
        ({}, {"requiresCompatibilities": ["FARGATE"]}, "requiresCompatibilities 'FARGATE' is not supported"),
    ])
    def test_security_and_sandbox_limits_say_why(self, ecs, container, task, why):
        with pytest.raises(ecs.exceptions.InvalidParameterException, match=why):
            ecs.register_task_definition(family="hello", containerDefinitions=[{**HELLO, **container}], **task)

    @pytest.mark.parametrize("body, message", [
        ({"family": "no spaces"}, "Family contains invalid characters."),
        ({"containerDefinitions": []}, "Container list cannot be empty."),
        ({"containerDefinitions": [{**HELLO, "name": "a b"}]}, "Container.name contains invalid characters."),
        ({"containerDefinitions": [{**HELLO, "image": ""}]}, "Container.image should not be null or empty."),
        ({"containerDefinitions": [{**HELLO, "essential": False}]}, "at least one essential container"),
        ({"containerDefinitions": [{**HELLO, "links": ["db"]}]}, "links names container 'db'"),
        ({"containerDefinitions": [{**HELLO, "memoryReservation": 64}]}, "'memoryReservation' \\(64\\) must be less"),
        ({"containerDefinitions": [{**HELLO, "mountPoints": [{"sourceVolume": "nope", "containerPath": "/x"}]}]},
         "sourceVolume 'nope', which is not one of this task definition's volumes"),
        ({"networkMode": "awsvpc", "containerDefinitions": [{**HELLO, "portMappings": [{"containerPort": 80, "hostPort": 81}]}]},
         "When networkMode=awsvpc, the host ports and container ports in port mappings must match."),
        ({"cpu": "lots"}, "Invalid 'cpu' setting for task"),
    ])
    def test_ecs_mistakes_get_ecs_client_exceptions(self, ecs, body, message):
        with pytest.raises(ecs.exceptions.ClientException, match=message):
            ecs.register_task_definition(**{"family": "hello", "containerDefinitions": [HELLO], **body})

    def test_a_folder_of_the_sandbox_may_be_mounted(self, tmp_path):
        td = ecs_json.from_request({"family": "data", "containerDefinitions": [
            {**HELLO, "name": "data", "mountPoints": [{"sourceVolume": "d", "containerPath": "/data"}]}],
            "volumes": [{"name": "d", "host": {"sourcePath": str(tmp_path / "data")}}]})
        ecs_json.check_host_folders(td, tmp_path)
        with pytest.raises(Exception, match="may mount only folders under"):
            ecs_json.check_host_folders(td, tmp_path / "elsewhere")


class TestTaskDefinitionApi:
    def test_list_task_definitions_matches_the_whole_family(self, ecs):
        for family in ("app", "app-worker"):
            ecs.register_task_definition(family=family, containerDefinitions=[{**HELLO, "name": family}])
        arns = ecs.list_task_definitions(familyPrefix="app")["taskDefinitionArns"]
        assert [a.rsplit("/", 1)[1] for a in arns] == ["app:1"]
        # ListTaskDefinitionFamilies is the one that takes a prefix.
        assert ecs.list_task_definition_families(familyPrefix="app")["families"] == ["app", "app-worker"]

    def test_families_by_status_and_deletion(self, ecs):
        ecs.register_task_definition(family="old", containerDefinitions=[{**HELLO, "name": "old"}])
        with pytest.raises(ecs.exceptions.ClientException, match="Revision is missing"):
            ecs.deregister_task_definition(taskDefinition="old")
        gone = ecs.deregister_task_definition(taskDefinition="old:1")["taskDefinition"]
        assert gone["status"] == "INACTIVE" and gone["deregisteredAt"]
        assert ecs.list_task_definition_families(status="INACTIVE")["families"] == ["old"]
        assert "old" not in ecs.list_task_definition_families(status="ACTIVE")["families"]
        assert "old" in ecs.list_task_definition_families()["families"]  # ALL by default
        answer = ecs.delete_task_definitions(taskDefinitions=["old:1", "web:1", "web"])
        assert [td["status"] for td in answer["taskDefinitions"]] == ["DELETE_IN_PROGRESS"]
        assert [f["reason"].split(".")[0] for f in answer["failures"]] == [
            "The specified task definition is still in ACTIVE status",
            "The specified task definition identifier is invalid"]
        listed = ecs.list_task_definitions(familyPrefix="old", status="DELETE_IN_PROGRESS")["taskDefinitionArns"]
        assert [a.rsplit("/", 1)[1] for a in listed] == ["old:1"]
        # Revision numbers are never reused.
        again = ecs.register_task_definition(family="old", containerDefinitions=[{**HELLO, "name": "old"}])
        assert again["taskDefinition"]["revision"] == 2

    def test_an_inactive_revision_does_not_run(self, ecs):
        ecs.deregister_task_definition(taskDefinition="batch:1")
        with pytest.raises(ecs.exceptions.ClientException, match="TaskDefinition is inactive"):
            ecs.run_task(taskDefinition="batch:1")


class TestRunTask:
    def test_started_by_overrides_and_empty_roles(self, lab, ecs):
        ecs.register_task_definition(**fixture("api-sized"))
        run = ecs.run_task(taskDefinition="api", startedBy="ci/deploy-42", overrides={
            "containerOverrides": [{"name": "api", "command": ["batch", "1"],
                                    "environment": [{"name": "VERSION", "value": "4"}]}],
            "taskRoleArn": "", "executionRoleArn": ""})
        task = run["tasks"][0]
        assert task["startedBy"] == "ci/deploy-42"
        assert task["overrides"]["containerOverrides"][0]["command"] == ["batch", "1"]
        assert ecs.list_tasks(startedBy="ci/deploy-42")["taskArns"] == [task["taskArn"]]
        settle(lab.control)
        spec = lab.runtime.launches[-1]
        assert spec.command == ("batch", "1") and dict(spec.environment)["VERSION"] == "4"
        assert ecs.run_task(taskDefinition="batch", overrides={})["failures"] == []

    def test_an_override_names_the_container(self, ecs):
        with pytest.raises(ecs.exceptions.InvalidParameterException,
                           match="Override for container named web is not a container in the TaskDefinition"):
            ecs.run_task(taskDefinition="batch", overrides={"containerOverrides": [{"name": "web", "command": ["x"]}]})


class TestTags:
    def test_every_resource_takes_tags(self, lab, ecs):
        cluster = ecs.create_cluster(clusterName="lab", tags=[{"key": "course", "value": "ecs"}])["cluster"]
        assert cluster["tags"] == [{"key": "course", "value": "ecs"}]
        td = ecs.register_task_definition(**fixture("webserver"))["taskDefinition"]["taskDefinitionArn"]
        service = ecs.create_service(cluster="lab", serviceName="web", taskDefinition="webserver", desiredCount=1,
                                     tags=[{"key": "tier", "value": "front"}], propagateTags="SERVICE",
                                     enableECSManagedTags=True)["service"]
        assert (service["propagateTags"], service["enableECSManagedTags"]) == ("SERVICE", True)
        settle(lab.control)
        task = ecs.list_tasks(cluster="lab", serviceName="web")["taskArns"][0]
        assert ecs.list_tags_for_resource(resourceArn=task)["tags"] == [
            {"key": "tier", "value": "front"}, {"key": "aws:ecs:clusterName", "value": "lab"},
            {"key": "aws:ecs:serviceName", "value": "web"}]
        instance = ecs.list_container_instances(cluster="lab")["containerInstanceArns"][0]
        for arn in (cluster["clusterArn"], td, service["serviceArn"], task, instance):
            ecs.tag_resource(resourceArn=arn, tags=[{"key": "owner", "value": "ada"}])
            assert {"key": "owner", "value": "ada"} in ecs.list_tags_for_resource(resourceArn=arn)["tags"]
            ecs.untag_resource(resourceArn=arn, tagKeys=["owner"])
            assert {"key": "owner", "value": "ada"} not in ecs.list_tags_for_resource(resourceArn=arn)["tags"]
        assert ecs.list_tags_for_resource(resourceArn=td)["tags"] == fixture("webserver")["tags"]

    def test_task_definition_tags_propagate_to_run_tasks(self, ecs):
        ecs.register_task_definition(**fixture("api-sized"))
        task = ecs.run_task(taskDefinition="api", propagateTags="TASK_DEFINITION",
                            tags=[{"key": "job", "value": "nightly"}])["tasks"][0]
        assert task["tags"] == [{"key": "job", "value": "nightly"}, {"key": "service", "value": "api"}]

    def test_tag_rules(self, ecs):
        arn = ecs.list_clusters()["clusterArns"][0]
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="the aws: prefix is reserved"):
            ecs.tag_resource(resourceArn=arn, tags=[{"key": "aws:owner", "value": "x"}])
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="The ARN provided is invalid"):
            ecs.list_tags_for_resource(resourceArn="arn:aws:ecs:us-east-1:123456789012:widget/x")
        with pytest.raises(ecs.exceptions.ClusterNotFoundException):
            ecs.list_tags_for_resource(resourceArn=arn.replace("/default", "/nope"))


class TestContainerInstances:
    def test_list_describe_and_drain(self, lab, ecs):
        arns = ecs.list_container_instances()["containerInstanceArns"]
        assert len(arns) == 3
        in_a = ecs.list_container_instances(filter="attribute:ecs.availability-zone == us-east-1a")["containerInstanceArns"]
        assert len(in_a) == 1
        ecs.create_service(serviceName="web", taskDefinition="web:1", desiredCount=3)
        settle(lab.control)
        described = ecs.describe_container_instances(containerInstances=in_a + ["ci-nope"])
        instance = described["containerInstances"][0]
        assert described["failures"] == [{"arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/default/ci-nope",
                                          "reason": "MISSING"}]
        assert (instance["status"], instance["agentConnected"], instance["runningTasksCount"]) == ("ACTIVE", True, 1)
        remaining = {r["name"]: r["integerValue"] for r in instance["remainingResources"]}
        assert remaining == {"CPU": 2048 - 128, "MEMORY": 4096 - 32}
        assert {"name": "ecs.availability-zone", "value": "us-east-1a"} in instance["attributes"]
        assert ecs.describe_clusters()["clusters"][0]["registeredContainerInstancesCount"] == 3
        assert len(ecs.list_tasks(containerInstance=in_a[0])["taskArns"]) == 1

        drained = ecs.update_container_instances_state(containerInstances=in_a, status="DRAINING")
        assert drained["containerInstances"][0]["status"] == "DRAINING"
        converge(lab.control, lab.runtime, lab.clock, 5)  # the tasks move within the deployment's bounds
        assert ecs.describe_container_instances(containerInstances=in_a)["containerInstances"][0]["runningTasksCount"] == 0
        assert ecs.list_container_instances(status="DRAINING")["containerInstanceArns"] == in_a
        ecs.update_container_instances_state(containerInstances=in_a, status="ACTIVE")
        assert ecs.list_container_instances(status="DRAINING")["containerInstanceArns"] == []
        with pytest.raises(ecs.exceptions.InvalidParameterException, match="'REGISTERING' is not supported"):
            ecs.update_container_instances_state(containerInstances=in_a, status="REGISTERING")


class TestMissingImage:
    def test_the_event_says_the_task_failed_to_launch_not_that_it_could_not_be_placed(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.register_task_definition(TaskDefinition(family="ghost", revision=0, image="example/ghost:2"))
        sb.create_service("default", "ghost", "ghost:1", 1)
        settle(control)
        messages = [e.message for e in sb.service("default", "ghost").events]
        assert any(m.startswith("(service ghost) failed to launch a task with (error CannotPullContainerError: "
                                "image example/ghost:2 is not on this machine") for m in messages), messages
        assert not any("unable to place" in m for m in messages)
        assert wording.failed_to_launch("x", "y") == "(service x) failed to launch a task with (error y)."

    def test_the_reason_names_the_image_and_how_to_get_it(self):
        assert missing_image("example/ghost:2").endswith(
            "get it with `docker pull example/ghost:2` (or build it), and the service's next try starts it")
        assert missing_image("servicelab/demo-task:latest").endswith("build it with `servicelab sandbox prepare`")


def test_registered_task_definitions_survive_the_state_file_and_tampering_does_not(tmp_path):
    store = Store(tmp_path / "state.json")
    sb, control, *_ = fake_sandbox(store=store)
    for path in fixtures():
        sb.register_task_definition(ecs_json.from_request(json.loads(path.read_text())))
    store.save()
    again = Store(tmp_path / "state.json")
    again.load()
    assert again.task_definitions_by_ref() == store.task_definitions_by_ref()
    data = json.loads((tmp_path / "state.json").read_text())
    worker = next(td for td in data["taskDefinitions"] if td["family"] == "worker")
    worker["settings"]["mounts"][0].update(kind="host", source="/")
    (tmp_path / "state.json").write_text(json.dumps(data))
    tampered = Store(tmp_path / "state.json")
    tampered.load()
    assert "settings is not what its definition gives" in tampered.set_aside_note
