"""Shared pieces of the benches: a throwaway sandbox, Docker's event clock, medians."""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker  # noqa: E402

from sandbox.image.build import DEMO_IMAGE, ensure_image


@contextmanager
def control_plane(runtime: str = "docker") -> Iterator[tuple]:
    """A control plane of its own (own home, own sandbox name), torn down afterwards."""
    home = tempfile.mkdtemp(prefix="servicelab-bench-")
    name = f"bench-{uuid.uuid4().hex[:8]}"
    os.environ["SERVICELAB_HOME"] = home
    from sandbox.api.client import Client
    from sandbox.control.daemon import spawn, wait_for_api

    process = spawn(name, runtime)
    info = wait_for_api(name, process)
    client = Client.for_sandbox(name, info["api"], timeout=60)
    try:
        yield client, name, info["pid"]
    finally:
        try:
            client.lab("Shutdown", removeEverything=True, timeout=120)
        except Exception:
            pass
        process.wait(timeout=120)
        leftover = docker.from_env().containers.list(all=True, filters={"label": f"servicelab.sandbox={name}"})
        for c in leftover:
            c.remove(force=True)
        shutil.rmtree(home, ignore_errors=True)  # its state, logs and token: nothing of the bench stays


class EventLog:
    """Docker's own container events for a label, with the engine's timestamps."""

    def __init__(self, label: str) -> None:
        self.client = docker.from_env()
        self.events: list[dict] = []
        self.lock = threading.Condition()
        self.stream = self.client.events(decode=True, filters={"type": "container", "label": label,
                                                               "event": ["start", "die"]})
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for event in self.stream:
                with self.lock:
                    self.events.append(event)
                    self.lock.notify_all()
        except Exception:
            pass

    def wait_for(self, predicate, timeout: float = 60.0, after: int = 0) -> dict:
        """The first event from index `after` on that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for event in self.events[after:]:
                    if predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("event not seen")
                self.lock.wait(remaining)

    def close(self) -> None:
        self.stream.close()


def seconds(event: dict) -> float:
    return event["timeNano"] / 1e9


def plain_create_start(client: docker.DockerClient, label: str) -> float:
    """The baseline: one docker-py create+start of the demo image, as our runtime launches it."""
    started = time.perf_counter()
    container = client.containers.create(
        DEMO_IMAGE, ["serve"], labels={label: "1"}, environment={"PORT": "8080"},
        ports={"8080/tcp": ("127.0.0.1", None)}, mem_limit="32m", cpu_shares=128,
    )
    container.start()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def prepare() -> docker.DockerClient:
    ensure_image()
    return docker.from_env()


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met")
