"""The command bar's language: the CLI's commands and their `aws ecs` twins, parsed to one Operation.

No Textual here. A line such as `service scale web 3` or
`aws ecs update-service --service web --desired-count 3` becomes the same `Operation`: the API
call to make (an ECS operation, a servicelab one, or something the app does itself), its
parameters with ECS's field names, and the `aws ecs` text that would do the same against real
AWS. Twins are built by one function per operation, so they cannot drift apart.

Anything the bar does not understand raises `CommandError` with one line that says what it
does understand.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

ECS = "ecs"
"""An ECS JSON operation (`X-Amz-Target: AmazonEC2ContainerServiceV20141113.<name>`)."""
LAB = "lab"
"""A servicelab operation (chaos, kill): things ECS has no API for."""
APP = "app"
"""Something the app does itself: show logs, open a shell, show help, clear the output."""

DEFAULT_CLUSTER = "default"

# Global `aws` options that say where to send the call. The sandbox is the only place, so
# they are accepted and set aside rather than refused: people paste them from real scripts.
AWS_IGNORED_OPTIONS = ("--region", "--profile", "--output", "--endpoint-url", "--no-cli-pager", "--query")


class CommandError(ValueError):
    """A line the command bar cannot run; `str()` is one line for the learner."""


@dataclass(frozen=True)
class Operation:
    """One thing to do, whichever form it was typed in."""

    api: str
    """ECS, LAB or APP."""
    name: str
    """The operation: `UpdateService`, `StartChaos`, or an app action such as `logs`."""
    params: dict[str, Any]
    """The request body, with ECS's field names (`cluster` included wherever ECS takes one)."""
    cli: str
    """The `servicelab …` form of the same operation."""
    aws: str | None
    """The `aws ecs …` twin, or None where ECS has no such operation."""
    summary: str
    """What it does, in a few words: `set web's desired count to 3`."""
    show: str = "result"
    """How the app presents the answer: services, service, events, tasks, task, taskdefs, taskdef, status."""
    changes: bool = False
    """True when it changes the sandbox (the others only read)."""
    notes: tuple[str, ...] = ()
    """Things the learner should know, such as options that were set aside."""
    elsewhere: str | None = None
    """Where `aws ecs` has no twin but real AWS does it another way (aws application-autoscaling,
    aws elbv2): that way, worded for the learner. The bar does not run it."""

    @property
    def request(self) -> tuple[str, str, dict[str, Any]]:
        """What identifies the call itself; twins have equal requests."""
        return (self.api, self.name, self.params)

    @property
    def twin(self) -> str:
        """The `aws ecs` line, or how real AWS does it otherwise, or a sentence saying why there is none."""
        return self.aws or self.elsewhere or NO_TWIN.get(self.name, "no aws ecs equivalent")


NO_TWIN = {
    "KillTask": "no aws ecs equivalent: a crash happens outside ECS (stop-task is the polite way)",
    "StartChaos": "no aws ecs equivalent: chaos is a servicelab exercise",
    "StopChaos": "no aws ecs equivalent: chaos is a servicelab exercise",
    "Tasks": "aws ecs list-tasks shows one desiredStatus at a time (add --desired-status STOPPED for the rest)",
    "logs": "no aws ecs equivalent: on AWS, task logs go to CloudWatch (aws logs tail)",
    "status": "no aws ecs equivalent: the sandbox itself is servicelab's",
    "SetZoneFailed": "no aws ecs equivalent: a zone outage happens to AWS, not through its API",
    "traffic": "no aws ecs equivalent: on AWS the load comes from your users (or a load-testing tool)",
    "help": "",
    "clear": "",
}


# -- the operations, one builder each -----------------------------------------------------------
def _aws(command: str, cluster: str, *pairs: tuple[str, Any]) -> str:
    """`aws ecs COMMAND [--cluster C] --opt value …`; the default cluster goes unsaid, as in ECS."""
    words = ["aws", "ecs", command]
    if cluster != DEFAULT_CLUSTER:
        words += ["--cluster", cluster]
    for option, value in pairs:
        if value is None or value is False:
            continue
        words.append(option)
        if value is not True:
            values = value if isinstance(value, (list, tuple)) else [value]
            words += [shlex.quote(str(v)) for v in values]
    return " ".join(words)


def _cli(cluster: str, *words: Any) -> str:
    prefix = ["servicelab"] + (["--cluster", cluster] if cluster != DEFAULT_CLUSTER else [])
    return " ".join(prefix + [shlex.quote(str(w)) for w in words if w is not None and w != ""])


def list_services(cluster: str) -> Operation:
    return Operation(ECS, "ListServices", {"cluster": cluster, "maxResults": 100},
                     _cli(cluster, "service", "ls"), _aws("list-services", cluster),
                     f"list the services in cluster {cluster}", show="services")


def describe_service(cluster: str, name: str, show: str = "service") -> Operation:
    cli = _cli(cluster, "service", "events" if show == "events" else "describe", name)
    summary = f"show {name}'s events" if show == "events" else f"describe service {name}"
    return Operation(ECS, "DescribeServices", {"cluster": cluster, "services": [name]},
                     cli, _aws("describe-services", cluster, ("--services", name)), summary, show=show)


def create_service(cluster: str, name: str, task_definition: str, count: int) -> Operation:
    return Operation(
        ECS, "CreateService",
        {"cluster": cluster, "serviceName": name, "taskDefinition": task_definition, "desiredCount": count},
        _cli(cluster, "service", "create", name, "--task-def", task_definition, "--count", count),
        _aws("create-service", cluster, ("--service-name", name), ("--task-definition", task_definition),
             ("--desired-count", count)),
        f"create service {name}: keep {count} × {task_definition} running", show="service", changes=True,
    )


def scale_service(cluster: str, name: str, count: int) -> Operation:
    return Operation(
        ECS, "UpdateService", {"cluster": cluster, "service": name, "desiredCount": count},
        _cli(cluster, "service", "scale", name, count),
        _aws("update-service", cluster, ("--service", name), ("--desired-count", count)),
        f"set {name}'s desired count to {count}", show="service", changes=True,
    )


