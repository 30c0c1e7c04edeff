"""One builder per verb: what a command means, as the `Operation` to carry out.

The CLI's commands and the app's command bar both turn parsed parameters into an Operation
here: the API call to make (an ECS operation, a servicelab one, or something the app does
itself), its parameters with ECS's field names, and the same call's `aws ecs` twin. The CLI
runs it and prints its twin; the bar runs it and shows the same twin, so the two cannot drift.

No click and no I/O here; a builder refuses impossible input with `CommandError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import service_settings
from .twin import DEFAULT_CLUSTER, aws_line, cli_line

ECS = "ecs"
"""An ECS JSON operation (`X-Amz-Target: AmazonEC2ContainerServiceV20141113.<name>`)."""
LAB = "lab"
"""A servicelab operation (chaos, kill, zones): things ECS has no API for."""
APP = "app"
"""Something the app does itself: show logs, open a shell, send traffic, show help, clear the output."""

__all__ = ["APP", "DEFAULT_CLUSTER", "ECS", "LAB", "CommandError", "Operation"]


class CommandError(ValueError):
    """A command that cannot be carried out as typed; `str()` is one line for the learner."""


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
    aws elbv2): that way, worded for the learner."""
    as_json: bool = False
    """Answer with JSON (the command's `--json`) instead of text; how it is asked, not what is done."""
    limit: int | None = None
    """At most this many items in the answer (`service events --limit`)."""

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
    "AddInstance": "no aws ecs equivalent: on AWS an instance joins a cluster when its ECS agent registers it",
    "traffic": "no aws ecs equivalent: on AWS the load comes from your users (or a load-testing tool)",
    "terminal": "no aws ecs equivalent: a servicelab command for a terminal",
    "help": "",
    "clear": "",
    "cheatsheet": "",
    "review": "",
    "slow-motion": "",
}


# -- services -----------------------------------------------------------------------------------
def list_services(cluster: str) -> Operation:
    return Operation(ECS, "ListServices", {"cluster": cluster, "maxResults": 100},
                     cli_line(cluster, "service", "ls"), aws_line("list-services", cluster),
                     f"list the services in cluster {cluster}", show="services")


def describe_service(cluster: str, name: str, show: str = "service") -> Operation:
    cli = cli_line(cluster, "service", "events" if show == "events" else "describe", name)
    summary = f"show {name}'s events" if show == "events" else f"describe service {name}"
    return Operation(ECS, "DescribeServices", {"cluster": cluster, "services": [name]},
                     cli, aws_line("describe-services", cluster, ("--services", name)), summary, show=show)


def create_service(cluster: str, name: str, task_definition: str = "web:1", count: int = 1,
                   settings: dict[str, Any] | None = None, load_balancer: dict[str, Any] | None = None) -> Operation:
    """CreateService; `settings` are further members (placementStrategy, deploymentConfiguration, …), and a
    `load_balancer` (the target group's settings, maybe {}) puts the service behind a load balancer of its own."""
    settings = service_settings.ordered(settings)
    request = {"cluster": cluster, "serviceName": name, "taskDefinition": task_definition, "desiredCount": count,
               **settings}
    aws = aws_line("create-service", cluster, ("--service-name", name), ("--task-definition", task_definition),
                   ("--desired-count", count), *_setting_options(settings))
    words = ["service", "create", name, "--task-def", task_definition, "--count", count,
             *service_settings.cli_words(settings)]
    if load_balancer is not None:
        return _create_behind_load_balancer(cluster, request, load_balancer, words, aws)
    return Operation(ECS, "CreateService", request, cli_line(cluster, *words), aws,
                     f"create service {name}: keep {count} × {task_definition} running", show="service", changes=True)


