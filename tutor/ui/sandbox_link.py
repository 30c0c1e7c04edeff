"""The bridge between the app and the sandbox's control plane.

Everything that blocks runs in thread workers, and reports back only by posting messages
(see `tutor.ui.messages`), which is thread-safe:

- the watch worker long-polls the Watch operation: the control plane answers the moment the
  state changes, so updates arrive within milliseconds with no polling loop; each answer is a
  whole snapshot, posted as a `SandboxChanged` that replaces any still waiting;
- the stats worker samples TaskStats every two seconds, but only while a live panel asks for
  it, and sleeps on an event otherwise;
- each action (scale, stop, …) runs in its own short worker.

When the control plane goes away the link says so, keeps trying, and catches up with one
fresh snapshot when it is back; the app keeps working meanwhile. A Docker engine that stops is
the control plane's to report: its snapshots carry `status.engine`.

Blocking HTTP calls cannot be cancelled from outside, so the link's clients use sockets it can
shut down (`close()`), which wakes any thread still waiting on the control plane and lets the
app exit at once.
"""

from __future__ import annotations

import socket
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from textual.worker import get_current_worker

from sandbox.cli import present
from tutor.commands import APP, ECS, LAB, Operation, create_service
from tutor.ui.messages import (
    ActionDone,
    ActionFailed,
    LinkStateChanged,
    SandboxChanged,
    SandboxStopped,
    StatsSampled,
)

if TYPE_CHECKING:
    from textual.app import App

    from sandbox.api.client import Client

    from tutor.lessons import ServiceSetup

WATCH_SECONDS = 20.0
"""How long one long poll may wait for a change before asking again."""
STATS_EVERY = 2.0
RETRY_EVERY = 1.0


