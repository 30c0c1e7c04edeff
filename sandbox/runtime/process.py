"""Tasks as local processes, for machines without Docker. It runs only the demo task.

Each task is `python -m sandbox.image.demotask <command>` in its own session, so it outlives the
control plane. One JSON record per task under state_dir/tasks is what lets a later instance
adopt it; a pid is only ever signalled after /proc shows it is still the process we started.
"""

from __future__ import annotations

import logging
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Iterator

from sandbox.state.atomic import read_json, write_json, write_text
from sandbox.core.model import HealthCheck
from . import procfs
from .base import (
    EXITED,
    HEALTH_NONE,
    HEALTH_STARTING,
    LABEL_SANDBOX,
    RUNNING,
    ImageMissing,
    LaunchFailed,
    Launched,
    LaunchSpec,
    ObservedContainer,
    OnChange,
    RuntimeError_,
    Stats,
)
from .healthcheck import HealthTracker, probe

log = logging.getLogger(__name__)

DEMO_IMAGE = "servicelab/demo-task"
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
"""The directory holding the sandbox package, so tasks can import it from anywhere."""
POLL = 0.2
"""How often exits are looked for; adopted processes are not our children, so we must poll."""


@dataclass
class TaskRecord:
    """What is kept on disk for one task."""

    task_id: str
    container_id: str
    pid: int
    start_ticks: int | None
    labels: dict[str, str]
    port: int | None
    started_at: float
    environment: dict[str, str]
    health_check: dict | None = None
    health: str = HEALTH_NONE
    state: str = RUNNING
    exit_code: int | None = None
    finished_at: float | None = None

    @classmethod
    def from_json(cls, data: dict) -> TaskRecord:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass
class _Task:
    record: TaskRecord
    popen: subprocess.Popen | None = None
    """Set only for processes this instance started; they can be waited for."""
    killed: bool = False
    """We sent SIGKILL, so an exit we could not observe was 137."""
    quit: threading.Event = field(default_factory=threading.Event)
    """Ends the task's health checks: it exited, was removed, or the runtime closed."""
    cpu_sample: tuple[float, int] | None = None


def image_repository(image: str) -> str:
    """The image name without tag or digest: servicelab/demo-task:2 gives servicelab/demo-task."""
    name = image.split("@", 1)[0]
    head, slash, last = name.rpartition("/")
    return head + slash + last.split(":", 1)[0]


def docker_exit_code(returncode: int) -> int:
    """Popen says -N for death by signal N; Docker says 128+N."""
    return 128 - returncode if returncode < 0 else returncode


