"""Builders for planner tests (a service, tasks, containers, fixed ids) and helpers that let the
fake-runtime loop converge with containers turning healthy."""

from __future__ import annotations

from collections import Counter

from sandbox.core.model import RUNNING, Service, Task
from sandbox.runtime.base import HEALTH_HEALTHY, RUNNING as CONTAINER_RUNNING, ObservedContainer
from sandbox.taskdefs.taskdef_file import builtin
from tests.sandbox_fixtures import settle

NOW = 1_800_000_000.0
TDS = {f"{td.family}:{rev}": td for td, rev in builtin()}


# -- the pure planner -----------------------------------------------------------------------
def make_service(desired: int, **kw) -> Service:
    return Service(name="web", cluster="default", task_definition="web:1", desired_count=desired, **kw)


def make_task(n: int, status: str = RUNNING, started: float | None = NOW - 100, **kw) -> Task:
    return Task(task_id=f"{n:032x}", cluster="default", task_definition="web:1", service="web",
                last_status=status, created_at=(started or NOW) - 1, started_at=started, **kw)


def running_container(task: Task, **kw) -> ObservedContainer:
    return ObservedContainer(container_id=f"c{task.task_id[-4:]}", task_id=task.task_id, **kw)


def ids(n: int):
    counter = iter(range(1000, 2000))
    return lambda: f"{next(counter):032x}"


# -- the loop on the fake runtime -------------------------------------------------------------
def make_healthy(runtime) -> None:
    for container in runtime.list_owned():
        if container.state == CONTAINER_RUNNING and container.health != HEALTH_HEALTHY:
            runtime.set_health(container.container_id, HEALTH_HEALTHY)


def live(control, service: str = "web"):
    return [t for t in control.store.tasks_of("default", service) if t.is_live]


def converge(control, runtime, clock, rounds: int = 30, observe=None, crash: set[str] = frozenset()) -> None:
    """Let the loop run with containers turning healthy, optionally crashing some families."""
    for _ in range(rounds):
        settle(control, 2)
        for container in runtime.running():
            family = container.labels.get("servicelab.task-definition", "").split(":")[0]
            if family in crash:
                runtime.exit(container.container_id, 1)
        make_healthy(runtime)
        settle(control, 2)
        if observe:
            observe()
        clock.advance(1.0)


def zones_of(control, service: str = "web") -> Counter:
    return Counter(t.zone for t in live(control, service) if t.last_status == RUNNING)


def lb_healthy(control) -> None:
    """Stand in for the load balancer's checks: every RUNNING, container-healthy task passes."""
    with control.store.lock:
        for task in control.store.tasks.values():
            if task.last_status == RUNNING and task.health_status == "HEALTHY":
                task.target_health = "healthy"
