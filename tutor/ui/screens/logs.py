"""A task's logs, following: what its container writes, as it writes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Log, Static
from textual.worker import get_current_worker

from tutor import commands
from tutor.commands import Operation

if TYPE_CHECKING:
    from tutor.ui.app import ServicelabApp


class LogsScreen(Screen):
    """Follows one task's logs until the task ends or the screen closes.

    k and K stop or crash the task being followed, as they do on the sandbox screens, so its
    last words can be read as it goes.
    """

    BINDINGS = [
        Binding("escape,q", "close", "Back", tooltip="Back to the sandbox"),
        Binding("f", "toggle_follow", "Follow on/off", tooltip="Stop or resume scrolling to the newest line"),
        Binding("k", "stop_task", "Stop task",
                tooltip="Stop this task (aws ecs stop-task) and read its last words here"),
        Binding("K", "kill_task", "Crash task", show=False,
                tooltip="Crash this task: kill its container from outside, as a failure would"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape, q | Back to the sandbox. |
    | f | Stop or resume scrolling to the newest line. |
    | k | Stop this task (StopTask); its last lines show here. |
    | K | Crash this task: kill its container from outside. |
    """

    def __init__(self, task_id: str) -> None:
        super().__init__(name="logs")
        self.task_id = task_id
        self._abort: Any = None
        self.ended = False
        """The task's log has ended (its container stopped, or the stream broke)."""

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
                self.app.call_from_thread(self._ended, f"[logs stopped: {message}]")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._ended, "[the task's log ended: its container stopped]")

    def _ended(self, line: str) -> None:
        self.ended = True
        self.say(line)

    def say(self, line: str) -> None:
        """A line of the app's own between the container's lines, which come in chunks: on a line of its own."""
        log = self.query_one(Log)
        log.write(("\n" if log.lines and log.lines[-1] else "") + line + "\n")

    def action_stop_task(self) -> None:
        tutor = cast("ServicelabApp", self.app)
        self._act(commands.stop_task(tutor.cluster, self.task_id, None))

    def action_kill_task(self) -> None:
        tutor = cast("ServicelabApp", self.app)
        self._act(commands.kill_task(tutor.cluster, self.task_id))

    def _act(self, operation: Operation) -> None:
        """Carry out `operation` on the task followed here; say it, and its twin, in the log."""
        if self.ended:
            self.notify(f"task {self.task_id[:8]} has stopped already", severity="warning")
            return
        cast("ServicelabApp", self.app).link.act(operation)
        self.say(f"[{operation.summary}; its last lines follow]\n[  {operation.aws or operation.twin}]")

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_toggle_follow(self) -> None:
        log = self.query_one(Log)
        log.auto_scroll = not log.auto_scroll
        self.notify("following the newest lines" if log.auto_scroll else "not following; scroll freely")
