"""A list of choices that lives inside a scrolling page: a question's options, an ordering's items.

An OptionList keeps its highlight in sight inside its own box. Inside a lesson step the list
is as tall as its options and the step's page does the scrolling, so a list that is half out
of sight would let the arrow keys pick options the learner cannot see. `ChoiceList` also
scrolls the page (every scrolling ancestor) to the highlighted option, while it has the
keyboard; a list merely filled in moves nothing, so a step still opens at its top.
"""

from __future__ import annotations

from textual.geometry import Offset, Region
from textual.widget import Widget
from textual.widgets import OptionList


def bring_into_view(widget: Widget, local: Region) -> None:
    """Scroll every scrolling ancestor so `local` (a region of the widget's own box) is in sight.

    Textual's `scroll_to_widget` does this for a whole widget; here it is for a part of one,
    with the same walk up the tree (each container scrolls, then the region moves into its parent's
    coordinates)."""
    region = local.translate(widget.virtual_region.offset)
    node = widget
    while isinstance(node.parent, Widget) and region:
        container = node.parent
        delta = Offset(0, 0)
        if node.styles.dock == "none":
            delta = container.scroll_to_region(region, spacing=node.dock_gutter, animate=False, immediate=True)
        region = (region.translate(-delta)
                  .translate(container.styles.margin.top_left)
                  .translate(container.styles.border.spacing.top_left)
                  .translate(container.virtual_region_with_margin.offset)
                  .grow(container.styles.margin)
                  .intersection(container.virtual_region_with_margin))
        node = container


class ChoiceList(OptionList):
    """An OptionList whose highlighted option the page around it keeps in sight."""

    def scroll_to_highlight(self, top: bool = False) -> None:
        super().scroll_to_highlight(top)
        if self.has_focus and self.highlighted is not None:
            # After the refresh: the list may have just grown (an ordering redrawn) or moved.
            self.call_after_refresh(self._page_to_highlight)

    def on_focus(self) -> None:
        if self.highlighted is not None:
            self.call_after_refresh(self._page_to_highlight)

    def _page_to_highlight(self) -> None:
        highlighted = self.highlighted
        if highlighted is None or not self.is_mounted or not self.has_focus:
            return
        self._update_lines()
        try:
            line = self._index_to_line[highlighted]
        except KeyError:
            return
        top = self.styles.gutter.top + line - self.scroll_offset.y
        bring_into_view(self, Region(0, top, self.size.width, self._heights[highlighted]))
