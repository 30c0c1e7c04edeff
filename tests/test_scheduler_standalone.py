"""One-off tasks: RunTask records and places them, the loop's next pass launches them once."""

from __future__ import annotations

from sandbox.core.model import PENDING, PROVISIONING, RUNNING, STOPPED
from sandbox.scheduler import planner
from tests.sandbox_fixtures import fake_sandbox, settle
from tests.scheduler_support import make_task


class TestOneOffTasks:
    def test_plan_launches_only_what_was_never_handed_to_the_executor(self):
        recorded, handed, running = (make_task(n, status=s, started=None) for n, s in
                                     enumerate((PROVISIONING, PENDING, RUNNING)))
        for task in (recorded, handed, running):
            task.service = None
        plan = planner.plan_standalone([recorded, handed, running], {}, 0)
        assert plan.launches == [recorded.task_id]

    def test_run_task_records_them_and_the_loop_launches_each_once(self):
        sb, control, runtime, clock = fake_sandbox()
        tasks = sb.run_task("default", "batch", 2)
        assert {t.last_status for t in tasks} == {PROVISIONING} and runtime.launches == []
        assert all(t.instance_id and t.zone for t in tasks)  # placed when RunTask answered
        settle(control)
        assert {t.last_status for t in tasks} == {RUNNING}
        assert sorted(s.task_id for s in runtime.launches) == sorted(t.task_id for t in tasks)

    def test_a_one_off_stopped_before_its_launch_never_runs(self):
        sb, control, runtime, clock = fake_sandbox()
        (task,) = sb.run_task("default", "batch", 1)
        sb.stop_task("default", task.task_id)
        settle(control)
        assert task.last_status == STOPPED and task.stop_code == "UserInitiated"
        assert runtime.launches == []
