"""The live panel's header: one service's counts, deployment state and steadiness, in words."""

from __future__ import annotations

import time

from textual.content import Content
from textual.widgets import Static

from tutor.live.view_model import ServiceView, chaos_words, header_words, setting_words


class ServiceHeader(Static):
    """Desired, running and pending counts, the deployment state and steady or changing.

    Every state is a word; colour only repeats it.
    """

    def __init__(self, *, plain: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        self._key: tuple | None = None

    def show(self, view: ServiceView | None, services: list[str], connected: bool = True,
             now: float | None = None) -> None:
        """Draw `view`; `services` are all the services, to say which one of how many this is."""
        now = time.time() if now is None else now
        chaos = chaos_words(view.chaos, now) if view else ""
        key = (view.name, view.status, view.task_definition, tuple(header_words(view)), chaos,
               tuple(setting_words(view)), tuple(services)) if view else (None, tuple(services), connected)
        if key == self._key:
            return
        self._key = key
        self.update(self._content(view, services, connected, chaos))

    def _content(self, view: ServiceView | None, services: list[str], connected: bool, chaos: str) -> Content:
        separator = " | " if self.plain else " · "
        if view is None:
            if not connected:
                return Content("Waiting for the sandbox…")
            if services:
                return Content(f"Pick a service with [ and ]: {', '.join(services)}")
            return Content.from_markup(
                "No services yet. Press [b]a[/b] to create one, or type [b]:service create web --count 2[/b]")
        position = ""
        if len(services) > 1 and view.name in services:
            position = f"  ({services.index(view.name) + 1} of {len(services)}; [ and ] switch)"
        title = Content.from_markup("[b]Service $name[/b]", name=view.name) + Content(
            f"{separator}{view.status}{separator}task definition {view.task_definition}{position}")
        counts = [
            Content(f"desired {view.desired}"),
            Content(f"running {view.running}"),
            Content(f"pending {view.pending}"),
            Content(f"deployment {view.deployment}"),
            Content.from_markup("[$text-success]steady[/]") if view.steady
            else Content.from_markup("[$text-warning]changing[/]"),
        ]
        if view.status != "ACTIVE":
            counts.insert(0, Content.from_markup("[$text-warning]$status[/]", status=view.status))
        chaos_line = (Content.from_markup("[$text-error]$chaos[/]", chaos=chaos) if view.chaos
                      else Content(chaos))
        settings = Content(separator).join([chaos_line, *map(Content, setting_words(view))])
        return Content("\n").join([title, Content(separator).join(counts), settings])
