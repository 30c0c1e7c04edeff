"""What a state file may hold: the shapes `Store.to_dict` writes, within the API's own limits.

A state file is read back only if every record is one the sandbox could have written itself:
the right types, names the API accepts, counts and sizes within the same limits as a request
(desiredCount within the sandbox's cap, task definitions by the task definition rules, deployment
bounds as UpdateService checks them). Anything else is refused with one line naming the record and
the field, e.g. `services[0].desiredCount: 100000 is out of range: allowed 0 to 100`.

The value rules are the API's own (sandbox.actions, taskdef_file, placement, lb.settings,
autoscaling.policy); this module adds only the types and the fields the API never takes directly.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from sandbox.core import errors
from sandbox.core.rules import NAME, check_deployment_configuration
from sandbox.autoscaling import policy as scaling
from sandbox.lb import health as target_health
from sandbox.lb import settings as lb_settings
from sandbox.core.model import (
    ACTIVE,
    DRAINING,
    INACTIVE,
    LIFECYCLE,
    MAX_DESIRED_COUNT,
    MAX_GRACE_SECONDS,
    PRIMARY,
    RUNNING,
    STOPPED,
    DeploymentConfiguration,
)
from sandbox.scheduler import placement
from sandbox.taskdefs import ecs_json
from sandbox.taskdefs.taskdef_file import TaskDefinitionFileError, _Where, parse_one

Rule = Callable[[Any, str], None]
"""Checks one value found at a path such as `services[2].desiredCount`; raises StateError."""

MAX_TEXT = 1 << 20
TIME = (0.0, 1e11)
"""Epoch seconds, up to the year 5138: far past any sandbox clock, even at 100x."""
TASK_ID = r"[0-9a-f]{32}"
REF = r"[A-Za-z0-9_-]{1,255}:[0-9]{1,7}"
ID = r"[A-Za-z0-9_./:-]{1,128}"


class StateError(ValueError):
    """What is wrong in a state file, and where, on one line."""


def _fail(where: str, message: str) -> None:
    raise StateError(f"{where}: {message}" if where else message)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text(pattern: str | None = None, most: int = MAX_TEXT) -> Rule:
    regex = re.compile(pattern) if pattern else None

    def check(value: Any, where: str) -> None:
        if not isinstance(value, str):
            _fail(where, f"{_shown(value)} is not text")
        if len(value) > most or (regex is not None and not regex.fullmatch(value)):
            _fail(where, f"{_shown(value)} is not valid here")

    return check


def whole(low: int, high: int) -> Rule:
    def check(value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(where, f"{_shown(value)} is not a whole number")
        if not low <= value <= high:
            _fail(where, f"{value} is out of range: allowed {low} to {high}")

    return check


def number(low: float, high: float) -> Rule:
    def check(value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(where, f"{_shown(value)} is not a number")
        if not low <= value <= high:
            _fail(where, f"{value} is out of range: allowed {low:g} to {high:g}")

    return check


def one_of(*values: Any) -> Rule:
    def check(value: Any, where: str) -> None:
        if isinstance(value, bool) != isinstance(values[0], bool) or value not in values:
            _fail(where, f"{_shown(value)} is not one of {', '.join(map(str, values))}")

    return check


def maybe(rule: Rule) -> Rule:
    def check(value: Any, where: str) -> None:
        if value is not None:
            rule(value, where)

    return check


def items(rule: Rule) -> Rule:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            _fail(where, f"{_shown(value)} is not a list")
        for index, item in enumerate(value):
            rule(item, f"{where}[{index}]")

    return check


def record(required: dict[str, Rule], optional: dict[str, Rule] | None = None,
           then: Callable[[dict[str, Any]], None] | None = None) -> Rule:
    """A mapping with these fields; `then` applies the API's own rules to the whole of it."""
    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, f"{_shown(value)} is not a mapping")
        for name, rule in required.items():
            if name not in value:
                _fail(where, f"field {name!r} is missing")
            rule(value[name], f"{where}.{name}" if where else name)
        for name, rule in (optional or {}).items():
            if name in value:
                rule(value[name], f"{where}.{name}" if where else name)
        if then is not None:
            try:
                then(value)
            except (errors.SandboxError, TaskDefinitionFileError, placement.PlacementError) as exc:
                _fail(where, getattr(exc, "message", None) or getattr(exc, "detail", None) or str(exc))

    return check


