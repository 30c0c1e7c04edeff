"""The frozen inputs of one planning pass, and the named sets the steps hand each other.

`PassContext` is built once per pass and never changes: the service, its tasks, what the
runtime sees, the fleet and the time. Steps never mutate it; what they decide goes into the
`Plan`, and what later steps need comes back as a small frozen value (`LiveTasks`,
`Rollout`, `KeepOrReplace`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Mapping

from sandbox.core.model import (
    ACTIVE,
    COMPLETED,
    NOT_YET_RUNNING,
    RUNNING,
    SHUTTING_DOWN,
    Deployment,
    Instance,
    Service,
    Task,
    TaskDefinition,
)
from ...runtime.base import ObservedContainer
from ..placement import Fleet

LEGACY_DEPLOYMENT_ID = "ecs-svc/0000000000000000000"
"""Stands in for the primary of a service recorded before deployments existed."""


@dataclass(frozen=True)
class PassContext:
    """Everything one pass plans from, read once."""

    service: Service
    taskdefs: Mapping[str, TaskDefinition]
    tasks: tuple[Task, ...]
    observed: Mapping[str, ObservedContainer]
    obs_seq: int
    now: float
    fleet: Fleet | None
    instances: Mapping[str, Instance]
    desired: int
    """Tasks the service should run: its desired count, or one per usable instance for DAEMON."""
    constraints: tuple[dict[str, str], ...]
    new_id: Callable[[], str]
    new_deployment_id: Callable[[], str]

    @classmethod
    def build(cls, service: Service, taskdefs: Mapping[str, TaskDefinition], tasks: list[Task],
              observed: Mapping[str, ObservedContainer], obs_seq: int, now: float, fleet: Fleet | None,
              new_id: Callable[[], str], new_deployment_id: Callable[[], str]) -> PassContext:
        instances = {i.id: i for i in fleet.instances} if fleet else {}
        desired = service.desired_count if service.status == ACTIVE else 0
        constraints = tuple(service.placement_constraints)
        if service.scheduling_strategy == "DAEMON":
            # One task on every instance that can take one; the count follows the fleet.
            desired = sum(1 for i in instances.values() if i.usable) if service.status == ACTIVE else 0
            constraints = (*constraints, {"type": "distinctInstance"})
        return cls(service, taskdefs, tuple(tasks), observed, obs_seq, now, fleet, instances, desired,
                   constraints, new_id, new_deployment_id)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def active(self) -> bool:
        return self.service.status == ACTIVE

    @property
    def uses_task_sets(self) -> bool:
        """Blue/green, canary and linear run a whole second task set behind the load balancer."""
        return self.service.deployment_configuration.strategy != "ROLLING"

    @property
    def shutting_down(self) -> bool:
        """Whether any of the service's tasks is still on its way out."""
        return any(t.last_status in SHUTTING_DOWN for t in self.tasks)

    def said_since(self, message: str, since: float | None) -> bool:
        """Whether the service's events hold `message` since `since` (ever, with None)."""
        for event in self.service.events:
            if since is not None and event.created_at < since:
                return False
            if event.message == message:
                return True
        return False

    def said_last(self, message: str) -> bool:
        """Whether `message` is the service's newest event."""
        return bool(self.service.events) and self.service.events[0].message == message


@dataclass(frozen=True)
class LiveTasks:
    """The tasks that count toward the service this pass: wanted running and not leaving."""

    tasks: tuple[Task, ...]

    @classmethod
    def of(cls, ctx: PassContext, leaving: set[str]) -> LiveTasks:
        return cls(tuple(t for t in ctx.tasks if t.is_live and t.task_id not in leaving))

    @property
    def running(self) -> list[Task]:
        return [t for t in self.tasks if t.last_status == RUNNING]

    @property
    def pending(self) -> list[Task]:
        return [t for t in self.tasks if t.last_status in NOT_YET_RUNNING]

    def without(self, task: Task) -> LiveTasks:
        return LiveTasks(tuple(t for t in self.tasks if t is not task))


@dataclass(frozen=True)
class Rollout:
    """The service's deployments as this pass leaves them; the first is the primary."""

    primary: Deployment
    deployments: tuple[Deployment, ...]

    @classmethod
    def of(cls, service: Service) -> Rollout:
        primary = service.primary or Deployment(
            id=LEGACY_DEPLOYMENT_ID, task_definition=service.task_definition, created_at=service.created_at,
            updated_at=service.created_at, rollout_state=COMPLETED,
        )
        return cls(primary, tuple(service.deployments))

    def with_primary(self, primary: Deployment) -> Rollout:
        return Rollout(primary, (primary, *self.deployments[1:]))

    def deployment_of(self, task: Task, adopted: Mapping[str, str] | None = None) -> str:
        """The deployment a task belongs to; records from before deployments belong to the primary."""
        return (adopted or {}).get(task.task_id) or task.deployment_id or self.primary.id


@dataclass(frozen=True)
class KeepOrReplace:
    """Live tasks split into those the primary deployment keeps and those to replace."""

    keepers: tuple[Task, ...]
    to_replace: tuple[Task, ...]


def changed(deployment: Deployment, **changes) -> Deployment:
    """A copy of `deployment` with `changes`; deployments are never edited in place."""
    return replace(deployment, **changes)
