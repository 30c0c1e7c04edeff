"""The observe step: exited, vanished and unhealthy tasks, stop requests, the grace period, one-off tasks."""

from __future__ import annotations

from sandbox.core import events as wording
from sandbox.lb.settings import LoadBalancer
from sandbox.core.model import (
    ESSENTIAL_CONTAINER_EXITED,
    SERVICE_SCHEDULER_INITIATED,
    STOPPED,
    USER_INITIATED,
)
from sandbox.runtime.base import EXITED, HEALTH_UNHEALTHY
from sandbox.scheduler import planner
from tests.scheduler_support import NOW, TDS, ids, make_service, make_task, running_container


class TestObserve:
    """What the runtime and the load balancer report, turned into reaps, stops and health."""

    def test_exited_container_is_reaped_with_exit_code_and_replaced(self):
        dead, alive = make_task(1), make_task(2)
        observed = {
            dead.task_id: running_container(dead, state=EXITED, exit_code=137),
            alive.task_id: running_container(alive),
        }
        plan = planner.plan_service(make_service(2), TDS, [dead, alive], observed, 0, NOW, ids(1))
        assert plan.reaps == [planner.Reap(dead.task_id, ESSENTIAL_CONTAINER_EXITED, planner.EXITED_REASON, 137, None)]
        assert len(plan.starts) == 1

    def test_vanished_container_is_reaped_only_by_a_listing_newer_than_its_launch(self):
        task = make_task(1)
        task.launch_seq = 5
        stale = planner.plan_service(make_service(1), TDS, [task], {}, 4, NOW)
        assert not stale.reaps and not stale.starts
        fresh = planner.plan_service(make_service(1), TDS, [task], {}, 5, NOW, ids(1))
        assert [r.task_id for r in fresh.reaps] == [task.task_id]
        assert fresh.reaps[0].container_reason == "container was removed outside servicelab"

    def test_unhealthy_service_task_is_stopped_and_replaced(self):
        task = make_task(1)
        plan = planner.plan_service(make_service(1), TDS, [task],
                                    {task.task_id: running_container(task, health=HEALTH_UNHEALTHY)}, 0, NOW, ids(1))
        assert plan.stops == [planner.Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, "Task failed container health checks")]
        assert len(plan.starts) == 1
        assert wording.stopped("web", [task.task_id]) in plan.events

    def test_the_grace_period_spares_an_unhealthy_task_until_it_ends(self):
        task = make_task(1, started=NOW - 50)
        observed = {task.task_id: running_container(task, health=HEALTH_UNHEALTHY)}
        service = make_service(1, health_check_grace_seconds=60)
        spared = planner.plan_service(service, TDS, [task], observed, 0, NOW, ids(1))
        assert not spared.stops and not spared.starts
        assert spared.requeue_after == 10, "wakes when the grace period ends"
        assert spared.notes == [f"task {task.task_id[:8]} is UNHEALTHY, but it is within the service's 60s health "
                                "check grace period → keeping it"]
        ended = planner.plan_service(service, TDS, [task], observed, 0, NOW + 10, ids(1))
        assert [s.task_id for s in ended.stops] == [task.task_id] and len(ended.starts) == 1

    def test_an_unhealthy_target_is_replaced_with_the_load_balancers_reason(self):
        task = make_task(1, target_health="unhealthy")
        service = make_service(1, load_balancer=LoadBalancer("arn:tg", "web", 8080))
        plan = planner.plan_service(service, TDS, [task], {task.task_id: running_container(task)}, 0, NOW, ids(1))
        assert plan.stops == [planner.Stop(task.task_id, SERVICE_SCHEDULER_INITIATED, wording.elb_health_failure("arn:tg"))]
        assert len(plan.starts) == 1

    def test_unhealthy_one_off_task_keeps_running(self):
        task = make_task(1)
        task.service = None
        plan = planner.plan_standalone([task], {task.task_id: running_container(task, health=HEALTH_UNHEALTHY)}, 0)
        assert not plan.stops and plan.health == {task.task_id: "UNHEALTHY"}

    def test_exited_one_off_task_is_recorded_never_replaced(self):
        task = make_task(1)
        task.service = None
        plan = planner.plan_standalone([task], {task.task_id: running_container(task, state=EXITED, exit_code=0)}, 0)
        assert [r.exit_code for r in plan.reaps] == [0] and not plan.starts

    def test_user_stop_request_is_carried_out(self):
        task = make_task(1, desired_status=STOPPED, stop_code=USER_INITIATED, stopped_reason="bye")
        plan = planner.plan_service(make_service(1), TDS, [task], {task.task_id: running_container(task)}, 0, NOW, ids(1))
        assert plan.stops == [planner.Stop(task.task_id, USER_INITIATED, "bye")]
        assert len(plan.starts) == 1  # the service replaces it
