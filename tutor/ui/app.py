"""The servicelab tutor app: lessons beside a live sandbox running real containers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from textual.app import App
from textual.binding import Binding
from textual.notifications import Notification

from tutor.commands.history import CommandHistory
from tutor.lessons import Lesson, LessonError, load_lessons
from tutor.ui.messages import (
    ActionDone,
    ActionFailed,
    LinkStateChanged,
    SandboxChanged,
    SandboxStopped,
    StatsSampled,
)
from tutor.ui.palette import TutorCommands
from tutor.learner.progress import Progress
from tutor.ui.themes import HIGH_CONTRAST
from tutor.live.view_model import SLOW_MOTION_SECONDS

if TYPE_CHECKING:
    from tutor.workshop.live import WorkshopMode
    from tutor.workshop.plan import Plan
    from tutor.workshop.share import Sharing

LinkFactory = Callable[["ServicelabApp"], Any]

NOTIFY_SECONDS = {"information": 4.0, "warning": 6.0, "error": 10.0}
"""How long a toast stays when the caller does not say: long enough to read, short enough not to
pile up over the live panel."""
TOASTS_SHOWN = 2
"""At most this many toasts at once."""


class ServicelabApp(App[None]):
    """Holds what every screen shares: the lessons, the learner's progress and the sandbox link.

    The link's workers post messages here; the app passes them down, by method call, to the
    topmost tutor screen, which is the one the learner sees.
    """

    CSS_PATH = "tutor.tcss"
    TITLE = "servicelab"
    COMMANDS = App.COMMANDS | {TutorCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key and command (this page)"),
        Binding("q", "request_quit", "Quit", tooltip="Quit: asks whether to keep the sandbox running or stop it"),
        Binding("A", "aws_env", "AWS env", show=False, key_display="A",
                tooltip="The export lines that point the real aws ecs and boto3 of a second terminal at this sandbox"),
        Binding("w", "toggle_slow_motion", "Slow motion", show=False,
                tooltip="Slow motion on or off: each new task status stays in the table a moment, so the "
                        "starting ones (PROVISIONING, PENDING, ACTIVATING) can be watched"),
        Binding("ctrl+r", "restart_sandbox", "Start the sandbox again", show=False,
                tooltip="Start the sandbox's control plane again when it is gone"),
        Binding("ctrl+q", "request_quit", "Quit", show=False, priority=True),
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | ? | Every key and command. |
    | q, ctrl+q, ctrl+c | Quit: asks whether to keep the sandbox running. |
    | A | The aws-env lines for a second terminal, ready to copy. |
    | w | Slow motion on or off: each new task status stays in the table a moment. |
    | ctrl+r | Start the sandbox's control plane again if it is gone. |
    """

    def __init__(
        self,
        sandbox: str,
        cluster: str = "default",
        runtime: str | None = None,
        *,
        plain: bool = False,
        high_contrast: bool = False,
        lessons: list[Lesson] | None = None,
        lessons_root: Path | None = None,
        progress: Progress | None = None,
        history: CommandHistory | None = None,
        link_factory: LinkFactory | None = None,
        clock: Callable[[], float] = time.time,
        workshop: Plan | None = None,
        sharing: Sharing | None = None,
        learner: str | None = None,
    ) -> None:
        super().__init__()
        self.sandbox_name = sandbox
        self.cluster = cluster
        self.runtime = runtime
        self.plain = plain
        """Screen-reader mode: no box drawing, no spinners, changes announced as lines."""
        self.high_contrast = high_contrast
        self.clock = clock
        """Where time comes from; tests freeze it so frames do not change."""
        self.lesson_error: str | None = None
        if lessons is None:
            try:
                lessons = load_lessons(lessons_root)
            except (LessonError, OSError) as exc:
                self.lesson_error = str(exc)
                lessons = []
        self.lessons = lessons
        self.workshop: WorkshopMode | None = None
        """A classroom workshop's plan: lessons in its order, locks, time boxes (tutor/workshop/)."""
        if workshop is not None:
            from tutor.workshop import live

            self.workshop = live.WorkshopMode(self, workshop, lessons, learner or sandbox, sharing)
            self.lessons = workshop.lessons
        self._time_box = None
        self._progress_problem: str | None = None
        if progress is None:
            try:
                progress = Progress.load()
            except OSError as exc:
                progress = Progress(Path("/nonexistent/progress.json"))
                self._progress_problem = f"progress cannot be read ({exc}); it will not be saved this time"
        self.progress = progress
        self.history = history if history is not None else CommandHistory.load()
        self.snapshot: dict[str, Any] | None = None
        """The latest state of the sandbox."""
        self.stats: dict[str, dict[str, Any]] = {}
        if link_factory is None:
            from tutor.ui.sandbox_link import SandboxLink

            self.link = SandboxLink(self, sandbox, cluster, runtime)
        else:
            self.link = link_factory(self)
        self.slow_motion = False
        """Each new task status is held in the table a moment (w); every live panel follows it."""
        self._quitting = False
        self._save_failed = False
        if plain:
            self.animation_level = "none"

    # -- start and stop -----------------------------------------------------------------------
    def on_mount(self) -> None:
        from tutor.ui.screens.home import HomeScreen

        self.register_theme(HIGH_CONTRAST)
        if self.high_contrast:
            self.theme = HIGH_CONTRAST.name
        if self.plain:
            self.add_class("-plain")
        self.push_screen(HomeScreen())
        self.link.start()
        message = self.progress.message or self._progress_problem
        if message:
            self.notify(message, title="Progress", severity="warning", timeout=15)
        if self.workshop is not None:
            self.workshop.start()
            sharing = self.workshop.sharing
            if sharing is not None and sharing.url and not sharing.enabled:
                self.notify("Your instructor collects progress if you agree. Sharing is off; to turn it on, "
                            "press ctrl+p and choose \"workshop: Share my progress\".", title="Workshop", timeout=20)

    def on_unmount(self) -> None:
        self.link.close()

    def action_request_quit(self) -> None:
        from tutor.ui.screens.quit import QuitScreen

        if self._quitting or any(isinstance(s, QuitScreen) for s in self.screen_stack):
            return

        def answered(answer: str | None) -> None:
            if answer == "keep":
                self._quitting = True
                self.exit()
            elif answer == "stop":
                self._quitting = True
                self.notify("Stopping the sandbox and removing its containers…", timeout=60)
                self.link.shutdown()

        self.push_screen(QuitScreen(self.link.sandbox, self.link.api), answered)

    def on_sandbox_stopped(self, message: SandboxStopped) -> None:
        if message.error:
            self.notify(f"the sandbox may not be fully stopped: {message.error}; run servicelab sandbox down",
                        severity="error", timeout=10)
            self.set_timer(3, self.exit)
            return
        self.exit(message=f"servicelab: sandbox {self.link.sandbox!r} stopped and its containers removed")

    # -- navigation ---------------------------------------------------------------------------
    def is_locked(self, lesson: Lesson) -> bool:
        """In a workshop, a lesson the instructor has not unlocked yet (or one not in the plan)."""
        return self.workshop is not None and not self.workshop.is_unlocked(lesson.id)

    def open_lesson(self, lesson: Lesson, step: int | None = None) -> None:
        from tutor.ui.screens.lesson import LessonScreen

        # Every way into a lesson (list, continue, palette, links) comes through here.
        if self.is_locked(lesson):
            self.notify(f"{lesson.title} is locked: your instructor unlocks it when the class gets there",
                        title="Workshop", severity="warning")
            return
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(LessonScreen(lesson, step))
        if self.workshop is not None:
            self._start_time_box(lesson)

    def _start_time_box(self, lesson: Lesson) -> None:
        minutes = self.workshop.minutes(lesson)
        if self._time_box is not None:
            self._time_box.stop()
        self.notify(f"Time box: {minutes} minutes for {lesson.title}", title=self.workshop.title, timeout=6)
        self._time_box = self.set_timer(
            minutes * 60, lambda: self.notify(f"The {minutes} minutes for {lesson.title} are up: finish the step "
                                              "you are on, then wait for the class", title="Workshop", timeout=30))

    def workshop_changed(self) -> None:
        """The plan changed (an unlock, an edit): lists showing lessons redraw."""
        from tutor.ui.screens.home import HomeScreen

        from tutor.ui.widgets.lesson_list import LessonList

        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen) and screen.is_mounted:
                screen.refresh_lessons()
                # The highlighted lesson's details say "locked" too; show them afresh.
                lessons = screen.query_one(LessonList)
                lessons.post_message(LessonList.Shown(lessons.highlighted_lesson))

    def open_sandbox(self) -> None:
        from tutor.ui.screens.sandbox import FreeSandboxScreen

        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(FreeSandboxScreen(name="sandbox"))

    def action_help(self) -> None:
        from tutor.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.BINDINGS))

    def action_toggle_slow_motion(self) -> None:
        from tutor.ui.widgets.live_panel import LivePanel
        from tutor.ui.widgets.status_bar import StatusBar

        self.slow_motion = not self.slow_motion
        for screen in self.screen_stack:
            for panel in screen.query(LivePanel):
                panel.set_slow_motion(self.slow_motion)
            for bar in screen.query(StatusBar):
                bar.slow_motion = self.slow_motion
        self.notify(f"on: each new task status stays in the table {SLOW_MOTION_SECONDS:g} s; w turns it off"
                    if self.slow_motion else "off: the table shows each status as it happens", title="Slow motion")

    def action_restart_sandbox(self) -> None:
        """ctrl+r on any screen (the sandbox screens have their own, which does the same)."""
        self.link.restart()
        self.notify("starting the sandbox's control plane…")

    def action_aws_env(self) -> None:
        from tutor.ui.screens.aws_env import AwsEnvScreen

        if not isinstance(self.screen, AwsEnvScreen):
            self.push_screen(AwsEnvScreen(self.link.sandbox, self.cluster, self.link.api))

    def save_progress(self) -> None:
        """Write progress now; a failure is said once, never raised."""
        try:
            self.progress.save()
        except OSError as exc:
            if not self._save_failed:
                self._save_failed = True
                self.notify(f"progress could not be saved: {exc}", severity="error", timeout=10)

    # -- from the sandbox link ---------------------------------------------------------------
    def _tutor_screen(self):
        from tutor.ui.screens.base import TutorScreen

        for screen in reversed(self.screen_stack):
            if isinstance(screen, TutorScreen):
                return screen
        return None

    def on_sandbox_changed(self, message: SandboxChanged) -> None:
        self.snapshot = message.snapshot
        screen = self._tutor_screen()
        if screen is not None and screen.is_mounted:
            screen.sandbox_changed(message.snapshot)

    def on_link_state_changed(self, message: LinkStateChanged) -> None:
        screen = self._tutor_screen()
        if screen is not None and screen.is_mounted:
            screen.link_changed(message.state, message.detail, message.api)

    def on_stats_sampled(self, message: StatsSampled) -> None:
        self.stats = message.stats
        screen = self._tutor_screen()
        if screen is not None and screen.is_mounted:
            screen.stats_sampled(message.stats)

    def on_action_done(self, message: ActionDone) -> None:
        screen = self._tutor_screen()
        if screen is not None:
            screen.operation_done(message)

    def on_action_failed(self, message: ActionFailed) -> None:
        screen = self._tutor_screen()
        if screen is not None:
            screen.operation_failed(message)
        else:
            self.notify(message.message, severity="error")

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """A toast; messages here are plain text (task reasons may hold brackets), and in
        `--plain` mode each one is also written to the announcement log.

        Toasts sit over the live panel, so they stay few and short: NOTIFY_SECONDS by severity
        unless told, one with the title (or words) of an earlier one replaces it, and beyond
        TOASTS_SHOWN the oldest goes (errors last)."""
        timeout = NOTIFY_SECONDS.get(severity, NOTIFY_SECONDS["information"]) if timeout is None else timeout
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        self.call_later(self._keep_toasts_few)
        if self.plain:
            screen = self._tutor_screen()
            if screen is not None and screen.is_mounted:
                screen.announce(f"{title}: {message}" if title else message)


    def _keep_toasts_few(self) -> None:
        newest_first: list[Notification] = []
        seen: set[str] = set()
        for toast in reversed(list(self._notifications)):
            key = toast.title or toast.message
            if key in seen:
                self._unnotify(toast, refresh=False)
                continue
            seen.add(key)
            newest_first.append(toast)
        surplus = len(newest_first) - TOASTS_SHOWN
        if surplus > 0:
            oldest_first = sorted(reversed(newest_first), key=lambda toast: toast.severity == "error")
            for toast in oldest_first[:surplus]:
                self._unnotify(toast, refresh=False)
        self._refresh_notifications()


def run(sandbox: str, cluster: str = "default", runtime: str | None = None, plain: bool = False,
        high_contrast: bool = False, workshop: str | None = None, share_progress: str | None = None) -> None:
    """Open the tutor for one sandbox (started in the background if it is not running).

    With `workshop` (a workshop file) the app follows the class's plan; `share_progress` (the
    instructor's server) turns on sharing, which is otherwise off.
    """
    extra: dict[str, Any] = {}
    if workshop is not None:
        from tutor.workshop.session import open_workshop

        extra = open_workshop(workshop, sandbox, share_progress)
    app = ServicelabApp(sandbox, cluster, runtime, plain=plain, high_contrast=high_contrast, **extra)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)
