"""The check engine: the expression language, one-line reasons, and temporal checks over timelines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.check_support import service, snapshot, task
from tutor.checks import spec as checks, expr
from tutor.checks.spec import FAIL, PASS, WAITING, CheckSpecError
from tutor.checks.timeline import Timeline

REPO = Path(__file__).resolve().parent.parent


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def view(*tasks, services=(), origin: float = 0.0) -> expr.View:
    return expr.View(snapshot(list(services), list(tasks)), origin)


def value(text: str, v: expr.View):
    return expr.evaluate(expr.parse(text, want=None), v)


def build(**fields) -> checks.Check:
    return checks.build(fields)


def timeline_of(*states, start: float = 1000.0, step: float = 1.0):
    """A timeline with one snapshot per state, `step` seconds apart; returns it and its clock."""
    clock = Clock(start)
    line = Timeline(clock=clock, origin=start)
    for i, state in enumerate(states):
        clock.now = start + i * step
        line.ingest(state)
    return line, clock


# -- the language ----------------------------------------------------------------------------
class TestParsing:
    def test_canonical_source(self):
        node = expr.parse("service( web ).running>=3 and not service(web).steady")
        assert node.source() == "service(web).running >= 3 and not service(web).steady"
        assert expr.parse("tasks(status=RUNNING, service=web)", want=None).source() == \
            "tasks(service=web, status=RUNNING).count"

    @pytest.mark.parametrize("text, words", [
        ("servce(web).running == 1", ["unknown name 'servce'", "did you mean 'service'"]),
        ("service(web).runing == 1", ["no attribute 'runing'", "did you mean 'running'", "it has: exists"]),
        ("tasks(servic=web) == 1", ["no argument 'servic'", "did you mean 'service'"]),
        ("tasks(status=RUNING) == 1", ["is 'RUNING'", "allowed: PROVISIONING"]),
        ("service(web).running", ["is number; expected true/false", "compare it"]),
        ("service(web).running == 'three'", ["cannot compare"]),
        ("service(web).running = 3", ["use '=='"]),
        ("service().running == 1", ["needs 'name'"]),
        ("service(web) == 1", ["needs an attribute"]),
        ("tasks(service=web).ids == 1", ["a list cannot be compared"]),
        ("service(web).steady and service(web).running", ["'and' joins true/false conditions"]),
        ("(service(web).running == 1", ["missing ')'"]),
        ("", ["empty"]),
    ])
    def test_errors_say_what_is_allowed(self, text, words):
        with pytest.raises(expr.ExprError) as caught:
            expr.parse(text)
        for word in words:
            assert word in str(caught.value)
        assert "\n" not in str(caught.value)

    def test_types(self):
        assert expr.parse("service(web).taskdef", want=None).type == expr.TEXT
        assert expr.parse("service(web).desired - 1", want=None).type == expr.NUMBER
        assert expr.parse("tasks(service=web).ids", want=None).type == expr.LIST


class TestNames:
    def test_a_missing_service_reads_as_zero(self):
        v = view()
        assert value("service(api).running", v) == 0
        assert value("service(api).status", v) == "MISSING"
        assert value("service(api).exists", v) is False

    def test_service_attributes(self):
        v = view(services=[service("web", 3, 2, pending=1, taskdef="web:2", deployments=2, chaos=True)])
        assert [value(f"service(web).{a}", v) for a in ("desired", "running", "pending", "taskdef", "rolling", "chaos")] \
            == [3, 2, 1, "web:2", True, True]

    def test_task_filters(self):
        v = view(
            task("a1", created=1), task("b2", created=2, zone="us-east-1a"),
            task("c3", status="STOPPED", stopped=50, code="UserInitiated", reason="Task stopped by servicelab chaos"),
            task("d4", service=None, taskdef="batch:1", status="STOPPED", stopped=60, exit_code=0),
            task("e5", service=None, taskdef="batch:1", status="STOPPED", stopped=61, exit_code=1),
            task("f6", service=None, taskdef="batch:1", status="RUNNING"),
        )
        assert value("tasks(service=web, status=RUNNING).count", v) == 2
        assert value("tasks(service=web, status=RUNNING).first", v) == "a1"
        assert value("tasks(service=web).ids", v) == ["a1", "b2", "c3"]
        assert value("tasks(reason='CHAOS').count", v) == 1
        assert value("tasks(service=web).zones", v) == 1
        assert value("tasks(oneoff=true, family=batch, exit=0).count", v) == 1
        assert [value(f"oneoff(family=batch).{a}", v) for a in ("count", "live", "running", "stopped", "succeeded", "failed")] \
            == [3, 1, 1, 2, 1, 1]

    def test_history_before_the_origin_is_left_out(self):
        old = task("old", status="STOPPED", stopped=10)
        new = task("new", status="STOPPED", stopped=30)
        events = [(30, "(service web) has started 1 tasks: (task new)."), (10, "(service web) has started 1 tasks: (task old).")]
        v = view(old, new, services=[service("web", 1, 0, events=events)], origin=20)
        assert value("tasks(service=web, status=STOPPED).ids", v) == ["new"]
        assert value("events(web, contains='has started')", v) == 1
        assert value("events(web).latest", v).endswith("(task new).")

    def test_zones(self):
        tasks = [task(f"t{i}", zone=z) for i, z in enumerate(["us-east-1a", "us-east-1a", "us-east-1b"])]
        other = task("x", service="api", zone="us-east-1c")
        v = view(*tasks, other)
        assert [value(f"zones(web).{a}", v) for a in ("used", "max", "min", "spread")] == [2, 2, 0, 2]


class TestOneLineReasons:
    def test_compare_with_a_literal(self):
        v = view(services=[service("web", 3, 2)])
        assert expr.explain(expr.parse("service(web).running == 3"), v) == "service(web).running is 2, needs == 3"

    def test_compare_two_names(self):
        v = view(services=[service("web", 3, 2)])
        node = expr.parse("service(web).running == service(web).desired")
        assert expr.explain(node, v) == "service(web).running is 2 but service(web).desired is 3 (needs ==)"

    def test_and_names_the_first_false_part(self):
        v = view(services=[service("web", 3, 3, pending=1)])
        node = expr.parse("service(web).running == 3 and service(web).pending == 0")
        assert expr.explain(node, v) == "service(web).pending is 1, needs == 0"

    def test_not_and_or_and_booleans(self):
        v = view(services=[service("web", 1, 1)])
        assert expr.explain(expr.parse("not service(web).exists"), v) == "service(web).exists is true"
        assert expr.explain(expr.parse("service(web).steady"), v) == "service(web).steady is false"
        assert expr.explain(expr.parse("service(web).running > 5 or service(web).chaos"), v) == \
            "none holds: service(web).running is 1, needs > 5; service(web).chaos is false"


class TestTemplates:
    def test_render_and_escapes(self):
        v = view(services=[service("web", 3, 2)])
        parts = expr.parse_template("web has {service(web).running} of {service(web).desired} {{not a placeholder}}")
        assert expr.render(parts, v) == "web has 2 of 3 {not a placeholder}"
        assert expr.has_placeholders(parts)

    def test_a_list_repeats_the_line(self):
        v = view(task("a1", service=None), task("b2", service=None))
        parts = expr.parse_template("servicelab task stop {tasks(oneoff=true).ids}")
        assert expr.expand(parts, v) == ["servicelab task stop a1", "servicelab task stop b2"]
        assert expr.expand(expr.parse_template("stop {tasks(service=nope).ids}"), v) == []

    def test_bad_placeholder(self):
        with pytest.raises(expr.ExprError, match=r"in \{service\(web\)\.nope\}"):
            expr.parse_template("{service(web).nope}")


# -- check shapes ------------------------------------------------------------------------------
class TestBuild:
    @pytest.mark.parametrize("fields, field, words", [
        ({"always": "service(web).running >= 2"}, "always", "needs 'during"),
        ({"expect": "service(web).running == 2", "within": "10s"}, "after", "both 'within"),
        ({"eventually": "service(web).running == 2", "within": "5s", "after": "task_stopped(service=web)"},
         "eventually", "a timed check is 'expect'"),
        ({"expect": "x", "eventualy": "y"}, "eventualy", "unknown key 'eventualy'"),
        ({"expect": "service(web).running == 1", "eventually": "service(web).running == 1"}, "eventually", "exactly one"),
        ({"expect": "service(web).running == 1", "within": "soon", "after": "task_stopped(service=web)"},
         "within", "expected a duration"),
        ({"expect": "service(web).running == 1", "within": "5s", "after": "service(web).taskdef"},
         "after", "must be a count"),
        ({"expect": "service(web).runing == 1"}, "expect", "did you mean 'running'"),
    ])
    def test_errors_name_the_key(self, fields, field, words):
        with pytest.raises(CheckSpecError) as caught:
            checks.build(fields)
        assert caught.value.field == field and words in str(caught.value)

    def test_durations(self):
        assert [checks.parse_duration(v) for v in (10, "10s", "500ms", "2m", "1.5 s")] == [10, 10, 0.5, 120, 1.5]

    def test_describe(self):
        assert build(expect="service(web).running == 3").describe() == "service(web).running == 3"
        assert build(expect="service(web).running == 3", say="web runs three").describe() == "web runs three"
        assert build(expect="service(web).running == 3", within="10s", after="task_stopped(service=web)").describe() \
            == "service(web).running == 3 within 10s after task_stopped(service=web).count"


# -- judging over a timeline -------------------------------------------------------------------
class TestNowAndEventually:
    def test_expect_reads_the_latest_snapshot(self):
        line, _ = timeline_of(snapshot([service("web", 3, 3)]), snapshot([service("web", 3, 2)]))
        result = checks.evaluate(build(expect="service(web).running == 3", say="three web tasks run"), line)
        assert (result.status, result.message) == (FAIL, "three web tasks run: service(web).running is 2, needs == 3")

    def test_eventually_remembers(self):
        line, _ = timeline_of(snapshot([service("web", 6, 2)]), snapshot([service("web", 6, 6)]), snapshot([service("web", 2, 2)]))
        assert checks.evaluate(build(eventually="service(web).running == 6"), line).status == PASS
        result = checks.evaluate(build(eventually="service(web).running == 9"), line)
        assert (result.status, result.message) == (
            WAITING, "eventually service(web).running == 9: not yet: service(web).running is 2, needs == 9")

    def test_no_state_yet(self):
        result = checks.evaluate(build(expect="service(web).running == 1"), Timeline(clock=Clock()))
        assert result.status == WAITING and "no sandbox state seen yet" in result.message


class TestAlwaysDuring:
    CHECK = dict(always="service(web).running >= 2", during="service(web).rolling",
                 say="at least two web tasks throughout the rollout")

    def test_passes_when_a_rollout_kept_the_floor(self):
        line, _ = timeline_of(
            snapshot([service("web", 2, 2)]),
            snapshot([service("web", 2, 3, deployments=2)]),
            snapshot([service("web", 2, 2, deployments=2)]),
            snapshot([service("web", 2, 2)]),
        )
        result = checks.evaluate(checks.build(self.CHECK), line)
        assert (result.status, result.message) == (PASS, "at least two web tasks throughout the rollout")

    def test_fails_at_the_moment_it_dropped(self):
        line, _ = timeline_of(
            snapshot([service("web", 2, 2)]),
            snapshot([service("web", 2, 0, pending=2, deployments=2)]),
            snapshot([service("web", 2, 2)]),
        )
        result = checks.evaluate(checks.build(self.CHECK), line)
        assert result.status == FAIL
        assert "during service(web).rolling, service(web).running is 0, needs >= 2" in result.message
        assert result.message.count("\n") == 0

    def test_waits_for_the_stretch_to_happen_and_to_end(self):
        line, _ = timeline_of(snapshot([service("web", 2, 2)]))
        assert checks.evaluate(checks.build(self.CHECK), line).message.endswith("waiting for service(web).rolling to happen")
        line, _ = timeline_of(snapshot([service("web", 2, 2)]), snapshot([service("web", 2, 3, deployments=2)]))
        result = checks.evaluate(checks.build(self.CHECK), line)
        assert result.status == WAITING and "is under way; so far service(web).running >= 2 held" in result.message


    def test_a_fresh_attempt_after_a_failure_is_judged_afresh(self):
        """Lesson 11's chaos: the first run let web drop to one task; a second, good run passes."""
        check = checks.build(dict(always="service(web).running >= 2", during="service(web).chaos"))
        broke = [snapshot([service("web", 3, 3)]), snapshot([service("web", 3, 1, chaos=True)]),
                 snapshot([service("web", 3, 3)])]
        line, _ = timeline_of(*broke)
        failed = checks.evaluate(check, line)
        assert failed.status == FAIL and "service(web).running is 1, needs >= 2" in failed.message
        assert failed.message.endswith("Try again: the next time a chaos run is under way on web, "
                                       "it is judged afresh")
        line, _ = timeline_of(*broke, snapshot([service("web", 3, 2, chaos=True)]))
        trying = checks.evaluate(check, line)
        assert trying.status == WAITING and "this new attempt is judged afresh, and so far it held" in trying.message
        assert "service(web).running is 1" in trying.message, "it still says which moment broke the last one"
        line, _ = timeline_of(*broke, snapshot([service("web", 3, 2, chaos=True)]), snapshot([service("web", 3, 3)]))
        assert checks.evaluate(check, line).status == PASS
        line, _ = timeline_of(*broke, snapshot([service("web", 3, 3, chaos=True)]),
                              snapshot([service("web", 3, 1, chaos=True)]), snapshot([service("web", 3, 3)]))
        assert checks.evaluate(check, line).status == FAIL, "the newest attempt decides"


