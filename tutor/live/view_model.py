"""What the live panel shows, computed from a sandbox snapshot: plain data, no Textual.

The control plane's Watch operation answers with a whole snapshot (see
`sandbox.api.lab_ops.snapshot`). These functions pick one service out of it and turn it into
rows and lines the widgets draw, so the same logic serves the panel, `--plain` announcements
and the tests, and time comes in as an argument (`now`) so the output can be frozen.
"""

from __future__ import annotations

from sandbox.core.timefmt import clock, duration

import time
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Any

Snapshot = dict[str, Any]

STOPPED_SHOWN = 8
"""Recent stopped tasks shown (greyed) under the live ones."""

LIVE_STATUSES = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING")


@dataclass(frozen=True)
class ServiceView:
    """The header, events and reasoning of one service."""

    name: str
    status: str
    task_definition: str
    desired: int
    running: int
    pending: int
    deployment: str
    """The PRIMARY deployment's rolloutState: IN_PROGRESS or COMPLETED."""
    steady: bool
    chaos: dict[str, Any] | None
    events: list[tuple[float, str]]
    """(createdAt, message), newest first, in ECS's wording."""
    decisions: list[tuple[float, str]]
    """(at, text), newest first: the reconciler's reasoning."""
    grace_seconds: int = 0
    """healthCheckGracePeriodSeconds: failed health checks ignored this long after a task starts."""


@dataclass(frozen=True)
class TaskRow:
    """One line of the task table."""

    task_id: str
    last_status: str
    desired_status: str
    health: str
    task_definition: str
    cpu: str
    memory: str
    uptime: str
    container: str
    note: str
    """stoppedReason for stopped tasks, "one-off" for tasks no service owns."""
    stopped: bool
    one_off: bool

    @property
    def short_id(self) -> str:
        return self.task_id[:12]

    @property
    def cells(self) -> tuple[str, ...]:
        """Every column as text, for comparing rows and for the plain-text view."""
        return (self.short_id, self.last_status, self.health, self.task_definition, self.cpu, self.memory,
                self.uptime, self.container, self.note)


def service_names(snapshot: Snapshot | None) -> list[str]:
    """Services worth showing: ACTIVE and DRAINING ones, in creation order."""
    if not snapshot:
        return []
    shown = [s for s in snapshot.get("services", []) if s.get("status") != "INACTIVE"]
    shown.sort(key=lambda s: s.get("createdAt", 0))
    return [s["serviceName"] for s in shown]


def find_service(snapshot: Snapshot | None, name: str | None) -> dict[str, Any] | None:
    if not snapshot or not name:
        return None
    for service in snapshot.get("services", []):
        if service["serviceName"] == name and service.get("status") != "INACTIVE":
            return service
    return None


def service_view(snapshot: Snapshot | None, name: str | None) -> ServiceView | None:
    service = find_service(snapshot, name)
    if service is None:
        return None
    deployments = service.get("deployments") or []
    return ServiceView(
        name=service["serviceName"],
        status=service.get("status", "ACTIVE"),
        task_definition=service.get("taskDefinitionRef") or service.get("taskDefinition", "").rsplit("/", 1)[-1],
        desired=service.get("desiredCount", 0),
        running=service.get("runningCount", 0),
        pending=service.get("pendingCount", 0),
        deployment=deployments[0].get("rolloutState", "-") if deployments else "-",
        steady=bool(service.get("steady")),
        chaos=service.get("chaos"),
        events=[(e["createdAt"], e["message"]) for e in service.get("events", [])],
        decisions=[(d.get("at", 0.0), d.get("text", "")) for d in service.get("decisions", [])],
        grace_seconds=service.get("healthCheckGracePeriodSeconds") or 0,
    )


def task_rows(
    snapshot: Snapshot | None,
    service: str | None,
    stats: dict[str, dict[str, Any]] | None = None,
    now: float | None = None,
    stopped_shown: int = STOPPED_SHOWN,
) -> list[TaskRow]:
    """The service's tasks (and one-off tasks), live ones newest first, then recent stopped ones."""
    if not snapshot:
        return []
    now = time.time() if now is None else now
    stats = stats or {}
    live: list[dict[str, Any]] = []
    stopped: list[dict[str, Any]] = []
    for task in snapshot.get("tasks", []):
        group = task.get("group", "")
        if group != f"service:{service}" and not group.startswith("family:"):
            continue
        (stopped if task["lastStatus"] == "STOPPED" else live).append(task)
    live.sort(key=lambda t: (t.get("group", "").startswith("family:"), -t.get("createdAt", 0)))
    stopped.sort(key=lambda t: -(t.get("stoppedAt") or t.get("createdAt", 0)))
    return [_row(t, stats.get(t["taskId"]), now) for t in live + stopped[:stopped_shown]]


