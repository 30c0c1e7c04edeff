"""What people can ask of a sandbox: validated changes to desired state.

Every function checks its input and raises an ECS-named error with one clear line, changes
the store under its lock, persists it, and marks the affected key dirty. None of them touch
the runtime: converging is the control loop's job.
"""

from __future__ import annotations

import re
from typing import Any

from . import errors
from .controller import ControlPlane, _oneoff_key, _service_key
from .model import (
    ACTIVE,
    DRAINING,
    INACTIVE,
    MAX_DESIRED_COUNT,
    NOT_YET_RUNNING,
    RUNNING,
    STOPPED,
    USER_INITIATED,
    Chaos,
    Cluster,
    Service,
    Task,
    TaskDefinition,
)

NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MAX_RUN_TASK_COUNT = 10
MAX_CHAOS_SECONDS = 3600.0


def check_name(kind: str, value: str) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise errors.InvalidParameterException(
            f"{kind} name {value!r} is not valid: use up to 255 letters, digits, '-' or '_'"
        )
    return value


def check_count(value: Any, field: str = "desiredCount", low: int = 0, high: int = MAX_DESIRED_COUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParameterException(f"{field} must be a whole number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise errors.InvalidParameterException(f"{field} {value} is out of range: allowed {low} to {high}")
    return value


class Sandbox:
    """The request side of one sandbox, over its control plane and store."""

    def __init__(self, control: ControlPlane) -> None:
        self.control = control
        self.store = control.store
        self.clock = control.clock

    # -- clusters -----------------------------------------------------------------------------
    def cluster(self, name: str) -> Cluster:
        cluster = self.store.clusters.get(name)
        if cluster is None or cluster.status != ACTIVE:
            raise errors.ClusterNotFoundException(f"Cluster not found: {name!r}. See `servicelab cluster ls`.")
        return cluster

    def create_cluster(self, name: str = "default") -> Cluster:
        check_name("cluster", name)
        with self.store.lock:
            cluster = self.store.clusters.get(name)
            if cluster is None or cluster.status != ACTIVE:
                cluster = Cluster(name=name, created_at=self.clock.now())
                self.store.clusters[name] = cluster
                self._commit(_oneoff_key(name))
            return cluster

    def delete_cluster(self, name: str) -> Cluster:
        with self.store.lock:
            cluster = self.cluster(name)
            if any(s.cluster == name and s.status != INACTIVE for s in self.store.services.values()):
                raise errors.ClusterContainsServicesException(
                    f"cluster {name!r} still has services; delete them first"
                )
            if any(t.cluster == name and t.last_status != STOPPED for t in self.store.tasks.values()):
                raise errors.ClusterContainsTasksException(f"cluster {name!r} still has active tasks; stop them first")
            cluster.status = "INACTIVE"
            self._commit(None)
            return cluster

    # -- task definitions ---------------------------------------------------------------------
    def task_definition(self, ref: str) -> TaskDefinition:
        family, _, revision = ref.partition(":")
        if revision and not revision.isdigit() or revision == "0":
            raise errors.InvalidParameterException(f"Invalid revision number in {ref!r}: use FAMILY or FAMILY:N with N >= 1")
        td = self.store.task_definition(ref)
        if td is None:
            known = ", ".join(sorted(self.store.task_definitions)) or "none"
            raise errors.ClientException(f"TaskDefinition not found: {ref!r} (families: {known})")
        return td

    def register_task_definition(self, td: TaskDefinition, revision: int | None = None) -> TaskDefinition:
        """Add a revision; `revision` pins it (built-ins), otherwise it is the next number."""
        check_name("family", td.family)
        with self.store.lock:
            revisions = self.store.task_definitions.setdefault(td.family, [])
            number = revision if revision is not None else (revisions[-1].revision + 1 if revisions else 1)
            if any(r.revision == number for r in revisions):
                return next(r for r in revisions if r.revision == number)
            registered = TaskDefinition(**{**td.__dict__, "revision": number, "registered_at": self.clock.now()})
            revisions.append(registered)
            revisions.sort(key=lambda r: r.revision)
            self._commit(None)
            return registered

    def deregister_task_definition(self, ref: str) -> TaskDefinition:
        if ":" not in ref:
            raise errors.InvalidParameterException("give the revision to deregister, as FAMILY:N")
        with self.store.lock:
            td = self.task_definition(ref)
            revisions = self.store.task_definitions[td.family]
            inactive = TaskDefinition(**{**td.__dict__, "status": "INACTIVE"})
            revisions[revisions.index(td)] = inactive
            self._commit(None)
            return inactive

    # -- services -----------------------------------------------------------------------------
    def service(self, cluster: str, name: str, active: bool = False) -> Service:
        self.cluster(cluster)
        service = self.store.service(cluster, name)
        if service is None:
            raise errors.ServiceNotFoundException(f"Service not found: {name!r} in cluster {cluster!r}. See `servicelab service ls`.")
        if active and service.status != ACTIVE:
            raise errors.ServiceNotActiveException(f"Service {name!r} is {service.status}, not ACTIVE.")
        return service

    def create_service(self, cluster: str, name: str, task_definition: str = "web:1", desired_count: int = 1) -> Service:
        check_name("service", name)
        check_count(desired_count)
        with self.store.lock:
            self.cluster(cluster)
            td = self.task_definition(task_definition)
            if td.status != ACTIVE:
                raise errors.ClientException(f"TaskDefinition {td.ref} is inactive")
            existing = self.store.service(cluster, name)
            if existing is not None and existing.status != INACTIVE:
                raise errors.InvalidParameterException(
                    f"Creation of service was not idempotent: service {name!r} already exists ({existing.status})."
                )
            if existing is not None:
                # A name can be reused once the old service is INACTIVE; its history goes with it.
                for task in self.store.tasks_of(cluster, name):
                    del self.store.tasks[task.task_id]
            service = Service(
                name=name, cluster=cluster, task_definition=td.ref,
                desired_count=desired_count, created_at=self.clock.now(),
            )
            self.store.services[service.key] = service
            self._commit(_service_key(cluster, name))
            return service

    def update_service(
        self, cluster: str, name: str, desired_count: int | None = None, task_definition: str | None = None
    ) -> Service:
        if desired_count is not None:
            check_count(desired_count)
        with self.store.lock:
            service = self.service(cluster, name, active=True)
            if task_definition is not None:
                td = self.task_definition(task_definition)
                if td.status != ACTIVE:
                    raise errors.ClientException(f"TaskDefinition {td.ref} is inactive")
                service.task_definition = td.ref
            if desired_count is not None:
                service.desired_count = desired_count
            self._commit(_service_key(cluster, name))
            return service

    def delete_service(self, cluster: str, name: str, force: bool = False) -> Service:
        with self.store.lock:
            service = self.service(cluster, name)
            if service.status != ACTIVE:
                return service
            if service.desired_count > 0 and not force:
                raise errors.InvalidParameterException(
                    "The service cannot be stopped while it is scaled above 0. Scale it to 0 first, or use --force."
                )
            service.status = DRAINING
            service.desired_count = 0
            service.chaos = None
            self._commit(_service_key(cluster, name))
            return service

    def start_chaos(self, cluster: str, name: str, every: float, duration: float) -> Service:
        if not 0.5 <= every <= 600:
            raise errors.InvalidParameterException(f"--every {every} is out of range: allowed 0.5 to 600 seconds")
        if not 0 < duration <= MAX_CHAOS_SECONDS:
            raise errors.InvalidParameterException(
                f"--for {duration} is out of range: allowed up to {MAX_CHAOS_SECONDS:.0f} seconds"
            )
        with self.store.lock:
            service = self.service(cluster, name, active=True)
            now = self.clock.now()
            service.chaos = Chaos(every=every, until=now + duration, next_at=now + every)
            self._commit(_service_key(cluster, name))
            return service

    def stop_chaos(self, cluster: str, name: str) -> Service:
        with self.store.lock:
            service = self.service(cluster, name)
            service.chaos = None
            self._commit(_service_key(cluster, name))
            return service

    # -- tasks --------------------------------------------------------------------------------
    def find_task(self, cluster: str | None, task_ref: str) -> Task:
        """A task by id, by an ARN ending in its id, or by a unique prefix of at least 4 characters."""
        task_id = task_ref.rsplit("/", 1)[-1]
        if not re.fullmatch(r"[0-9a-f]{4,32}", task_id):
            raise errors.InvalidParameterException(f"Task Identifier is invalid: {task_ref!r} (expected a 32-character hex task id)")
        with self.store.lock:
            matches = [
                t for t in self.store.tasks.values()
                if t.task_id.startswith(task_id) and (cluster is None or t.cluster == cluster)
            ]
        if not matches:
            raise errors.InvalidParameterException(f"The referenced task was not found: {task_ref}")
        if len(matches) > 1:
            raise errors.InvalidParameterException(f"task id prefix {task_id!r} matches {len(matches)} tasks; give more characters")
        return matches[0]

    def stop_task(self, cluster: str | None, task_ref: str, reason: str | None = None) -> Task:
        with self.store.lock:
            if cluster is not None:
                self.cluster(cluster)
            task = self.find_task(cluster, task_ref)
            if task.desired_status == RUNNING:
                task.desired_status = STOPPED
                task.stop_code = USER_INITIATED
                task.stopped_reason = reason or "Task stopped by user"
                task.version += 1
                self._commit(f"service:{task.cluster}/{task.service}" if task.service else _oneoff_key(task.cluster))
            return task

    def run_task(self, cluster: str, task_definition: str, count: int = 1, started_by: str | None = None) -> list[Task]:
        check_count(count, "count", 1, MAX_RUN_TASK_COUNT)
        with self.store.lock:
            self.cluster(cluster)
            td = self.task_definition(task_definition)
            now = self.clock.now()
            tasks = []
            for _ in range(count):
                task = Task(task_id=self.control.new_id(), cluster=cluster, task_definition=td.ref, created_at=now)
                self.store.tasks[task.task_id] = task
                tasks.append(task)
            self._commit(_oneoff_key(cluster))
        # One-off tasks are launched once and never planned again for starting: nothing replaces them.
        for task in tasks:
            self.control.executor.submit(self.control.launch, task.task_id)
        return tasks

    # -- views --------------------------------------------------------------------------------
    def counts(self, service: Service) -> dict[str, int]:
        tasks = self.store.tasks_of(service.cluster, service.name)
        return {
            "desired": service.desired_count,
            "running": sum(1 for t in tasks if t.last_status == RUNNING),
            "pending": sum(1 for t in tasks if t.last_status in NOT_YET_RUNNING),
        }

    def _commit(self, key: str | None) -> None:
        self.store.save()
        self.store.bump()
        if key:
            self.control.mark_dirty(key)
