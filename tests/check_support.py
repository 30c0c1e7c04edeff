"""Synthetic sandbox snapshots for the check engine's tests: only the fields the names read."""

from __future__ import annotations

import itertools
from typing import Any

_versions = itertools.count(1)


def service(name: str, desired: int, running: int, pending: int = 0, taskdef: str = "web:1",
            status: str = "ACTIVE", steady: bool = False, deployments: int = 1, chaos: bool = False,
            events: list[tuple[float, str]] = (), decisions: list[tuple[float, str]] = ()) -> dict[str, Any]:
    return {
        "serviceName": name, "cluster": "default", "status": status,
        "desiredCount": desired, "runningCount": running, "pendingCount": pending,
        "taskDefinitionRef": taskdef, "steady": steady,
        "deployments": [{"status": "PRIMARY" if i == 0 else "ACTIVE", "rolloutState": "IN_PROGRESS",
                         "failedTasks": 0} for i in range(deployments)],
        "chaos": {"every": 3} if chaos else None,
        "events": [{"createdAt": at, "message": text} for at, text in events],
        "decisions": [{"at": at, "text": text} for at, text in decisions],
        "placementStrategy": [],
    }


def task(task_id: str, service: str | None = "web", status: str = "RUNNING", taskdef: str = "web:1",
         created: float = 100.0, stopped: float | None = None, code: str | None = None,
         reason: str | None = None, exit_code: int | None = None, zone: str | None = None,
         health: str = "HEALTHY", desired: str | None = None) -> dict[str, Any]:
    shape = {
        "taskId": task_id, "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/default",
        "group": f"service:{service}" if service else f"family:{taskdef.split(':')[0]}",
        "taskDefinition": taskdef, "lastStatus": status,
        "desiredStatus": desired or ("STOPPED" if status == "STOPPED" else "RUNNING"),
        "healthStatus": health, "createdAt": created, "containers": [{}],
    }
    if stopped is not None:
        shape["stoppedAt"] = stopped
    if code:
        shape["stopCode"] = code
    if reason:
        shape["stoppedReason"] = reason
    if exit_code is not None:
        shape["containers"] = [{"exitCode": exit_code}]
    if zone:
        shape["availabilityZone"] = zone
    return shape


def snapshot(services: list[dict[str, Any]] = (), tasks: list[dict[str, Any]] = ()) -> dict[str, Any]:
    return {"version": next(_versions), "services": list(services), "tasks": list(tasks), "taskDefinitions": []}