def update_service(cluster: str, name: str, task_definition: str | None, count: int | None,
                   force: bool = False, grace: int | None = None) -> Operation:
    """A new task definition (or a forced deployment) rolls the service; a count alone scales it."""
    if task_definition is None and not force and grace is None:
        if count is None:
            raise CommandError("update-service needs --task-definition, --desired-count, --force-new-deployment "
                               "or --health-check-grace-period-seconds")
        return scale_service(cluster, name, count)
    params: dict = {"cluster": cluster, "service": name}
    if task_definition is not None:
        params["taskDefinition"] = task_definition
    if count is not None:
        params["desiredCount"] = count
    if force:
        params["forceNewDeployment"] = True
    if grace is not None:
        params["healthCheckGracePeriodSeconds"] = grace
    if task_definition or force:
        what = (f"deploy {task_definition} to {name}" if task_definition else f"redeploy {name}") + " (a rolling deployment)"
    else:
        what = f"ignore {name}'s failed health checks for {grace}s after each task starts"
    return Operation(
        ECS, "UpdateService", params,
        _cli(cluster, "service", "update", name, *(("--task-def", task_definition) if task_definition else ()),
             *(("--count", count) if count is not None else ()), "--force-new-deployment" if force else None,
             *(("--health-check-grace-period", grace) if grace is not None else ())),
        _aws("update-service", cluster, ("--service", name), ("--task-definition", task_definition),
             ("--desired-count", count), ("--force-new-deployment", force),
             ("--health-check-grace-period-seconds", grace)),
        what, show="service", changes=True,
    )


def delete_service(cluster: str, name: str, force: bool) -> Operation:
    return Operation(
        ECS, "DeleteService", {"cluster": cluster, "service": name, "force": force},
        _cli(cluster, "service", "delete", name, "--force" if force else None),
        _aws("delete-service", cluster, ("--service", name), ("--force", force)),
        f"delete service {name}" + (" (stopping its tasks)" if force else ""), show="service", changes=True,
    )


def list_tasks(cluster: str, service: str | None, stopped: bool) -> Operation:
    params: dict[str, Any] = {"cluster": cluster, "desiredStatus": "STOPPED" if stopped else "RUNNING",
                              "maxResults": 100}
    if service:
        params["serviceName"] = service
    return Operation(
        ECS, "ListTasks", params,
        _cli(cluster, "task", "ls", *(["--service", service] if service else []), "--stopped" if stopped else None),
        _aws("list-tasks", cluster, ("--service-name", service), ("--desired-status", "STOPPED" if stopped else None)),
        ("list stopped tasks" if stopped else "list running tasks") + (f" of {service}" if service else ""),
        show="tasks",
    )


def all_tasks(cluster: str, service: str | None) -> Operation:
    params: dict[str, Any] = {"cluster": cluster, "includeStopped": True}
    if service:
        params["service"] = service
    return Operation(LAB, "Tasks", params,
                     _cli(cluster, "task", "ls", *(["--service", service] if service else []), "--all"),
                     None, "list every task, stopped ones too" + (f", of {service}" if service else ""),
                     show="tasks")


def describe_task(cluster: str, task: str) -> Operation:
    return Operation(ECS, "DescribeTasks", {"cluster": cluster, "tasks": [task]},
                     _cli(cluster, "task", "describe", task), _aws("describe-tasks", cluster, ("--tasks", task)),
                     f"describe task {task[:12]}", show="task")


def stop_task(cluster: str, task: str, reason: str | None) -> Operation:
    params: dict[str, Any] = {"cluster": cluster, "task": task}
    if reason:
        params["reason"] = reason
    return Operation(
        ECS, "StopTask", params,
        _cli(cluster, "task", "stop", task, *(["--reason", reason] if reason else [])),
        _aws("stop-task", cluster, ("--task", task), ("--reason", reason)),
        f"stop task {task[:12]}", show="task", changes=True,
    )


def run_task(cluster: str, task_definition: str, count: int) -> Operation:
    return Operation(
        ECS, "RunTask", {"cluster": cluster, "taskDefinition": task_definition, "count": count},
        _cli(cluster, "task", "run", task_definition, *(["--count", count] if count != 1 else [])),
        _aws("run-task", cluster, ("--task-definition", task_definition), ("--count", count if count != 1 else None)),
        f"run {count} one-off task{'s' if count != 1 else ''} of {task_definition}", show="tasks", changes=True,
    )


def kill_task(cluster: str, task: str) -> Operation:
    return Operation(LAB, "KillTask", {"cluster": cluster, "task": task}, _cli(cluster, "task", "kill", task), None,
                     f"kill task {task[:12]}'s container, as a crash would", changes=True)


def task_logs(cluster: str, task: str) -> Operation:
    return Operation(APP, "logs", {"cluster": cluster, "task": task}, _cli(cluster, "task", "logs", task, "--follow"),
                     None, f"follow task {task[:12]}'s logs")


def exec_task(cluster: str, task: str, command: list[str]) -> Operation:
    command = command or ["sh"]
    return Operation(
        APP, "exec", {"cluster": cluster, "task": task, "command": command},
        _cli(cluster, "task", "exec", task, "--", *command),
        _aws("execute-command", cluster, ("--task", task), ("--command", " ".join(command)), ("--interactive", True)),
        f"open {' '.join(command)} inside task {task[:12]}",
    )


def list_task_definitions(cluster: str) -> Operation:
    # Task definitions belong to the account, not to a cluster: no `cluster` parameter.
    return Operation(ECS, "ListTaskDefinitions", {}, _cli(DEFAULT_CLUSTER, "taskdef", "ls"),
                     _aws("list-task-definitions", DEFAULT_CLUSTER), "list the task definitions", show="taskdefs")


def describe_task_definition(cluster: str, ref: str) -> Operation:
    return Operation(ECS, "DescribeTaskDefinition", {"taskDefinition": ref},
                     _cli(DEFAULT_CLUSTER, "taskdef", "describe", ref),
                     _aws("describe-task-definition", DEFAULT_CLUSTER, ("--task-definition", ref)),
                     f"describe task definition {ref}", show="taskdef")


