"""Zones: AZ spread, a failed zone and rebalancing back, balanced scale-in, draining an instance."""

from __future__ import annotations

from collections import Counter

from sandbox.core.model import RUNNING, Instance
from sandbox.runtime.base import EXITED
from sandbox.scheduler import planner
from sandbox.scheduler.placement import Fleet
from tests.sandbox_fixtures import fake_sandbox
from tests.scheduler_support import NOW, TDS, converge, ids, live, make_service, make_task, running_container, zones_of

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")


def two_per_zone():
    """Six RUNNING web tasks, two in each zone, and the fleet the loop builds from its live tasks."""
    instances = [Instance(id=f"ci-{n}", cluster="default", zone=zone) for n, zone in enumerate(ZONES)]
    tasks = [make_task(n, instance_id=instances[n % 3].id, zone=instances[n % 3].zone) for n in range(6)]
    fleet = Fleet.build(instances, [t for t in tasks if t.is_live], [t for t in tasks if t.is_live], TDS)
    return tasks, fleet


class TestZones:
    """Tasks across zones, and back when a zone returns."""

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

    def test_a_crashed_task_s_replacement_goes_back_to_its_zone(self):
        """2·2·2, one in us-east-1b crashes: the replacement goes to us-east-1b, the zone with the
        fewest, not us-east-1a because the dead task still counted in its zone's tally."""
        tasks, fleet = two_per_zone()
        victim = next(t for t in tasks if t.zone == "us-east-1b")
        observed = {t.task_id: running_container(t) for t in tasks}
        observed[victim.task_id] = running_container(victim, state=EXITED, exit_code=137)
        plan = planner.plan_service(make_service(6), TDS, tasks, observed, 1, NOW, ids(1), fleet)
        assert [r.task_id for r in plan.reaps] == [victim.task_id]
        assert [s.zone for s in plan.starts] == ["us-east-1b"]
        assert any(d.endswith("in us-east-1b (AZ spread)") for d in plan.decisions)

    def test_a_killed_task_is_replaced_in_its_zone(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 6)
        converge(control, runtime, clock, 3)
        for zone in ("us-east-1b", "us-east-1c", "us-east-1a"):
            victim = next(t for t in live(control) if t.zone == zone)
            runtime.kill(victim.container_id)
            control.mark_task_dirty(victim.task_id)
            converge(control, runtime, clock, 2)
            assert sorted(zones_of(control).items()) == [(z, 2) for z in ZONES], zone

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
