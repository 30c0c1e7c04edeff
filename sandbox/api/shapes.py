"""Render the sandbox's records in ECS's response shapes (DescribeServices, DescribeTasks, ...).

Field names are ECS's. A few extras the tutor needs sit beside them: `taskId`,
`taskDefinition` (family:revision) and `containerId` on tasks; `counts`, `decisions` and
`chaos` on services.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sandbox.core.model import NOT_YET_RUNNING, RUNNING, STOPPED, Cluster, Instance, Service, Task, TaskDefinition
from sandbox.scheduler.placement.expression import attributes
from sandbox.taskdefs import ecs_json

ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Arns:
    """ARN builders for one region."""

    region: str = DEFAULT_REGION

    def _arn(self, resource: str) -> str:
        return f"arn:aws:ecs:{self.region}:{ACCOUNT}:{resource}"

    def cluster(self, name: str) -> str:
        return self._arn(f"cluster/{name}")

    def service(self, cluster: str, name: str) -> str:
        return self._arn(f"service/{cluster}/{name}")

    def task(self, cluster: str, task_id: str) -> str:
        return self._arn(f"task/{cluster}/{task_id}")

    def task_definition(self, ref: str) -> str:
        return self._arn(f"task-definition/{ref}")

    def container_instance(self, cluster: str, instance_id: str) -> str:
        return self._arn(f"container-instance/{cluster}/{instance_id}")

    def container(self, cluster: str, task_id: str) -> str:
        return self._arn(f"container/{cluster}/{task_id}/{task_id[:8]}-0000-4000-8000-{task_id[-12:]}")


def task_definition(td: TaskDefinition, arns: Arns) -> dict[str, Any]:
    """Exactly what was registered, plus what ECS adds (see sandbox.taskdefs.ecs_json.described)."""
    return ecs_json.described(td, arns.task_definition(td.ref))


def tag_list(tags) -> list[dict[str, str]]:
    """ECS's `[{key, value}]` from a record's tags (a task definition keeps them as pairs)."""
    return [t if isinstance(t, dict) else {"key": t[0], "value": t[1]} for t in tags]


def cluster(c: Cluster, services: list[Service], tasks: list[Task], arns: Arns,
            instances: list[Instance] = (), with_tags: bool = True) -> dict[str, Any]:
    mine = [t for t in tasks if t.cluster == c.name]
    shape = {
        "clusterArn": arns.cluster(c.name),
        "clusterName": c.name,
        "status": c.status,
        "registeredContainerInstancesCount": sum(1 for i in instances if i.cluster == c.name),
        "runningTasksCount": sum(1 for t in mine if t.last_status == RUNNING),
        "pendingTasksCount": sum(1 for t in mine if t.last_status in NOT_YET_RUNNING),
        "activeServicesCount": sum(1 for s in services if s.cluster == c.name and s.status == "ACTIVE"),
        "statistics": [],
        "settings": [{"name": "containerInsights", "value": "disabled"}],
        "capacityProviders": [],
        "defaultCapacityProviderStrategy": [],
    }
    if with_tags:
        shape["tags"] = list(c.tags)
    return shape


AGENT = {"agentVersion": "1.0.0", "agentHash": "servicelab", "dockerVersion": "DockerVersion: the local engine"}
"""What the simulated instances report as their agent: the sandbox's control plane, not ECS's agent."""


def _resources(cpu: int, memory: int) -> list[dict[str, Any]]:
    return [{"name": name, "type": "INTEGER", "integerValue": value, "longValue": 0, "doubleValue": 0.0}
            for name, value in (("CPU", cpu), ("MEMORY", memory))]


def container_instance(i: Instance, live: list[Task], taskdefs: dict[str, TaskDefinition], arns: Arns,
                       with_tags: bool = True) -> dict[str, Any]:
    """A simulated instance as DescribeContainerInstances shows one; `live` are its live tasks."""
    used = [taskdefs[t.task_definition] for t in live if t.task_definition in taskdefs]
    shape = {
        "containerInstanceArn": arns.container_instance(i.cluster, i.id),
        "ec2InstanceId": "i-" + i.id.removeprefix("ci-").rjust(17, "0"),
        "version": 1,
        "versionInfo": AGENT,
        "registeredResources": _resources(i.cpu, i.memory),
        "remainingResources": _resources(i.cpu - sum(td.cpu for td in used), i.memory - sum(td.memory for td in used)),
        "status": i.status,
        # A failed zone is simulated as instances whose agent lost its connection.
        "agentConnected": not i.zone_failed,
        "runningTasksCount": sum(1 for t in live if t.last_status == RUNNING),
        "pendingTasksCount": sum(1 for t in live if t.last_status in NOT_YET_RUNNING),
        "attributes": [{"name": k, "value": v} for k, v in attributes(i).items() if k != "instanceId"],
        "registeredAt": i.registered_at,
    }
    if with_tags:
        shape["tags"] = list(i.tags)
    return shape


def deployments(s: Service, tasks: list[Task], arns: Arns) -> list[dict[str, Any]]:
    """The service's deployments with their own counts; the PRIMARY first."""
    if s.status == "INACTIVE":
        return []
    primary_id = s.deployments[0].id if s.deployments else None
    out = []
    for d in s.deployments:
        mine = [t for t in tasks if (t.deployment_id or primary_id) == d.id]
        desired = s.desired_count if d.id == primary_id else sum(1 for t in mine if t.is_live)
        out.append({
            "id": d.id,
            "status": d.status,
            "taskDefinition": arns.task_definition(d.task_definition),
            "desiredCount": desired,
            "pendingCount": sum(1 for t in mine if t.last_status in NOT_YET_RUNNING),
            "runningCount": sum(1 for t in mine if t.last_status == RUNNING),
            "failedTasks": d.failed_tasks,
            "createdAt": d.created_at,
            "updatedAt": d.updated_at,
            "launchType": "EC2",
            "rolloutState": d.rollout_state,
            "rolloutStateReason": d.rollout_state_reason or f"ECS deployment {d.id} in progress.",
        })
    return out


