"""Running a sandbox's control plane: in the foreground, or started in the background on demand.

One control plane per sandbox, guarded by a lock file. Its API address is written to
`api.json` in the sandbox directory, so the CLI, the app and a second terminal find it.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from aiohttp import web

from sandbox.state import atomic, paths
from sandbox.workshop import classroom
from sandbox.actions import Sandbox
from sandbox.autoscaling.scaler import AutoScaler
from sandbox.api.lab_ops import ServerInfo
from sandbox.api.auth import TokenGuard
from sandbox.api.server import ApiServer
from sandbox.core.clock import SystemClock
from sandbox.scheduler.loop import ControlPlane
from sandbox.control.idle import IdleWatch
from sandbox.lb.manager import LoadBalancers
from sandbox.runtime.select import select_runtime
from sandbox.state.store import Store
from sandbox.taskdefs.taskdef_file import builtin

log = logging.getLogger("servicelab")

API_FILE = "api.json"
LOCK_FILE = "lock"
STATE_FILE = "state.json"
LOG_FILE = "control-plane.log"
START_TIMEOUT = 30.0
STATE_DIR_CHECK_SECONDS = 2.0
"""How often a control plane checks that its sandbox directory is still there and still its own."""


MAX_TIME_SPEED = 100.0


def time_speed() -> float:
    """How much faster than real time the sandbox's clock runs (SERVICELAB_TIME_SPEED, default 1).

    Backoffs, cooldowns and delays follow this clock; the engine's own health-check timers do not.
    """
    raw = os.environ.get("SERVICELAB_TIME_SPEED", "1")
    try:
        speed = float(raw)
    except ValueError:
        raise ValueError(f"SERVICELAB_TIME_SPEED={raw!r} is not a number; allowed 1 to {MAX_TIME_SPEED:g}") from None
    if not 1.0 <= speed <= MAX_TIME_SPEED:
        raise ValueError(f"SERVICELAB_TIME_SPEED={raw!r} is out of range; allowed 1 to {MAX_TIME_SPEED:g}")
    return speed


class AlreadyRunning(Exception):
    """Another control plane holds this sandbox's lock."""