class ProcessRuntime:
    """Runs servicelab/demo-task as local processes, with Docker's states, health and exit codes."""

    name = "process"

    def __init__(self, sandbox: str, state_dir: Path) -> None:
        self.sandbox = sandbox
        self.state_dir = Path(state_dir)
        self._tasks_dir = self.state_dir / "tasks"
        self._bin_dir = self.state_dir / "bin"
        self._tasks: dict[str, _Task] = {}
        self._lock = threading.RLock()
        self._listeners: list[OnChange] = []
        self._changed: list[str] = []
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tasks_dir.mkdir(parents=True, exist_ok=True)
        self._write_shim()
        self._adopt()
        self._start_thread(self._monitor, "process-monitor")

    # -- the Runtime interface -------------------------------------------------------------
    def launch(self, spec: LaunchSpec) -> Launched:
        if image_repository(spec.image) != DEMO_IMAGE:
            raise ImageMissing(
                f"{spec.image}: the process runtime runs only {DEMO_IMAGE}; install Docker to run other images"
            )
        with self._lock:
            if spec.task_id in self._tasks:
                raise LaunchFailed(f"task {spec.task_id} already has a process")
            port = self._free_port() if spec.container_port else None
            env = self._environment(spec, port)
            argv = [sys.executable, "-m", "sandbox.image.demotask", *spec.command]
            with open(self._log_path(spec.task_id), "ab") as output:
                try:
                    popen = subprocess.Popen(
                        argv, env=env, cwd=self.state_dir, stdin=subprocess.DEVNULL,
                        stdout=output, stderr=subprocess.STDOUT,
                        start_new_session=True,  # outlive a killed control plane, and not get its Ctrl-C
                    )
                except OSError as exc:
                    raise LaunchFailed(f"could not start the demo task: {exc}") from exc
            st = procfs.stat(popen.pid)
            hc = spec.health_check
            record = TaskRecord(
                task_id=spec.task_id,
                container_id=f"proc-{spec.task_id}",
                pid=popen.pid,
                start_ticks=st.start_ticks if st else None,
                labels=dict(spec.labels),
                port=port,
                started_at=time.time(),
                environment=env,
                health_check=hc.to_dict() if hc else None,
                health=HEALTH_STARTING if hc else HEALTH_NONE,
            )
            task = _Task(record, popen)
            self._tasks[spec.task_id] = task
            self._save(task)
            if hc:
                self._start_health_checks(task)
        return Launched(container_id=record.container_id, host_port=port, started_at=record.started_at)

    def stop(self, container_id: str, timeout: float = 2.0) -> int | None:
        task = self._find(container_id)
        if task is None:
            return None
        if self._running(task):
            self._signal(task, signal.SIGTERM)
            if not self._wait_exited(task, timeout):
                self._signal(task, signal.SIGKILL)
                self._wait_exited(task, 5.0)
        return task.record.exit_code

    def kill(self, container_id: str) -> None:
        task = self._find(container_id)
        if task is not None and self._running(task):
            self._signal(task, signal.SIGKILL)
            self._wait_exited(task, 2.0)

    def remove(self, container_id: str) -> None:
        task = self._find(container_id)
        if task is None:
            return
        self.kill(container_id)  # as `docker rm -f` does
        with self._lock:
            self._tasks.pop(task.record.task_id, None)
            task.quit.set()
            for path in (self._record_path(task.record.task_id), self._log_path(task.record.task_id)):
                path.unlink(missing_ok=True)
        self._changed_now(task.record.task_id)

    def list_owned(self) -> list[ObservedContainer]:
        with self._lock:
            tasks = list(self._tasks.values())
        for task in tasks:
            self._refresh(task)
        with self._lock:
            return [self._observed(t.record) for t in tasks if t.record.labels.get(LABEL_SANDBOX) == self.sandbox]

    def watch(self, on_change: OnChange, stop: threading.Event) -> None:
        # The monitor thread delivers every change; this only subscribes until told to stop.
        with self._lock:
            self._listeners.append(on_change)
        try:
            stop.wait()
        finally:
            with self._lock:
                self._listeners.remove(on_change)

    def logs(self, container_id: str, follow: bool = False, tail: int | None = None) -> Iterator[str]:
        task = self._find(container_id)
        if task is None:
            return
        try:
            handle = open(self._log_path(task.record.task_id), encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        with handle:
            lines = list(deque(handle, maxlen=tail)) if tail is not None else handle.readlines()
            # Following, a half-written last line waits until its end arrives.
            pending = lines.pop() if follow and lines and not lines[-1].endswith("\n") else ""
            yield from lines
            while follow:
                line = handle.readline()
                if line:
                    pending += line
                    if pending.endswith("\n"):
                        yield pending
                        pending = ""
                elif self._running(task) and self._find(container_id) is task:
                    time.sleep(POLL)
                else:
                    rest = pending + handle.read()  # what it wrote just before it exited
                    yield from rest.splitlines(keepends=True)
                    return

    def exec_argv(self, container_id: str, command: list[str], interactive: bool) -> list[str]:
        task = self._find(container_id)
        if task is None or not self._running(task):
            raise RuntimeError_(f"container {container_id} is not running")
        # The task's own environment and nothing else, as `docker exec` would give.
        env = [f"{key}={value}" for key, value in task.record.environment.items()]
        return ["env", "-i", *env, *command]

    def stats(self, container_id: str) -> Stats | None:
        task = self._find(container_id)
        if task is None or not self._running(task):
            return None
        pid = task.record.pid
        st, rss = procfs.stat(pid), procfs.rss_bytes(pid)
        if st is None or rss is None:
            return None
        now = time.monotonic()
        if task.cpu_sample is None:
            # No earlier sample: average over the process's life so far.
            since, ticks = (procfs.uptime_ticks() - st.start_ticks) / procfs.CLOCK_TICKS, 0
        else:
            since, ticks = now - task.cpu_sample[0], task.cpu_sample[1]
        task.cpu_sample = (now, st.cpu_ticks)
        used = (st.cpu_ticks - ticks) / procfs.CLOCK_TICKS
        cpu = 100.0 * used / since if since > 0 else 0.0
        # No memory limit: nothing enforces the task definition's memory on a plain process.
        return Stats(cpu_percent=cpu, memory_bytes=rss)

    def ping(self) -> bool:
        return True

    def release(self) -> None:
        """Processes share nothing that outlives them."""

    def close(self) -> None:
        """Stop our threads; the task processes keep running, to be adopted later."""
        self._closed.set()
        self._wake.set()
        with self._lock:
            for task in self._tasks.values():
                task.quit.set()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- tasks on disk ---------------------------------------------------------------------
    def _record_path(self, task_id: str) -> Path:
        return self._tasks_dir / f"{task_id}.json"

    def _log_path(self, task_id: str) -> Path:
        return self._tasks_dir / f"{task_id}.log"

    def _save(self, task: _Task) -> None:
        # A removed task must stay removed, even if an exit is noticed after.
        if self._tasks.get(task.record.task_id) is task:
            write_json(self._record_path(task.record.task_id), asdict(task.record))

    def _adopt(self) -> None:
        """Take over the tasks an earlier instance (perhaps one that was SIGKILLed) started."""
        for path in sorted(self._tasks_dir.glob("*.json")):
            data, set_aside = read_json(path)
            try:
                record = TaskRecord.from_json(data) if isinstance(data, dict) else None
            except TypeError:
                record = None
            if record is None:
                log.warning("ignoring unreadable task record %s", set_aside or path)
                continue
            task = _Task(record)
            self._tasks[record.task_id] = task
            if self._running(task) and record.health_check:
                self._start_health_checks(task)

    def _write_shim(self) -> None:
        """bin/demo-task, so health checks like `CMD-SHELL demo-task health` work as in the image."""
        shim = self._bin_dir / "demo-task"
        text = f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m sandbox.image.demotask "$@"\n'
        if not shim.exists() or shim.read_text() != text:
            write_text(shim, text)
        shim.chmod(0o755)

    def _environment(self, spec: LaunchSpec, port: int | None) -> dict[str, str]:
        env = {"PATH": f"{self._bin_dir}{os.pathsep}{os.environ.get('PATH', os.defpath)}"}
        if "HOME" in os.environ:
            env["HOME"] = os.environ["HOME"]
        env.update(spec.environment)
        env.update(
            PYTHONPATH=str(PACKAGE_ROOT),
            PYTHONUNBUFFERED="1",
            SERVICELAB_TASK_ID=spec.task_id,  # also how /proc tells our processes apart
        )
        if port is not None:
            env["PORT"] = str(port)
        return env

    def _free_port(self) -> int:
        taken = {t.record.port for t in self._tasks.values() if t.record.state == RUNNING}
        for _ in range(20):
            with socket.socket() as probe_socket:
                probe_socket.bind(("127.0.0.1", 0))
                port = probe_socket.getsockname()[1]
            # A task just launched may not have bound its port yet; do not hand it out twice.
            if port not in taken:
                return port
        raise LaunchFailed("no free port on 127.0.0.1")

    # -- processes -------------------------------------------------------------------------
    def _find(self, container_id: str) -> _Task | None:
        task_id = container_id.removeprefix("proc-")
        with self._lock:
            task = self._tasks.get(task_id)
        return task if task is not None and task.record.container_id == container_id else None

    def _running(self, task: _Task) -> bool:
        self._refresh(task)
        return task.record.state == RUNNING

    def _refresh(self, task: _Task) -> None:
        """Notice whether a running task has exited, and record how."""
        with self._lock:
            record = task.record
            if record.state != RUNNING:
                return
            if task.popen is not None:
                code = task.popen.poll()
                if code is None:
                    return
                code = docker_exit_code(code)
            elif procfs.is_our_task(record.pid, record.start_ticks, record.task_id):
                return
            else:
                # Not our child, so its exit status went to whoever reaped it.
                code = 137 if task.killed else None
            record.state, record.exit_code, record.finished_at = EXITED, code, time.time()
            task.quit.set()
            self._save(task)
        self._changed_now(record.task_id)

    def _signal(self, task: _Task, signum: int) -> None:
        with self._lock:
            if not self._running(task):
                return  # never signal a pid that may since belong to someone else
            if signum == signal.SIGKILL:
                task.killed = True
            try:
                # Its own session, so its group id is its pid; the group takes any children too.
                os.killpg(task.record.pid, signum)
            except ProcessLookupError:
                pass

    def _wait_exited(self, task: _Task, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._running(task):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def _observed(self, record: TaskRecord) -> ObservedContainer:
        return ObservedContainer(
            container_id=record.container_id,
            task_id=record.task_id,
            labels=dict(record.labels),
            state=record.state,
            exit_code=record.exit_code,
            health=record.health,
            host_port=record.port,
        )

    # -- threads ---------------------------------------------------------------------------
    def _start_thread(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _changed_now(self, task_id: str) -> None:
        with self._lock:
            self._changed.append(task_id)
        self._wake.set()

    def _monitor(self) -> None:
        """Look for exits, and deliver every change to the watchers from this one thread."""
        while not self._closed.is_set():
            self._wake.wait(POLL)
            self._wake.clear()
            with self._lock:
                tasks = list(self._tasks.values())
            for task in tasks:
                self._refresh(task)
            with self._lock:
                changed, self._changed = self._changed, []
                listeners = list(self._listeners)
            for task_id in dict.fromkeys(changed):
                for listener in listeners:
                    try:
                        listener(task_id)
                    except Exception:  # one bad watcher must not end exit detection
                        log.exception("watch callback failed for %s", task_id)

    def _start_health_checks(self, task: _Task) -> None:
        record = task.record
        tracker = HealthTracker(HealthCheck.from_dict(record.health_check), record.started_at, record.health)
        self._start_thread(self._check_health, f"health-{record.task_id[:8]}", task, tracker)

    def _check_health(self, task: _Task, tracker: HealthTracker) -> None:
        check = tracker.check
        # Like Docker, the first probe runs one interval after the start.
        while not task.quit.wait(check.interval):
            passed = probe(check.command, task.record.environment, self.state_dir, check.timeout, task.quit)
            with self._lock:
                if not self._running(task) or task.quit.is_set():
                    return  # a probe against a task that just ended says nothing
                if not tracker.record(passed, time.time()):
                    continue
                task.record.health = tracker.status
                self._save(task)
            self._changed_now(task.record.task_id)
