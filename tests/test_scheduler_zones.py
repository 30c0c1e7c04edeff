"""Zones: AZ spread, a failed zone and rebalancing back, balanced scale-in, draining an instance."""

from __future__ import annotations

from collections import Counter

from sandbox.model import RUNNING
from tests.sandbox_fixtures import fake_sandbox
from tests.scheduler_support import converge, live, zones_of


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