def _create_behind_load_balancer(cluster: str, request: dict[str, Any], load_balancer: dict[str, Any],
                                 words: list[Any], aws: str) -> Operation:
    """CreateService and a load balancer of the service's own, in one servicelab step."""
    name, count, task_definition = request["serviceName"], request["desiredCount"], request["taskDefinition"]
    return Operation(
        LAB, "CreateServiceWithLoadBalancer", {"createService": request, "loadBalancer": load_balancer},
        cli_line(cluster, *words, "--load-balancer"), None,
        f"create service {name} behind a load balancer: keep {count} × {task_definition} running",
        show="service", changes=True,
        elsewhere="on AWS: create a target group and a load balancer (aws elbv2), then " + aws
                  + " --load-balancers targetGroupArn=ARN,containerName=NAME,containerPort=PORT",
    )


def _setting_options(settings: dict[str, Any]) -> list[tuple[str, Any]]:
    from botocore import xform_name

    return [("--" + xform_name(member, "-"), value) for member, value in settings.items()]


def scale_service(cluster: str, name: str, count: int) -> Operation:
    return Operation(
        ECS, "UpdateService", {"cluster": cluster, "service": name, "desiredCount": count},
        cli_line(cluster, "service", "scale", name, count),
        aws_line("update-service", cluster, ("--service", name), ("--desired-count", count)),
        f"set {name}'s desired count to {count}", show="service", changes=True,
    )


def update_service(cluster: str, name: str, task_definition: str | None = None, count: int | None = None,
                   force: bool = False, settings: dict[str, Any] | None = None) -> Operation:
    """A new task definition (or a forced deployment) rolls the service; a count alone scales it."""
    settings = service_settings.ordered(settings)
    if task_definition is None and not force and not settings:
        if count is None:
            raise CommandError("nothing to update: give a task definition, a desired count, a forced new deployment, "
                               "a health check grace period or deployment settings")
        return scale_service(cluster, name, count)
    params: dict[str, Any] = {"cluster": cluster, "service": name, **settings}
    for key, value in (("taskDefinition", task_definition), ("desiredCount", count), ("forceNewDeployment", force)):
        if value is not None and value is not False:
            params[key] = value
    return Operation(
        ECS, "UpdateService", params,
        cli_line(cluster, "service", "update", name, *(("--task-def", task_definition) if task_definition else ()),
                 *(("--count", count) if count is not None else ()), "--force-new-deployment" if force else None,
                 *service_settings.cli_words(settings)),
        aws_line("update-service", cluster, ("--service", name), ("--task-definition", task_definition),
                 ("--desired-count", count), ("--force-new-deployment", force), *_setting_options(settings)),
        _update_summary(name, task_definition, force, settings), show="service", changes=True,
    )


def _update_summary(name: str, task_definition: str | None, force: bool, settings: dict[str, Any]) -> str:
    if task_definition or force:
        return (f"deploy {task_definition} to {name}" if task_definition else f"redeploy {name}") + " (a rolling deployment)"
    if list(settings) == ["healthCheckGracePeriodSeconds"]:
        return f"ignore {name}'s failed health checks for {settings['healthCheckGracePeriodSeconds']}s after each task starts"
    return f"change {name}'s settings: {', '.join(settings)}"


def delete_service(cluster: str, name: str, force: bool) -> Operation:
    return Operation(
        ECS, "DeleteService", {"cluster": cluster, "service": name, "force": force},
        cli_line(cluster, "service", "delete", name, "--force" if force else None),
        aws_line("delete-service", cluster, ("--service", name), ("--force", force)),
        f"delete service {name}" + (" (stopping its tasks)" if force else ""), show="service", changes=True,
    )


def start_chaos(cluster: str, service: str, every: float, duration: float) -> Operation:
    return Operation(LAB, "StartChaos", {"cluster": cluster, "service": service, "every": every, "for": duration},
                     cli_line(cluster, "chaos", service, "--every", f"{every:g}", "--for", f"{duration:g}"), None,
                     f"stop a random {service} task every {every:g}s for {duration:g}s", changes=True)


def stop_chaos(cluster: str, service: str) -> Operation:
    return Operation(LAB, "StopChaos", {"cluster": cluster, "service": service},
                     cli_line(cluster, "chaos", service, "--stop"), None, f"end the chaos on {service}", changes=True)


