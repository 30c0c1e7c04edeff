"""The planner and the control loop on the fake runtime, with a clock that only moves when told."""

from __future__ import annotations

import pytest

from sandbox import events as wording
from sandbox import planner
from sandbox.model import (
    ACTIVATING,
    ESSENTIAL_CONTAINER_EXITED,
    RUNNING,
    SERVICE_SCHEDULER_INITIATED,
    STOPPED,
    TASK_FAILED_TO_START,
    USER_INITIATED,
    Service,
    Task,
)
from sandbox.runtime.base import EXITED, HEALTH_HEALTHY, HEALTH_UNHEALTHY, ObservedContainer
from sandbox.store import Store
from sandbox.taskdef_file import builtin
from tests.sandbox_fixtures import fake_sandbox, settle

NOW = 1_800_000_000.0
TDS = {f"{td.family}:{rev}": td for td, rev in builtin()}


def make_service(desired: int, **kw) -> Service:
    return Service(name="web", cluster="default", task_definition="web:1", desired_count=desired, **kw)


def make_task(n: int, status: str = RUNNING, started: float | None = NOW - 100, **kw) -> Task:
    return Task(task_id=f"{n:032x}", cluster="default", task_definition="web:1", service="web",
                last_status=status, created_at=(started or NOW) - 1, started_at=started, **kw)


def running_container(task: Task, **kw) -> ObservedContainer:
    return ObservedContainer(container_id=f"c{task.task_id[-4:]}", task_id=task.task_id, **kw)


def ids(n: int):
    counter = iter(range(1000, 2000))
    return lambda: f"{next(counter):032x}"


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
        service = make_service(1, load_balancer={"targetGroupArn": "arn:tg"})
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




def failed(n: int, stopped_at: float, ran_for: float | None = 1.0, code=ESSENTIAL_CONTAINER_EXITED) -> Task:
    started = None if ran_for is None else stopped_at - ran_for
    task = make_task(n, status=STOPPED, started=started, stop_code=code)
    task.stopped_at = stopped_at
    return task


class TestBackoff:
    """Crash loops back off, from the stopped tasks themselves; never a hot loop."""

    @pytest.mark.parametrize("streak,delay", [(0, 0), (1, 0), (2, 2), (3, 4), (4, 8), (6, 32), (7, 60), (20, 60)])
    def test_delay_grows_exponentially_and_is_capped(self, streak, delay):
        assert planner.backoff_delay(streak) == delay

    def test_streak_counts_fast_failures_and_stops_at_a_long_run(self):
        history = [failed(1, NOW - 10), failed(2, NOW - 20), failed(3, NOW - 30, ran_for=60), failed(4, NOW - 40)]
        assert planner.failure_streak(history, set(), NOW)[0] == 2

    def test_user_stops_neither_count_nor_break_the_streak(self):
        user = failed(2, NOW - 15, code=USER_INITIATED)
        history = [failed(1, NOW - 10), user, failed(3, NOW - 20)]
        assert planner.failure_streak(history, set(), NOW)[0] == 2

    def test_failed_to_start_counts(self):
        history = [failed(1, NOW - 1, ran_for=None, code=TASK_FAILED_TO_START)]
        assert planner.failure_streak(history, set(), NOW)[0] == 1

    def test_a_task_running_long_enough_resets_the_streak(self):
        history = [failed(1, NOW - 30), failed(2, NOW - 31), make_task(3, started=NOW - 20)]
        assert planner.failure_streak(history, set(), NOW)[0] == 0

    def test_start_waits_for_the_backoff_then_goes(self):
        history = [failed(i, NOW - 1 - i * 0.1) for i in range(1, 4)]  # 3 fast failures → 4 s
        plan = planner.plan_service(make_service(1), TDS, history, {}, 0, NOW, ids(1))
        assert not plan.starts
        assert plan.requeue_after == pytest.approx(2.9)
        assert wording.unable_to_start("web") in plan.events
        later = planner.plan_service(make_service(1), TDS, history, {}, 0, NOW + 2.9, ids(1))
        assert len(later.starts) == 1