class TestDisappearing:
    CHECK = dict(expect="service(api).deleted", say="api is gone")

    def test_a_service_that_was_never_there_is_not_deleted(self):
        line, _ = timeline_of(snapshot([service("web", 2, 2)]), snapshot([service("web", 2, 2)]))
        result = checks.evaluate(checks.build(self.CHECK), line)
        assert result.status == FAIL and result.message == "api is gone: service(api).deleted is false"

    def test_one_that_existed_during_the_attempt_and_is_gone_is(self):
        line, _ = timeline_of(snapshot([service("web", 2, 2), service("api", 2, 2)]),
                              snapshot([service("web", 2, 2), service("api", 0, 0, status="DRAINING")]),
                              snapshot([service("web", 2, 2)]))
        assert checks.evaluate(checks.build(self.CHECK), line).status == PASS
        line.restart()
        assert checks.evaluate(checks.build(self.CHECK), line).status == FAIL, "not since the exercise began"


class TestJudgingFromALaterMoment:
    def test_what_happened_before_since_does_not_count(self):
        line, clock = timeline_of(
            snapshot([], [task("j", service=None, taskdef="batch:1", status="STOPPED", stopped=1000.5, exit_code=0)]),
            snapshot([service("report", 1, 1)], [task("j", service=None, taskdef="batch:1", status="STOPPED",
                                                      stopped=1000.5, exit_code=0)]),
        )
        check = build(eventually="oneoff(family=batch).succeeded >= 1")
        assert checks.evaluate_all([check], line)[0].status == PASS
        assert checks.evaluate_all([check], line, since=1001)[0].status == WAITING


