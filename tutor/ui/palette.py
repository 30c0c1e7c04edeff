"""The command palette (ctrl+p): every lesson, and every action that fits the current screen."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Callable, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tutor.ui.app import ServicelabApp


class TutorCommands(Provider):
    """Lessons, screens and sandbox actions, named "<group>: <what it does>"."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        from tutor.ui.screens.base import SandboxScreen
        from tutor.ui.screens.cheatsheet import open_cheatsheet
        from tutor.ui.screens.review import open_review
        from tutor.ui.themes import HIGH_CONTRAST

        app = cast("ServicelabApp", self.app)
        out: list[tuple[str, Callable[[], object], str]] = []
        progress = app.progress
        for lesson in app.lessons:
            status = progress.lesson(lesson.id).status
            if app.is_locked(lesson):
                status += ", locked by the workshop"
            out.append((f"lesson: {lesson.title}", partial(app.open_lesson, lesson),
                        f"{lesson.level}, {lesson.minutes} min, {status}. {lesson.summary}"))
        out.append(("sandbox: Open the free sandbox", app.open_sandbox, "The live panel without a lesson"))
        out.append(("review: Flashcards due today", partial(open_review, app),
                    "Takeaways and what you missed, spaced repetition (also r on the home screen)"))
        out.append(("view: Cheat sheet", partial(open_cheatsheet, app),
                    "Every concept with its aws ecs command and servicelab twin (also i)"))
        screen = app.screen_stack[-1] if app.screen_stack else None
        if isinstance(screen, SandboxScreen):
            service = screen.panel.service or "the service"
            out += [
                (f"sandbox: Scale {service} up by one", partial(screen.action_scale, 1), "aws ecs update-service"),
                (f"sandbox: Scale {service} down by one", partial(screen.action_scale, -1), "aws ecs update-service"),
                ("sandbox: Stop the selected task", screen.action_stop_task, "aws ecs stop-task"),
                ("sandbox: Crash the selected task", screen.action_kill_task, "kill its container from outside"),
                ("sandbox: Chaos on or off", screen.action_chaos, "stop a random task every 5s for a minute"),
                ("sandbox: Create a service", screen.action_create_service, "aws ecs create-service"),
                (f"sandbox: Delete {service}", screen.action_delete_service, "aws ecs delete-service"),
                ("sandbox: Follow the selected task's logs", screen.action_logs, "servicelab task logs --follow"),
                ("sandbox: Open a shell in the selected task", screen.action_shell, "aws ecs execute-command"),
                ("sandbox: Command bar", screen.action_command_bar, "CLI commands and aws ecs forms"),
            ]
            out += _zone_and_instance_commands(screen)
        workshop = app.workshop
        if workshop is not None and workshop.sharing is not None and workshop.sharing.url:
            if workshop.sharing.enabled:
                out.append(("workshop: Stop sharing my progress", partial(workshop.set_sharing, False),
                            f"Sharing with {workshop.sharing.url} is on"))
            else:
                out.append(("workshop: Share my progress with the instructor", partial(workshop.set_sharing, True),
                            f"Sends your progress export to {workshop.sharing.url} as it changes (off until you choose)"))
        out.append(("sandbox: AWS CLI environment for a second terminal", app.action_aws_env,
                    "The export lines servicelab aws-env prints, ready to copy (also on A)"))
        out += [
            ("view: Help (every key and command)", app.action_help, "Also on ?"),
            ("view: High-contrast theme", partial(setattr, app, "theme", HIGH_CONTRAST.name),
             "Black and white with bright accents"),
            ("view: Default theme", partial(setattr, app, "theme", "textual-dark"), "Back to the usual colours"),
            ("app: Quit servicelab", app.action_request_quit, "Asks whether to keep the sandbox running"),
        ]
        return out

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


def _zone_and_instance_commands(screen) -> list[tuple[str, Callable[[], object], str]]:
    """Fail or restore each zone, drain or activate each instance: what the zones view shows."""
    from tutor import commands
    from tutor.live.ops_view import cluster_instances

    cluster = screen.cluster
    instances = cluster_instances(screen.tutor.snapshot)
    out: list[tuple[str, Callable[[], object], str]] = []
    failed = {i.get("availabilityZone") for i in instances if i.get("zoneFailed")}
    for zone in sorted({i.get("availabilityZone") for i in instances if i.get("availabilityZone")}):
        op = commands.set_zone_failed(cluster, zone, zone not in failed)
        out.append((f"sandbox: {'Restore' if zone in failed else 'Fail'} zone {zone}",
                    partial(screen.run_operation, op), op.cli))
    for inst in instances:
        iid = inst.get("containerInstanceId")
        if not iid:
            continue
        draining = inst.get("status") == "DRAINING"
        op = commands.set_instance_status(cluster, iid, "ACTIVE" if draining else "DRAINING")
        out.append((f"sandbox: {'Activate' if draining else 'Drain'} instance {iid} ({inst.get('availabilityZone')})",
                    partial(screen.run_operation, op), op.aws or op.cli))
    return out
