"""A chart of desired against running over the last minutes: a line for the order, bars for the fact."""

from __future__ import annotations

import math
import time
from typing import Callable

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from tutor.ui.colors import Palette
from tutor.live.view_model import CountHistory

BLOCKS = " ▁▂▃▄▅▆▇█"
SECONDS_PER_COLUMN = 2.0


class CountChart(Widget):
    """Running tasks as bars, the desired count as a line above (or through) them.

    Where the bars fall short of the line, the service is catching up: the gap is what the
    scheduler is about to start. Running is the fewest seen in each column, so a task that
    was stopped and replaced within two seconds still leaves a visible dip.
    """

    def __init__(self, history: CountHistory | None = None, *, plain: bool = False,
                 clock: Callable[[], float] = time.time, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.history = history or CountHistory()
        self.plain = plain
        self.clock = clock
        self.seconds_per_column = SECONDS_PER_COLUMN
        self._timer = None

    def on_mount(self) -> None:
        # The chart scrolls with time: one column per period, not a busy redraw.
        self._timer = self.set_interval(self.seconds_per_column, self.refresh, pause=False)

    def pause(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def resume(self) -> None:
        if self._timer is not None:
            self._timer.resume()
        self.refresh()

    def set_history(self, history: CountHistory) -> None:
        self.history = history
        self.refresh()

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        if width < 12 or height < 4:
            return Text("chart: too small")
        palette = Palette(self.app.get_css_variables(), plain=self.plain)
        now = self.clock()
        # The scale fits the highest count seen in the window, so small services use the height.
        values = self.history.columns(width, now, self.seconds_per_column)
        top = max([1] + [max(d, r) for d, r in (v for v in values if v is not None)])
        label_width = len(str(top)) + 1
        plot_width = width - label_width
        values = self.history.columns(plot_width, now, self.seconds_per_column)
        rows = height - 2
        scale = rows / top
        full = "#" if self.plain else BLOCKS[-1]
        line_char = "-" if self.plain else "─"
        out = Text(no_wrap=True, overflow="crop")
        desired_style = Style(color=palette.primary, bold=True)
        for r in range(rows):
            level_from = rows - r - 1  # this row covers heights (level_from, level_from + 1]
            label = str(top) if r == 0 else ("0" if r == rows - 1 else "")
            out.append(label.rjust(label_width - 1) + ("|" if self.plain else "▕"), style=Style(color=palette.muted))
            for value in values:
                if value is None:
                    out.append(" ")
                    continue
                desired, running = value
                bar = running * scale - level_from
                # The row holding the top of the desired count (row 0 is the top of the chart).
                desired_row = rows - min(rows, max(1, math.ceil(desired * scale - 1e-9)))
                bar_style = Style(color=palette.success if running >= desired else palette.warning)
                if desired > 0 and r == desired_row and bar < 1:
                    out.append(line_char, style=desired_style)
                elif bar >= 1:
                    out.append(full, style=bar_style)
                elif bar > 0 and not self.plain:
                    out.append(BLOCKS[max(1, int(bar * 8))], style=bar_style)
                else:
                    out.append(" ")
            out.append("\n")
        span = plot_width * self.seconds_per_column
        axis = f"-{int(span // 60)}m{int(span % 60):02d}s" if span >= 60 else f"-{int(span)}s"
        out.append(" " * label_width + axis + "now".rjust(max(0, plot_width - len(axis))) + "\n",
                   style=Style(color=palette.muted))
        history = self.history
        desired_now, running_now = (history.desired[-1], history.running[-1]) if history.times else (0, 0)
        out.append(" " * label_width)
        out.append(f"{line_char * 2} desired {desired_now}", style=desired_style)
        out.append("   ")
        out.append(f"{full * 2} running {running_now}", style=Style(color=palette.success))
        return out

    @property
    def text(self) -> str:
        return self.render().plain