class TestWithinAfter:
    """"Within 10 s after a task is killed, running == desired again"."""

    CHECK = dict(expect="service(web).running == service(web).desired", within="10s",
                 after="task_stopped(service=web)", say="web recovers within 10 s")

    @staticmethod
    def states(recover_after: int):
        """A kill at t=1, running back at t=1+recover_after (one snapshot a second)."""
        up = [task("a"), task("b"), task("c")]
        killed = [task("a"), task("b"), task("c", status="STOPPED", stopped=1001, code="EssentialContainerExited")]
        states = [snapshot([service("web", 3, 3)], up)]
        for _ in range(recover_after):
            states.append(snapshot([service("web", 3, 2, pending=1)], killed))
        states.append(snapshot([service("web", 3, 3)], killed + [task("d", created=1005)]))
        return states

    def test_passes_when_the_gap_closes_in_time(self):
        line, _ = timeline_of(*self.states(recover_after=4))
        assert checks.evaluate(checks.build(self.CHECK), line).status == PASS

    def test_fails_when_it_takes_too_long(self):
        line, _ = timeline_of(*self.states(recover_after=13))
        result = checks.evaluate(checks.build(self.CHECK), line)
        assert result.status == FAIL
        assert result.message.startswith("web recovers within 10 s: not within 10s after task_stopped(service=web).count at ")
        assert result.message.endswith("service(web).running is 2 but service(web).desired is 3 (needs ==). "
                                       "Try again: the next time there is one more web task seen stopping, "
                                       "it is judged afresh")

    def test_waits_for_the_trigger_then_for_the_window(self):
        line, _ = timeline_of(*self.states(recover_after=13)[:1])
        result = checks.evaluate(checks.build(self.CHECK), line)
        assert result.status == WAITING and "waiting for task_stopped(service=web).count" in result.message
        line, _ = timeline_of(*self.states(recover_after=13)[:4])
        result = checks.evaluate(checks.build(self.CHECK), line)
        assert result.status == WAITING and "2s ago; waiting: service(web).running is 2" in result.message

    def test_a_condition_trigger_fires_when_it_turns_true(self):
        line, _ = timeline_of(
            snapshot([service("web", 2, 2)]), snapshot([service("web", 8, 2, pending=6)]),
            snapshot([service("web", 8, 8)]),
        )
        check = build(expect="service(web).running == 8", within="20s", after="service(web).desired == 8")
        assert checks.evaluate(check, line).status == PASS

    def test_the_newest_attempt_decides(self):
        """A learner who was too slow once may try again."""
        states = self.states(recover_after=13)
        again = [task("a"), task("b", status="STOPPED", stopped=1020, code="UserInitiated")]
        states += [snapshot([service("web", 3, 2)], again), snapshot([service("web", 3, 3)], again + [task("e")])]
        line, _ = timeline_of(*states)
        assert checks.evaluate(checks.build(self.CHECK), line).status == PASS


