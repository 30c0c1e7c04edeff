"""The live panel's operations views: deployments, zones and instances, load balancer, auto scaling.

Each is one Static that draws a view from `tutor.live.ops_view` and hides itself when there is
none, so a view appears only when it is relevant. A redraw happens only when the view itself
changed (views are frozen dataclasses, compared whole), so a burst of snapshots that leave a
view alone costs nothing. Every state is a word; colour and the small bars only repeat it,
and `--plain` drops the bars.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

from tutor.live.ops_view import DeploymentsView, LoadBalancerView, ScalingView, ZonesView, number

BAR_MAX = 16
"""Longest task bar; beyond it the bar ends in an ellipsis (the count is always written)."""
TARGET_LINES = 3
"""Lines of load balancer targets before "+N more"."""
INSTANCE_LINES = 8
"""Lines of instances before "+N more"."""

ROLLOUT_STYLE = {"IN_PROGRESS": "$text-warning", "COMPLETED": "$text-success", "FAILED": "$text-error bold"}
STATE_STYLE = {"ACTIVE": "$text-muted", "DRAINING": "$text-warning bold", "ZONE FAILED": "$text-error bold"}
HEALTH_STYLE = {"healthy": "$text-success", "initial": "$text-warning", "unhealthy": "$text-error bold",
                "draining": "$text-accent"}


def bar(filled: int, hollow: int = 0) -> str:
    """`■■□` for 2 of 3; capped at BAR_MAX glyphs."""
    glyphs = "■" * max(0, filled) + "□" * max(0, hollow)
    return glyphs if len(glyphs) <= BAR_MAX else glyphs[: BAR_MAX - 1] + "…"


def columns(rows: list[list[tuple[str, str]]], indent: str = "  ", gap: str = "  ") -> list[Content]:
    """Rows of (text, style) cells, each column padded to its widest cell; empty trailing cells dropped."""
    widths: list[int] = []
    for row in rows:
        for i, (text, _) in enumerate(row):
            if i == len(widths):
                widths.append(0)
            widths[i] = max(widths[i], len(text))
    out = []
    for row in rows:
        last = max((i for i, (text, _) in enumerate(row) if text), default=-1)
        parts: list[Content] = [Content(indent)]
        for i, (text, style) in enumerate(row[: last + 1]):
            cell = text if i == last else text.ljust(widths[i])
            parts.append(Content.styled(cell, style) if style and text else Content(cell))
            if i != last:
                parts.append(Content(gap))
        out.append(Content("").join(parts))
    return out


def heading(title: str, rest: str) -> Content:
    return Content.styled(title, "bold") + Content(f"  {rest}" if rest else "")


class OpsView(Static):
    """A view that hides itself when there is nothing to show, and redraws only on change."""

    DEFAULT_CLASSES = "ops-view"

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        self.view: Any = None
        self._shown: Any = ()
        self._content = Content("")
        self.display = False  # until there is something to show

    def show(self, view: Any) -> None:
        if view == self._shown:
            return
        self._shown = view
        self.view = view
        visible = view is not None
        if self.display != visible:
            self.display = visible
        if visible:
            self._draw()

    def _draw(self) -> None:
        self._content = self.build(self.view)
        self.update(self._content)

    def build(self, view: Any) -> Content:
        raise NotImplementedError

    def arrow(self, text: str) -> str:
        return text.replace("→", "->") if self.plain else text

    @property
    def text(self) -> str:
        """What the view says, as plain words (what a screen reader, or a test, reads)."""
        return self._content.plain if self.view is not None else ""


class DeploymentStrip(OpsView):
    """Each deployment on its own line: PRIMARY (new) above ACTIVE (old), with counts and rollout state."""

    def build(self, view: DeploymentsView) -> Content:
        rows: list[list[tuple[str, str]]] = []
        reasons: dict[int, str] = {}
        for row in view.rows:
            cells = [(row.status, "bold" if row.status == "PRIMARY" else "$text-muted"), (row.task_definition, "")]
            if not self.plain:
                cells.append((bar(row.running, max(0, row.desired - row.running)), "$text-success"))
            cells.append((f"running {row.running}/{row.desired}", ""))
            cells.append((f"pending {row.pending}" if row.pending else "", "$text-warning"))
            cells.append((row.rollout, ROLLOUT_STYLE.get(row.rollout, "")))
            if any(r.traffic is not None for r in view.rows):
                cells.append((f"traffic {number(row.traffic or 0)}%", "$text-accent" if row.traffic else "$text-muted"))
            if row.threshold is not None:
                cells.append((f"failed {row.failed}/{row.threshold}", "$text-error" if row.failed else "$text-muted"))
            elif row.failed:
                cells.append((f"failed {row.failed}", "$text-error"))
            if row.reason:
                reasons[len(rows)] = row.reason
            rows.append(cells)
        lines = [heading("Deployments", view.settings)]
        for index, line in enumerate(columns(rows)):
            lines.append(line)
            if index in reasons:
                lines.append(Content.styled(f"    {reasons[index]}", "$text-muted"))
        return Content("\n").join(lines)


class FittedView(OpsView):
    """A view whose lines depend on the width it has: they are built for the width Textual measures
    (get_content_height) and paints (render), so a resize never shows a stale layout."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._built: tuple[Any, int, Content] | None = None

    def _for_width(self, width: int) -> Content:
        """The view built for `width` columns, kept until the view or the width changes."""
        if self._built is None or self._built[0] is not self.view or self._built[1] != width:
            self._built = (self.view, width, self.build(self.view, width))
        return self._built[2]

    def _draw(self) -> None:
        self._content = self._for_width(self.content_size.width)
        self.refresh(layout=True)

    def render(self) -> Content:
        if self.view is None:
            return Content("")
        self._content = self._for_width(self.content_size.width)
        return self._content

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.view is None:
            return 0
        return self._for_width(width).plain.count("\n") + 1

    def build(self, view: Any, width: int = 0) -> Content:
        raise NotImplementedError


