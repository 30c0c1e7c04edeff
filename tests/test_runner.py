"""Running lesson scripts without a sandbox: placeholders, aws ecs lines, waits, and skipping
exercises whose sandbox feature has not landed."""

from __future__ import annotations

import pytest

from tests.check_support import service, snapshot, task
from tutor.checks import expr
from tutor.lessons import features
from tutor.exercises import solver
from tutor.lessons import ScriptLine, Wait, load_lessons
from tutor.exercises.runner import CommandFailed, Runner


class FakeClient:
    def __init__(self, state):
        self.state = state
        self.calls = []

    def watch(self, since, timeout=0, cluster=None):
        return self.state

    def ecs(self, operation, **params):
        self.calls.append((operation, params))
        return {}

    def lab(self, operation, **params):
        self.calls.append((operation, params))
        return {}


def line(text: str) -> ScriptLine:
    return ScriptLine(text, expr.parse_template(text))


def test_aws_lines_go_through_the_client_with_placeholders_filled():
    client = FakeClient(snapshot([service("web", 2, 2)], [task("abcd1234")]))
    runner = Runner("demo", client)
    runner.run_line(line("aws ecs stop-task --task {tasks(service=web, status=RUNNING).first} --reason x"))
    runner.run_line(line("aws ecs update-service --service web --desired-count 3"))
    assert [call[0] for call in client.calls] == ["StopTask", "UpdateService"]
    assert client.calls[0][1]["task"] == "abcd1234" and client.calls[1][1]["desiredCount"] == 3
    assert runner.ran == ["aws ecs stop-task --task abcd1234 --reason x",
                          "aws ecs update-service --service web --desired-count 3"]


def test_an_empty_list_runs_nothing():
    runner = Runner("demo", FakeClient(snapshot()))
    runner.run_line(line("aws ecs stop-task --task {tasks(oneoff=true).ids}"))
    assert runner.ran == []


def test_a_wait_that_never_holds_says_why_in_one_line():
    runner = Runner("demo", FakeClient(snapshot([service("web", 3, 2)])))
    wait = ScriptLine("wait", [], Wait(expr.parse("service(web).running == 3"), 0.3))
    with pytest.raises(CommandFailed) as caught:
        runner.run_line(wait)
    assert str(caught.value) == "waited 0.3s until web runs 3 tasks: service(web).running is 2, needs == 3"


def test_a_refused_aws_line_is_one_line():
    runner = Runner("demo", FakeClient(snapshot()))
    with pytest.raises(CommandFailed, match=r"^`aws ecs frobnicate`: aws ecs frobnicate is not supported"):
        runner.run_command("aws ecs frobnicate")


def test_exercises_of_a_missing_feature_are_skipped_with_the_reason(monkeypatch):
    monkeypatch.setattr(features, "available", lambda name: name != "placement")
    lesson = next(l for l in load_lessons() if l.id == "placement")
    outcomes = solver.solve_lesson(lesson)  # no sandbox is started: everything is skipped
    assert [o.exercise for o in outcomes] == ["spread-out", "survive-a-zone", "all-in-one-zone"]
    assert all(o.skipped and o.skipped.startswith("needs placement (") and o.ok for o in outcomes)
    assert features.reason(["deployments"]) is None
