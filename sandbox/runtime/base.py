"""The one small interface every runtime implements: Docker, local processes, and the fake.

The control plane never asks a runtime to decide anything. It asks it to launch, stop, remove
and list what it owns, and to say when something it owns changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterator, Protocol

from sandbox.core.model import ContainerSettings, HealthCheck

# Labels carried by everything we create; they are how ownership is decided.
LABEL_SANDBOX = "servicelab.sandbox"
LABEL_CLUSTER = "servicelab.cluster"
LABEL_SERVICE = "servicelab.service"
LABEL_TASK = "servicelab.task"
LABEL_TASK_DEFINITION = "servicelab.task-definition"
LABEL_INSTANCE = "servicelab.instance"
LABEL_ZONE = "servicelab.zone"
LABEL_HOME = "servicelab.home"
"""The servicelab home (SERVICELAB_HOME) a container belongs to: a sandbox name is only unique within one."""

# Observed container states, normalised across runtimes.
CREATED = "created"
RUNNING = "running"
EXITED = "exited"

# Observed health, normalised across runtimes.
HEALTH_NONE = "none"
HEALTH_STARTING = "starting"
HEALTH_HEALTHY = "healthy"
HEALTH_UNHEALTHY = "unhealthy"


class RuntimeError_(Exception):
    """Base for errors a runtime reports; the message is one line meant for a person."""


class RuntimeUnavailable(RuntimeError_):
    """The engine behind the runtime does not answer (Docker not running, socket refused)."""


class ImageMissing(RuntimeError_):
    """The task's image is not on this machine and we never pull."""


class LaunchFailed(RuntimeError_):
    """The task could not be created or started (port taken, bad command, ...)."""


class NotOwned(RuntimeError_):
    """The handle names something that does not carry our labels; we never touch it."""


@dataclass(frozen=True)
class LaunchSpec:
    """Everything a runtime needs to start one task's container."""

    sandbox: str
    cluster: str
    task_id: str
    task_definition: str
    image: str
    service: str | None = None
    command: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    cpu: int = 128
    memory: int = 64
    container_port: int | None = None
    health_check: HealthCheck | None = None
    instance_id: str | None = None
    zone: str | None = None
    network_mode: str = "bridge"
    settings: ContainerSettings = field(default_factory=ContainerSettings)
    """The rest of the container definition (entry point, ports, volumes, limits, …); the Docker runtime applies it."""

    @property
    def labels(self) -> dict[str, str]:
        labels = {
            LABEL_SANDBOX: self.sandbox,
            LABEL_CLUSTER: self.cluster,
            LABEL_TASK: self.task_id,
            LABEL_TASK_DEFINITION: self.task_definition,
        }
        if self.service:
            labels[LABEL_SERVICE] = self.service
        if self.instance_id:
            labels[LABEL_INSTANCE] = self.instance_id
        if self.zone:
            labels[LABEL_ZONE] = self.zone
        return labels


@dataclass(frozen=True)
class Launched:
    """What a successful launch reports back."""

    container_id: str
    host_port: int | None = None
    started_at: float | None = None
    bindings: tuple[dict, ...] = ()
    """Every published port as ECS's networkBindings, when there is more than containerPort's."""


@dataclass(frozen=True)
class ObservedContainer:
    """One owned container as the runtime sees it right now."""

    container_id: str
    task_id: str
    labels: dict[str, str] = field(default_factory=dict)
    state: str = RUNNING
    exit_code: int | None = None
    health: str = HEALTH_NONE
    host_port: int | None = None
    oom_killed: bool = False


@dataclass(frozen=True)
class Stats:
    """A resource sample of one container."""

    cpu_percent: float
    memory_bytes: int
    memory_limit_bytes: int | None = None


OnChange = Callable[[str], None]
"""Called with a task id whenever something about that task's container changed."""

EVENTS_MISSED = ""
"""What on_change gets when the event stream broke or came back: anything may have changed."""


class Runtime(Protocol):
    """What the control plane needs from a place that runs containers."""

    name: str
    """"docker", "process" or "fake"."""

    sandbox: str

    def launch(self, spec: LaunchSpec) -> Launched:
        """Create and start the task's container. Raises ImageMissing or LaunchFailed."""

    def stop(self, container_id: str, timeout: float = 2.0) -> int | None:
        """Stop the container if it runs and return its exit code; one already gone gives None."""

    def remove(self, container_id: str) -> None:
        """Remove the container; a container already gone is not an error."""

    def kill(self, container_id: str) -> None:
        """Kill the container abruptly, as an outside force would (for demos and tests)."""

    def list_owned(self) -> list[ObservedContainer]:
        """Every container of this sandbox, running or not, in one call."""

    def watch(self, on_change: OnChange, stop: threading.Event) -> None:
        """Block, calling on_change(task_id) for changes, until stop is set. Reconnects itself, calling
        on_change(EVENTS_MISSED) when the stream breaks and again when it is back."""

    def logs(self, container_id: str, follow: bool = False, tail: int | None = None) -> Iterator[str]:
        """The container's output, line by line; with follow, keeps going until it exits."""

    def exec_argv(self, container_id: str, command: list[str], interactive: bool) -> list[str]:
        """An argv that runs `command` inside the task when executed in the foreground."""

    def stats(self, container_id: str) -> Stats | None:
        """One resource sample, or None when the container is gone."""

    def ping(self) -> bool:
        """Whether the engine answers right now."""

    def release(self) -> None:
        """Remove what tasks shared and no task owns alone (the sandbox's networks)."""

    def close(self) -> None:
        """Release client connections."""
