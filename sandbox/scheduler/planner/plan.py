"""What one planning pass decides: starts, stops, reaps and what to tell people. Plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.core.model import Deployment


@dataclass(frozen=True)
class Start:
    """Launch a new task for the service, for one deployment, on one instance."""

    task_id: str
    deployment_id: str | None = None
    task_definition: str | None = None
    instance_id: str | None = None
    zone: str | None = None


@dataclass(frozen=True)
class Stop:
    """Stop a task whose container still runs."""

    task_id: str
    stop_code: str
    reason: str


@dataclass(frozen=True)
class Reap:
    """Record a task whose container already exited or vanished, and clean up after it."""

    task_id: str
    stop_code: str
    reason: str
    exit_code: int | None
    container_reason: str | None = None


@dataclass
class Plan:
    """What one pass decided. The executor applies it; the decisions explain it to people."""

    starts: list[Start] = field(default_factory=list)
    launches: list[str] = field(default_factory=list)
    """Tasks already recorded (one-off tasks RunTask placed) to hand to the executor."""
    stops: list[Stop] = field(default_factory=list)
    reaps: list[Reap] = field(default_factory=list)
    health: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Decisions to say once even when the pass changes nothing (a task kept on purpose)."""
    requeue_after: float | None = None
    service_status: str | None = None
    chaos_fired: bool = False
    chaos_done: bool = False
    deployments: list[Deployment] | None = None
    """The service's new deployment list, when it changed."""
    adopt: dict[str, str] = field(default_factory=dict)
    """Tasks moving to another deployment (a rollback keeps what already runs its definition)."""
    service_task_definition: str | None = None
    circuit_breaker: tuple[int, int] | None = None
    """(failed tasks, threshold) of the primary deployment, while its breaker watches."""

    @property
    def is_empty(self) -> bool:
        return not (
            self.starts or self.launches or self.stops or self.reaps or self.health or self.events
            or self.service_status or self.chaos_fired or self.chaos_done
            or self.deployments is not None or self.adopt or self.service_task_definition
        )

    def wake_in(self, seconds: float | None) -> None:
        """Ask for another pass in `seconds` (the soonest request wins); None asks nothing."""
        if seconds is None:
            return
        if self.requeue_after is None or seconds < self.requeue_after:
            self.requeue_after = max(0.0, seconds)
