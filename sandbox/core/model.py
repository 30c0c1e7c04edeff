"""The sandbox's domain model in ECS terms: task definitions, services, tasks and events.

Everything here is plain data with a JSON round trip, so the planner can stay pure and the
store can persist it atomically.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from sandbox.autoscaling.record import Autoscaling
from sandbox.lb.settings import LoadBalancer

# The task lifecycle, in the order ECS walks it.
PROVISIONING = "PROVISIONING"
PENDING = "PENDING"
ACTIVATING = "ACTIVATING"
RUNNING = "RUNNING"
DEACTIVATING = "DEACTIVATING"
STOPPING = "STOPPING"
DEPROVISIONING = "DEPROVISIONING"
STOPPED = "STOPPED"
LIFECYCLE = (PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED)
NOT_YET_RUNNING = (PROVISIONING, PENDING, ACTIVATING)
SHUTTING_DOWN = (DEACTIVATING, STOPPING, DEPROVISIONING)

HEALTHY = "HEALTHY"
UNHEALTHY = "UNHEALTHY"
UNKNOWN = "UNKNOWN"

# Service statuses.
ACTIVE = "ACTIVE"
DRAINING = "DRAINING"
INACTIVE = "INACTIVE"

# stopCode values ECS uses.
TASK_FAILED_TO_START = "TaskFailedToStart"
ESSENTIAL_CONTAINER_EXITED = "EssentialContainerExited"
USER_INITIATED = "UserInitiated"
SERVICE_SCHEDULER_INITIATED = "ServiceSchedulerInitiated"

NETWORK_MODES = ("bridge", "host", "none", "awsvpc")
STRATEGIES = ("ROLLING", "BLUE_GREEN", "CANARY", "LINEAR")

MAX_DESIRED_COUNT = 100
"""The sandbox's cap on desiredCount: one engine on a laptop, not a fleet."""
MAX_GRACE_SECONDS = 2_147_483_647
"""ECS's upper bound on healthCheckGracePeriodSeconds."""

STOPPED_TASKS_KEPT = 100
"""Stopped tasks kept describable per service (and for one-off tasks per cluster)."""

EVENTS_KEPT = 100
"""Service events kept, as the ECS console shows the 100 most recent."""


def new_task_id() -> str:
    """A task id shaped like ECS's: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def _from_dict(cls, data: dict[str, Any]):
    known = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class HealthCheck:
    """A container health check, with ECS's defaults and units (seconds)."""

    command: tuple[str, ...]
    interval: int = 30
    timeout: int = 5
    retries: int = 3
    start_period: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": list(self.command),
            "interval": self.interval,
            "timeout": self.timeout,
            "retries": self.retries,
            "startPeriod": self.start_period,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> HealthCheck:
        return cls(
            command=tuple(data["command"]),
            interval=int(data.get("interval", 30)),
            timeout=int(data.get("timeout", 5)),
            retries=int(data.get("retries", 3)),
            start_period=int(data.get("startPeriod", 0)),
        )


@dataclass(frozen=True)
class PortMapping:
    """One published port: `host_port` 0 means a free port of 127.0.0.1, as hostPort 0 does in bridge mode."""

    container_port: int
    host_port: int = 0
    protocol: str = "tcp"


TASK_VOLUME = "task"
"""A Docker volume of the task's own, removed with its container (ECS's task-scoped and bind-without-path volumes)."""
SHARED_VOLUME = "shared"
"""A Docker volume of the sandbox, kept across tasks until `sandbox down` (shared scope, EFS and other file systems)."""
HOST_FOLDER = "host"
"""A folder of the sandbox's own, bind-mounted (host.sourcePath under the sandbox's folder)."""


@dataclass(frozen=True)
class Mount:
    """A container path backed by one of the task definition's volumes, as the runtime provides it."""

    kind: str
    source: str
    """The volume's name (TASK_VOLUME, SHARED_VOLUME) or the folder's path (HOST_FOLDER)."""
    target: str
    read_only: bool = False
    autoprovision: bool = True
    """SHARED_VOLUME only: create it when missing (ECS's dockerVolumeConfiguration.autoprovision)."""


