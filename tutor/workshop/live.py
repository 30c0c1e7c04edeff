"""The workshop inside a running app: locked lessons, time boxes, unlocks as they happen, sharing.

Once a second the app asks `tick()`: a stat of the workshop file and its unlocks (microseconds),
and a reload only when one changed. Every few seconds, if the learner chose to share, the
progress export is sent when it changed (on a worker thread; the app never waits for the LAN).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.workshop.workshop_file import WorkshopFileError

from ..lessons import Lesson
from . import export
from .plan import Plan, PlanWatch, load_plan
from .share import Sharing

if TYPE_CHECKING:
    from tutor.ui.app import ServicelabApp

WATCH_EVERY = 1.0
SHARE_EVERY_TICKS = 5


class WorkshopMode:
    def __init__(self, app: ServicelabApp, plan: Plan, all_lessons: list[Lesson], learner: str,
                 sharing: Sharing | None = None) -> None:
        self.app = app
        self.plan = plan
        self.all_lessons = all_lessons
        """Every lesson servicelab has, so a reload can take in lessons the instructor adds."""
        self.learner = learner
        self.sharing = sharing
        self.watch = PlanWatch(plan.path)
        self._ticks = 0
        self._problem: str | None = None
        self._sharing_busy = False

    # -- what the screens ask ---------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.plan.title

    def is_unlocked(self, lesson_id: str) -> bool:
        return self.plan.is_unlocked(lesson_id)

    def minutes(self, lesson: Lesson) -> int:
        entry = self.plan.entry(lesson.id)
        return entry.minutes if entry else lesson.minutes

    # -- the app's timer --------------------------------------------------------------------
    def start(self) -> None:
        self.app.set_interval(WATCH_EVERY, self.tick, name="workshop watch")

    def tick(self) -> None:
        if self.watch.changed():
            self.reload()
        self._ticks += 1
        if self.sharing is not None and self._ticks % SHARE_EVERY_TICKS == 0:
            self.share()

    def reload(self) -> None:
        try:
            plan = load_plan(self.plan.path, self.all_lessons)
        except (WorkshopFileError, OSError) as exc:
            # Mid-edit files are normal; keep the last good plan and say so once.
            if str(exc) != self._problem:
                self._problem = str(exc)
                self.app.notify(f"the workshop file has a problem; keeping the last good plan: {exc}",
                                title="Workshop", severity="warning", timeout=10)
            return
        self._problem = None
        newly = [e.lesson.title for e in plan.entries if e.unlocked and not self.plan.is_unlocked(e.lesson.id)]
        self.plan = plan
        self.app.lessons = plan.lessons
        for title in newly:
            self.app.notify(f"{title} is unlocked: open it from the lessons", title="Workshop", timeout=10)
        self.app.workshop_changed()

    # -- sharing ----------------------------------------------------------------------------
    def document(self) -> dict:
        return export.export_document(self.app.progress, self.plan.lessons, self.learner, self.plan.title)

    def set_sharing(self, enabled: bool) -> None:
        if self.sharing is None or self.sharing.url is None:
            self.app.notify("this workshop has no instructor's server to share with", title="Workshop")
            return
        self.sharing.enabled = enabled
        self.sharing.sent = None
        self.app.notify(f"progress sharing is {'on' if enabled else 'off'}"
                        + (f": {self.sharing.url} gets your progress as it changes" if enabled else ""),
                        title="Workshop")
        if enabled:
            self.share()

    def share(self) -> None:
        if self._sharing_busy or self.sharing is None or not self.sharing.enabled:
            return  # building the export is the costly part: not for a learner who shares nothing
        document = self.document()
        if not self.sharing.due(document):
            return
        self._sharing_busy = True
        self.app.run_worker(lambda: self._send(document), thread=True, group="workshop-share",
                            exit_on_error=False, name="share progress")

    def _send(self, document: dict) -> None:
        problem = self.sharing.send(document)
        try:
            self.app.call_from_thread(self._sent, problem)
        except RuntimeError:  # the app is closing; nothing left to tell
            pass

    def _sent(self, problem: str | None) -> None:
        self._sharing_busy = False
        if problem and not self.sharing.failing:
            self.app.notify(f"progress not shared: {problem}; trying again as you go", title="Workshop",
                            severity="warning", timeout=8)
        self.sharing.failing = problem is not None
