"""What a command answers, worded once: the text `servicelab` prints and the app's command bar shows.

`fetch(operation, api)` carries the Operation out and reads whatever else its answer shows (the
CLI's `service ls` describes the services it lists, `task ls` reads every field of the tasks);
`reply(operation, answer)` words that answer as a `Reply`: lines for standard output, errors for
standard error, notes to show after the twin, and whether the command failed. A terminal prints
the Reply (context.py); the app's command bar shows the same lines, so `servicelab task ls` reads
the same in both. With `--json` (`Operation.as_json`), the lines are the JSON the command prints.

No click and no Textual here.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from sandbox.core import errors
from sandbox.core.timefmt import clock, duration

from .operations import ECS, Operation

EXEC_SECONDS = 15.0
"""How long a command run with `task exec` may take when its output is collected (the app's bar)."""
SHELLS = frozenset({"sh", "ash", "bash", "/bin/sh", "/bin/ash", "/bin/bash"})
"""Commands that wait for someone to type: `task exec ID -- sh` needs a terminal of its own."""


@dataclass
class Reply:
    """A command's answer as text."""

    lines: list[str] = field(default_factory=list)
    """Standard output in a terminal; the bar's answer."""
    errors: list[str] = field(default_factory=list)
    """Standard error in a terminal; shown as errors in the bar."""
    notes: list[str] = field(default_factory=list)
    """Shown after the twin, dimmed (standard error in a terminal): the sandbox's own values for it."""
    failed: bool = False
    """The command did not do what was asked (exit status 1 in a terminal)."""


class Api(Protocol):
    """Where operations go: the CLI's `Lab`, or `ClientApi` around the app's client."""

    def run(self, operation: Operation) -> dict[str, Any]: ...

    def ecs(self, operation: str, **params: Any) -> dict[str, Any]: ...

    def lab(self, operation: str, **params: Any) -> dict[str, Any]: ...


class ClientApi:
    """An `Api` for a control plane's client (sandbox.api.client.Client)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def run(self, operation: Operation) -> dict[str, Any]:
        call = self.client.ecs if operation.api == ECS else self.client.lab
        return call(operation.name, **operation.params)

    def ecs(self, operation: str, **params: Any) -> dict[str, Any]:
        return self.client.ecs(operation, **params)

    def lab(self, operation: str, **params: Any) -> dict[str, Any]:
        return self.client.lab(operation, **params)


# -- the pieces every answer is made of -----------------------------------------------------------
def table(rows: list[list[str]], headers: list[str]) -> list[str]:
    """Aligned columns, plain text, so output pipes and greps well."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    return lines + ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]


def json_lines(data: Any) -> list[str]:
    return json.dumps(data, indent=2, sort_keys=True, default=str).splitlines()


def ago(timestamp: float | None, now: float | None = None) -> str:
    if not timestamp:
        return "-"
    return duration((now or time.time()) - timestamp)


def short_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def event_line(event: dict[str, Any]) -> str:
    """One service event as `service events` prints it."""
    return f"{clock(event['createdAt'])}  {event['message']}"


def wants_terminal(command: list[str]) -> bool:
    """A shell on its own waits for typing: it needs a terminal, not collected output."""
    return not command or (len(command) == 1 and command[0] in SHELLS)


# -- fetching: the operation, and what else its answer shows -------------------------------------
Read = Callable[[Operation, Api], dict[str, Any]]


def fetch(operation: Operation, api: Api) -> dict[str, Any]:
    """Carry out `operation` and read what its answer shows; raises what the sandbox refused."""
    read = READS.get(operation.name)
    return read(operation, api) if read else api.run(operation)


def _list_services(op: Operation, api: Api) -> dict[str, Any]:
    arns = api.run(op)["serviceArns"]
    services: list[dict[str, Any]] = []
    for start in range(0, len(arns), 10):
        services += api.ecs("DescribeServices", cluster=op.params["cluster"], services=arns[start:start + 10])["services"]
    return {"serviceArns": arns, "services": services}


def _describe_service(op: Operation, api: Api) -> dict[str, Any]:
    answer = api.run(op)
    if op.show not in ("service", "events"):
        return answer
    name, cluster = op.params["services"][0], op.params["cluster"]
    if not answer["services"]:
        raise errors.ServiceNotFoundException(
            f"Service not found: {name!r} in cluster {cluster!r}. See `servicelab service ls`.")
    if op.show == "service" and not op.as_json:
        # One read, as the app's live panel makes it: the service with its tasks and the scheduler's why.
        snapshot = api.lab("Watch", cluster=cluster, sinceVersion=-1, timeoutSeconds=0)
        answer["live"] = next((s for s in snapshot["services"] if s["serviceName"] == name), None)
        answer["liveTasks"] = [t for t in snapshot["tasks"] if t.get("group") == f"service:{name}"]
    return answer


def _list_tasks(op: Operation, api: Api) -> dict[str, Any]:
    # The table wants more than ListTasks's ARNs: the tutor's Tasks call gives every field at once.
    stopped = op.params.get("desiredStatus") == "STOPPED"
    tasks = api.lab("Tasks", cluster=op.params["cluster"], service=op.params.get("serviceName"),
                    includeStopped=stopped)["tasks"]
    return {"tasks": [t for t in tasks if t["desiredStatus"] == "STOPPED"] if stopped else tasks}


def _describe_tasks(op: Operation, api: Api) -> dict[str, Any]:
    # The tutor's Tasks call takes an id's first characters, as `task ls` shows them.
    return api.lab("Tasks", cluster=op.params["cluster"], task=op.params["tasks"][0])


def _list_task_definitions(op: Operation, api: Api) -> dict[str, Any]:
    arns = api.run(op)["taskDefinitionArns"]
    return {"taskDefinitions": [api.ecs("DescribeTaskDefinition", taskDefinition=short_id(arn))["taskDefinition"]
                                for arn in arns]}


def _list_clusters(op: Operation, api: Api) -> dict[str, Any]:
    arns = api.run(op)["clusterArns"]
    return {"clusters": api.ecs("DescribeClusters", clusters=arns)["clusters"] if arns else []}


def _status(op: Operation, api: Api) -> dict[str, Any]:
    return api.lab("Status")


def _exec(op: Operation, api: Api) -> dict[str, Any]:
    """A shell gets an argv to run in a terminal; any other command runs here and its output is collected."""
    params = {k: v for k, v in op.params.items() if k != "cluster"}
    interactive = wants_terminal(op.params["command"])
    answer = api.lab("ExecArgv", cluster=op.params["cluster"], interactive=interactive, **params)
    if interactive:
        return {**answer, "interactive": True}
    try:
        done = subprocess.run(answer["argv"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", timeout=EXEC_SECONDS)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return {**answer, "output": out, "exitCode": None, "timedOut": True}
    except OSError as exc:
        raise errors.ClientException(f"could not run {answer['argv'][0]}: {exc.strerror}") from None
    return {**answer, "output": done.stdout + done.stderr, "exitCode": done.returncode}


READS: dict[str, Read] = {
    "ListServices": _list_services,
    "DescribeServices": _describe_service,
    "ListTasks": _list_tasks,
    "DescribeTasks": _describe_tasks,
    "ListTaskDefinitions": _list_task_definitions,
    "ListClusters": _list_clusters,
    "status": _status,
    "exec": _exec,
}


def traffic_answer(service: str, url: str, report: Any) -> dict[str, Any]:
    """A traffic run's answer (sandbox.lb.traffic.Report), as `traffic` presents it."""
    return {**report.summary(), "service": service, "seconds": report.seconds, "url": url,
            "answers": report.statuses().most_common(), "servedBy": report.tasks().most_common()}


# -- wording: the answer as text -------------------------------------------------------------------
Words = Callable[[Operation, dict[str, Any], float], Reply]


def reply(operation: Operation, answer: dict[str, Any], now: float | None = None) -> Reply:
    """The answer as the command prints it: JSON with --json, otherwise its text."""
    if operation.as_json:
        data = JSON.get(operation.name)
        return Reply(json_lines(data(operation, answer) if data else answer))
    words = WORDS.get(operation.name)
    if words is None:
        return Reply([f"done: {operation.summary}"] if operation.summary else [])
    return words(operation, answer, time.time() if now is None else now)


def _lines(*lines: str) -> Reply:
    return Reply(list(lines))


# services
def _services(op: Operation, a: dict[str, Any], now: float) -> Reply:
    services = a.get("services", [])
    if not services:
        return _lines(f"no services in cluster {op.params['cluster']!r}; create one with "
                      "`servicelab service create web --count 2`")
    return Reply(table(
        [[s["serviceName"], s["status"], str(s["desiredCount"]), str(s["runningCount"]), str(s["pendingCount"]),
          short_id(s["taskDefinition"]),
          "steady" if s["events"] and s["events"][0]["message"].endswith("steady state.") else "changing"]
         for s in services],
        ["NAME", "STATUS", "DESIRED", "RUNNING", "PENDING", "TASK DEF", "STATE"]))


def _described_service(op: Operation, a: dict[str, Any], now: float) -> Reply:
    if op.show == "events":
        return _events(op, a)
    if not a.get("services"):
        return _lines(*[f"not found: {f.get('arn')} ({f.get('reason')})" for f in a.get("failures", [])])
    s = a.get("live") or a["services"][0]
    name = s["serviceName"]
    lines = [f"service {name}  ({s['status']})",
             f"  task definition  {short_id(s['taskDefinition'])}",
             f"  desired {s['desiredCount']}   running {s['runningCount']}   pending {s['pendingCount']}"]
    config = s["deploymentConfiguration"]
    breaker = config["deploymentCircuitBreaker"]
    lines.append(f"  deployments      min healthy {config['minimumHealthyPercent']}%, max {config['maximumPercent']}%"
                 + (", circuit breaker" + (" with rollback" if breaker["rollback"] else "") if breaker["enable"] else ""))
    for d in s["deployments"]:
        lines.append(f"    {d['status']:<8} {d['id']}  {short_id(d['taskDefinition']):<10} "
                     f"running {d['runningCount']}/{d['desiredCount']}  {d['rolloutState']}"
                     + (f"  failed {d['failedTasks']}" if d["failedTasks"] else ""))
    zones: dict[str, int] = {}
    for t in a.get("liveTasks", []):
        if t["lastStatus"] == "RUNNING" and t.get("availabilityZone"):
            zones[t["availabilityZone"]] = zones.get(t["availabilityZone"], 0) + 1
    if zones:
        lines.append("  zones            " + ", ".join(f"{z}: {n}" for z, n in sorted(zones.items())))
    if s.get("healthCheckGracePeriodSeconds"):
        lines.append(f"  health checks    failures ignored for {s['healthCheckGracePeriodSeconds']}s after a task starts")
    why = s.get("decisions") or []
    if why:
        lines.append("  why (the scheduler's last decisions):")
        lines += [f"    {clock(d['at'])}  {d['text']}" for d in why[:5]]
    if s["events"]:
        lines.append("  recent events:")
        lines += [f"    {event_line(e)}" for e in s["events"][:8]]
    return Reply(lines)


def _events(op: Operation, a: dict[str, Any]) -> Reply:
    """The newest `limit` events, oldest first."""
    events = a["services"][0]["events"][: events_limit(op)] if a.get("services") else []
    return Reply([event_line(e) for e in reversed(events)])


def events_limit(op: Operation) -> int:
    """How many past events `service events` shows (its --limit)."""
    return 20 if op.limit is None else op.limit


def _created(op: Operation, a: dict[str, Any], now: float) -> Reply:
    request = op.params.get("createService", op.params)
    lb = (a.get("service") or {}).get("loadBalancer")
    line = (f"service {request['serviceName']} created: desired {request['desiredCount']} × {request['taskDefinition']}"
            + (f", behind a load balancer at {lb['url']}" if lb else ""))
    # The twin says ARN and NAME; the answer has this sandbox's own values for them.
    notes = [f"with this sandbox's values: --load-balancers targetGroupArn={lb['targetGroupArn']},"
             f"containerName={lb['containerName']},containerPort={lb['containerPort']}"] if lb else []
    return Reply([line], notes=notes)


def is_scale(op: Operation) -> bool:
    """An UpdateService that only sets the desired count (`service scale`)."""
    return set(op.params) <= {"cluster", "service", "desiredCount"}


def _updated(op: Operation, a: dict[str, Any], now: float) -> Reply:
    s, name = a["service"], op.params["service"]
    if is_scale(op):
        return _lines(f"service {name}: desired {op.params['desiredCount']} (running {s['runningCount']}, "
                      f"pending {s['pendingCount']})")
    d, config = s["deployments"][0], s["deploymentConfiguration"]
    lines = [f"service {name}: deployment {d['id']} {d['rolloutState']} ({short_id(d['taskDefinition'])}, "
             f"min {config['minimumHealthyPercent']}%, max {config['maximumPercent']}%)"]
    if "healthCheckGracePeriodSeconds" in op.params:
        lines.append(f"service {name}: health check grace period {op.params['healthCheckGracePeriodSeconds']}s")
    return Reply(lines)


def _deleted(op: Operation, a: dict[str, Any], now: float) -> Reply:
    return _lines(f"service {op.params['service']} is DRAINING; its tasks are being stopped")


def _chaos(op: Operation, a: dict[str, Any], now: float) -> Reply:
    name = op.params["service"]
    if op.name == "StopChaos":
        return _lines(f"chaos on {name} stopped")
    every, lasting = op.params["every"], op.params["for"]
    return _lines(f"chaos on {name}: one random task stopped every {every:g}s for {lasting:g}s "
                  f"(ends at {clock(now + lasting)})")


# tasks
def _tasks(op: Operation, a: dict[str, Any], now: float) -> Reply:
    tasks = a.get("tasks", [])
    if not tasks:
        everything = op.params.get("includeStopped", False)
        return _lines("no tasks" + ("" if everything else " (use --all to include stopped ones)"))
    rows = []
    for t in tasks:
        stopped = t["lastStatus"] == "STOPPED"
        rows.append([
            t["taskId"][:12],
            t["group"].split(":", 1)[1] if t["group"].startswith("service:") else "(one-off)",
            t["taskDefinition"], t["lastStatus"], t["desiredStatus"], t["healthStatus"],
            "-" if stopped else ago(t.get("startedAt"), now),
            (t.get("containerId") or "-")[:12],
            (t.get("stoppedReason") or "") if stopped or t["desiredStatus"] == "STOPPED" else "",
        ])
    return Reply(table(rows, ["TASK", "SERVICE", "TASK DEF", "LAST STATUS", "DESIRED", "HEALTH", "UPTIME",
                              "CONTAINER", "STOPPED REASON"]))


def _described_task(op: Operation, a: dict[str, Any], now: float) -> Reply:
    t = a["tasks"][0]
    c = t["containers"][0]
    lines = [f"task {t['taskId']}  ({t['group']}, {t['taskDefinition']})",
             f"  lastStatus {t['lastStatus']}   desiredStatus {t['desiredStatus']}   health {t['healthStatus']}",
             f"  container  {t.get('containerId') or '-'}"]
    lines += [f"  port       http://{b['bindIP']}:{b['hostPort']} → {b['containerPort']}/tcp"
              for b in c.get("networkBindings", [])]
    lines.append(f"  created    {clock(t['createdAt'])}")
    for label, key in (("started", "startedAt"), ("stopped", "stoppedAt")):
        if t.get(key):
            lines.append(f"  {label:<10} {clock(t[key])}")
    if t.get("stopCode"):
        lines += [f"  stopCode   {t['stopCode']}", f"  reason     {t.get('stoppedReason', '')}"]
    if "exitCode" in c:
        lines.append(f"  exit code  {c['exitCode']}")
    if c.get("reason"):
        lines.append(f"  container  {c['reason']}")
    return Reply(lines)


def _stopped(op: Operation, a: dict[str, Any], now: float) -> Reply:
    t = a["task"]
    return _lines(f"task {short_id(t['taskArn'])[:12]} stopping ({t['group']})")


def _killed(op: Operation, a: dict[str, Any], now: float) -> Reply:
    return _lines(f"killed container {a['containerId'][:12]} of task {a['taskId'][:12]}; "
                  "the scheduler has to notice by itself")


def _ran(op: Operation, a: dict[str, Any], now: float) -> Reply:
    lines = []
    for t in a.get("tasks", []):
        where = (f" on {short_id(t['containerInstanceArn'])} in {t['availabilityZone']}"
                 if t.get("availabilityZone") else "")
        lines.append(f"task {short_id(t['taskArn'])[:12]} started ({t['group']}){where}")
    failures = a.get("failures", [])
    return Reply(lines, errors=[f"not placed: {f['reason']}: {f.get('detail', '')}" for f in failures],
                 failed=bool(failures) and not lines)


def _exec_output(op: Operation, a: dict[str, Any], now: float) -> Reply:
    if a.get("interactive"):
        return Reply()
    lines = a.get("output", "").rstrip("\n").splitlines()
    if a.get("timedOut"):
        return Reply(lines, errors=[f"stopped after {EXEC_SECONDS:g}s: {' '.join(op.params['command'])} kept running; "
                                    f"run it in a terminal: {op.cli}"], failed=True)
    code = a.get("exitCode")
    return Reply(lines or ["(no output)"], errors=[f"exit code {code}"] if code else [], failed=bool(code))


# task definitions and clusters
def _shortened(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _taskdefs(op: Operation, a: dict[str, Any], now: float) -> Reply:
    rows = []
    for d in a.get("taskDefinitions", []):
        c = d["containerDefinitions"][0]
        hc = c.get("healthCheck")
        rows.append([
            # A shell script from an AWS example would wrap the table: its start says enough here.
            f"{d['family']}:{d['revision']}", c["image"], _shortened(" ".join(c.get("command", [])), 40) or "-",
            # What the task reserves: task-level memory, else the container's reservation or limit.
            str(d.get("cpu") or c["cpu"]), f"{d.get('memory') or c.get('memoryReservation') or c.get('memory')}MiB",
            ", ".join(str(m.get("containerPort") or m.get("containerPortRange")) for m in c["portMappings"]) or "-",
            f"every {hc['interval']}s" if hc else "-",
        ])
    return Reply(table(rows, ["TASK DEF", "IMAGE", "COMMAND", "CPU", "MEMORY", "PORT", "HEALTH CHECK"]))


def _taskdef(op: Operation, a: dict[str, Any], now: float) -> Reply:
    import yaml

    return Reply(yaml.safe_dump(a["taskDefinition"], sort_keys=False).rstrip().splitlines())


def _clusters(op: Operation, a: dict[str, Any], now: float) -> Reply:
    return Reply(table([[c["clusterName"], c["status"], str(c["activeServicesCount"]), str(c["runningTasksCount"]),
                         str(c["pendingTasksCount"])] for c in a.get("clusters", [])],
                       ["CLUSTER", "STATUS", "SERVICES", "RUNNING", "PENDING"]))


def _cluster(op: Operation, a: dict[str, Any], now: float) -> Reply:
    if op.name == "DeleteCluster":
        return _lines(f"cluster {op.params['cluster']} deleted")
    name = op.params["clusterName"]
    return _lines(f"cluster {name} created; use it with `servicelab --cluster {name} …`")


def _status_text(op: Operation, data: dict[str, Any], now: float) -> Reply:
    if not data["running"]:
        return _lines(f"sandbox {data['sandbox']!r}: not running (commands start it on demand)")
    engine = "ok" if data["engine"]["ok"] else f"DOWN ({data['engine']['error']})"
    lines = [f"sandbox {data['sandbox']!r}: running (pid {data['pid']})",
             f"  runtime  {data['runtime']}{'' if data['containers'] else ' (tasks are local processes, not containers)'}",
             f"  engine   {engine}",
             f"  api      {data['api']}"]
    if data.get("timeSpeed", 1) != 1:
        lines.append(f"  time     runs {data['timeSpeed']:g}x faster than real time")
    if data.get("workshop"):
        limits, used = data["quota"]["limits"], data["quota"]["used"]
        lines += [f"  workshop {data['workshop']} (API token required)",
                  f"  quota    {used['tasks']}/{limits['maxTasks']} tasks, {used['cpu']}/{limits['cpu']} CPU units, "
                  f"{used['memory']}/{limits['memory']} MiB"]
    if data.get("idleTimeout"):
        lines.append(f"  idle     stops itself after {data['idleTimeout']:g}s without a request")
    lines.append(f"  state    {data['stateDir']}")
    return Reply(lines)


# instances and zones
def _instances(op: Operation, a: dict[str, Any], now: float) -> Reply:
    return Reply(table(
        [[i["containerInstanceId"], i["availabilityZone"], "ZONE FAILED" if i["zoneFailed"] else i["status"],
          f"{i['remainingCpu']}/{i['cpu']}", f"{i['remainingMemory']}/{i['memory']} MiB", str(i["runningTasksCount"])]
         for i in a.get("instances", [])],
        ["INSTANCE", "ZONE", "STATUS", "FREE CPU", "FREE MEMORY", "TASKS"]))


def _instance_status(op: Operation, a: dict[str, Any], now: float) -> Reply:
    i, status = a["instance"], op.params["status"]
    then = ("its tasks are replaced elsewhere, within the deployment bounds" if status == "DRAINING"
            else "it takes tasks again")
    return _lines(f"instance {i['containerInstanceId']} ({i['availabilityZone']}) is {status}: {then}")


def _instance_added(op: Operation, a: dict[str, Any], now: float) -> Reply:
    return _lines(f"instance {a['instance']['containerInstanceId']} added in {op.params['zone']}")


def _zone(op: Operation, a: dict[str, Any], now: float) -> Reply:
    zone, n = op.params["zone"], len(a.get("instances", []))
    if op.params["failed"]:
        return _lines(f"zone {zone} failed ({n} instance(s) down): its tasks stop and the services place "
                      "replacements in the other zones")
    return _lines(f"zone {zone} restored ({n} instance(s) back)")


# load balancers, auto scaling, traffic
def _load_balancers(op: Operation, a: dict[str, Any], now: float) -> Reply:
    balancers = a.get("loadBalancers", [])
    if not balancers:
        return _lines("no load balancers; create a service with "
                      "`servicelab service create web --count 2 --load-balancer`")
    lines = []
    for lb in balancers:
        check = lb["healthCheck"]
        lines.append(f"{lb['service']}  {lb['url'] or '(starting)'}  {lb['requests']} requests"
                     + (f", {lb['rejected']} answered 503 (no healthy target)" if lb["rejected"] else ""))
        lines.append(f"  health check GET {check['path']} every {check['intervalSeconds']}s, healthy after "
                     f"{check['healthyThreshold']}, unhealthy after {check['unhealthyThreshold']}; "
                     f"deregistration delay {lb['deregistrationDelaySeconds']}s")
        if not lb["targets"]:
            lines.append("  no targets yet (a task is registered once it is RUNNING and its container is healthy)")
            continue
        lines += table(
            [["  " + t["taskId"][:12], str(t["port"]), t["health"], str(t["requests"]), str(t["inFlight"]),
              t.get("reason") or ""] for t in lb["targets"]],
            ["  TASK", "PORT", "HEALTH", "REQUESTS", "IN FLIGHT", "LAST FAILURE"])
    return Reply(lines)


def _scaling(op: Operation, a: dict[str, Any], now: float) -> Reply:
    name, s = op.params["service"], a.get("scaling")
    if op.name == "DeleteScalingPolicy":
        stays = f"; the desired count stays {a['desiredCount']}" if "desiredCount" in a else ""
        return _lines(f"service {name}: auto scaling off{stays}")
    if op.name == "PutScalingPolicy":
        return _lines(f"service {name}: keeping {s['metricName']} at {s['target']:g}, between {s['min']} and "
                      f"{s['max']} tasks (cooldowns: out {s['scaleOutCooldown']:g}s, in {s['scaleInCooldown']:g}s)")
    if s is None:
        return _lines(f"service {name} has no scaling policy; set one with `servicelab scaling set {name} "
                      "--metric cpu --target 50 --min 1 --max 4`")
    current = "no data yet" if s["current"] is None else f"{s['current']:g}"
    lines = [f"service {name}: {s['metricName']} {current} against target {s['target']:g}; "
             f"desired {a['desiredCount']} (min {s['min']}, max {s['max']})",
             f"  cooldowns: scale-out {s['scaleOutCooldown']:g}s, scale-in {s['scaleInCooldown']:g}s"]
    if s["status"]:
        lines.append(f"  now: {s['status']}")
    if s["lastAction"]:
        last = s["lastAction"]
        lines.append(f"  last activity {clock(last['at'])}: {last['from']} → {last['to']} ({last['reason']})")
        if last.get("message"):
            lines.append(f"    {last['message']}")
    return Reply(lines)


def _traffic(op: Operation, a: dict[str, Any], now: float) -> Reply:
    service = op.params["service"]
    if a.get("stopped"):
        return _lines(f"traffic to {service} stopped early: {a.get('requests', 0)} requests")
    p50 = "-" if a["p50_ms"] is None else f"{a['p50_ms']:.1f} ms"
    p99 = "-" if a["p99_ms"] is None else f"{a['p99_ms']:.1f} ms"
    # Named, because in the app the report comes when the run ends, after other commands' answers.
    lines = [f"traffic to {service}: {a['requests']} requests in {a['seconds']:.1f}s, {a['errors']} errors, "
             f"p50 {p50}, p99 {p99}"]
    if a.get("answers"):
        lines.append("  answers: " + ", ".join(f"{k} × {v}" for k, v in a["answers"]))
    if a.get("servedBy"):
        lines.append("  served by: " + ", ".join(f"{k[:8]} × {v}" for k, v in a["servedBy"]))
    return Reply(lines)


WORDS: dict[str, Words] = {
    "ListServices": _services,
    "DescribeServices": _described_service,
    "CreateService": _created,
    "CreateServiceWithLoadBalancer": _created,
    "UpdateService": _updated,
    "DeleteService": _deleted,
    "StartChaos": _chaos,
    "StopChaos": _chaos,
    "ListTasks": _tasks,
    "Tasks": _tasks,
    "DescribeTasks": _described_task,
    "StopTask": _stopped,
    "KillTask": _killed,
    "RunTask": _ran,
    "exec": _exec_output,
    "ListTaskDefinitions": _taskdefs,
    "DescribeTaskDefinition": _taskdef,
    "ListClusters": _clusters,
    "CreateCluster": _cluster,
    "DeleteCluster": _cluster,
    "status": _status_text,
    "Instances": _instances,
    "SetInstanceStatus": _instance_status,
    "AddInstance": _instance_added,
    "SetZoneFailed": _zone,
    "LoadBalancers": _load_balancers,
    "PutScalingPolicy": _scaling,
    "DescribeScaling": _scaling,
    "DeleteScalingPolicy": _scaling,
    "traffic": _traffic,
}
"""Each operation's text, by name."""

JSON: dict[str, Callable[[Operation, dict[str, Any]], Any]] = {
    "ListServices": lambda op, a: a["services"],
    "DescribeServices": lambda op, a: (a["services"][0]["events"][: events_limit(op)] if op.show == "events"
                                       else a["services"][0]),
    "CreateService": lambda op, a: a["service"],
    "CreateServiceWithLoadBalancer": lambda op, a: a["service"],
    "UpdateService": lambda op, a: a["service"],
    "ListTasks": lambda op, a: a["tasks"],
    "Tasks": lambda op, a: a["tasks"],
    "DescribeTasks": lambda op, a: a["tasks"][0],
    "ListTaskDefinitions": lambda op, a: a["taskDefinitions"],
    "DescribeTaskDefinition": lambda op, a: a["taskDefinition"],
    "ListClusters": lambda op, a: a["clusters"],
    "Instances": lambda op, a: a["instances"],
    "LoadBalancers": lambda op, a: a["loadBalancers"],
    "traffic": lambda op, a: {k: a.get(k) for k in ("requests", "errors", "p50_ms", "p99_ms")},
}
"""What `--json` prints, where it is not the whole answer."""
