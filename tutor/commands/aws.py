"""The `aws ecs …` side of the bar: option names and value types come from botocore's ECS model.

`aws ecs update-service --service web --desired-count 3` names an ECS operation by botocore's
own spelling (`xform_name`), its options are that operation's input members as the AWS CLI
spells them, and each value is read by its member's shape: a number, a boolean flag, a list,
a structure in shorthand (`type=binpack,field=memory`) or JSON. Each form the sandbox runs
says which members it takes and which builder makes its Operation: the same builder the
`servicelab` command uses, so a twin and its command mean the same call.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable

from sandbox.api.ecs_model import service_model
from sandbox.cli import operations as ops
from sandbox.cli.operations import CommandError, Operation
from sandbox.cli.service_settings import ORDER as SERVICE_SETTINGS

IGNORED_OPTIONS = ("--region", "--profile", "--output", "--endpoint-url", "--no-cli-pager", "--query")
"""Global `aws` options that say where to send the call. The sandbox is the only place, so they are
set aside with a note rather than refused: people paste them from real scripts."""


def xform(name: str) -> str:
    """`UpdateService` → `update-service`, `desiredCount` → `desired-count`, as the AWS CLI spells them."""
    from botocore import xform_name

    return xform_name(name, "-")


@dataclass(frozen=True)
class AwsForm:
    """An `aws ecs` command the sandbox runs: its ECS operation, the members it takes, what it means."""

    operation: str
    members: tuple[str, ...]
    """The input members the sandbox takes, in the order usage and completion offer them."""
    build: Callable[[str, dict[str, Any]], Operation]
    """(cluster, the members given, by ECS name) → the Operation."""
    cli_twin: str
    """The `servicelab` form that does the same, for the help screen."""
    required: tuple[str, ...] = ()
    """Members the sandbox needs beyond those the model requires."""
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Members the sandbox takes with these values only (narrower than the model's enum)."""
    names: dict[str, str] = field(default_factory=dict)
    """Members completed from the sandbox's state: member → a `Names` field."""

    @property
    def name(self) -> str:
        return xform(self.operation)

    @property
    def shape(self):
        return service_model().operation_model(self.operation).input_shape

    def is_required(self, member: str) -> bool:
        return member in self.shape.required_members or member in self.required

    def choices(self, member: str) -> list[str]:
        """The values a member may take here, or [] when any value of its type will do."""
        return list(self.values.get(member) or getattr(self.shape.members[member], "enum", None) or [])

    @property
    def usage(self) -> str:
        parts = []
        for member in self.members:
            option = "--" + xform(member)
            text = option if self.shape.members[member].type_name == "boolean" else f"{option} {xform(member).upper()}"
            parts.append(text if self.is_required(member) else f"[{text}]")
        return " ".join(["aws ecs", self.name, *parts])


def parse_aws(words: list[str], cluster: str) -> Operation:
    """The Operation an `aws …` line (without the word aws) means; CommandError otherwise."""
    if not words or words[0] != "ecs":
        service = words[0] if words else ""
        raise CommandError(f"aws {service}: only aws ecs commands run here; aws ecs {', '.join(aws_names())}")
    if len(words) < 2:
        raise CommandError("aws ecs what? supported: " + ", ".join(aws_names()))
    form = FORMS.get(words[1])
    if form is None:
        raise CommandError(f"aws ecs {words[1]} is not supported by the sandbox; supported: {', '.join(aws_names())}")
    values, notes = _options(form, words[2:])
    for member in form.members:
        if form.is_required(member) and member not in values:
            raise CommandError(f"aws ecs {form.name}: --{xform(member)} is required (usage: {form.usage})")
    op = form.build(values.pop("cluster", cluster), values)
    return Operation(**{**op.__dict__, "notes": op.notes + tuple(notes)}) if notes else op


def _options(form: AwsForm, words: list[str]) -> tuple[dict[str, Any], list[str]]:
    """Each `--option value…` read by its member's shape; global aws options set aside with a note."""
    values: dict[str, Any] = {}
    notes: list[str] = []
    i = 0
    while i < len(words):
        if not words[i].startswith("--"):
            raise CommandError(f"aws ecs {form.name}: unexpected {words[i]!r}; aws ecs takes --options only "
                               f"(usage: {form.usage})")
        option, _, inline = words[i].partition("=")
        given = [inline] if inline else []
        i += 1
        while not inline and i < len(words) and not words[i].startswith("--"):
            given.append(words[i])
            i += 1
        if option in IGNORED_OPTIONS:
            notes.append(f"{option} set aside: the sandbox is the only endpoint here")
            continue
        member, negated = _member(form, option)
        values[member] = _value(form, option, member, given, negated)
    return values, notes


