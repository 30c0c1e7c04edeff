"""The command bar's answers as text: what a command returned, worded like the CLI prints it."""

from __future__ import annotations

import json
from typing import Any

from tutor.commands import Operation
from tutor.live.view_model import clock, duration

Snapshot = dict[str, Any]


def describe(operation: Operation, result: dict[str, Any], snapshot: Snapshot | None = None,
             now: float | None = None) -> list[str]:
    """Lines that answer the command, short enough for the bar's output area."""
    show = operation.show
    if operation.name == "ListServices":
        arns = result.get("serviceArns", [])
        if not arns:
            return ["no services; create one with: service create web --count 2"]
        return [f"{len(arns)} service(s):"] + [f"  {arn}" for arn in arns]
    if show in ("service", "events") and result.get("services") is not None:
        lines: list[str] = []
        for s in result["services"]:
            lines += _service(s, events_only=show == "events")
        for f in result.get("failures", []):
            lines.append(f"not found: {f.get('arn')} ({f.get('reason')})")
        return lines
    if show == "service" and "service" in result:
        s = result["service"]
        lb = s.get("loadBalancer")
        return [f"service {s['serviceName']}: {s['status']}, desired {s['desiredCount']}, running "
                f"{s['runningCount']}, pending {s['pendingCount']}"
                + (f", behind a load balancer at {lb.get('url') or '(starting)'}" if lb else "")]
    if operation.name == "ListTasks":
        arns = result.get("taskArns", [])
        status = operation.params.get("desiredStatus", "RUNNING")
        if not arns:
            return [f"no tasks with desiredStatus {status}"]
        known = {t["taskId"]: t for t in (snapshot or {}).get("tasks", [])}
        lines = [f"{len(arns)} task(s) with desiredStatus {status}:"]
        for arn in arns:
            task = known.get(arn.rsplit("/", 1)[-1])
            extra = f"  {task['lastStatus']}  {task.get('group', '')}" if task else ""
            lines.append(f"  {arn}{extra}")
        return lines
    if operation.name == "Tasks":
        return _task_lines(result.get("tasks", []), now)
    if operation.name == "RunTask":
        return [f"task {t['taskArn'].rsplit('/', 1)[-1]} started ({t['group']})" for t in result.get("tasks", [])]
    if show == "task" and result.get("tasks") is not None:
        lines = []
        for t in result["tasks"]:
            lines += _task(t)
        for f in result.get("failures", []):
            lines.append(f"not found: {f.get('arn')} ({f.get('reason')})")
        return lines
    if show == "task" and "task" in result:
        t = result["task"]
        return [f"task {t['taskArn'].rsplit('/', 1)[-1]}: desiredStatus {t['desiredStatus']}, "
                f"lastStatus {t['lastStatus']}" + (f" ({t.get('stoppedReason')})" if t.get("stoppedReason") else "")]
    if operation.name == "ListTaskDefinitions":
        return [arn.rsplit("/", 1)[-1] for arn in result.get("taskDefinitionArns", [])]
    if operation.name == "DescribeTaskDefinition":
        return json.dumps(result.get("taskDefinition", {}), indent=2).splitlines()
    if operation.name == "KillTask":
        return [f"killed container {result.get('containerId', '')[:12]} of task {result.get('taskId', '')[:12]}; "
                "the scheduler has to notice by itself"]
    if operation.name == "StartChaos":
        chaos = result.get("chaos") or {}
        return [f"chaos on: one random task every {chaos.get('every', 0):g}s until {clock(chaos.get('until', 0))}"]
    if operation.name == "StopChaos":
        return ["chaos off"]
    if operation.name in OPS_RESULTS:
        return OPS_RESULTS[operation.name](operation, result)
    if operation.name == "status":
        engine = result.get("engine") or {}
        return [
            f"sandbox {result.get('sandbox')}: runtime {result.get('runtime')}, "
            f"engine {'ok' if engine.get('ok') else 'DOWN: ' + str(engine.get('error'))}",
            f"API {result.get('api')} (a second terminal can use: SERVICELAB_SANDBOX={result.get('sandbox')} servicelab …)",
        ]
    return ["done"]


def _service(s: dict[str, Any], events_only: bool) -> list[str]:
    lines = []
    if not events_only:
        d = s["deployments"][0] if s.get("deployments") else None
        lines.append(f"service {s['serviceName']} ({s['status']}), task definition "
                     f"{s['taskDefinition'].rsplit('/', 1)[-1]}")
        lines.append(f"  desired {s['desiredCount']}, running {s['runningCount']}, pending {s['pendingCount']}"
                     + (f", deployment {d['rolloutState']}" if d else ""))
    events = s.get("events", [])[: 20 if events_only else 5]
    if events:
        lines.append("  events, newest first:" if events_only else "  recent events:")
        lines += [f"    {clock(e['createdAt'])}  {e['message']}" for e in events]
    return lines


def _task(t: dict[str, Any]) -> list[str]:
    task_id = t["taskArn"].rsplit("/", 1)[-1]
    lines = [f"task {task_id} ({t.get('group', '')})",
             f"  lastStatus {t['lastStatus']}, desiredStatus {t['desiredStatus']}, health {t.get('healthStatus')}"]
    if t.get("startedAt"):
        lines.append(f"  started {clock(t['startedAt'])}")
    if t.get("stoppedAt"):
        lines.append(f"  stopped {clock(t['stoppedAt'])}")
    if t.get("stopCode"):
        lines.append(f"  stopCode {t['stopCode']}: {t.get('stoppedReason', '')}")
    return lines


