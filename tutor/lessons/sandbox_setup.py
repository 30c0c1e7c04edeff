"""The sandbox a lesson or an exercise starts from: `sandbox:` and an exercise's `setup:`.

No Textual here. The names and refs follow the sandbox's own rules, so a setup that loads
also applies (tutor/exercises/reset.py applies it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from sandbox.core.model import MAX_DESIRED_COUNT

from .reader import Reader
from .scripts import ScriptLine, read_script

SANDBOX_FIELDS = ("services", "run")
SERVICE_FIELDS = ("name", "taskDefinition", "desiredCount")
# Same rules as the sandbox's own name and FAMILY:REV checks.
SERVICE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
TASK_DEFINITION_REF = re.compile(r"^[A-Za-z0-9_-]{1,255}:[1-9][0-9]*$")


@dataclass(frozen=True)
class ServiceSetup:
    """A service the sandbox should hold when the lesson starts."""

    name: str
    task_definition: str
    desired_count: int


@dataclass(frozen=True)
class SandboxSetup:
    """The sandbox state a lesson or exercise starts from; no services means an empty sandbox."""

    services: list[ServiceSetup] = field(default_factory=list)
    run: list[ScriptLine] = field(default_factory=list)
    """Commands (and waits) run once the services are up, such as a one-off task."""


def read_sandbox(r: Reader, node: yaml.Node | None, where_root: str = "sandbox") -> SandboxSetup:
    if node is None or r.is_null(node):
        return SandboxSetup()
    fields = r.mapping(node, where_root, (), SANDBOX_FIELDS)
    listed = fields.get("services")
    items = [] if listed is None or r.is_null(listed) else r.sequence(listed, f"{where_root}.services")
    services = [_service(r, item, f"{where_root}.services[{i}]") for i, item in enumerate(items)]
    r.unique(items, f"{where_root}.services", [s.name for s in services], "service name")
    run = []
    if "run" in fields:
        r.needs_format(2, fields["run"], f"{where_root}.run")
        run = read_script(r, fields["run"], f"{where_root}.run", allow_empty=True)
    return SandboxSetup(services, run)


def _service(r: Reader, item: yaml.Node, where: str) -> ServiceSetup:
    service = r.mapping(item, where, SERVICE_FIELDS, ())
    name = r.text(service["name"], f"{where}.name")
    if not SERVICE_NAME.match(name):
        r.fail(service["name"], f"{where}.name",
               f"field '{where}.name' is {name!r}; allowed: up to 255 letters, digits, '-' or '_'")
    ref = r.text(service["taskDefinition"], f"{where}.taskDefinition")
    if not TASK_DEFINITION_REF.match(ref):
        r.fail(service["taskDefinition"], f"{where}.taskDefinition",
               f"field '{where}.taskDefinition' is {ref!r}; allowed: FAMILY:REVISION, such as web:1")
    count = r.integer(service["desiredCount"], f"{where}.desiredCount", 0, MAX_DESIRED_COUNT)
    return ServiceSetup(name, ref, count)
