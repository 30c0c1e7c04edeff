"""The task table: each task's status as a badge with its word, health, revision, stats and uptime."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from ..colors import Palette
from ..view_model import TaskRow

COLUMNS = (
    ("task", "TASK", 8),
    ("status", "LAST STATUS", 14),
    ("health", "HEALTH", 9),
    ("revision", "TASK DEF", None),
    ("cpu", "CPU %", 6),
    ("memory", "MEMORY", 10),
    ("uptime", "UPTIME", 7),
    ("container", "CONTAINER", 12),
    ("note", "STOPPED REASON / NOTE", None),
)
"""(key, label, width): fixed widths where the values are bounded, so an update never has to
re-measure a whole column (with 100 tasks, that measuring was most of the idle CPU)."""
MEASURED = {"revision", "note"}


class TaskTable(DataTable):
    """Tasks of the shown service, live ones first; stopped ones greyed with their stoppedReason.

    Rows are keyed by task id, so the cursor stays on its task while the table changes, and
    an update only touches the cells that changed.
    """

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes, cursor_type="row", zebra_stripes=False)
        self.plain = plain
        self._rows: dict[str, TaskRow] = {}
        self._order: list[str] = []
        self._palette: Palette | None = None

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._repaint())

    @property
    def palette(self) -> Palette:
        if self._palette is None:
            self._palette = Palette(self.app.get_css_variables(), plain=self.plain)
        return self._palette

    @property
    def selected_task(self) -> TaskRow | None:
        """The task under the cursor, if any."""
        if not self._order or self.cursor_row < 0 or self.cursor_row >= len(self._order):
            return None
        return self._rows.get(self._order[self.cursor_row])

    def _cells(self, row: TaskRow) -> list[Text]:
        dim = row.stopped
        muted = Style(color=self.palette.muted, dim=True) if dim else Style()
        return [
            Text(row.task_id[:8], style=muted),
            self.palette.badge(row.last_status, dim=dim),
            self.palette.health(row.health, dim=dim),
            Text(row.task_definition, style=muted),
            Text(row.cpu, style=muted, justify="right"),
            Text(row.memory, style=muted, justify="right"),
            Text(row.uptime, style=muted, justify="right"),
            Text(row.container, style=muted),
            Text(row.note, style=muted),
        ]

    def show_rows(self, rows: list[TaskRow]) -> None:
        """Make the table show `rows`, in order, keeping the cursor on the same task."""
        order = [r.task_id for r in rows]
        fresh = {r.task_id: r for r in rows}
        if order == self._order:
            for task_id, row in fresh.items():
                old = self._rows.get(task_id)
                if old is not None and old.cells == row.cells:
                    continue
                self._rows[task_id] = row
                restyle = old is None or old.stopped != row.stopped
                for index, ((column, _, _), cell) in enumerate(zip(COLUMNS, self._cells(row))):
                    if not restyle and old.cells[index] == row.cells[index]:
                        continue
                    try:
                        self.update_cell(task_id, column, cell, update_width=column in MEASURED)
                    except (CellDoesNotExist, RowDoesNotExist):
                        pass
            return
        selected = self.selected_task.task_id if self.selected_task else None
        scroll = self.scroll_y
        self.clear(columns=False)
        self._rows = fresh
        self._order = order
        for row in rows:
            self.add_row(*self._cells(row), key=row.task_id)
        if selected in fresh:
            self.move_cursor(row=order.index(selected), animate=False, scroll=False)
        self.scroll_to(y=scroll, animate=False)

    def _repaint(self) -> None:
        self._palette = None
        rows = [self._rows[k] for k in self._order]
        self._order = []
        self.show_rows(rows)
