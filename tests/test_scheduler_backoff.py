"""ECS's service throttle, read from the stopped tasks: only tasks that never reached RUNNING."""

from __future__ import annotations

import pytest

from sandbox.core import events as wording
from sandbox.core.model import (
    ESSENTIAL_CONTAINER_EXITED,
    STOPPED,
    TASK_FAILED_TO_START,
    USER_INITIATED,
    Task,
)
from sandbox.runtime.base import EXITED
from sandbox.scheduler import planner
from tests.scheduler_support import NOW, TDS, ids, make_service, make_task, running_container


def failed(n: int, stopped_at: float, ran_for: float | None = None, code=TASK_FAILED_TO_START,
           taskdef: str = "web:1") -> Task:
    """A stopped task: never started (ran_for None, TaskFailedToStart) or ran `ran_for` seconds."""
    started = None if ran_for is None else stopped_at - ran_for
    task = make_task(n, status=STOPPED, started=started, stop_code=code)
    task.task_definition, task.stopped_at = taskdef, stopped_at
    return task


def crashed(n: int, stopped_at: float, ran_for: float = 1.0) -> Task:
    """Reached RUNNING, then its container exited (a crash, or a kill from outside)."""
    return failed(n, stopped_at, ran_for, code=ESSENTIAL_CONTAINER_EXITED)


def count(history: list[Task], taskdef: str = "web:1") -> int:
    return planner.start_failures(history, taskdef).count


class TestThrottle:
    """Tasks that never reach RUNNING are throttled; tasks that ran are replaced at once."""

    @pytest.mark.parametrize("streak,delay", [(0, 0), (1, 0), (2, 2), (3, 4), (4, 8), (6, 32), (7, 64),
                                              (11, 1024), (12, 1620), (40, 1620)])
    def test_delay_doubles_up_to_ecs_s_27_minutes(self, streak, delay):
        assert planner.throttle_delay(streak) == delay

    def test_only_tasks_that_never_reached_running_count(self):
        history = [failed(1, NOW - 10), failed(2, NOW - 20), crashed(3, NOW - 25, ran_for=0.2), failed(4, NOW - 40)]
        assert count(history) == 2

    def test_a_crash_right_after_start_never_counts(self):
        history = [crashed(n, NOW - n, ran_for=0.1) for n in range(1, 8)]
        assert count(history) == 0

    def test_stops_asked_for_before_running_neither_count_nor_break_the_streak(self):
        history = [failed(1, NOW - 10), failed(2, NOW - 15, code=USER_INITIATED), failed(3, NOW - 20)]
        assert count(history) == 2

    def test_a_task_that_starts_ends_the_streak_however_briefly_it_runs(self):
        history = [failed(1, NOW - 30), failed(2, NOW - 31), make_task(3, started=NOW - 1)]
        assert count(history) == 0

    def test_another_task_definition_starts_afresh(self):
        history = [failed(n, NOW - n, taskdef="web:2") for n in range(1, 5)]
        assert count(history, "web:2") == 4
        assert count(history, "web:1") == 0

    def test_start_waits_for_the_throttle_then_goes(self):
        history = [failed(i, NOW - 1 - i * 0.1) for i in range(1, 4)]  # 3 failed to start → 4 s
        plan = planner.plan_service(make_service(1), TDS, history, {}, 0, NOW, ids(1))
        assert not plan.starts
        assert plan.requeue_after == pytest.approx(2.9)
        assert wording.unable_to_start("web") in plan.events
        assert any("never reached RUNNING" in d for d in plan.decisions)
        later = planner.plan_service(make_service(1), TDS, history, {}, 0, NOW + 2.9, ids(1))
        assert len(later.starts) == 1

    def test_crashing_after_start_is_replaced_at_once_every_time_without_the_event(self):
        history = [crashed(i, NOW - 1 - i * 0.1, ran_for=0.5) for i in range(1, 6)]
        plan = planner.plan_service(make_service(1), TDS, history, {}, 0, NOW, ids(1))
        assert len(plan.starts) == 1
        assert wording.unable_to_start("web") not in plan.events

    def test_killing_the_newest_task_again_and_again_is_replaced_at_once(self):
        """A learner kills the newest task as soon as it runs: each kill is replaced in the same pass."""
        history = [crashed(i, NOW - 2 * i, ran_for=0.3) for i in range(1, 4)]
        newest = make_task(9, started=NOW - 0.2)
        dead = running_container(newest, state=EXITED, exit_code=137)
        plan = planner.plan_service(make_service(1), TDS, [*history, newest], {newest.task_id: dead}, 1, NOW, ids(1))
        assert [r.task_id for r in plan.reaps] == [newest.task_id]
        assert len(plan.starts) == 1 and plan.requeue_after is None
        assert wording.unable_to_start("web") not in plan.events

    def test_the_circuit_breaker_still_counts_crashes_after_start(self):
        history = [crashed(i, NOW - i, ran_for=1.0) for i in range(1, 4)]
        assert planner.failed_in_a_row(history, set(), NOW) == 3
        assert planner.failed_in_a_row([*history, make_task(9, started=NOW - 30)], set(), NOW) == 3
        proven = make_task(9, started=NOW - 0.5)  # started after the newest failure, and has run long enough
        assert planner.failed_in_a_row([*history, proven], set(), NOW + planner.FAST_FAILURE_WINDOW) == 0