def start_chaos(cluster: str, service: str, every: float, duration: float) -> Operation:
    return Operation(LAB, "StartChaos", {"cluster": cluster, "service": service, "every": every, "for": duration},
                     _cli(cluster, "chaos", service, "--every", f"{every:g}", "--for", f"{duration:g}"), None,
                     f"stop a random {service} task every {every:g}s for {duration:g}s", changes=True)


def stop_chaos(cluster: str, service: str) -> Operation:
    return Operation(LAB, "StopChaos", {"cluster": cluster, "service": service},
                     _cli(cluster, "chaos", service, "--stop"), None, f"end the chaos on {service}", changes=True)


def create_service_with_load_balancer(cluster: str, name: str, task_definition: str, count: int) -> Operation:
    """CreateService and a load balancer of the service's own, in one servicelab step."""
    create = {"cluster": cluster, "serviceName": name, "taskDefinition": task_definition, "desiredCount": count}
    return Operation(
        LAB, "CreateServiceWithLoadBalancer", {"createService": create, "loadBalancer": {}},
        _cli(cluster, "service", "create", name, "--task-def", task_definition, "--count", count, "--load-balancer"),
        None, f"create service {name} behind a load balancer: keep {count} × {task_definition} running",
        show="service", changes=True,
        elsewhere="on AWS: create a target group and a load balancer (aws elbv2), then "
                  + _aws("create-service", cluster, ("--service-name", name), ("--task-definition", task_definition),
                         ("--desired-count", count))
                  + " --load-balancers targetGroupArn=ARN,containerName=NAME,containerPort=PORT",
    )


def list_instances(cluster: str) -> Operation:
    return Operation(LAB, "Instances", {"cluster": cluster}, _cli(cluster, "instance", "ls"), None,
                     f"list the container instances of cluster {cluster}", show="instances",
                     elsewhere="on AWS: aws ecs list-container-instances, then aws ecs describe-container-instances "
                               "(the sandbox's ECS API has neither)")


def set_instance_status(cluster: str, instance: str, status: str) -> Operation:
    """DRAINING moves the instance's tasks elsewhere; ACTIVE lets it take tasks again."""
    verb = "drain" if status == "DRAINING" else "activate"
    what = (f"drain instance {instance}: its tasks move elsewhere" if status == "DRAINING"
            else f"activate instance {instance}: it takes tasks again")
    return Operation(
        LAB, "SetInstanceStatus", {"cluster": cluster, "instance": instance, "status": status},
        _cli(cluster, "instance", verb, instance),
        _aws("update-container-instances-state", cluster, ("--container-instances", instance), ("--status", status)),
        what, show="instance", changes=True,
    )


def set_zone_failed(cluster: str, zone: str, failed: bool) -> Operation:
    return Operation(
        LAB, "SetZoneFailed", {"cluster": cluster, "zone": zone, "failed": failed},
        _cli(cluster, "zone", "fail" if failed else "restore", zone), None,
        f"fail zone {zone}: every task in it stops" if failed else f"restore zone {zone}: its capacity comes back",
        show="zone", changes=True,
    )


def list_load_balancers(cluster: str, service: str | None) -> Operation:
    params: dict[str, Any] = {"cluster": cluster}
    if service:
        params["service"] = service
    return Operation(LAB, "LoadBalancers", params, _cli(cluster, "lb", "ls", service), None,
                     "list the load balancers and their targets" + (f" (of {service})" if service else ""),
                     show="lbs", elsewhere="on AWS: aws elbv2 describe-target-health --target-group-arn ARN")


def _scalable(cluster: str, name: str) -> str:
    return (f"--service-namespace ecs --scalable-dimension ecs:service:DesiredCount "
            f"--resource-id service/{cluster}/{name}")


SCALING_METRICS = {"cpu": "ECSServiceAverageCPUUtilization", "requests": "ALBRequestCountPerTarget"}


def put_scaling_policy(cluster: str, name: str, metric: str, target: float, minimum: int, maximum: int,
                       scale_out_cooldown: float | None = None, scale_in_cooldown: float | None = None) -> Operation:
    if metric not in SCALING_METRICS:
        raise CommandError(f"scaling set: --metric {metric} is not supported; use cpu or requests")
    params: dict[str, Any] = {"cluster": cluster, "service": name, "metric": metric, "target": target,
                              "minCapacity": minimum, "maxCapacity": maximum}
    if scale_out_cooldown is not None:
        params["scaleOutCooldown"] = scale_out_cooldown
    if scale_in_cooldown is not None:
        params["scaleInCooldown"] = scale_in_cooldown
    cooldowns = "".join(f",{k}={v:g}" for k, v in (("ScaleOutCooldown", scale_out_cooldown),
                                                    ("ScaleInCooldown", scale_in_cooldown)) if v is not None)
    return Operation(
        LAB, "PutScalingPolicy", params,
        _cli(cluster, "scaling", "set", name, "--metric", metric, "--target", f"{target:g}", "--min", minimum,
             "--max", maximum,
             *(("--scale-out-cooldown", f"{scale_out_cooldown:g}") if scale_out_cooldown is not None else ()),
             *(("--scale-in-cooldown", f"{scale_in_cooldown:g}") if scale_in_cooldown is not None else ())),
        None, f"keep {name}'s {metric} at {target:g} with {minimum} to {maximum} tasks (target tracking)",
        show="scaling", changes=True,
        elsewhere=(f"aws application-autoscaling register-scalable-target {_scalable(cluster, name)} "
                   f"--min-capacity {minimum} --max-capacity {maximum}; aws application-autoscaling put-scaling-policy "
                   f"{_scalable(cluster, name)} --policy-name {name}-{metric} --policy-type TargetTrackingScaling "
                   f"--target-tracking-scaling-policy-configuration 'TargetValue={target:g},PredefinedMetricSpecification="
                   f"{{PredefinedMetricType={SCALING_METRICS[metric]}}}{cooldowns}'"),
    )