@dataclass(frozen=True)
class ContainerSettings:
    """What else of the container definition the runtime applies: RegisterTaskDefinition's members
    that change how the one container runs. Empty for the sandbox's own YAML task definitions."""

    entry_point: tuple[str, ...] | None = None
    working_directory: str | None = None
    user: str | None = None
    hostname: str | None = None
    stop_timeout: int | None = None
    memory_limit: int | None = None
    """The hard limit in MiB, when it is not the memory the task reserves (memoryReservation given)."""
    memory_reservation: int | None = None
    cpu_limit: int | None = None
    """Task-level cpu: a hard cap in CPU units, as ECS enforces it on Linux instances."""
    ports: tuple[PortMapping, ...] = ()
    mounts: tuple[Mount, ...] = ()
    ulimits: tuple[tuple[str, int, int], ...] = ()
    docker_labels: tuple[tuple[str, str], ...] = ()
    dns_servers: tuple[str, ...] = ()
    dns_search_domains: tuple[str, ...] = ()
    extra_hosts: tuple[tuple[str, str], ...] = ()
    system_controls: tuple[tuple[str, str], ...] = ()
    tmpfs: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
    init_process: bool = False
    shared_memory_size: int | None = None
    max_swap: int | None = None
    swappiness: int | None = None
    interactive: bool = False
    pseudo_terminal: bool = False
    disable_networking: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The members that differ from an empty container's, in JSON's types."""
        empty = asdict(ContainerSettings())
        return {k: v for k, v in asdict(self).items() if v != empty[k]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContainerSettings:
        known = {f.name for f in fields(cls)}
        values = {k: _frozen(v) for k, v in data.items() if k in known}
        values["ports"] = tuple(PortMapping(*p) if isinstance(p, tuple) else PortMapping(**p)
                                for p in data.get("ports") or ())
        values["mounts"] = tuple(Mount(*m) if isinstance(m, tuple) else Mount(**m) for m in data.get("mounts") or ())
        return cls(**values)


def _frozen(value: Any) -> Any:
    """JSON's lists back as the tuples a frozen record holds."""
    return tuple(_frozen(v) for v in value) if isinstance(value, list) else value


