"""The whole course in the app, as a learner walks it: keyboard only, on real containers.

At 120x40 the walk opens every lesson from the home screen's list (arrow keys and Enter),
visits every step with `n`, answers every prediction, myth and quiz question (Tab to it, the
arrow keys, Enter; shift+up for an ordering question), and solves every exercise and pitfall
lab in the command bar (`:`): R when the app says the sandbox is not how the step starts, the
mistake's lines from the panel (Enter puts each in the bar), then each line of the reference
solution as the hint ladder's last rung shows it, task ids filled in from the live sandbox.
Each must show "✓ Done" and be recorded, and at the end the home screen says the course is
complete. At 80x24 the same walk reads, reaches and answers everything but does not solve
(solving takes the same minutes at any size). At both sizes every question, option,
checklist line, hint and button must be displayed, scrollable into the screen's visible region
by containers the keyboard can scroll, and, when it is something to act on, in the Tab order.

Every problem found is collected, so a failure lists all of them with size, lesson and step
(tests/walkthrough_support.py). Both walks share one sandbox, torn down at the end with no
container left behind. About 3.5 + 1 minutes.
"""

from __future__ import annotations

import pytest

from tests import app_support as s
from tests.walkthrough_support import LARGE, SMALL, Walk

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def course_sandbox(tmp_path_factory):
    """One sandbox for both walks (a lesson's setup keeps what already matches, so it is quick)."""
    from tests.docker_support import _image_ready, require_docker

    require_docker()
    _image_ready()
    home = tmp_path_factory.mktemp("walkthrough") / "home"
    name = s.new_sandbox_name()
    env = pytest.MonkeyPatch()
    env.setenv("SERVICELAB_HOME", str(home))
    try:
        yield name, home
    finally:
        s.sandbox_down(name, home)
        env.undo()
        assert s.leftover_containers(name) == [], f"containers of sandbox {name} left behind"


def course_app(course_sandbox, size: tuple[int, int]):
    from tutor.commands.history import CommandHistory
    from tutor.learner.progress import Progress
    from tutor.ui.app import ServicelabApp

    name, home = course_sandbox
    progress = Progress.load(home / f"progress-{size[0]}x{size[1]}.json")
    return ServicelabApp(name, runtime="docker", progress=progress, history=CommandHistory(None))


async def walk(course_sandbox, size: tuple[int, int], solve: bool) -> Walk:
    app = course_app(course_sandbox, size)
    walker = Walk(None, size, solve)
    walker.keep_toasts(app)
    async with app.run_test(size=size, message_hook=walker.hook) as pilot:
        walker.pilot = pilot
        await walker.walk_course()
    return walker


@pytest.mark.timeout(480)
def test_the_whole_course_solved_by_keyboard_at_120x40(course_sandbox) -> None:
    import asyncio

    from tutor.learner.progress import DONE, Progress
    from tutor.lessons import load_lessons

    walker = asyncio.run(walk(course_sandbox, LARGE, solve=True))
    lessons = load_lessons()
    assert walker.checked > 20 * len(lessons), "the walk checked too little to mean anything"
    assert not walker.problems, walker.report()
    saved = Progress.load(course_sandbox[1] / "progress-120x40.json")
    for lesson in lessons:
        record = saved.lesson(lesson.id)
        assert record.status == DONE, lesson.id
        for step in lesson.steps:
            if step.exercise is not None:
                assert record.exercises[step.id].passed_at is not None, f"{lesson.id}/{step.id}"


@pytest.mark.timeout(240)
def test_every_step_can_be_read_and_reached_by_keyboard_at_80x24(course_sandbox) -> None:
    import asyncio

    walker = asyncio.run(walk(course_sandbox, SMALL, solve=False))
    assert walker.checked > 100, "the walk checked too little to mean anything"
    assert not walker.problems, walker.report()