def describe_scaling(cluster: str, name: str) -> Operation:
    return Operation(LAB, "DescribeScaling", {"cluster": cluster, "service": name},
                     _cli(cluster, "scaling", "show", name), None, f"show {name}'s auto scaling", show="scaling",
                     elsewhere=f"aws application-autoscaling describe-scaling-activities {_scalable(cluster, name)}"
                     .replace(" --scalable-dimension ecs:service:DesiredCount", ""))


def delete_scaling_policy(cluster: str, name: str) -> Operation:
    return Operation(LAB, "DeleteScalingPolicy", {"cluster": cluster, "service": name},
                     _cli(cluster, "scaling", "off", name), None, f"turn {name}'s auto scaling off",
                     show="scaling", changes=True,
                     elsewhere=f"aws application-autoscaling deregister-scalable-target {_scalable(cluster, name)}")


TRAFFIC_MAX_RPS = 500.0
TRAFFIC_MAX_SECONDS = 600.0
"""The traffic generator's bounds (sandbox.traffic.MAX_RPS and MAX_SECONDS, which imports aiohttp)."""


def send_traffic(cluster: str, service: str, rps: float, seconds: float, path: str = "/") -> Operation:
    """Requests at the service's load balancer for a while: a background action of the app."""
    if not 0 < rps <= TRAFFIC_MAX_RPS:
        raise CommandError(f"traffic: --rps {rps:g} is out of range: allowed above 0 up to {TRAFFIC_MAX_RPS:g}")
    if not 0 < seconds <= TRAFFIC_MAX_SECONDS:
        raise CommandError(f"traffic: --for {seconds:g} is out of range: allowed above 0 up to "
                           f"{TRAFFIC_MAX_SECONDS:g} seconds")
    path = path if path.startswith("/") else "/" + path
    return Operation(
        APP, "traffic", {"cluster": cluster, "service": service, "rps": rps, "seconds": seconds, "path": path},
        _cli(cluster, "traffic", service, "--rps", f"{rps:g}", "--for", f"{seconds:g}",
             *(("--path", path) if path != "/" else ())),
        None, f"send {rps:g} requests/s to {service}'s load balancer for {seconds:g}s", show="traffic",
    )


def _app(name: str, cluster: str, cli: str, summary: str, show: str = "result") -> Operation:
    return Operation(APP, name, {"cluster": cluster}, cli, None, summary, show=show)


# -- grammar ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Opt:
    """An option: where its value goes, its type, and how to complete it."""

    dest: str
    kind: str = "text"
    """text, int, float, flag, service, task, taskdef, status, or many-service / many-task."""
    required: bool = False


@dataclass(frozen=True)
class CliCommand:
    """A `servicelab` command the bar accepts."""

    path: tuple[str, ...]
    args: tuple[tuple[str, str], ...]
    """Positional arguments: (METAVAR, kind)."""
    options: dict[str, Opt]
    build: Callable[[str, dict[str, Any]], Operation]
    help: str
    rest: bool = False
    """Takes `-- COMMAND…` after its arguments (task exec)."""
    optional: tuple[tuple[str, str], ...] = ()
    """Positional arguments that may be left out, after `args` (lb ls [SERVICE])."""

    @property
    def usage(self) -> str:
        opts = " ".join(f"[{o}{'' if spec.kind == 'flag' else ' ' + spec.dest.upper()}]"
                        for o, spec in self.options.items())
        words = (["servicelab", *self.path, *(a for a, _ in self.args), *(f"[{a}]" for a, _ in self.optional)]
                 + ([opts] if opts else []))
        return " ".join(words) + (" [-- COMMAND…]" if self.rest else "")


@dataclass(frozen=True)
class AwsCommand:
    """An `aws ecs` command the bar accepts."""

    name: str
    options: dict[str, Opt]
    build: Callable[[str, dict[str, Any]], Operation]
    cli_twin: str
    """The `servicelab` form that does the same (for messages and docs)."""

    @property
    def usage(self) -> str:
        parts = []
        for o, spec in self.options.items():
            text = o if spec.kind == "flag" else f"{o} {spec.dest.upper()}"
            parts.append(text if spec.required else f"[{text}]")
        return " ".join(["aws ecs", self.name, *parts])


def _one(values: dict[str, Any], key: str) -> Any:
    value = values[key]
    return value[0] if isinstance(value, list) else value