def _task_lines(tasks: list[dict[str, Any]], now: float | None) -> list[str]:
    if not tasks:
        return ["no tasks"]
    import time

    now = time.time() if now is None else now
    lines = []
    for t in tasks:
        uptime = duration(now - t["startedAt"]) if t.get("startedAt") and t["lastStatus"] == "RUNNING" else "-"
        reason = f"  {t.get('stoppedReason')}" if t["lastStatus"] == "STOPPED" and t.get("stoppedReason") else ""
        lines.append(f"  {t['taskId'][:12]}  {t['lastStatus']:<12} {t.get('group', ''):<16} {uptime:>7}{reason}")
    return lines


# -- instances, zones, load balancers, auto scaling, traffic -------------------------------------
def _instance_words(i: dict[str, Any]) -> str:
    state = "ZONE FAILED" if i.get("zoneFailed") else i.get("status", "?")
    return (f"  {i.get('containerInstanceId', '?')}  {i.get('availabilityZone', '?')}  {state:<11}  "
            f"free cpu {i.get('remainingCpu', '?')}/{i.get('cpu', '?')}  "
            f"memory {i.get('remainingMemory', '?')}/{i.get('memory', '?')} MiB  "
            f"tasks {i.get('runningTasksCount', 0)}")


def _instances(operation: Operation, result: dict[str, Any]) -> list[str]:
    instances = result.get("instances", [])
    if not instances:
        return ["no container instances"]
    return [f"{len(instances)} instance(s):"] + [_instance_words(i) for i in instances]


def _instance_status(operation: Operation, result: dict[str, Any]) -> list[str]:
    i = result.get("instance") or {}
    status = i.get("status", operation.params.get("status"))
    then = ("its tasks are replaced elsewhere, within the deployment bounds" if status == "DRAINING"
            else "it takes tasks again")
    return [f"instance {i.get('containerInstanceId', operation.params.get('instance'))} "
            f"({i.get('availabilityZone', '?')}) is {status}: {then}"]


def _zone(operation: Operation, result: dict[str, Any]) -> list[str]:
    zone, n = operation.params.get("zone"), len(result.get("instances", []))
    if operation.params.get("failed"):
        return [f"zone {zone} failed ({n} instance(s) down): its tasks stop and the services place "
                "replacements in the other zones"]
    return [f"zone {zone} restored ({n} instance(s) back)"]


def _load_balancers(operation: Operation, result: dict[str, Any]) -> list[str]:
    balancers = result.get("loadBalancers", [])
    if not balancers:
        return ["no load balancers; create a service with: service create web --count 2 --load-balancer"]
    lines = []
    for lb in balancers:
        rejected = f", {lb['rejected']} answered 503 (no healthy target)" if lb.get("rejected") else ""
        lines.append(f"{lb.get('service')}  {lb.get('url') or '(starting)'}  {lb.get('requests', 0)} requests{rejected}")
        targets = lb.get("targets", [])
        if not targets:
            lines.append("  no targets yet (a task is registered once it is RUNNING and its container is healthy)")
        for t in targets:
            failure = f"  last failure: {t['reason']}" if t.get("reason") else ""
            lines.append(f"  {t['taskId'][:12]}  port {t.get('port')}  {t.get('health')}  "
                         f"{t.get('requests', 0)} requests, {t.get('inFlight', 0)} in flight{failure}")
    return lines


def _scaling(operation: Operation, result: dict[str, Any]) -> list[str]:
    name = result.get("service", operation.params.get("service"))
    s = result.get("scaling")
    if operation.name == "DeleteScalingPolicy":
        return [f"service {name}: auto scaling off; the desired count stays {result.get('desiredCount', '?')}"]
    if not s:
        return [f"service {name} has no scaling policy; set one with: scaling set {name} --metric cpu --target 50 "
                "--min 1 --max 4"]
    current = "no data yet" if s.get("current") is None else f"{s['current']:g}"
    lines = [f"service {name}: {s.get('metricName')} {current} against target {s.get('target'):g}; desired "
             f"{result.get('desiredCount', '?')} (min {s.get('min')}, max {s.get('max')})",
             f"  cooldowns: scale-out {s.get('scaleOutCooldown', 0):g}s, scale-in {s.get('scaleInCooldown', 0):g}s"]
    if s.get("status"):
        lines.append(f"  now: {s['status']}")
    if s.get("lastAction"):
        a = s["lastAction"]
        lines.append(f"  last activity {clock(a.get('at', 0))}: {a.get('from')} → {a.get('to')} ({a.get('reason')})")
    return lines


def _traffic(operation: Operation, result: dict[str, Any]) -> list[str]:
    if result.get("stopped"):
        return [f"traffic to {operation.params.get('service')} stopped early: {result.get('requests', 0)} requests"]
    p50 = "-" if result.get("p50_ms") is None else f"{result['p50_ms']:.1f} ms"
    p99 = "-" if result.get("p99_ms") is None else f"{result['p99_ms']:.1f} ms"
    lines = [f"traffic to {operation.params.get('service')}: {result.get('requests', 0)} requests in "
             f"{result.get('seconds', operation.params.get('seconds', 0)):.1f}s, {result.get('errors', 0)} errors, "
             f"p50 {p50}, p99 {p99}"]
    if result.get("answers"):
        lines.append("  answers: " + ", ".join(f"{k} × {v}" for k, v in result["answers"]))
    if result.get("servedBy"):
        lines.append("  served by: " + ", ".join(f"{k[:8]} × {v}" for k, v in result["servedBy"]))
    return lines


OPS_RESULTS = {
    "Instances": _instances,
    "SetInstanceStatus": _instance_status,
    "SetZoneFailed": _zone,
    "LoadBalancers": _load_balancers,
    "PutScalingPolicy": _scaling,
    "DescribeScaling": _scaling,
    "DeleteScalingPolicy": _scaling,
    "traffic": _traffic,
}
