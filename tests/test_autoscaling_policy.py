"""Target tracking's pure decision and its metric windows, on a fake clock (plain numbers)."""

from __future__ import annotations

import pytest

from sandbox.core import errors
from sandbox.autoscaling import policy as scaling
from sandbox.autoscaling.metrics import CpuSampler, RequestSampler, Window
from sandbox.runtime.base import Stats

T0 = 1_800_000_000.0
CPU50 = scaling.check("cpu", 50, 1, 6, 300, 300)


def decide(samples, current, desired, policy=CPU50, last_out=None, last_in=None, set_at=T0, now=T0 + 1000,
           deploying=False):
    return scaling.decide(samples, current, desired, policy, last_out, last_in, set_at, now, deploying)


class TestFormula:
    def test_scale_out_is_ceil_of_current_times_metric_over_target(self):
        d = decide([90, 90], current=2, desired=2)
        assert (d.desired, d.direction) == (4, "out")  # ceil(2 × 90 / 50) = 4
        assert "ceil(2 × 90.0 / 50) = 4" in d.reason and d.reason.startswith("ECSServiceAverageCPUUtilization 90.0%")

    def test_the_metric_is_the_mean_of_the_samples(self):
        d = decide([40, 80], current=3, desired=3)  # mean 60 → ceil(3.6) = 4
        assert d.desired == 4 and d.metric == 60

    def test_clamped_to_max_and_min(self):
        assert decide([500, 500], current=2, desired=2).desired == 6
        d = decide([0, 0], current=4, desired=4)
        assert (d.desired, d.direction) == (1, "in") and "(min 1)" in d.reason

    def test_exactly_on_target_holds(self):
        d = decide([50, 50], current=3, desired=3)
        assert d.desired is None and "desired stays 3" in d.reason

    def test_scale_out_only_when_above_and_in_only_when_below(self):
        # Above the target but the formula does not exceed the desired count: nothing to do.
        assert decide([55, 55], current=2, desired=3).desired is None
        # Below the target but the formula already matches: nothing either.
        assert decide([45, 45], current=3, desired=3).desired is None

    def test_not_enough_samples_waits(self):
        d = decide([95], current=1, desired=1)
        assert d.desired is None and d.reason == "waiting for ECSServiceAverageCPUUtilization data"
        assert decide([], current=0, desired=1).desired is None

    def test_desired_outside_the_range_is_brought_back_without_data(self):
        assert decide([], current=0, desired=0).desired == 1
        assert decide([], current=0, desired=9).desired == 6


class TestCooldowns:
    def test_scale_out_waits_for_the_scale_out_cooldown(self):
        now = T0 + 1000
        d = decide([90, 90], 2, 2, last_out=now - 100, now=now)
        assert d.desired is None and "scale-out cooldown ends in 200s" in d.reason
        assert decide([90, 90], 2, 2, last_out=now - 300, now=now).desired == 4

    def test_scale_in_ignores_nothing_but_waits_after_any_activity(self):
        now = T0 + 1000
        d = decide([10, 10], 4, 4, last_out=now - 299, now=now)
        assert d.desired is None and "scale-in cooldown ends in 1s" in d.reason
        assert decide([10, 10], 4, 4, last_out=now - 300, now=now).desired == 1
        assert decide([10, 10], 4, 4, last_in=now - 10, now=now).desired is None

    def test_scale_in_waits_a_cooldown_after_the_policy_is_set(self):
        d = decide([0, 0], 3, 3, set_at=T0, now=T0 + 60)
        assert d.desired is None and "scale-in cooldown" in d.reason

    def test_scale_out_ignores_the_scale_in_cooldown(self):
        now = T0 + 1000
        assert decide([90, 90], 2, 2, last_in=now - 1, now=now).desired == 4

    def test_no_scale_in_during_a_deployment_but_scale_out_goes_on(self):
        d = decide([10, 10], 4, 4, deploying=True)
        assert d.desired is None and "no scale-in during a deployment" in d.reason
        assert decide([90, 90], 2, 2, deploying=True).desired == 4

    def test_with_a_fast_clock_the_cooldown_is_sandbox_time(self):
        # The loop passes sandbox time; the policy never sees real time.
        policy = scaling.check("requests", 300, 1, 3, 60, 100)
        out_at = T0
        assert scaling.decide([0, 0], 1, 3, policy, out_at, None, T0 - 5, out_at + 99, False).desired is None
        assert scaling.decide([0, 0], 1, 3, policy, out_at, None, T0 - 5, out_at + 100, False).desired == 1