CLI_COMMANDS: list[CliCommand] = [
    CliCommand(("service", "ls"), (), {"--json": Opt("json", "flag")},
               lambda c, v: list_services(c), "list the services"),
    CliCommand(("service", "describe"), (("NAME", "service"),), {"--json": Opt("json", "flag")},
               lambda c, v: describe_service(c, v["NAME"]), "a service's counts, deployment and events"),
    CliCommand(("service", "events"), (("NAME", "service"),), {"--json": Opt("json", "flag")},
               lambda c, v: describe_service(c, v["NAME"], show="events"), "a service's events"),
    CliCommand(("service", "create"), (("NAME", "text"),),
               {"--task-def": Opt("task_def", "taskdef"), "--count": Opt("count", "int"),
                "--load-balancer": Opt("load_balancer", "flag"), "--json": Opt("json", "flag")},
               lambda c, v: (create_service_with_load_balancer if v.get("load_balancer") else create_service)(
                   c, v["NAME"], v.get("task_def") or "web:1", 1 if v.get("count") is None else v["count"]),
               "create a service (--load-balancer: behind a load balancer of its own)"),
    CliCommand(("service", "scale"), (("NAME", "service"), ("COUNT", "int")), {"--json": Opt("json", "flag")},
               lambda c, v: scale_service(c, v["NAME"], v["COUNT"]), "set a service's desired count"),
    CliCommand(("service", "update"), (("NAME", "service"),),
               {"--task-def": Opt("task_def", "taskdef"), "--count": Opt("count", "int"),
                "--force-new-deployment": Opt("force_new_deployment", "flag"),
                "--health-check-grace-period": Opt("grace", "int"), "--json": Opt("json", "flag")},
               lambda c, v: update_service(c, v["NAME"], v.get("task_def"), v.get("count"),
                                           bool(v.get("force_new_deployment")), v.get("grace")),
               "roll a service to another task definition"),
    CliCommand(("service", "delete"), (("NAME", "service"),), {"--force": Opt("force", "flag")},
               lambda c, v: delete_service(c, v["NAME"], bool(v.get("force"))), "delete a service"),
    CliCommand(("task", "ls"), (),
               {"--service": Opt("service", "service"), "--all": Opt("all", "flag"),
                "--stopped": Opt("stopped", "flag"), "--json": Opt("json", "flag")},
               lambda c, v: (all_tasks(c, v.get("service")) if v.get("all")
                             else list_tasks(c, v.get("service"), bool(v.get("stopped")))),
               "list tasks"),
    CliCommand(("task", "describe"), (("ID", "task"),), {"--json": Opt("json", "flag")},
               lambda c, v: describe_task(c, v["ID"]), "one task's statuses, times and stop reason"),
    CliCommand(("task", "stop"), (("ID", "task"),), {"--reason": Opt("reason", "text")},
               lambda c, v: stop_task(c, v["ID"], v.get("reason")), "stop a task"),
    CliCommand(("task", "run"), (("FAMILY[:REV]", "taskdef"),),
               {"--count": Opt("count", "int"), "--json": Opt("json", "flag")},
               lambda c, v: run_task(c, v["FAMILY[:REV]"], 1 if v.get("count") is None else v["count"]),
               "run one-off tasks"),
    CliCommand(("task", "kill"), (("ID", "task"),), {},
               lambda c, v: kill_task(c, v["ID"]), "kill a task's container, like a crash"),
    CliCommand(("task", "logs"), (("ID", "task"),),
               {"--follow": Opt("follow", "flag"), "-f": Opt("follow", "flag"), "--tail": Opt("tail", "int")},
               lambda c, v: task_logs(c, v["ID"]), "follow a task's logs"),
    CliCommand(("task", "exec"), (("ID", "task"),), {},
               lambda c, v: exec_task(c, v["ID"], v.get("--", [])), "open a shell inside a task", rest=True),
    CliCommand(("taskdef", "ls"), (), {"--json": Opt("json", "flag")},
               lambda c, v: list_task_definitions(c), "list the task definitions"),
    CliCommand(("taskdef", "describe"), (("FAMILY[:REV]", "taskdef"),), {"--json": Opt("json", "flag")},
               lambda c, v: describe_task_definition(c, v["FAMILY[:REV]"]), "show a task definition"),
    CliCommand(("chaos",), (("NAME", "service"),),
               {"--every": Opt("every", "float"), "--for": Opt("for", "float"), "--stop": Opt("stop", "flag")},
               lambda c, v: _chaos(c, v), "stop random tasks of a service for a while"),
    CliCommand(("instance", "ls"), (), {"--json": Opt("json", "flag")},
               lambda c, v: list_instances(c), "instances with their zone, status, free CPU and memory"),
    CliCommand(("instance", "drain"), (("ID", "instance"),), {},
               lambda c, v: set_instance_status(c, v["ID"], "DRAINING"), "move an instance's tasks elsewhere"),
    CliCommand(("instance", "activate"), (("ID", "instance"),), {},
               lambda c, v: set_instance_status(c, v["ID"], "ACTIVE"), "let a drained instance take tasks again"),
    CliCommand(("zone", "fail"), (("ZONE", "zone"),), {},
               lambda c, v: set_zone_failed(c, v["ZONE"], True), "take a zone down: its tasks stop"),
    CliCommand(("zone", "restore"), (("ZONE", "zone"),), {},
               lambda c, v: set_zone_failed(c, v["ZONE"], False), "bring a zone back"),
    CliCommand(("lb", "ls"), (), {"--json": Opt("json", "flag")},
               lambda c, v: list_load_balancers(c, v.get("SERVICE")), "load balancers, URLs and target health",
               optional=(("SERVICE", "service"),)),
    CliCommand(("scaling", "set"), (("NAME", "service"),),
               {"--metric": Opt("metric", "metric"), "--target": Opt("target", "float"), "--min": Opt("min", "int"),
                "--max": Opt("max", "int"), "--scale-out-cooldown": Opt("scale_out_cooldown", "float"),
                "--scale-in-cooldown": Opt("scale_in_cooldown", "float"), "--json": Opt("json", "flag")},
               lambda c, v: _scaling_set(c, v), "target tracking: keep a metric at a target"),
    CliCommand(("scaling", "show"), (("NAME", "service"),), {"--json": Opt("json", "flag")},
               lambda c, v: describe_scaling(c, v["NAME"]), "the metric against its target, the latest activity"),
    CliCommand(("scaling", "off"), (("NAME", "service"),), {},
               lambda c, v: delete_scaling_policy(c, v["NAME"]), "remove the scaling policy"),
    CliCommand(("traffic",), (("NAME", "service"),),
               {"--rps": Opt("rps", "float"), "--for": Opt("for", "float"), "--path": Opt("path"),
                "--json": Opt("json", "flag")},
               lambda c, v: send_traffic(c, v["NAME"], 10.0 if v.get("rps") is None else v["rps"],
                                         10.0 if v.get("for") is None else v["for"], v.get("path") or "/"),
               "send requests to a service's load balancer for a while (in the background)"),
    CliCommand(("sandbox", "status"), (), {"--json": Opt("json", "flag")},
               lambda c, v: _app("status", c, _cli(c, "sandbox", "status"), "show the sandbox's status", "status"),
               "the sandbox's runtime, engine and API address"),
    CliCommand(("help",), (), {}, lambda c, v: _app("help", c, "help", "show every key and command"),
               "every key and command"),
    CliCommand(("clear",), (), {}, lambda c, v: _app("clear", c, "clear", "clear the output"), "clear the output"),
]


def _scaling_set(cluster: str, values: dict[str, Any]) -> Operation:
    missing = [o for o, k in (("--metric", "metric"), ("--target", "target"), ("--min", "min"), ("--max", "max"))
               if values.get(k) is None]
    if missing:
        raise CommandError(f"scaling set needs {', '.join(missing)}: e.g. scaling set {values['NAME']} "
                           "--metric cpu --target 50 --min 1 --max 4")
    return put_scaling_policy(cluster, values["NAME"], values["metric"], values["target"], values["min"],
                              values["max"], values.get("scale_out_cooldown"), values.get("scale_in_cooldown"))