def _member(form: AwsForm, option: str) -> tuple[str, bool]:
    for member in form.members:
        if option == "--" + xform(member):
            return member, False
        if option == "--no-" + xform(member) and form.shape.members[member].type_name == "boolean":
            return member, True
    allowed = ", ".join("--" + xform(m) for m in form.members) or "none"
    raise CommandError(f"aws ecs {form.name}: {option} is not supported here; allowed: {allowed} (usage: {form.usage})")


def _value(form: AwsForm, option: str, member: str, given: list[str], negated: bool) -> Any:
    shape = form.shape.members[member]
    where = f"aws ecs {form.name}: {option}"
    if shape.type_name == "boolean":
        if given:
            raise CommandError(f"{where} takes no value")
        return not negated
    if not given:
        raise CommandError(f"{where} needs a value (usage: {form.usage})")
    if shape.type_name == "list":
        if shape.member.type_name == "structure":
            items = [item for raw in given for item in _structures(where, raw, shape.member)]
            return [_in_model_order(item, shape.member) for item in items]
        return [_scalar(where, v, shape.member) for raw in given for v in raw.split(",") if v]
    if len(given) > 1:
        raise CommandError(f"{where} takes one value, got {' '.join(given)}")
    if shape.type_name == "structure":
        return _in_model_order(_structure(where, given[0], shape), shape)
    value = _scalar(where, given[0], shape)
    choices = form.values.get(member)
    if choices and value not in choices:
        raise CommandError(f"{where} {value} is not supported; use {' or '.join(choices)}")
    return value


def _scalar(where: str, raw: str, shape) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("double", "float"):
            return float(raw)
    except ValueError:
        raise CommandError(f"{where} must be a number, got {raw!r}") from None
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise CommandError(f"{where} must be true or false, got {raw!r}")
        return raw.lower() == "true"
    enum = getattr(shape, "enum", None)
    if enum and raw not in enum:
        raise CommandError(f"{where} {raw} is not valid; valid values: {', '.join(enum)}")
    return raw


def _structures(where: str, raw: str, shape) -> list[dict[str, Any]]:
    """One list item in shorthand, or a whole JSON list."""
    if raw.lstrip().startswith("["):
        return _json(where, raw, list)
    return [_structure(where, raw, shape)]


def _structure(where: str, raw: str, shape) -> dict[str, Any]:
    """`key=value,key=value` (the AWS CLI's shorthand, flat) or a JSON object."""
    if raw.lstrip().startswith("{"):
        return _json(where, raw, dict)
    structure: dict[str, Any] = {}
    for pair in raw.split(","):
        key, equals, value = pair.partition("=")
        if not equals or key not in shape.members:
            raise CommandError(f"{where}: cannot read {pair!r}; write key=value,… with keys among "
                               f"{', '.join(shape.members)}, or JSON")
        if shape.members[key].type_name in ("structure", "list", "map"):
            raise CommandError(f"{where}: {key} holds more than one value; write the whole option as JSON")
        structure[key] = _scalar(f"{where} {key}", value, shape.members[key])
    return structure


def _in_model_order(value: Any, shape) -> Any:
    """A structure's keys in the model's order (nested ones too), so its twin reads the same however typed."""
    if not isinstance(value, dict) or shape.type_name != "structure":
        return value
    known = [key for key in shape.members if key in value]
    ordered = {key: _in_model_order(value[key], shape.members[key]) for key in known}
    return {**ordered, **{key: item for key, item in value.items() if key not in ordered}}


def _json(where: str, raw: str, kind: type) -> Any:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise CommandError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(value, kind):
        raise CommandError(f"{where}: expected a JSON {'list' if kind is list else 'object'}")
    return value


# -- the forms the sandbox runs -----------------------------------------------------------------
def _the_one(values: dict[str, Any], member: str, what: str, example: str) -> str:
    items = values[member]
    if len(items) != 1:
        raise CommandError(f"give one {what} here, e.g. {example}")
    return items[0]


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    return {member: values[member] for member in SERVICE_SETTINGS if member in values}


def _create_service(cluster: str, v: dict[str, Any]) -> Operation:
    return ops.create_service(cluster, v["serviceName"], v["taskDefinition"], v.get("desiredCount", 1), _settings(v))


def _update_service(cluster: str, v: dict[str, Any]) -> Operation:
    return ops.update_service(cluster, v["service"], v.get("taskDefinition"), v.get("desiredCount"),
                              v.get("forceNewDeployment", False), _settings(v))


