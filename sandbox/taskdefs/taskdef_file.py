"""Task definitions from YAML files, with errors that name the file, line and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from sandbox.core import safe_yaml
from sandbox.core.model import NETWORK_MODES, HealthCheck, TaskDefinition
from sandbox.core.source_error import SourceError

MAX_JSON_BYTES = 64 * 1024
"""ECS's limit on a task definition's size as JSON."""

FIELDS = {
    "family": "a name: letters, digits, '-' or '_'",
    "revision": "a whole number >= 1 (built-ins only; registering picks the next one)",
    "description": "text",
    "image": "an image name, e.g. servicelab/demo-task",
    "command": "a list of strings",
    "environment": "a mapping of NAME: value",
    "cpu": "CPU units, 1 to 4096 (1024 = one vCPU)",
    "memory": "MiB, 6 to 4096",
    "containerPort": "a port number, 1 to 65535",
    "healthCheck": "a mapping with command, interval, timeout, retries, startPeriod",
    "networkMode": "bridge, host, none or awsvpc",
}
HEALTH_FIELDS = {
    "command": ("a list starting with CMD or CMD-SHELL", None, None),
    # ECS's floors are 5 s and 2 s; the sandbox allows 1 s so lessons need not wait.
    "interval": ("seconds", 1, 300),
    "timeout": ("seconds", 1, 60),
    "retries": ("a count", 1, 10),
    "startPeriod": ("seconds", 0, 300),
}


class TaskDefinitionFileError(SourceError):
    """A task definition file that cannot be registered."""


class _Where:
    def __init__(self, source: str, node: yaml.Node | None) -> None:
        self.source = source
        self.node = node

    def line_of(self, *path: str | int) -> int | None:
        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == part:
                        line, node = key.start_mark.line + 1, value
                        break
                else:
                    return line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                return line
        return line

    def error(self, message: str, *path: str | int) -> TaskDefinitionFileError:
        return TaskDefinitionFileError(self.source, self.line_of(*path), message)


def _int(where: _Where, value: Any, low: int, high: int, *path: str | int) -> int:
    field = ".".join(p for p in path if isinstance(p, str))
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(f"field {field!r} must be a whole number from {low} to {high}, got {value!r}", *path)
    if not low <= value <= high:
        raise where.error(f"field {field!r} is {value}; allowed {low} to {high}", *path)
    return value


def parse_one(data: Any, where: _Where, index: tuple[int, ...] = ()) -> tuple[TaskDefinition, int | None]:
    """Validate one mapping and build the task definition; returns it and its pinned revision."""
    if not isinstance(data, dict):
        raise where.error("a task definition must be a mapping of fields", *index)
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise where.error(
            f"unknown field {unknown[0]!r}; allowed fields: {', '.join(FIELDS)}", *index, unknown[0]
        )
    for required in ("family", "image"):
        if not data.get(required) or not isinstance(data[required], str):
            raise where.error(f"field {required!r} is required: {FIELDS[required]}", *index, required)
    command = data.get("command", [])
    if not isinstance(command, list) or not all(isinstance(c, (str, int)) for c in command):
        raise where.error(f"field 'command' must be {FIELDS['command']}", *index, "command")
    environment = data.get("environment", {}) or {}
    if not isinstance(environment, dict):
        raise where.error(f"field 'environment' must be {FIELDS['environment']}", *index, "environment")
    cpu = _int(where, data.get("cpu", 128), 1, 4096, *index, "cpu")
    memory = _int(where, data.get("memory", 64), 6, 4096, *index, "memory")
    port = data.get("containerPort")
    if port is not None:
        port = _int(where, port, 1, 65535, *index, "containerPort")
    revision = data.get("revision")
    if revision is not None:
        revision = _int(where, revision, 1, 1_000_000, *index, "revision")
    health = _health_check(data["healthCheck"], where, index) if data.get("healthCheck") is not None else None
    network_mode = data.get("networkMode", "bridge")
    if network_mode not in NETWORK_MODES:
        raise where.error(f"field 'networkMode' is {network_mode!r}; allowed: {', '.join(NETWORK_MODES)}", *index, "networkMode")
    td = TaskDefinition(
        network_mode=network_mode,
        family=data["family"],
        revision=revision or 0,
        image=data["image"],
        command=tuple(str(c) for c in command),
        environment=tuple((str(k), str(v)) for k, v in environment.items()),
        cpu=cpu,
        memory=memory,
        container_port=port,
        health_check=health,
        description=str(data.get("description", "")),
    )
    _check_text_and_size(td, where, index)
    return td, revision


def _health_check(hc: Any, where: _Where, index: tuple[int, ...]) -> HealthCheck:
    if not isinstance(hc, dict):
        raise where.error(f"field 'healthCheck' must be {FIELDS['healthCheck']}", *index, "healthCheck")
    unknown = sorted(set(hc) - set(HEALTH_FIELDS))
    if unknown:
        raise where.error(
            f"unknown field 'healthCheck.{unknown[0]}'; allowed: {', '.join(HEALTH_FIELDS)}",
            *index, "healthCheck", unknown[0],
        )
    cmd = hc.get("command")
    if not isinstance(cmd, list) or len(cmd) < 2 or cmd[0] not in ("CMD", "CMD-SHELL"):
        raise where.error(
            "field 'healthCheck.command' must be a list like [CMD-SHELL, 'wget -q -O- localhost:8080/health']",
            *index, "healthCheck", "command",
        )
    values = {}
    for name, (_, low, high) in HEALTH_FIELDS.items():
        if name != "command" and name in hc:
            values[name] = _int(where, hc[name], low, high, *index, "healthCheck", name)
    return HealthCheck(
        command=tuple(str(c) for c in cmd),
        interval=values.get("interval", 30),
        timeout=values.get("timeout", 5),
        retries=values.get("retries", 3),
        start_period=values.get("startPeriod", 0),
    )


def _check_text_and_size(td: TaskDefinition, where: _Where, index: tuple[int, ...]) -> None:
    """No NUL in what becomes a command line or an environment (no exec can carry one), and
    ECS's size limit, so no task definition can swell the state file."""
    texts = {"image": [td.image], "command": list(td.command), "environment": [t for e in td.environment for t in e],
             "description": [td.description], "healthCheck": list(td.health_check.command) if td.health_check else []}
    for field, values in texts.items():
        if any("\x00" in value for value in values):
            raise where.error(f"field {field!r} holds a NUL character", *index, field)
    size = len(json.dumps(td.to_dict()).encode())
    if size > MAX_JSON_BYTES:
        raise where.error(f"the task definition is {size / 1024:.0f} KiB as JSON; ECS allows at most "
                          f"{MAX_JSON_BYTES // 1024} KiB", *index)


