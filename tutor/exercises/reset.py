"""Reset a step's sandbox: what to delete and create so it matches the step's setup again.

No Textual here. `plan()` compares a setup with a snapshot and lists the actions (pure, so
the app can show "this will delete api and scale web to 2" before asking); `apply()` carries
them out through a Runner, then waits until the sandbox has settled. Services that already
match are kept (only rescaled), which is what makes resetting quick.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tutor.checks import plain_words
from tutor.lessons import shipped_taskdefs
from tutor.lessons import Lesson, SandboxSetup
from tutor.exercises.runner import CommandFailed, Runner

SETTLE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Action:
    kind: str
    """stop-chaos, restore-zone, activate-instance, stop-task, delete-service, sync-taskdefs,
    create-service or scale-service."""
    target: str
    count: int = 0
    task_definition: str = ""
    missing: tuple[str, ...] = ()
    """sync-taskdefs: the lesson's revisions the sandbox lacks."""
    extra: tuple[str, ...] = ()
    """sync-taskdefs: ACTIVE revisions of the family the lesson does not ship."""

    def describe(self) -> str:
        return {
            "stop-chaos": f"end the chaos run on {self.target}",
            "restore-zone": f"restore zone {self.target}",
            "activate-instance": f"set instance {self.target} ACTIVE again",
            "stop-task": f"stop one-off task {self.target[:12]}",
            "delete-service": f"delete service {self.target}",
            "sync-taskdefs": _sync_words(self),
            "create-service": f"create service {self.target} ({self.task_definition} × {self.count})",
            "scale-service": f"scale {self.target} to {self.count}",
        }[self.kind]


def _sync_words(action: Action) -> str:
    parts = []
    if action.missing:
        parts.append(f"register the lesson's {', '.join(action.missing)}")
    if action.extra:
        parts.append(f"set {', '.join(action.extra)} INACTIVE (the lesson does not ship {'it' if len(action.extra) == 1 else 'them'})")
    return " and ".join(parts)


def plan(setup: SandboxSetup, snapshot: dict[str, Any], cluster: str = "default",
         lesson: Lesson | None = None, instances: list[dict[str, Any]] | None = None) -> list[Action]:
    """The actions that turn `snapshot` into `setup` (the lesson's shipped task definitions included).

    `instances` are the cluster's container instances (see `instances()`): failed zones are
    restored and drained instances set ACTIVE, so every step starts with the whole cluster.
    """
    actions: list[Action] = []
    if instances is None:  # newer snapshots carry the instances themselves
        instances = [i for i in snapshot.get("instances") or []
                     if f"/{cluster}/" in str(i.get("containerInstanceArn", f"/{cluster}/"))]
    for zone in sorted({i["availabilityZone"] for i in instances if i.get("zoneFailed")}):
        actions.append(Action("restore-zone", zone))
    for instance in instances:
        if instance.get("status") == "DRAINING":
            actions.append(Action("activate-instance", instance["containerInstanceId"]))
    services = {s["serviceName"]: s for s in snapshot.get("services", []) if s.get("cluster", cluster) == cluster}
    wanted = {s.name: s for s in setup.services}
    if lesson is not None:
        for family, (missing, extra) in shipped_taskdefs.differences(
                lesson.shipped_refs, snapshot.get("taskDefinitions", [])).items():
            actions.append(Action("sync-taskdefs", family, missing=tuple(missing), extra=tuple(extra)))
    for name, s in services.items():
        if s.get("status") == "ACTIVE" and s.get("chaos"):
            actions.append(Action("stop-chaos", name))
    for task in snapshot.get("tasks", []):
        if (task.get("group", "").startswith("family:") and task.get("desiredStatus") != "STOPPED"
                and task.get("lastStatus") != "STOPPED" and task.get("clusterArn", "").endswith(f"/{cluster}")):
            actions.append(Action("stop-task", task["taskId"]))
    for name, s in services.items():
        if s.get("status") != "ACTIVE":
            continue
        want = wanted.get(name)
        same = want is not None and s.get("taskDefinitionRef") == want.task_definition and len(s.get("deployments", [])) <= 1
        if not same:
            actions.append(Action("delete-service", name))
    for name, want in wanted.items():
        s = services.get(name)
        kept = s is not None and not any(a.kind == "delete-service" and a.target == name for a in actions) \
            and s.get("status") == "ACTIVE"
        if not kept:
            actions.append(Action("create-service", name, want.desired_count, want.task_definition))
        elif s.get("desiredCount") != want.desired_count:
            actions.append(Action("scale-service", name, want.desired_count, want.task_definition))
    return actions