# -- tasks --------------------------------------------------------------------------------------
def list_tasks(cluster: str, service: str | None, stopped: bool) -> Operation:
    params: dict[str, Any] = {"cluster": cluster, "desiredStatus": "STOPPED" if stopped else "RUNNING",
                              "maxResults": 100}
    if service:
        params["serviceName"] = service
    return Operation(
        ECS, "ListTasks", params,
        cli_line(cluster, "task", "ls", *(["--service", service] if service else []), "--stopped" if stopped else None),
        aws_line("list-tasks", cluster, ("--service-name", service), ("--desired-status", "STOPPED" if stopped else None)),
        ("list stopped tasks" if stopped else "list running tasks") + (f" of {service}" if service else ""),
        show="tasks",
    )


def all_tasks(cluster: str, service: str | None) -> Operation:
    params: dict[str, Any] = {"cluster": cluster, "includeStopped": True}
    if service:
        params["service"] = service
    return Operation(LAB, "Tasks", params,
                     cli_line(cluster, "task", "ls", *(["--service", service] if service else []), "--all"),
                     None, "list every task, stopped ones too" + (f", of {service}" if service else ""),
                     show="tasks")


def describe_task(cluster: str, task: str) -> Operation:
    return Operation(ECS, "DescribeTasks", {"cluster": cluster, "tasks": [task]},
                     cli_line(cluster, "task", "describe", task), aws_line("describe-tasks", cluster, ("--tasks", task)),
                     f"describe task {task[:12]}", show="task")


def stop_task(cluster: str, task: str, reason: str | None) -> Operation:
    params: dict[str, Any] = {"cluster": cluster, "task": task}
    if reason:
        params["reason"] = reason
    return Operation(
        ECS, "StopTask", params,
        cli_line(cluster, "task", "stop", task, *(["--reason", reason] if reason else [])),
        aws_line("stop-task", cluster, ("--task", task), ("--reason", reason)),
        f"stop task {task[:12]}", show="task", changes=True,
    )


def run_task(cluster: str, task_definition: str, count: int = 1) -> Operation:
    return Operation(
        ECS, "RunTask", {"cluster": cluster, "taskDefinition": task_definition, "count": count},
        cli_line(cluster, "task", "run", task_definition, *(["--count", count] if count != 1 else [])),
        aws_line("run-task", cluster, ("--task-definition", task_definition), ("--count", count if count != 1 else None)),
        f"run {count} one-off task{'s' if count != 1 else ''} of {task_definition}", show="tasks", changes=True,
    )


def kill_task(cluster: str, task: str) -> Operation:
    return Operation(LAB, "KillTask", {"cluster": cluster, "task": task}, cli_line(cluster, "task", "kill", task), None,
                     f"kill task {task[:12]}'s container, as a crash would", changes=True)


def task_logs(cluster: str, task: str) -> Operation:
    return Operation(APP, "logs", {"cluster": cluster, "task": task},
                     cli_line(cluster, "task", "logs", task, "--follow"), None, f"follow task {task[:12]}'s logs")


def exec_task(cluster: str, task: str, command: list[str]) -> Operation:
    command = list(command) or ["sh"]
    return Operation(
        APP, "exec", {"cluster": cluster, "task": task, "command": command},
        cli_line(cluster, "task", "exec", task, "--", *command),
        aws_line("execute-command", cluster, ("--task", task), ("--command", " ".join(command)), ("--interactive", True)),
        f"open {' '.join(command)} inside task {task[:12]}",
    )


# -- task definitions and clusters --------------------------------------------------------------
def list_task_definitions(cluster: str = DEFAULT_CLUSTER) -> Operation:
    # Task definitions belong to the account, not to a cluster: no `cluster` parameter.
    return Operation(ECS, "ListTaskDefinitions", {}, cli_line(None, "taskdef", "ls"),
                     aws_line("list-task-definitions", None), "list the task definitions", show="taskdefs")