@dataclass(frozen=True)
class TaskDefinition:
    """One revision of a task definition family (a single essential container)."""

    family: str
    revision: int
    image: str
    command: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    cpu: int = 128
    """CPU units the task reserves (task-level cpu, else the container's)."""
    memory: int = 64
    """MiB the task reserves (task-level memory, else the container's memoryReservation or memory)."""
    container_port: int | None = None
    health_check: HealthCheck | None = None
    status: str = ACTIVE
    registered_at: float = 0.0
    description: str = ""
    network_mode: str = "bridge"
    """bridge (ports published on 127.0.0.1), host, none, or awsvpc (an address of its own)."""
    container_name: str = ""
    """The container's name; the family's when empty (the sandbox's YAML task definitions)."""
    settings: ContainerSettings = field(default_factory=ContainerSettings)
    placement_constraints: tuple[tuple[str, str], ...] = ()
    """The task definition's memberOf constraints, as (type, expression); they apply to every task of it."""
    definition: dict[str, Any] | None = None
    """The RegisterTaskDefinition request as registered (without tags): what DescribeTaskDefinition
    echoes. None for the sandbox's YAML task definitions."""
    tags: tuple[tuple[str, str], ...] = ()
    deregistered_at: float | None = None
    delete_requested_at: float | None = None

    @property
    def ref(self) -> str:
        """`family:revision`, the form the CLI and the labels use."""
        return f"{self.family}:{self.revision}"

    @property
    def container(self) -> str:
        """The container's name, as DescribeTasks and load balancers name it."""
        return self.container_name or self.family

    def with_overrides(self, overrides: dict[str, Any] | None) -> TaskDefinition:
        """What one task runs: RunTask's containerOverrides of command and environment applied."""
        mine = [o for o in (overrides or {}).get("containerOverrides") or [] if o.get("name") == self.container]
        if not mine:
            return self
        changed: dict[str, Any] = {}
        if mine[0].get("command"):
            changed["command"] = tuple(mine[0]["command"])
        if mine[0].get("environment"):
            merged = dict(self.environment)
            merged.update((e["name"], e["value"]) for e in mine[0]["environment"])
            changed["environment"] = tuple(merged.items())
        return replace(self, **changed)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "family": self.family,
            "revision": self.revision,
            "image": self.image,
            "command": list(self.command),
            "environment": [{"name": k, "value": v} for k, v in self.environment],
            "cpu": self.cpu,
            "memory": self.memory,
            "containerPort": self.container_port,
            "healthCheck": self.health_check.to_dict() if self.health_check else None,
            "status": self.status,
            "registeredAt": self.registered_at,
            "description": self.description,
            "networkMode": self.network_mode,
        }
        # Written only when set, so the state of a sandbox of YAML task definitions reads as before.
        extras = {
            "containerName": self.container_name, "settings": self.settings.to_dict(),
            "placementConstraints": [list(c) for c in self.placement_constraints],
            "definition": self.definition, "tags": [{"key": k, "value": v} for k, v in self.tags],
            "deregisteredAt": self.deregistered_at, "deleteRequestedAt": self.delete_requested_at,
        }
        data.update({k: v for k, v in extras.items() if v})
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskDefinition:
        hc = data.get("healthCheck")
        return cls(
            family=data["family"],
            revision=int(data["revision"]),
            image=data["image"],
            command=tuple(data.get("command") or ()),
            environment=tuple((e["name"], e["value"]) for e in data.get("environment") or ()),
            cpu=int(data.get("cpu", 128)),
            memory=int(data.get("memory", 64)),
            container_port=data.get("containerPort"),
            health_check=HealthCheck.from_dict(hc) if hc else None,
            status=data.get("status", ACTIVE),
            registered_at=float(data.get("registeredAt", 0.0)),
            description=data.get("description", ""),
            network_mode=data.get("networkMode", "bridge"),
            container_name=data.get("containerName", ""),
            settings=ContainerSettings.from_dict(data.get("settings") or {}),
            placement_constraints=tuple(tuple(c) for c in data.get("placementConstraints") or ()),
            definition=data.get("definition"),
            tags=tuple((t["key"], t["value"]) for t in data.get("tags") or ()),
            deregistered_at=data.get("deregisteredAt"),
            delete_requested_at=data.get("deleteRequestedAt"),
        )


@dataclass(frozen=True)
class ServiceEvent:
    """One line of a service's event log, worded as ECS words it."""

    id: str
    created_at: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "createdAt": self.created_at, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceEvent:
        return cls(id=data["id"], created_at=float(data["createdAt"]), message=data["message"])


PRIMARY = "PRIMARY"
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
FAILED = "FAILED"


def new_deployment_id() -> str:
    """`ecs-svc/` and 19 digits, as ECS shapes deployment ids."""
    return f"ecs-svc/{uuid.uuid4().int % 10**19:019d}"


@dataclass
class Deployment:
    """One rollout of a task definition to a service. The first in a service's list is PRIMARY."""

    id: str
    task_definition: str
    created_at: float
    updated_at: float
    status: str = PRIMARY
    rollout_state: str = IN_PROGRESS
    rollout_state_reason: str = ""
    rollback_of: str | None = None
    """The failed deployment this one rolls back, if it is a rollback."""
    failed_tasks: int = 0
    """Tasks of this deployment that failed in a row, as the circuit breaker counts them."""
    traffic_percent: float = 100.0
    """Share of the load balancer's requests this deployment's tasks get (blue/green strategies)."""
    shifted_at: float | None = None
    """When traffic last moved to this deployment; the bake time counts from here."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deployment:
        return _from_dict(cls, data)


@dataclass
class DeploymentConfiguration:
    """ECS's rolling-update bounds and circuit breaker, with ECS's defaults."""

    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    circuit_breaker_enable: bool = False
    circuit_breaker_rollback: bool = False
    strategy: str = "ROLLING"
    """ROLLING, or a second task set behind the load balancer: BLUE_GREEN (all at once), CANARY, LINEAR."""
    canary_percent: float = 10.0
    linear_step_percent: float = 25.0
    bake_seconds: int = 30
    """How long each traffic step (and the final one) must stay healthy before the next."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeploymentConfiguration:
        return _from_dict(cls, data)