FLAG = one_of(True, False)
WHEN = number(*TIME)
NAME_RULE = text(NAME.pattern)
COUNT = whole(0, 2**31 - 1)
TAGS = items(record({"key": text(most=128), "value": text(most=256)}))


def _task_definition_rules(data: dict[str, Any]) -> None:
    """The fields RegisterTaskDefinition takes, by the task definition rules."""
    if data.get("definition") is not None:
        # Registered through the API: everything else must be what its request gives.
        ecs_json.check_stored(data)
        return
    as_file = {k: data[k] for k in ("family", "revision", "image", "command", "cpu", "memory",
                                    "healthCheck", "networkMode", "description") if data.get(k) is not None}
    as_file["environment"] = {e["name"]: e["value"] for e in data.get("environment") or []}
    if data.get("containerPort") is not None:
        as_file["containerPort"] = data["containerPort"]
    parse_one(as_file, _Where("task definition", None))


TASK_DEFINITION = record(
    {"family": NAME_RULE, "revision": whole(1, 1_000_000), "image": text()},
    {"status": one_of(ACTIVE, INACTIVE, "DELETE_IN_PROGRESS"), "registeredAt": WHEN, "description": text(),
     "environment": maybe(items(record({"name": text(), "value": text()}))), "tags": TAGS,
     "deregisteredAt": maybe(WHEN), "deleteRequestedAt": maybe(WHEN)},
    then=_task_definition_rules,
)


def _deployment_configuration_rules(data: dict[str, Any]) -> None:
    check_deployment_configuration(DeploymentConfiguration.from_dict(data))


DEPLOYMENT_CONFIGURATION = record({}, {
    "minimum_healthy_percent": whole(0, 100), "maximum_percent": whole(100, 200),
    "circuit_breaker_enable": FLAG, "circuit_breaker_rollback": FLAG, "strategy": text(),
    "canary_percent": number(0, 100), "linear_step_percent": number(0, 100), "bake_seconds": COUNT,
}, then=_deployment_configuration_rules)

DEPLOYMENT = record(
    {"id": text(ID), "task_definition": text(REF), "created_at": WHEN, "updated_at": WHEN},
    {"status": one_of(PRIMARY, ACTIVE, INACTIVE), "rollout_state": one_of("IN_PROGRESS", "COMPLETED", "FAILED"),
     "rollout_state_reason": text(), "rollback_of": maybe(text(ID)), "failed_tasks": COUNT,
     "traffic_percent": number(0, 100), "shifted_at": maybe(WHEN)},
)


def _load_balancer_rules(data: dict[str, Any]) -> None:
    lb_settings.check({k: data[k] for k in lb_settings.DEFAULTS if k in data})


LOAD_BALANCER = record(
    {"targetGroupArn": text(most=512), "containerName": NAME_RULE, "containerPort": whole(1, 65535)},
    {"listenerPort": maybe(whole(1, 65535))},
    then=_load_balancer_rules,
)


def _policy_rules(data: dict[str, Any]) -> None:
    scaling.check(data["metric"], data["target"], data["min_capacity"], data["max_capacity"],
                  data.get("scale_out_cooldown", scaling.DEFAULT_COOLDOWN),
                  data.get("scale_in_cooldown", scaling.DEFAULT_COOLDOWN))


AUTOSCALING = record(
    {"policy": record({"metric": text(), "target": number(0, 1e6), "min_capacity": COUNT, "max_capacity": COUNT},
                      then=_policy_rules)},
    {"setAt": WHEN, "state": maybe(record({}, {
        "lastScaleOutAt": maybe(WHEN), "lastScaleInAt": maybe(WHEN), "sampledAt": maybe(WHEN),
        "metric": maybe(number(-1e12, 1e12)), "capacity": maybe(COUNT), "status": maybe(text()),
        "lastAction": maybe(record({}, {"at": WHEN, "from": COUNT, "to": COUNT, "direction": text(),
                                        "reason": text(), "message": text()})),
    }))},
)


def _placement_rules(data: dict[str, Any]) -> None:
    placement.check_strategy(data.get("placementStrategy") or [])
    placement.check_constraints(data.get("placementConstraints") or [])


