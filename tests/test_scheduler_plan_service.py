"""plan_service as a whole: scaling, steady state, draining, on the pure planner with a fixed clock."""

from __future__ import annotations

from sandbox.core import events as wording
from sandbox.core.model import ACTIVATING, SERVICE_SCHEDULER_INITIATED
from sandbox.runtime.base import HEALTH_HEALTHY
from sandbox.scheduler import planner
from tests.scheduler_support import NOW, TDS, ids, make_service, make_task, running_container


class TestPlanShapes:
    """The pure planner: given desired and observed state, what does it decide?"""

    def test_scale_up_from_zero_starts_all_with_one_event(self):
        plan = planner.plan_service(make_service(3), TDS, [], {}, 0, NOW, ids(3))
        assert len(plan.starts) == 3
        assert plan.events == [wording.started("web", [s.task_id for s in plan.starts])]
        assert "desired 3, running 0, pending 0 → starting 3 tasks" in plan.decisions

    def test_at_desired_count_does_nothing_but_report_steady(self):
        tasks = [make_task(i) for i in range(2)]
        observed = {t.task_id: running_container(t, health=HEALTH_HEALTHY) for t in tasks}
        plan = planner.plan_service(make_service(2), TDS, tasks, observed, 0, NOW)
        assert not plan.starts and not plan.stops
        assert plan.events == [wording.steady("web")]

    def test_steady_state_is_not_repeated(self):
        service = make_service(1)
        service.add_event(wording.steady("web"), NOW - 5)
        task = make_task(1, health_status="HEALTHY")
        plan = planner.plan_service(service, TDS, [task], {task.task_id: running_container(task, health=HEALTH_HEALTHY)}, 0, NOW)
        assert plan.is_empty

    def test_scale_in_stops_not_yet_running_first_then_newest(self):
        oldest = make_task(1, started=NOW - 300)
        middle = make_task(2, started=NOW - 200)
        newest = make_task(3, started=NOW - 100)
        starting = make_task(4, status=ACTIVATING, started=None)
        tasks = [oldest, middle, newest, starting]
        observed = {t.task_id: running_container(t) for t in tasks[:3]}
        plan = planner.plan_service(make_service(2), TDS, tasks, observed, 0, NOW)
        assert [s.task_id for s in plan.stops] == [starting.task_id, newest.task_id]
        assert all(s.stop_code == SERVICE_SCHEDULER_INITIATED for s in plan.stops)
        assert plan.stops[0].reason == "Scaling activity initiated by (service web)"

    def test_draining_service_stops_everything_then_goes_inactive(self):
        service = make_service(0, status="DRAINING")
        task = make_task(1)
        plan = planner.plan_service(service, TDS, [task], {task.task_id: running_container(task)}, 0, NOW)
        assert [s.task_id for s in plan.stops] == [task.task_id]
        done = planner.plan_service(service, TDS, [], {}, 0, NOW)
        assert done.service_status == "INACTIVE"
