"""What every tutor screen shares: the status bar, announcements, and acting on the sandbox.

`TutorScreen` is any full screen: it has a status bar (and in `--plain` mode an announcement
log) that the app keeps current by calling its methods. `SandboxScreen` adds the live panel,
the command bar and every key that changes the sandbox; the lesson screen and the free
sandbox screen are both SandboxScreens.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, Any, cast

from textual import on
from textual.binding import Binding
from textual.screen import Screen

from tutor import commands
from sandbox.cli.present import wants_terminal
from tutor.commands import APP, Operation
from tutor.ui.messages import ActionDone, ActionFailed
from tutor.live.ops_view import ops_announcements
from tutor.live.results import describe
from tutor.live.view_model import announcements
from tutor.ui.widgets.announcer import Announcer
from tutor.ui.widgets.command_bar import CommandBar
from tutor.ui.widgets.live_panel import LivePanel
from tutor.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tutor.ui.app import ServicelabApp

CHAOS_EVERY = 5.0
CHAOS_FOR = 60.0
ON_SCREEN = ("help", "clear", "cheatsheet", "review", "slow-motion", "terminal")
"""What the app does on screen, without the sandbox (a terminal's command only gets its note)."""


class TutorScreen(Screen):
    """A full screen with the status bar; fed by the app, never by the sandbox directly."""

    @property
    def tutor(self) -> ServicelabApp:
        return cast("ServicelabApp", self.app)

    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        self.catch_up()

    def on_screen_resume(self) -> None:
        self.catch_up()

    def catch_up(self) -> None:
        """Show the latest state the app knows, e.g. after another screen was on top."""
        link = self.tutor.link
        self.status_bar().show_link(link.state, "", link.api)
        if self.tutor.snapshot is not None:
            self.sandbox_changed(self.tutor.snapshot)

    def sandbox_changed(self, snapshot: dict[str, Any]) -> None:
        self.status_bar().show_status(snapshot.get("status", {}))

    def link_changed(self, state: str, detail: str, api: str) -> None:
        self.status_bar().show_link(state, detail, api)
        self.announce(f"sandbox {state}" + (f": {detail}" if detail else ""))

    def stats_sampled(self, stats: dict[str, dict[str, Any]]) -> None:
        pass

    def operation_done(self, message: ActionDone) -> None:
        pass

    def operation_failed(self, message: ActionFailed) -> None:
        self.notify(message.message, title=message.operation.summary or "failed", severity="error")

    def announce(self, line: str) -> None:
        """Say a line in the announcement log (only shown in `--plain` mode)."""
        if self.tutor.plain:
            for announcer in self.query(Announcer):
                announcer.say(line)


class SandboxScreen(TutorScreen):
    """A screen with the live panel and command bar: every sandbox key lives here."""

    BINDINGS = [
        Binding("plus,equals_sign", "scale(1)", "Scale +1", key_display="+",
                tooltip="Scale the shown service up by one (aws ecs update-service --desired-count)"),
        Binding("minus", "scale(-1)", "Scale -1", key_display="-",
                tooltip="Scale the shown service down by one"),
        Binding("k", "stop_task", "Stop task",
                tooltip="Stop the selected task (aws ecs stop-task); the service starts a replacement"),
        Binding("K", "kill_task", "Crash task", show=False,
                tooltip="Crash the selected task: kill its container from outside, as a failure would"),
        Binding("c", "chaos", "Chaos on/off",
                tooltip="Chaos on or off: stop a random task of the service every 5 s for a minute"),
        Binding("a", "create_service", "New service", show=False,
                tooltip="Create a service (aws ecs create-service)"),
        Binding("d", "delete_service", "Delete service", show=False,
                tooltip="Delete the shown service, after asking (aws ecs delete-service --force)"),
        Binding("l", "logs", "Logs", tooltip="Follow the selected task's logs"),
        Binding("e", "shell", "Shell",
                tooltip="Open a shell inside the selected task; exit comes back (aws ecs execute-command)"),
        Binding("t", "focus_tasks", "Tasks", show=False,
                tooltip="Put the cursor in the task table (then up and down select a task)"),
        Binding("colon", "command_bar", "Command", key_display=":",
                tooltip="The command bar: servicelab commands and their aws ecs forms"),
        Binding("right_square_bracket", "cycle_service(1)", "Next service", show=False, key_display="]",
                tooltip="Show the next service"),
        Binding("left_square_bracket", "cycle_service(-1)", "Previous service", show=False, key_display="[",
                tooltip="Show the previous service"),
        Binding("ctrl+r", "restart_sandbox", "Start the sandbox again", show=False,
                tooltip="Start the sandbox's control plane again when it is gone"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | + / - | Scale the shown service up or down by one (UpdateService desiredCount). |
    | k | Stop the selected task (StopTask); the service replaces it. |
    | K | Crash the selected task: kill its container from outside. |
    | c | Chaos on or off: stop a random task every 5 seconds for a minute. |
    | a / d | Create a service / delete the shown one. |
    | l / e | Follow the selected task's logs / open a shell inside it. |
    | : | The command bar: CLI commands and `aws ecs` forms. |
    | [ / ] | Show the previous / next service. |
    | ctrl+r | Start the sandbox's control plane again if it is gone. |
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._from_bar: set[int] = set()
        self._last_snapshot: dict[str, Any] | None = None

    @property
    def panel(self) -> LivePanel:
        return self.query_one(LivePanel)

    @property
    def bar(self) -> CommandBar:
        return self.query_one(CommandBar)

    @property
    def cluster(self) -> str:
        return self.tutor.cluster

    # -- fed by the app ---------------------------------------------------------------------
    def sandbox_changed(self, snapshot: dict[str, Any]) -> None:
        super().sandbox_changed(snapshot)
        if self.tutor.plain:
            service = self.panel.service
            for line in (announcements(self._last_snapshot, snapshot, service)
                         + ops_announcements(self._last_snapshot, snapshot, service)):
                self.announce(line)
        self._last_snapshot = snapshot
        self.panel.show_snapshot(snapshot)

    def stats_sampled(self, stats: dict[str, dict[str, Any]]) -> None:
        self.panel.show_stats(stats)

    def operation_done(self, message: ActionDone) -> None:
        op = message.operation
        if op.api == APP and op.name == "exec" and wants_terminal(op.params["command"]):
            self._from_bar.discard(id(op))
            self._run_shell(message.result.get("argv") or [], op)
            return
        if message.quiet:
            self.notify(f"{op.summary}\n{op.twin}", title="Lesson setup")
            return
        if id(op) in self._from_bar:
            self._from_bar.discard(id(op))
            for line, kind in describe(op, message.result, self.tutor.clock()):
                self.bar.say(line, kind=kind)
        elif op.changes:
            self.announce(f"done: {op.summary}")

    def operation_failed(self, message: ActionFailed) -> None:
        op = message.operation
        if id(op) in self._from_bar:
            self._from_bar.discard(id(op))
            self.bar.say(message.message, kind="error")
            self.announce(f"failed: {op.summary}: {message.message}")
        else:
            super().operation_failed(message)

    def on_screen_suspend(self) -> None:
        self.panel.pause()

    def on_screen_resume(self) -> None:
        # TutorScreen.on_screen_resume runs too (Textual calls handlers along the MRO): it catches up.
        self.panel.resume()

    # -- doing things -------------------------------------------------------------------------
    def run_operation(self, op: Operation, source: str = "key") -> None:
        """Carry out `op`, and show its `aws ecs` twin so the real CLI becomes familiar."""
        if op.api == APP and op.name in ON_SCREEN:
            self._on_screen(op)
            for note in op.notes:
                self.bar.say(note, kind="twin")
            return
        if source == "bar":
            # Its answer comes back to the bar, worded as the CLI words it.
            self._from_bar.add(id(op))
        if op.api == APP:
            self._app_operation(op)
        else:
            self.tutor.link.act(op)
        # The twin goes on the panel's action line, which stays put: a toast per key press would
        # pile up over the panel when a learner presses + five times in a row.
        if op.changes or op.name in ("logs", "exec", "traffic"):
            self.panel.note_action(op)
        self.announce(f"{op.summary}: {op.twin}")
        for note in op.notes:
            self.bar.say(note, kind="twin")

    def _on_screen(self, op: Operation) -> None:
        """What the app does itself, on screen, without the sandbox."""
        if op.name == "help":
            self.app.action_help()
        elif op.name == "clear":
            self.bar.clear_output()
        elif op.name == "cheatsheet":
            from tutor.ui.screens.cheatsheet import open_cheatsheet

            open_cheatsheet(self.app, op.params.get("query", ""))
        elif op.name == "review":
            from tutor.ui.screens.review import open_review

            open_review(self.app, include_all=bool(op.params.get("all")))
        elif op.name == "slow-motion":
            wanted = op.params.get("on")
            if wanted is None or wanted != self.tutor.slow_motion:
                self.tutor.action_toggle_slow_motion()
            self.bar.say(f"slow motion is {'on' if self.tutor.slow_motion else 'off'}: " + (
                "each new task status stays in the table a moment; slow-motion off (or w) ends it"
                if self.tutor.slow_motion else "the table shows each status as it happens"))

    def _app_operation(self, op: Operation) -> None:
        if op.name == "logs":
            from tutor.ui.screens.logs import LogsScreen

            self._from_bar.discard(id(op))
            self.app.push_screen(LogsScreen(op.params["task"]))
            return
        self.tutor.link.act(op)
        if op.name == "exec" and id(op) in self._from_bar:
            self.bar.say(f"opening {' '.join(op.params['command'])} in the task: type exit to come back (e does the same)"
                         if wants_terminal(op.params["command"]) else "running it in the task…", kind="twin")
        elif op.name == "traffic":
            # Runs in the background for its whole duration; the bar gets the report when it ends.
            self.bar.say(f"sending in the background for {op.params['seconds']:g}s; the report comes here when "
                         "it ends (watch the load balancer's targets meanwhile)", kind="twin")

    def _run_shell(self, argv: list[str], op: Operation) -> None:
        from textual.app import SuspendNotSupported

        if not argv:
            self.notify("the sandbox gave no way to open a shell", severity="error")
            return
        try:
            with self.app.suspend():
                print(f"servicelab: {op.summary}; type exit to come back\n  ({op.twin})", flush=True)
                subprocess.run(argv)
        except SuspendNotSupported:
            self.notify(f"cannot open a shell from here; in a terminal run: {' '.join(argv)}", severity="warning")
            return
        except OSError as exc:
            self.notify(f"could not run {argv[0]}: {exc.strerror}", severity="error")
            return
        self.notify("back from the task's shell", title=op.summary)

    def _selected_live_task(self, verb: str) -> str | None:
        task = self.panel.selected_task
        if task is None:
            self.notify(f"select a task in the table first, then {verb}", severity="warning")
            return None
        if task.stopped:
            self.notify(f"task {task.task_id[:8]} is STOPPED already; pick a live one", severity="warning")
            return None
        return task.task_id

    def _shown_service(self) -> str | None:
        if self.panel.view is None:
            self.notify("no service is shown; press a to create one", severity="warning")
            return None
        return self.panel.service

    def action_scale(self, delta: int) -> None:
        view = self.panel.view
        if view is None:
            self.notify("no service to scale; press a to create one", severity="warning")
            return
        count = max(0, view.desired + delta)
        if count == view.desired:
            self.notify(f"{view.name} already wants 0 tasks", severity="warning")
            return
        self.run_operation(commands.scale_service(self.cluster, view.name, count))

    def action_stop_task(self) -> None:
        task = self._selected_live_task("press k to stop it")
        if task:
            self.run_operation(commands.stop_task(self.cluster, task, None))

    def action_kill_task(self) -> None:
        task = self._selected_live_task("press K to crash it")
        if task:
            self.run_operation(commands.kill_task(self.cluster, task))

    def action_chaos(self) -> None:
        view = self.panel.view
        if view is None:
            self.notify("no service for chaos; press a to create one", severity="warning")
            return
        if view.chaos:
            self.run_operation(commands.stop_chaos(self.cluster, view.name))
        else:
            self.run_operation(commands.start_chaos(self.cluster, view.name, CHAOS_EVERY, CHAOS_FOR))

    def action_create_service(self) -> None:
        from tutor.ui.screens.create_service import CreateServiceDialog

        existing = set(self.panel.names().services)
        suggestion = next(n for n in ("web", "api", "worker", "web2", "web3", "web4") if n not in existing)
        definitions = list((self.tutor.snapshot or {}).get("taskDefinitions", [])) or ["web:1"]

        def created(answer: tuple[str, str, int] | None) -> None:
            if answer:
                self.run_operation(commands.create_service(self.cluster, *answer))

        self.app.push_screen(CreateServiceDialog(suggestion, definitions), created)

    def action_delete_service(self) -> None:
        from tutor.ui.screens.confirm import ConfirmDialog

        view = self.panel.view
        if view is None:
            self.notify("no service to delete", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_operation(commands.delete_service(self.cluster, view.name, force=True))

        self.app.push_screen(ConfirmDialog(
            f"Delete service {view.name}?",
            f"Its desired count goes to 0 and its {view.running + view.pending} task(s) are stopped "
            f"(DRAINING, then INACTIVE).\n\n{commands.delete_service(self.cluster, view.name, True).aws}",
            yes="Delete", no="Keep it"), confirmed)

    def action_logs(self) -> None:
        task = self.panel.selected_task
        if task is None:
            self.notify("select a task in the table first, then press l", severity="warning")
            return
        self.run_operation(commands.task_logs(self.cluster, task.task_id))

    def action_shell(self) -> None:
        task = self._selected_live_task("press e to open a shell in it")
        if task:
            self.run_operation(commands.exec_task(self.cluster, task, ["sh"]))

    def action_focus_tasks(self) -> None:
        self.panel.query_one("#task-table").focus()

    def action_command_bar(self) -> None:
        self.bar.open()

    def offer_command(self, command: str) -> None:
        """Put a command into the command bar, ready to run or edit (the cheat sheet's Enter)."""
        self.bar.open(command)

    def action_cycle_service(self, delta: int) -> None:
        self.panel.cycle_service(delta)

    def action_restart_sandbox(self) -> None:
        self.tutor.link.restart()
        self.notify("starting the sandbox's control plane…")

    # -- messages from the widgets --------------------------------------------------------------
    @on(CommandBar.Submitted)
    def _command(self, event: CommandBar.Submitted) -> None:
        event.stop()
        selected = self.panel.selected_task
        placeholders = {"ID": selected.task_id} if selected else None
        try:
            op = commands.parse(event.line, self.cluster, placeholders)
        except commands.CommandError as exc:
            self.bar.say(event.line, kind="echo")
            self.bar.say(str(exc), kind="error")
            self.announce(f"command not run: {exc}")
            return
        self.bar.say(event.line, kind="echo")
        if op.twin:
            self.bar.say(op.twin if op.aws else f"({op.twin})", kind="twin")
        self.run_operation(op, source="bar")

    @on(CommandBar.Closed)
    def _bar_closed(self, event: CommandBar.Closed) -> None:
        event.stop()
        self.panel.query_one("#task-table").focus()

    @on(LivePanel.StatsWanted)
    def _stats_wanted(self, event: LivePanel.StatsWanted) -> None:
        event.stop()
        if self.is_current:
            self.tutor.link.sample_stats(event.task_ids)

    @on(LivePanel.ServiceShown)
    def _service_shown(self, event: LivePanel.ServiceShown) -> None:
        event.stop()
        if event.service:
            self.announce(f"showing service {event.service}")