def describe_task_definition(cluster: str, ref: str) -> Operation:
    return Operation(ECS, "DescribeTaskDefinition", {"taskDefinition": ref}, cli_line(None, "taskdef", "describe", ref),
                     aws_line("describe-task-definition", None, ("--task-definition", ref)),
                     f"describe task definition {ref}", show="taskdef")


def list_clusters() -> Operation:
    return Operation(ECS, "ListClusters", {}, cli_line(None, "cluster", "ls"), aws_line("list-clusters", None),
                     "list the clusters", show="clusters")


def create_cluster(name: str) -> Operation:
    return Operation(ECS, "CreateCluster", {"clusterName": name}, cli_line(None, "cluster", "create", name),
                     aws_line("create-cluster", None, ("--cluster-name", name)),
                     f"create cluster {name} with three instances in three zones", show="cluster", changes=True)


def delete_cluster(name: str) -> Operation:
    # The cluster is what goes, so it is named even when it is the default one.
    return Operation(ECS, "DeleteCluster", {"cluster": name}, cli_line(None, "cluster", "delete", name),
                     aws_line("delete-cluster", None, ("--cluster", name)), f"delete cluster {name}",
                     show="cluster", changes=True)


def sandbox_status(cluster: str) -> Operation:
    return Operation(APP, "status", {"cluster": cluster}, cli_line(cluster, "sandbox", "status"), None,
                     "show the sandbox's status", show="status")


# -- instances and zones ------------------------------------------------------------------------
def list_instances(cluster: str) -> Operation:
    return Operation(LAB, "Instances", {"cluster": cluster}, cli_line(cluster, "instance", "ls"), None,
                     f"list the container instances of cluster {cluster}", show="instances",
                     elsewhere="on AWS: aws ecs list-container-instances, then aws ecs describe-container-instances "
                               "(the sandbox's ECS API answers both too)")


def set_instance_status(cluster: str, instance: str, status: str) -> Operation:
    """DRAINING moves the instance's tasks elsewhere; ACTIVE lets it take tasks again."""
    verb = "drain" if status == "DRAINING" else "activate"
    what = (f"drain instance {instance}: its tasks move elsewhere" if status == "DRAINING"
            else f"activate instance {instance}: it takes tasks again")
    return Operation(
        LAB, "SetInstanceStatus", {"cluster": cluster, "instance": instance, "status": status},
        cli_line(cluster, "instance", verb, instance),
        aws_line("update-container-instances-state", cluster, ("--container-instances", instance), ("--status", status)),
        what, show="instance", changes=True,
    )


def add_instance(cluster: str, zone: str, cpu: int, memory: int) -> Operation:
    return Operation(LAB, "AddInstance", {"cluster": cluster, "zone": zone, "cpu": cpu, "memory": memory},
                     cli_line(cluster, "instance", "add", "--zone", zone, "--cpu", cpu, "--memory", memory), None,
                     f"add an instance in {zone} ({cpu} CPU units, {memory} MiB)", show="instance", changes=True)


def set_zone_failed(cluster: str, zone: str, failed: bool) -> Operation:
    return Operation(
        LAB, "SetZoneFailed", {"cluster": cluster, "zone": zone, "failed": failed},
        cli_line(cluster, "zone", "fail" if failed else "restore", zone), None,
        f"fail zone {zone}: every task in it stops" if failed else f"restore zone {zone}: its capacity comes back",
        show="zone", changes=True,
    )


# -- load balancers, auto scaling, traffic ------------------------------------------------------
def list_load_balancers(cluster: str, service: str | None) -> Operation:
    params: dict[str, Any] = {"cluster": cluster}
    if service:
        params["service"] = service
    return Operation(LAB, "LoadBalancers", params, cli_line(cluster, "lb", "ls", service), None,
                     "list the load balancers and their targets" + (f" (of {service})" if service else ""),
                     show="lbs", elsewhere="on AWS: aws elbv2 describe-target-health --target-group-arn ARN")