@contextmanager
def sandbox_lock(directory: Path) -> Iterator[None]:
    handle = open(directory / LOCK_FILE, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(f"another control plane already runs sandbox {directory.name!r}") from None
        yield
    finally:
        handle.close()


def read_api_file(name: str) -> dict | None:
    data, _ = atomic.read_json(paths.sandbox_dir(name) / API_FILE)
    return data if isinstance(data, dict) else None


def build(name: str, runtime_kind: str | None, directory: Path, clock=None) -> tuple[Sandbox, Store]:
    """The store, runtime and control plane of a sandbox, with the defaults every sandbox has."""
    store = Store(directory / STATE_FILE)
    store.load()
    runtime = select_runtime(runtime_kind, name, directory)
    control = ControlPlane(name, store, runtime, clock or SystemClock(time_speed()))
    sandbox = Sandbox(control)
    if "default" not in store.clusters:
        sandbox.create_cluster("default")
    for td, revision in builtin():
        sandbox.register_task_definition(td, revision)
    # Started and stopped with the control plane by _serve_async.
    sandbox.load_balancers = LoadBalancers(sandbox)
    sandbox.autoscaler = AutoScaler(sandbox, sandbox.load_balancers)
    return sandbox, store


def serve(name: str, runtime_kind: str | None = None, port: int = 0, announce=print) -> None:
    """Run the control plane in the foreground until SIGINT/SIGTERM or a Shutdown request."""
    directory = paths.ensure_sandbox_dir(name)
    with sandbox_lock(directory):
        _configure_logging(directory)
        # Before anything starts: a bad workshop file refuses to start, saying where it is wrong.
        lab = classroom.settings(directory)
        sandbox, store = build(name, runtime_kind, directory)
        if store.set_aside_note:
            announce(f"servicelab: warning: {store.set_aside_note}")
        _refuse_a_name_in_use(name, sandbox.control.runtime)
        sandbox.quota = lab.quota
        control = sandbox.control
        info = ServerInfo(sandbox=name, runtime=control.runtime.name, pid=os.getpid(), state_dir=str(directory),
                          workshop=str(lab.workshop.path) if lab.workshop else None, idle_timeout=lab.idle_timeout)
        if lab.workshop:
            log.info("workshop %r (%s): quota %s, API token required", lab.workshop.title, lab.workshop.path,
                     lab.quota.to_dict())
        asyncio.run(_serve_async(sandbox, info, directory, port, announce, lab.token))


async def _serve_async(sandbox: Sandbox, info: ServerInfo, directory: Path, port: int, announce,
                       token: str | None = None) -> None:
    control = sandbox.control
    folder = atomic.Folder(directory)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    remove_on_exit = {"value": False}

    def shutdown(remove_everything: bool) -> None:
        remove_on_exit["value"] = remove_everything
        loop.call_soon_threadsafe(done.set)

    info.shutdown = shutdown
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, done.set)
    control.start()
    sandbox.load_balancers.start()
    sandbox.autoscaler.start()
    idle = IdleWatch(info.idle_timeout) if info.idle_timeout else None
    server = ApiServer(sandbox, info, guard=TokenGuard(token) if token else None, idle=idle)
    runner = web.AppRunner(server.app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    info.api = f"http://127.0.0.1:{bound}"
    folder.write_json(API_FILE, {
        "api": info.api, "pid": info.pid, "sandbox": info.sandbox,
        "runtime": info.runtime, "startedAt": info.started_at,
    })
    log.info("control plane for sandbox %s serving %s on the %s runtime", info.sandbox, info.api, info.runtime)
    announce(f"servicelab control plane: sandbox {info.sandbox!r}, {info.runtime} runtime, API {info.api}")

    def idle_shutdown(seconds: float) -> None:
        log.info("idle cleanup: no request for %.0fs (idle timeout %.0fs); stopping and removing everything",
                 seconds, info.idle_timeout)
        shutdown(True)

    idle_task = asyncio.ensure_future(idle.run(idle_shutdown)) if idle else None
    orphan_task = asyncio.ensure_future(_watch_state_dir(folder, info.pid, shutdown))
    try:
        await done.wait()
    finally:
        orphan_task.cancel()
        if idle_task is not None:
            idle_task.cancel()
        # Give the Shutdown response a moment to leave before the listener closes.
        await asyncio.sleep(0.1)
        await runner.cleanup()
        # Before the control plane: closing the load balancers releases drains in progress.
        await asyncio.to_thread(sandbox.autoscaler.close)
        await asyncio.to_thread(sandbox.load_balancers.close)
        await asyncio.to_thread(control.close, remove_on_exit["value"])
        _release_api_file(folder, info.pid)
        log.info("control plane stopped%s", " and removed everything it owned" if remove_on_exit["value"] else "")


class SandboxNameInUse(ValueError):
    """Another servicelab home already runs tasks under this sandbox name."""


def _refuse_a_name_in_use(name: str, runtime) -> None:
    # Another learner's home is their business: say that it is taken, never where.
    if hasattr(runtime, "other_homes") and runtime.other_homes():
        raise SandboxNameInUse(
            f"sandbox {name!r} belongs to another servicelab home (SERVICELAB_HOME) on this machine; "
            f"choose another name with --sandbox NAME, or, if that home is yours, run "
            f"`servicelab --sandbox {name} sandbox down` with SERVICELAB_HOME set to it"
        )


async def _watch_state_dir(folder: atomic.Folder, pid: int, shutdown: Callable[[bool], None]) -> None:
    """Stop when the sandbox's directory goes away or another control plane owns it.

    A deleted directory means the sandbox was deleted: its state, token and lock are gone, so a
    new control plane could start beside this one and both would act on the same containers.
    The directory is held open (atomic.Folder), since the next command may already have made a
    new one by that name. Deleted, this control plane removes what it owned, unless a new one holds
    the name already; displaced, it leaves them to the new owner. Either way it writes nothing
    back: the store refuses to save into a folder it no longer has.
    """
    while True:
        await asyncio.sleep(STATE_DIR_CHECK_SECONDS)
        if folder.lost:
            successor = _locked_by_another(folder.path)
            log.warning("the sandbox directory %s was deleted; stopping and %s", folder.path,
                        "leaving the containers to the new control plane of that name" if successor
                        else "removing everything")
            shutdown(not successor)
            return
        owner = _api_pid(folder.path)
        if owner is not None and owner != pid:
            log.warning("control plane %s now owns %s; stopping and leaving its containers to it", owner, folder.path)
            shutdown(False)
            return


def _locked_by_another(directory: Path) -> bool:
    """Whether a control plane holds the lock of the folder now at `directory` (creating nothing there)."""
    try:
        fd = os.open(directory / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _release_api_file(folder: atomic.Folder, pid: int) -> None:
    """Remove api.json only if it is still ours, in the folder we started in: a new control
    plane's address must stay findable."""
    if _api_pid(folder.path) != pid:
        return
    try:
        folder.remove(API_FILE)
    except atomic.FolderLost:
        pass


def _api_pid(directory: Path) -> int | None:
    try:
        return int(atomic.load_json(directory / API_FILE)["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or half-written: not a sign of another owner


def _configure_logging(directory: Path) -> None:
    handler = logging.FileHandler(directory / LOG_FILE)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def spawn(name: str, runtime_kind: str | None) -> subprocess.Popen:
    """Start `python -m sandbox serve` detached from this terminal."""
    directory = paths.ensure_sandbox_dir(name)
    argv = [sys.executable, "-m", "sandbox", "--sandbox", name]
    if runtime_kind:
        argv += ["--runtime", runtime_kind]
    argv += ["sandbox", "serve"]
    out = open(directory / "serve.out", "ab")
    return subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for_api(name: str, process: subprocess.Popen | None, timeout: float = START_TIMEOUT) -> dict:
    from sandbox.api.client import Client, ControlPlaneDown

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = read_api_file(name)
        if info:
            try:
                Client.for_sandbox(name, info["api"]).lab("Status")
                return info
            except ControlPlaneDown:
                pass
        if process is not None and process.poll() is not None:
            tail = _tail(paths.sandbox_dir(name) / "serve.out")
            raise RuntimeError(f"the control plane exited at start (status {process.returncode}): {tail}")
        time.sleep(0.05)
    raise RuntimeError(f"the control plane did not answer within {timeout:.0f}s; see {paths.sandbox_dir(name) / LOG_FILE}")


def _tail(path: Path) -> str:
    try:
        lines = [l for l in path.read_text(errors="replace").splitlines() if l.strip()]
    except FileNotFoundError:
        return "no output"
    return lines[-1] if lines else "no output"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

