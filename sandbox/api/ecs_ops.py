"""The ECS operations the sandbox answers, in ECS's request and response shapes.

Each handler takes the sandbox, the request's JSON body and the ARN builder for the caller's
region, and returns the response body. Errors are raised as sandbox.errors exceptions, which
the server turns into ECS's `{"__type", "message"}` 400 responses.
"""

from __future__ import annotations

import base64
from typing import Any, Callable

from .. import errors
from ..actions import Sandbox
from ..model import RUNNING, STOPPED, HealthCheck, TaskDefinition
from . import shapes
from .shapes import Arns

Handler = Callable[[Sandbox, dict[str, Any], Arns], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}
SUPPORTED_PARAMS: dict[str, set[str]] = {}


def operation(name: str, params: set[str]):
    def register(fn: Handler) -> Handler:
        OPERATIONS[name] = fn
        SUPPORTED_PARAMS[name] = params
        return fn

    return register


def check_params(op: str, body: dict[str, Any]) -> None:
    """An unsupported parameter is refused clearly, never silently ignored."""
    unsupported = sorted(set(body) - SUPPORTED_PARAMS[op])
    if unsupported:
        raise errors.InvalidParameterException(
            f"{op}: parameter {unsupported[0]!r} is not supported by the servicelab sandbox; "
            f"supported: {', '.join(sorted(SUPPORTED_PARAMS[op])) or 'none'}"
        )


def _name(ref: str) -> str:
    """A short name from a name or an ARN (`…:service/cluster/name` or `…:cluster/name`)."""
    return ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref


def _td_ref(ref: str) -> str:
    return ref.split("task-definition/", 1)[1] if ref.startswith("arn:") else ref


def _cluster(body: dict[str, Any]) -> str:
    return _name(body.get("cluster") or "default")