def _row(task: dict[str, Any], sample: dict[str, Any] | None, now: float) -> TaskRow:
    status = task["lastStatus"]
    stopped = status == "STOPPED"
    one_off = task.get("group", "").startswith("family:")
    note = ""
    if stopped or task.get("desiredStatus") == "STOPPED":
        note = task.get("stoppedReason") or ""
        if task.get("stopCode"):
            note = f"{task['stopCode']}: {note}" if note else task["stopCode"]
    if one_off:
        note = f"one-off · {note}" if note else "one-off task"
    running = status == "RUNNING"
    return TaskRow(
        task_id=task["taskId"],
        last_status=status,
        desired_status=task.get("desiredStatus", "RUNNING"),
        health=task.get("healthStatus", "UNKNOWN"),
        task_definition=task.get("taskDefinition", ""),
        cpu=f"{sample['cpuPercent']:.1f}%" if running and sample else "-",
        memory=human_bytes(sample["memoryBytes"]) if running and sample else "-",
        uptime=duration(now - task["startedAt"]) if running and task.get("startedAt") else "-",
        container=(task.get("containerId") or "-")[:12],
        note=note,
        stopped=stopped,
        one_off=one_off,
    )


# -- slow motion: each new status of a task held on screen a moment --------------------------------
SLOW_MOTION_SECONDS = 1.5
"""How long slow motion holds each new status of a task in the table."""
STARTING = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")
"""Every task's way up, in ECS's order."""


def passed_through(old: str | None, new: str) -> list[str]:
    """The statuses a task showed going from `old` (None: not seen before) to `new`, `new` last.

    On the way up every task passes PROVISIONING, PENDING and ACTIVATING in that order, so the
    ones no snapshot caught are put back (the sandbox sets PENDING and ACTIVATING in one step,
    so no snapshot ever holds PENDING). Any other change is taken as seen.
    """
    if new in STARTING:
        first = STARTING.index(old) + 1 if old in STARTING else 0
        if first <= STARTING.index(new):
            return list(STARTING[first:STARTING.index(new) + 1])
    return [new]


class SlowMotion:
    """Holds each new status of a task on screen for `hold` seconds, one after another, so the
    statuses that pass in a blink on the way up (and down) can be watched.

    Fed each snapshot's tasks (`observe`); `apply` turns the table's rows into what to show now.
    Tasks and statuses already there when it starts are not replayed.
    """

    def __init__(self, hold: float = SLOW_MOTION_SECONDS) -> None:
        self.hold = hold
        self._seen: dict[str, str] = {}
        """The latest status each task had in a snapshot."""
        self._shown: dict[str, tuple[str, float]] = {}
        """The status on screen for each task, and since when."""
        self._queue: dict[str, list[str]] = {}
        """Statuses each task still has to show, oldest first."""
        self._primed = False

    def observe(self, tasks: list[dict[str, Any]], now: float) -> None:
        """Take a snapshot's tasks: each new status joins its task's queue."""
        present = {task["taskId"] for task in tasks}
        for gone in [task_id for task_id in self._seen if task_id not in present]:
            self._seen.pop(gone)
            self._shown.pop(gone, None)
            self._queue.pop(gone, None)
        for task in tasks:
            task_id, status = task["taskId"], task["lastStatus"]
            old = self._seen.get(task_id)
            if old == status:
                continue
            self._seen[task_id] = status
            if not self._primed:
                self._shown[task_id] = (status, now - self.hold)
                continue
            steps = passed_through(old, status)
            if old is None:
                self._shown[task_id] = (steps.pop(0), now)
            self._queue.setdefault(task_id, []).extend(steps)
        self._primed = True
        self._advance(now)

    def _advance(self, now: float) -> None:
        """Each task whose status has been on screen `hold` seconds moves on to its next one."""
        for task_id, queue in list(self._queue.items()):
            status, since = self._shown.get(task_id, ("", now - self.hold))
            if queue and now - since >= self.hold:
                self._shown[task_id] = (queue.pop(0), now)
            if not queue:
                del self._queue[task_id]

    def apply(self, rows: list[TaskRow], now: float) -> list[TaskRow]:
        """The rows as slow motion shows them now: a task still holding an earlier status shows that."""
        self._advance(now)
        return [self._held(row) for row in rows]

    def _held(self, row: TaskRow) -> TaskRow:
        status = self._shown.get(row.task_id, (row.last_status, 0.0))[0]
        if status == row.last_status:
            return row
        running = status == "RUNNING"
        return replace(
            row, last_status=status, stopped=status == "STOPPED",
            health=row.health if status not in STARTING[:3] else "UNKNOWN",
            cpu=row.cpu if running else "-", memory=row.memory if running else "-",
            uptime=row.uptime if running else "-")

    def next_change(self, now: float) -> float | None:
        """Seconds until a held status moves on; None when nothing is held."""
        waits = [self._shown[task_id][1] + self.hold - now for task_id in self._queue if task_id in self._shown]
        return max(0.0, min(waits)) if waits else None


