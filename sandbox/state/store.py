"""The sandbox's state in memory, persisted atomically, with a version number people can wait on.

Desired state (clusters, task definitions, services, which tasks should run) and the records
of what happened (task histories, events) live here. Observed container state does not: it is
re-read from the runtime on every pass.

The state file is checked against its schema (`state_schema`) when it is loaded: a file that is
not what this sandbox would have written (damaged, hand-edited, hostile) is set aside, never
deleted, and the sandbox starts empty. Once the sandbox's folder is gone (deleted, or replaced by
a new sandbox of the same name), the store stops saving: it never brings a deleted sandbox back.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Iterator

from sandbox.state import atomic
from sandbox.state.schema import check_state
from sandbox.core.model import (
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
MAX_STATE_BYTES = 64 << 20
"""A state file larger than this is not read: 1,000 task definitions at ECS's 64 KiB cap fit."""


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
        self._folder = atomic.Folder(path.parent) if path is not None else None
        """The sandbox's folder as it was when the store was made; saves go there or nowhere."""
        self.folder_lost = False
        """The folder was deleted or replaced: this store never saves again."""
        self.set_aside: Path | None = None
        """Where a state file that could not be used was moved on load, if one was."""
        self.set_aside_note: str | None = None
        """One line for people: where the state file went, what was wrong with it, what follows."""

    # -- persistence --------------------------------------------------------------------------
    def load(self) -> None:
        """Read the state file; one this sandbox could not have written is set aside, and it starts empty."""
        if self.path is None:
            return
        try:
            data = atomic.load_json(self.path, MAX_STATE_BYTES)
            if data is not None:
                check_state(data, FORMAT_VERSION)
                self._load_dict(data)
        except (KeyError, TypeError, ValueError) as exc:  # StateError and Unreadable are ValueErrors
            self.clusters, self.task_definitions, self.services, self.tasks, self.instances = {}, {}, {}, {}, {}
            self._set_aside(str(exc))

    def _set_aside(self, problem: str) -> None:
        self.set_aside = atomic.set_aside(self.path)
        self.set_aside_note = (f"the state file {self.path} was set aside as {self.set_aside.name} "
                               f"({problem}); the sandbox starts with an empty state")
        log.warning(self.set_aside_note)

    def _load_dict(self, data: dict[str, Any]) -> None:
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
        if self._folder is None or self.folder_lost:
            return
        with self.lock:
            data, version = self.to_dict(), self.version
        with self._write_lock:
            if version < self._written_version or self.folder_lost:
                return
            try:
                self._folder.write_json(self.path.name, data)
            except atomic.FolderLost as exc:
                self.folder_lost = True
                log.warning("the state is no longer saved: %s", exc)
                return
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
