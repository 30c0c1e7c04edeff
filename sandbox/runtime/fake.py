"""An in-memory runtime for the planner's and controller's quick tests."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field, replace
from typing import Iterator

from .base import (
    EXITED,
    HEALTH_NONE,
    HEALTH_STARTING,
    LABEL_SANDBOX,
    LABEL_TASK,
    RUNNING,
    ImageMissing,
    LaunchFailed,
    Launched,
    LaunchSpec,
    ObservedContainer,
    OnChange,
    Stats,
)


@dataclass
class _FakeContainer:
    observed: ObservedContainer
    output: list[str] = field(default_factory=list)


class FakeRuntime:
    """Containers are dict entries; tests make them die or turn unhealthy by hand."""

    name = "fake"

    def __init__(self, sandbox: str = "test", images: set[str] | None = None) -> None:
        self.sandbox = sandbox
        self.images = images if images is not None else {"servicelab/demo-task"}
        self.containers: dict[str, _FakeContainer] = {}
        self.launches: list[LaunchSpec] = []
        self.fail_next_launch: str | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._listeners: list[OnChange] = []
        self._ports = itertools.count(40000)

    # -- the Runtime interface -------------------------------------------------------------
    def launch(self, spec: LaunchSpec) -> Launched:
        if spec.image.split(":")[0] not in self.images:
            raise ImageMissing(f"image {spec.image} is not on this machine")
        with self._lock:
            if self.fail_next_launch:
                reason, self.fail_next_launch = self.fail_next_launch, None
                raise LaunchFailed(reason)
            cid = f"fake{next(self._ids):08d}"
            port = next(self._ports) if spec.container_port else None
            self.containers[cid] = _FakeContainer(
                ObservedContainer(
                    container_id=cid,
                    task_id=spec.task_id,
                    labels=dict(spec.labels),
                    state=RUNNING,
                    health=HEALTH_STARTING if spec.health_check else HEALTH_NONE,
                    host_port=port,
                ),
                output=[f"task {spec.task_id} started"],
            )
            self.launches.append(spec)
        return Launched(container_id=cid, host_port=port)

    def stop(self, container_id: str, timeout: float = 2.0) -> int | None:
        with self._lock:
            c = self.containers.get(container_id)
            if c is None:
                return None
            already = c.observed.exit_code if c.observed.state == EXITED else None
        if already is not None:
            return already
        self._set(container_id, state=EXITED, exit_code=143)
        return 143

    def kill(self, container_id: str) -> None:
        self._set(container_id, state=EXITED, exit_code=137)

    def remove(self, container_id: str) -> None:
        with self._lock:
            gone = self.containers.pop(container_id, None)
        if gone:
            self._notify(gone.observed.task_id)

    def list_owned(self) -> list[ObservedContainer]:
        with self._lock:
            return [
                c.observed
                for c in self.containers.values()
                if c.observed.labels.get(LABEL_SANDBOX) == self.sandbox
            ]

    def watch(self, on_change: OnChange, stop: threading.Event) -> None:
        self._listeners.append(on_change)
        stop.wait()
        self._listeners.remove(on_change)

    def logs(self, container_id: str, follow: bool = False, tail: int | None = None) -> Iterator[str]:
        with self._lock:
            lines = list(self.containers[container_id].output) if container_id in self.containers else []
        yield from lines[-tail:] if tail else lines

    def exec_argv(self, container_id: str, command: list[str], interactive: bool) -> list[str]:
        return ["echo", *command]

    def stats(self, container_id: str) -> Stats | None:
        return Stats(cpu_percent=0.5, memory_bytes=1 << 20) if container_id in self.containers else None

    def ping(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass

    # -- test controls ---------------------------------------------------------------------
    def exit(self, container_id: str, code: int) -> None:
        """Make a container exit as if its process ended with `code`."""
        self._set(container_id, state=EXITED, exit_code=code)

    def set_health(self, container_id: str, health: str) -> None:
        self._set(container_id, health=health)

    def container_of(self, task_id: str) -> str:
        with self._lock:
            for cid, c in self.containers.items():
                if c.observed.labels.get(LABEL_TASK) == task_id:
                    return cid
        raise KeyError(task_id)

    def running(self) -> list[ObservedContainer]:
        return [c for c in self.list_owned() if c.state == RUNNING]

    def _set(self, container_id: str, **changes) -> None:
        with self._lock:
            c = self.containers.get(container_id)
            if c is None:
                return
            c.observed = replace(c.observed, **changes)
            task_id = c.observed.task_id
        self._notify(task_id)

    def _notify(self, task_id: str) -> None:
        for listener in list(self._listeners):
            listener(task_id)
