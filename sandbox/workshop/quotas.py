"""Per-learner quotas in a workshop: how many tasks, CPU units and MiB one sandbox may ask for.

Quotas are checked against desired state, the way ECS checks its service quotas: a request that
would take the sandbox past a limit is refused with one line naming the limit, and nothing
changes. What counts is what could run:

- each ACTIVE service's desired count (a DAEMON service: one task per instance of its cluster);
- each one-off task still wanted running;
- a task definition that fits no instance of its cluster is not counted, because it can never
  be placed: the right-sizing lesson creates such a service on purpose, to see ECS say so.

A change that lowers usage is always allowed, even above a limit (the instructor may have
lowered it meanwhile). Task containers carry their own memory limit (the task definition's), so
the memory quota bounds real memory too. Rolling deployments may briefly run more than the
desired count (maximumPercent); that surge is ECS's and is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.core import errors
from sandbox.core.model import ACTIVE, RUNNING, STOPPED, Service, TaskDefinition

FIELDS = {
    "maxTasks": "tasks",
    "cpu": "CPU units",
    "memory": "MiB of memory",
}


@dataclass(frozen=True)
class Quota:
    max_tasks: int
    cpu: int
    """CPU units (1024 = one vCPU), summed over the tasks' task definitions."""
    memory: int
    """MiB, summed over the tasks' task definitions."""

    def to_dict(self) -> dict[str, int]:
        return {"maxTasks": self.max_tasks, "cpu": self.cpu, "memory": self.memory}


@dataclass(frozen=True)
class Usage:
    tasks: int = 0
    cpu: int = 0
    memory: int = 0

    def plus(self, count: int, td: TaskDefinition) -> "Usage":
        return Usage(self.tasks + count, self.cpu + count * td.cpu, self.memory + count * td.memory)

    def to_dict(self) -> dict[str, int]:
        return {"tasks": self.tasks, "cpu": self.cpu, "memory": self.memory}


@dataclass(frozen=True)
class Change:
    """What a request would make true, for the usage it would lead to."""

    service: Service | None = None
    """The service as it would be (its key replaces the stored one)."""
    one_off: tuple[TaskDefinition, int, str] | None = None
    """(task definition, count, cluster) of one-off tasks about to be run."""
    instances: tuple[str, int, int] | None = None
    """(cluster, cpu, memory) of a container instance about to be added."""


def usage(store, change: Change = Change()) -> Usage:
    """What the sandbox asks for now, or would ask for after `change`. Call under the store lock."""
    capacity: dict[str, list[tuple[int, int]]] = {}
    for instance in store.instances.values():
        capacity.setdefault(instance.cluster, []).append((instance.cpu, instance.memory))
    if change.instances is not None:
        cluster, cpu, memory = change.instances
        capacity.setdefault(cluster, []).append((cpu, memory))

    def fits(td: TaskDefinition, cluster: str) -> bool:
        return any(td.cpu <= cpu and td.memory <= memory for cpu, memory in capacity.get(cluster, []))

    services = {s.key: s for s in store.services.values()}
    if change.service is not None:
        services[change.service.key] = change.service
    total = Usage()
    for service in services.values():
        td = store.task_definition(service.task_definition)
        if service.status != ACTIVE or td is None or not fits(td, service.cluster):
            continue
        count = len(capacity.get(service.cluster, [])) if service.scheduling_strategy == "DAEMON" else service.desired_count
        total = total.plus(count, td)
    for task in store.tasks.values():
        if task.service is None and task.desired_status == RUNNING and task.last_status != STOPPED:
            td = store.task_definition(task.task_definition)
            if td is not None:
                total = total.plus(1, td)
    if change.one_off is not None:
        td, count, cluster = change.one_off
        if fits(td, cluster):
            total = total.plus(count, td)
    return total


def check(store, quota: Quota | None, change: Change) -> None:
    """Raise LimitExceededException when `change` would take the sandbox past its quota."""
    if quota is None:
        return
    before, after = usage(store), usage(store, change)
    for field, limit, now, then in (
        ("maxTasks", quota.max_tasks, before.tasks, after.tasks),
        ("cpu", quota.cpu, before.cpu, after.cpu),
        ("memory", quota.memory, before.memory, after.memory),
    ):
        if then > limit and then > now:
            raise errors.LimitExceededException(
                f"workshop quota: at most {limit} {FIELDS[field]} per learner ({field}); this would need {then}, "
                f"you use {now}. Scale a service down or delete one first."
            )
