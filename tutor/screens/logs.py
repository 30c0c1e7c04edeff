"""A task's logs, following: what its container writes, as it writes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Log, Static
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from ..app import ServicelabApp


class LogsScreen(Screen):
    """Follows one task's logs until the task ends or the screen closes."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", tooltip="Back to the sandbox"),
        Binding("f", "toggle_follow", "Follow on/off", tooltip="Stop or resume scrolling to the newest line"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the sandbox. |
    | f | Stop or resume scrolling to the newest line. |
    """

    def __init__(self, task_id: str) -> None:
        super().__init__(name="logs")
        self.task_id = task_id
        self._abort: Any = None

    def compose(self) -> ComposeResult:
        yield Static(f"Logs of task {self.task_id} (following; Escape goes back)\n"
                     f"  servicelab task logs {self.task_id[:12]} --follow", id="logs-title")
        yield Log(id="logs", max_lines=5000, auto_scroll=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Log).focus()
        self.follow()

    def on_unmount(self) -> None:
        if self._abort is not None:
            self._abort.abort()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def follow(self) -> None:
        tutor = cast("ServicelabApp", self.app)
        log = self.query_one(Log)
        worker = get_current_worker()
        try:
            stream, self._abort = tutor.link.logs(self.task_id)
            for chunk in stream:
                if worker.is_cancelled:
                    return
                # call_from_thread waits for the UI, so a chatty task cannot flood the queue.
                self.app.call_from_thread(log.write, chunk)
        except Exception as exc:
            if not worker.is_cancelled:
                message = getattr(exc, "message", None) or str(exc)
                self.app.call_from_thread(log.write_line, f"[logs stopped: {message}]")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(log.write_line, "[the task's log ended: its container stopped]")

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_toggle_follow(self) -> None:
        log = self.query_one(Log)
        log.auto_scroll = not log.auto_scroll
        self.notify("following the newest lines" if log.auto_scroll else "not following; scroll freely")
