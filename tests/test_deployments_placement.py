"""Rolling deployments, the circuit breaker, and placement across zones, on the fake runtime."""

from __future__ import annotations

from collections import Counter

import pytest

from sandbox import errors
from sandbox import events as wording
from sandbox.model import RUNNING, STOPPED, DeploymentConfiguration, TaskDefinition
from sandbox.planner import circuit_breaker_threshold
from sandbox.runtime.base import HEALTH_HEALTHY, RUNNING as CONTAINER_RUNNING
from tests.sandbox_fixtures import fake_sandbox, settle


def make_healthy(runtime) -> None:
    for container in runtime.list_owned():
        if container.state == CONTAINER_RUNNING and container.health != HEALTH_HEALTHY:
            runtime.set_health(container.container_id, HEALTH_HEALTHY)


def live(control, service: str = "web"):
    return [t for t in control.store.tasks_of("default", service) if t.is_live]


def converge(control, runtime, clock, rounds: int = 30, observe=None, crash: set[str] = frozenset()) -> None:
    """Let the loop run with containers turning healthy, optionally crashing some families."""
    for _ in range(rounds):
        settle(control, 2)
        for container in runtime.running():
            family = container.labels.get("servicelab.task-definition", "").split(":")[0]
            if family in crash:
                runtime.exit(container.container_id, 1)
        make_healthy(runtime)
        settle(control, 2)
        if observe:
            observe()
        clock.advance(1.0)


def zones_of(control, service: str = "web") -> Counter:
    return Counter(t.zone for t in live(control, service) if t.last_status == RUNNING)


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


class TestPlacement:
    def test_six_tasks_spread_two_per_zone(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 6)
        converge(control, runtime, clock, 3)
        assert sorted(zones_of(control).values()) == [2, 2, 2]
        labels = runtime.list_owned()[0].labels
        assert labels["servicelab.zone"].startswith("us-east-1") and labels["servicelab.instance"].startswith("ci-")

    def test_zone_failure_and_rebalancing_back(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 6, az_rebalancing=True)
        converge(control, runtime, clock, 3)
        sb.set_zone_failed("default", "us-east-1a", True)
        converge(control, runtime, clock, 5)
        assert zones_of(control) == Counter({"us-east-1b": 3, "us-east-1c": 3})
        lost = [t for t in control.store.tasks_of("default", "web") if t.stop_code == "TerminationNotice"]
        assert len(lost) == 2 and lost[0].stopped_reason.startswith("Host EC2 (instance ci-")
        sb.set_zone_failed("default", "us-east-1a", False)
        converge(control, runtime, clock, 15)
        assert sorted(zones_of(control).values()) == [2, 2, 2]
        messages = [e.message for e in sb.service("default", "web").events]
        assert any("is not AZ balanced with" in m and "AZ Rebalancing in progress." in m for m in messages)
        assert any(m.startswith("service (web) is AZ balanced with 2 tasks in") for m in messages)

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

    def test_scale_in_keeps_zones_balanced(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 6)
        converge(control, runtime, clock, 3)
        sb.update_service("default", "web", desired_count=3)
        converge(control, runtime, clock, 3)
        assert sorted(zones_of(control).values()) == [1, 1, 1]

    def test_draining_an_instance_moves_its_tasks(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 3)
        converge(control, runtime, clock, 3)
        busy = live(control)[0].instance_id
        sb.set_instance_status("default", busy, "DRAINING")
        converge(control, runtime, clock, 5)
        assert all(t.instance_id != busy for t in live(control))
        assert len([t for t in live(control) if t.last_status == RUNNING]) == 3


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


def lb_healthy(control) -> None:
    """Stand in for the load balancer's checks: every RUNNING, container-healthy task passes."""
    with control.store.lock:
        for task in control.store.tasks.values():
            if task.last_status == RUNNING and task.health_status == "HEALTHY":
                task.target_health = "healthy"


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
