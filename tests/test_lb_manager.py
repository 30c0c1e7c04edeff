"""The load balancers against real HTTP servers standing in for tasks, on the fake runtime.

The control plane runs passes by hand (inline executor), the sandbox clock runs 25× faster so
health checks come every 0.2 s, and each "task" is a small aiohttp server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.error
import urllib.request

import pytest
from aiohttp import web

from sandbox.core import events as wording
from sandbox.lb.manager import LoadBalancers
from sandbox.core.model import STOPPED, TaskDefinition
from tests.sandbox_fixtures import fake_sandbox, settle


class Backend:
    """One fake task: GET / names it, /health answers `healthy`, /slow?s=N takes N seconds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.healthy = True
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(5)

    async def _start(self) -> int:
        app = web.Application()
        app.router.add_get("/", self._index)
        app.router.add_get("/health", self._health)
        app.router.add_get("/slow", self._slow)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return self.runner.addresses[0][1]

    async def _index(self, request: web.Request) -> web.Response:
        return web.Response(text=self.name)

    async def _health(self, request: web.Request) -> web.Response:
        return web.Response(status=200 if self.healthy else 500)

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query.get("s", "1")))
        return web.Response(text=f"{self.name} slow")

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_for(predicate, timeout: float = 5.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"{what} not met within {timeout}s")


@pytest.fixture
def lab():
    backends = [Backend(name) for name in "ABC"]
    sb, control, runtime, clock = fake_sandbox()
    clock.speed = 25.0  # health checks every 5 sandbox seconds = 0.2 s
    runtime._ports = iter(b.port for b in backends)
    sb.register_task_definition(TaskDefinition(family="plain", revision=0, image="servicelab/demo-task",
                                               container_port=8080))
    lbs = LoadBalancers(sb)
    sb.load_balancers = lbs
    lbs.start()
    yield sb, control, backends, lbs
    lbs.close()
    for b in backends:
        b.close()


def tasks_by_backend(sb, backends):
    ports = {b.port: b.name for b in backends}
    return {ports[t.host_port]: t for t in sb.store.tasks.values() if t.host_port in ports}


def test_only_healthy_targets_get_requests_and_unhealthy_ones_are_replaced(lab):
    sb, control, backends, _ = lab
    backends[1].healthy = False
    service = sb.create_service("default", "web", "plain:1", 2, load_balancer={})
    url = f"http://127.0.0.1:{service.load_balancer.listener_port}"
    settle(control)
    tasks = tasks_by_backend(sb, backends)
    wait_for(lambda: tasks["A"].target_health == "healthy", what="A healthy")
    wait_for(lambda: tasks["B"].target_health == "unhealthy", what="B unhealthy")
    assert {get(url)[1] for _ in range(10)} == {"A"}
    tg = service.load_balancer.target_group_arn
    messages = [e.message for e in service.events]
    assert wording.registered_targets("web", 2, tg) in messages
    assert any(m.startswith(f"(service web) (task {tasks['B'].task_id}) (port {backends[1].port}) is unhealthy in "
                            f"(target-group {tg}) due to (reason Health checks failed with these codes: [500])")
               for m in messages)
    # The next pass stops B (drained at once: nothing in flight) and starts a replacement on C.
    settle(control)
    assert tasks["B"].desired_status == STOPPED and tasks["B"].stopped_reason == wording.elb_health_failure(tg)
    assert tasks["B"].last_status == STOPPED and tasks["B"].target_health is None
    assert wording.draining("web", 1) in [e.message for e in service.events]
    wait_for(lambda: tasks_by_backend(sb, backends).get("C") and tasks_by_backend(sb, backends)["C"].target_health == "healthy",
             what="the replacement healthy")
    assert {get(url)[1] for _ in range(10)} == {"A", "C"}


def test_the_grace_period_keeps_an_unhealthy_target_until_it_ends(lab):
    sb, control, backends, _ = lab
    backends[0].healthy = False
    service = sb.create_service("default", "web", "plain:1", 1, load_balancer={}, health_check_grace_seconds=60)
    settle(control)
    task = tasks_by_backend(sb, backends)["A"]
    wait_for(lambda: task.target_health == "unhealthy", what="A unhealthy")
    settle(control)
    assert task.desired_status == "RUNNING", "replaced within the grace period"
    kept = f"task {task.task_id[:8]} failed the load balancer's health checks, but it is within the service's 60s " \
           "health check grace period → keeping it"
    assert [d["text"] for d in service.decisions].count(kept) == 1
    settle(control)
    assert [d["text"] for d in service.decisions].count(kept) == 1, "said once, not on every pass"
    control.clock.advance(59)
    settle(control)
    assert task.desired_status == "RUNNING", "replaced a second before the grace period ended"
    control.clock.advance(1)
    settle(control)
    assert task.desired_status == STOPPED
    assert task.stopped_reason == wording.elb_health_failure(service.load_balancer.target_group_arn)


def _one_healthy_task(sb, control, delay: int):
    service = sb.create_service("default", "web", "plain:1", 1,
                                load_balancer={"deregistrationDelaySeconds": delay})
    settle(control)
    task = next(iter(sb.store.tasks.values()))
    wait_for(lambda: task.target_health == "healthy", what="target healthy")
    return service, task, f"http://127.0.0.1:{service.load_balancer.listener_port}"


def _stop_while_slow(sb, control, lbs, service, task, url, seconds: float):
    answers = []
    slow = threading.Thread(target=lambda: answers.append(get(f"{url}/slow?s={seconds}")))
    slow.start()
    wait_for(lambda: lbs.traffic(service.key)["targets"][task.task_id]["inFlight"] == 1, what="request in flight")
    sb.stop_task("default", task.task_id)
    during = []
    # While the task drains, new requests find no healthy target.
    threading.Timer(0.1, lambda: during.append(get(url))).start()
    started = time.monotonic()
    settle(control, passes=1)  # the inline executor drains on this thread
    took = time.monotonic() - started
    slow.join(10)
    return took, answers, during


def test_drain_waits_for_requests_in_flight_and_ends_early(lab):
    sb, control, _, lbs = lab
    service, task, url = _one_healthy_task(sb, control, delay=60)  # 60 sandbox s = 2.4 s here
    took, answers, during = _stop_while_slow(sb, control, lbs, service, task, url, 0.6)
    assert 0.45 < took < 2.0
    assert answers == [(200, "A slow")]
    assert during and during[0][0] == 503
    messages = [e.message for e in service.events][:4]
    assert wording.draining("web", 1) in messages
    assert wording.deregistered_targets("web", 1, service.load_balancer.target_group_arn) in messages
    assert task.last_status == STOPPED


def test_drain_is_bounded_by_the_deregistration_delay(lab):
    sb, control, _, lbs = lab
    service, task, url = _one_healthy_task(sb, control, delay=10)  # 0.4 s here
    took, _, _ = _stop_while_slow(sb, control, lbs, service, task, url, 2.0)
    assert 0.3 < took < 1.5
    assert task.last_status == STOPPED