def _page(items: list[str], body: dict[str, Any], default_max: int) -> dict[str, Any]:
    max_results = body.get("maxResults", default_max)
    if not isinstance(max_results, int) or not 1 <= max_results <= 100:
        raise errors.InvalidParameterException("maxResults must be from 1 to 100")
    start = 0
    if body.get("nextToken"):
        try:
            start = int(base64.urlsafe_b64decode(body["nextToken"].encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise errors.InvalidParameterException("nextToken is not one this sandbox issued") from None
    page = items[start : start + max_results]
    result: dict[str, Any] = {"items": page}
    if start + max_results < len(items):
        result["nextToken"] = base64.urlsafe_b64encode(str(start + max_results).encode()).decode()
    return result


def _listed(key: str, items: list[str], body: dict[str, Any], default_max: int) -> dict[str, Any]:
    page = _page(items, body, default_max)
    out: dict[str, Any] = {key: page["items"]}
    if "nextToken" in page:
        out["nextToken"] = page["nextToken"]
    return out


def task_shape(sb: Sandbox, task, arns: Arns) -> dict[str, Any]:
    return shapes.task(task, arns, sb.store.task_definition(task.task_definition), extras=False)


# -- clusters ---------------------------------------------------------------------------------
@operation("CreateCluster", {"clusterName", "tags", "settings"})
def create_cluster(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    c = sb.create_cluster(body.get("clusterName") or "default")
    return {"cluster": shapes.cluster(c, list(sb.store.services.values()), list(sb.store.tasks.values()), arns)}


@operation("ListClusters", {"maxResults", "nextToken"})
def list_clusters(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    with sb.store.lock:
        names = sorted(n for n, c in sb.store.clusters.items() if c.status == "ACTIVE")
    return _listed("clusterArns", [arns.cluster(n) for n in names], body, 100)


@operation("DescribeClusters", {"clusters", "include"})
def describe_clusters(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    found, failures = [], []
    with sb.store.lock:
        services, tasks = list(sb.store.services.values()), list(sb.store.tasks.values())
        for ref in body.get("clusters") or ["default"]:
            c = sb.store.clusters.get(_name(ref))
            if c is None:
                failures.append({"arn": arns.cluster(_name(ref)), "reason": "MISSING"})
            else:
                found.append(shapes.cluster(c, services, tasks, arns))
    return {"clusters": found, "failures": failures}


@operation("DeleteCluster", {"cluster"})
def delete_cluster(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    c = sb.delete_cluster(_cluster(body))
    return {"cluster": shapes.cluster(c, [], [], arns)}


# -- task definitions -------------------------------------------------------------------------
def taskdef_from_request(body: dict[str, Any]) -> TaskDefinition:
    containers = body.get("containerDefinitions") or []
    if len(containers) != 1:
        raise errors.InvalidParameterException(
            "containerDefinitions: the sandbox runs exactly one (essential) container per task; got "
            f"{len(containers)}"
        )
    c = containers[0]
    if not c.get("image"):
        raise errors.ClientException("Container.image should not be null or empty.")
    memory = c.get("memory") or c.get("memoryReservation") or body.get("memory")
    if not memory:
        raise errors.ClientException(
            f"Invalid setting for container '{c.get('name', '')}'. At least one of 'memory' or 'memoryReservation' must be specified."
        )
    ports = c.get("portMappings") or []
    hc = c.get("healthCheck")
    return TaskDefinition(
        family=body["family"],
        revision=0,
        image=c["image"],
        command=tuple(c.get("command") or ()),
        environment=tuple((e["name"], e["value"]) for e in c.get("environment") or ()),
        cpu=int(c.get("cpu") or body.get("cpu") or 128),
        memory=int(memory),
        container_port=ports[0]["containerPort"] if ports else None,
        health_check=HealthCheck.from_dict(hc) if hc else None,
    )


@operation("RegisterTaskDefinition", {
    "family", "containerDefinitions", "networkMode", "cpu", "memory", "requiresCompatibilities",
    "tags", "taskRoleArn", "executionRoleArn", "volumes",
})
def register_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    if body.get("networkMode", "bridge") != "bridge":
        raise errors.InvalidParameterException(
            f"networkMode {body['networkMode']!r} is not supported by the sandbox yet; use bridge"
        )
    td = sb.register_task_definition(taskdef_from_request(body))
    return {"taskDefinition": shapes.task_definition(td, arns), "tags": body.get("tags", [])}


@operation("DescribeTaskDefinition", {"taskDefinition", "include"})
def describe_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = sb.store.task_definition(_td_ref(body["taskDefinition"]))
    if td is None:
        raise errors.ClientException("Unable to describe task definition.")
    return {"taskDefinition": shapes.task_definition(td, arns), "tags": []}


@operation("ListTaskDefinitions", {"familyPrefix", "status", "sort", "maxResults", "nextToken"})
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


@operation("DeregisterTaskDefinition", {"taskDefinition"})
def deregister_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = sb.deregister_task_definition(_td_ref(body["taskDefinition"]))
    return {"taskDefinition": shapes.task_definition(td, arns)}


# -- services ---------------------------------------------------------------------------------
def service_shape(sb: Sandbox, service, arns: Arns) -> dict[str, Any]:
    return shapes.service(service, sb.store.tasks_of(service.cluster, service.name), arns)


@operation("CreateService", {
    "cluster", "serviceName", "taskDefinition", "desiredCount", "launchType", "schedulingStrategy",
    "deploymentConfiguration", "tags", "clientToken", "propagateTags", "enableECSManagedTags",
})
def create_service(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    if body.get("schedulingStrategy", "REPLICA") != "REPLICA":
        raise errors.InvalidParameterException("schedulingStrategy DAEMON is not supported by the sandbox yet")
    if "taskDefinition" not in body:
        raise errors.InvalidParameterException("taskDefinition is required by the sandbox")
    s = sb.create_service(
        _cluster(body), body["serviceName"], _td_ref(body["taskDefinition"]), body.get("desiredCount", 1)
    )
    with sb.store.lock:
        return {"service": service_shape(sb, s, arns)}


@operation("UpdateService", {
    "cluster", "service", "desiredCount", "taskDefinition", "forceNewDeployment", "deploymentConfiguration",
})
def update_service(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = _td_ref(body["taskDefinition"]) if body.get("taskDefinition") else None
    s = sb.update_service(_cluster(body), _name(body["service"]), body.get("desiredCount"), td)
    with sb.store.lock:
        return {"service": service_shape(sb, s, arns)}


@operation("DescribeServices", {"cluster", "services", "include"})
def describe_services(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    refs = body.get("services") or []
    if not refs or len(refs) > 10:
        raise errors.InvalidParameterException("services must name 1 to 10 services")
    found, failures = [], []
    with sb.store.lock:
        for ref in refs:
            s = sb.store.service(cluster, _name(ref))
            if s is None:
                failures.append({"arn": arns.service(cluster, _name(ref)), "reason": "MISSING"})
            else:
                found.append(service_shape(sb, s, arns))
    return {"services": found, "failures": failures}


@operation("ListServices", {"cluster", "maxResults", "nextToken", "launchType", "schedulingStrategy"})
def list_services(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    with sb.store.lock:
        names = sorted(s.name for s in sb.store.services.values() if s.cluster == cluster and s.status == "ACTIVE")
    return _listed("serviceArns", [arns.service(cluster, n) for n in names], body, 10)


@operation("DeleteService", {"cluster", "service", "force"})
def delete_service(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    s = sb.delete_service(_cluster(body), _name(body["service"]), bool(body.get("force")))
    with sb.store.lock:
        return {"service": service_shape(sb, s, arns)}


# -- tasks ------------------------------------------------------------------------------------
@operation("RunTask", {"cluster", "taskDefinition", "count", "startedBy", "launchType", "tags", "clientToken"})
def run_task(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    tasks = sb.run_task(_cluster(body), _td_ref(body["taskDefinition"]), body.get("count", 1), body.get("startedBy"))
    with sb.store.lock:
        return {"tasks": [task_shape(sb, t, arns) for t in tasks], "failures": []}


@operation("StopTask", {"cluster", "task", "reason"})
def stop_task(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    t = sb.stop_task(_cluster(body), body["task"], body.get("reason"))
    with sb.store.lock:
        return {"task": task_shape(sb, t, arns)}


@operation("ListTasks", {
    "cluster", "serviceName", "family", "desiredStatus", "startedBy", "maxResults", "nextToken", "launchType",
})
def list_tasks(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    desired = body.get("desiredStatus", RUNNING)
    if desired not in (RUNNING, STOPPED, "PENDING"):
        raise errors.InvalidParameterException("desiredStatus must be RUNNING, PENDING or STOPPED")
    service = _name(body["serviceName"]) if body.get("serviceName") else None
    if service is not None:
        sb.service(cluster, service)
    with sb.store.lock:
        tasks = sorted(
            (t for t in sb.store.tasks.values()
             if t.cluster == cluster and t.desired_status == desired
             and (service is None or t.service == service)
             and (not body.get("family") or t.task_definition.split(":")[0] == body["family"])),
            key=lambda t: t.created_at,
        )
    return _listed("taskArns", [arns.task(cluster, t.task_id) for t in tasks], body, 100)


@operation("DescribeTasks", {"cluster", "tasks", "include"})
def describe_tasks(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    refs = body.get("tasks") or []
    if not refs:
        raise errors.InvalidParameterException("Tasks cannot be empty.")
    if len(refs) > 100:
        raise errors.InvalidParameterException("tasks can name at most 100 tasks")
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