def _chaos(cluster: str, values: dict[str, Any]) -> Operation:
    if values.get("stop"):
        return stop_chaos(cluster, values["NAME"])
    if values.get("every") is None:
        raise CommandError("chaos needs --every SECONDS (or --stop): e.g. chaos web --every 5 --for 30")
    return start_chaos(cluster, values["NAME"], values["every"], 60.0 if values.get("for") is None else values["for"])


AWS_COMMANDS: dict[str, AwsCommand] = {c.name: c for c in [
    AwsCommand("list-services", {"--cluster": Opt("cluster")},
               lambda c, v: list_services(c), "servicelab service ls"),
    AwsCommand("describe-services", {"--cluster": Opt("cluster"), "--services": Opt("services", "many-service", True)},
               lambda c, v: _describe_services(c, v), "servicelab service describe NAME"),
    AwsCommand("create-service",
               {"--cluster": Opt("cluster"), "--service-name": Opt("service-name", "text", True),
                "--task-definition": Opt("task-definition", "taskdef", True), "--desired-count": Opt("desired-count", "int")},
               lambda c, v: create_service(c, v["service-name"], v["task-definition"],
                                           1 if v.get("desired-count") is None else v["desired-count"]),
               "servicelab service create NAME --task-def FAMILY:REV --count N"),
    AwsCommand("update-service",
               {"--cluster": Opt("cluster"), "--service": Opt("service", "service", True),
                "--desired-count": Opt("desired-count", "int"),
                "--task-definition": Opt("task-definition", "taskdef"),
                "--force-new-deployment": Opt("force-new-deployment", "flag"),
                "--health-check-grace-period-seconds": Opt("health-check-grace-period-seconds", "int")},
               lambda c, v: update_service(c, v["service"], v.get("task-definition"), v.get("desired-count"),
                                           bool(v.get("force-new-deployment")),
                                           v.get("health-check-grace-period-seconds")),
               "servicelab service scale NAME COUNT / servicelab service update NAME --task-def FAMILY:REV"),
    AwsCommand("delete-service", {"--cluster": Opt("cluster"), "--service": Opt("service", "service", True),
                                  "--force": Opt("force", "flag"), "--no-force": Opt("no-force", "flag")},
               lambda c, v: delete_service(c, v["service"], bool(v.get("force"))), "servicelab service delete NAME"),
    AwsCommand("list-tasks", {"--cluster": Opt("cluster"), "--service-name": Opt("service-name", "service"),
                              "--desired-status": Opt("desired-status", "status")},
               lambda c, v: _list_tasks(c, v), "servicelab task ls [--service NAME] [--stopped]"),
    AwsCommand("describe-tasks", {"--cluster": Opt("cluster"), "--tasks": Opt("tasks", "many-task", True)},
               lambda c, v: _describe_tasks(c, v), "servicelab task describe ID"),
    AwsCommand("stop-task", {"--cluster": Opt("cluster"), "--task": Opt("task", "task", True),
                             "--reason": Opt("reason")},
               lambda c, v: stop_task(c, v["task"], v.get("reason")), "servicelab task stop ID"),
    AwsCommand("run-task", {"--cluster": Opt("cluster"), "--task-definition": Opt("task-definition", "taskdef", True),
                            "--count": Opt("count", "int")},
               lambda c, v: run_task(c, v["task-definition"], 1 if v.get("count") is None else v["count"]),
               "servicelab task run FAMILY[:REV]"),
    AwsCommand("execute-command", {"--cluster": Opt("cluster"), "--task": Opt("task", "task", True),
                                   "--command": Opt("command"), "--interactive": Opt("interactive", "flag"),
                                   "--container": Opt("container")},
               lambda c, v: exec_task(c, v["task"], shlex.split(v.get("command") or "sh")),
               "servicelab task exec ID -- COMMAND"),
    AwsCommand("update-container-instances-state",
               {"--cluster": Opt("cluster"), "--container-instances": Opt("container-instances", "many-instance", True),
                "--status": Opt("status", "instance-status", True)},
               lambda c, v: _instances_state(c, v), "servicelab instance drain ID / servicelab instance activate ID"),
    AwsCommand("list-task-definitions", {},
               lambda c, v: list_task_definitions(c), "servicelab taskdef ls"),
    AwsCommand("describe-task-definition", {"--task-definition": Opt("task-definition", "taskdef", True)},
               lambda c, v: describe_task_definition(c, v["task-definition"]), "servicelab taskdef describe FAMILY[:REV]"),
]}


def _describe_services(cluster: str, values: dict[str, Any]) -> Operation:
    names = values["services"]
    if len(names) != 1:
        raise CommandError("describe-services: give one service here, e.g. --services web")
    return describe_service(cluster, names[0])


def _instances_state(cluster: str, values: dict[str, Any]) -> Operation:
    instances = values["container-instances"]
    if len(instances) != 1:
        raise CommandError("update-container-instances-state: give one instance here, e.g. --container-instances ID")
    status = values["status"].upper()
    if status not in ("DRAINING", "ACTIVE"):
        raise CommandError(f"update-container-instances-state: --status {values['status']} is not supported; "
                           "use DRAINING or ACTIVE")
    return set_instance_status(cluster, instances[0], status)


def _describe_tasks(cluster: str, values: dict[str, Any]) -> Operation:
    tasks = values["tasks"]
    if len(tasks) != 1:
        raise CommandError("describe-tasks: give one task here, e.g. --tasks ID")
    return describe_task(cluster, tasks[0])


def _list_tasks(cluster: str, values: dict[str, Any]) -> Operation:
    status = (values.get("desired-status") or "RUNNING").upper()
    if status not in ("RUNNING", "STOPPED"):
        raise CommandError(f"list-tasks: --desired-status {status} is not supported; use RUNNING or STOPPED")
    return list_tasks(cluster, values.get("service-name"), status == "STOPPED")


