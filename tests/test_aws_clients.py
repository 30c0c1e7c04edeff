"""The real boto3 and the real AWS CLI against a real control plane on the real engine.

One sandbox for the module (own SERVICELAB_HOME, own name), started by `servicelab aws-env`
as a learner would, torn down by `servicelab sandbox down` whatever happens. Each test works
in its own cluster. The server checks every ECS response against botocore's output shapes
(SERVICELAB_CHECK_RESPONSES), and boto3 clients check them again on their side, so a
misspelled member fails here even where the client would drop it.
"""

from __future__ import annotations

import json
import subprocess

import pytest

import docker
import requests

from tests.aws_support import AWS, DUMMY_CREDENTIALS, aws, aws_env, aws_json, ecs_client
from tests.test_taskdefs_aws import FIXTURES, READ_ONLY, assert_contains
from tests.cli_support import SERVICELAB, CliSandbox, docker_containers
from tests.docker_support import require_docker

pytestmark = [pytest.mark.docker, pytest.mark.slow]

FAST = {"Delay": 0.5, "MaxAttempts": 120}
HELLO = {"name": "hello", "image": "servicelab/demo-task", "command": ["serve"], "memory": 32,
         "portMappings": [{"containerPort": 8080}]}


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    require_docker()
    sandbox = CliSandbox(tmp_path_factory.mktemp("aws") / "home")
    sandbox.env["SERVICELAB_CHECK_RESPONSES"] = "1"

    def down() -> None:
        sandbox.down()
        assert docker_containers(sandbox.name) == []
        assert docker_volumes(sandbox.name) == []  # the task definitions' volumes go too

    request.addfinalizer(down)
    sandbox.aws_env = sandbox.json("aws-env")
    return sandbox


@pytest.fixture(scope="module")
def ecs(lab):
    return ecs_client(lab.aws_env["api"])


