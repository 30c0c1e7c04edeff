"""The control loop applying plans on the fake runtime, with a clock that only moves when told."""

from __future__ import annotations

from sandbox.core import events as wording
from sandbox.core.model import (
    ESSENTIAL_CONTAINER_EXITED,
    RUNNING,
    STOPPED,
    TASK_FAILED_TO_START,
    USER_INITIATED,
    TaskDefinition,
)
from sandbox.state.store import Store
from tests.sandbox_fixtures import fake_sandbox, settle


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

    def test_a_task_that_crashes_after_starting_is_replaced_at_once_every_time(self):
        """ECS's rule: a task that reached RUNNING never starts the throttle, however soon it dies."""
        sb, control, runtime, clock = fake_sandbox()
        sb.create_service("default", "crashy", "crashy:1", 1)
        launches_at = []
        for _ in range(20):
            settle(control, 2)
            for container in runtime.running():
                launches_at.append(clock.now())
                runtime.exit(container.container_id, 1)  # dies a moment after starting
            clock.advance(0.5)
        gaps = [b - a for a, b in zip(launches_at, launches_at[1:])]
        assert len(launches_at) == 20 and max(gaps) <= 0.5, gaps
        service = sb.service("default", "crashy")
        assert not any(e.message == wording.unable_to_start("crashy") for e in service.events)

    def test_tasks_that_cannot_start_are_throttled_with_growing_gaps(self):
        sb, control, runtime, clock = fake_sandbox()
        sb.register_task_definition(TaskDefinition(family="ghost", revision=0, image="servicelab/no-such-image",
                                                   command=("serve",)))
        sb.create_service("default", "ghost", "ghost:1", 1)
        for _ in range(80):
            settle(control, 2)
            clock.advance(0.5)
        failed = sorted((t for t in control.store.tasks_of("default", "ghost") if t.last_status == STOPPED),
                        key=lambda t: t.stopped_at)
        assert all(t.stop_code == TASK_FAILED_TO_START and t.started_at is None for t in failed)
        assert failed[0].stopped_reason.startswith("CannotPullContainerError: ")
        gaps = [b.created_at - a.stopped_at for a, b in zip(failed, failed[1:])]
        assert gaps[0] < 1.0 and gaps[-1] >= 8.0, gaps
        assert all(b >= a for a, b in zip(gaps[1:], gaps[2:])), gaps
        assert len(failed) < 10  # not a hot loop
        service = sb.service("default", "ghost")
        assert any(e.message == wording.unable_to_start("ghost") for e in service.events)

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
            clock.advance(120)
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
