"""Blue/green, canary and linear: a whole second task set, then traffic moves to it."""

from __future__ import annotations

import pytest

from sandbox.core import errors
from sandbox.core.model import RUNNING, DeploymentConfiguration, TaskDefinition
from tests.sandbox_fixtures import fake_sandbox, settle
from tests.scheduler_support import converge, lb_healthy, live


class TestTaskSetStrategies:
    """Blue/green, canary and linear: a whole second task set, then traffic moves to it."""

    def setup(self, strategy: str, **config):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 2, load_balancer={},
                          deployment=DeploymentConfiguration(strategy=strategy, bake_seconds=5, **config))
        self.run(control, runtime, clock, 6)
        return sb, control, runtime, clock

    def run(self, control, runtime, clock, rounds, observe=None, crash=frozenset()):
        for _ in range(rounds):
            converge(control, runtime, clock, 1, crash=crash)
            lb_healthy(control)
            settle(control, 2)
            if observe:
                observe()

    def test_canary_shifts_ten_then_all_then_removes_blue(self):
        sb, control, runtime, clock = self.setup("CANARY", canary_percent=10)
        seen = []

        def observe():
            service = sb.service("default", "web")
            blue = [t for t in live(control) if t.task_definition == "web:1" and t.last_status == RUNNING]
            seen.append((service.deployments[0].traffic_percent, len(blue), len(service.deployments)))

        sb.update_service("default", "web", task_definition="web:2")
        assert sb.service("default", "web").primary.traffic_percent == 0
        self.run(control, runtime, clock, 20, observe)
        shares = [share for share, _, deployments in seen if deployments == 2]
        assert 10 in shares and 100 in shares
        assert shares == sorted(shares)  # traffic only ever moves forward
        # Blue keeps its full count until the new set has had all traffic for the bake time.
        assert all(blue == 2 for share, blue, deployments in seen if deployments == 2 and share < 100)
        service = sb.service("default", "web")
        assert len(service.deployments) == 1 and service.primary.rollout_state == "COMPLETED"
        assert {t.task_definition for t in live(control)} == {"web:2"}
        messages = [e.message for e in service.events]
        assert any("shifted 10% of traffic to the new task set" in m for m in messages)
        assert any("shifted 100% of traffic to the new task set" in m for m in messages)

    def test_linear_moves_in_steps(self):
        sb, control, runtime, clock = self.setup("LINEAR", linear_step_percent=50)
        sb.update_service("default", "web", task_definition="web:2")
        self.run(control, runtime, clock, 20)
        messages = [e.message for e in sb.service("default", "web").events]
        assert any("shifted 50% of traffic" in m for m in messages)
        assert any("shifted 100% of traffic" in m for m in messages)

    def test_blue_green_failure_rolls_back_with_blue_untouched(self):
        sb, control, runtime, clock = self.setup("BLUE_GREEN")
        sb.register_task_definition(TaskDefinition(family="broken", revision=0, image="servicelab/demo-task",
                                                   command=("crash", "1"), container_port=8080))
        blue_ids = {t.task_id for t in live(control)}
        sb.update_service("default", "web", task_definition="broken:1")
        self.run(control, runtime, clock, 25, crash={"broken"})
        service = sb.service("default", "web")
        assert service.task_definition == "web:1" and len(service.deployments) == 1
        assert {t.task_id for t in live(control)} == blue_ids  # never stopped, never moved
        assert any("deployment failed" in e.message for e in service.events)

    def test_task_set_strategies_need_a_load_balancer(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 1, deployment=DeploymentConfiguration(strategy="CANARY"))
        with pytest.raises(errors.InvalidParameterException, match="behind a load balancer"):
            sb.update_service("default", "web", task_definition="web:2")
