"""Helpers for the app's tests: frozen snapshots, fixture lessons, and apps that need no Docker."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

FIXTURE_LESSONS = Path(__file__).parent / "fixtures" / "lessons"
"""Lessons that never change, so snapshots do not move when the real lessons are edited."""

FROZEN_NOW = 1_767_225_600.0
"""2026-01-01 00:00:00 UTC: the frozen clock of snapshot tests."""


def task(n: int, service: str | None = "web", status: str = "RUNNING", *, now: float = FROZEN_NOW,
         health: str = "HEALTHY", revision: str = "web:1", stopped_reason: str | None = None,
         stop_code: str | None = None, age: float = 60.0, instance: str | None = None,
         desired_status: str | None = None) -> dict[str, Any]:
    """A task as a Watch snapshot lists it, with a predictable id."""
    task_id = f"{n:04x}" + "ab12cd34" * 3 + f"{n:04x}"
    task_id = task_id[:32].ljust(32, "0")
    group = f"service:{service}" if service else f"family:{revision.split(':')[0]}"
    shape: dict[str, Any] = {
        "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/default/{task_id}",
        "taskId": task_id,
        "taskDefinition": revision,
        "lastStatus": status,
        "desiredStatus": "STOPPED" if status == "STOPPED" else "RUNNING",
        "healthStatus": health if status != "STOPPED" else "UNKNOWN",
        "group": group,
        "createdAt": now - age - n,
        "containerId": f"{n:012x}c0ffee0000"[:12] + "0" * 52,
    }
    if instance is not None:
        shape["containerInstanceId"] = instance
        shape["availabilityZone"] = ZONE_OF[instance]
    if desired_status is not None:
        shape["desiredStatus"] = desired_status
    if status in ("RUNNING", "STOPPED"):
        shape["startedAt"] = now - age - n + 1
    if status == "STOPPED":
        shape["stoppedAt"] = now - 5 - n
        shape["stopCode"] = stop_code or "UserInitiated"
        shape["stoppedReason"] = stopped_reason or "Task stopped by user"
    return shape


def service(name: str = "web", desired: int = 3, running: int = 3, pending: int = 0, *, now: float = FROZEN_NOW,
            steady: bool = True, chaos: dict | None = None, events: list[tuple[float, str]] | None = None,
            decisions: list[tuple[float, str]] | None = None, status: str = "ACTIVE",
            created: float = 0.0, deployments: list[dict] | None = None, breaker: dict | None = None,
            load_balancer: dict | None = None, scaling: dict | None = None) -> dict[str, Any]:
    events = events if events is not None else [
        (now - 10, f"service ({name}) has reached a steady state."),
        (now - 30, f"(service {name}) has started 1 tasks: (task 0003ab12cd34ab12cd34ab12cd340003)."),
        (now - 31, f"(service {name}) has stopped 1 running tasks: (task 0009ab12cd34ab12cd34ab12cd340009)."),
    ]
    decisions = decisions if decisions is not None else [
        (now - 30, "desired 3, running 2 → starting 1 task"),
        (now - 31, "task 0009ab12 was asked to stop → stopping it"),
    ]
    return {
        "serviceName": name,
        "serviceArn": f"arn:aws:ecs:us-east-1:123456789012:service/default/{name}",
        "status": status,
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": pending,
        "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
        "taskDefinitionRef": "web:1",
        "cluster": "default",
        "createdAt": now - 600 + created,
        "deployments": deployments if deployments is not None else [
            {"id": "ecs-svc/1234567890123456789", "status": "PRIMARY",
             "rolloutState": "COMPLETED" if steady else "IN_PROGRESS"}],
        "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": breaker is not None, "rollback": True},
                                    "maximumPercent": 200, "minimumHealthyPercent": 100},
        "circuitBreaker": breaker,
        "loadBalancer": load_balancer,
        "scaling": scaling,
        "events": [{"id": f"e{i}", "createdAt": at, "message": m} for i, (at, m) in enumerate(events)],
        "steady": steady,
        "decisions": [{"at": at, "text": t} for at, t in decisions],
        "chaos": chaos,
    }


def snapshot(services: list[dict] | None = None, tasks: list[dict] | None = None, *, version: int = 7,
             engine_ok: bool = True, runtime: str = "docker", instances: list[dict] | None = None,
             time_speed: float | None = None) -> dict[str, Any]:
    """A Watch answer: a steady `web` with 3 running tasks and one stopped, unless told otherwise."""
    if services is None:
        services = [service()]
    if tasks is None:
        tasks = [task(1), task(2), task(3, age=30),
                 task(9, status="STOPPED", stopped_reason="lesson 2", stop_code="UserInitiated")]
    shape = {
        "version": version,
        "status": {"running": True, "sandbox": "frozen", "runtime": runtime, "containers": runtime == "docker",
                   "api": "http://127.0.0.1:49999", "engine": {"ok": engine_ok, "error": None if engine_ok
                                                                else "Cannot connect to the Docker daemon"}},
        "clusters": ["default"],
        "taskDefinitions": ["web:1", "web:2", "crashy:1", "flaky:1", "batch:1"],
        "services": services,
        "tasks": tasks,
    }
    if instances is not None:
        shape["instances"] = instances
    if time_speed is not None:
        shape["status"].update(timeSpeed=time_speed, now=FROZEN_NOW)
    return shape


# -- zones, instances, deployments, load balancers and scaling, as the Watch snapshot has them ----
ZONE_OF = {"ci-0a0a0a0a": "us-east-1a", "ci-0b0b0b0b": "us-east-1b", "ci-0c0c0c0c": "us-east-1c"}
"""The sandbox's default layout: one instance in each of three zones."""


