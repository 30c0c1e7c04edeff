"""A timeline of sandbox snapshots, each stamped with when it was seen, for temporal checks.

No Textual here. The app feeds it the snapshots its sandbox link already receives; `lessons
solve` feeds it from a `Recorder` thread. A check such as "within 10 s after a task stopped,
running == desired again" is judged over these entries, so the timeline keeps them from the
exercise's `origin` on, and derives the task changes (created, started, stopped) that
checks can use as triggers.
"""

from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from tutor.checks.expr import View

MAX_ENTRIES = 5000
"""Entries kept; at a few per second that is well over the length of any exercise."""


@dataclass(frozen=True)
class TaskEvent:
    """A change in one task, seen between two snapshots."""

    at: float
    kind: str
    """created, started or stopped."""
    task_id: str
    service: str | None
    family: str
    stop_code: str | None = None


@dataclass(frozen=True)
class Entry:
    at: float
    version: int
    snapshot: dict[str, Any]


class Timeline:
    """Snapshots since `origin`, oldest first, with the task changes between them."""

    def __init__(self, clock: Callable[[], float] = time.time, cluster: str = "default",
                 origin: float | None = None) -> None:
        self.clock = clock
        self.cluster = cluster
        self.origin = clock() if origin is None else origin
        self.entries: list[Entry] = []
        self.task_events: list[TaskEvent] = []
        self.active_seen: dict[str, float] = {}
        """Each service seen ACTIVE since origin, with when it was first seen so."""
        self._lock = threading.Lock()
        # Views are rebuilt only when an entry sees new history: the app judges the same entries
        # on every snapshot, and a View also memoizes the values it computed. Per entry, one
        # View per origin judged from (a pitfall's fix is judged from when its mistake showed).
        self._views: dict[int, dict[float, tuple[Entry, tuple, View]]] = {}

    def ingest(self, snapshot: dict[str, Any], at: float | None = None) -> bool:
        """Add a snapshot seen at `at` (default now); returns False for a version already seen."""
        at = self.clock() if at is None else at
        version = int(snapshot.get("version", -1))
        with self._lock:
            previous = self.entries[-1] if self.entries else None
            if previous is not None and version != -1 and version == previous.version:
                return False
            if previous is not None:
                self.task_events.extend(_changes(previous.snapshot, snapshot, at, self.origin))
            self.entries.append(Entry(at, version, snapshot))
            for name in View(snapshot, cluster=self.cluster).active_services():
                self.active_seen.setdefault(name, at)
            for dropped in self.entries[:-MAX_ENTRIES]:
                self._views.pop(id(dropped), None)
            del self.entries[:-MAX_ENTRIES]
            return True

    def restart(self, at: float | None = None) -> None:
        """Begin again from now (an exercise starts or is reset): the latest state carries over."""
        at = self.clock() if at is None else at
        with self._lock:
            latest = self.entries[-1] if self.entries else None
            self.origin = at
            self.task_events = []
            self.entries = [Entry(at, latest.version, latest.snapshot)] if latest else []
            active = View(latest.snapshot, cluster=self.cluster).active_services() if latest else set()
            self.active_seen = {name: at for name in active}
            self._views = {}

    @property
    def latest(self) -> Entry | None:
        return self.entries[-1] if self.entries else None

    def views(self, since: float | None = None) -> list[tuple[float, View]]:
        """Every entry as a View, each seeing only the history (task changes, services seen) up to its own time.

        With `since`, judging starts later: from the entry in force at `since`, with history
        before `since` left out (a pitfall's fix counts from when its mistake showed).
        """
        with self._lock:
            entries = list(self.entries)
            events = list(self.task_events)
            seen = dict(self.active_seen)
        origin = self.origin if since is None else max(self.origin, since)
        if since is not None:
            entries = entries[max(0, bisect.bisect_right([e.at for e in entries], since) - 1):]
        # Events are appended in time order, so each entry's share is a prefix.
        times = [e.at for e in events]
        out = []
        for entry in entries:
            count = bisect.bisect_right(times, entry.at)
            names = frozenset(name for name, at in seen.items() if at <= entry.at)
            per_origin = self._views.setdefault(id(entry), {})
            cached = per_origin.get(origin)
            # `is entry` guards against an id reused by a newer entry after the old one was dropped.
            if cached is None or cached[0] is not entry or cached[1] != (count, names):
                cached = (entry, (count, names), View(entry.snapshot, origin, self.cluster, events[:count], names))
                per_origin[origin] = cached
            out.append((entry.at, cached[2]))
        return out

    def view(self) -> View | None:
        """The latest entry as a View, or None before any snapshot arrived."""
        with self._lock:
            latest = self.entries[-1] if self.entries else None
            events = list(self.task_events)
            seen = list(self.active_seen)
        return View(latest.snapshot, self.origin, self.cluster, events, seen) if latest else None

    def view_of(self, snapshot: dict[str, Any]) -> View:
        """A snapshot fresher than the latest entry, seen with the timeline's history."""
        with self._lock:
            events = list(self.task_events)
            seen = set(self.active_seen)
        view = View(snapshot, self.origin, self.cluster, events)
        return View(snapshot, self.origin, self.cluster, events, seen | view.active_services())


def _changes(before: dict[str, Any], after: dict[str, Any], at: float, origin: float) -> list[TaskEvent]:
    old = {t.get("taskId"): t for t in before.get("tasks", [])}
    out = []
    for task in after.get("tasks", []):
        task_id = task.get("taskId")
        status = task.get("lastStatus")
        prior = old.get(task_id)
        group = task.get("group", "")
        service = group.split(":", 1)[1] if group.startswith("service:") else None
        family = str(task.get("taskDefinition", "")).split(":", 1)[0]
        kinds = []
        if prior is None:
            if (task.get("createdAt") or 0) < origin:
                continue  # old history that only now came into view, not a change
            kinds.append("created")
            prior = {}
        if status == "RUNNING" and prior.get("lastStatus") != "RUNNING":
            kinds.append("started")
        if status == "STOPPED" and prior.get("lastStatus") != "STOPPED":
            if (task.get("stoppedAt") or at) >= origin:  # else stopped by the reset itself, before origin
                kinds.append("stopped")
        out += [TaskEvent(at, kind, task_id, service, family, task.get("stopCode") if kind == "stopped" else None)
                for kind in kinds]
    return out


class Recorder:
    """Feeds a Timeline from a sandbox client's long-poll watch, on a thread of its own."""

    def __init__(self, client: Any, timeline: Timeline, poll_seconds: float = 2.0) -> None:
        self.client = client
        self.timeline = timeline
        self.poll_seconds = poll_seconds
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="timeline-recorder", daemon=True)

    def start(self) -> "Recorder":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.poll_seconds + 15)

    def wait_change(self, timeout: float) -> None:
        """Block until a new snapshot was ingested (or the timeout passes)."""
        with self._changed:
            self._changed.wait(timeout)

    def _run(self) -> None:
        version = -1
        while not self._stop.is_set():
            try:
                snapshot = self.client.watch(version, timeout=self.poll_seconds, cluster=self.timeline.cluster)
            except Exception as exc:  # the control plane went away: report, and let the owner decide
                self.error = exc
                if self._stop.wait(0.5):
                    return
                continue
            version = int(snapshot.get("version", version))
            if self.timeline.ingest(snapshot):
                with self._changed:
                    self._changed.notify_all()
