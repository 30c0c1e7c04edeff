"""The status bar: where the sandbox runs, how to reach it, and whether it is healthy."""

from __future__ import annotations

from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ..ops_view import speed_words, time_speed

LINK_WORDS = {
    "connecting": "connecting…",
    "starting": "starting the sandbox…",
    "live": "live",
    "lost": "control plane gone",
    "stopping": "stopping…",
    "stopped": "stopped",
    "failed": "sandbox failed",
}


class StatusBar(Static):
    """One line: runtime, sandbox, cluster, API address, time dilation, engine health, the link's state.

    The process runtime shows as a warning: tasks are then local processes, not containers. A
    sandbox clock that runs faster than real time says so ("time ×10"). The API address is
    what `servicelab aws-env` points the real AWS CLI at; A shows those lines ready to copy.
    """

    runtime: reactive[str] = reactive("?")
    """docker or process, as the control plane reports it."""
    sandbox: reactive[str] = reactive("")
    cluster: reactive[str] = reactive("default")
    api: reactive[str] = reactive("")
    """The control plane's address, so a second terminal can drive the same sandbox."""
    engine_ok: reactive[bool] = reactive(True)
    engine_error: reactive[str] = reactive("")
    link: reactive[str] = reactive("connecting")
    detail: reactive[str] = reactive("")
    speed: reactive[float] = reactive(1.0)
    """How many times faster than real time the sandbox's clock runs (time dilation)."""

    def __init__(self, sandbox: str, cluster: str, *, plain: bool = False, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        self.set_reactive(StatusBar.sandbox, sandbox)
        self.set_reactive(StatusBar.cluster, cluster)

    def show_status(self, status: dict[str, Any]) -> None:
        """Take the facts from a snapshot's `status`."""
        engine = status.get("engine") or {}
        with self.app.batch_update():
            self.runtime = status.get("runtime") or "?"
            self.api = status.get("api") or self.api
            self.engine_ok = bool(engine.get("ok", True))
            self.engine_error = engine.get("error") or ""
            self.speed = time_speed({"status": status})

    def show_link(self, state: str, detail: str, api: str) -> None:
        self.link = state
        self.detail = detail
        if api:
            self.api = api

    @property
    def text(self) -> str:
        """The bar as plain words (what a screen reader, or a test, reads)."""
        return self.render_content().plain

    def render_content(self) -> Content:
        separator = " | " if self.plain else " · "
        parts: list[Content] = []
        if self.runtime == "process":
            parts.append(Content.from_markup(
                "[$text-warning]runtime process (WARNING: tasks are local processes, not containers)[/]"))
        else:
            parts.append(Content(f"runtime {self.runtime}"))
        parts.append(Content(f"sandbox {self.sandbox}"))
        parts.append(Content(f"cluster {self.cluster}"))
        parts.append(Content(f"API {self.api or '-'}")
                     + Content.from_markup(" ([b]A[/b] aws-env)" if self.api else ""))
        if self.speed != 1.0:
            parts.append(Content.from_markup("[$text-warning]$words[/]", words=speed_words(self.speed, self.plain)))
        if self.link in ("live",) and self.engine_ok:
            parts.append(Content.from_markup("[$text-success]engine ok[/]"))
        elif self.link == "live":
            error = f": {self.engine_error}" if self.engine_error else ""
            parts.append(Content.from_markup("[$text-error]engine DOWN$error[/]", error=error[:80]))
        words = LINK_WORDS.get(self.link, self.link)
        if self.link in ("lost", "failed"):
            parts.append(Content.from_markup("[$text-error]$words[/]", words=f"{words}: {self.detail}"[:120]))
        elif self.link != "live":
            parts.append(Content.from_markup("[$text-warning]$words[/]", words=words))
        return Content(separator).join(parts)

    def render(self) -> Content:
        return self.render_content()