def abortable_client(address: str, timeout: float = 10.0, token: str | None = None) -> tuple[Client, Any]:
    """A sandbox Client whose in-flight requests `abort()` can end; returns (client, adapter)."""
    import requests.adapters
    from urllib3.connection import HTTPConnection
    from urllib3.connectionpool import HTTPConnectionPool

    from sandbox.api.client import Client

    class AbortableAdapter(requests.adapters.HTTPAdapter):
        """Remembers the sockets it opens, so another thread can shut them down."""

        def __init__(self) -> None:
            self.sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
            self.aborted = False
            super().__init__(pool_connections=1, pool_maxsize=4)

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            owner = self

            class Connection(HTTPConnection):
                def connect(self) -> None:
                    super().connect()
                    owner.sockets.add(self.sock)
                    if owner.aborted:  # aborted before this request began: end it at once
                        owner.abort()

            class Pool(HTTPConnectionPool):
                ConnectionCls = Connection

            self.poolmanager.pool_classes_by_scheme = {**self.poolmanager.pool_classes_by_scheme, "http": Pool}

        def abort(self) -> None:
            self.aborted = True
            for sock in list(self.sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    client = Client(address, timeout=timeout, token=token)
    adapter = AbortableAdapter()
    client.session.mount("http://", adapter)
    return client, adapter


def failure_text(exc: BaseException) -> str:
    """One line for the learner, whatever went wrong."""
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return message.splitlines()[0] if message else type(exc).__name__


class SandboxLink:
    """The app's connection to one sandbox: watches it, samples stats and carries out actions."""

    def __init__(self, app: App, sandbox: str, cluster: str = "default", runtime: str | None = None) -> None:
        self.app = app
        self.sandbox = sandbox
        self.cluster = cluster
        self.runtime = runtime
        self.state = "connecting"
        """connecting, starting, live, lost, stopping, stopped or failed."""
        self.api = ""
        """The control plane's address, once known."""
        self.snapshot: dict[str, Any] | None = None
        """The latest snapshot (written by the watch thread; read on the UI thread)."""
        self._client: Client | None = None
        # Weak, so a closed log view's connection is not kept for the app's lifetime.
        self._adapters: weakref.WeakSet[Any] = weakref.WeakSet()
        self._closed = threading.Event()
        self._wake = threading.Event()
        self._stats_lock = threading.Lock()
        self._stats_tasks: list[str] = []
        self._stats_wake = threading.Event()
        self._restart = threading.Event()

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Connect (starting a control plane if none runs) and watch, in the background."""
        self.app.run_worker(self._watch, thread=True, group="sandbox-watch", exclusive=True,
                            exit_on_error=False, name="sandbox watch")
        self.app.run_worker(self._stats, thread=True, group="sandbox-stats", exclusive=True,
                            exit_on_error=False, name="sandbox stats")

    def close(self) -> None:
        """Stop every worker of the link now, even one blocked on the control plane."""
        self._closed.set()
        self._wake.set()
        self._stats_wake.set()
        for adapter in list(self._adapters):
            adapter.abort()

    def restart(self) -> None:
        """Start the control plane again when it is gone (the learner asked to)."""
        self._restart.set()
        self._wake.set()

    @property
    def connected(self) -> bool:
        return self._client is not None and self.state in ("live", "lost")

    def _post(self, message: Any) -> None:
        if not self._closed.is_set():
            self.app.post_message(message)

    def _set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        self._post(LinkStateChanged(state, detail, self.api))

    def _new_client(self, address: str, timeout: float = 10.0) -> Client:
        from sandbox.workshop import tokens

        client, adapter = abortable_client(address, timeout, tokens.read(self.sandbox))
        self._adapters.add(adapter)
        if self._closed.is_set():
            adapter.abort()
        return client

    # -- the watch worker ------------------------------------------------------------------
    def _connect(self, start: bool) -> Client | None:
        """A client for the running control plane; starts one when `start` and none runs."""
        from sandbox.api.client import ControlPlaneDown
        from sandbox.control.daemon import read_api_file, spawn, wait_for_api

        info = read_api_file(self.sandbox)
        if info:
            client = self._new_client(info["api"], timeout=5.0)
            try:
                client.lab("Status", timeout=3)
                self.api = info["api"]
                return client
            except ControlPlaneDown:
                pass
        if not start:
            return None
        self._set_state("starting", f"starting sandbox {self.sandbox!r}; the first start can take a few seconds")
        process = spawn(self.sandbox, self.runtime)
        # The control plane outlives the app, but while the app runs it is the app's child:
        # reap it the moment it exits, or a zombie would look alive to `sandbox down`.
        threading.Thread(target=process.wait, name="reap control plane", daemon=True).start()
        info = wait_for_api(self.sandbox, process)
        self.api = info["api"]
        return self._new_client(info["api"])

    def _watch(self) -> None:
        from sandbox.api.client import ControlPlaneDown
        from sandbox.core.errors import SandboxError

        worker = get_current_worker()
        version = -1
        start = True
        while not (self._closed.is_set() or worker.is_cancelled):
            if self._client is None:
                try:
                    self._client = self._connect(start=start or self._restart.is_set())
                except Exception as exc:  # spawn failures, an unreadable api file, …
                    self._set_state("failed", failure_text(exc))
                    self._client = None
                self._restart.clear()
                start = False
                if self._client is None:
                    if self.state not in ("failed", "stopped"):
                        self._set_state("lost", "the control plane is not running; press ctrl+r to start it")
                    self._wait(RETRY_EVERY * 2)
                    continue
                version = -1
            try:
                snapshot = self._client.watch(version, timeout=WATCH_SECONDS, cluster=self.cluster)
            except ControlPlaneDown as exc:
                if self._closed.is_set():
                    break
                self._client = None
                if self.state != "stopping":
                    self._set_state("lost", f"{exc}; retrying")
                self._wait(RETRY_EVERY)
                continue
            except SandboxError as exc:
                self._set_state("failed", failure_text(exc))
                self._wait(RETRY_EVERY * 2)
                continue
            except Exception as exc:  # a half-closed socket, a malformed answer
                if self._closed.is_set():
                    break
                self._client = None
                self._set_state("lost", failure_text(exc))
                self._wait(RETRY_EVERY)
                continue
            if self.state != "live":
                self._set_state("live", "")
            version = snapshot.get("version", version)
            self.snapshot = snapshot
            self._post(SandboxChanged(snapshot))

    def _wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    # -- stats ------------------------------------------------------------------------------
    def sample_stats(self, task_ids: Iterable[str] | None) -> None:
        """Sample these running tasks every few seconds; None or empty stops sampling."""
        with self._stats_lock:
            wanted = sorted(task_ids or [])
            changed = wanted != self._stats_tasks
            self._stats_tasks = wanted
        if changed and wanted:
            self._stats_wake.set()

    def _stats(self) -> None:
        worker = get_current_worker()
        while not (self._closed.is_set() or worker.is_cancelled):
            with self._stats_lock:
                wanted = list(self._stats_tasks)
            client = self._client
            if not wanted or client is None:
                # Nothing to sample: sleep until asked (or until the link is back).
                self._stats_wake.wait(None if not wanted else STATS_EVERY)
                self._stats_wake.clear()
                continue
            try:
                stats = client.lab("TaskStats", tasks=wanted).get("stats", {})
            except Exception:
                stats = None
            if stats is not None and not self._closed.is_set():
                self._post(StatsSampled(stats))
            self._stats_wake.wait(STATS_EVERY)
            self._stats_wake.clear()

    # -- actions ----------------------------------------------------------------------------
    def act(self, operation: Operation, quiet: bool = False) -> None:
        """Carry out an ECS or servicelab operation in a worker; the answer comes as a message."""
        self.app.run_worker(lambda: self._act(operation, quiet), thread=True, group="sandbox-action",
                            exit_on_error=False, name=operation.name)

    def _call(self, operation: Operation) -> dict[str, Any]:
        client = self._client
        if client is None:
            raise ConnectionError(f"not connected to sandbox {self.sandbox!r} yet ({self.state})")
        if operation.api == APP and operation.name == "traffic":
            return self._traffic(client, operation.params)
        # The operation and what else its answer shows, read as the CLI reads it (sandbox/cli/present.py).
        return present.fetch(operation, present.ClientApi(client))

    def _traffic(self, client: Client, params: dict[str, Any]) -> dict[str, Any]:
        """Send the requests from this worker thread, as `servicelab traffic` does; ends early when the app closes."""
        import asyncio

        from sandbox.lb import traffic

        balancers = client.lab("LoadBalancers", cluster=params["cluster"], service=params["service"])["loadBalancers"]
        if not balancers:
            raise ValueError(f"service {params['service']!r} has no load balancer; create one with "
                             f"service create NAME --load-balancer")
        url = balancers[0].get("url")
        if not url:
            raise ValueError(f"the load balancer of {params['service']!r} is still starting; try again in a moment")

        async def run() -> traffic.Report | None:
            sending = asyncio.ensure_future(traffic.run(url + params.get("path", "/"), params["rps"], params["seconds"]))
            while not sending.done():
                if self._closed.is_set():
                    sending.cancel()
                    return None
                await asyncio.wait({sending}, timeout=0.25)
            return sending.result()

        report = asyncio.run(run())
        if report is None:
            return {"stopped": True}
        return present.traffic_answer(params["service"], url, report)

    def _act(self, operation: Operation, quiet: bool) -> None:
        try:
            result = self._call(operation)
        except Exception as exc:
            self._post(ActionFailed(operation, failure_text(exc)))
            return
        self._post(ActionDone(operation, result, quiet))

    def ensure_services(self, setups: list[ServiceSetup], task_definition_files: list = ()) -> None:
        """Register the lesson's own task definitions and create its services that are missing;
        leave the learner's existing ones be."""
        if setups or task_definition_files:
            self.app.run_worker(lambda: self._ensure(setups, task_definition_files), thread=True,
                                group="sandbox-setup", exclusive=True, exit_on_error=False, name="lesson setup")

    def _ensure(self, setups: list[ServiceSetup], task_definition_files: list = ()) -> None:
        deadline = time.monotonic() + 60
        while self._client is None and time.monotonic() < deadline and not self._closed.is_set():
            time.sleep(0.05)
        if task_definition_files:
            self._sync_task_definitions(list(task_definition_files))
        for setup in setups:
            op = create_service(self.cluster, setup.name, setup.task_definition, setup.desired_count)
            try:
                found = self._call(Operation(ECS, "DescribeServices",
                                             {"cluster": self.cluster, "services": [setup.name]}, "", None, ""))
                existing = [s for s in found.get("services", []) if s.get("status") == "ACTIVE"]
                if existing:
                    continue
                result = self._call(op)
            except Exception as exc:
                self._post(ActionFailed(op, f"lesson setup: {failure_text(exc)}"))
                continue
            self._post(ActionDone(op, result, quiet=True))

    def _sync_task_definitions(self, paths: list[Any]) -> None:
        """The lesson's own revisions, exactly as shipped (tutor/lessons/shipped_taskdefs.py has the rule)."""
        from tutor.lessons import shipped_taskdefs

        def operation(summary: str) -> Operation:
            names = " ".join(path.name for path in paths)
            return Operation(LAB, shipped_taskdefs.SYNC_OPERATION, {}, f"servicelab taskdef register {names}",
                             None, summary)

        client = self._client
        try:
            if client is None:
                raise ConnectionError(f"not connected to sandbox {self.sandbox!r} yet ({self.state})")
            changed = shipped_taskdefs.sync(client.lab, paths)
        except Exception as exc:
            self._post(ActionFailed(operation("the lesson's own task definitions"), f"lesson setup: {failure_text(exc)}"))
            return
        if changed:
            summary = f"the lesson's own task definitions, as shipped: {', '.join(changed)}"
            self._post(ActionDone(operation(summary), {"changed": changed}, quiet=True))

    def logs(self, task: str) -> tuple[Iterator[str], Any]:
        """A following log stream of `task` and an object whose `abort()` ends it."""
        from sandbox.workshop import tokens

        client, adapter = abortable_client(self.api or "http://127.0.0.1:9", timeout=10.0,
                                           token=tokens.read(self.sandbox))
        self._adapters.add(adapter)
        return client.logs(task, follow=True, tail=200), adapter

    # -- stopping ---------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop the control plane and remove everything it owns, as `servicelab sandbox down` does."""
        self.state = "stopping"
        self._post(LinkStateChanged("stopping", "stopping the sandbox and removing its containers…", self.api))
        self.app.run_worker(self._shutdown, thread=True, group="sandbox-shutdown", exclusive=True,
                            exit_on_error=False, name="sandbox shutdown")

    def _shutdown(self) -> None:
        from sandbox.cli.teardown import remove_leftovers
        from sandbox.api.client import ControlPlaneDown
        from sandbox.control.daemon import pid_alive, read_api_file

        error = None
        try:
            info = read_api_file(self.sandbox)
            if info:
                client = self._new_client(info["api"], timeout=60.0)
                try:
                    client.lab("Shutdown", removeEverything=True, timeout=60)
                except ControlPlaneDown:
                    pass
                pid = info.get("pid")
                deadline = time.monotonic() + 60
                while pid and pid_alive(pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
            remove_leftovers(self.sandbox)
        except Exception as exc:
            error = failure_text(exc)
        self.state = "stopped"
        self.app.post_message(SandboxStopped(error))


class FrozenLink:
    """A link to no sandbox: it serves a fixed snapshot and records what it was asked to do.

    For snapshot tests, benchmarks and screenshots, where real containers would make every
    frame different. Call `push(snapshot)` to play a new state.
    """

    def __init__(self, app: App, snapshot: dict[str, Any] | None, sandbox: str = "frozen",
                 cluster: str = "default", runtime: str | None = "docker",
                 stats: dict[str, dict[str, Any]] | None = None) -> None:
        self.app = app
        self.sandbox = sandbox
        self.cluster = cluster
        self.runtime = runtime
        self.snapshot = snapshot
        self.stats = stats or {}
        self.state = "live"
        self.api = "http://127.0.0.1:49999"
        self.actions: list[Operation] = []
        self.setups: list[list[ServiceSetup]] = []
        self.stats_wanted: list[str] = []
        self.closed = False

    @property
    def connected(self) -> bool:
        return True

    def start(self) -> None:
        self.app.post_message(LinkStateChanged("live", "", self.api))
        if self.snapshot is not None:
            self.app.post_message(SandboxChanged(self.snapshot))

    def push(self, snapshot: dict[str, Any]) -> None:
        self.snapshot = snapshot
        self.app.post_message(SandboxChanged(snapshot))

    def close(self) -> None:
        self.closed = True

    def restart(self) -> None:
        pass

    def sample_stats(self, task_ids: Iterable[str] | None) -> None:
        self.stats_wanted = sorted(task_ids or [])
        if self.stats_wanted and self.stats:
            self.app.post_message(StatsSampled({k: v for k, v in self.stats.items() if k in self.stats_wanted}))

    def act(self, operation: Operation, quiet: bool = False) -> None:
        self.actions.append(operation)
        result: dict[str, Any] = {}
        if operation.name == "exec":
            result = {"argv": ["true"], "taskId": operation.params.get("task")}
        self.app.post_message(ActionDone(operation, result, quiet))

    def ensure_services(self, setups: list[ServiceSetup], task_definition_files: list = ()) -> None:
        self.setups.append(list(setups))

    def logs(self, task: str) -> tuple[Iterator[str], Any]:
        class _Abort:
            def abort(self) -> None:
                pass

        return iter([f"frozen log line {n} of task {task[:8]}\n" for n in range(3)]), _Abort()

    def shutdown(self) -> None:
        self.state = "stopped"
        self.app.post_message(SandboxStopped(None))