@dataclass
class Instance:
    """A simulated container instance: a slice of the one engine, standing in one zone."""

    id: str
    cluster: str
    zone: str
    cpu: int = 2048
    memory: int = 4096
    status: str = ACTIVE
    """ACTIVE or DRAINING (as ECS container instances)."""
    zone_failed: bool = False
    """The whole zone is down (simulated); nothing runs or is placed here."""
    registered_at: float = 0.0
    tags: list[dict[str, str]] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.status == ACTIVE and not self.zone_failed

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Instance:
        return _from_dict(cls, data)


@dataclass
class Chaos:
    """A bounded chaos run: stop one random task every `every` seconds until `until`."""

    every: float
    until: float
    next_at: float
    stopped: int = 0


@dataclass
class Service:
    """The desired state of one service, plus the log of what the scheduler did for it."""

    name: str
    cluster: str
    task_definition: str
    desired_count: int
    status: str = ACTIVE
    created_at: float = 0.0
    events: list[ServiceEvent] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    chaos: Chaos | None = None
    deployments: list[Deployment] = field(default_factory=list)
    deployment_configuration: DeploymentConfiguration = field(default_factory=DeploymentConfiguration)
    placement_strategy: list[dict[str, str]] = field(default_factory=list)
    """ECS placementStrategy entries, e.g. {"type": "spread", "field": "attribute:ecs.availability-zone"}."""
    placement_constraints: list[dict[str, str]] = field(default_factory=list)
    """ECS placementConstraints, e.g. {"type": "memberOf", "expression": "attribute:ecs.availability-zone != us-east-1a"}."""
    az_rebalancing: bool = False
    scheduling_strategy: str = "REPLICA"
    load_balancer: LoadBalancer | None = None
    """Its own load balancer (target group, listener, health check, deregistration delay); None without one."""
    autoscaling: Autoscaling | None = None
    """Target-tracking policy (metric, target, min, max, cooldowns) and how it has gone; None without one."""
    health_check_grace_seconds: int = 0
    """ECS's healthCheckGracePeriodSeconds: how long after a task starts failed health checks are ignored."""
    tags: list[dict[str, str]] = field(default_factory=list)
    propagate_tags: str = "NONE"
    """NONE, SERVICE or TASK_DEFINITION: whose tags a new task of the service gets."""
    enable_managed_tags: bool = False
    """ECS's enableECSManagedTags: new tasks get aws:ecs:clusterName and aws:ecs:serviceName."""

    @property
    def primary(self) -> Deployment | None:
        return self.deployments[0] if self.deployments else None

    @property
    def key(self) -> str:
        return service_key(self.cluster, self.name)

    def add_event(self, message: str, now: float) -> ServiceEvent:
        event = ServiceEvent(id=str(uuid.uuid4()), created_at=now, message=message)
        # Newest first, as DescribeServices returns them.
        self.events.insert(0, event)
        del self.events[EVENTS_KEPT:]
        return event

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "cluster": self.cluster,
            "taskDefinition": self.task_definition,
            "desiredCount": self.desired_count,
            "status": self.status,
            "createdAt": self.created_at,
            "events": [e.to_dict() for e in self.events],
            "decisions": list(self.decisions),
            "chaos": asdict(self.chaos) if self.chaos else None,
            "deployments": [d.to_dict() for d in self.deployments],
            "deploymentConfiguration": self.deployment_configuration.to_dict(),
            "placementStrategy": self.placement_strategy,
            "placementConstraints": self.placement_constraints,
            "azRebalancing": self.az_rebalancing,
            "schedulingStrategy": self.scheduling_strategy,
            "loadBalancer": self.load_balancer.to_dict() if self.load_balancer else None,
            "autoscaling": self.autoscaling.to_dict() if self.autoscaling else None,
            "healthCheckGracePeriodSeconds": self.health_check_grace_seconds,
            "tags": self.tags,
            "propagateTags": self.propagate_tags,
            "enableECSManagedTags": self.enable_managed_tags,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Service:
        return cls(
            name=data["name"],
            cluster=data["cluster"],
            task_definition=data["taskDefinition"],
            desired_count=int(data["desiredCount"]),
            status=data.get("status", ACTIVE),
            created_at=float(data.get("createdAt", 0.0)),
            events=[ServiceEvent.from_dict(e) for e in data.get("events", [])],
            decisions=list(data.get("decisions", [])),
            chaos=_from_dict(Chaos, data["chaos"]) if data.get("chaos") else None,
            deployments=[Deployment.from_dict(d) for d in data.get("deployments", [])],
            deployment_configuration=DeploymentConfiguration.from_dict(data.get("deploymentConfiguration") or {}),
            placement_strategy=list(data.get("placementStrategy") or []),
            placement_constraints=list(data.get("placementConstraints") or []),
            az_rebalancing=bool(data.get("azRebalancing", False)),
            scheduling_strategy=data.get("schedulingStrategy", "REPLICA"),
            load_balancer=LoadBalancer.from_dict(data["loadBalancer"]) if data.get("loadBalancer") else None,
            autoscaling=Autoscaling.from_dict(data["autoscaling"]) if data.get("autoscaling") else None,
            health_check_grace_seconds=int(data.get("healthCheckGracePeriodSeconds", 0)),
            tags=list(data.get("tags") or []),
            propagate_tags=data.get("propagateTags", "NONE"),
            enable_managed_tags=bool(data.get("enableECSManagedTags", False)),
        )


