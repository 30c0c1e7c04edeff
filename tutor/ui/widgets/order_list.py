"""An ordering question's items: up and down pick an item, shift+up and shift+down move it.

The items start shuffled, the same way every time for the same question (seeded by its id),
so a learner who comes back sees what they saw before and snapshots stay put; the shuffle is
never the right order already, or there would be nothing to do.
"""

from __future__ import annotations

import random

from textual.binding import Binding
from textual.widgets.option_list import Option

from tutor.ui.widgets.choice_list import ChoiceList


def shuffled(count: int, seed: str) -> list[int]:
    order = list(range(count))
    random.Random(seed).shuffle(order)
    if order == sorted(order) and count > 1:
        order = order[1:] + order[:1]
    return order


class OrderList(ChoiceList):
    """Items in the learner's current order; `order` holds their indexes in the author's list."""

    BINDINGS = [
        Binding("shift+up,ctrl+up", "move(-1)", "Move up", key_display="shift+↑",
                tooltip="Ordering question: move the highlighted item up"),
        Binding("shift+down,ctrl+down", "move(1)", "Move down", key_display="shift+↓",
                tooltip="Ordering question: move the highlighted item down"),
    ]

    def __init__(self, texts: list[str], order: list[int], *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.texts = texts
        self.order = list(order)

    def on_mount(self) -> None:
        self._redraw(0)

    def _redraw(self, highlighted: int) -> None:
        self.clear_options()
        self.add_options([Option(f"{n}. {self.texts[index]}") for n, index in enumerate(self.order, 1)])
        self.highlighted = highlighted

    def action_move(self, delta: int) -> None:
        here = self.highlighted
        if here is None or self.disabled:
            return
        there = here + delta
        if not 0 <= there < len(self.order):
            return
        self.order[here], self.order[there] = self.order[there], self.order[here]
        self._redraw(there)
