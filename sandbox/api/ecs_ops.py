"""The ECS operations the sandbox answers, in ECS's request and response shapes.

Each handler takes the sandbox, the request's JSON body and the ARN builder for the caller's
region, and returns the response body. Errors are raised as sandbox.core.errors exceptions, which
the server turns into ECS's `{"__type", "message"}` 400 responses.

Each operation declares what it supports as an `ecs_model.Spec`: `check` refuses any other
member the ECS model knows, and values the sandbox does not behave by, before a handler runs.
"""

from __future__ import annotations

import base64
import re
import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable

from sandbox.core import errors
from ..actions import Sandbox
from sandbox.core.model import RUNNING, DeploymentConfiguration, TaskDefinition
from sandbox.taskdefs.taskdef_file import TaskDefinitionFileError, _Where, parse_one
from . import ecs_model, shapes
from .ecs_model import Only, Spec
from .shapes import Arns

Handler = Callable[[Sandbox, dict[str, Any], Arns], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}
SUPPORTED: dict[str, dict[str, Spec]] = {}


def operation(name: str, spec: dict[str, Spec]):
    def register(fn: Handler) -> Handler:
        OPERATIONS[name] = fn
        SUPPORTED[name] = spec
        return fn

    return register


def check(op: str, body: dict[str, Any]) -> None:
    """Refuse what ECS would refuse, and what the sandbox would otherwise have to ignore."""
    ecs_model.check_request(op, body, SUPPORTED[op])


# Values the sandbox behaves by; anything else is refused with the reason.
EC2 = Only("EC2", why="tasks run on the local Docker engine, as on an EC2 container instance; "
                      "use launchType EC2 or leave it out (Fargate needs awsvpc networking, which the sandbox lacks)")
DEPLOYMENT_CONFIGURATION: dict[str, Spec] = {
    "maximumPercent": True,
    "minimumHealthyPercent": True,
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
    "strategy": True,
    "bakeTimeInMinutes": True,
    "canaryConfiguration": {"canaryPercent": True, "canaryBakeTimeInMinutes": True},
    "linearConfiguration": {"stepPercent": True, "stepBakeTimeInMinutes": True},
}
REBALANCING = {"ENABLED": True, "DISABLED": False}


def _deployment_configuration(body: dict[str, Any], current: DeploymentConfiguration) -> DeploymentConfiguration | None:
    """The request's deploymentConfiguration over the current one: members left out stay as they are."""
    given = body.get("deploymentConfiguration")
    if given is None:
        return None
    breaker = given.get("deploymentCircuitBreaker", {})
    canary = given.get("canaryConfiguration", {})
    linear = given.get("linearConfiguration", {})
    # One bake time in the sandbox: a step's own wins over the deployment's.
    bake = canary.get("canaryBakeTimeInMinutes", linear.get("stepBakeTimeInMinutes", given.get("bakeTimeInMinutes")))
    return DeploymentConfiguration(
        minimum_healthy_percent=given.get("minimumHealthyPercent", current.minimum_healthy_percent),
        maximum_percent=given.get("maximumPercent", current.maximum_percent),
        circuit_breaker_enable=breaker.get("enable", current.circuit_breaker_enable),
        circuit_breaker_rollback=breaker.get("rollback", current.circuit_breaker_rollback),
        strategy=given.get("strategy", current.strategy),
        canary_percent=canary.get("canaryPercent", current.canary_percent),
        linear_step_percent=linear.get("stepPercent", current.linear_step_percent),
        bake_seconds=current.bake_seconds if bake is None else int(bake * 60),
    )


def _rebalancing(body: dict[str, Any]) -> bool | None:
    value = body.get("availabilityZoneRebalancing")
    return None if value is None else REBALANCING[value]


def _name(ref: str) -> str:
    """A short name from a name or an ARN (`…:service/cluster/name` or `…:cluster/name`)."""
    return ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref


def _td_ref(ref: str) -> str:
    return ref.split("task-definition/", 1)[1] if ref.startswith("arn:") else ref


def _cluster(body: dict[str, Any]) -> str:
    return _name(body.get("cluster") or "default")