ZONE_FITS = ((True, "  ", True), (False, "  ", True), (False, " ", True), (False, " ", False))
"""How an instance line gives way on a narrow panel, in turn: (task bars, the gap between columns,
free capacity). The bars only repeat the count; `instance ls` shows the free capacity too."""


class ZonesPanel(FittedView):
    """Zones × instances: where the shown service's tasks run, failed zones and draining instances marked."""

    def build(self, view: ZonesView, width: int = 0) -> Content:
        fits = [fit for fit in ZONE_FITS if not (self.plain and fit[0])]
        for bars, gap, free in fits:
            lines = columns(self._rows(view, bars, free), gap=gap)
            if not width or max((len(line.plain) for line in lines), default=0) <= width:
                break
        head = heading("Zones and instances", view.summary)
        if view.failed:
            failed = Content.styled(f"FAILED: {', '.join(view.failed)}", "$text-error bold")
            # On its own line when the heading would be cut: a failed zone is the news here.
            wide = not width or len(head.plain) + 2 + len(failed.plain) <= width
            head += Content("; ") + failed if wide else Content("\n  ") + failed
        if len(lines) > INSTANCE_LINES:
            more = len(lines) - INSTANCE_LINES + 1
            lines = lines[: INSTANCE_LINES - 1] + [
                Content.styled(f"  +{more} more instances (instance ls lists them all)", "$text-muted")]
        return Content("\n").join([head, *lines])

    def _rows(self, view: ZonesView, bars: bool, free: bool) -> list[list[tuple[str, str]]]:
        rows: list[list[tuple[str, str]]] = []
        for row in view.rows:
            tasks = view.tasks_words(row)
            if bars and (row.running or row.pending):
                tasks = f"{tasks} {bar(row.running, row.pending)}"
            if row.others:
                tasks = f"{tasks} {view.other_words(row)}"
            rows.append([
                (row.zone if row.first_in_zone else "", "$text-error bold" if row.state == "ZONE FAILED" else ""),
                (row.instance, ""),
                (row.state, STATE_STYLE.get(row.state, "")),
                (tasks, "" if row.running or row.pending else "$text-muted"),
                (view.free_words(row) if free else "", "$text-muted"),
            ])
        return rows


class LoadBalancerPanel(FittedView):
    """The load balancer's URL, its health check, and each target with its health (ELB's words)."""

    def build(self, view: LoadBalancerView, width: int = 0) -> Content:
        lines = [Content.styled("Load balancer", "bold") + Content("  ")
                 + Content.styled(view.url or "(starting)", "$text-accent"),
                 Content(f"  {view.summary}")
                 + (Content.styled(f"; {view.settings}", "$text-muted") if view.settings else Content(""))]
        if not view.targets:
            lines.append(Content.styled("  a task is registered once it is RUNNING and its container is healthy",
                                        "$text-muted"))
            return Content("\n").join(lines)
        chips = [(t.label, t.health) for t in view.targets]
        chip_width = max(len(label) + 1 + len(health) for label, health in chips)
        width = width or 78
        per_line = max(1, (width - 2 + 3) // (chip_width + 3))
        shown = chips[: per_line * TARGET_LINES]
        if len(chips) > len(shown):  # leave room for the "+N more" note
            shown = chips[: per_line * TARGET_LINES - 1]
        for start in range(0, len(shown), per_line):
            parts: list[Content] = [Content("  ")]
            for i, (label, health) in enumerate(shown[start:start + per_line]):
                if i:
                    parts.append(Content("   "))
                pad = " " * (chip_width - len(label) - 1 - len(health))
                parts.append(Content(f"{label} ") + Content.styled(health, HEALTH_STYLE.get(health, "")) + Content(pad))
            lines.append(Content("").join(parts).rstrip())
        if len(chips) > len(shown):
            lines.append(Content.styled(f"  +{len(chips) - len(shown)} more (lb ls lists them all)", "$text-muted"))
        return Content("\n").join(lines)


class ScalingLine(OpsView):
    """Target tracking: the metric against its target, the capacity bounds and the latest activity."""

    def build(self, view: ScalingView) -> Content:
        first = heading("Auto scaling", view.summary)
        comparison = view.comparison
        if comparison in ("above target", "below target"):
            start = first.plain.index(comparison)
            first = first.stylize("$text-warning" if comparison == "above target" else "$text-accent",
                                  start, start + len(comparison))
        second = Content(f"  {self.arrow(view.last_words)}")
        if view.status:
            second += Content.styled(f"; now: {self.arrow(view.status)}", "$text-muted")
        return Content("\n").join([first, second])
