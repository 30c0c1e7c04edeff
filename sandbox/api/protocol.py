"""The wire format both sides of the sandbox API agree on, and what a request may hold.

Every request is checked here before anything uses it, so the server's only answers to a bad one
are ECS-shaped 4xx errors: a body that is not a JSON object of bounded size and depth, with finite
numbers and text that is valid Unicode, is a SerializationException; a servicelab operation's
member of the wrong type is an InvalidParameterException, as botocore's model checks ECS's.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sandbox.state import atomic
from sandbox.core import errors

ECS_PREFIX = "AmazonEC2ContainerServiceV20141113."
LAB_PREFIX = "ServiceLab."
JSON_TYPE = "application/x-amz-json-1.1"

MAX_BODY_BYTES = 1 << 20
"""A request body larger than this is refused (a task definition is at most 64 KiB in ECS)."""
MAX_DEPTH = 16
"""Nesting a request may have: ECS's deepest input (a container's health check command) needs 4."""
MAX_HEADER_CHARS = 8192


class SerializationException(errors.SandboxError):
    """What AWS's JSON services answer for a body they cannot read."""

    code = "SerializationException"


class Member(NamedTuple):
    """A type a servicelab operation's member has, for the check and its message."""

    types: tuple[type, ...]
    items: type | None
    name: str


TEXT = Member((str,), None, "text")
WHOLE = Member((int,), None, "a whole number")
NUMBER = Member((int, float), None, "a number")
FLAG = Member((bool,), None, "true or false")
TEXTS = Member((list,), str, "a list of text")
OBJECT = Member((dict,), None, "an object")
OBJECTS = Member((list,), dict, "a list of objects")
CLUSTER = {"cluster": TEXT}
LAB_MEMBERS: dict[str, dict[str, Member]] = {
    "Status": {},
    "Watch": {**CLUSTER, "sinceVersion": WHOLE, "timeoutSeconds": NUMBER},
    "Tasks": {**CLUSTER, "service": TEXT, "task": TEXT, "includeStopped": FLAG},
    "Instances": CLUSTER,
    "SetInstanceStatus": {**CLUSTER, "instance": TEXT, "status": TEXT},
    "AddInstance": {**CLUSTER, "zone": TEXT, "cpu": WHOLE, "memory": WHOLE},
    "SetZoneFailed": {**CLUSTER, "zone": TEXT, "failed": FLAG},
    "SyncTaskDefinitions": {"family": TEXT, "taskDefinitions": OBJECTS},
    "StartChaos": {**CLUSTER, "service": TEXT, "every": NUMBER, "for": NUMBER},
    "StopChaos": {**CLUSTER, "service": TEXT},
    "KillTask": {**CLUSTER, "task": TEXT},
    "ExecArgv": {**CLUSTER, "task": TEXT, "command": TEXTS, "interactive": FLAG},
    "TaskStats": {"tasks": TEXTS},
    "TaskLogs": {**CLUSTER, "task": TEXT, "follow": FLAG, "tail": WHOLE},
    "Shutdown": {"removeEverything": FLAG},
    "CreateServiceWithLoadBalancer": {"createService": OBJECT, "loadBalancer": OBJECT},
    "LoadBalancers": {**CLUSTER, "service": TEXT},
    "PutScalingPolicy": {**CLUSTER, "service": TEXT, "metric": TEXT, "target": NUMBER, "minCapacity": WHOLE,
                         "maxCapacity": WHOLE, "scaleOutCooldown": NUMBER, "scaleInCooldown": NUMBER},
    "DeleteScalingPolicy": {**CLUSTER, "service": TEXT},
    "DescribeScaling": {**CLUSTER, "service": TEXT},
}
"""The members each servicelab operation takes (what sandbox.api.client, the CLI and the app send)."""


def parse_body(raw: bytes) -> dict[str, Any]:
    """The request's JSON object (an empty body is `{}`), or SerializationException saying why not."""
    if len(raw) > MAX_BODY_BYTES:
        raise SerializationException(f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB")
    if not raw.strip():
        return {}
    try:
        body = atomic.parse_json(raw, MAX_DEPTH)
    except atomic.Unreadable as exc:
        raise SerializationException(f"the request body is not usable JSON: {exc}") from None
    if not isinstance(body, dict):
        raise SerializationException("the request body is not a JSON object")
    problem = _text_problem(body)
    if problem:
        raise SerializationException(f"the request body {problem}")
    return body


def _text_problem(body: dict[str, Any]) -> str | None:
    """Text that no header, label or file could carry: NUL characters, or lone UTF-16 surrogates."""
    stack: list[Any] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            if "\x00" in node:
                return "holds a NUL character in a string"
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "holds a string that is not valid Unicode (a lone surrogate)"
    return None


def check_lab_request(operation: str, body: dict[str, Any]) -> None:
    """Refuse members a servicelab operation does not take, and members of the wrong type."""
    members = LAB_MEMBERS.get(operation, {})
    for name, value in body.items():
        member = members.get(name)
        if member is None:
            taken = ", ".join(members) or "none"
            raise errors.InvalidParameterException(f"{operation}: unknown parameter {name!r}; it takes: {taken}")
        wrong = isinstance(value, bool) != (member == FLAG) or not isinstance(value, member.types)
        if wrong or (member.items is not None and not all(isinstance(item, member.items) for item in value)):
            raise errors.InvalidParameterException(
                f"{operation}: parameter {name!r} must be {member.name}, got {type(value).__name__}")


def header(value: str | None) -> str | None:
    """A header's value if it is printable ASCII of sane length, as every header we read must be; else None.

    aiohttp hands over undecodable bytes as surrogates; they must never reach a hash or a comparison."""
    if value is None or len(value) > MAX_HEADER_CHARS or not value.isascii() or not value.isprintable():
        return None
    return value
