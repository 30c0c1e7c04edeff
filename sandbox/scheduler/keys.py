"""What the control loop reconciles, by key: one per service, one per cluster's one-off tasks."""

from __future__ import annotations

from sandbox.core.model import Task

RESYNC = "resync"
"""Not a service: asks the next pass to look at everything, strangers included."""


def for_service(cluster: str, name: str) -> str:
    return f"service:{cluster}/{name}"


def for_oneoffs(cluster: str) -> str:
    return f"oneoff:{cluster}"


def key_of(task: Task) -> str:
    return for_service(task.cluster, task.service) if task.service else for_oneoffs(task.cluster)