class TestControlLoop:
    """The controller applying plans on the fake runtime: the behaviour a learner sees."""

    def test_scale_kill_recover(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 3)
        settle(control)
        assert len(runtime.running()) == 3
        victim = next(iter(control.store.tasks.values()))
        runtime.kill(victim.container_id)
        control.mark_task_dirty(victim.task_id)
        settle(control)
        assert len(runtime.running()) == 3
        assert victim.last_status == STOPPED and victim.stop_code == ESSENTIAL_CONTAINER_EXITED
        assert victim.exit_code == 137
        assert victim.container_id not in runtime.containers  # cleaned up, logs kept
        assert "started" in victim.logs_tail
        sb.update_service("default", "web", desired_count=1)
        settle(control)
        assert len(runtime.running()) == 1

    def test_crash_loop_backs_off_with_growing_gaps(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "crashy", "crashy:1", 1)
        launches_at = []
        for _ in range(40):
            settle(control, 2)
            for container in runtime.running():
                launches_at.append(clock.now())
                runtime.exit(container.container_id, 1)  # dies a moment after starting
            clock.advance(0.5)
        gaps = [b - a for a, b in zip(launches_at, launches_at[1:])]
        assert gaps[0] < 1.0 and gaps[-1] >= 4.0, gaps
        assert all(b >= a for a, b in zip(gaps[1:], gaps[2:])), gaps
        service = sb.service("default", "crashy")
        assert any(e.message == wording.unable_to_start("crashy") for e in service.events)
        assert len(launches_at) < 12  # not a hot loop

    def test_user_stop_replaced_and_recorded(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 2)
        settle(control)
        task = next(iter(control.store.tasks.values()))
        sb.stop_task("default", task.task_id, "learner says hi")
        settle(control)
        assert task.last_status == STOPPED and task.stop_code == USER_INITIATED
        assert task.stopped_reason == "learner says hi"
        assert len(runtime.running()) == 2

    def test_run_task_is_never_replaced(self):
        sb, control, runtime, clock = fake_sandbox()
        (task,) = sb.run_task("default", "batch", 1)
        settle(control)
        runtime.exit(task.container_id, 0)
        settle(control)
        assert task.last_status == STOPPED and task.exit_code == 0
        assert runtime.running() == []

    def test_failed_launch_is_task_failed_to_start_with_event(self):
        sb, control, runtime, clock = fake_sandbox()
        runtime.fail_next_launch = "port 8080 is already allocated"
        sb.create_service("default", "web", "web:1", 1)
        settle(control)
        failed_task = next(t for t in control.store.tasks.values() if t.last_status == STOPPED)
        assert failed_task.stop_code == TASK_FAILED_TO_START
        assert "CannotCreateContainerError: port 8080 is already allocated" in failed_task.stopped_reason
        assert len(runtime.running()) == 1  # the next attempt worked

    def test_stopped_tasks_kept_are_bounded(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 1)
        for _ in range(130):
            settle(control, 1)
            for container in runtime.running():
                runtime.exit(container.container_id, 1)
            clock.advance(120)  # slow failures: no backoff
        stopped = [t for t in control.store.tasks.values() if t.last_status == STOPPED]
        assert len(stopped) == 100

    def test_restart_adopts_containers_and_duplicates_nothing(self, tmp_path):
        store = Store(tmp_path / "state.json")
        sb, control, runtime, clock = fake_sandbox(store=store)
        sb.create_service("default", "web", "web:1", 3)
        settle(control)
        before = {c.container_id for c in runtime.running()}
        # A new control plane over the saved state and the same runtime, as after SIGKILL.
        reloaded = Store(tmp_path / "state.json")
        reloaded.load()
        sb2, control2, _, _ = fake_sandbox(store=reloaded, runtime=runtime, clock=clock)
        control2.recover()
        settle(control2)
        assert {c.container_id for c in runtime.running()} == before
        assert len([t for t in reloaded.tasks.values() if t.last_status == RUNNING]) == 3

    def test_strangers_with_our_labels_are_adopted_or_cleared(self, tmp_path):
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "web", "web:1", 2)
        settle(control)
        # Lose the records (as if the state file had been set aside) but keep the containers.
        control.store.tasks.clear()
        control.mark_dirty("resync")
        settle(control)
        assert len(runtime.running()) == 2
        assert len([t for t in control.store.tasks.values() if t.last_status == RUNNING]) == 2

    def test_corrupt_state_file_is_set_aside(self, tmp_path):
        path = tmp_path / "state.json"
        path.write_text("{ not json")
        store = Store(path)
        store.load()
        assert store.set_aside is not None and store.set_aside.read_text() == "{ not json"
        assert not path.exists()
