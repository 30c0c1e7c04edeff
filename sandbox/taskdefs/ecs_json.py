"""Task definitions in ECS's own JSON: RegisterTaskDefinition's request in, DescribeTaskDefinition's shape out.

Every member ECS defines is taken. What changes how the one container runs is turned into the
runtime's settings (model.ContainerSettings); what cannot matter on one machine (roles, tags,
log drivers, secrets held by other AWS services, …) is kept as given and echoed back. The
request is kept whole (TaskDefinition.definition), so a describe shows exactly what was
registered plus what ECS itself adds, and the describe → edit → register round trip works.

What stays refused is refused with ECS's error for the mistake, or, for a sandbox limit, one
line saying why: privileged containers, added capabilities, host devices, the host's PID and IPC
namespaces and host folders outside the sandbox's own are refused to keep a shared machine safe.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from sandbox.core import errors
from sandbox.core.model import (
    HOST_FOLDER,
    SHARED_VOLUME,
    TASK_VOLUME,
    ContainerSettings,
    Mount,
    PortMapping,
    TaskDefinition,
)
from sandbox.core.rules import NAME
from sandbox.scheduler.placement import PlacementError, check_constraints
from .taskdef_file import MAX_JSON_BYTES, TaskDefinitionFileError, _Where, parse_one, register_request

INSTANCE_MEMORY = 4096
"""MiB of a simulated instance: a container with no hard memory limit can use up to this much."""
MAX_PORT_RANGE = 100
"""Ports one containerPortRange may publish: each is a listener on the one engine."""
SECURITY = "a learner's task shares this machine with others, so the sandbox never gives one"
FARGATE_WHY = ("tasks run on the local Docker engine, as on an EC2 container instance; "
               "use requiresCompatibilities EC2 or leave it out")
SANDBOX_ACCOUNT = "123456789012"


def _refuse(field: str, why: str) -> errors.InvalidParameterException:
    return errors.InvalidParameterException(f"RegisterTaskDefinition: {field} is not supported by the servicelab sandbox: {why}")


def _invalid(container: str, what: str) -> errors.ClientException:
    return errors.ClientException(f"Invalid setting for container '{container}'. {what}")


# -- RegisterTaskDefinition's request → the sandbox's task definition ------------------------------
def from_request(body: dict[str, Any]) -> TaskDefinition:
    """The request (already checked against ECS's model) as a task definition, or ECS's error."""
    definition = {k: v for k, v in body.items() if k != "tags"}
    size = len(json.dumps(definition).encode())
    if size > MAX_JSON_BYTES:
        raise errors.ClientException(f"the task definition is {size / 1024:.0f} KiB as JSON; ECS allows at most "
                                     f"{MAX_JSON_BYTES // 1024} KiB")
    _check_family(body.get("family", ""))
    c = _one_container(body.get("containerDefinitions") or [])
    _check_task_level(body)
    network_mode = body.get("networkMode", "bridge")
    cpu, memory, settings = _resources(body, c)
    # ECS keeps task-level sizes as units: '1 vCPU' is registered as '1024', '0.5 GB' as '512'.
    for field, unit in (("cpu", "vCPU"), ("memory", "GB")):
        if body.get(field):
            definition[field] = str(task_size(body[field], unit, field))
    data: dict[str, Any] = {
        "family": body["family"], "image": c["image"], "command": c.get("command") or [],
        "environment": {e.get("name", ""): e.get("value", "") for e in c.get("environment") or []},
        "memory": memory, "networkMode": network_mode,
    }
    if cpu is not None:
        data["cpu"] = cpu
    ports = _ports(c, network_mode)
    first_tcp = next((p.container_port for p in ports if p.protocol == "tcp"), None)
    if first_tcp is not None:
        data["containerPort"] = first_tcp
    if c.get("healthCheck"):
        data["healthCheck"] = c["healthCheck"]
    try:
        td, _ = parse_one(data, _Where(f"RegisterTaskDefinition container {c['name']!r}", None))
    except TaskDefinitionFileError as exc:
        raise errors.InvalidParameterException(str(exc)) from None
    settings = dataclasses.replace(settings, ports=ports if _ports_differ(ports, first_tcp) else (),
                                   mounts=_mounts(body, c), **_container_settings(c))
    return dataclasses.replace(
        td, container_name="" if c["name"] == body["family"] else c["name"], settings=settings,
        placement_constraints=tuple((p.get("type", ""), p.get("expression", "")) for p in body.get("placementConstraints") or []),
        definition=definition, tags=tuple((t["key"], t.get("value", "")) for t in body.get("tags") or []),
    )


def _check_family(family: str) -> None:
    if not family:
        raise errors.ClientException("Family can not be blank.")
    if not NAME.match(family):
        raise errors.ClientException("Family contains invalid characters.")


def _one_container(containers: list[dict[str, Any]]) -> dict[str, Any]:
    if not containers:
        raise errors.ClientException("Container list cannot be empty.")
    if len(containers) > 1:
        names = ", ".join(str(c.get("name")) for c in containers)
        raise errors.InvalidParameterException(
            f"containerDefinitions: the servicelab sandbox runs one container per task for now, and this task "
            f"definition has {len(containers)} ({names}); register each as a task definition of its own")
    c = containers[0]
    for field in ("name", "image"):
        if not c.get(field):
            raise errors.ClientException(f"Container.{field} should not be null or empty.")
    if not NAME.match(c["name"]):
        raise errors.ClientException("Container.name contains invalid characters.")
    if c.get("essential") is False:
        raise errors.ClientException(
            f"A task definition must have at least one essential container; its only container, "
            f"'{c['name']}', has essential false.")
    for field, key in (("links", None), ("volumesFrom", "sourceContainer"), ("dependsOn", "containerName")):
        for entry in c.get(field) or []:
            other = entry if key is None else entry.get(key)
            raise _invalid(c["name"], f"{field} names container '{other}', which this task definition does not "
                                      f"have (its only container is '{c['name']}').")
    _check_security(c)
    return c


def _check_security(c: dict[str, Any]) -> None:
    if c.get("privileged"):
        raise _refuse("privileged true", f"a privileged container can use the machine's devices and kernel, and {SECURITY} that")
    linux = c.get("linuxParameters") or {}
    added = (linux.get("capabilities") or {}).get("add") or []
    if added:
        raise _refuse(f"linuxParameters.capabilities.add {added}",
                      f"task containers run with every Linux capability dropped; {SECURITY} power over the machine")
    if linux.get("devices"):
        raise _refuse("linuxParameters.devices", f"a host device would reach past the container, and {SECURITY} one")
    ours = [k for k in c.get("dockerLabels") or {} if k.startswith("servicelab.")]
    if ours:
        raise _refuse(f"dockerLabels {ours[0]!r}", "servicelab.* labels say which sandbox owns a container")
    if (c.get("restartPolicy") or {}).get("enabled"):
        raise _refuse("restartPolicy enabled", "the sandbox replaces a task whose essential container exits, "
                                              "as ECS does without a restart policy; set enabled false or leave it out")


def _check_task_level(body: dict[str, Any]) -> None:
    for field in ("pidMode", "ipcMode"):
        if body.get(field) == "host":
            raise _refuse(f"{field} host", f"the host's {field[:3].upper()} namespace shows every process of the "
                                           f"machine, and {SECURITY} that")
    for value in body.get("requiresCompatibilities") or []:
        if value not in ("EC2", "EXTERNAL"):
            raise _refuse(f"requiresCompatibilities {value!r}", FARGATE_WHY)
    for p in body.get("placementConstraints") or []:
        if p.get("type") != "memberOf":
            raise errors.ClientException("A task definition's placementConstraints may only be of type memberOf.")
        try:
            check_constraints([p])
        except PlacementError as exc:
            raise errors.InvalidParameterException(f"placementConstraints: {exc}") from None


SIZE = re.compile(r"^\s*(\d{1,6}(?:\.\d{1,3})?)\s*([A-Za-z]*)\s*$")  # bounded: 400 digits overflow a float


def task_size(value: str, unit: str, field: str) -> int:
    """ECS's task-level sizes are strings: '512', or '1 vCPU' / '1 GB' (1024 units each)."""
    match = SIZE.match(value)
    if not match or match.group(2).lower() not in ("", unit.lower()):
        raise errors.ClientException(f"Invalid '{field}' setting for task: {value!r}; use e.g. '512' or '1 {unit}'")
    return int(float(match.group(1)) * (1024 if match.group(2) else 1))


def _resources(body: dict[str, Any], c: dict[str, Any]) -> tuple[int | None, int, ContainerSettings]:
    """What the task reserves (cpu, memory) and the hard limits, as ECS reckons them on EC2."""
    name = c["name"]
    task_cpu = task_size(body["cpu"], "vCPU", "cpu") if body.get("cpu") else None
    task_memory = task_size(body["memory"], "GB", "memory") if body.get("memory") else None
    hard, soft = c.get("memory"), c.get("memoryReservation")
    if not (hard or soft or task_memory):
        raise _invalid(name, "At least one of 'memory' or 'memoryReservation' must be specified.")
    for field, value in (("memory", hard), ("memoryReservation", soft)):
        if value is not None and value < 6:
            raise _invalid(name, f"'{field}' is {value} MiB; a container needs at least 6 MiB.")
    if hard and soft and soft > hard:
        raise _invalid(name, f"'memoryReservation' ({soft}) must be less than or equal to 'memory' ({hard}).")
    if task_memory and max(hard or 0, soft or 0) > task_memory:
        raise _invalid(name, f"The container's memory ({max(hard or 0, soft or 0)} MiB) is more than the task's "
                             f"({task_memory} MiB).")
    if task_cpu and (c.get("cpu") or 0) > task_cpu:
        raise _invalid(name, f"The container's cpu ({c['cpu']}) is more than the task's ({task_cpu}).")
    # ECS reserves the task's memory if given, else memoryReservation, else memory.
    reserved = task_memory or soft or hard
    limit = hard or task_memory or INSTANCE_MEMORY
    settings = ContainerSettings(
        memory_limit=limit if limit != reserved else None,
        memory_reservation=soft,
        cpu_limit=task_cpu,
    )
    # cpu 0 (what ECS echoes when none was given) means no reservation: the sandbox's default.
    return task_cpu or c.get("cpu") or None, reserved, settings


def _ports(c: dict[str, Any], network_mode: str) -> tuple[PortMapping, ...]:
    out: list[PortMapping] = []
    for p in c.get("portMappings") or []:
        protocol = p.get("protocol", "tcp")
        if p.get("containerPortRange"):
            out.extend(PortMapping(n, 0, protocol) for n in _port_range(c["name"], p["containerPortRange"]))
            continue
        if not p.get("containerPort"):
            raise _invalid(c["name"], "portMappings need a containerPort or a containerPortRange.")
        port, host = p["containerPort"], p.get("hostPort", 0)
        if network_mode in ("host", "awsvpc") and host not in (0, port):
            raise errors.ClientException(
                f"When networkMode={network_mode}, the host ports and container ports in port mappings must match.")
        if not 1 <= port <= 65535 or not 0 <= host <= 65535:
            raise _invalid(c["name"], f"portMappings: port {port if not 1 <= port <= 65535 else host} is not from 1 to 65535.")
        out.append(PortMapping(port, host if network_mode == "bridge" else 0, protocol))
    return tuple(out)


def _port_range(name: str, text: str) -> range:
    match = re.fullmatch(r"(\d{1,5})-(\d{1,5})", text)
    if not match or not 1 <= int(match.group(1)) < int(match.group(2)) <= 65535:
        raise _invalid(name, f"containerPortRange {text!r} is not a range like 8000-8010.")
    low, high = int(match.group(1)), int(match.group(2))
    if high - low + 1 > MAX_PORT_RANGE:
        raise _refuse(f"containerPortRange {text!r}", f"one engine publishes at most {MAX_PORT_RANGE} ports of a range")
    return range(low, high + 1)


def _ports_differ(ports: tuple[PortMapping, ...], first_tcp: int | None) -> bool:
    """Whether the runtime needs the list: anything beyond the one dynamic TCP port containerPort says."""
    return ports != ((PortMapping(first_tcp),) if first_tcp is not None else ())


def _mounts(body: dict[str, Any], c: dict[str, Any]) -> tuple[Mount, ...]:
    volumes = {v.get("name"): v for v in body.get("volumes") or []}
    out = []
    for m in c.get("mountPoints") or []:
        volume = volumes.get(m.get("sourceVolume"))
        if volume is None:
            raise _invalid(c["name"], f"mountPoints names sourceVolume '{m.get('sourceVolume')}', which is not one "
                                      f"of this task definition's volumes ({', '.join(map(str, volumes)) or 'none'}).")
        if not str(m.get("containerPath") or "").startswith("/"):
            raise _invalid(c["name"], f"mountPoints for volume '{volume['name']}' need a containerPath from /.")
        out.append(_mount(volume, m["containerPath"], bool(m.get("readOnly"))))
    return tuple(out)


NETWORK_STORAGE = ("efsVolumeConfiguration", "fsxWindowsFileServerVolumeConfiguration", "s3filesVolumeConfiguration")


def _mount(volume: dict[str, Any], target: str, read_only: bool) -> Mount:
    """How the sandbox provides one ECS volume on one machine."""
    name = volume["name"]
    if (volume.get("host") or {}).get("sourcePath"):
        return Mount(HOST_FOLDER, volume["host"]["sourcePath"], target, read_only)
    docker = volume.get("dockerVolumeConfiguration")
    if docker is not None:
        if docker.get("driver", "local") != "local":
            raise _refuse(f"volume '{name}' driver {docker['driver']!r}", "the sandbox's engine has only Docker's local volume driver")
        if docker.get("driverOpts"):
            raise _refuse(f"volume '{name}' driverOpts", f"local driver options can mount any folder of the machine, and {SECURITY} that")
        if docker.get("scope", "task") == "shared":
            return Mount(SHARED_VOLUME, name, target, read_only, autoprovision=bool(docker.get("autoprovision")))
        return Mount(TASK_VOLUME, name, target, read_only)
    for kind in NETWORK_STORAGE:
        if volume.get(kind) is not None:
            # Network storage outlives tasks and is shared by them: one volume of the sandbox per file system.
            system = volume[kind].get("fileSystemId") or name
            return Mount(SHARED_VOLUME, f"{kind.removesuffix('VolumeConfiguration')}-{system}", target, read_only)
    return Mount(TASK_VOLUME, name, target, read_only)


def _container_settings(c: dict[str, Any]) -> dict[str, Any]:
    """The members of ContainerSettings one container definition sets directly."""
    linux = c.get("linuxParameters") or {}
    stop = c.get("stopTimeout")
    if stop is not None and not 0 <= stop <= 120:
        raise _invalid(c["name"], f"stopTimeout {stop} is out of range: allowed 0 to 120 seconds.")
    for u in c.get("ulimits") or []:
        if u["softLimit"] > u["hardLimit"]:
            raise _invalid(c["name"], f"ulimit '{u['name']}': softLimit {u['softLimit']} is more than hardLimit {u['hardLimit']}.")
    tmpfs = []
    for t in linux.get("tmpfs") or []:
        if not 1 <= t["size"] <= INSTANCE_MEMORY:
            raise _invalid(c["name"], f"tmpfs size {t['size']} MiB is out of range: allowed 1 to {INSTANCE_MEMORY}.")
        tmpfs.append((t["containerPath"], t["size"], tuple(t.get("mountOptions") or ())))
    return {
        "entry_point": tuple(c["entryPoint"]) if c.get("entryPoint") else None,
        "working_directory": c.get("workingDirectory") or None,
        "user": c.get("user") or None,
        "hostname": c.get("hostname") or None,
        "stop_timeout": stop,
        "ulimits": tuple((u["name"], u["softLimit"], u["hardLimit"]) for u in c.get("ulimits") or []),
        "docker_labels": tuple((c.get("dockerLabels") or {}).items()),
        "dns_servers": tuple(c.get("dnsServers") or ()),
        "dns_search_domains": tuple(c.get("dnsSearchDomains") or ()),
        "extra_hosts": tuple((h["hostname"], h["ipAddress"]) for h in c.get("extraHosts") or []),
        "system_controls": tuple((s.get("namespace", ""), s.get("value", "")) for s in c.get("systemControls") or []),
        "tmpfs": tuple(tmpfs),
        "init_process": bool(linux.get("initProcessEnabled")),
        "shared_memory_size": linux.get("sharedMemorySize"),
        "max_swap": linux.get("maxSwap"),
        "swappiness": linux.get("swappiness"),
        "interactive": bool(c.get("interactive")),
        "pseudo_terminal": bool(c.get("pseudoTerminal")),
        "disable_networking": bool(c.get("disableNetworking")),
    }


def check_host_folders(td: TaskDefinition, root: Path | None) -> None:
    """Host folders only from under the sandbox's own folder (checked again when a task starts)."""
    for mount in td.settings.mounts:
        if mount.kind == HOST_FOLDER and not is_under(mount.source, root):
            where = f"under {root}" if root else "of this machine: this sandbox has no folder"
            raise _refuse(
                f"host.sourcePath {mount.source!r}",
                f"a task may mount only folders {where}, so no task reads or changes your other files. "
                "Leave out host.sourcePath for a Docker volume of the task's own, or use dockerVolumeConfiguration")


def is_under(path: str, root: Path | None) -> bool:
    if root is None or not path.startswith("/"):
        return False
    resolved, top = Path(path).resolve(), root.resolve()
    return resolved == top or top in resolved.parents


def check_stored(data: dict[str, Any]) -> None:
    """A task definition read back from a state file: its settings must be the ones its request gives."""
    from sandbox.api import ecs_model

    definition = data["definition"]
    if not isinstance(definition, dict):
        raise errors.InvalidParameterException("definition is not a mapping")
    ecs_model.check_request("RegisterTaskDefinition", definition, {k: True for k in definition})
    derived = json.loads(json.dumps(from_request(definition).to_dict()))  # as the state file holds it
    kept = ("status", "revision", "registeredAt", "description", "tags", "deregisteredAt", "deleteRequestedAt")
    for key, value in derived.items():
        if key not in kept and data.get(key) != value:
            raise errors.InvalidParameterException(f"{key} is not what its definition gives")
    extra = sorted(set(data) - set(derived) - set(kept))
    if extra:
        raise errors.InvalidParameterException(f"{extra[0]} is not what its definition gives")


# -- the sandbox's task definition → DescribeTaskDefinition's shape ---------------------------------
def request_of(td: TaskDefinition) -> dict[str, Any]:
    """The request a task definition was registered with (the YAML ones' are built from their fields)."""
    return td.definition if td.definition is not None else register_request(td)


CONTAINER_DEFAULTS = (("cpu", 0), ("portMappings", []), ("essential", True), ("environment", []),
                      ("mountPoints", []), ("volumesFrom", []))
"""What ECS adds to every container definition it echoes."""


def described(td: TaskDefinition, arn: str) -> dict[str, Any]:
    """The request as registered, with exactly what ECS adds: defaults, ARN, revision, status, times."""
    request = json.loads(json.dumps(request_of(td)))  # a copy: the stored request never changes
    network_mode = request.get("networkMode", "bridge")
    for c in request["containerDefinitions"]:
        for key, default in CONTAINER_DEFAULTS:
            c.setdefault(key, default)
        for p in c["portMappings"]:
            if "containerPort" in p:
                p.setdefault("hostPort", 0 if network_mode == "bridge" else p["containerPort"])
            p.setdefault("protocol", "tcp")
    shape: dict[str, Any] = {"taskDefinitionArn": arn, **request, "revision": td.revision, "status": td.status}
    shape.setdefault("volumes", [])
    shape.setdefault("placementConstraints", [])
    shape["compatibilities"] = compatibilities(request)
    attributes = required_attributes(request)
    if attributes:
        shape["requiresAttributes"] = [{"name": a} for a in attributes]
    shape["registeredAt"] = td.registered_at
    shape["registeredBy"] = f"arn:aws:iam::{SANDBOX_ACCOUNT}:root"
    if td.deregistered_at is not None:
        shape["deregisteredAt"] = td.deregistered_at
    if td.delete_requested_at is not None:
        shape["deleteRequestedAt"] = td.delete_requested_at
    return shape


def compatibilities(request: dict[str, Any]) -> list[str]:
    """Where ECS could run it: EXTERNAL too outside awsvpc, FARGATE too with awsvpc and task-level sizes."""
    if request.get("networkMode") == "awsvpc":
        return ["EC2", "FARGATE"] if request.get("cpu") and request.get("memory") else ["EC2"]
    return ["EXTERNAL", "EC2"]


def required_attributes(request: dict[str, Any]) -> list[str]:
    """The container instance capabilities ECS lists as requiresAttributes for what the task uses."""
    names: list[str] = []

    def need(*attributes: str) -> None:
        names.extend(a for a in attributes if a not in names)

    for c in request["containerDefinitions"]:
        log = c.get("logConfiguration") or {}
        if log.get("logDriver") == "awslogs":
            need("com.amazonaws.ecs.capability.logging-driver.awslogs")
            if request.get("executionRoleArn"):
                need("ecs.capability.execution-role-awslogs")
        if log:
            need("com.amazonaws.ecs.capability.docker-remote-api.1.19")
        if ".dkr.ecr." in c.get("image", ""):
            need("com.amazonaws.ecs.capability.ecr-auth")
            if request.get("executionRoleArn"):
                need("ecs.capability.execution-role-ecr-pull")
        if c.get("memoryReservation"):
            need("com.amazonaws.ecs.capability.docker-remote-api.1.21")
        if c.get("dockerLabels"):
            need("com.amazonaws.ecs.capability.docker-remote-api.1.18")
        if c.get("healthCheck"):
            need("ecs.capability.container-health-check")
        for secret in c.get("secrets") or []:
            need("ecs.capability.secrets.asm.environment-variables" if ":secretsmanager:" in secret.get("valueFrom", "")
                 else "ecs.capability.secrets.ssm.environment-variables")
    if request.get("taskRoleArn"):
        need("com.amazonaws.ecs.capability.task-iam-role")
    if request.get("networkMode") == "awsvpc":
        need("ecs.capability.task-eni")
    return names