SERVICE = record(
    {"name": NAME_RULE, "cluster": NAME_RULE, "taskDefinition": text(REF),
     "desiredCount": whole(0, MAX_DESIRED_COUNT)},
    {"status": one_of(ACTIVE, DRAINING, INACTIVE), "createdAt": WHEN,
     "events": items(record({"id": text(ID), "createdAt": WHEN, "message": text()})),
     "decisions": items(record({"at": WHEN, "text": text()})),
     "chaos": maybe(record({"every": number(0.5, 600), "until": WHEN, "next_at": WHEN}, {"stopped": COUNT})),
     "deployments": items(DEPLOYMENT),
     "deploymentConfiguration": maybe(DEPLOYMENT_CONFIGURATION),
     "placementStrategy": maybe(items(record({"type": text()}, {"field": text()}))),
     "placementConstraints": maybe(items(record({"type": text()}, {"expression": text()}))),
     "azRebalancing": FLAG, "schedulingStrategy": one_of("REPLICA", "DAEMON"),
     "loadBalancer": maybe(LOAD_BALANCER), "autoscaling": maybe(AUTOSCALING),
     "healthCheckGracePeriodSeconds": whole(0, MAX_GRACE_SECONDS), "tags": TAGS,
     "propagateTags": one_of("NONE", "SERVICE", "TASK_DEFINITION"), "enableECSManagedTags": FLAG},
    then=_placement_rules,
)

def _overrides(value: Any, where: str) -> None:
    """RunTask's overrides as the API takes them: checked against ECS's model."""
    from sandbox.api import ecs_model

    try:
        ecs_model.check_request("RunTask", {"taskDefinition": "x", "overrides": value}, {"taskDefinition": True, "overrides": True})
    except errors.SandboxError as exc:
        _fail(where, exc.message)


TASK = record(
    {"task_id": text(TASK_ID), "cluster": NAME_RULE, "task_definition": text(REF)},
    {"service": maybe(NAME_RULE), "last_status": one_of(*LIFECYCLE), "desired_status": one_of(RUNNING, STOPPED),
     "health_status": one_of("HEALTHY", "UNHEALTHY", "UNKNOWN"), "created_at": WHEN,
     "started_at": maybe(WHEN), "stopping_at": maybe(WHEN), "stopped_at": maybe(WHEN),
     "stop_code": maybe(text(most=256)), "stopped_reason": maybe(text()), "exit_code": maybe(whole(-2**31, 2**31 - 1)),
     "container_id": maybe(text(ID)), "host_port": maybe(whole(1, 65535)), "container_reason": maybe(text()),
     "launch_seq": COUNT, "logs_tail": text(), "version": COUNT, "deployment_id": maybe(text(ID)),
     "instance_id": maybe(text(ID)), "zone": maybe(text(ID)),
     "target_health": maybe(one_of(target_health.INITIAL, target_health.HEALTHY, target_health.UNHEALTHY,
                                   target_health.DRAINING)),
     "started_by": maybe(text(most=128)), "tags": TAGS, "overrides": maybe(_overrides),
     "network_bindings": items(record({"bindIP": text(most=64), "containerPort": whole(0, 65535),
                                       "hostPort": whole(0, 65535), "protocol": one_of("tcp", "udp")}))},
)

CLUSTER = record({"name": NAME_RULE}, {"status": one_of(ACTIVE, INACTIVE), "created_at": WHEN, "tags": TAGS})

INSTANCE = record(
    {"id": text(ID), "cluster": NAME_RULE, "zone": text(r"[a-z]{2}-[a-z]+-\d[a-z]")},
    {"cpu": whole(128, 16384), "memory": whole(128, 65536), "status": one_of(ACTIVE, DRAINING), "zone_failed": FLAG,
     "registered_at": WHEN, "tags": TAGS},
)


def check_state(data: Any, format_version: int) -> None:
    """Raise StateError (one line, naming the record and field) unless `data` is a state we could have written."""
    record(
        {"format": one_of(format_version), "clusters": items(CLUSTER), "taskDefinitions": items(TASK_DEFINITION),
         "services": items(SERVICE), "tasks": items(TASK)},
        {"instances": items(INSTANCE)},
    )(data, "")
