"""The load balancer's pure parts: target health transitions, settings, traffic arithmetic."""

from __future__ import annotations

import pytest

from sandbox.core import errors
from sandbox.core import events as wording
from sandbox.lb import health as th
from sandbox.lb import settings
from sandbox.lb.traffic import Report, Result, percentile


def run(results, healthy=2, unhealthy=2, start=None):
    states = []
    h = start or th.TargetHealth()
    for ok in results:
        h = th.after_check(h, ok, healthy, unhealthy)
        states.append(h.state)
    return states


class TestTargetHealth:
    def test_initial_becomes_healthy_after_the_healthy_threshold(self):
        assert run([True, True, True], healthy=2) == ["initial", "healthy", "healthy"]
        assert run([True, True, True, True, True], healthy=5)[-2:] == ["initial", "healthy"]

    def test_initial_becomes_unhealthy_after_the_unhealthy_threshold(self):
        assert run([False, False]) == ["initial", "unhealthy"]

    def test_a_streak_of_the_other_kind_resets(self):
        # healthy, one failure is tolerated, one pass resets the failures.
        states = run([True, True, False, True, False, False])
        assert states == ["initial", "healthy", "healthy", "healthy", "healthy", "unhealthy"]

    def test_unhealthy_needs_the_full_healthy_streak_to_return(self):
        start = th.TargetHealth(th.UNHEALTHY)
        assert run([True, False, True, True], start=start) == ["unhealthy", "unhealthy", "unhealthy", "healthy"]

    def test_draining_is_final_and_never_routed(self):
        h = th.draining(th.TargetHealth(th.HEALTHY, passes=4))
        assert h.state == th.DRAINING and not th.routable(h)
        assert th.after_check(h, True, 2, 2) == h and th.after_check(h, False, 2, 2) == h

    def test_only_healthy_is_routable(self):
        assert [th.routable(th.TargetHealth(s)) for s in th.STATES] == [False, True, False, False]


class TestSettings:
    def test_defaults_are_short_and_documented(self):
        s = settings.check(None).to_dict()
        assert s == {"healthCheckPath": "/health", "healthCheckIntervalSeconds": 5, "healthyThresholdCount": 2,
                     "unhealthyThresholdCount": 2, "deregistrationDelaySeconds": 5}

    def test_a_service_s_load_balancer_keeps_its_flat_json_shape(self):
        lb = settings.LoadBalancer("arn:tg", "web", 8080, settings.check({"healthyThresholdCount": 3}), 38123)
        assert lb.to_dict() == {"healthCheckPath": "/health", "healthCheckIntervalSeconds": 5, "healthyThresholdCount": 3,
                                "unhealthyThresholdCount": 2, "deregistrationDelaySeconds": 5,
                                "targetGroupArn": "arn:tg", "listenerPort": 38123, "containerName": "web",
                                "containerPort": 8080}
        assert settings.LoadBalancer.from_dict(lb.to_dict()) == lb

    @pytest.mark.parametrize("given, message", [
        ({"healthCheckPath": "health"}, "healthCheckPath 'health' is not valid"),
        ({"healthCheckIntervalSeconds": 1}, "healthCheckIntervalSeconds 1 is out of range: allowed 5 to 300"),
        ({"healthyThresholdCount": 11}, "allowed 2 to 10"),
        ({"deregistrationDelaySeconds": 4000}, "allowed 0 to 3600"),
        ({"timeout": 3}, "unknown load balancer setting 'timeout'"),
    ])
    def test_refuses_with_one_line(self, given, message):
        with pytest.raises(errors.InvalidParameterException) as exc:
            settings.check(given)
        assert message in exc.value.message

    def test_target_group_arn_is_elbv2_shaped(self):
        arn = settings.target_group_arn("default", "web", 1.0)
        assert arn.startswith("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/ecs-default-web/")
        assert len(arn.rsplit("/", 1)[-1]) == 16
        assert arn != settings.target_group_arn("default", "web", 2.0)

    def test_event_wording_is_ecs(self):
        tg = "arn:tg"
        assert wording.registered_targets("web", 1, tg) == "(service web) registered 1 targets in (target-group arn:tg)"
        assert wording.draining("web", 1) == "(service web) has begun draining connections on 1 tasks."
        assert wording.elb_health_failure(tg) == "Task failed ELB health checks in (target-group arn:tg)"
        assert wording.scaling_fulfilled(4) == "Message: Successfully set desired count to 4. Change successfully fulfilled by ecs."


class TestTrafficReport:
    def test_nearest_rank_percentiles(self):
        values = [float(v) for v in range(1, 101)]
        assert percentile(values, 50) == 50.0 and percentile(values, 99) == 99.0
        assert percentile([], 50) is None and percentile([7.0], 99) == 7.0

    def test_summary_shape_counts_errors(self):
        report = Report([Result(0, 2.0, 200, None, "a"), Result(0, 4.0, 503, None, None),
                         Result(0, 0.0, None, "timeout", None)])
        assert report.summary() == {"requests": 3, "errors": 2, "p50_ms": 2.0, "p99_ms": 4.0}
        assert report.tasks() == {"a": 1}


def test_blue_green_share_spreads_requests_by_percent():
    """During a canary at 25%, a quarter of requests reach the new set, evenly spread."""
    import asyncio

    from sandbox.lb.balancer import ServiceBalancer

    async def on_health(*_):
        return None

    async def scenario():
        balancer = ServiceBalancer("web", settings.LoadBalancer("arn:tg", "web", 8080, settings.check({})), lambda s: s, on_health)
        for task_id, deployment in (("blue1", "old"), ("blue2", "old"), ("green1", "new")):
            target = balancer.register(task_id, 1)
            balancer._stop_checking(target)  # health is set by hand here
            target.health = th.TargetHealth(th.HEALTHY)
            balancer.deployment_of[task_id] = deployment
        balancer.shares = ("new", 25.0)
        picks = [balancer.pick().task_id for _ in range(100)]
        balancer.shares = None
        return picks, {balancer.pick().task_id for _ in range(3)}

    picks, without_shares = asyncio.run(scenario())
    assert picks.count("green1") == 25
    assert max(len(run) for run in "".join("g" if p == "green1" else "." for p in picks).split(".")) == 1
    assert without_shares == {"blue1", "blue2", "green1"}
