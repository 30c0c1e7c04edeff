"""The ECS operations the sandbox answers, in ECS's request and response shapes.

Each handler takes the sandbox, the request's JSON body and the ARN builder for the caller's
region, and returns the response body. Errors are raised as sandbox.core.errors exceptions, which
the server turns into ECS's `{"__type", "message"}` 400 responses.

Each operation declares what it supports as an `ecs_model.Spec`: `check` refuses any other
member the ECS model knows, and values the sandbox does not behave by, before a handler runs.
RegisterTaskDefinition takes every member; sandbox.taskdefs.ecs_json says what each one does.
"""

from __future__ import annotations

import base64
import re
import threading
import weakref
from collections import OrderedDict
from typing import Any, Callable

from sandbox.core import errors
from sandbox.core import tags as tag_rules
from ..actions import Sandbox
from sandbox.core.model import RUNNING, DeploymentConfiguration, TaskDefinition
from sandbox.scheduler.placement import PlacementError
from sandbox.scheduler.placement.expression import parse_expression
from sandbox.taskdefs import ecs_json
from . import ecs_model, shapes
from .ecs_model import Only, Spec
from .shapes import Arns

Handler = Callable[[Sandbox, dict[str, Any], Arns], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}
SUPPORTED: dict[str, Spec] = {}


def operation(name: str, spec: Spec):
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


def cluster_shape(sb: Sandbox, c, arns: Arns) -> dict[str, Any]:
    with sb.store.lock:
        return shapes.cluster(c, list(sb.store.services.values()), list(sb.store.tasks.values()), arns,
                              sb.store.instances_of(c.name))


