"""Builders for a sandbox on the fake runtime with a fake clock: deterministic and instant."""

from __future__ import annotations

import itertools

from sandbox.actions import Sandbox
from sandbox.core.clock import FakeClock
from sandbox.scheduler.executor import InlineExecutor
from sandbox.scheduler.loop import ControlPlane
from sandbox.runtime.fake import FakeRuntime
from sandbox.state.store import Store
from sandbox.taskdefs.taskdef_file import builtin


def fake_sandbox(store: Store | None = None, runtime: FakeRuntime | None = None, clock: FakeClock | None = None):
    clock = clock or FakeClock()
    runtime = runtime or FakeRuntime()
    store = store or Store()
    counter = itertools.count(1)
    control = ControlPlane(
        "test", store, runtime, clock, executor=InlineExecutor(),
        new_id=lambda: f"{next(counter):032x}",
    )
    # Stand in for the event stream: the fake runtime reports changes straight to the loop.
    runtime._listeners.append(control.mark_task_dirty)
    sandbox = Sandbox(control)
    sandbox.create_cluster("default")
    for td, revision in builtin():
        sandbox.register_task_definition(td, revision)
    return sandbox, control, runtime, clock


def settle(control: ControlPlane, passes: int = 5) -> None:
    """Run passes until nothing is dirty (the inline executor applies plans at once)."""
    for _ in range(passes):
        control.reconcile_once()