def parse_text(text: str, source: str) -> list[tuple[TaskDefinition, int | None]]:
    """Parse one mapping or a list of mappings."""
    try:
        # One parse for both: the node tree (for error lines) and the data built from it.
        node, data = safe_yaml.load(text)
    except safe_yaml.YamlError as exc:
        raise TaskDefinitionFileError(source, exc.line, exc.problem) from None
    where = _Where(source, node)
    if data is None:
        raise TaskDefinitionFileError(source, None, "the file is empty; expected a task definition mapping")
    if isinstance(data, list):
        return [parse_one(item, where, (i,)) for i, item in enumerate(data)]
    return [parse_one(data, where)]


def load_file(path: Path) -> list[tuple[TaskDefinition, int | None]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskDefinitionFileError(path, None, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TaskDefinitionFileError(path, None, f"cannot read it ({exc})") from None
    return parse_text(text, str(path))


def builtin() -> list[tuple[TaskDefinition, int | None]]:
    path = Path(__file__).with_name("builtin.yaml")
    return load_file(path)


def register_request(td: TaskDefinition) -> dict[str, Any]:
    """The RegisterTaskDefinition request for a parsed task definition (the CLI and the app send it)."""
    container: dict[str, Any] = {
        "name": td.family, "image": td.image, "command": list(td.command),
        "environment": [{"name": k, "value": v} for k, v in td.environment],
        "cpu": td.cpu, "memory": td.memory,
        "portMappings": [{"containerPort": td.container_port}] if td.container_port else [],
    }
    if td.health_check:
        container["healthCheck"] = td.health_check.to_dict()
    return {"family": td.family, "networkMode": td.network_mode, "containerDefinitions": [container]}
