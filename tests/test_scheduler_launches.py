"""Placing the tasks a pass starts: resources, constraints, strategies, RunTask's failures."""

from __future__ import annotations

import pytest

from sandbox.core import errors
from sandbox.core.model import TaskDefinition
from tests.sandbox_fixtures import fake_sandbox
from tests.scheduler_support import converge, live, zones_of


class TestPlacingTasks:
    """Where new tasks go, and what is said when they fit nowhere."""

    def test_oversized_task_cannot_be_placed(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.register_task_definition(TaskDefinition(family="huge", revision=0, image="servicelab/demo-task",
                                                   command=("serve",), cpu=4096, memory=64))
        sb.create_service("default", "huge", "huge:1", 1)
        converge(control, runtime, clock, 2)
        assert live(control, "huge") == []
        message = sb.service("default", "huge").events[0].message
        assert message.startswith("service (huge) was unable to place a task because no container instance met all "
                                  "of its requirements. The closest matching container-instance ci-")
        assert message.endswith("has insufficient CPU units available.")

    def test_run_task_places_one_offs_and_reports_what_does_not_fit(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.register_task_definition(TaskDefinition(family="big", revision=0, image="servicelab/demo-task",
                                                   command=("batch",), cpu=1500, memory=64))
        tasks, failures = sb.run_tasks("default", "big:1", 4)
        assert len(tasks) == 3 and len({t.zone for t in tasks}) == 3
        assert failures == [{"arn": "big:1", "reason": "RESOURCE:CPU", "detail": failures[0]["detail"]}]
        assert "insufficient CPU units" in failures[0]["detail"]

    def test_member_of_keeps_tasks_out_of_a_zone(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 4, placement_constraints=[
            {"type": "memberOf", "expression": "attribute:ecs.availability-zone != us-east-1a"}])
        converge(control, runtime, clock, 3)
        assert set(zones_of(control)) == {"us-east-1b", "us-east-1c"}

    def test_distinct_instance_leaves_the_fourth_unplaced(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 4, placement_constraints=[{"type": "distinctInstance"}])
        converge(control, runtime, clock, 3)
        assert len(live(control)) == 3
        messages = [e.message for e in sb.service("default", "web").events]
        assert any("distinctInstance placement constraint is unsatisfied" in m for m in messages)

    def test_binpack_memory_fills_one_instance_first(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 3, placement_strategy=[{"type": "binpack", "field": "memory"}])
        converge(control, runtime, clock, 3)
        assert len({t.instance_id for t in live(control)}) == 1

    def test_bad_expression_is_refused_clearly(self):
        sb, *_ = fake_sandbox()
        with pytest.raises(errors.InvalidParameterException, match="memberOf expression"):
            sb.create_service("default", "web", "web:1", 1, placement_constraints=[
                {"type": "memberOf", "expression": "zone is a"}])


class TestDaemon:
    def test_one_task_per_usable_instance_following_the_fleet(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "agent", "web:1", 0, scheduling_strategy="DAEMON")
        converge(control, runtime, clock, 3)
        tasks = live(control, "agent")
        assert len(tasks) == 3 and len({t.instance_id for t in tasks}) == 3
        sb.add_instance("default", "us-east-1d")
        converge(control, runtime, clock, 3)
        assert len(live(control, "agent")) == 4
        sb.set_zone_failed("default", "us-east-1a", True)
        converge(control, runtime, clock, 3)
        assert {t.zone for t in live(control, "agent")} == {"us-east-1b", "us-east-1c", "us-east-1d"}