def _list_tasks(cluster: str, v: dict[str, Any]) -> Operation:
    return ops.list_tasks(cluster, v.get("serviceName"), v.get("desiredStatus", "RUNNING") == "STOPPED")


def _instances_state(cluster: str, v: dict[str, Any]) -> Operation:
    instance = _the_one(v, "containerInstances", "instance", "--container-instances ID")
    return ops.set_instance_status(cluster, instance, v["status"])


UPDATE_SETTINGS = ("deploymentConfiguration", "availabilityZoneRebalancing", "healthCheckGracePeriodSeconds")
"""What UpdateService changes besides the count and task definition (placement is fixed at creation)."""

FORMS: dict[str, AwsForm] = {form.name: form for form in [
    AwsForm("ListServices", ("cluster",), lambda c, v: ops.list_services(c), "servicelab service ls"),
    AwsForm("DescribeServices", ("cluster", "services"),
            lambda c, v: ops.describe_service(c, _the_one(v, "services", "service", "--services web")),
            "servicelab service describe NAME", names={"services": "services"}),
    AwsForm("CreateService", ("cluster", "serviceName", "taskDefinition", "desiredCount", *SERVICE_SETTINGS),
            _create_service, "servicelab service create NAME --task-def FAMILY:REV --count N",
            required=("taskDefinition",), names={"taskDefinition": "task_definitions"}),
    AwsForm("UpdateService",
            ("cluster", "service", "desiredCount", "taskDefinition", "forceNewDeployment", *UPDATE_SETTINGS),
            _update_service,
            "servicelab service scale NAME COUNT / servicelab service update NAME --task-def FAMILY:REV",
            names={"service": "services", "taskDefinition": "task_definitions"}),
    AwsForm("DeleteService", ("cluster", "service", "force"),
            lambda c, v: ops.delete_service(c, v["service"], v.get("force", False)), "servicelab service delete NAME",
            names={"service": "services"}),
    AwsForm("ListTasks", ("cluster", "serviceName", "desiredStatus"), _list_tasks,
            "servicelab task ls [--service NAME] [--stopped]", values={"desiredStatus": ("RUNNING", "STOPPED")},
            names={"serviceName": "services"}),
    AwsForm("DescribeTasks", ("cluster", "tasks"),
            lambda c, v: ops.describe_task(c, _the_one(v, "tasks", "task", "--tasks ID")),
            "servicelab task describe ID", names={"tasks": "tasks"}),
    AwsForm("StopTask", ("cluster", "task", "reason"), lambda c, v: ops.stop_task(c, v["task"], v.get("reason")),
            "servicelab task stop ID", names={"task": "tasks"}),
    AwsForm("RunTask", ("cluster", "taskDefinition", "count"),
            lambda c, v: ops.run_task(c, v["taskDefinition"], v.get("count", 1)), "servicelab task run FAMILY[:REV]",
            names={"taskDefinition": "task_definitions"}),
    AwsForm("ExecuteCommand", ("cluster", "task", "command", "interactive", "container"),
            lambda c, v: ops.exec_task(c, v["task"], shlex.split(v["command"])),
            "servicelab task exec ID -- COMMAND", names={"task": "tasks"}),
    AwsForm("UpdateContainerInstancesState", ("cluster", "containerInstances", "status"), _instances_state,
            "servicelab instance drain ID / servicelab instance activate ID",
            values={"status": ("DRAINING", "ACTIVE")}, names={"containerInstances": "instances"}),
    AwsForm("ListContainerInstances", ("cluster",), lambda c, v: ops.list_instances(c), "servicelab instance ls"),
    AwsForm("ListTaskDefinitions", (), lambda c, v: ops.list_task_definitions(), "servicelab taskdef ls"),
    AwsForm("DescribeTaskDefinition", ("taskDefinition",),
            lambda c, v: ops.describe_task_definition(c, v["taskDefinition"]),
            "servicelab taskdef describe FAMILY[:REV]", names={"taskDefinition": "task_definitions"}),
    AwsForm("ListClusters", (), lambda c, v: ops.list_clusters(), "servicelab cluster ls"),
    AwsForm("CreateCluster", ("clusterName",), lambda c, v: ops.create_cluster(v["clusterName"]),
            "servicelab cluster create NAME", required=("clusterName",)),
    AwsForm("DeleteCluster", ("cluster",), lambda c, v: ops.delete_cluster(c), "servicelab cluster delete NAME"),
]}


def aws_names() -> list[str]:
    return sorted(FORMS)


def aws_commands() -> list[AwsForm]:
    """Every `aws ecs` form the bar runs, for the help screen."""
    return list(FORMS.values())
