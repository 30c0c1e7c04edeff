"""The auto scaling loop: every PERIOD seconds of sandbox time, sample each policy's metric,
ask the pure policy what to do, and apply it through the sandbox's actions.

It runs on a thread of its own and only ever sleeps between ticks; with no policy set it
looks again every few real seconds, or at once when a policy is set (`poke`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sandbox.core.model import ACTIVE, RUNNING
from . import policy as scaling
from .record import Autoscaling
from .metrics import CpuSampler, RequestSampler, Window

log = logging.getLogger(__name__)

PERIOD = 5.0
"""Sandbox seconds between samples."""
MIN_REAL_PERIOD = 0.25
"""However fast the clock runs, the loop never samples more often than this (real seconds)."""
IDLE_PERIOD = 5.0
"""Real seconds between looks while no service has a policy."""


@dataclass
class _Tracking:
    """What the loop remembers about one service's policy between ticks (not persisted)."""

    policy: scaling.Policy
    window: Window = field(default_factory=Window)
    cpu: CpuSampler | None = None
    requests: RequestSampler = field(default_factory=RequestSampler)


class AutoScaler:
    def __init__(self, sandbox, load_balancers=None) -> None:
        self.sandbox = sandbox
        self.control = sandbox.control
        self.store = sandbox.store
        self.load_balancers = load_balancers
        self._tracking: dict[str, _Tracking] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="autoscaling", daemon=True)
        self._thread.start()
        self.control.after_pass.append(self._poke_if_new)

    def close(self) -> None:
        if self._poke_if_new in self.control.after_pass:
            self.control.after_pass.remove(self._poke_if_new)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def poke(self) -> None:
        self._wake.set()

    def _poke_if_new(self) -> None:
        # A pass after a policy was set: start tracking it now rather than after IDLE_PERIOD.
        if not self._tracking:
            with self.store.lock:
                if any(s.autoscaling for s in self.store.services.values()):
                    self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                active = self.tick()
            except Exception:  # one bad tick must not end auto scaling
                log.exception("auto scaling tick failed")
                active = True
            speed = self.control.clock.speed
            self._wake.wait(max(MIN_REAL_PERIOD, PERIOD / speed) if active else IDLE_PERIOD)
            self._wake.clear()

    # -- one tick -----------------------------------------------------------------------------
    def tick(self) -> bool:
        """Sample, decide and apply for every policy; returns whether any policy is set."""
        now = self.control.clock.now()
        with self.store.lock:
            taskdefs = self.store.task_definitions_by_ref()
            jobs = []
            for s in self.store.services.values():
                if not s.autoscaling or s.status != ACTIVE:
                    continue
                containers = [
                    (t.container_id, taskdefs[t.task_definition].cpu if t.task_definition in taskdefs else 128)
                    for t in self.store.tasks_of(s.cluster, s.name)
                    if t.last_status == RUNNING and t.container_id
                ]
                jobs.append((s.key, s.cluster, s.name, s.autoscaling, s.desired_count,
                             len(s.deployments) > 1, containers))
        for key in [k for k in self._tracking if k not in {job[0] for job in jobs}]:
            del self._tracking[key]
        for job in jobs:
            self._one(now, *job)
        return bool(jobs)

    def _one(self, now: float, key: str, cluster: str, name: str, autoscaling: Autoscaling, desired: int,
             deploying: bool, containers: list[tuple[str, int]]) -> None:
        policy = autoscaling.policy
        tracking = self._tracking.get(key)
        if tracking is None or tracking.policy != policy:
            tracking = self._tracking[key] = _Tracking(policy=policy)
        if policy.metric == scaling.CPU:
            tracking.cpu = tracking.cpu or CpuSampler(self.control.runtime.stats)
            sample = tracking.cpu.sample(containers)
        else:
            lbs = self.load_balancers
            sample = tracking.requests.sample(
                lbs.request_total(key) if lbs else None, lbs.healthy_targets(key) if lbs else 0)
        if sample is not None:
            tracking.window.add(now, *sample)
        state = autoscaling.state
        decision = scaling.decide(
            tracking.window.values(now), tracking.window.capacity(), desired, policy,
            state.last_scale_out_at, state.last_scale_in_at, autoscaling.set_at, now, deploying,
        )
        changes = decision.desired is not None and decision.desired != desired
        if changes and self.sandbox.apply_scaling(cluster, name, desired, decision.desired, decision.direction,
                                                  decision.reason):
            # Samples from before the change describe a service that no longer exists.
            tracking.window.clear()
        self._note(key, decision, sample, now)

    def _note(self, key: str, decision: scaling.Decision, sample, now: float) -> None:
        """Keep what the app shows (metric, capacity, why) beside the policy."""
        cluster, _, name = key.partition("/")
        with self.store.lock:
            service = self.store.service(cluster, name)
            if service is None or not service.autoscaling:
                return
            state = service.autoscaling.state
            metric = None if decision.metric is None else round(decision.metric, 1)
            changed = (state.metric, state.status) != (metric, decision.reason)
            service.autoscaling = service.autoscaling.sampled(
                metric, sample[1] if sample else state.capacity, now, decision.reason)
            if changed:
                self.store.bump()  # the app redraws; the next pass persists it