def service(s: Service, tasks: list[Task], arns: Arns, with_tags: bool = True) -> dict[str, Any]:
    running = sum(1 for t in tasks if t.last_status == RUNNING)
    pending = sum(1 for t in tasks if t.last_status in NOT_YET_RUNNING)
    config = s.deployment_configuration
    shape = {
        "serviceArn": arns.service(s.cluster, s.name),
        "serviceName": s.name,
        "clusterArn": arns.cluster(s.cluster),
        "status": s.status,
        "desiredCount": s.desired_count,
        "runningCount": running,
        "pendingCount": pending,
        "launchType": "EC2",
        "taskDefinition": arns.task_definition(s.task_definition),
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {
                "enable": config.circuit_breaker_enable, "rollback": config.circuit_breaker_rollback,
            },
            "maximumPercent": config.maximum_percent,
            "minimumHealthyPercent": config.minimum_healthy_percent,
            "strategy": config.strategy,
            **({"bakeTimeInMinutes": config.bake_seconds // 60} if config.strategy != "ROLLING" else {}),
            **({"canaryConfiguration": {"canaryPercent": config.canary_percent,
                                        "canaryBakeTimeInMinutes": config.bake_seconds // 60}}
               if config.strategy == "CANARY" else {}),
            **({"linearConfiguration": {"stepPercent": config.linear_step_percent,
                                        "stepBakeTimeInMinutes": config.bake_seconds // 60}}
               if config.strategy == "LINEAR" else {}),
        },
        "deployments": deployments(s, tasks, arns),
        "events": [e.to_dict() for e in s.events],
        "createdAt": s.created_at,
        "placementConstraints": list(s.placement_constraints),
        "placementStrategy": list(s.placement_strategy),
        "schedulingStrategy": s.scheduling_strategy,
        "deploymentController": {"type": "ECS"},
        # ECS always lists these; a service with none has empty lists.
        "loadBalancers": [],
        "serviceRegistries": [],
        "enableECSManagedTags": s.enable_managed_tags,
        "propagateTags": s.propagate_tags,
        "enableExecuteCommand": False,
        "healthCheckGracePeriodSeconds": s.health_check_grace_seconds,
        "availabilityZoneRebalancing": "ENABLED" if s.az_rebalancing else "DISABLED",
    }
    if with_tags:
        shape["tags"] = list(s.tags)
    return shape


def service_with_extras(s: Service, tasks: list[Task], arns: Arns) -> dict[str, Any]:
    """The ECS shape with the tutor's extras beside it, as the live panel reads a service."""
    return {**service(s, tasks, arns), **service_extras(s, tasks)}


def chaos(s: Service) -> dict[str, Any] | None:
    """The service's chaos run, while one is on."""
    return {"every": s.chaos.every, "until": s.chaos.until, "stopped": s.chaos.stopped} if s.chaos else None


def service_extras(s: Service, tasks: list[Task]) -> dict[str, Any]:
    """What the tutor shows beside the ECS fields."""
    breaker = None
    if s.deployment_configuration.circuit_breaker_enable and s.deployments:
        from ..scheduler.planner import circuit_breaker_threshold

        breaker = {"failed": s.deployments[0].failed_tasks, "threshold": circuit_breaker_threshold(s.desired_count)}
    traffic = None
    if s.deployment_configuration.strategy != "ROLLING" and s.deployments:
        traffic = {"strategy": s.deployment_configuration.strategy,
                   "bakeSeconds": s.deployment_configuration.bake_seconds,
                   "shares": [{"deployment": d.id, "taskDefinition": d.task_definition,
                               "percent": d.traffic_percent if i == 0 else 100 - s.deployments[0].traffic_percent}
                              for i, d in enumerate(s.deployments[:2])]}
    return {
        "circuitBreaker": breaker,
        "traffic": traffic,
        "zones": dict(sorted(Counter(t.zone for t in tasks if t.is_live and t.zone).items())),
        "cluster": s.cluster,
        "taskDefinitionRef": s.task_definition,
        "steady": bool(s.events) and s.events[0].message.endswith("has reached a steady state."),
        "decisions": s.decisions,
        "chaos": chaos(s),
        "loadBalancer": load_balancer(s, tasks),
        "scaling": scaling(s),
    }


def load_balancer(s: Service, tasks: list[Task]) -> dict[str, Any] | None:
    """The service's load balancer: its URL and its targets with their health (None without one)."""
    lb = s.load_balancer
    if lb is None:
        return None
    port, settings = lb.listener_port, lb.settings
    return {
        "url": f"http://127.0.0.1:{port}" if port else None,
        "targetGroupArn": lb.target_group_arn,
        "containerName": lb.container_name,
        "containerPort": lb.container_port,
        "healthCheck": {
            "path": settings.health_check_path,
            "intervalSeconds": settings.health_check_interval_seconds,
            "healthyThreshold": settings.healthy_threshold_count,
            "unhealthyThreshold": settings.unhealthy_threshold_count,
        },
        "deregistrationDelaySeconds": settings.deregistration_delay_seconds,
        "targets": [
            {"taskId": t.task_id, "port": t.host_port, "health": t.target_health}
            for t in sorted(tasks, key=lambda t: (t.started_at or t.created_at, t.task_id))
            if t.target_health is not None and t.last_status != STOPPED
        ],
    }


def scaling(s: Service) -> dict[str, Any] | None:
    """The target-tracking policy against the metric, and its latest action (None without one)."""
    if not s.autoscaling:
        return None
    policy, state = s.autoscaling.policy, s.autoscaling.state
    return {
        "metric": policy.metric,
        "metricName": policy.metric_name,
        "target": policy.target,
        "current": state.metric,
        "capacity": state.capacity,
        "min": policy.min_capacity,
        "max": policy.max_capacity,
        "scaleOutCooldown": policy.scale_out_cooldown,
        "scaleInCooldown": policy.scale_in_cooldown,
        "status": state.status,
        "lastAction": state.last_action.to_dict() if state.last_action else None,
    }


def started_by(t: Task) -> str | None:
    """A task's startedBy: RunTask's, or the deployment that started it (ListTasks filters on the same value)."""
    return t.started_by or t.deployment_id


def network_bindings(t: Task, td: TaskDefinition | None) -> list[dict[str, Any]]:
    if t.network_bindings:
        return [dict(b) for b in t.network_bindings]
    if not t.host_port:
        return []
    return [{"bindIP": "127.0.0.1", "containerPort": td.container_port if td else 0,
             "hostPort": t.host_port, "protocol": "tcp"}]


def overrides(t: Task, name: str) -> dict[str, Any]:
    """RunTask's overrides as given, with every container named, as ECS echoes them."""
    given = dict(t.overrides or {})
    containers = given.get("containerOverrides") or [{"name": name}]
    return {**given, "containerOverrides": containers, "inferenceAcceleratorOverrides": []}


def task(t: Task, arns: Arns, td: TaskDefinition | None, extras: bool = True) -> dict[str, Any]:
    container: dict[str, Any] = {
        "containerArn": arns.container(t.cluster, t.task_id),
        "taskArn": arns.task(t.cluster, t.task_id),
        "name": td.container if td else t.task_definition.split(":", 1)[0],
        "image": td.image if td else "",
        "lastStatus": "RUNNING" if t.last_status == RUNNING else ("STOPPED" if t.last_status == STOPPED else "PENDING"),
        "networkBindings": network_bindings(t, td),
        "networkInterfaces": [],
        "healthStatus": t.health_status,
        "cpu": str(td.cpu) if td else "0",
        "memory": str(td.memory) if td else "0",
    }
    if t.container_id:
        container["runtimeId"] = t.container_id
    if t.exit_code is not None:
        container["exitCode"] = t.exit_code
    if t.container_reason:
        container["reason"] = t.container_reason
    shape: dict[str, Any] = {
        "taskArn": arns.task(t.cluster, t.task_id),
        "clusterArn": arns.cluster(t.cluster),
        "taskDefinitionArn": arns.task_definition(t.task_definition),
        "lastStatus": t.last_status,
        "desiredStatus": t.desired_status,
        "healthStatus": t.health_status,
        "containers": [container],
        "createdAt": t.created_at,
        "group": t.group,
        "launchType": "EC2",
        "cpu": str(td.cpu) if td else "0",
        "memory": str(td.memory) if td else "0",
        "version": t.version,
        "overrides": overrides(t, container["name"]),
        "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
        "tags": list(t.tags),
        "enableExecuteCommand": False,
    }
    if t.zone:
        shape["availabilityZone"] = t.zone
    if t.instance_id:
        shape["containerInstanceArn"] = arns.container_instance(t.cluster, t.instance_id)
    if extras:
        shape.update(taskId=t.task_id, taskDefinition=t.task_definition, containerId=t.container_id,
                     containerInstanceId=t.instance_id)
    if started_by(t):
        shape["startedBy"] = started_by(t)
    for field, value in (
        ("startedAt", t.started_at),
        ("stoppingAt", t.stopping_at),
        ("stoppedAt", t.stopped_at),
        ("executionStoppedAt", t.stopped_at),
        ("stopCode", t.stop_code),
        ("stoppedReason", t.stopped_reason),
    ):
        if value is not None:
            shape[field] = value
    return shape