def human_bytes(value: float | None) -> str:
    if value is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return "-"



def header_words(view: ServiceView) -> list[str]:
    """The header's facts, each a word or two, never colour alone."""
    words = [
        f"desired {view.desired}",
        f"running {view.running}",
        f"pending {view.pending}",
        f"deployment {view.deployment}",
        "steady" if view.steady else "changing",
    ]
    if view.status != "ACTIVE":
        words.insert(0, view.status)
    return words


def setting_words(view: ServiceView) -> list[str]:
    """Settings worth a line only when they are not the default."""
    return [f"health check grace {view.grace_seconds}s"] if view.grace_seconds else []


def chaos_words(chaos: dict[str, Any] | None, now: float) -> str:
    if not chaos:
        return "chaos off"
    left = max(0, chaos.get("until", now) - now)
    return f"chaos ON: a task every {chaos.get('every', 0):g}s, {chaos.get('stopped', 0)} stopped, {duration(left)} left"


# -- history for the chart ----------------------------------------------------------------------
@dataclass
class CountHistory:
    """Desired and running counts over time, as a step function sampled at each snapshot."""

    times: list[float] = field(default_factory=list)
    desired: list[int] = field(default_factory=list)
    running: list[int] = field(default_factory=list)
    keep_seconds: float = 900.0

    def record(self, at: float, desired: int, running: int) -> bool:
        """Add a point; returns False when it changes nothing."""
        if self.times and self.desired[-1] == desired and self.running[-1] == running:
            return False
        if self.times and at < self.times[-1]:
            at = self.times[-1]
        self.times.append(at)
        self.desired.append(desired)
        self.running.append(running)
        cutoff = at - self.keep_seconds
        drop = bisect_right(self.times, cutoff) - 1
        if drop > 0:
            del self.times[:drop], self.desired[:drop], self.running[:drop]
        return True

    def clear(self) -> None:
        self.times.clear()
        self.desired.clear()
        self.running.clear()

    def columns(self, width: int, now: float, seconds_per_column: float) -> list[tuple[int, int] | None]:
        """For each column, oldest first: (desired at its end, fewest running during it), or None before data.

        Running takes the minimum over the column, so a dip shorter than a column still shows.
        """
        out: list[tuple[int, int] | None] = []
        if not self.times:
            return [None] * width
        start = now - width * seconds_per_column
        for column in range(width):
            left = start + column * seconds_per_column
            right = left + seconds_per_column
            if right < self.times[0]:
                out.append(None)
                continue
            # The value in force at `left`, then every change inside (left, right].
            first = max(0, bisect_right(self.times, left) - 1)
            last = max(0, bisect_right(self.times, right) - 1)
            out.append((self.desired[last], min(self.running[first:last + 1])))
        return out


# -- announcements for --plain ------------------------------------------------------------------
def announcements(old: Snapshot | None, new: Snapshot, service: str | None) -> list[str]:
    """What changed between two snapshots, as sentences a screen reader can speak."""
    lines: list[str] = []
    old_status = (old or {}).get("status", {})
    new_status = new.get("status", {})
    old_engine = old_status.get("engine", {}).get("ok", True)
    new_engine = new_status.get("engine", {}).get("ok", True)
    if old is not None and old_engine != new_engine:
        lines.append("engine is back" if new_engine else f"engine is DOWN: {new_status['engine'].get('error') or 'no answer'}")
    before = service_view(old, service)
    after = service_view(new, service)
    if after is not None:
        seen = set(before.events) if before else set()
        if before is None:
            lines.append(f"service {after.name}: " + ", ".join(header_words(after)))
        else:
            for event in reversed(after.events):
                if event not in seen:
                    lines.append(event[1])
            if (before.desired, before.running, before.pending) != (after.desired, after.running, after.pending):
                lines.append(f"service {after.name}: desired {after.desired}, running {after.running}, "
                             f"pending {after.pending}")
    elif before is not None:
        lines.append(f"service {before.name} is gone")
    old_tasks = {t["taskId"]: t for t in (old or {}).get("tasks", [])}
    if old is not None:
        for task in new.get("tasks", []):
            group = task.get("group", "")
            if group != f"service:{service}" and not group.startswith("family:"):
                continue
            previous = old_tasks.get(task["taskId"])
            if previous is None:
                lines.append(f"task {task['taskId'][:8]} is new: {task['lastStatus']}")
            elif previous["lastStatus"] != task["lastStatus"]:
                reason = f" ({task['stoppedReason']})" if task["lastStatus"] == "STOPPED" and task.get("stoppedReason") else ""
                lines.append(f"task {task['taskId'][:8]}: {previous['lastStatus']} to {task['lastStatus']}{reason}")
    return lines
