"""The task table: each task's status as a badge with its word, health, revision, stats and uptime."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from tutor.ui.colors import Palette
from tutor.live.view_model import TaskRow


@dataclass(frozen=True)
class Column:
    """One column: its place in `TaskRow.cells`, its width, and how much it matters.

    Too narrow for every column, the table leaves out the lowest `rank` first rather than
    cutting off the last one. The note column (`width` None) takes the room left over, at
    least `NOTE_MIN` cells; below that it goes too.
    """

    key: str
    label: str
    width: int | None
    rank: int


COLUMNS = (
    Column("task", "TASK", 8, 10),
    Column("status", "LAST STATUS", 14, 10),
    Column("health", "HEALTH", 9, 8),
    Column("revision", "TASK DEF", 8, 7),
    Column("cpu", "CPU %", 6, 3),
    Column("memory", "MEMORY", 10, 2),
    Column("uptime", "UPTIME", 7, 5),
    Column("container", "CONTAINER", 12, 1),
    Column("note", "STOPPED REASON / NOTE", None, 6),
)
"""Fixed widths where the values are bounded, so an update never has to re-measure a whole column
(with 100 tasks, that measuring was most of the idle CPU). TASK DEF widens to its longest value."""
NOTE_MIN = 12
NOTE_SHORT_LABEL = "NOTE"
PADDING = 2
"""Cells each column adds around its text (DataTable's cell_padding on both sides)."""


def fit_columns(width: int, revision_width: int = 8) -> list[tuple[Column, int]]:
    """The columns that fit `width` cells, in table order, each with its width.

    The most important columns are placed first while they fit; the note column then takes
    what is left. With width 0 (not laid out yet) every column shows, the note at its minimum.
    """
    widths = {c.key: (max(c.width, revision_width) if c.key == "revision" else c.width or NOTE_MIN)
              for c in COLUMNS}
    if width <= 0:
        return [(c, widths[c.key]) for c in COLUMNS]
    room = width
    chosen: set[str] = set()
    for column in sorted(COLUMNS, key=lambda c: -c.rank):
        cost = widths[column.key] + PADDING
        if cost <= room:
            chosen.add(column.key)
            room -= cost
    if "note" in chosen:
        widths["note"] += room
    return [(c, widths[c.key]) for c in COLUMNS if c.key in chosen]


class TaskTable(DataTable):
    """Tasks of the shown service, live ones first; stopped ones greyed with their stoppedReason.

    Rows are keyed by task id, so the cursor stays on its task while the table changes, and
    an update only touches the cells that changed. The columns fit the table's width.
    """

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self.plain = plain
        self._rows: dict[str, TaskRow] = {}
        self._order: list[str] = []
        self._palette: Palette | None = None
        self._layout: list[tuple[Column, int]] = []
        self._revision_width = 8
        self._kept_selection: str | None = None
        self._fitted_width = 0
        """The selected task while the columns are laid out again."""

    def on_mount(self) -> None:
        self._fit_columns(self.size.width)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._repaint())

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        # Not on_resize: Textual skips Resize events when a layout coincides with a scroll (the
        # panel zoomed with `z` while the events scroll), but every new size passes through here.
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if size.width != self._fitted_width:
            self._fitted_width = size.width
            self.call_later(self._refit)
        return changed

    def _refit(self) -> None:
        rows = self._ordered_rows()
        if self._fit_columns(self.size.width):
            self.show_rows(rows)

    @property
    def palette(self) -> Palette:
        if self._palette is None:
            self._palette = Palette(self.app.get_css_variables(), plain=self.plain)
        return self._palette

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns on screen, in order."""
        return [column.key for column, _ in self._layout]

    @property
    def selected_task(self) -> TaskRow | None:
        """The task under the cursor, if any."""
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        return self._rows.get(self._order[self.cursor_row])

    def shown_cells(self, task_id: str) -> dict[str, str]:
        """The task's row as on screen: column key to text, for the columns shown."""
        return {key: cell.plain if isinstance(cell, Text) else str(cell)
                for key, cell in zip(self.shown_columns, self.get_row(task_id))}

    def _fit_columns(self, width: int) -> bool:
        """Choose the columns for `width` cells; True when they changed (the rows must be drawn again)."""
        room = width - self.styles.scrollbar_size_vertical if width > 0 else 0
        layout = fit_columns(room, self._revision_width)
        if layout == self._layout:
            return False
        self._layout = layout
        if self.selected_task is not None:
            self._kept_selection = self.selected_task.task_id
        self.clear(columns=True)
        for column, cells in layout:
            label = column.label if len(column.label) <= cells else NOTE_SHORT_LABEL
            self.add_column(label, key=column.key, width=cells)
        self._order = []
        return True

    def _cell(self, key: str, row: TaskRow) -> Text:
        dim = row.stopped
        muted = Style(color=self.palette.muted, dim=True) if dim else Style()
        if key == "status":
            return self.palette.badge(row.last_status, dim=dim)
        if key == "health":
            return self.palette.health(row.health, dim=dim)
        value = row.cells[[c.key for c in COLUMNS].index(key)]
        if key == "task":
            value = row.task_id[:8]
        justify = "right" if key in ("cpu", "memory", "uptime") else "left"
        return Text(value, style=muted, justify=justify, overflow="ellipsis", no_wrap=True)

    def _cells(self, row: TaskRow) -> list[Text]:
        return [self._cell(column.key, row) for column, _ in self._layout]

    def show_rows(self, rows: list[TaskRow]) -> None:
        """Make the table show `rows`, in order, keeping the cursor on the same task."""
        widest = max((len(r.task_definition) for r in rows), default=0)
        if widest > self._revision_width:
            self._revision_width = widest
            self._fit_columns(self.size.width)  # the rows are added again below
        order = [r.task_id for r in rows]
        fresh = {r.task_id: r for r in rows}
        if order == self._order:
            self._update_rows(fresh)
            return
        selected = self.selected_task.task_id if self.selected_task else self._kept_selection
        self._kept_selection = None
        scroll = self.scroll_y
        self.clear(columns=False)
        self._rows = fresh
        self._order = order
        for row in rows:
            self.add_row(*self._cells(row), key=row.task_id)
        if selected in fresh:
            self.move_cursor(row=order.index(selected), animate=False, scroll=False)
        self.scroll_to(y=scroll, animate=False)

    def _update_rows(self, fresh: dict[str, TaskRow]) -> None:
        """Same tasks in the same order: touch only the cells that changed."""
        index_of = {c.key: n for n, c in enumerate(COLUMNS)}
        for task_id, row in fresh.items():
            old = self._rows.get(task_id)
            if old is not None and old.cells == row.cells and old.stopped == row.stopped:
                continue
            self._rows[task_id] = row
            restyle = old is None or old.stopped != row.stopped
            for column, _ in self._layout:
                index = index_of[column.key]
                if not restyle and old.cells[index] == row.cells[index]:
                    continue
                try:
                    self.update_cell(task_id, column.key, self._cell(column.key, row))
                except (CellDoesNotExist, RowDoesNotExist):
                    pass

    def _ordered_rows(self) -> list[TaskRow]:
        return [self._rows[k] for k in self._order]

    def _repaint(self) -> None:
        self._palette = None
        rows = self._ordered_rows()
        self._order = []
        self.show_rows(rows)