def instance(instance_id: str, *, status: str = "ACTIVE", zone_failed: bool = False, tasks: list[str] | None = None,
             cpu_used: int = 0) -> dict[str, Any]:
    """A container instance as the snapshot (and the Instances operation) shapes it."""
    return {
        "containerInstanceId": instance_id,
        "containerInstanceArn": f"arn:aws:ecs:us-east-1:123456789012:container-instance/default/{instance_id}",
        "availabilityZone": ZONE_OF[instance_id], "status": status, "zoneFailed": zone_failed,
        "cpu": 2048, "memory": 4096, "remainingCpu": 2048 - cpu_used, "remainingMemory": 4096 - cpu_used,
        "runningTasksCount": len(tasks or []), "tasks": sorted(tasks or []),
    }


def deployment(n: int, revision: str, status: str, desired: int, running: int, *, pending: int = 0,
               rollout: str = "IN_PROGRESS", failed: int = 0, reason: str | None = None) -> dict[str, Any]:
    deployment_id = f"ecs-svc/{n:019d}"
    return {
        "id": deployment_id, "status": status,
        "taskDefinition": f"arn:aws:ecs:us-east-1:123456789012:task-definition/{revision}",
        "desiredCount": desired, "runningCount": running, "pendingCount": pending, "failedTasks": failed,
        "createdAt": FROZEN_NOW - 60 * n, "updatedAt": FROZEN_NOW - 5, "launchType": "EC2",
        "rolloutState": rollout, "rolloutStateReason": reason or f"ECS deployment {deployment_id} in progress.",
    }


def load_balancer(targets: list[tuple[int, str]], url: str | None = "http://127.0.0.1:38123") -> dict[str, Any]:
    """A service's load balancer with targets given as (task number, health)."""
    return {
        "url": url, "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123",
        "containerName": "web", "containerPort": 8080,
        "healthCheck": {"path": "/health", "intervalSeconds": 5, "healthyThreshold": 2, "unhealthyThreshold": 2},
        "deregistrationDelaySeconds": 5,
        "targets": [{"taskId": task(n)["taskId"], "port": 32768 + n, "health": health} for n, health in targets],
    }


def scaling(current: float | None = 72.5, *, target: float = 50, low: int = 1, high: int = 6,
            last: dict | None = None, status: str = "") -> dict[str, Any]:
    return {"metric": "cpu", "metricName": "ECSServiceAverageCPUUtilization", "target": target, "current": current,
            "capacity": 3, "min": low, "max": high, "scaleOutCooldown": 60, "scaleInCooldown": 120,
            "status": status, "lastAction": last}


STATS = {
    task(1)["taskId"]: {"cpuPercent": 0.4, "memoryBytes": 1_572_864},
    task(2)["taskId"]: {"cpuPercent": 1.25, "memoryBytes": 2_097_152},
    task(3)["taskId"]: {"cpuPercent": 0.0, "memoryBytes": 1_048_576},
}