class TestTimeline:
    def test_same_version_is_ingested_once(self):
        line = Timeline(clock=Clock())
        state = snapshot([service("web", 1, 1)])
        assert line.ingest(state) is True and line.ingest(state) is False
        assert len(line.entries) == 1

    def test_task_changes(self):
        line, _ = timeline_of(
            snapshot(tasks=[task("a")]),
            snapshot(tasks=[task("a", status="STOPPED", stopped=1001, code="UserInitiated"), task("b", status="PENDING", created=1001)]),
            snapshot(tasks=[task("a", status="STOPPED", stopped=1001), task("b", created=1001)]),
        )
        assert [(e.kind, e.task_id, e.stop_code) for e in line.task_events] == [
            ("stopped", "a", "UserInitiated"), ("created", "b", None), ("started", "b", None)]

    def test_restart_forgets_the_past_but_keeps_the_state(self):
        line, clock = timeline_of(snapshot(tasks=[task("a")]), snapshot(tasks=[task("a", status="STOPPED", stopped=1001)]))
        clock.now = 2000
        line.restart()
        assert line.task_events == [] and len(line.entries) == 1 and line.origin == 2000
        assert checks.evaluate(build(eventually="task_stopped(service=web) >= 1"), line).status == WAITING

    def test_a_stop_from_before_the_origin_is_not_a_change(self):
        """The reset's own stops arrive late; they are history, not the learner's doing."""
        line, clock = timeline_of(snapshot(tasks=[task("a")]), start=1000)
        clock.now = 1005
        line.restart()
        line.ingest(snapshot(tasks=[task("a", status="STOPPED", stopped=1003)]))
        assert line.task_events == []


def test_engine_does_not_import_textual():
    code = ("import sys, tutor.checks.spec, tutor.checks.timeline, tutor.checks.expr, tutor.learner.review, tutor.lessons.cheatsheet, "
            "tutor.lessons.lint, tutor.exercises.solver, tutor.exercises.reset; print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_zones_use_the_snapshots_instances_when_it_has_them():
    instances = [{"containerInstanceArn": f"arn:aws:ecs:us-east-1:1:container-instance/default/ci-{z}",
                  "availabilityZone": f"us-east-1{z}", "status": "ACTIVE", "zoneFailed": z == "c"} for z in "abc"]
    state = {**snapshot(tasks=[task("t1", zone="us-east-1a"), task("t2", zone="us-east-1a")]), "instances": instances}
    v = expr.View(state)
    # the empty zone b counts; the failed zone c does not
    assert [value(f"zones(web).{a}", v) for a in ("used", "max", "min", "spread")] == [1, 2, 0, 2]
