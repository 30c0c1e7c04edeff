"""The status bar: where the sandbox runs, how to reach it, and whether it is healthy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from tutor.live.ops_view import speed_words, time_speed

LINK_WORDS = {
    "connecting": "connecting…",
    "starting": "starting the sandbox…",
    "live": "live",
    "lost": "control plane gone",
    "stopping": "stopping…",
    "stopped": "stopped",
    "failed": "sandbox failed",
}


@dataclass(frozen=True)
class Part:
    """One fact of the bar. When the bar is too narrow, the lowest `rank` gives way first:
    it takes its `short` form, then goes; a part that is `kept` (what the learner must do)
    only ever takes its short form."""

    rank: int
    full: Content
    short: Content | None = None
    kept: bool = False


def fit(parts: list[Part], width: int, separator: str) -> Content:
    """The parts, in their order, joined by `separator`, made to fit `width` cells by shortening or
    leaving out the least important ones first. With width 0 (not laid out yet) all show in full."""
    chosen: list[Content | None] = [part.full for part in parts]

    def length() -> int:
        shown = [c for c in chosen if c is not None]
        return sum(c.cell_length for c in shown) + len(separator) * max(0, len(shown) - 1)

    for index in sorted(range(len(parts)), key=lambda i: parts[i].rank):
        if width <= 0 or length() <= width:
            break
        part = parts[index]
        if part.short is not None:
            chosen[index] = part.short
        if length() > width and not part.kept:
            chosen[index] = None
    return Content(separator).join(c for c in chosen if c is not None)


def action_of(detail: str) -> str:
    """The clause of a link's detail that says what to do ("press ctrl+r to start it", "retrying")."""
    clauses = [c.strip() for c in detail.split(";")]
    return clauses[-1] if len(clauses) > 1 else ""


class StatusBar(Static):
    """One line: runtime, sandbox, cluster, API address, time dilation, engine health, the link's state.

    The process runtime shows as a warning: tasks are then local processes, not containers. A
    sandbox clock that runs faster than real time says so ("time ×10"). The API address is
    what `servicelab aws-env` points the real AWS CLI at; A shows those lines ready to copy.
    Too narrow for all of it, the bar shortens and leaves out the least important facts first
    (the cluster, "engine ok", the runtime, the API address), never what the learner must do.
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
    slow_motion: reactive[bool] = reactive(False)
    """The task table holds each new status a moment (the app's slow-motion toggle)."""

    def __init__(self, sandbox: str, cluster: str, *, plain: bool = False, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.plain = plain
        self.set_reactive(StatusBar.sandbox, sandbox)
        self.set_reactive(StatusBar.cluster, cluster)

    def on_mount(self) -> None:
        self.slow_motion = bool(getattr(self.app, "slow_motion", False))

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
    def separator(self) -> str:
        return " | " if self.plain else " · "

    @property
    def text(self) -> str:
        """The whole bar as plain words, however narrow the screen (what a test, or `--plain`, reads)."""
        return self.render_content().plain

    @property
    def shown_text(self) -> str:
        """The bar as it fits on screen now."""
        return self.render().plain

    def render_content(self) -> Content:
        return fit(self.parts(), 0, self.separator)

    def render(self) -> Content:
        return fit(self.parts(), self.content_size.width, self.separator)

    def parts(self) -> list[Part]:
        warn = "[$text-warning]$words[/]"
        parts = [self._runtime_part(),
                 Part(5, Content(f"sandbox {self.sandbox}")),
                 Part(1, Content(f"cluster {self.cluster}")),
                 Part(4, Content(f"API {self.api or '-'}") + Content.from_markup(" ([b]A[/b] aws-env)" if self.api else ""),
                      Content(f"API {self.api or '-'}"))]
        if self.speed != 1.0:
            parts.append(Part(7, Content.from_markup(warn, words=speed_words(self.speed, self.plain))))
        if self.slow_motion:
            parts.append(Part(8, Content.from_markup(warn, words="slow motion (w: off)"),
                              Content.from_markup(warn, words="slow motion")))
        if self.link == "live":
            parts.append(self._engine_part())
        elif self.link in ("lost", "failed"):
            parts.append(self._trouble_part())
        else:
            parts.append(Part(9, Content.from_markup(warn, words=LINK_WORDS.get(self.link, self.link)), kept=True))
        return parts

    def _runtime_part(self) -> Part:
        if self.runtime != "process":
            return Part(3, Content(f"runtime {self.runtime}"))
        return Part(6, Content.from_markup(
            "[$text-warning]runtime process (WARNING: tasks are local processes, not containers)[/]"),
            Content.from_markup("[$text-warning]runtime process (not containers)[/]"), kept=True)

    def _engine_part(self) -> Part:
        if self.engine_ok:
            return Part(2, Content.from_markup("[$text-success]engine ok[/]"))
        error = f": {self.engine_error}" if self.engine_error else ""
        return Part(9, Content.from_markup("[$text-error]engine DOWN$error[/]", error=error[:80]),
                    Content.from_markup("[$text-error]engine DOWN[/]"), kept=True)

    def _trouble_part(self) -> Part:
        """The link is lost or failed: what happened, and above all what to do about it."""
        words = LINK_WORDS.get(self.link, self.link)
        full = f"{words}: {self.detail}" if self.detail else words
        action = action_of(self.detail)
        short = f"{words}: {action}" if action else words
        error = "[$text-error]$words[/]"
        return Part(10, Content.from_markup(error, words=full[:160]), Content.from_markup(error, words=short),
                    kept=True)