# -- clusters ---------------------------------------------------------------------------------
@operation("CreateCluster", {
    "clusterName": True,
    "tags": {"key": True, "value": True},
    "settings": Only([{"name": "containerInsights", "value": "disabled"}],
                     why="the sandbox has no CloudWatch; containerInsights stays disabled"),
})
def create_cluster(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    c = sb.create_cluster(body.get("clusterName") or "default", tags=_tags_given(body))
    return {"cluster": cluster_shape(sb, c, arns)}


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
                found.append(shapes.cluster(c, services, tasks, arns, sb.store.instances_of(c.name),
                                            with_tags="TAGS" in (body.get("include") or [])))
    return {"clusters": found, "failures": failures}


@operation("DeleteCluster", {"cluster": True})
def delete_cluster(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    c = sb.delete_cluster(_cluster(body))
    return {"cluster": shapes.cluster(c, [], [], arns, [])}


# -- task definitions -------------------------------------------------------------------------
def taskdef_from_request(body: dict[str, Any]) -> TaskDefinition:
    """The request as the sandbox's task definition, checked by the same rules as YAML files."""
    return ecs_json.from_request(body)


def _tags_given(body: dict[str, Any]) -> list[dict[str, str]]:
    return tag_rules.check(body.get("tags") or [])


@operation("RegisterTaskDefinition", True)  # every member ECS defines; ecs_json says what each does
def register_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    _tags_given(body)
    td = sb.register_task_definition(taskdef_from_request(body))
    return {"taskDefinition": shapes.task_definition(td, arns), "tags": shapes.tag_list(td.tags)}


@operation("DescribeTaskDefinition", {"taskDefinition": True, "include": True})
def describe_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = sb.store.task_definition(_td_ref(body["taskDefinition"]))
    if td is None:
        raise errors.ClientException("Unable to describe task definition.")
    out: dict[str, Any] = {"taskDefinition": shapes.task_definition(td, arns)}
    if "TAGS" in (body.get("include") or []):
        out["tags"] = shapes.tag_list(td.tags)
    return out


@operation("ListTaskDefinitions", {"familyPrefix": True, "status": True, "sort": True, "maxResults": True, "nextToken": True})
def list_task_definitions(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    status = body.get("status", "ACTIVE")
    # Despite its name, ECS matches familyPrefix against the whole family name.
    family = body.get("familyPrefix")
    with sb.store.lock:
        refs = [
            td.ref for name in sorted(sb.store.task_definitions)
            for td in sb.store.task_definitions[name]
            if (family is None or name == family) and td.status == status
        ]
    if body.get("sort") == "DESC":
        refs.reverse()
    return _listed("taskDefinitionArns", [arns.task_definition(r) for r in refs], body, 100)


@operation("ListTaskDefinitionFamilies", {"familyPrefix": True, "status": True, "maxResults": True, "nextToken": True})
def list_task_definition_families(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    """ACTIVE: families with an ACTIVE revision; INACTIVE: families with none; ALL (the default): both."""
    status = body.get("status", "ALL")
    prefix = body.get("familyPrefix", "")
    with sb.store.lock:
        families = [
            name for name, revisions in sorted(sb.store.task_definitions.items())
            if name.startswith(prefix) and revisions
            and (status == "ALL" or any(td.status == "ACTIVE" for td in revisions) == (status == "ACTIVE"))
        ]
    return _listed("families", families, body, 100)


@operation("DeregisterTaskDefinition", {"taskDefinition": True})
def deregister_task_definition(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    td = sb.deregister_task_definition(_td_ref(body["taskDefinition"]))
    return {"taskDefinition": shapes.task_definition(td, arns)}


@operation("DeleteTaskDefinitions", {"taskDefinitions": True})
def delete_task_definitions(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    refs = body["taskDefinitions"]
    if not 1 <= len(refs) <= 10:
        raise errors.InvalidParameterException("taskDefinitions must name 1 to 10 task definitions")
    deleted, failures = sb.delete_task_definitions([_td_ref(r) for r in refs])
    return {
        "taskDefinitions": [shapes.task_definition(td, arns) for td in deleted],
        "failures": [{"arn": refs[i] if refs[i].startswith("arn:") else arns.task_definition(refs[i]), "reason": reason}
                     for i, reason in failures],
    }


# -- services ---------------------------------------------------------------------------------
def service_shape(sb: Sandbox, service, arns: Arns, with_tags: bool = False) -> dict[str, Any]:
    return shapes.service(service, sb.store.tasks_of(service.cluster, service.name), arns, with_tags)


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
    "tags": {"key": True, "value": True},
    "propagateTags": True,
    "enableECSManagedTags": True,
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
            tags=_tags_given(body), propagate_tags=body.get("propagateTags", "NONE"),
            managed_tags=bool(body.get("enableECSManagedTags")),
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
    "propagateTags": True,
    "enableECSManagedTags": True,
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
        propagate_tags=body.get("propagateTags"), managed_tags=body.get("enableECSManagedTags"),
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
                found.append(service_shape(sb, s, arns, with_tags="TAGS" in (body.get("include") or [])))
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
OVERRIDES: dict[str, Spec] = {
    "containerOverrides": {"name": True, "command": True, "environment": {"name": True, "value": True}},
    # Roles do nothing on one machine; deploy tools send them, often as empty strings.
    "taskRoleArn": True,
    "executionRoleArn": True,
}


@operation("RunTask", {
    "cluster": True, "taskDefinition": True, "count": True,
    "clientToken": True,  # botocore fills it in on every call
    "launchType": EC2,
    "startedBy": True,
    "overrides": OVERRIDES,
    "tags": {"key": True, "value": True},
    "propagateTags": True,
    "enableECSManagedTags": True,
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
        tasks, failures = sb.run_tasks(
            cluster, _td_ref(body["taskDefinition"]), body.get("count", 1),
            started_by=body.get("startedBy"), overrides=body.get("overrides"), tags=_tags_given(body),
            propagate_tags=body.get("propagateTags", "NONE"), managed_tags=bool(body.get("enableECSManagedTags")),
        )
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
    "maxResults": True, "nextToken": True, "launchType": True, "containerInstance": True,
})
def list_tasks(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    desired = body.get("desiredStatus", RUNNING)
    service = _name(body["serviceName"]) if body.get("serviceName") else None
    if service is not None:
        sb.service(cluster, service)
    family = body.get("family")
    instance = body["containerInstance"].rsplit("/", 1)[-1] if body.get("containerInstance") else None
    with sb.store.lock:
        tasks = sorted(
            (t for t in sb.store.tasks.values()
             if t.cluster == cluster and t.desired_status == desired
             and (service is None or t.service == service)
             and (not family or t.task_definition.split(":")[0] == family)
             and (instance is None or t.instance_id == instance)
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


# -- tags -------------------------------------------------------------------------------------
ARN = re.compile(r"^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:(cluster|service|task|task-definition|container-instance)/(.+)$")


def _resource(arn: str) -> tuple[str, tuple[str, ...]]:
    """(kind, path) of an ECS resource ARN: `service`, ("cluster", "name"); long-form ARNs only."""
    match = ARN.match(arn)
    parts = tuple(match.group(2).split("/")) if match else ()
    expected = {"cluster": 1, "task-definition": 1, "service": 2, "task": 2, "container-instance": 2}
    if not match or len(parts) != expected[match.group(1)] or not all(parts):
        raise errors.InvalidParameterException(f"The ARN provided is invalid: {arn!r}")
    return match.group(1), parts


@operation("ListTagsForResource", {"resourceArn": True})
def list_tags_for_resource(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    kind, parts = _resource(body["resourceArn"])
    return {"tags": sb.tag_resource(kind, parts)}


@operation("TagResource", {"resourceArn": True, "tags": {"key": True, "value": True}})
def tag_resource(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    kind, parts = _resource(body["resourceArn"])
    sb.tag_resource(kind, parts, add=body["tags"])
    return {}


@operation("UntagResource", {"resourceArn": True, "tagKeys": True})
def untag_resource(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    kind, parts = _resource(body["resourceArn"])
    sb.tag_resource(kind, parts, remove=body["tagKeys"])
    return {}


# -- container instances ----------------------------------------------------------------------
def _instances_of(sb: Sandbox, cluster: str, refs: list[str]) -> tuple[list, list[dict[str, str]]]:
    found, failures = [], []
    known = {i.id: i for i in sb.store.instances_of(cluster)}
    for ref in refs:
        instance = known.get(ref.rsplit("/", 1)[-1])
        if instance is None:
            failures.append({"arn": ref if ref.startswith("arn:") else Arns().container_instance(cluster, ref),
                             "reason": "MISSING"})
        else:
            found.append(instance)
    return found, failures


def _instance_shapes(sb: Sandbox, instances: list, arns: Arns, with_tags: bool = True) -> list[dict[str, Any]]:
    taskdefs = sb.store.task_definitions_by_ref()
    live = [t for t in sb.store.tasks.values() if t.is_live]
    return [shapes.container_instance(i, [t for t in live if t.instance_id == i.id], taskdefs, arns, with_tags)
            for i in instances]


@operation("ListContainerInstances", {"cluster": True, "filter": True, "status": True, "maxResults": True, "nextToken": True})
def list_container_instances(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    clauses = ()
    if (body.get("filter") or "").strip():
        try:
            clauses = parse_expression(body["filter"])  # the cluster query language memberOf takes
        except PlacementError as exc:
            raise errors.InvalidParameterException(f"filter: {exc}") from None
    status = body.get("status")
    with sb.store.lock:
        ids = [i.id for i in sb.store.instances_of(cluster)
               if (status is None or i.status == status) and all(c.matches(i) for c in clauses)]
    return _listed("containerInstanceArns", [arns.container_instance(cluster, i) for i in ids], body, 100)


@operation("DescribeContainerInstances", {"cluster": True, "containerInstances": True, "include": True})
def describe_container_instances(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    cluster = _cluster(body)
    sb.cluster(cluster)
    refs = _at_most(body, "containerInstances", 100)
    if not refs:
        raise errors.InvalidParameterException("Container Instances cannot be empty.")
    with sb.store.lock:
        found, failures = _instances_of(sb, cluster, refs)
        return {"containerInstances": _instance_shapes(sb, found, arns, "TAGS" in (body.get("include") or [])),
                "failures": failures}


@operation("UpdateContainerInstancesState", {
    "cluster": True, "containerInstances": True,
    "status": Only("ACTIVE", "DRAINING", why="a container instance is set ACTIVE, or DRAINING to move its tasks elsewhere"),
})
def update_container_instances_state(sb: Sandbox, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
    """DRAINING: the services' tasks move elsewhere, within their deployment bounds; ACTIVE: it takes tasks again."""
    cluster = _cluster(body)
    sb.cluster(cluster)
    refs = _at_most(body, "containerInstances", 10)
    with sb.store.lock:
        found, failures = _instances_of(sb, cluster, refs)
        for instance in found:
            sb.set_instance_status(cluster, instance.id, body["status"])
        return {"containerInstances": _instance_shapes(sb, found, arns), "failures": failures}