class TestCheck:
    @pytest.mark.parametrize("args, message", [
        (("memory", 50, 1, 2), "metric 'memory' is not one of: cpu, requests"),
        (("cpu", 0, 1, 2), "target 0 for cpu is out of range"),
        (("cpu", 50, 3, 2), "min 3 and max 2 do not make a range"),
        (("cpu", 50, 0, 0), "do not make a range"),
        (("cpu", 50, 1, 101), "max capacity 101 is out of range"),
        (("requests", 100, 1, 2, -1), "scale-out cooldown -1 is out of range"),
    ])
    def test_refuses_with_one_line(self, args, message):
        with pytest.raises(errors.InvalidParameterException) as exc:
            scaling.check(*args)
        assert message in exc.value.message and "\n" not in exc.value.message

    def test_round_trips_through_a_dict(self):
        assert scaling.Policy.from_dict(CPU50.to_dict()) == CPU50

    def test_a_service_s_record_keeps_its_history_across_a_new_policy(self):
        from sandbox.autoscaling.record import Autoscaling, ScalingActivity

        record = Autoscaling.set(CPU50, T0, None).sampled(80.0, 2, T0 + 5, "why")
        record = record.after(ScalingActivity(T0 + 10, 2, 4, "out", "why", "Message: …"))
        assert record.state.last_scale_out_at == T0 + 10 and record.state.last_action.to_dict() == {
            "at": T0 + 10, "from": 2, "to": 4, "direction": "out", "reason": "why", "message": "Message: …"}
        assert Autoscaling.from_dict(record.to_dict()) == record
        again = Autoscaling.set(CPU50, T0 + 20, record)
        assert again.set_at == T0 + 20 and again.state.last_action == record.state.last_action
        assert again.state.last_scale_out_at == T0 + 10 and again.state.metric is None


class TestMetrics:
    def test_window_keeps_a_minute_of_samples(self):
        w = Window()
        for i in range(10):
            w.add(T0 + i * 10, float(i), 2)
        assert w.values(T0 + 90) == [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
        assert w.capacity() == 2
        w.clear()
        assert w.values(T0 + 90) == [] and w.capacity() == 0

    def test_cpu_is_percent_of_reserved_units_and_skips_first_readings(self):
        readings = {"a": Stats(25.0, 0), "b": Stats(100.0, 0)}
        sampler = CpuSampler(lambda cid: readings.get(cid))
        assert sampler.sample([("a", 256), ("b", 1024)]) is None  # first readings only prime
        assert sampler.sample([("a", 256), ("b", 1024), ("gone", 128)]) == (100.0, 2)  # 25% of a core = 100% of 256

    def test_requests_per_minute_per_healthy_target(self):
        clock = iter([0.0, 5.0, 10.0])
        sampler = RequestSampler(monotonic=lambda: next(clock))
        assert sampler.sample(0, 2) is None
        assert sampler.sample(100, 2) == (600.0, 2)  # 100 in 5 s = 1200/min over 2 targets
        assert sampler.sample(100, 0) is None  # no healthy target, no data


class TestScalerLoop:
    """The loop's glue on the fake runtime and a fake clock: sample, decide, apply, with events."""

    def test_cpu_scales_out_then_in_only_after_the_scale_in_cooldown(self):
        from sandbox.autoscaling.scaler import AutoScaler
        from tests.sandbox_fixtures import fake_sandbox, settle

        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 1)
        settle(control)
        load = {"percent": 25.0}  # Docker's percent: a quarter core = 200% of web:1's 128 units
        runtime.stats = lambda cid: Stats(load["percent"], 0)
        sb.set_scaling_policy("default", "web", "cpu", 50, 1, 3, scale_out_cooldown=60, scale_in_cooldown=120)
        scaler = AutoScaler(sb)
        service = sb.store.service("default", "web")

        def tick_until(predicate, limit=100):
            for _ in range(limit):
                scaler.tick()
                settle(control, passes=2)
                if predicate():
                    return clock.now()
                clock.advance(5)
            raise AssertionError(f"not reached; scaling: {service.autoscaling}")

        out_at = tick_until(lambda: service.desired_count == 3)
        assert "Message: Successfully set desired count to 3. Change successfully fulfilled by ecs." in [
            e.message for e in service.events]
        assert service.autoscaling.state.last_action.direction == "out"
        assert any(d["text"].startswith("auto scaling: ECSServiceAverageCPUUtilization 200.0% > target 50")
                   for d in service.decisions)
        load["percent"] = 0.0
        in_at = tick_until(lambda: service.desired_count == 1)
        assert 120 <= in_at - out_at <= 130
        assert "Message: Successfully set desired count to 1. Change successfully fulfilled by ecs." in [
            e.message for e in service.events]
        # The app's view of it.
        from sandbox.api import shapes

        view = shapes.service_extras(service, sb.store.tasks_of("default", "web"))["scaling"]
        assert view["metric"] == "cpu" and view["min"] == 1 and view["max"] == 3 and view["current"] == 0.0
        assert view["lastAction"]["to"] == 1
