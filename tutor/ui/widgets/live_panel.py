"""The live sandbox panel: header, task table, chart, why and events for one service at a time.

Beside them, the operations views (tutor/widgets/ops_panels.py) appear when they have
something to say: the deployments of a rollout, the zones and instances the tasks run on,
the load balancer's targets, and the auto scaling policy against its metric.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable, Static

from tutor import commands
from tutor.live.ops_view import (
    cluster_instances,
    deployments_view,
    load_balancer_view,
    scaling_view,
    time_speed,
    zones_view,
)
from tutor.live.view_model import (
    CountHistory,
    ServiceView,
    SlowMotion,
    TaskRow,
    service_names,
    service_view,
    task_rows,
)
from tutor.ui.widgets.count_chart import CountChart
from tutor.ui.widgets.events_log import EventsLog
from tutor.ui.widgets.ops_panels import DeploymentStrip, LoadBalancerPanel, ScalingLine, ZonesPanel
from tutor.ui.widgets.service_header import ServiceHeader
from tutor.ui.widgets.task_table import TaskTable
from tutor.ui.widgets.why_panel import WhyPanel

TICK_SECONDS = 2.0
"""How often uptimes and the chart move on while nothing else changes."""
DETAIL_LINES = 2
"""The selected task's line takes at most this many lines (#task-detail's max-height)."""
NARROW = 120
"""Below this many columns the zones and the load balancer stack instead of sitting side by side."""


class LivePanel(Vertical):
    """Everything the sandbox is doing for the shown service, updated as it changes.

    The screen feeds it snapshots and stats (`show_snapshot`, `show_stats`); it asks for stats
    of its running tasks with a `StatsWanted` message and never talks to the sandbox itself.
    """

    class StatsWanted(Message):
        """These running tasks are on screen: sample their CPU and memory (empty: stop)."""

        def __init__(self, task_ids: list[str]) -> None:
            super().__init__()
            self.task_ids = task_ids

    class ServiceShown(Message):
        """The panel now shows this service (None: there is none)."""

        def __init__(self, service: str | None) -> None:
            super().__init__()
            self.service = service

    def __init__(self, preferred: list[str] | None = None, *, plain: bool = False,
                 clock: Callable[[], float] = time.time, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.preferred = list(preferred or [])
        self.plain = plain
        self.clock = clock
        self.service: str | None = None
        self.snapshot: dict[str, Any] | None = None
        self.stats: dict[str, dict[str, Any]] = {}
        self.histories: dict[str, CountHistory] = {}
        self.connected = False
        self._stats_wanted: list[str] = []
        self._detail_key: tuple | None = None
        self._timer = None
        self._received = 0.0
        """When (on `clock`) the latest snapshot arrived: a dilated sandbox clock runs on from it."""
        self.slow_motion: SlowMotion | None = None
        """When on, the table holds each new status of a task a moment (the app's `w`)."""
        self._slow_timer = None

    def compose(self) -> ComposeResult:
        yield ServiceHeader(plain=self.plain, id="service-header")
        yield Static(id="last-action")
        yield DeploymentStrip(plain=self.plain, id="deployments")
        yield TaskTable(plain=self.plain, id="task-table")
        yield Static(id="task-detail")
        with Horizontal(id="ops-row"):
            yield ZonesPanel(plain=self.plain, id="zones")
            yield LoadBalancerPanel(plain=self.plain, id="load-balancer")
        yield ScalingLine(plain=self.plain, id="scaling")
        with Horizontal(id="live-lower"):
            with Vertical(id="chart-box"):
                yield Static("Desired and running, 2 min", classes="section-heading")
                yield CountChart(plain=self.plain, clock=self.clock, id="count-chart")
            with Vertical(id="why-box"):
                yield Static("Why: the scheduler's reasoning", classes="section-heading")
                yield WhyPanel(plain=self.plain, id="why-panel")
        yield Static("Service events, newest first", classes="section-heading")
        yield EventsLog(id="events-log")

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        # Not on_resize: Textual skips Resize events when a layout coincides with a scroll (as when
        # `z` zooms the panel while the events scroll); every new size passes through here.
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        narrow = 0 < size.width < NARROW
        if narrow != self.has_class("-narrow"):
            self.call_later(self.set_class, narrow, "-narrow")
        return changed

    def on_mount(self) -> None:
        self._timer = self.set_interval(TICK_SECONDS, self._tick)
        if getattr(self.app, "slow_motion", False):
            self.set_slow_motion(True)
        self.query_one("#last-action", Static).display = False
        self.query_one("#ops-row").display = False
        self._redraw()

    # -- fed by the screen ------------------------------------------------------------------
    def show_snapshot(self, snapshot: dict[str, Any]) -> None:
        """Take a new snapshot of the whole sandbox and redraw what changed."""
        self.snapshot = snapshot
        self.connected = True
        now = self._received = self.clock()
        if self.slow_motion is not None:
            self.slow_motion.observe(snapshot.get("tasks", []), now)
        for service in snapshot.get("services", []):
            if service.get("status") == "INACTIVE":
                continue
            history = self.histories.setdefault(service["serviceName"], CountHistory())
            history.record(now, service.get("desiredCount", 0), service.get("runningCount", 0))
        names = service_names(snapshot)
        if self.service not in names:
            chosen = next((n for n in self.preferred if n in names), names[0] if names else None)
            self._switch(chosen)
        self._redraw()

    def show_stats(self, stats: dict[str, dict[str, Any]]) -> None:
        self.stats = stats
        self._render_clocked()

    def select_service(self, name: str) -> None:
        self._switch(name)
        self._redraw()

    def cycle_service(self, delta: int) -> None:
        names = service_names(self.snapshot)
        if not names:
            return
        index = names.index(self.service) if self.service in names else -1
        self.select_service(names[(index + delta) % len(names)])

    def set_slow_motion(self, on: bool) -> None:
        """Slow motion on or off: each new status of a task stays in the table a moment, so the
        starting statuses can be watched. What is there already is not replayed."""
        if on == (self.slow_motion is not None):
            return
        self.slow_motion = SlowMotion() if on else None
        if self.slow_motion is not None and self.snapshot is not None:
            self.slow_motion.observe(self.snapshot.get("tasks", []), self.clock())
        if self.snapshot is not None:
            self._render_table()

    def note_action(self, operation: commands.Operation) -> None:
        """Say what was just done, and how the real `aws` CLI would do it."""
        line = self.query_one("#last-action", Static)
        line.display = True
        twin = operation.aws or operation.twin
        arrow = "->" if self.plain else "→"
        line.update(Content.from_markup("[b]$what[/b] $arrow [$text-accent]$twin[/]",
                                        what=operation.summary, arrow=arrow, twin=twin))

    def pause(self) -> None:
        """Off screen: stop the clock and stop asking for stats."""
        if self._timer is not None:
            self._timer.pause()
        self.query_one(CountChart).pause()
        self._want_stats([])

    def resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()
        self.query_one(CountChart).resume()
        self._redraw()

    # -- what others ask ----------------------------------------------------------------------
    @property
    def view(self) -> ServiceView | None:
        return service_view(self.snapshot, self.service)

    @property
    def selected_task(self) -> TaskRow | None:
        return self.query_one(TaskTable).selected_task

    def names(self) -> commands.Names:
        """Services, tasks, task definitions, zones and instances, for the command bar's completion."""
        snapshot = self.snapshot or {}
        tasks = [t["taskId"][:12] for t in snapshot.get("tasks", []) if t.get("lastStatus") != "STOPPED"]
        selected = self.selected_task
        if selected and selected.short_id in tasks:
            tasks.remove(selected.short_id)
            tasks.insert(0, selected.short_id)
        instances = cluster_instances(snapshot)
        return commands.Names(
            services=service_names(snapshot),
            tasks=tasks,
            task_definitions=list(snapshot.get("taskDefinitions", [])),
            zones=sorted({i["availabilityZone"] for i in instances if i.get("availabilityZone")}),
            instances=[i["containerInstanceId"] for i in instances if i.get("containerInstanceId")],
        )

    def now(self) -> float:
        """The sandbox's time: task times are stamped by its clock, which may run faster than ours."""
        speed = time_speed(self.snapshot)
        stamped = ((self.snapshot or {}).get("status") or {}).get("now")
        if speed == 1.0 or not isinstance(stamped, (int, float)):
            return self.clock()
        return stamped + (self.clock() - self._received) * speed

    # -- drawing ------------------------------------------------------------------------------
    def _switch(self, name: str | None) -> None:
        if name == self.service:
            return
        self.service = name
        self.query_one(CountChart).set_history(self.histories.setdefault(name, CountHistory()) if name
                                               else CountHistory())
        self.post_message(self.ServiceShown(name))

    def _redraw(self) -> None:
        view = self.view
        now = self.now()
        self.query_one(ServiceHeader).show(view, service_names(self.snapshot), self.connected, now)
        self._render_ops()
        self._render_table()
        self.query_one(WhyPanel).show(view.decisions if view else [])
        self.query_one(EventsLog).show(view.events if view else [])
        self.query_one(CountChart).refresh()

    def _render_ops(self) -> None:
        """The operations views; each hides itself when it has nothing to say."""
        snapshot, service = self.snapshot, self.service
        self.query_one(DeploymentStrip).show(deployments_view(snapshot, service))
        zones = zones_view(snapshot, service)
        balancer = load_balancer_view(snapshot, service)
        scaling = scaling_view(snapshot, service)
        self.query_one(ZonesPanel).show(zones)
        self.query_one(LoadBalancerPanel).show(balancer)
        self.query_one(ScalingLine).show(scaling)
        row = self.query_one("#ops-row")
        shown = zones is not None or balancer is not None
        if row.display != shown:
            row.display = shown
        self.set_class(shown or scaling is not None, "-ops")

    def _render_table(self) -> None:
        rows = task_rows(self.snapshot, self.service, self.stats, self.now()) if self.service or self.snapshot else []
        if self.slow_motion is not None:
            rows = self.slow_motion.apply(rows, self.clock())
            self._next_slow_frame()
        table = self.query_one(TaskTable)
        table.show_rows(rows)
        if self._timer is not None:
            self._timer.reset()  # stats redraw every few seconds; the tick is for quiet times
        self._show_detail()
        self._want_stats([r.task_id for r in rows if r.last_status == "RUNNING"])

    def _next_slow_frame(self) -> None:
        """Draw the table again when slow motion moves a held status on."""
        if self._slow_timer is not None:
            self._slow_timer.stop()
            self._slow_timer = None
        wait = self.slow_motion.next_change(self.clock()) if self.slow_motion is not None else None
        if wait is not None:
            self._slow_timer = self.set_timer(wait + 0.01, self._render_table)

    def _want_stats(self, task_ids: list[str]) -> None:
        if task_ids != self._stats_wanted:
            self._stats_wanted = task_ids
            self.post_message(self.StatsWanted(task_ids))

    def _tick(self) -> None:
        """Uptimes and the chaos countdown move on while nothing else redraws them."""
        self._render_clocked()

    def _render_clocked(self) -> None:
        """What changes with the clock alone: the table's uptimes and the header's chaos countdown.

        Every such redraw resets the tick, so stats arriving every few seconds never race it.
        """
        if self.snapshot is None:
            return
        self._render_table()
        self.query_one(ServiceHeader).show(self.view, service_names(self.snapshot), self.connected, self.now())

    def _show_detail(self) -> None:
        task = self.selected_task
        key = ((task.task_id, task.last_status, task.desired_status, task.health, task.note) if task else None,
               self.service is not None)
        if key == self._detail_key:
            return  # Static.update re-lays out the screen: only when what it says changed
        self._detail_key = key
        detail = self.query_one("#task-detail", Static)
        if task is None:
            detail.update(Content("No task selected." if self.service else ""))
            return
        keys = "" if task.stopped else "   k stop · K crash · l logs · e shell"
        if self.plain:
            keys = keys.replace(" · ", ", ")
        words = [f"task {task.short_id}", task.last_status, f"desired {task.desired_status}", f"health {task.health}"]
        if task.note:
            words.append(task.note)
        content = Content(", ".join(words)) + Content.from_markup("[$text-muted]$k[/]", k=keys)
        # Moving the cursor is the most frequent key: when the line keeps its height, repaint it
        # without laying the whole screen out again.
        width = detail.content_size.width
        same_height = width > 0 and min(len(content.wrap(width)), DETAIL_LINES) == detail.content_size.height
        detail.update(content, layout=not same_height)

    @on(DataTable.RowHighlighted, "#task-table")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail()
