"""Placement on its own: the constraint and strategy registries, and `place`'s typed result with
ECS's failure codes. Pure: instances, usage and task definitions built by hand, no sandbox."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from sandbox.core.model import DRAINING, Instance, Task, TaskDefinition
from sandbox.scheduler import placement
from sandbox.scheduler.placement import (
    Binpack,
    DistinctInstance,
    Fleet,
    MemberOf,
    Placed,
    PlacementError,
    Random,
    Spread,
    Unplaced,
    place,
)

SMALL = TaskDefinition(family="small", revision=1, image="servicelab/demo-task", cpu=256, memory=512)
TDS = {"small:1": SMALL}


def instances(*zones: str, cpu: int = 2048, memory: int = 4096) -> list[Instance]:
    return [Instance(id=f"ci-{n}", cluster="default", zone=zone, cpu=cpu, memory=memory) for n, zone in enumerate(zones)]


def on(instance: Instance, n: int) -> Task:
    """Task `n` of the service, already placed on `instance`."""
    return Task(task_id=f"{n:032x}", cluster="default", task_definition="small:1", service="web",
                instance_id=instance.id, zone=instance.zone)


def fleet(fleet_instances: list[Instance], placed: list[Task] = ()) -> Fleet:
    return Fleet.build(fleet_instances, placed, placed, TDS)


class TestConstraints:
    """Each kind: parsed from its ECS entry, feasible or not on an instance, and how it fails."""

    def test_distinct_instance_refuses_an_instance_the_service_already_uses(self):
        a, b = instances("us-east-1a", "us-east-1b")
        rule = placement.parse_constraint({"type": "distinctInstance"})
        assert rule == DistinctInstance()
        f = fleet([a, b], [on(a, 1)])
        assert not rule.feasible(a, f) and rule.feasible(b, f)
        assert rule.label == "distinctInstance"
        assert rule.failure_code == "DistinctInstance placement constraint unsatisfied"

    @pytest.mark.parametrize("expression, zones_kept", [
        ("attribute:ecs.availability-zone == us-east-1a", {"us-east-1a"}),
        ("attribute:ecs.availability-zone != us-east-1a", {"us-east-1b", "us-east-1c"}),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1c]", {"us-east-1a", "us-east-1c"}),
        ("attribute:ecs.availability-zone not_in [us-east-1a, 'us-east-1c']", {"us-east-1b"}),
        ("attribute:ecs.availability-zone =~ 1[bc]$", {"us-east-1b", "us-east-1c"}),
        ("attribute:ecs.instance-type == t3.medium and attribute:ecs.availability-zone != us-east-1b",
         {"us-east-1a", "us-east-1c"}),
        ("instanceId == ci-2", {"us-east-1c"}),
        ("attribute:ecs.no-such-attribute == x", set()),
    ])
    def test_member_of_keeps_instances_whose_attributes_match(self, expression, zones_kept):
        pool = instances("us-east-1a", "us-east-1b", "us-east-1c")
        rule = placement.parse_constraint({"type": "memberOf", "expression": expression})
        assert isinstance(rule, MemberOf) and rule.expression == expression
        assert {i.zone for i in pool if rule.feasible(i, fleet(pool))} == zones_kept
        assert rule.label == f"memberOf ({expression})"
        assert rule.failure_code == "MemberOf placement constraint unsatisfied"

    @pytest.mark.parametrize("entries, message", [
        ([{"type": "spreadOut"}], "placement constraint type 'spreadOut' is not known; allowed: distinctInstance, memberOf"),
        ([{"type": "memberOf", "expression": "zone is a"}], "memberOf expression 'zone is a' is not understood"),
        ([{"type": "memberOf", "expression": "attribute:ecs.availability-zone in us-east-1a"}],
         "'in' needs a list in brackets"),
        ([{"type": "memberOf", "expression": "attribute:ecs.availability-zone =~ ("}], "'=~' needs a regular expression"),
        ([{"type": "distinctInstance"}] * 11, "at most 10 placement constraints; got 11"),
    ])
    def test_refused_with_what_is_allowed(self, entries, message):
        with pytest.raises(PlacementError, match="^" + message.replace("[", r"\[").replace("(", r"\(")):
            placement.check_constraints(entries)


class TestStrategies:
    """Each kind: parsed from its ECS entry, and the key it ranks instances by (smaller first)."""

    def test_spread_counts_the_service_s_tasks_per_zone_or_per_instance(self):
        a, b, c = instances("us-east-1a", "us-east-1a", "us-east-1b")
        f = fleet([a, b, c], [on(a, 1)])
        by_zone = placement.parse_strategy({"type": "spread", "field": "attribute:ecs.availability-zone"})
        by_instance = placement.parse_strategy({"type": "spread", "field": "instanceId"})
        assert by_instance == Spread("instanceId")
        assert [by_zone.key(i, f, {}) for i in (a, b, c)] == [1, 1, 0]
        assert [by_instance.key(i, f, {}) for i in (a, b, c)] == [1, 0, 0]

    def test_binpack_prefers_the_least_left(self):
        a, b = instances("us-east-1a", "us-east-1b")
        f = fleet([a, b], [on(a, 1)])
        assert placement.parse_strategy({"type": "binpack", "field": "cpu"}) == Binpack("cpu")
        assert [Binpack("cpu").key(i, f, {}) for i in (a, b)] == [2048 - 256, 2048]
        assert [Binpack("memory").key(i, f, {}) for i in (a, b)] == [4096 - 512, 4096]

    def test_random_ranks_by_the_seeded_draw_and_takes_any_field(self):
        a, b = instances("us-east-1a", "us-east-1b")
        assert placement.parse_strategy({"type": "random", "field": "anything"}) == Random("anything")
        assert Random().key(b, fleet([a, b]), {"ci-0": 0.9, "ci-1": 0.1}) == 0.1

    @pytest.mark.parametrize("entries, message", [
        ([{"type": "pack"}], "placement strategy type 'pack' is not known; allowed: spread, binpack, random"),
        ([{"type": "spread", "field": "cpu"}],
         "spread cannot use field 'cpu'; allowed: attribute:ecs.availability-zone, instanceId, attribute:ecs.instance-type"),
        ([{"type": "binpack"}], "binpack cannot use field None; allowed: cpu, memory"),
        ([{"type": "random"}] * 6, "at most 5 placement strategies; got 6"),
    ])
    def test_refused_with_what_is_allowed(self, entries, message):
        with pytest.raises(PlacementError) as exc:
            placement.check_strategy(entries)
        assert str(exc.value) == message


class TestPlace:
    """The typed result: where a task goes with the fleet after it, or ECS's code and reason."""

    def test_default_spread_takes_the_emptiest_zone_and_leaves_the_input_as_it_was(self):
        a, b, c = instances("us-east-1a", "us-east-1b", "us-east-1c")
        given = fleet([a, b, c], [on(a, 1), on(b, 2)])
        before = copy.deepcopy(given)
        result = place(SMALL, given, [], [], "seed")
        assert isinstance(result, Placed) and result.instance is c
        assert given == before, "placing changed the fleet it was given"
        assert result.fleet.used_cpu["ci-2"] == 256 and result.fleet.used_memory["ci-2"] == 512
        assert result.fleet.service_per_instance["ci-2"] == 1 and result.fleet.service_per_zone["us-east-1c"] == 1

    def test_placing_several_in_a_row_follows_the_returned_fleet(self):
        pool = instances("us-east-1a", "us-east-1b", "us-east-1c")
        current, zones = fleet(pool), []
        for n in range(6):
            result = place(SMALL, current, [], [], f"task-{n}")
            zones.append(result.instance.zone)
            current = result.fleet
        assert sorted(zones) == ["us-east-1a"] * 2 + ["us-east-1b"] * 2 + ["us-east-1c"] * 2

    def test_a_task_gone_from_the_fleet_frees_its_room_and_its_place_in_the_zone_tally(self):
        a, b, c = instances("us-east-1a", "us-east-1b", "us-east-1c")
        placed = [on(a, 1), on(a, 2), on(b, 3), on(b, 4), on(c, 5), on(c, 6)]
        given = fleet([a, b, c], placed)
        after = given.without([placed[2]], TDS)
        assert after.service_per_zone["us-east-1b"] == 1 and after.service_per_instance["ci-1"] == 1
        assert after.used_cpu["ci-1"] == 256 and after.used_memory["ci-1"] == 512
        assert given.service_per_zone["us-east-1b"] == 2, "without() changed the fleet it was given"
        assert place(SMALL, after, [], [], "seed").instance is b

    def test_strategies_apply_in_order(self):
        a, b, c = instances("us-east-1a", "us-east-1b", "us-east-1b")
        given = fleet([a, b, c], [on(b, 1)])
        assert place(SMALL, given, [{"type": "binpack", "field": "memory"}], [], "s").instance is b
        assert place(SMALL, given, [{"type": "spread", "field": "instanceId"},
                                    {"type": "binpack", "field": "cpu"}], [], "s").instance is a

    def test_random_is_the_same_for_the_same_seed(self):
        pool = instances("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d")
        chosen = {place(SMALL, fleet(pool), [{"type": "random"}], [], f"seed-{n}").instance.id for n in range(40)}
        assert len(chosen) > 1
        again = [place(SMALL, fleet(pool), [{"type": "random"}], [], "seed-7").instance.id for _ in range(3)]
        assert len(set(again)) == 1

    @pytest.mark.parametrize("td, code, short", [
        (TaskDefinition(family="wide", revision=1, image="x", cpu=4096, memory=64), "RESOURCE:CPU", "CPU units"),
        (TaskDefinition(family="tall", revision=1, image="x", cpu=64, memory=8192), "RESOURCE:MEMORY", "memory"),
    ])
    def test_too_big_for_every_instance_names_the_closest_and_what_it_lacks(self, td, code, short):
        pool = instances("us-east-1a", "us-east-1b")
        result = place(td, fleet(pool), [], [], "s")
        assert result == Unplaced(code, "no container instance met all of its requirements. The closest matching "
                                        f"container-instance ci-1 has insufficient {short} available.")

    def test_no_usable_instance(self):
        a, = instances("us-east-1a")
        result = place(SMALL, fleet([dataclasses.replace(a, status=DRAINING)]), [], [], "s")
        assert result == Unplaced(
            "RESOURCE:INSTANCE", "no container instance is available (every instance is drained or in a failed zone).")

    def test_member_of_unsatisfied(self):
        expression = "attribute:ecs.availability-zone == us-east-1z"
        result = place(SMALL, fleet(instances("us-east-1a")), [], [{"type": "memberOf", "expression": expression}], "s")
        assert result == Unplaced("MemberOf placement constraint unsatisfied",
                                  f"no container instance met all of its requirements: the memberOf ({expression}) "
                                  "placement constraint is unsatisfied.")

    def test_distinct_instance_unsatisfied_after_the_constraints_before_it(self):
        a, b = instances("us-east-1a", "us-east-1b")
        constraints = [{"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"},
                       {"type": "distinctInstance"}]
        result = place(SMALL, fleet([a, b], [on(a, 1)]), [], constraints, "s")
        assert result == Unplaced("DistinctInstance placement constraint unsatisfied",
                                  "no container instance met all of its requirements: the distinctInstance "
                                  "placement constraint is unsatisfied.")