def service_key(cluster: str, name: str) -> str:
    return f"{cluster}/{name}"


@dataclass
class Task:
    """One task: what we asked for (desiredStatus) and what we last saw (lastStatus)."""

    task_id: str
    cluster: str
    task_definition: str
    service: str | None = None
    last_status: str = PROVISIONING
    desired_status: str = RUNNING
    health_status: str = UNKNOWN
    created_at: float = 0.0
    started_at: float | None = None
    stopping_at: float | None = None
    stopped_at: float | None = None
    stop_code: str | None = None
    stopped_reason: str | None = None
    exit_code: int | None = None
    container_id: str | None = None
    host_port: int | None = None
    container_reason: str | None = None
    launch_seq: int = 0
    """Observation number at which the container was known to exist; older listings can't judge it."""
    logs_tail: str = ""
    """The last lines the container printed, kept when its container is removed."""
    version: int = 1
    deployment_id: str | None = None
    instance_id: str | None = None
    zone: str | None = None
    target_health: str | None = None
    """The load balancer's view of this task (initial, healthy, unhealthy, draining); None without one."""
    started_by: str | None = None
    """RunTask's startedBy; a service's tasks are started by their deployment (deployment_id)."""
    overrides: dict[str, Any] | None = None
    """RunTask's overrides, as given (ECS's TaskOverride shape)."""
    tags: list[dict[str, str]] = field(default_factory=list)
    network_bindings: list[dict[str, Any]] = field(default_factory=list)
    """Every published port, as ECS's networkBindings (bindIP, containerPort, hostPort, protocol)."""

    @property
    def group(self) -> str:
        if self.service:
            return f"service:{self.service}"
        return f"family:{self.task_definition.split(':', 1)[0]}"

    @property
    def is_live(self) -> bool:
        """Counts toward the service: wanted running and not on its way out."""
        return self.desired_status == RUNNING and self.last_status not in SHUTTING_DOWN + (STOPPED,)

    def set_status(self, status: str) -> None:
        if status != self.last_status:
            self.last_status = status
            self.version += 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Task:
        return _from_dict(cls, data)


@dataclass
class Cluster:
    name: str
    status: str = ACTIVE
    created_at: float = 0.0
    tags: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cluster:
        return _from_dict(cls, data)