def supported() -> str:
    """One line naming what the bar speaks."""
    groups: dict[str, list[str]] = {}
    for c in CLI_COMMANDS:
        groups.setdefault(c.path[0], []).extend(c.path[1:])
    cli = [f"{head} {{{','.join(subs)}}}" if len(subs) > 1 else " ".join([head, *subs])
           for head, subs in groups.items()]
    return "supported: " + ", ".join(cli) + "; aws ecs {" + ",".join(sorted(AWS_COMMANDS)) + "}"


def cli_commands() -> list[CliCommand]:
    return list(CLI_COMMANDS)


def aws_commands() -> list[AwsCommand]:
    return list(AWS_COMMANDS.values())


# -- parsing ------------------------------------------------------------------------------------
def tokenize(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:  # "No closing quotation"
        raise CommandError(f"cannot read that line: {str(exc).lower()}") from None


def parse(line: str, cluster: str = DEFAULT_CLUSTER, placeholders: dict[str, str] | None = None) -> Operation:
    """Parse one command line into an Operation; raises CommandError for anything else.

    Args:
        line: What the learner typed, in the CLI's form or the `aws ecs` form.
        cluster: The cluster used when the line names none.
        placeholders: Words to replace, such as `{"ID": <the selected task's id>}`, so a lesson's
            `servicelab task stop ID` works as written.
    """
    words = tokenize(line)
    if not words:
        raise CommandError("type a command, e.g. service scale web 3 (Tab completes; " + supported() + ")")
    if placeholders:
        words = [placeholders.get(w, w) for w in words]
    if words[0] == "aws":
        return _parse_aws(words[1:], cluster)
    if words[0] == "servicelab":
        words = words[1:]
    words, cluster = _global_options(words, cluster)
    return _parse_cli(words, cluster)


def _global_options(words: list[str], cluster: str) -> tuple[list[str], str]:
    """`servicelab --cluster X …`: the options that come before the command."""
    while words and words[0].startswith("-"):
        option = words[0]
        if option.startswith("--cluster"):
            value, words = _option_value(option, words, "--cluster")
            cluster = value
        elif option.startswith(("--sandbox", "--runtime")):
            raise CommandError(f"{option.split('=')[0]} cannot change here: the app is tied to one sandbox; "
                               "quit and start servicelab with it instead")
        elif option in ("-h", "--help"):
            return ["help"], cluster
        else:
            raise CommandError(f"unknown option {option}; before the command only --cluster NAME is allowed")
    return words, cluster


def _option_value(option: str, words: list[str], name: str) -> tuple[str, list[str]]:
    if "=" in option:
        return option.split("=", 1)[1], words[1:]
    if len(words) < 2 or words[1].startswith("--"):
        raise CommandError(f"{name} needs a value")
    return words[1], words[2:]


def _find_cli(words: list[str]) -> tuple[CliCommand | None, int]:
    best: tuple[CliCommand | None, int] = (None, 0)
    for command in CLI_COMMANDS:
        n = len(command.path)
        if tuple(words[:n]) == command.path and n > best[1]:
            best = (command, n)
    return best


def _parse_cli(words: list[str], cluster: str) -> Operation:
    if not words:
        raise CommandError("servicelab what? " + supported())
    command, used = _find_cli(words)
    if command is None:
        group = [c for c in CLI_COMMANDS if c.path[0] == words[0]]
        if group:
            subs = ", ".join(" ".join(c.path) for c in group)
            wanted = words[1] if len(words) > 1 else ""
            if words[0] == "sandbox" and wanted in ("down", "serve", "prepare"):
                raise CommandError(f"sandbox {wanted} runs in a terminal, not here: quit the app with q "
                                   "(it asks whether to stop the sandbox)")
            if not wanted:
                raise CommandError(f"{words[0]} needs one more word; {words[0]} has: {subs}")
            raise CommandError(f"{words[0]} {wanted}: not a command here; {words[0]} has: {subs}")
        raise CommandError(f"unknown command {words[0]!r}; {supported()}")
    values: dict[str, Any] = {}
    positionals: list[str] = []
    rest = words[used:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--" and command.rest:
            values["--"] = rest[i + 1:]
            break
        if word.startswith("-") and not _is_number(word):
            name = word.split("=", 1)[0]
            spec = command.options.get(name)
            if spec is None:
                allowed = ", ".join(command.options) or "none"
                raise CommandError(f"{' '.join(command.path)}: unknown option {name}; allowed: {allowed} "
                                   f"(usage: {command.usage})")
            if spec.kind == "flag":
                values[spec.dest] = True
                i += 1
                continue
            if "=" in word:
                raw, i = word.split("=", 1)[1], i + 1
            elif i + 1 < len(rest):
                raw, i = rest[i + 1], i + 2
            else:
                raise CommandError(f"{' '.join(command.path)}: {name} needs a value (usage: {command.usage})")
            values[spec.dest] = _convert(raw, spec.kind, name)
            continue
        positionals.append(word)
        i += 1
    if len(positionals) < len(command.args):
        missing = command.args[len(positionals)][0]
        raise CommandError(f"{' '.join(command.path)}: missing {missing} (usage: {command.usage})")
    allowed = len(command.args) + len(command.optional)
    if len(positionals) > allowed:
        raise CommandError(f"{' '.join(command.path)}: unexpected {positionals[allowed]!r} "
                           f"(usage: {command.usage})")
    for (metavar, kind), raw in zip(command.args + command.optional, positionals):
        values[metavar] = _convert(raw, kind, metavar)
    op = command.build(cluster, values)
    return op


def _parse_aws(words: list[str], cluster: str) -> Operation:
    if not words or words[0] != "ecs":
        service = words[0] if words else ""
        raise CommandError(f"aws {service}: only aws ecs commands run here; "
                           f"aws ecs {', '.join(sorted(AWS_COMMANDS))}".replace("aws  ", "aws "))
    if len(words) < 2:
        raise CommandError("aws ecs what? supported: " + ", ".join(sorted(AWS_COMMANDS)))
    name = words[1]
    command = AWS_COMMANDS.get(name)
    if command is None:
        raise CommandError(f"aws ecs {name} is not supported by the sandbox; supported: {', '.join(sorted(AWS_COMMANDS))}")
    values: dict[str, Any] = {}
    notes: list[str] = []
    rest = words[2:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if not word.startswith("--"):
            raise CommandError(f"aws ecs {name}: unexpected {word!r}; aws ecs takes --options only (usage: {command.usage})")
        option, _, inline = word.partition("=")
        collected: list[str] = [inline] if inline else []
        i += 1
        while not inline and i < len(rest) and not rest[i].startswith("--"):
            collected.append(rest[i])
            i += 1
        if option in AWS_IGNORED_OPTIONS:
            notes.append(f"{option} set aside: the sandbox is the only endpoint here")
            continue
        spec = command.options.get(option)
        if spec is None:
            raise CommandError(f"aws ecs {name}: {option} is not supported here; allowed: "
                               f"{', '.join(command.options)} (usage: {command.usage})")
        if spec.kind == "flag":
            if collected:
                raise CommandError(f"aws ecs {name}: {option} takes no value")
            values[spec.dest] = True
            continue
        if not collected:
            raise CommandError(f"aws ecs {name}: {option} needs a value (usage: {command.usage})")
        if spec.kind.startswith("many-"):
            values[spec.dest] = [v for raw in collected for v in raw.split(",") if v]
        else:
            if len(collected) > 1:
                raise CommandError(f"aws ecs {name}: {option} takes one value, got {' '.join(collected)}")
            values[spec.dest] = _convert(collected[0], spec.kind, option)
    for option, spec in command.options.items():
        if spec.required and spec.dest not in values:
            raise CommandError(f"aws ecs {name}: {option} is required (usage: {command.usage})")
    if values.get("no-force"):
        values["force"] = False
    op = command.build(values.pop("cluster", cluster), values)
    if notes:
        op = Operation(**{**op.__dict__, "notes": op.notes + tuple(notes)})
    return op


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def _convert(raw: str, kind: str, name: str) -> Any:
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise CommandError(f"{name} must be a whole number, got {raw!r}") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise CommandError(f"{name} must be a number of seconds, got {raw!r}") from None
    if kind == "task" and raw == "ID":
        raise CommandError("replace ID with a task id (select a task in the table, or Tab to complete one)")
    return raw


# -- completion ---------------------------------------------------------------------------------
@dataclass
class Names:
    """What completion can offer from the sandbox's current state."""

    services: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    task_definitions: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    instances: list[str] = field(default_factory=list)


TOP_WORDS = ("service", "task", "taskdef", "chaos", "instance", "zone", "lb", "scaling", "traffic", "sandbox", "aws",
             "help", "clear")


def complete(line: str, names: Names | None = None) -> list[str]:
    """Full-line candidates that extend `line`, best first; empty when nothing fits."""
    names = names or Names()
    try:
        words = shlex.split(line)
    except ValueError:
        return []
    partial = "" if (not line or line[-1].isspace()) else (words.pop() if words else "")
    head = line[: len(line) - len(partial)]
    options = _next_words(words, names)
    seen: list[str] = []
    for option in options:
        if option.startswith(partial) and option != partial and option not in seen:
            seen.append(option)
    return [head + _quote(option) for option in seen]


def _quote(word: str) -> str:
    return shlex.quote(word) if word and any(c.isspace() for c in word) else word


def _values(kind: str, names: Names) -> list[str]:
    if kind in ("service", "many-service"):
        return names.services
    if kind in ("task", "many-task"):
        return names.tasks
    if kind == "taskdef":
        return names.task_definitions
    if kind == "status":
        return ["RUNNING", "STOPPED"]
    if kind == "zone":
        return names.zones
    if kind in ("instance", "many-instance"):
        return names.instances
    if kind == "instance-status":
        return ["DRAINING", "ACTIVE"]
    if kind == "metric":
        return list(SCALING_METRICS)
    return []


def _next_words(words: list[str], names: Names) -> list[str]:
    if words and words[0] == "aws":
        if len(words) == 1:
            return ["ecs"]
        if len(words) == 2:
            # Shortest first: the everyday commands (update-service) have the short names.
            return sorted(AWS_COMMANDS, key=lambda name: (len(name), name))
        command = AWS_COMMANDS.get(words[2])
        if command is None:
            return []
        rest = words[3:]
        if rest and rest[-1] in command.options:
            spec = command.options[rest[-1]]
            if spec.kind != "flag":
                return _values(spec.kind, names)
        used = set(rest)
        required = [o for o, s in command.options.items() if s.required and o not in used]
        optional = [o for o, s in command.options.items() if not s.required and o not in used]
        return required + optional
    if words and words[0] == "servicelab":
        words = words[1:]
    if not words:
        return list(TOP_WORDS)
    if len(words) == 1 and not any(c.path == (words[0],) for c in CLI_COMMANDS):
        return [c.path[1] for c in CLI_COMMANDS if len(c.path) > 1 and c.path[0] == words[0]]
    command, used = _find_cli(words)
    if command is None:
        return []
    rest = words[used:]
    if rest and rest[-1] in command.options and command.options[rest[-1]].kind != "flag":
        return _values(command.options[rest[-1]].kind, names)
    positionals = _count_positionals(rest, command)
    if positionals < len(command.args):
        return _values(command.args[positionals][1], names)
    if positionals < len(command.args) + len(command.optional):
        options = [o for o in command.options if o not in rest and o != "-f"]
        return _values(command.optional[positionals - len(command.args)][1], names) + options
    return [o for o in command.options if o not in rest and o != "-f"]


def _count_positionals(rest: list[str], command: CliCommand) -> int:
    count, i = 0, 0
    while i < len(rest):
        word = rest[i]
        if word.startswith("-") and not _is_number(word):
            spec = command.options.get(word.split("=", 1)[0])
            i += 1 if spec is None or spec.kind == "flag" or "=" in word else 2
            continue
        count += 1
        i += 1
    return count


def common_prefix(candidates: Iterable[str]) -> str:
    """The longest prefix all candidates share (what Tab can fill in without choosing)."""
    items = list(candidates)
    if not items:
        return ""
    first, last = min(items), max(items)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]
