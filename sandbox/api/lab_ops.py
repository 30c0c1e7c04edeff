"""servicelab-only operations (`X-Amz-Target: ServiceLab.<Operation>`), beside the ECS ones.

These serve the tutor and the CLI: status, a long-poll watch of the whole state, chaos, a
kill that imitates an outside crash, logs, stats and exec.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.core import errors
from ..actions import Sandbox
from sandbox.core.model import STOPPED
from ..runtime.base import RuntimeError_
from . import shapes
from .shapes import Arns

STOPPED_IN_SNAPSHOT = 20
"""Stopped tasks per service shown in a snapshot; describe-tasks reaches the rest."""

MAX_WATCH_SECONDS = 25.0


@dataclass
class ServerInfo:
    """Facts about the running control plane that the Status operation reports."""

    sandbox: str
    runtime: str
    api: str = ""
    pid: int = 0
    state_dir: str = ""
    started_at: float = field(default_factory=time.time)
    shutdown: Callable[[bool], None] | None = None
    workshop: str | None = None
    """The workshop file this sandbox serves a learner of (sandbox/workshop/classroom.py), or None."""
    idle_timeout: float | None = None
    """Seconds unused before the sandbox stops itself (sandbox/control/idle.py), or None."""


Handler = Callable[[Sandbox, dict[str, Any], ServerInfo], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}


def operation(name: str):
    def register(fn: Handler) -> Handler:
        OPERATIONS[name] = fn
        return fn

    return register


def status(sb: Sandbox, info: ServerInfo) -> dict[str, Any]:
    control = sb.control
    return {
        "running": True,
        "sandbox": info.sandbox,
        "runtime": info.runtime,
        "containers": info.runtime == "docker",
        "api": info.api,
        "pid": info.pid,
        "stateDir": info.state_dir,
        "startedAt": info.started_at,
        "engine": {"ok": control.engine_ok, "error": control.engine_error},
        "timeSpeed": control.clock.speed,
        "now": control.clock.now(),
        "version": sb.store.version,
        "workshop": info.workshop,
        "idleTimeout": info.idle_timeout,
        "quota": _quota(sb),
    }


def _quota(sb: Sandbox) -> dict[str, Any] | None:
    """The workshop quota and what the sandbox uses of it (None outside workshops)."""
    from sandbox.workshop.quotas import usage

    if sb.quota is None:
        return None
    with sb.store.lock:
        return {"limits": sb.quota.to_dict(), "used": usage(sb.store).to_dict()}


def snapshot(sb: Sandbox, info: ServerInfo, cluster: str | None = None) -> dict[str, Any]:
    """Everything the live panel shows, in one consistent read (the cluster's instances included)."""
    arns = Arns()
    with sb.store.lock:
        service_shapes = [
            shapes.service_with_extras(s, sb.store.tasks_of(s.cluster, s.name), arns)
            for s in sb.store.services.values() if cluster is None or s.cluster == cluster
        ]
        tasks_out = []
        stopped_seen: dict[tuple[str, str | None], int] = {}
        for t in sorted(sb.store.tasks.values(), key=lambda t: t.stopped_at or t.created_at, reverse=True):
            if cluster is not None and t.cluster != cluster:
                continue
            if t.last_status == STOPPED:
                key = (t.cluster, t.service)
                stopped_seen[key] = stopped_seen.get(key, 0) + 1
                if stopped_seen[key] > STOPPED_IN_SNAPSHOT:
                    continue
            tasks_out.append(shapes.task(t, arns, sb.store.task_definition(t.task_definition)))
        instances = [i for i in sb.store.instances.values() if cluster is None or i.cluster == cluster]
        live_on: dict[str, list[Any]] = {}
        for t in sb.store.tasks.values():
            if t.instance_id and t.is_live:
                live_on.setdefault(t.instance_id, []).append(t)
        taskdefs = sb.store.task_definitions_by_ref()
        return {
            "version": sb.store.version,
            "status": status(sb, info),
            "clusters": sorted(n for n, c in sb.store.clusters.items() if c.status == "ACTIVE"),
            "taskDefinitions": [
                td.ref for revs in sb.store.task_definitions.values() for td in revs if td.status == "ACTIVE"
            ],
            "services": service_shapes,
            "tasks": tasks_out,
            # The app's zones view: instances with their zone, status and failed zones, in the same read.
            "instances": [
                instance_shape(sb, i, live_on.get(i.id, []), taskdefs)
                for i in sorted(instances, key=lambda i: (i.cluster, i.zone, i.id))
            ],
        }


@operation("Status")
def op_status(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    return status(sb, info)


@operation("Watch")
def op_watch(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    """Long poll: answers as soon as the state is newer than `sinceVersion` (or at the timeout)."""
    since = int(body.get("sinceVersion", -1))
    timeout = min(float(body.get("timeoutSeconds", MAX_WATCH_SECONDS)), MAX_WATCH_SECONDS)
    sb.store.wait_newer(since, timeout)
    return snapshot(sb, info, body.get("cluster"))


@operation("Tasks")
def op_tasks(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    """Tasks with the tutor's extras (taskId, taskDefinition, containerId), newest first."""
    cluster = body.get("cluster", "default")
    sb.cluster(cluster)
    service = body.get("service")
    if service:
        sb.service(cluster, service)
    if body.get("task"):
        tasks = [sb.find_task(cluster, body["task"])]
    else:
        with sb.store.lock:
            tasks = [
                t for t in sb.store.tasks.values()
                if t.cluster == cluster and (not service or t.service == service)
                and (body.get("includeStopped") or t.desired_status != STOPPED or t.last_status != STOPPED)
            ]
    tasks.sort(key=lambda t: t.created_at, reverse=True)
    arns = Arns()
    with sb.store.lock:
        return {"tasks": [shapes.task(t, arns, sb.store.task_definition(t.task_definition)) for t in tasks]}


def instance_shape(sb: Sandbox, instance, live: list[Any] | None = None,
                   taskdefs: dict[str, Any] | None = None) -> dict[str, Any]:
    """One instance as `Instances` answers; `live` (its live tasks) and `taskdefs` save a pass when known."""
    tasks = live if live is not None else [t for t in sb.store.tasks.values() if t.instance_id == instance.id and t.is_live]
    taskdefs = taskdefs if taskdefs is not None else sb.store.task_definitions_by_ref()
    used_cpu = sum(taskdefs[t.task_definition].cpu for t in tasks if t.task_definition in taskdefs)
    used_memory = sum(taskdefs[t.task_definition].memory for t in tasks if t.task_definition in taskdefs)
    return {
        "containerInstanceId": instance.id,
        "containerInstanceArn": Arns().container_instance(instance.cluster, instance.id),
        "availabilityZone": instance.zone,
        "status": instance.status,
        "zoneFailed": instance.zone_failed,
        "cpu": instance.cpu,
        "memory": instance.memory,
        "remainingCpu": instance.cpu - used_cpu,
        "remainingMemory": instance.memory - used_memory,
        "runningTasksCount": sum(1 for t in tasks if t.last_status == "RUNNING"),
        "tasks": sorted(t.task_id for t in tasks),
    }


@operation("Instances")
def op_instances(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    cluster = body.get("cluster", "default")
    sb.cluster(cluster)
    with sb.store.lock:
        return {"instances": [instance_shape(sb, i) for i in sb.store.instances_of(cluster)]}


@operation("SetInstanceStatus")
def op_set_instance_status(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    status = body["status"]
    if status not in ("ACTIVE", "DRAINING"):
        raise errors.InvalidParameterException(f"status {status!r}; allowed: ACTIVE, DRAINING")
    instance = sb.set_instance_status(body.get("cluster", "default"), body["instance"], status)
    with sb.store.lock:
        return {"instance": instance_shape(sb, instance)}


@operation("AddInstance")
def op_add_instance(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    instance = sb.add_instance(body.get("cluster", "default"), body["zone"],
                               int(body.get("cpu", 2048)), int(body.get("memory", 4096)))
    with sb.store.lock:
        return {"instance": instance_shape(sb, instance)}


@operation("SetZoneFailed")
def op_set_zone_failed(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    instances = sb.set_zone_failed(body.get("cluster", "default"), body["zone"], bool(body["failed"]))
    with sb.store.lock:
        return {"instances": [instance_shape(sb, i) for i in instances]}


@operation("SyncTaskDefinitions")
def op_sync_task_definitions(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    """A lesson's own family, made to hold exactly its revisions (RegisterTaskDefinition requests, in order)."""
    from .ecs_ops import taskdef_from_request

    wanted = [taskdef_from_request(request) for request in body.get("taskDefinitions") or []]
    return {"changed": sb.sync_task_definitions(body["family"], wanted)}


@operation("StartChaos")
def op_start_chaos(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    s = sb.start_chaos(body.get("cluster", "default"), body["service"], float(body["every"]), float(body["for"]))
    return {"chaos": shapes.chaos(s)}


@operation("StopChaos")
def op_stop_chaos(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    sb.stop_chaos(body.get("cluster", "default"), body["service"])
    return {"chaos": None}


def _container_of(sb: Sandbox, body: dict[str, Any]) -> tuple[Any, str]:
    task = sb.find_task(body.get("cluster"), body["task"])
    if not task.container_id:
        raise errors.InvalidParameterException(f"task {task.task_id} has no container (it is {task.last_status})")
    return task, task.container_id


@operation("KillTask")
def op_kill_task(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    """Kill the task's container from outside, as a crash would; the scheduler finds out by itself."""
    task, container_id = _container_of(sb, body)
    if task.last_status == STOPPED:
        raise errors.InvalidParameterException(f"task {task.task_id} is already STOPPED")
    try:
        sb.control.runtime.kill(container_id)
    except RuntimeError_ as exc:
        raise errors.ClientException(str(exc)) from None
    return {"taskId": task.task_id, "containerId": container_id}


@operation("ExecArgv")
def op_exec_argv(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    task, container_id = _container_of(sb, body)
    if task.last_status == STOPPED:
        raise errors.InvalidParameterException(f"task {task.task_id} is STOPPED; there is nothing to exec into")
    command = body.get("command") or ["sh"]
    try:
        argv = sb.control.runtime.exec_argv(container_id, list(command), bool(body.get("interactive")))
    except RuntimeError_ as exc:
        raise errors.ClientException(str(exc)) from None
    return {"argv": argv, "taskId": task.task_id}


@operation("TaskStats")
def op_task_stats(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    with sb.store.lock:
        running = [(t.task_id, t.container_id) for t in sb.store.tasks.values()
                   if t.container_id and t.last_status == "RUNNING"
                   and (not body.get("tasks") or t.task_id in body["tasks"])]
    out = {}
    for task_id, container_id in running:
        try:
            sample = sb.control.runtime.stats(container_id)
        except RuntimeError_:
            sample = None
        if sample is not None:
            out[task_id] = {"cpuPercent": round(sample.cpu_percent, 2), "memoryBytes": sample.memory_bytes}
    return {"stats": out}


@operation("Shutdown")
def op_shutdown(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    if info.shutdown is None:
        raise errors.ServerException("this control plane cannot be shut down over the API")
    info.shutdown(bool(body.get("removeEverything", True)))
    return {"shuttingDown": True}


# -- load balancers -----------------------------------------------------------------------------
@operation("CreateServiceWithLoadBalancer")
def op_create_service_with_lb(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    """ECS's CreateService (`createService`, checked as ECS checks it) behind a load balancer of
    its own (`loadBalancer`: settings as lb.settings names them)."""
    from ..lb import settings as lb_settings
    from . import ecs_ops

    request = dict(body["createService"])
    lb_settings.check(body.get("loadBalancer"))  # refuse bad settings before anything exists
    ecs_ops.check("CreateService", request)
    cluster = ecs_ops._cluster(request)
    td = sb.task_definition(ecs_ops._td_ref(str(request.get("taskDefinition", ""))))
    if td.container_port is None:
        raise errors.InvalidParameterException(
            f"task definition {td.ref} has no containerPort: a load balancer needs a port to send requests to"
        )
    # One step under the store lock: no pass ever sees the service without its load balancer.
    with sb.store.lock:
        ecs_ops.OPERATIONS["CreateService"](sb, request, Arns())
        service = sb.set_load_balancer(cluster, request["serviceName"], body.get("loadBalancer") or {})
        return {"service": shapes.service_with_extras(service, sb.store.tasks_of(service.cluster, service.name), Arns())}


@operation("LoadBalancers")
def op_load_balancers(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    """Each load-balanced service's URL and targets with their health, plus live request counts."""
    cluster = body.get("cluster", "default")
    sb.cluster(cluster)
    if body.get("service"):
        sb.service(cluster, body["service"])
    out = []
    with sb.store.lock:
        services = [s for s in sb.store.services.values()
                    if s.cluster == cluster and s.load_balancer is not None and s.status != "INACTIVE"
                    and (not body.get("service") or s.name == body["service"])]
        for s in sorted(services, key=lambda s: s.name):
            shape = {"service": s.name, "cluster": s.cluster, **shapes.load_balancer(s, sb.store.tasks_of(s.cluster, s.name))}
            live = sb.load_balancers.traffic(s.key) if sb.load_balancers is not None else None
            shape["requests"] = live["requests"] if live else 0
            shape["rejected"] = live["rejected"] if live else 0
            for target in shape["targets"]:
                counters = (live or {}).get("targets", {}).get(target["taskId"], {})
                target.update(requests=counters.get("requests", 0), inFlight=counters.get("inFlight", 0),
                              reason=counters.get("reason") or None)
            out.append(shape)
    return {"loadBalancers": out}


# -- auto scaling -------------------------------------------------------------------------------
def _scaling_shape(sb: Sandbox, cluster: str, name: str) -> dict[str, Any]:
    with sb.store.lock:
        service = sb.service(cluster, name)
        return {"service": name, "desiredCount": service.desired_count, "scaling": shapes.scaling(service)}


@operation("PutScalingPolicy")
def op_put_scaling_policy(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    """Target tracking on `metric` (cpu or requests) at `target`, within minCapacity..maxCapacity."""
    from ..autoscaling.policy import DEFAULT_COOLDOWN

    cluster = body.get("cluster", "default")
    sb.set_scaling_policy(
        cluster, body["service"], body["metric"], body["target"], body["minCapacity"], body["maxCapacity"],
        body.get("scaleOutCooldown", DEFAULT_COOLDOWN), body.get("scaleInCooldown", DEFAULT_COOLDOWN),
    )
    return _scaling_shape(sb, cluster, body["service"])


@operation("DeleteScalingPolicy")
def op_delete_scaling_policy(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    cluster = body.get("cluster", "default")
    sb.delete_scaling_policy(cluster, body["service"])
    return _scaling_shape(sb, cluster, body["service"])


@operation("DescribeScaling")
def op_describe_scaling(sb: Sandbox, body: dict[str, Any], info: ServerInfo) -> dict[str, Any]:
    cluster = body.get("cluster", "default")
    sb.cluster(cluster)
    return _scaling_shape(sb, cluster, body["service"])