SCALING_METRICS = {"cpu": "ECSServiceAverageCPUUtilization", "requests": "ALBRequestCountPerTarget"}
"""The metrics a scaling policy can track, by the name `scaling set --metric` takes."""


def _scalable(cluster: str, name: str) -> str:
    return (f"--service-namespace ecs --scalable-dimension ecs:service:DesiredCount "
            f"--resource-id service/{cluster}/{name}")


def put_scaling_policy(cluster: str, name: str, metric: str, target: float, minimum: int, maximum: int,
                       scale_out_cooldown: float | None = None, scale_in_cooldown: float | None = None) -> Operation:
    params: dict[str, Any] = {"cluster": cluster, "service": name, "metric": metric, "target": target,
                              "minCapacity": minimum, "maxCapacity": maximum}
    cooldowns = {"ScaleOutCooldown": scale_out_cooldown, "ScaleInCooldown": scale_in_cooldown}
    for key, value in (("scaleOutCooldown", scale_out_cooldown), ("scaleInCooldown", scale_in_cooldown)):
        if value is not None:
            params[key] = value
    configuration = "".join(f",{k}={v:g}" for k, v in cooldowns.items() if v is not None)
    return Operation(
        LAB, "PutScalingPolicy", params,
        cli_line(cluster, "scaling", "set", name, "--metric", metric, "--target", f"{target:g}", "--min", minimum,
                 "--max", maximum,
                 *(("--scale-out-cooldown", f"{scale_out_cooldown:g}") if scale_out_cooldown is not None else ()),
                 *(("--scale-in-cooldown", f"{scale_in_cooldown:g}") if scale_in_cooldown is not None else ())),
        None, f"keep {name}'s {metric} at {target:g} with {minimum} to {maximum} tasks (target tracking)",
        show="scaling", changes=True,
        elsewhere=(f"aws application-autoscaling register-scalable-target {_scalable(cluster, name)} "
                   f"--min-capacity {minimum} --max-capacity {maximum}; aws application-autoscaling put-scaling-policy "
                   f"{_scalable(cluster, name)} --policy-name {name}-{metric} --policy-type TargetTrackingScaling "
                   f"--target-tracking-scaling-policy-configuration 'TargetValue={target:g},PredefinedMetricSpecification="
                   f"{{PredefinedMetricType={SCALING_METRICS[metric]}}}{configuration}'"),
    )


def describe_scaling(cluster: str, name: str) -> Operation:
    return Operation(LAB, "DescribeScaling", {"cluster": cluster, "service": name},
                     cli_line(cluster, "scaling", "show", name), None, f"show {name}'s auto scaling", show="scaling",
                     elsewhere=f"aws application-autoscaling describe-scaling-activities {_scalable(cluster, name)}"
                     .replace(" --scalable-dimension ecs:service:DesiredCount", ""))


def delete_scaling_policy(cluster: str, name: str) -> Operation:
    return Operation(LAB, "DeleteScalingPolicy", {"cluster": cluster, "service": name},
                     cli_line(cluster, "scaling", "off", name), None, f"turn {name}'s auto scaling off",
                     show="scaling", changes=True,
                     elsewhere=f"aws application-autoscaling deregister-scalable-target {_scalable(cluster, name)}")


def send_traffic(cluster: str, service: str, rps: float = 10.0, seconds: float = 10.0, path: str = "/") -> Operation:
    """Requests at the service's load balancer for a while, within the traffic generator's bounds."""
    from sandbox.lb import traffic

    try:
        traffic.check(rps, seconds)
    except ValueError as exc:
        raise CommandError(f"traffic: {exc}") from None
    path = path if path.startswith("/") else "/" + path
    return Operation(
        APP, "traffic", {"cluster": cluster, "service": service, "rps": rps, "seconds": seconds, "path": path},
        cli_line(cluster, "traffic", service, "--rps", f"{rps:g}", "--for", f"{seconds:g}",
                 *(("--path", path) if path != "/" else ())),
        None, f"send {rps:g} requests/s to {service}'s load balancer for {seconds:g}s", show="traffic",
    )
