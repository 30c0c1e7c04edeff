"""A control plane starting over records an earlier one left, on the fake runtime: every recorded
task is checked against what the engine has (tests/test_faults_docker.py does it on real Docker)."""

from __future__ import annotations

import dataclasses
import uuid

from sandbox.core.model import PENDING, RUNNING, STOPPED
from sandbox.runtime.base import LaunchSpec, RuntimeUnavailable
from sandbox.state.store import Store
from tests.sandbox_fixtures import fake_sandbox, settle


def _service_ran_a_while(path):
    """A control plane that has made many listings, then launched a service of 2 (launch_seq high)."""
    store = Store(path)
    sb, control, runtime, clock = fake_sandbox(store=store)
    for _ in range(300):
        control.reconcile_once()
    sb.create_service("default", "web", "web:1", 2)
    settle(control)
    store.save()
    assert min(t.launch_seq for t in store.tasks.values()) > 100
    return runtime, clock, {t.task_id for t in store.tasks.values()}


def _restart(path, runtime, clock):
    store = Store(path)
    store.load()
    sb, control, _, _ = fake_sandbox(store=store, runtime=runtime, clock=clock)
    control.new_id = lambda: uuid.uuid4().hex  # not the ids the first control plane counted out
    return sb, control, store


def test_tasks_whose_containers_went_while_down_are_stopped_and_replaced(tmp_path):
    runtime, clock, old = _service_ran_a_while(tmp_path / "state.json")
    for container in runtime.running():
        runtime.remove(container.container_id)
    _, control, store = _restart(tmp_path / "state.json", runtime, clock)
    control.recover()
    settle(control)
    for task_id in old:
        task = store.tasks[task_id]
        assert (task.last_status, task.stop_code, task.stopped_reason) == (
            STOPPED, "EssentialContainerExited", "Essential container in task exited")
        assert task.container_reason == "container was removed outside servicelab while the control plane was down"
    assert {c.task_id for c in runtime.running()}.isdisjoint(old) and len(runtime.running()) == 2


def test_when_the_engine_is_down_at_start_the_first_listing_that_works_checks_the_records(tmp_path, monkeypatch):
    runtime, clock, old = _service_ran_a_while(tmp_path / "state.json")
    for container in runtime.running():
        runtime.remove(container.container_id)
    sb, control, store = _restart(tmp_path / "state.json", runtime, clock)
    starting = store.tasks[sorted(old)[0]] = dataclasses.replace(store.tasks[sorted(old)[0]], last_status=PENDING)

    def down():
        raise RuntimeUnavailable("Docker engine not reachable")

    monkeypatch.setattr(runtime, "list_owned", down)
    control.recover()
    settle(control)
    one_off = sb.run_task("default", "batch:1")[0]  # recorded by this process while the engine is down
    monkeypatch.undo()
    clock.advance(3)
    settle(control)
    assert store.tasks[starting.task_id].stop_code == "TaskFailedToStart"
    assert all(store.tasks[t].last_status == STOPPED for t in old)
    assert store.tasks[one_off.task_id].stop_code != "TaskFailedToStart", "this process's own task was judged as inherited"
    assert len([c for c in runtime.running() if c.labels.get("servicelab.service") == "web"]) == 2


def test_after_a_set_aside_running_containers_are_kept(tmp_path):
    runtime, clock, old = _service_ran_a_while(tmp_path / "state.json")
    runtime.launch(LaunchSpec(sandbox="test", cluster="elsewhere", task_id=uuid.uuid4().hex, task_definition="web:1",
                              image="servicelab/demo-task", service=None, command=("serve",)))
    before = {c.container_id for c in runtime.running()}
    (tmp_path / "state.json").write_bytes(b"true")
    _, control, store = _restart(tmp_path / "state.json", runtime, clock)
    assert store.set_aside is not None
    control.recover()
    settle(control)
    clock.advance(31)  # a resync looks at strangers again
    settle(control)
    assert {c.container_id for c in runtime.running()} == before, "a running container was removed"
    adopted = [t for t in store.tasks.values() if t.last_status == RUNNING]
    assert {t.task_id for t in adopted} == old, "the known cluster's containers are one-off tasks now"
    assert all(t.service is None for t in adopted)
