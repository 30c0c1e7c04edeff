"""A lesson's own task definitions: opening or resetting the lesson leaves exactly the shipped
revisions in the sandbox, whatever it held before (lesson 08's api:1 and api:2)."""

from __future__ import annotations

import time

import pytest

from sandbox.api.client import Client
from sandbox.taskdefs.taskdef_file import load_file
from tests.aws_support import InProcessApi
from tests.check_support import snapshot
from tests.sandbox_fixtures import fake_sandbox, settle
from tutor.exercises import reset
from tutor.lessons import shipped_taskdefs
from tutor.exercises.session import ExerciseSession
from tutor.lessons import load_lessons
from tutor.ui.messages import ActionDone, ActionFailed
from tutor.exercises.runner import Runner
from tutor.ui.sandbox_link import SandboxLink


def right_sizing():
    return next(l for l in load_lessons() if l.id == "right-sizing")


class SettlingClient(Client):
    """A client whose every look at the sandbox first lets the control plane finish its passes."""

    def __init__(self, address: str, control) -> None:
        super().__init__(address)
        self.control = control

    def watch(self, version, timeout=0, cluster=None):
        settle(self.control)
        self.control.clock.advance(1)
        return super().watch(version, timeout=timeout, cluster=cluster)


@pytest.fixture
def box():
    sandbox, control, runtime, clock = fake_sandbox()
    server = InProcessApi(sandbox)
    yield sandbox, control, SettlingClient(server.address, control)
    server.close()


class App:
    def __init__(self) -> None:
        self.messages = []

    def post_message(self, message) -> None:
        self.messages.append(message)


def open_lesson(client, lesson) -> list:
    """What the app does when the lesson opens: the link's setup, without Textual."""
    app = App()
    link = SandboxLink(app, "test")
    link._client = client
    link.state = "live"
    link._ensure(lesson.sandbox.services, shipped_taskdefs.lesson_files(lesson))
    return app.messages


def cpu(sandbox, ref: str) -> int:
    return sandbox.store.task_definition(ref).cpu


OVERSIZED, RIGHT_SIZED = [td for td, _ in load_file(right_sizing().path / "api.yaml")]


@pytest.mark.parametrize("left_behind", [
    [OVERSIZED],                           # an earlier visit registered api:1 only
    [OVERSIZED, OVERSIZED, RIGHT_SIZED],   # ... and a reset registered the file again on top
])
def test_opening_lesson_08_leaves_exactly_its_api_1_and_api_2(box, left_behind):
    sandbox, control, client = box
    for td in left_behind:
        sandbox.register_task_definition(td)
    messages = open_lesson(client, right_sizing())
    assert not [m for m in messages if isinstance(m, ActionFailed)]
    assert (cpu(sandbox, "api:1"), cpu(sandbox, "api:2")) == (4096, 256)
    active = [td.ref for td in sandbox.store.task_definitions["api"] if td.status == "ACTIVE"]
    assert active == ["api:1", "api:2"]
    assert any(isinstance(m, ActionDone) and "api:2" in m.operation.summary for m in messages)
    assert open_lesson(client, right_sizing()) == [], "a second visit changes nothing"


def test_lesson_08_ends_with_two_right_sized_api_2_tasks_after_an_earlier_run(box):
    sandbox, control, client = box
    sandbox.register_task_definition(OVERSIZED)  # api:1 from an earlier run
    lesson = right_sizing()
    open_lesson(client, lesson)
    step = lesson.steps[lesson.step_index("oversized")]
    session = ExerciseSession(lesson, step)
    session.apply_reset(Runner("test", client))
    client.ecs("CreateService", cluster="default", serviceName="api", taskDefinition="api:1", desiredCount=2)
    client.ecs("UpdateService", cluster="default", service="api", taskDefinition="api:2")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = client.watch(-1)
        api = next(s for s in state["services"] if s["serviceName"] == "api")
        if api["runningCount"] == 2 and len(api["deployments"]) == 1:
            break
    running = [t for t in state["tasks"] if t.get("group") == "service:api" and t["lastStatus"] == "RUNNING"]
    assert [t["taskDefinition"] for t in running] == ["api:2", "api:2"]


def test_a_reset_plans_the_missing_and_the_extra_revisions():
    lesson = right_sizing()
    fresh = reset.plan(lesson.sandbox, snapshot(), lesson=lesson)
    assert (fresh[0].kind, fresh[0].target, fresh[0].missing) == ("sync-taskdefs", "api", ("api:1", "api:2"))
    only_first = {**snapshot(), "taskDefinitions": ["web:1", "api:1"]}
    assert reset.describe(reset.plan(lesson.sandbox, only_first, lesson=lesson), lesson.sandbox)[0] == \
        "register the lesson's api:2"
    too_many = {**snapshot(), "taskDefinitions": ["web:1", "api:1", "api:2", "api:3"]}
    assert reset.describe(reset.plan(lesson.sandbox, too_many, lesson=lesson), lesson.sandbox)[0] == \
        "set api:3 INACTIVE (the lesson does not ship it)"
    exact = {**snapshot(), "taskDefinitions": ["web:1", "api:1", "api:2"]}
    assert all(a.kind != "sync-taskdefs" for a in reset.plan(lesson.sandbox, exact, lesson=lesson))


def test_the_sandbox_keeps_a_family_that_already_matches(box):
    sandbox, control, client = box
    for td in (OVERSIZED, RIGHT_SIZED):
        sandbox.register_task_definition(td)
    before = [td.registered_at for td in sandbox.store.task_definitions["api"]]
    assert shipped_taskdefs.sync(client.lab, shipped_taskdefs.lesson_files(right_sizing())) == []
    assert [td.registered_at for td in sandbox.store.task_definitions["api"]] == before
