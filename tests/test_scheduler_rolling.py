"""Rolling deployments within ECS's minimumHealthyPercent and maximumPercent, on the fake runtime."""

from __future__ import annotations

import pytest

from sandbox.core import errors
from sandbox.core import events as wording
from sandbox.core.model import RUNNING, STOPPED, DeploymentConfiguration
from tests.sandbox_fixtures import fake_sandbox, settle
from tests.scheduler_support import converge, live


class TestRollingDeployment:
    def test_rolls_within_the_bounds_and_completes(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 4)
        converge(control, runtime, clock, 5)
        service = sb.service("default", "web")
        assert service.primary.rollout_state == "COMPLETED"
        timeline = []

        def observe():
            tasks = live(control)
            healthy = [t for t in tasks if t.last_status == RUNNING and t.health_status == "HEALTHY"]
            timeline.append((len(healthy), len(tasks)))

        sb.update_service("default", "web", task_definition="web:2")
        assert [d.status for d in service.deployments] == ["PRIMARY", "ACTIVE"]
        converge(control, runtime, clock, 10, observe)
        assert min(h for h, _ in timeline) >= 4          # minimumHealthyPercent 100
        assert max(n for _, n in timeline) <= 8          # maximumPercent 200
        assert {t.task_definition for t in live(control)} == {"web:2"}
        assert len(service.deployments) == 1 and service.primary.rollout_state == "COMPLETED"
        messages = [e.message for e in service.events]
        assert wording.deployment_completed("web", service.primary.id) in messages
        assert messages[0] == wording.steady("web")

    def test_rollout_begun_before_old_tasks_proved_themselves_keeps_them(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 2)
        settle(control, 3)  # running, health still "starting"
        sb.update_service("default", "web", task_definition="web:2")
        for _ in range(3):
            settle(control, 2)
            clock.advance(1)
            assert len([t for t in live(control) if t.task_definition == "web:1" and t.last_status == RUNNING]) == 2
        converge(control, runtime, clock, 10)
        assert {t.task_definition for t in live(control)} == {"web:2"}

    def test_half_minimum_stops_old_tasks_first(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 4,
                          deployment=DeploymentConfiguration(minimum_healthy_percent=50, maximum_percent=100))
        converge(control, runtime, clock, 5)
        sb.update_service("default", "web", task_definition="web:2")
        settle(control, 1)
        stopping = [t for t in control.store.tasks_of("default", "web") if t.desired_status == STOPPED]
        assert len(stopping) == 2 and all(t.task_definition == "web:1" for t in stopping)
        converge(control, runtime, clock, 10)
        assert {t.task_definition for t in live(control)} == {"web:2"}

    def test_impossible_configuration_says_so(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 3,
                          deployment=DeploymentConfiguration(minimum_healthy_percent=100, maximum_percent=100))
        converge(control, runtime, clock, 3)
        sb.update_service("default", "web", task_definition="web:2")
        converge(control, runtime, clock, 3)
        messages = [e.message for e in sb.service("default", "web").events]
        assert wording.deployment_config_blocks("web") in messages
        assert {t.task_definition for t in live(control)} == {"web:1"}

    def test_count_change_alone_is_not_a_deployment(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 1)
        before = sb.service("default", "web").primary.id
        sb.update_service("default", "web", desired_count=3)
        assert sb.service("default", "web").primary.id == before
        assert len(sb.service("default", "web").deployments) == 1

    def test_bad_percentages_are_refused(self):
        sb, *_ = fake_sandbox()
        with pytest.raises(errors.InvalidParameterException, match="maximumPercent 250 is out of range"):
            sb.create_service("default", "web", "web:1", 1, deployment=DeploymentConfiguration(maximum_percent=250))
