"""The deployment circuit breaker: its threshold, failing a deployment and rolling back."""

from __future__ import annotations

import pytest

from sandbox.core import events as wording
from sandbox.core.model import RUNNING, DeploymentConfiguration
from sandbox.scheduler.planner import circuit_breaker_threshold
from tests.sandbox_fixtures import fake_sandbox
from tests.scheduler_support import converge, live


class TestCircuitBreaker:
    @pytest.mark.parametrize("desired,threshold", [(1, 3), (4, 3), (10, 5), (25, 13), (400, 200), (800, 200)])
    def test_threshold_follows_ecs(self, desired, threshold):
        assert circuit_breaker_threshold(desired) == threshold

    def test_crashy_deployment_fails_and_rolls_back(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:2", 4, deployment=DeploymentConfiguration(
            circuit_breaker_enable=True, circuit_breaker_rollback=True))
        converge(control, runtime, clock, 5)
        first = sb.service("default", "web").primary.id
        seen_counts = []
        sb.update_service("default", "web", task_definition="crashy:1")
        failed_id = sb.service("default", "web").primary.id
        converge(control, runtime, clock, 40, crash={"crashy"},
                 observe=lambda: seen_counts.append(sb.service("default", "web").deployments[-1].failed_tasks))
        service = sb.service("default", "web")
        assert service.task_definition == "web:2"
        assert len(service.deployments) == 1 and service.primary.rollout_state == "COMPLETED"
        assert service.primary.id not in (first, failed_id)
        messages = [e.message for e in service.events]
        assert wording.deployment_failed("web", failed_id) in messages
        assert any(m.startswith(f"(service web) (deployment {service.primary.id}) rolling back") for m in messages)
        assert {t.task_definition for t in live(control)} == {"web:2"}
        assert len([t for t in live(control) if t.last_status == RUNNING]) == 4