def test_aws_env_prints_what_a_second_terminal_needs(lab, tmp_path):
    info = lab.aws_env
    assert info["api"].startswith("http://127.0.0.1:") and info["sandbox"] == lab.name
    assert info["env"]["AWS_ENDPOINT_URL_ECS"] == info["api"] and info["env"]["AWS_DEFAULT_REGION"] == "us-east-1"
    text = lab.run("aws-env", "--region", "eu-west-1").stdout
    assert f"export AWS_ENDPOINT_URL_ECS={info['api']}" in text.splitlines()
    assert "export AWS_DEFAULT_REGION=eu-west-1" in text.splitlines()
    # The documented way: eval it, then the plain `aws` command reaches the sandbox.
    # No endpoint, credentials or region in the environment but what the eval brings.
    env = {k: v for k, v in aws_env(tmp_path).items() if k not in DUMMY_CREDENTIALS and k != "AWS_DEFAULT_REGION"}
    env.update({k: v for k, v in lab.env.items() if k.startswith("SERVICELAB_")})
    script = f'eval "$({SERVICELAB} aws-env --region eu-west-1)" && "$1" ecs list-clusters --output json'
    result = subprocess.run(["bash", "-c", script, "bash", AWS], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "arn:aws:ecs:eu-west-1:123456789012:cluster/default" in json.loads(result.stdout)["clusterArns"]


def test_boto3_flow(ecs):
    cluster = ecs.create_cluster(clusterName="boto")["cluster"]["clusterArn"]
    assert cluster == "arn:aws:ecs:us-east-1:123456789012:cluster/boto"
    td = ecs.register_task_definition(family="hello", containerDefinitions=[HELLO])["taskDefinition"]
    service = ecs.create_service(cluster="boto", serviceName="web", taskDefinition=td["taskDefinitionArn"],
                                 desiredCount=2)["service"]
    assert service["serviceArn"] == "arn:aws:ecs:us-east-1:123456789012:service/boto/web"

    ecs.get_waiter("services_stable").wait(cluster="boto", services=["web"], WaiterConfig=FAST)
    stable = ecs.describe_services(cluster="boto", services=["web"])["services"][0]
    assert (stable["runningCount"], stable["desiredCount"], len(stable["deployments"])) == (2, 2, 1)

    scaled = ecs.update_service(cluster="boto", service="web", desiredCount=3)["service"]
    assert scaled["desiredCount"] == 3
    assert ecs.describe_services(cluster="boto", services=["web"])["services"][0]["desiredCount"] == 3
    ecs.get_waiter("services_stable").wait(cluster="boto", services=["web"], WaiterConfig=FAST)
    running = ecs.list_tasks(cluster="boto", serviceName="web")["taskArns"]
    assert len(running) == 3
    ecs.get_waiter("tasks_running").wait(cluster="boto", tasks=running, WaiterConfig=FAST)

    # stop-task: the task ends UserInitiated, and the service starts a replacement.
    victim = running[0]
    assert ecs.stop_task(cluster="boto", task=victim)["task"]["desiredStatus"] == "STOPPED"
    ecs.get_waiter("tasks_stopped").wait(cluster="boto", tasks=[victim], WaiterConfig=FAST)
    stopped = ecs.describe_tasks(cluster="boto", tasks=[victim])["tasks"][0]
    assert (stopped["stopCode"], stopped["stoppedReason"]) == ("UserInitiated", "Task stopped by user")
    ecs.get_waiter("services_stable").wait(cluster="boto", services=["web"], WaiterConfig=FAST)
    now = ecs.list_tasks(cluster="boto", serviceName="web")["taskArns"]
    assert len(now) == 3 and victim not in now
    assert victim in ecs.list_tasks(cluster="boto", serviceName="web", desiredStatus="STOPPED")["taskArns"]

    # run-task: a one-off task runs, ends by itself, and nothing replaces it.
    task = ecs.run_task(cluster="boto", taskDefinition="batch")["tasks"][0]
    assert task["lastStatus"] in ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING") and task["group"] == "family:batch"
    ecs.get_waiter("tasks_stopped").wait(cluster="boto", tasks=[task["taskArn"]], WaiterConfig=FAST)
    done = ecs.describe_tasks(cluster="boto", tasks=[task["taskArn"]])["tasks"][0]
    assert done["startedAt"] and done["containers"][0]["exitCode"] == 0
    assert done["stopCode"] == "EssentialContainerExited"
    assert ecs.list_tasks(cluster="boto", family="batch")["taskArns"] == []

    # Errors raise the named exception classes.
    with pytest.raises(ecs.exceptions.ClusterNotFoundException):
        ecs.describe_services(cluster="nope", services=["web"])
    with pytest.raises(ecs.exceptions.ServiceNotFoundException):
        ecs.update_service(cluster="boto", service="nope", desiredCount=1)
    with pytest.raises(ecs.exceptions.ClientException):
        ecs.describe_task_definition(taskDefinition="nope:1")
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.create_service(cluster="boto", serviceName="lb", taskDefinition="hello", loadBalancers=[])

    # delete-service: DRAINING, then INACTIVE, and still describable for the waiter.
    assert ecs.delete_service(cluster="boto", service="web", force=True)["service"]["status"] == "DRAINING"
    ecs.get_waiter("services_inactive").wait(cluster="boto", services=["web"], WaiterConfig=FAST)
    with pytest.raises(ecs.exceptions.ServiceNotActiveException):
        ecs.update_service(cluster="boto", service="web", desiredCount=1)


@pytest.mark.parametrize("how", ["--endpoint-url", "AWS_ENDPOINT_URL_ECS"])
def test_aws_cli_flow(lab, tmp_path, how):
    api = lab.aws_env["api"]
    if how == "--endpoint-url":
        env = aws_env(tmp_path)
        base = ["--endpoint-url", api, "ecs"]
    else:
        env = aws_env(tmp_path, **lab.aws_env["env"])
        base = ["ecs"]
    cluster = "cli-" + ("flag" if how.startswith("--") else "env")

    def ecs(*args: str) -> dict:
        return aws_json(env, *base, *args)

    def until(predicate, what: str, tries: int = 60):
        for _ in range(tries):
            if result := predicate():
                return result
        raise AssertionError(f"{what}: not reached after {tries} polls")

    assert ecs("create-cluster", "--cluster-name", cluster)["cluster"]["status"] == "ACTIVE"
    td = ecs("register-task-definition", "--family", "hello", "--container-definitions", json.dumps([HELLO]))
    assert td["taskDefinition"]["taskDefinitionArn"].startswith("arn:aws:ecs:us-east-1:123456789012:task-definition/hello:")
    created = ecs("create-service", "--cluster", cluster, "--service-name", "web",
                  "--task-definition", "hello", "--desired-count", "2")["service"]
    assert created["serviceArn"] == f"arn:aws:ecs:us-east-1:123456789012:service/{cluster}/web"
    assert isinstance(created["createdAt"], (int, float))  # epoch seconds, as awscli v1 prints them

    # The CLI's waiter polls every 15 s, so wait with describe first; the waiter then passes at once.
    def stable():
        s = ecs("describe-services", "--cluster", cluster, "--services", "web")["services"][0]
        return s["runningCount"] == s["desiredCount"] and len(s["deployments"]) == 1 and s
    until(stable, "2 running")
    aws(env, *base, "wait", "services-stable", "--cluster", cluster, "--services", "web")

    scaled = ecs("update-service", "--cluster", cluster, "--service", "web", "--desired-count", "3")["service"]
    assert scaled["desiredCount"] == 3
    described = until(lambda: (s := stable()) and s["runningCount"] == 3 and s, "3 running")
    assert described["desiredCount"] == 3
    arns = ecs("list-tasks", "--cluster", cluster, "--service-name", "web")["taskArns"]
    assert len(arns) == 3
    aws(env, *base, "wait", "tasks-running", "--cluster", cluster, "--tasks", *arns)

    task = ecs("stop-task", "--cluster", cluster, "--task", arns[0], "--reason", "practice")["task"]
    assert (task["desiredStatus"], task["stopCode"]) == ("STOPPED", "UserInitiated")
    until(lambda: ecs("describe-tasks", "--cluster", cluster, "--tasks", arns[0])["tasks"][0]["lastStatus"] == "STOPPED",
          "stopped")
    aws(env, *base, "wait", "tasks-stopped", "--cluster", cluster, "--tasks", arns[0])
    gone = ecs("describe-tasks", "--cluster", cluster, "--tasks", arns[0])["tasks"][0]
    assert (gone["stopCode"], gone["stoppedReason"]) == ("UserInitiated", "practice")
    until(lambda: (s := stable()) and s["runningCount"] == 3, "a replacement")

    run = ecs("run-task", "--cluster", cluster, "--task-definition", "batch")
    assert run["failures"] == [] and run["tasks"][0]["group"] == "family:batch"
    aws(env, *base, "wait", "tasks-stopped", "--cluster", cluster, "--tasks", run["tasks"][0]["taskArn"])

    missing = aws(env, *base, "describe-services", "--cluster", "nope", "--services", "web", check=False)
    assert missing.returncode == 255 and "(ClusterNotFoundException)" in missing.stderr
    refused = aws(env, *base, "create-service", "--cluster", cluster, "--service-name", "f",
                  "--task-definition", "hello", "--launch-type", "FARGATE", check=False)
    assert refused.returncode == 255 and "(InvalidParameterException)" in refused.stderr
    assert "not supported by the servicelab sandbox" in refused.stderr


def test_unsigned_requests_and_the_signed_region(lab, tmp_path):
    api = lab.aws_env["api"]
    unsigned = aws_json(aws_env(tmp_path, AWS_DEFAULT_REGION="eu-west-1"),
                        "--no-sign-request", "--endpoint-url", api, "ecs", "describe-clusters")
    assert unsigned["clusters"][0]["clusterArn"] == "arn:aws:ecs:us-east-1:123456789012:cluster/default"
    signed = aws_json(aws_env(tmp_path, AWS_DEFAULT_REGION="eu-west-1"), "--endpoint-url", api, "ecs", "describe-clusters")
    assert signed["clusters"][0]["clusterArn"] == "arn:aws:ecs:eu-west-1:123456789012:cluster/default"


def docker_volumes(sandbox: str) -> list[str]:
    out = subprocess.run(["docker", "volume", "ls", "-q", "--filter", f"label=servicelab.sandbox={sandbox}"],
                         capture_output=True, text=True, timeout=30).stdout
    return out.split()


def _cli(lab, tmp_path):
    env = aws_env(tmp_path, **lab.aws_env["env"])
    return env, lambda *args: aws_json(env, "ecs", *args)


def test_aws_documentation_task_definitions_register_run_and_describe_back(lab, tmp_path):
    """Task definitions written as AWS's examples are, registered verbatim with the AWS CLI, each
    run as a service on real Docker with what changes behaviour applied, and described back as registered."""
    env, ecs = _cli(lab, tmp_path)
    cluster = "docs"
    ecs("create-cluster", "--cluster-name", cluster)
    families = []
    for path in sorted(FIXTURES.glob("*.json")):
        body = json.loads(path.read_text())
        ecs("register-task-definition", "--cli-input-json", f"file://{path}")
        described = ecs("describe-task-definition", "--task-definition", body["family"], "--include", "TAGS")
        assert_contains({k: v for k, v in body.items() if k != "tags"}, described["taskDefinition"], path.stem)
        assert described["tags"] == body.get("tags", [])
        ecs("create-service", "--cluster", cluster, "--service-name", body["family"],
            "--task-definition", body["family"], "--desired-count", "1")
        families.append(body["family"])

    def running() -> dict | None:
        services = ecs("describe-services", "--cluster", cluster, "--services", *families)["services"]
        if not all(s["runningCount"] == 1 for s in services):
            return None
        arns = [a for f in families for a in ecs("list-tasks", "--cluster", cluster, "--service-name", f)["taskArns"]]
        tasks = ecs("describe-tasks", "--cluster", cluster, "--tasks", *arns)["tasks"]
        by_family = {t["group"].split(":", 1)[1]: t for t in tasks}
        return by_family if by_family["webserver"]["healthStatus"] == "HEALTHY" else None

    tasks = lab.wait(running, timeout=60, what="the three services running, the web server healthy")
    engine = docker.from_env()
    try:
        _check_webserver(tasks["webserver"])
        worker = engine.api.inspect_container(tasks["worker"]["containers"][0]["runtimeId"])
        assert (worker["Config"]["Entrypoint"], worker["Config"]["WorkingDir"]) == (["sh", "-c"], "/scratch")
        assert worker["Config"]["Labels"]["com.example.role"] == "worker"
        host = worker["HostConfig"]
        assert host["Ulimits"] == [{"Name": "nofile", "Soft": 1024, "Hard": 2048}] and host["Init"] is True
        assert (host["Memory"], host["MemoryReservation"]) == (128 << 20, 32 << 20)
        mounts = {m["Destination"]: m for m in worker["Mounts"]}
        assert mounts["/cache"]["Name"] == f"sl-{lab.name}-cache" and mounts["/scratch"]["Type"] == "volume"
        assert tasks["worker"]["availabilityZone"] in ("us-east-1a", "us-east-1b")  # the task definition's constraint
        api = engine.api.inspect_container(tasks["api"]["containers"][0]["runtimeId"])
        assert (api["HostConfig"]["NanoCpus"], api["HostConfig"]["Memory"]) == (250_000_000, 512 << 20)
        assert api["Config"]["User"] == "1000:1000"
    finally:
        engine.close()
    for family in families:
        ecs("delete-service", "--cluster", cluster, "--service", family, "--force")


def _check_webserver(task: dict) -> None:
    """Both port mappings published on 127.0.0.1, each answering with the page the command wrote."""
    bindings = task["containers"][0]["networkBindings"]
    assert sorted(b["containerPort"] for b in bindings) == [8080, 8443]
    for binding in bindings:
        assert binding["bindIP"] == "127.0.0.1" and binding["hostPort"] > 0
        page = requests.get(f"http://127.0.0.1:{binding['hostPort']}/", timeout=5).text
        assert "Hello from the sandbox" in page


def test_describe_edit_register_round_trip_with_the_aws_cli(lab, tmp_path):
    env, ecs = _cli(lab, tmp_path)
    first = ecs("register-task-definition", "--cli-input-json", f"file://{FIXTURES / 'webserver.json'}")
    revision = first["taskDefinition"]["revision"]
    described = ecs("describe-task-definition", "--task-definition", f"webserver:{revision}")["taskDefinition"]
    as_is = tmp_path / "as-is.json"
    as_is.write_text(json.dumps(described))
    # The CLI checks --cli-input-json against the request's shape itself: the read-only fields must go.
    refused = aws(env, "ecs", "register-task-definition", "--cli-input-json", f"file://{as_is}", check=False)
    assert refused.returncode != 0 and 'Unknown parameter in input: "taskDefinitionArn"' in refused.stderr
    # What people do: jq 'del(.taskDefinitionArn, .revision, .status, .requiresAttributes, .compatibilities,
    # .registeredAt, .registeredBy)', then edit.
    edited = {k: v for k, v in described.items() if k not in READ_ONLY}
    edited["containerDefinitions"][0]["environment"] = [{"name": "GREETING", "value": "Hello again"}]
    td_json = tmp_path / "td.json"
    td_json.write_text(json.dumps(edited, indent=2))
    again = ecs("register-task-definition", "--cli-input-json", f"file://{td_json}")["taskDefinition"]
    assert again["revision"] == revision + 1
    shown = ecs("describe-task-definition", "--task-definition", f"webserver:{again['revision']}")["taskDefinition"]
    assert {k: v for k, v in shown.items() if k not in READ_ONLY} == edited


def test_a_folder_of_the_sandbox_mounts_and_no_other_does(lab, tmp_path):
    env, ecs = _cli(lab, tmp_path)
    folder = lab.home.resolve() / "sandboxes" / lab.name / "shared"
    folder.mkdir(exist_ok=True)
    (folder / "hello.txt").write_text("from the sandbox's folder\n")

    def taskdef(path: str) -> list[str]:
        return ["--family", "reader", "--volumes", json.dumps([{"name": "data", "host": {"sourcePath": path}}]),
                "--container-definitions", json.dumps([{
                    "name": "reader", "image": "servicelab/demo-task", "memory": 16, "entryPoint": ["cat"],
                    "command": ["/data/hello.txt"], "mountPoints": [{"sourceVolume": "data", "containerPath": "/data",
                                                                       "readOnly": True}]}])]

    refused = aws(env, "ecs", "register-task-definition", *taskdef("/etc"), check=False)
    assert refused.returncode != 0 and "may mount only folders under" in refused.stderr
    ecs("register-task-definition", *taskdef(str(folder)))
    task = ecs("run-task", "--task-definition", "reader")["tasks"][0]["taskArn"]
    aws(env, "ecs", "wait", "tasks-stopped", "--tasks", task)
    done = ecs("describe-tasks", "--tasks", task)["tasks"][0]
    assert done["containers"][0]["exitCode"] == 0, done
    assert "from the sandbox's folder" in lab.run("task", "logs", task.rsplit("/", 1)[1]).stdout
