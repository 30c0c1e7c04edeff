"""Crash-loop backoff, read from the stopped tasks themselves."""

from __future__ import annotations

import pytest

from sandbox import events as wording
from sandbox.model import ESSENTIAL_CONTAINER_EXITED, STOPPED, TASK_FAILED_TO_START, USER_INITIATED, Task
from sandbox.scheduler import planner
from tests.scheduler_support import NOW, TDS, ids, make_service, make_task


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
