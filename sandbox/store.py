"""The sandbox's state in memory, persisted atomically, with a version number people can wait on.

Desired state (clusters, task definitions, services, which tasks should run) and the records
of what happened (task histories, events) live here. Observed container state does not: it is
re-read from the runtime on every pass.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Iterator

from . import atomic
from .model import (
    ACTIVE,
    STOPPED,
    STOPPED_TASKS_KEPT,
    Cluster,
    Instance,
    Service,
    Task,
    TaskDefinition,
    service_key,
)

log = logging.getLogger(__name__)

FORMAT_VERSION = 1


class Store:
    """All state of one sandbox. Hold `lock` while reading or changing it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.version = 0
        self.clusters: dict[str, Cluster] = {}
        self.task_definitions: dict[str, list[TaskDefinition]] = {}
        self.services: dict[str, Service] = {}
        self.tasks: dict[str, Task] = {}
        self.instances: dict[str, Instance] = {}
        self._write_lock = threading.Lock()
        self._written_version = -1
        self.set_aside: Path | None = None
        """Where a corrupt state file was moved on load, if one was."""

    # -- persistence --------------------------------------------------------------------------
    def load(self) -> None:
        if self.path is None:
            return
        data, aside = atomic.read_json(self.path)
        if aside is not None:
            self.set_aside = aside
            log.warning("state file %s was unreadable; set aside as %s", self.path, aside)
            return
        if not data:
            return
        try:
            self._load_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            self.clusters, self.task_definitions, self.services, self.tasks = {}, {}, {}, {}
            self.instances = {}
            self.set_aside = atomic.set_aside(self.path)
            log.warning("state file %s had a bad shape (%s); set aside as %s", self.path, exc, self.set_aside)

    def _load_dict(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unknown format {data.get('format')!r}")
        self.clusters = {c["name"]: Cluster.from_dict(c) for c in data["clusters"]}
        for td in data["taskDefinitions"]:
            self.task_definitions.setdefault(td["family"], []).append(TaskDefinition.from_dict(td))
        for revisions in self.task_definitions.values():
            revisions.sort(key=lambda t: t.revision)
        self.services = {}
        for s in data["services"]:
            service = Service.from_dict(s)
            self.services[service.key] = service
        self.tasks = {t["task_id"]: Task.from_dict(t) for t in data["tasks"]}
        self.instances = {i["id"]: Instance.from_dict(i) for i in data.get("instances", [])}

    def to_dict(self) -> dict[str, Any]:
        with self.lock:
            return {
                "format": FORMAT_VERSION,
                "clusters": [c.to_dict() for c in self.clusters.values()],
                "taskDefinitions": [td.to_dict() for revs in self.task_definitions.values() for td in revs],
                "services": [s.to_dict() for s in self.services.values()],
                "tasks": [t.to_dict() for t in self.tasks.values()],
                "instances": [i.to_dict() for i in self.instances.values()],
            }

    def save(self) -> None:
        """Write the state atomically. The snapshot is taken under the lock, the write is not,
        so a slow disk never holds up the control loop; a newer snapshot always wins."""
        if self.path is None:
            return
        with self.lock:
            data, version = self.to_dict(), self.version
        with self._write_lock:
            if version < self._written_version:
                return
            atomic.write_json(self.path, data)
            self._written_version = version

    # -- change notification ------------------------------------------------------------------
    def bump(self) -> int:
        """Note that something changed and wake everyone waiting for a newer version."""
        with self.changed:
            self.version += 1
            self.changed.notify_all()
            return self.version

    def wait_newer(self, version: int, timeout: float) -> int:
        """Block until the version passes `version` or the timeout ends; returns the version."""
        with self.changed:
            self.changed.wait_for(lambda: self.version > version, timeout=timeout)
            return self.version

    # -- lookups ------------------------------------------------------------------------------
    def task_definition(self, ref: str) -> TaskDefinition | None:
        """`family` (latest ACTIVE revision) or `family:revision`."""
        family, _, revision = ref.partition(":")
        revisions = self.task_definitions.get(family, [])
        if revision:
            for td in revisions:
                if str(td.revision) == revision:
                    return td
            return None
        active = [td for td in revisions if td.status == ACTIVE]
        return active[-1] if active else None

    def task_definitions_by_ref(self) -> dict[str, TaskDefinition]:
        return {td.ref: td for revisions in self.task_definitions.values() for td in revisions}

    def service(self, cluster: str, name: str) -> Service | None:
        return self.services.get(service_key(cluster, name))

    def instances_of(self, cluster: str) -> list[Instance]:
        return sorted((i for i in self.instances.values() if i.cluster == cluster), key=lambda i: (i.zone, i.id))

    def tasks_of(self, cluster: str, service: str | None) -> list[Task]:
        return [t for t in self.tasks.values() if t.cluster == cluster and t.service == service]

    def iter_tasks(self) -> Iterator[Task]:
        return iter(list(self.tasks.values()))

    def prune_stopped(self) -> None:
        """Keep the newest STOPPED_TASKS_KEPT stopped tasks per service (and per cluster's one-offs)."""
        groups: dict[tuple[str, str | None], list[Task]] = {}
        for task in self.tasks.values():
            if task.last_status == STOPPED:
                groups.setdefault((task.cluster, task.service), []).append(task)
        for stopped in groups.values():
            if len(stopped) > STOPPED_TASKS_KEPT:
                stopped.sort(key=lambda t: t.stopped_at or 0, reverse=True)
                for task in stopped[STOPPED_TASKS_KEPT:]:
                    del self.tasks[task.task_id]