def _listed(key: str, items: list[str], body: dict[str, Any], default_max: int) -> dict[str, Any]:
    """One page of `items`; the nextToken is an opaque offset, which is all the clients need."""
    max_results = body.get("maxResults", default_max)
    if not 1 <= max_results <= 100:
        raise errors.InvalidParameterException("maxResults must be from 1 to 100")
    start = 0
    if body.get("nextToken"):
        try:
            start = int(base64.urlsafe_b64decode(body["nextToken"].encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise errors.InvalidParameterException("nextToken is not one this sandbox issued") from None
    out: dict[str, Any] = {key: items[start : start + max_results]}
    if start + max_results < len(items):
        out["nextToken"] = base64.urlsafe_b64encode(str(start + max_results).encode()).decode()
    return out


def _at_most(body: dict[str, Any], key: str, limit: int) -> list[str]:
    refs = body.get(key) or []
    if len(refs) > limit:
        raise errors.InvalidParameterException(f"{key} can name at most {limit}, got {len(refs)}")
    return refs


class _Tokens:
    """clientToken → what the first request made, per sandbox, so a retried request makes nothing twice."""

    KEPT = 1000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_sandbox: weakref.WeakKeyDictionary[Sandbox, OrderedDict] = weakref.WeakKeyDictionary()

    def get(self, sb: Sandbox, key: tuple) -> Any:
        with self.lock:
            return self.by_sandbox.get(sb, {}).get(key)

    def put(self, sb: Sandbox, key: tuple, value: Any) -> None:
        with self.lock:
            seen = self.by_sandbox.setdefault(sb, OrderedDict())
            seen[key] = value
            while len(seen) > self.KEPT:
                seen.popitem(last=False)


TOKENS = _Tokens()


def task_shape(sb: Sandbox, task, arns: Arns) -> dict[str, Any]:
    return shapes.task(task, arns, sb.store.task_definition(task.task_definition), extras=False)


# -- clusters ---------------------------------------------------------------------------------
@operation("CreateCluster", {
    "clusterName": True,
    "settings": Only([{"name": "containerInsights", "value": "disabled"}],
                     why="the sandbox has no CloudWatch; containerInsights stays disabled"),
})
def create_cluster(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    c = sb.create_cluster(body.get("clusterName") or "default")
    return {"cluster": shapes.cluster(c, list(sb.store.services.values()), list(sb.store.tasks.values()), arns)}


@operation("ListClusters", {"maxResults": True, "nextToken": True})
def list_clusters(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    with sb.store.lock:
        names = sorted(n for n, c in sb.store.clusters.items() if c.status == "ACTIVE")
    return _listed("clusterArns", [arns.cluster(n) for n in names], body, 100)


@operation("DescribeClusters", {"clusters": True, "include": True})
def describe_clusters(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    found, failures = [], []
    refs = _at_most(body, "clusters", 100) or ["default"]
    with sb.store.lock:
        services, tasks = list(sb.store.services.values()), list(sb.store.tasks.values())
        for ref in refs:
            c = sb.store.clusters.get(_name(ref))
            if c is None:
                failures.append({"arn": arns.cluster(_name(ref)), "reason": "MISSING"})
            else:
                found.append(shapes.cluster(c, services, tasks, arns))
    return {"clusters": found, "failures": failures}


@operation("DeleteCluster", {"cluster": True})
def delete_cluster(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    c = sb.delete_cluster(_cluster(body))
    return {"cluster": shapes.cluster(c, [], [], arns)}


# -- task definitions -------------------------------------------------------------------------
ONE_CONTAINER = "a sandbox task has exactly one container, and it is essential"
CONTAINER: dict[str, Spec] = {
    "name": True, "image": True, "cpu": True, "memory": True, "memoryReservation": True,
    "essential": Only(True, why=ONE_CONTAINER),
    "command": True,
    "environment": {"name": True, "value": True},
    "portMappings": {
        "containerPort": True,
        "hostPort": Only(0, why="the port is published on a free port of 127.0.0.1, as hostPort 0 does in "
                                "bridge mode; the task's networkBindings say which"),
        "protocol": Only("tcp", why="only TCP ports are published"),
    },
    "healthCheck": {"command": True, "interval": True, "timeout": True, "retries": True, "startPeriod": True},
    # describe-task-definition echoes these as empty lists; taking them back keeps round trips working.
    "mountPoints": Only([], why="the sandbox has no volumes"),
    "volumesFrom": Only([], why="the sandbox has no volumes"),
}


SIZE = re.compile(r"^\s*(\d{1,6}(?:\.\d{1,3})?)\s*([A-Za-z]*)\s*$")  # bounded: 400 digits overflow a float


def _size(value: str, unit: str, field: str) -> int:
    """ECS's task-level sizes are strings: '512', or '1 vCPU' / '1 GB' (1024 units each)."""
    match = SIZE.match(value)
    if not match or match.group(2).lower() not in ("", unit.lower()):
        raise errors.InvalidParameterException(f"{field} {value!r} is not a size: use e.g. '512' or '1 {unit}'")
    return int(float(match.group(1)) * (1024 if match.group(2) else 1))


def taskdef_from_request(body: dict[str, Any]) -> TaskDefinition:
    """The request as the sandbox's task definition, checked by the same rules as YAML files."""
    containers = body["containerDefinitions"]
    if len(containers) != 1:
        raise errors.InvalidParameterException(f"containerDefinitions: {ONE_CONTAINER}; got {len(containers)}")
    c = containers[0]
    for field in ("name", "image"):
        if not c.get(field):
            raise errors.ClientException(f"Container.{field} should not be null or empty.")
    if c["name"] != body["family"]:
        raise errors.InvalidParameterException(
            f"containerDefinitions[0].name {c['name']!r}: the sandbox names a task's one container after its "
            f"family; use {body['family']!r}"
        )
    memory = c.get("memory") or c.get("memoryReservation")
    if not memory and body.get("memory"):
        memory = _size(body["memory"], "GB", "memory")
    if not memory:
        raise errors.ClientException(
            f"Invalid setting for container '{c['name']}'. At least one of 'memory' or 'memoryReservation' must be specified."
        )
    data: dict[str, Any] = {
        "family": body["family"],
        "image": c["image"],
        "command": c.get("command", []),
        "environment": {e.get("name", ""): e.get("value", "") for e in c.get("environment", [])},
        "memory": memory,
    }
    # cpu 0 (what ECS echoes when none was given) means no reservation: the sandbox's default.
    cpu = c.get("cpu") or (_size(body["cpu"], "vCPU", "cpu") if body.get("cpu") else None)
    if cpu:
        data["cpu"] = cpu
    ports = c.get("portMappings", [])
    if len(ports) > 1:
        raise errors.InvalidParameterException("portMappings: the sandbox publishes one port per container")
    if ports:
        data["containerPort"] = ports[0].get("containerPort")
    if "healthCheck" in c:
        data["healthCheck"] = c["healthCheck"]
    if "networkMode" in body:
        data["networkMode"] = body["networkMode"]
    try:
        td, _ = parse_one(data, _Where("RegisterTaskDefinition containerDefinitions[0]", None))
    except TaskDefinitionFileError as exc:
        raise errors.InvalidParameterException(str(exc)) from None
    return td


@operation("RegisterTaskDefinition", {
    "family": True,
    "containerDefinitions": CONTAINER,
    "networkMode": True,  # the task definition rules say which modes the sandbox has
    "cpu": True,
    "memory": True,
    "requiresCompatibilities": Only(["EC2"], why=EC2.why),
    "volumes": Only([], why="the sandbox has no volumes"),
})
def register_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = sb.register_task_definition(taskdef_from_request(body))
    return {"taskDefinition": shapes.task_definition(td, arns)}


@operation("DescribeTaskDefinition", {"taskDefinition": True, "include": True})
def describe_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = sb.store.task_definition(_td_ref(body["taskDefinition"]))
    if td is None:
        raise errors.ClientException("Unable to describe task definition.")
    return {"taskDefinition": shapes.task_definition(td, arns), "tags": []}


@operation("ListTaskDefinitions", {"familyPrefix": True, "status": True, "sort": True, "maxResults": True, "nextToken": True})
def list_task_definitions(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    status = body.get("status", "ACTIVE")
    prefix = body.get("familyPrefix", "")
    with sb.store.lock:
        refs = [
            td.ref for family in sorted(sb.store.task_definitions)
            for td in sb.store.task_definitions[family]
            if family.startswith(prefix) and td.status == status
        ]
    if body.get("sort") == "DESC":
        refs.reverse()
    return _listed("taskDefinitionArns", [arns.task_definition(r) for r in refs], body, 100)


@operation("DeregisterTaskDefinition", {"taskDefinition": True})
def deregister_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = sb.deregister_task_definition(_td_ref(body["taskDefinition"]))
    return {"taskDefinition": shapes.task_definition(td, arns)}


# -- services ---------------------------------------------------------------------------------
def service_shape(sb: Sandbox, service, arns: Arns) -> dict[str, Any]:
    return shapes.service(service, sb.store.tasks_of(service.cluster, service.name), arns)


@operation("CreateService", {
    "cluster": True, "serviceName": True, "taskDefinition": True, "desiredCount": True,
    "clientToken": True,
    "launchType": EC2,
    "schedulingStrategy": True,
    "deploymentController": {"type": Only("ECS", why="the sandbox does ECS rolling deployments only")},
    "deploymentConfiguration": DEPLOYMENT_CONFIGURATION,
    "placementStrategy": {"type": True, "field": True},
    "placementConstraints": {"type": True, "expression": True},
    "availabilityZoneRebalancing": True,
    "healthCheckGracePeriodSeconds": True,
    "propagateTags": Only("NONE", why="the sandbox keeps no tags"),
    "enableECSManagedTags": Only(False, why="the sandbox keeps no tags"),
    "enableExecuteCommand": Only(False, why="use `servicelab task exec ID -- sh` for a shell in a task"),
})
def create_service(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    if "taskDefinition" not in body:
        raise errors.InvalidParameterException("taskDefinition is required: the sandbox's services run a task definition")
    token = ("CreateService", cluster, body["clientToken"]) if body.get("clientToken") else None
    earlier = token and TOKENS.get(sb, token)
    s = sb.store.service(cluster, earlier) if earlier else None
    if s is None:
        s = sb.create_service(
            cluster, body["serviceName"], _td_ref(body["taskDefinition"]), body.get("desiredCount", 1),
            deployment=_deployment_configuration(body, DeploymentConfiguration()),
            placement_strategy=body.get("placementStrategy"),
            placement_constraints=body.get("placementConstraints"),
            az_rebalancing=bool(_rebalancing(body)),
            scheduling_strategy=body.get("schedulingStrategy", "REPLICA"),
            health_check_grace_seconds=body.get("healthCheckGracePeriodSeconds", 0),
        )
        if token:
            TOKENS.put(sb, token, s.name)
    with sb.store.lock:
        return {"service": service_shape(sb, s, arns)}


@operation("UpdateService", {
    "cluster": True, "service": True, "desiredCount": True, "taskDefinition": True,
    "forceNewDeployment": True,
    "deploymentConfiguration": DEPLOYMENT_CONFIGURATION,
    "availabilityZoneRebalancing": True,
    "healthCheckGracePeriodSeconds": True,
})
def update_service(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster, name = _cluster(body), _name(body["service"])
    current = sb.service(cluster, name).deployment_configuration
    s = sb.update_service(
        cluster, name, body.get("desiredCount"),
        _td_ref(body["taskDefinition"]) if body.get("taskDefinition") else None,
        force_new_deployment=bool(body.get("forceNewDeployment")),
        deployment=_deployment_configuration(body, current),
        az_rebalancing=_rebalancing(body),
        health_check_grace_seconds=body.get("healthCheckGracePeriodSeconds"),
    )
    with sb.store.lock:
        return {"service": service_shape(sb, s, arns)}


@operation("DescribeServices", {"cluster": True, "services": True, "include": True})
def describe_services(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    refs = _at_most(body, "services", 10)
    if not refs:
        raise errors.InvalidParameterException("services must name 1 to 10 services")
    found, failures = [], []
    with sb.store.lock:
        for ref in refs:
            s = sb.store.service(cluster, _name(ref))
            if s is None:
                # ECS names a missing service by the ARN given, or by the short legacy form (as moto does too).
                arn = ref if ref.startswith("arn:") else f"arn:aws:ecs:{arns.region}:{shapes.ACCOUNT}:service/{ref}"
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(service_shape(sb, s, arns))
    return {"services": found, "failures": failures}


@operation("ListServices", {"cluster": True, "maxResults": True, "nextToken": True, "launchType": True, "schedulingStrategy": True})
def list_services(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    # Every sandbox service runs on the EC2 launch type, so that filter keeps all or nothing.
    ec2 = body.get("launchType", "EC2") == "EC2"
    strategy = body.get("schedulingStrategy")
    with sb.store.lock:
        names = sorted(
            s.name for s in sb.store.services.values()
            if ec2 and s.cluster == cluster and s.status == "ACTIVE"
            and (strategy is None or s.scheduling_strategy == strategy)
        )
    return _listed("serviceArns", [arns.service(cluster, n) for n in names], body, 10)


@operation("DeleteService", {"cluster": True, "service": True, "force": True})
def delete_service(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    s = sb.delete_service(_cluster(body), _name(body["service"]), bool(body.get("force")))
    with sb.store.lock:
        return {"service": service_shape(sb, s, arns)}


# -- tasks ------------------------------------------------------------------------------------
@operation("RunTask", {
    "cluster": True, "taskDefinition": True, "count": True,
    "clientToken": True,  # botocore fills it in on every call
    "launchType": EC2,
    "enableECSManagedTags": Only(False, why="the sandbox keeps no tags"),
    "enableExecuteCommand": Only(False, why="use `servicelab task exec ID -- sh` for a shell in a task"),
})
def run_task(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    token = ("RunTask", cluster, body["clientToken"]) if body.get("clientToken") else None
    earlier = token and TOKENS.get(sb, token)
    failures: list[dict[str, str]] = []
    if earlier:
        with sb.store.lock:
            tasks = [sb.store.tasks[i] for i in earlier if i in sb.store.tasks]
    else:
        tasks, failures = sb.run_tasks(cluster, _td_ref(body["taskDefinition"]), body.get("count", 1))
        if token:
            TOKENS.put(sb, token, [t.task_id for t in tasks])
    for failure in failures:
        failure["arn"] = arns.task_definition(failure["arn"])
    with sb.store.lock:
        return {"tasks": [task_shape(sb, t, arns) for t in tasks], "failures": failures}


@operation("StopTask", {"cluster": True, "task": True, "reason": True})
def stop_task(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    t = sb.stop_task(_cluster(body), body["task"], body.get("reason"))
    with sb.store.lock:
        return {"task": task_shape(sb, t, arns)}


@operation("ListTasks", {
    "cluster": True, "serviceName": True, "family": True, "desiredStatus": True, "startedBy": True,
    "maxResults": True, "nextToken": True, "launchType": True,
})
def list_tasks(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    desired = body.get("desiredStatus", RUNNING)
    service = _name(body["serviceName"]) if body.get("serviceName") else None
    if service is not None:
        sb.service(cluster, service)
    family = body.get("family")
    with sb.store.lock:
        tasks = sorted(
            (t for t in sb.store.tasks.values()
             if t.cluster == cluster and t.desired_status == desired
             and (service is None or t.service == service)
             and (not family or t.task_definition.split(":")[0] == family)
             and body.get("launchType", "EC2") == "EC2"),
            key=lambda t: t.created_at,
        )
        if body.get("startedBy"):
            tasks = [t for t in tasks if shapes.started_by(t) == body["startedBy"]]
    return _listed("taskArns", [arns.task(cluster, t.task_id) for t in tasks], body, 100)


@operation("DescribeTasks", {"cluster": True, "tasks": True, "include": True})
def describe_tasks(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    refs = _at_most(body, "tasks", 100)
    if not refs:
        raise errors.InvalidParameterException("Tasks cannot be empty.")
    found, failures = [], []
    with sb.store.lock:
        for ref in refs:
            task_id = ref.rsplit("/", 1)[-1]
            t = sb.store.tasks.get(task_id)
            if t is None or t.cluster != cluster:
                failures.append({"arn": arns.task(cluster, task_id), "reason": "MISSING"})
            else:
                found.append(task_shape(sb, t, arns))
    return {"tasks": found, "failures": failures}