def instances(client: Any, cluster: str = "default") -> list[dict[str, Any]]:
    """The cluster's container instances, or [] from a sandbox without them."""
    try:
        return client.lab("Instances", cluster=cluster).get("instances", [])
    except Exception:  # an older control plane answers "unknown operation"; nothing to restore then
        return []


def describe(actions: list[Action], setup: SandboxSetup) -> list[str]:
    """What a reset will do, one line each, the setup's own commands last."""
    lines = [a.describe() for a in actions]
    lines += [plain_words.script_line(line) if line.wait else f"run {plain_words.script_line(line)}"
              for line in setup.run]
    return lines or ["nothing to change"]


def apply(actions: list[Action], setup: SandboxSetup, runner: Runner, timeout: float = SETTLE_TIMEOUT,
          lesson: Lesson | None = None) -> None:
    """Carry out a plan, wait until the sandbox matches the setup, then run the setup's commands."""
    client = runner.client
    cluster = runner.cluster
    if lesson is not None and any(a.kind == "sync-taskdefs" for a in actions):
        shipped_taskdefs.sync(client.lab, shipped_taskdefs.lesson_files(lesson))
    for action in actions:
        if action.kind == "stop-chaos":
            client.lab("StopChaos", cluster=cluster, service=action.target)
        elif action.kind == "restore-zone":
            client.lab("SetZoneFailed", cluster=cluster, zone=action.target, failed=False)
        elif action.kind == "activate-instance":
            client.lab("SetInstanceStatus", cluster=cluster, instance=action.target, status="ACTIVE")
        elif action.kind == "stop-task":
            _quietly(client.ecs, "StopTask", cluster=cluster, task=action.target, reason="lesson reset")
        elif action.kind == "delete-service":
            _quietly(client.ecs, "DeleteService", cluster=cluster, service=action.target, force=True)
    recreated = {a.target for a in actions if a.kind == "create-service"}
    _wait(runner, lambda snap: not any(
        s.get("status") == "DRAINING" or (s["serviceName"] in recreated and s.get("status") == "ACTIVE")
        for s in _services(snap, cluster)), "deleted services to drain", timeout)
    for action in actions:
        if action.kind == "create-service":
            client.ecs("CreateService", cluster=cluster, serviceName=action.target,
                       taskDefinition=action.task_definition, desiredCount=action.count)
        elif action.kind == "scale-service":
            client.ecs("UpdateService", cluster=cluster, service=action.target, desiredCount=action.count)
    _wait(runner, lambda snap: settled(snap, setup, cluster), "the setup's services to be running", timeout)
    runner.run_script(setup.run)


def settled(snapshot: dict[str, Any], setup: SandboxSetup, cluster: str = "default") -> bool:
    """Every wanted service runs its count, nothing else is ACTIVE, and no task is between states."""
    services = {s["serviceName"]: s for s in _services(snapshot, cluster) if s.get("status") != "INACTIVE"}
    for want in setup.services:
        s = services.pop(want.name, None)
        if s is None or s.get("runningCount") != want.desired_count or s.get("pendingCount"):
            return False
    if services:
        return False
    return all(t.get("lastStatus") in ("RUNNING", "STOPPED") for t in snapshot.get("tasks", [])
               if t.get("clusterArn", "").endswith(f"/{cluster}"))


def _services(snapshot: dict[str, Any], cluster: str) -> list[dict[str, Any]]:
    return [s for s in snapshot.get("services", []) if s.get("cluster", cluster) == cluster]


def _wait(runner: Runner, ready, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        snapshot = runner.client.watch(-1, timeout=0, cluster=runner.cluster)
        if ready(snapshot):
            return
        if time.monotonic() >= deadline:
            raise CommandFailed(f"reset: gave up after {timeout:g}s waiting for {what}")
        time.sleep(0.1)


def _quietly(call, *args: Any, **kwargs: Any) -> None:
    """Stopping something that just stopped by itself is not a reason to fail a reset."""
    try:
        call(*args, **kwargs)
    except Exception as exc:  # the sandbox's errors; anything but "already gone" is re-raised
        text = str(exc).lower()
        if "not found" not in text and "already" not in text and "inactive" not in text:
            raise
