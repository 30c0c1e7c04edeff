"""Classroom workshops without Docker: the workshop file, quotas, unlocks, tokens, exports, reports."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest

from sandbox.core import errors
from sandbox.workshop import quotas
from sandbox.core.model import TaskDefinition
from sandbox.workshop.workshop_file import WorkshopFileError, load, parse_duration
from tests.app_support import FIXTURE_LESSONS
from tests.sandbox_fixtures import fake_sandbox, settle
from tutor.lessons import load_lessons
from tutor.learner.progress import Progress
from tutor.workshop import export, report
from tutor.workshop.plan import PlanWatch, load_plan, read_unlocks, set_unlocked, unlocks_path

GOOD = """\
title: Tuesday class
lessons:
  - id: first-steps
    unlocked: true
    minutes: 20
  - keeping-count
quotas: {maxTasks: 4, cpu: 1024, memory: 256}
idleTimeout: 30m
"""


def write(tmp_path: Path, text: str, name: str = "class.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- the workshop file --------------------------------------------------------------------------
class TestWorkshopFile:
    def test_reads_a_good_file(self, tmp_path):
        ws = load(write(tmp_path, GOOD))
        assert ws.title == "Tuesday class"
        assert [(l.id, l.unlocked, l.minutes) for l in ws.lessons] == [("first-steps", True, 20), ("keeping-count", False, None)]
        assert ws.quota == quotas.Quota(max_tasks=4, cpu=1024, memory=256)
        assert ws.idle_timeout == 1800

    @pytest.mark.parametrize("text, where", [
        ("title: x\n", "class.yaml:1: field 'lessons': is required"),
        ("title: x\nlessons: []\n", "class.yaml:2: field 'lessons': must be a list"),
        ("title: x\nlesson: [a]\n", "class.yaml:2: field 'lesson': unknown field; allowed: title, lessons"),
        ("title: x\nlessons:\n  - id: first-steps\n    unlocked: maybe\n",
         "class.yaml:4: field 'lessons[0].unlocked': must be true or false, got 'maybe'"),
        ("title: x\nlessons:\n  - {id: first-steps, minutes: 0}\n",
         "class.yaml:3: field 'lessons[0].minutes': is 0; allowed 1 to 480"),
        ("title: x\nlessons: [first-steps, first-steps]\n", "class.yaml:2: field 'lessons[1]': lesson 'first-steps' is listed twice"),
        ("title: x\nlessons: [a]\nquotas:\n  maxTasks: many\n",
         "class.yaml:4: field 'quotas.maxTasks': must be a whole number from 1 to 200, got 'many'"),
        ("title: x\nlessons: [a]\nquotas: {disk: 3}\n", "class.yaml:3: field 'quotas.disk': unknown field; allowed: maxTasks, cpu, memory"),
        ("title: x\nlessons: [a]\nidleTimeout: soon\n", "class.yaml:3: field 'idleTimeout': 'soon' is not a duration"),
        ("title: [x\n", "class.yaml:2: not valid YAML"),
        ("", "class.yaml: the file is empty"),
    ])
    def test_errors_name_file_line_and_field(self, tmp_path, text, where):
        with pytest.raises(WorkshopFileError) as caught:
            load(write(tmp_path, text))
        assert str(caught.value).startswith(str(tmp_path / where.split(":", 1)[0]))
        assert where.split(":", 1)[1] in str(caught.value)

    def test_unknown_lesson_is_caught_against_the_lessons(self, tmp_path):
        path = write(tmp_path, "title: x\nlessons:\n  - first-steps\n  - keeping-cont\n")
        with pytest.raises(WorkshopFileError) as caught:
            load_plan(path, load_lessons(FIXTURE_LESSONS))
        assert ":4: field 'lessons[1].id': no lesson 'keeping-cont'; did you mean 'keeping-count'?" in str(caught.value)

    @pytest.mark.parametrize("value, seconds", [(90, 90), ("90s", 90), ("30m", 1800), ("2h", 7200),
                                                ("off", None), (False, None), (0, None)])
    def test_durations(self, value, seconds):
        assert parse_duration(value) == seconds

    def test_duration_out_of_range(self):
        with pytest.raises(ValueError, match="out of range"):
            parse_duration("1s")


# -- unlocks ------------------------------------------------------------------------------------
class TestUnlocks:
    def test_unlock_is_recorded_beside_the_file_and_merged(self, tmp_path):
        path = write(tmp_path, GOOD)
        lessons = load_lessons(FIXTURE_LESSONS)
        plan = load_plan(path, lessons)
        assert [e.unlocked for e in plan.entries] == [True, False]
        assert plan.entries[0].minutes == 20 and plan.entries[1].minutes == 10  # the lesson's own estimate
        watch = PlanWatch(path)
        assert not watch.changed()
        set_unlocked(path, "keeping-count")
        assert watch.changed() and not watch.changed()
        assert read_unlocks(path) == {"keeping-count": True}
        assert load_plan(path, lessons).is_unlocked("keeping-count")
        set_unlocked(path, "first-steps", False)
        assert not load_plan(path, lessons).is_unlocked("first-steps")
        assert path.read_text() == GOOD  # the instructor's file (and comments) untouched
        assert stat.S_IMODE(os.stat(unlocks_path(path)).st_mode) == 0o644
        assert not list(tmp_path.glob(".class.unlocks.json.*"))  # no temp files left

    def test_a_corrupt_unlocks_file_reads_as_none(self, tmp_path):
        path = write(tmp_path, GOOD)
        unlocks_path(path).write_text("{not json")
        assert read_unlocks(path) == {}


# -- quotas on the control plane ------------------------------------------------------------------
class TestQuotas:
    def sandbox(self, max_tasks=4, cpu=1024, memory=256):
        sb, control, runtime, clock = fake_sandbox()
        sb.quota = quotas.Quota(max_tasks=max_tasks, cpu=cpu, memory=memory)
        return sb, control

    def test_create_and_scale_refuse_past_max_tasks(self):
        sb, control = self.sandbox()
        sb.create_service("default", "web", "web:1", 3)
        with pytest.raises(errors.LimitExceededException) as caught:
            sb.update_service("default", "web", desired_count=5)
        assert caught.value.message == ("workshop quota: at most 4 tasks per learner (maxTasks); this would need 5, "
                                        "you use 3. Scale a service down or delete one first.")
        assert sb.store.service("default", "web").desired_count == 3  # nothing changed
        with pytest.raises(errors.LimitExceededException, match=r"\(maxTasks\)"):
            sb.create_service("default", "other", "web:1", 2)
        assert sb.store.service("default", "other") is None
        sb.update_service("default", "web", desired_count=4)

    def test_run_task_counts_one_offs(self):
        sb, control = self.sandbox()
        sb.create_service("default", "web", "web:1", 3)
        sb.run_task("default", "batch:1", 1)
        with pytest.raises(errors.LimitExceededException, match="at most 4 tasks"):
            sb.run_task("default", "batch:1", 1)

    def test_memory_and_cpu(self):
        sb, control = self.sandbox(max_tasks=50, cpu=10_000, memory=100)
        with pytest.raises(errors.LimitExceededException) as caught:
            sb.create_service("default", "web", "web:1", 4)  # 4 × 32 MiB
        assert "at most 100 MiB of memory per learner (memory); this would need 128" in caught.value.message
        sb, control = self.sandbox(max_tasks=50, cpu=300, memory=10_000)
        with pytest.raises(errors.LimitExceededException, match=r"at most 300 CPU units per learner \(cpu\)"):
            sb.create_service("default", "web", "web:1", 3)  # 3 × 128 units

    def test_going_down_is_always_allowed(self):
        sb, control = self.sandbox()
        sb.create_service("default", "web", "web:1", 4)
        sb.quota = quotas.Quota(max_tasks=2, cpu=1024, memory=256)  # lowered meanwhile
        assert sb.update_service("default", "web", desired_count=3).desired_count == 3
        assert sb.delete_service("default", "web", force=True).status == "DRAINING"

    def test_a_task_that_can_never_place_is_not_counted(self):
        # The right-sizing lesson creates an oversized service on purpose, to see ECS refuse to place it.
        sb, control = self.sandbox()
        big = sb.register_task_definition(TaskDefinition(family="big", revision=0, image="servicelab/demo-task",
                                                        cpu=4096, memory=4096))
        sb.create_service("default", "big", big.ref, 3)
        assert quotas.usage(sb.store).tasks == 0
        with pytest.raises(errors.LimitExceededException, match=r"CPU units per learner \(cpu\)"):
            sb.add_instance("default", "us-east-1a", cpu=8192, memory=8192)  # now it would place

    def test_daemon_services_count_one_task_per_instance(self):
        sb, control = self.sandbox()
        sb.create_service("default", "agent", "web:1", 0, scheduling_strategy="DAEMON")
        assert quotas.usage(sb.store).tasks == 3
        sb.add_instance("default", "us-east-1a")
        with pytest.raises(errors.LimitExceededException, match="at most 4 tasks"):
            sb.add_instance("default", "us-east-1b")

    def test_auto_scaling_stops_at_the_quota_and_says_why(self):
        sb, control = self.sandbox()
        sb.create_service("default", "web", "web:1", 4)
        sb.set_scaling_policy("default", "web", "cpu", 50.0, 1, 8)
        assert not sb.apply_scaling("default", "web", 4, 6, "out", "cpu 90% above target 50%")
        service = sb.store.service("default", "web")
        assert service.desired_count == 4
        assert "workshop quota" in service.decisions[0]["text"]

    def test_no_quota_outside_workshops(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 50)
        settle(control)
        # No quota refuses it; the three default instances place 48, and placement says why.
        assert sb.store.service("default", "web").desired_count == 50
        assert sum(1 for t in sb.store.tasks_of("default", "web") if t.is_live) == 48


# -- tokens and signatures ------------------------------------------------------------------------
class TestTokens:
    def test_token_file_is_private_and_stable(self, tmp_path):
        from sandbox.workshop import tokens

        first = tokens.ensure(tmp_path)
        assert stat.S_IMODE(os.stat(tmp_path / "token").st_mode) == 0o600
        assert tokens.ensure(tmp_path) == first and len(first) == 48
        tokens.discard(tmp_path)
        assert not (tmp_path / "token").exists()

    def test_leaving_a_workshop_keeps_the_token_until_the_next_start(self, tmp_path, monkeypatch):
        from sandbox.workshop import classroom, tokens

        monkeypatch.delenv("SERVICELAB_WORKSHOP", raising=False)
        monkeypatch.delenv("SERVICELAB_IDLE_TIMEOUT", raising=False)
        workshop = write(tmp_path, GOOD)
        folder = tmp_path / "sandbox"
        folder.mkdir()
        monkeypatch.setenv("SERVICELAB_WORKSHOP", str(workshop))
        started = classroom.settings(folder)
        assert started.quota.max_tasks == 4 and started.token and started.idle_timeout == 1800
        monkeypatch.delenv("SERVICELAB_WORKSHOP")
        assert classroom.settings(folder).token == started.token  # remembered: still in the workshop
        assert classroom.forget(folder)
        assert (folder / tokens.TOKEN_FILE).exists()
        later = classroom.settings(folder)
        assert later.workshop is None and later.token is None and not (folder / tokens.TOKEN_FILE).exists()

    def test_sigv4_signed_by_botocore_verifies_with_the_right_secret_only(self):
        import asyncio

        from aiohttp.test_utils import make_mocked_request
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        from sandbox.api.auth import sigv4_valid

        body = b'{"cluster": "default"}'
        request = AWSRequest(method="POST", url="http://127.0.0.1:40123/", data=body, headers={
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListServices",
            "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials("servicelab", "the-token"), "ecs", "eu-west-1").add_auth(request)
        headers = dict(request.headers.items())
        headers["Host"] = "127.0.0.1:40123"
        mocked = make_mocked_request("POST", "/", headers=headers)
        assert sigv4_valid(mocked, body, "the-token")
        assert not sigv4_valid(mocked, body, "another-learners-token")
        assert not sigv4_valid(mocked, body + b" ", "the-token")  # the body is signed too
        assert not sigv4_valid(make_mocked_request("POST", "/", headers={}), body, "the-token")
        asyncio.set_event_loop(None)


# -- progress export and report -------------------------------------------------------------------
def learner_progress(tmp_path: Path, name: str, lessons, done: bool, quiz_right: bool) -> dict:
    from datetime import datetime, timedelta, timezone

    times = iter(datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc) + timedelta(minutes=m) for m in range(0, 1000, 6))
    progress = Progress(tmp_path / f"{name}.json", clock=lambda: next(times))
    first = lessons[0]
    for step in first.steps:
        progress.visit(first.id, first.step_index(step.id))
        progress.complete_step(first.id, step.id)
        if step.predict is not None or step.myth is not None:
            progress.record_prediction(first.id, step.id, 0, quiz_right)
        for question in step.quiz:
            progress.record_quiz_answer(first.id, step.id, question.id, 0, quiz_right)
        if step.exercise is not None:
            progress.record_hint(first.id, step.id, 2)
            progress.record_exercise_passed(first.id, step.id)
    if done:
        progress.mark_done(first.id)
    return export.export_document(progress, lessons, name, "Tuesday class")


class TestExportAndReport:
    def test_export_json_shape(self, tmp_path):
        lessons = load_lessons(FIXTURE_LESSONS)
        doc = learner_progress(tmp_path, "ada", lessons, done=True, quiz_right=True)
        assert doc["format"] == "servicelab-progress" and doc["learner"] == "ada" and doc["workshop"] == "Tuesday class"
        first = doc["lessons"][0]
        assert set(first) >= {"id", "title", "status", "stepsDone", "stepsTotal", "secondsSpent", "quiz",
                              "predictions", "exercises", "hintsUsed", "solutionsShown", "checks"}
        assert first["status"] == "done" and first["stepsDone"] == first["stepsTotal"]
        assert first["secondsSpent"] > 0
        kinds = {c["kind"] for c in first["checks"]}
        assert kinds, "the fixture lesson has checks"
        assert all({"step", "kind", "item", "answered", "correct"} <= set(c) for c in first["checks"])
        assert doc["lessons"][1]["status"] == "not started" and doc["lessons"][1]["secondsSpent"] is None
        json.dumps(doc)

    def test_export_csv_shape(self, tmp_path):
        lessons = load_lessons(FIXTURE_LESSONS)
        text = export.to_csv(learner_progress(tmp_path, "ada", lessons, done=True, quiz_right=True))
        rows = list(csv.DictReader(io.StringIO(text)))
        assert tuple(rows[0]) == export.CSV_FIELDS
        assert [r["lesson"] for r in rows if r["kind"] == "lesson"] == [l.id for l in lessons]
        assert all(r["learner"] == "ada" for r in rows)
        assert {r["answered"] for r in rows} <= {"true", "false"}

    def test_report_round_trip_from_json_and_csv(self, tmp_path):
        lessons = load_lessons(FIXTURE_LESSONS)
        ada = learner_progress(tmp_path, "ada", lessons, done=True, quiz_right=True)
        bob = learner_progress(tmp_path, "bob", lessons, done=False, quiz_right=False)
        (tmp_path / "ada.json").write_text(json.dumps(ada))
        (tmp_path / "bob.csv").write_text(export.to_csv(bob))
        rows, notes = report.load([tmp_path / "ada.json", tmp_path / "bob.csv"])
        summary = report.aggregate(rows, notes)
        assert summary.learners == ["ada", "bob"]
        first = summary.lessons[0]
        assert (first.learners, first.started, first.done) == (2, 2, 1)
        answered = first.quiz[1] + first.predictions[1]
        assert answered > 0
        assert first.quiz[0] + first.predictions[0] == answered // 2  # ada right, bob wrong
        assert summary.hardest and all(item["wrong"] >= 1 for item in summary.hardest)
        table = report.table(summary)
        assert table[0][0] == lessons[0].id and table[0][1] == "1/2"
        chart = report.chart(summary, tmp_path / "chart.svg")
        assert chart.read_text().lstrip().startswith("<?xml") and "first-steps" in chart.read_text()

    def test_report_refuses_other_files_by_name(self, tmp_path):
        (tmp_path / "x.json").write_text('{"hello": 1}')
        with pytest.raises(report.ReportError, match=r"x\.json: not a servicelab progress export"):
            report.load([tmp_path / "x.json"])