class Clock:
    """A clock tests move by hand; it starts at FROZEN_NOW."""

    def __init__(self, now: float = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def frozen_app(snap: dict | None = None, *, tmp_path: Path, plain: bool = False, high_contrast: bool = False,
               lessons_root: Path = FIXTURE_LESSONS, stats: dict | None = None, progress=None, clock=None):
    """The app on a FrozenLink (no Docker, no clock): for snapshots and navigation tests."""
    from tutor.ui.app import ServicelabApp
    from tutor.commands.history import CommandHistory
    from tutor.learner.progress import Progress
    from tutor.ui.sandbox_link import FrozenLink

    snap = snapshot() if snap is None else snap
    return ServicelabApp(
        "frozen",
        plain=plain,
        high_contrast=high_contrast,
        lessons_root=lessons_root,
        progress=progress or Progress.load(tmp_path / "progress.json"),
        history=CommandHistory(tmp_path / "history.json"),
        link_factory=lambda app: FrozenLink(app, snap, stats=STATS if stats is None else stats),
        clock=clock or Clock(),
    )


# -- real sandboxes ---------------------------------------------------------------------------------
def new_sandbox_name() -> str:
    return f"t-app-{uuid.uuid4().hex[:8]}"


def sandbox_down(name: str, home: Path) -> None:
    """`servicelab sandbox down` for a test's sandbox: stops it and removes its containers."""
    env = {**os.environ, "SERVICELAB_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "sandbox", "--sandbox", name, "sandbox", "down"], env=env,
                   capture_output=True, timeout=120)


def leftover_containers(name: str) -> list[str]:
    if shutil.which("docker") is None:
        return []
    out = subprocess.run(["docker", "ps", "-a", "-q", "--filter", f"label=servicelab.sandbox={name}"],
                         capture_output=True, text=True, timeout=30)
    return out.stdout.split()


async def wait_until(pilot, predicate, timeout: float = 20.0, what: str = "condition") -> Any:
    """Let the app run until `predicate()` is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await pilot.pause(0.05)
    raise AssertionError(f"{what() if callable(what) else what} not seen within {timeout}s")


def _sync(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


def async_tests(cls):
    """Run a test class's `async def test_*` methods with asyncio.run (no asyncio plugin needed)."""
    for name, member in list(vars(cls).items()):
        if name.startswith("test") and inspect.iscoroutinefunction(member):
            setattr(cls, name, _sync(member))
    return cls


def ops_snapshot(*, zone_b_failed: bool = True, draining: bool = True, time_speed: float | None = 10,
                 version: int = 30) -> dict[str, Any]:
    """Everything at once: web rolling web:1 → web:2 with the breaker on, one zone failed, one instance
    draining, a load balancer, an auto scaling policy, another service's task, and a 10× clock."""
    a, b, c = ZONE_OF
    tasks = [task(1, instance=a), task(2, instance=c, revision="web:2"),
             task(3, instance=c, revision="web:2", status="PENDING", health="UNKNOWN"),
             task(4, instance=a, revision="web:2"), task(5, service="api", instance=a),
             task(9, status="STOPPED", stopped_reason="Task stopped: zone us-east-1b failed",
                  stop_code="TerminationNotice", instance=b)]
    web = service(
        desired=4, running=3, pending=1, steady=False,
        deployments=[deployment(2, "web:2", "PRIMARY", 4, 2, pending=1, failed=1),
                     deployment(1, "web:1", "ACTIVE", 1, 1, rollout="COMPLETED")],
        breaker={"failed": 1, "threshold": 3},
        load_balancer=load_balancer([(1, "healthy"), (2, "healthy"), (4, "initial")]),
        scaling=scaling(last={"at": FROZEN_NOW - 42, "from": 3, "to": 4, "direction": "out", "reason": "cpu high",
                              "message": "Successfully set desired count to 4."},
                        status="ECSServiceAverageCPUUtilization 72.5% > target 50: ceil(3 × 72.5 / 50) = 5, "
                               "but the scale-out cooldown ends in 18s"))
    api = service("api", desired=1, running=1, created=1)
    instances = [instance(a, tasks=[task(n)["taskId"] for n in (1, 4, 5)], cpu_used=384),
                 instance(b, zone_failed=zone_b_failed),
                 instance(c, status="DRAINING" if draining else "ACTIVE",
                          tasks=[task(n)["taskId"] for n in (2, 3)], cpu_used=256)]
    return snapshot([web, api], tasks, instances=instances, time_speed=time_speed, version=version)


def pin_utc(monkeypatch) -> Iterator[None]:
    """Timestamps on screen use local time; pin it so every machine sees the same frames.

    For an autouse fixture: `yield from pin_utc(monkeypatch)`, after any other settings.
    """
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def open_first_lesson(pilot) -> None:
    """Enter on the home screen: the first lesson opens beside the live panel."""
    from tutor.ui.screens.lesson import LessonScreen

    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, LessonScreen), what="the lesson screen")
    await pilot.pause()


def real_app(lessons_root: Path, tmp_path: Path, monkeypatch) -> Iterator[Any]:
    """The app on a sandbox of its own on the real engine; torn down whatever the test did.

    For a fixture: `yield from real_app(...)`. A broken image build fails the test, never skips it.
    """
    from tests.docker_support import _image_ready, require_docker
    from tutor.ui.app import ServicelabApp
    from tutor.commands.history import CommandHistory
    from tutor.learner.progress import Progress

    require_docker()
    _image_ready()
    home = tmp_path / "home"
    monkeypatch.setenv("SERVICELAB_HOME", str(home))
    name = new_sandbox_name()
    app = ServicelabApp(name, runtime="docker", lessons_root=lessons_root,
                        progress=Progress.load(home / "progress.json"), history=CommandHistory(None))
    try:
        yield app
    finally:
        sandbox_down(name, home)
        assert leftover_containers(name) == [], f"containers of sandbox {name} left behind"
