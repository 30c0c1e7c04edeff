"""The Docker runtime: each task is one real container, owned through its labels.

Every docker-py or requests exception is translated here into the runtime errors of base.py,
so nothing above this module ever sees a Docker type.
"""

from __future__ import annotations

import codecs
import logging
import math
import os
import re
import shutil
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Iterator

import docker
import docker.errors
import docker.types
import docker.utils
import requests
import urllib3

from .base import (
    CREATED,
    EVENTS_MISSED,
    EXITED,
    HEALTH_HEALTHY,
    HEALTH_NONE,
    HEALTH_STARTING,
    HEALTH_UNHEALTHY,
    LABEL_HOME,
    LABEL_SANDBOX,
    LABEL_TASK,
    RUNNING,
    ImageMissing,
    LaunchFailed,
    Launched,
    LaunchSpec,
    NotOwned,
    ObservedContainer,
    OnChange,
    RuntimeUnavailable,
    Stats,
)
from .process import DEMO_IMAGE, image_repository
from sandbox.core.model import HOST_FOLDER, SHARED_VOLUME, Mount, PortMapping
from sandbox.state import paths

log = logging.getLogger(__name__)

API_TIMEOUT = 30
POOL_SIZE = 32  # executor threads + the event stream + followed logs, without pool churn
RECONNECT_DELAY = 1.0

# Event actions that can change what list_owned reports; exec_* (every health probe) cannot.
HARDENING = {
    # A task needs none of these to serve HTTP on a high port; a learner's experiments stay contained.
    "security_opt": ["no-new-privileges"],
    "cap_drop": ["ALL"],
    "read_only": True,
    "tmpfs": {"/tmp": "rw,size=16m,mode=1777"},
    "pids_limit": 64,
}

WATCHED_ACTIONS = {"create", "start", "restart", "die", "kill", "oom", "stop", "destroy", "pause", "unpause"}

# Errors meaning "the engine is not there", as opposed to "the engine said no".
TRANSPORT_ERRORS = (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError)

_STATES = {"created": CREATED, "running": RUNNING, "paused": RUNNING, "restarting": RUNNING}
_EXIT = re.compile(r"Exited \((-?\d+)\)")
_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_.-]")


def docker_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host else "/var/run/docker.sock"


def unavailable_message(exc: BaseException | None = None) -> str:
    """One line telling a person why Docker does not answer and what to do."""
    where = docker_socket()
    text = str(exc or "")
    if "Permission denied" in text or "PermissionError" in text:
        return (f"Docker refused us (permission denied on {where}): add yourself to the docker group "
                "with `sudo usermod -aG docker $USER`, then log in again")
    return (f"Docker is not running (cannot reach {where}): start it with `sudo systemctl start docker`, "
            "or run `bash scripts/tutor`, which starts it")


def connect(timeout: int = API_TIMEOUT):
    """A docker-py client, or RuntimeUnavailable with a one-line reason."""
    try:
        return docker.from_env(timeout=timeout, max_pool_size=POOL_SIZE)
    except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
        raise RuntimeUnavailable(unavailable_message(exc)) from None


def api_reason(exc: docker.errors.APIError) -> str:
    """The daemon's own explanation, on one line."""
    text = exc.explanation or str(exc)
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return " ".join(str(text).split())


def parse_time(value: str | None) -> float | None:
    """Docker's RFC 3339 time with nanoseconds → epoch seconds; the zero time → None."""
    if not value or value.startswith("0001-"):
        return None
    match = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", value)
    if not match:
        return None
    whole, frac, zone = match.groups()
    stamp = datetime.fromisoformat(whole + ("+00:00" if zone == "Z" else zone)).timestamp()
    return stamp + (float("0." + frac) if frac else 0.0)


def _host_port(ports) -> int | None:
    """The first published host port, from inspect's {"8080/tcp": [...]} or a summary's list."""
    if isinstance(ports, dict):
        bindings = [b for value in ports.values() for b in (value or [])]
        ports = [{"PublicPort": b.get("HostPort")} for b in bindings]
    for entry in ports or []:
        if entry.get("PublicPort"):
            return int(entry["PublicPort"])
    return None


def _port_mappings(spec: LaunchSpec) -> tuple[PortMapping, ...]:
    """The task definition's port mappings; a YAML one's is its containerPort on a free port."""
    return spec.settings.ports or ((PortMapping(spec.container_port),) if spec.container_port else ())


def _bindings(spec: LaunchSpec, published: dict) -> list[dict]:
    """ECS's networkBindings: every mapping with the host port the engine gave it."""
    out = []
    for mapping in _port_mappings(spec):
        if spec.network_mode == "host":
            hosts = [mapping.container_port]
        else:
            key = f"{mapping.container_port}/{mapping.protocol}"
            hosts = sorted({int(b["HostPort"]) for b in published.get(key) or [] if b.get("HostPort")})
        out.extend({"bindIP": "127.0.0.1", "containerPort": mapping.container_port, "hostPort": host,
                    "protocol": mapping.protocol} for host in hosts)
    return out


LABEL_STOP_TIMEOUT = "servicelab.stop-timeout"
"""The task definition's stopTimeout, kept on the container (docker-py's create cannot set StopTimeout)."""


def _stop_label(spec: LaunchSpec) -> dict[str, str]:
    return {LABEL_STOP_TIMEOUT: str(spec.settings.stop_timeout)} if spec.settings.stop_timeout is not None else {}


def missing_image(image: str) -> str:
    """Which image is missing, and how to get it: the sandbox never pulls."""
    if image_repository(image) == DEMO_IMAGE:
        return f"image {image} is not on this machine; build it with `servicelab sandbox prepare`"
    return (f"image {image} is not on this machine, and the sandbox never pulls one; get it with "
            f"`docker pull {image}` (or build it), and the service's next try starts it")


def _health(status: str) -> str:
    if "(unhealthy)" in status:
        return HEALTH_UNHEALTHY
    if "(healthy)" in status:
        return HEALTH_HEALTHY
    if "(health: starting)" in status:
        return HEALTH_STARTING
    return HEALTH_NONE


class DockerRuntime:
    """Runs tasks as containers labelled servicelab.sandbox=<sandbox>; touches nothing else."""

    name = "docker"

    def __init__(self, sandbox: str, client=None, home: str | None = None) -> None:
        self.sandbox = sandbox
        self.home = home
        """The servicelab home, stamped on what we create; None claims the sandbox name alone."""
        self.client = client if client is not None else connect()
        self._lock = threading.Lock()
        self._ours: set[str] = set()  # full ids known to carry our label (labels never change)
        self._oom: dict[str, bool] = {}  # exited containers' OOMKilled, which never changes
        self._cpu: dict[str, tuple[int, int]] = {}  # previous (container cpu, system cpu) sample
        # Exit codes from `die` events. The engine announces a death ~100 ms before its
        # container list stops saying "running"; what the event stream saw is observed state
        # too (as an informer's cache is), so listings are corrected with it.
        self._died: dict[str, int | None] = {}

    # -- error mapping ------------------------------------------------------------------------
    @contextmanager
    def _engine(self, doing: str):
        """Map anything docker-py raises to RuntimeUnavailable; callers catch what they expect first."""
        try:
            yield
        except docker.errors.APIError as exc:
            raise RuntimeUnavailable(f"Docker could not {doing}: {api_reason(exc)}") from None
        except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
            raise RuntimeUnavailable(unavailable_message(exc)) from None

    def _mine(self, labels: dict[str, str]) -> bool:
        """Our sandbox's name, and our home's (a container from before homes were stamped is ours)."""
        if labels.get(LABEL_SANDBOX) != self.sandbox:
            return False
        return self.home is None or labels.get(LABEL_HOME, self.home) == self.home

    def other_homes(self) -> set[str]:
        """Homes whose containers carry this sandbox's name: another servicelab uses the name."""
        homes = {(s.get("Labels") or {}).get(LABEL_HOME) for s in self._summaries()}
        return {h for h in homes if h and h != self.home}

    def _own(self, container_id: str) -> bool:
        """True if the container is ours, False if it is gone; NotOwned if it belongs to others."""
        with self._lock:
            if container_id in self._ours:
                return True
        with self._engine("inspect a container"):
            try:
                attrs = self.client.api.inspect_container(container_id)
            except docker.errors.NotFound:
                return False
        if not self._mine(attrs.get("Config", {}).get("Labels") or {}):
            raise NotOwned(f"container {container_id[:12]} does not belong to sandbox {self.sandbox}; leaving it alone")
        with self._lock:
            self._ours.add(attrs["Id"])
        return True

    def _forget(self, container_id: str) -> None:
        with self._lock:
            self._ours.discard(container_id)
            self._oom.pop(container_id, None)
            self._cpu.pop(container_id, None)

    # -- launching ----------------------------------------------------------------------------
    def container_name(self, task_id: str) -> str:
        return _NAME_CHARS.sub("-", f"sl-{self.sandbox}-{task_id[:12]}")

    def _labels(self) -> dict[str, str]:
        """What marks a container, volume or network as this sandbox's."""
        return {LABEL_SANDBOX: self.sandbox, **({LABEL_HOME: self.home} if self.home else {})}

    def _create_args(self, spec: LaunchSpec) -> dict:
        env = dict(spec.environment)
        ours = {**spec.labels, LABEL_HOME: self.home} if self.home else spec.labels
        args: dict = {
            "image": spec.image,
            "name": self.container_name(spec.task_id),
            # The task definition's dockerLabels, and ours over them (servicelab.* are refused at registration).
            "labels": {**dict(spec.settings.docker_labels), **ours, **_stop_label(spec)},
            "detach": True,
            "mem_limit": f"{spec.settings.memory_limit or spec.memory}m",
        }
        if spec.command:
            args["command"] = list(spec.command)
        if spec.cpu:
            args["cpu_shares"] = spec.cpu  # ECS cpu units are Docker's relative shares (1024 = 1 vCPU)
        args.update(HARDENING)
        args.update(self._container_settings(spec))
        if spec.network_mode == "host":
            # The host's own stack: the task binds loopback only, with or without a containerPort
            # (the demo task's default port too), and a second task on the same port collides, as
            # it would on one EC2 instance.
            args["network_mode"] = "host"
            env["BIND"] = "127.0.0.1"
            if spec.container_port:
                env["PORT"] = str(spec.container_port)
        elif spec.network_mode == "none":
            args["network_mode"] = "none"
        else:
            if spec.network_mode == "awsvpc":
                # An address of its own on the sandbox's network, as an ENI gives a task in a VPC.
                args["network"] = self._vpc_network()
            if spec.container_port:
                env["PORT"] = str(spec.container_port)
            ports: dict[str, list] = {}
            for mapping in _port_mappings(spec):
                # Loopback only: a tutorial sandbox must not be reachable from the network.
                ports.setdefault(f"{mapping.container_port}/{mapping.protocol}", []).append(
                    ("127.0.0.1", mapping.host_port or None))
            if ports:
                args["ports"] = ports
        args["environment"] = env
        if spec.health_check:
            hc = spec.health_check
            test = list(hc.command)
            if not test or test[0] not in ("CMD", "CMD-SHELL", "NONE"):
                test = ["CMD-SHELL", " ".join(test)]
            seconds = 1_000_000_000
            args["healthcheck"] = {
                "test": test,
                "interval": hc.interval * seconds,
                "timeout": hc.timeout * seconds,
                "retries": hc.retries,
                "start_period": hc.start_period * seconds,
            }
        return args

    def _container_settings(self, spec: LaunchSpec) -> dict:
        """docker create's arguments for the rest of the container definition (ContainerSettings)."""
        s = spec.settings
        args: dict = {key: value for key, value in (
            ("entrypoint", list(s.entry_point) if s.entry_point is not None else None),
            ("working_dir", s.working_directory), ("user", s.user), ("hostname", s.hostname),
            ("mem_reservation", f"{s.memory_reservation}m" if s.memory_reservation else None),
            # Task-level cpu is a hard cap on Linux instances; Docker counts it in CPUs of this machine.
            ("nano_cpus", min(s.cpu_limit * 10**9 // 1024, (os.cpu_count() or 1) * 10**9) if s.cpu_limit else None),
            ("ulimits", [docker.types.Ulimit(name=n, soft=soft, hard=hard) for n, soft, hard in s.ulimits] or None),
            ("dns", list(s.dns_servers) or None), ("dns_search", list(s.dns_search_domains) or None),
            ("extra_hosts", dict(s.extra_hosts) or None), ("sysctls", dict(s.system_controls) or None),
            ("init", s.init_process or None),
            ("shm_size", f"{s.shared_memory_size}m" if s.shared_memory_size else None),
            ("memswap_limit", f"{(s.memory_limit or spec.memory) + s.max_swap}m" if s.max_swap is not None else None),
            ("mem_swappiness", s.swappiness), ("stdin_open", s.interactive or None),
            ("tty", s.pseudo_terminal or None), ("network_disabled", s.disable_networking or None),
        ) if value is not None}
        if s.tmpfs:
            args["tmpfs"] = {**HARDENING["tmpfs"], **{path: ",".join((f"size={size}m", *options))
                                                      for path, size, options in s.tmpfs}}
        if s.mounts:
            args["mounts"] = [self._mount(m) for m in s.mounts]
        return args

    def _mount(self, mount: Mount) -> docker.types.Mount:
        if mount.kind == HOST_FOLDER:
            return docker.types.Mount(mount.target, self._host_folder(mount.source), type="bind", read_only=mount.read_only)
        if mount.kind == SHARED_VOLUME:
            return docker.types.Mount(mount.target, self._shared_volume(mount), type="volume", read_only=mount.read_only)
        # The task's own volume: anonymous, so it goes when the container is removed.
        return docker.types.Mount(mount.target, None, type="volume", read_only=mount.read_only, labels=self._labels())

    def _host_folder(self, path: str) -> str:
        """A folder under the sandbox's own, checked again here: the state file could have been edited."""
        root = paths.sandbox_dir(self.sandbox, Path(self.home)).resolve() if self.home else None
        resolved = Path(path).resolve()
        if root is None or not (resolved == root or root in resolved.parents):
            raise LaunchFailed(f"host folder {path} is outside the sandbox's folder; the sandbox mounts no other folder")
        return str(resolved)

    def _shared_volume(self, mount: Mount) -> str:
        """The sandbox's volume of that name, created when missing if the task definition says so."""
        name = _NAME_CHARS.sub("-", f"sl-{self.sandbox}-{mount.source}")
        with self._engine("look up a volume"):
            try:
                labels = self.client.api.inspect_volume(name).get("Labels") or {}
            except docker.errors.NotFound:
                if not mount.autoprovision:
                    raise LaunchFailed(
                        f"volume {name} does not exist and autoprovision is false; set autoprovision true, or create "
                        f"it: docker volume create --label {LABEL_SANDBOX}={self.sandbox} {name}") from None
                try:
                    self.client.api.create_volume(name, driver="local", labels=self._labels())
                except docker.errors.APIError as exc:
                    if "already exists" not in api_reason(exc):  # a concurrent launch made it first
                        raise
                return name
        if not self._mine(labels):
            raise LaunchFailed(f"volume {name} does not belong to sandbox {self.sandbox}; leaving it alone")
        return name

    def launch(self, spec: LaunchSpec) -> Launched:
        container = None
        try:
            # ImageNotFound first: it is a subclass of NotFound, and of APIError.
            try:
                container = self.client.containers.create(**self._create_args(spec))
            except docker.errors.ImageNotFound:
                raise ImageMissing(missing_image(spec.image)) from None
            with self._lock:
                self._ours.add(container.id)
            container.start()
            container.reload()
        except docker.errors.APIError as exc:
            self._discard_failed(container)
            reason = api_reason(exc)
            if "port is already allocated" in reason:
                reason = f"port is already allocated ({reason})"
            raise LaunchFailed(f"cannot start task {spec.task_id[:8]}: {reason}") from None
        except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
            self._discard_failed(container)
            raise RuntimeUnavailable(unavailable_message(exc)) from None
        published = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
        bindings = _bindings(spec, published)
        host_port = next((b["hostPort"] for b in bindings if b["containerPort"] == spec.container_port
                          and b["protocol"] == "tcp"), _host_port(published))
        if spec.network_mode == "host":
            host_port = spec.container_port
        return Launched(
            container_id=container.id,
            host_port=host_port,
            started_at=parse_time(container.attrs.get("State", {}).get("StartedAt")),
            bindings=tuple(bindings) if spec.settings.ports else (),
        )

    def _discard_failed(self, container) -> None:
        """A container that was created but could not start is ours to clear away."""
        if container is None:
            return
        try:
            self.client.api.remove_container(container.id, force=True, v=True)
        except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
            log.warning("could not remove failed container %s: %s", container.id[:12], exc)
        self._forget(container.id)

    # -- stopping -----------------------------------------------------------------------------
    def stop(self, container_id: str, timeout: float = 2.0) -> int | None:
        if not self._own(container_id):
            return None
        with self._engine("stop a container"):
            try:
                # The task definition's stopTimeout, when it has one, as the ECS agent honours it.
                labels = (self.client.api.inspect_container(container_id).get("Config") or {}).get("Labels") or {}
                own = labels.get(LABEL_STOP_TIMEOUT, "")
                # Docker takes whole seconds; the HTTP timeout grows by the same amount.
                self.client.api.stop(container_id, timeout=int(own) if own.isdigit() else max(1, math.ceil(timeout)))
                state = self.client.api.inspect_container(container_id)["State"]
            except docker.errors.NotFound:
                return None
        return state.get("ExitCode")

    def remove(self, container_id: str) -> None:
        if not self._own(container_id):
            return
        with self._engine("remove a container"):
            try:
                # v: the task's own volumes go with it, as ECS removes a task's Docker volumes.
                self.client.api.remove_container(container_id, force=True, v=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                if "already in progress" not in api_reason(exc):  # a concurrent remove wins
                    raise
        self._forget(container_id)

    def kill(self, container_id: str) -> None:
        if not self._own(container_id):
            return
        with self._engine("kill a container"):
            try:
                self.client.api.kill(container_id)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                if exc.status_code != 409:  # 409: it is not running, which is what we wanted
                    raise

    # -- observing ----------------------------------------------------------------------------
    def list_owned(self) -> list[ObservedContainer]:
        with self._lock:
            before = set(self._ours)
        observed = [o for o in map(self._observe, self._summaries()) if o is not None]
        with self._lock:
            observed = [
                replace(o, state=EXITED, exit_code=self._died[o.container_id], health=HEALTH_NONE)
                if o.state == RUNNING and o.container_id in self._died else o
                for o in observed
            ]
            listed = {o.container_id for o in observed}
            for gone in [cid for cid in self._died if cid not in listed]:
                del self._died[gone]
            # Keep ids added while we listed (a launch in flight); drop ones that disappeared.
            self._ours = {o.container_id for o in observed} | (self._ours - before)
        return observed

    def _summaries(self) -> list[dict]:
        """Every container carrying this sandbox's name, whichever home it belongs to."""
        with self._engine("list containers"):
            # The low-level summary: one request, where the high-level list inspects each container.
            return self.client.api.containers(all=True, filters={"label": f"{LABEL_SANDBOX}={self.sandbox}"})

    def _observe(self, summary: dict) -> ObservedContainer | None:
        labels = summary.get("Labels") or {}
        task_id = labels.get(LABEL_TASK)
        if not task_id or not self._mine(labels):
            return None
        status = summary.get("Status") or ""
        state = _STATES.get(summary.get("State", ""), EXITED)
        exit_code = None
        if state == EXITED:
            match = _EXIT.search(status)
            exit_code = int(match.group(1)) if match else None
        cid = summary["Id"]
        return ObservedContainer(
            container_id=cid,
            task_id=task_id,
            labels=dict(labels),
            state=state,
            exit_code=exit_code,
            health=_health(status) if state == RUNNING else HEALTH_NONE,
            host_port=_host_port(summary.get("Ports")),
            oom_killed=exit_code == 137 and self._oom_killed(cid),
        )

    def _oom_killed(self, container_id: str) -> bool:
        """The summary lacks OOMKilled; only a 137 exit can be one, and it is looked up once."""
        with self._lock:
            if container_id in self._oom:
                return self._oom[container_id]
        try:
            oom = bool(self.client.api.inspect_container(container_id)["State"].get("OOMKilled"))
        except (docker.errors.DockerException, *TRANSPORT_ERRORS):
            return False  # gone meanwhile, or the engine blinked: the next listing asks again
        with self._lock:
            self._oom[container_id] = oom
        return oom

    def watch(self, on_change: OnChange, stop: threading.Event) -> None:
        current: list = [None]
        guard = threading.Lock()

        def close_on_stop() -> None:
            stop.wait()
            with guard:
                stream, current[0] = current[0], None
            _close_quietly(stream)

        threading.Thread(target=close_on_stop, name=f"watch-closer-{self.sandbox}", daemon=True).start()
        filters = {"type": "container", "label": f"{LABEL_SANDBOX}={self.sandbox}"}
        since = None
        missed = False
        while not stop.is_set():
            try:
                stream = self.client.events(decode=True, filters=filters, since=since)
            except (docker.errors.DockerException, *TRANSPORT_ERRORS) as exc:
                log.debug("event stream unavailable: %s", exc)
                stop.wait(RECONNECT_DELAY)
                continue
            with guard:
                current[0] = stream
            if stop.is_set():  # stop came between connecting and registering the stream
                _close_quietly(stream)
                break
            if missed:  # back, perhaps from a restarted engine that kept no events of before
                self._notify(on_change, EVENTS_MISSED)
                missed = False
            try:
                for event in stream:
                    # Resume from here after a reconnect: replays at most this one event.
                    since = event.get("timeNano", 0) / 1e9 or since
                    self._deliver(event, on_change)
            except (docker.errors.DockerException, *TRANSPORT_ERRORS, ValueError) as exc:
                log.debug("event stream broke: %s", exc)
            with guard:
                current[0] = None
            _close_quietly(stream)
            if not stop.is_set():
                # Whatever happened until the stream is back goes unannounced.
                self._notify(on_change, EVENTS_MISSED)
                missed = True
                stop.wait(RECONNECT_DELAY)

    def _deliver(self, event: dict, on_change: OnChange) -> None:
        action = (event.get("Action") or event.get("status") or "").partition(":")[0]
        if action not in WATCHED_ACTIONS and action != "health_status":
            return
        attributes = (event.get("Actor") or {}).get("Attributes") or {}
        task_id = attributes.get(LABEL_TASK)
        if not task_id or not self._mine(attributes):  # an event's attributes carry the labels
            return
        container_id = (event.get("Actor") or {}).get("ID") or event.get("id") or ""
        with self._lock:
            if action == "die":
                code = ((event.get("Actor") or {}).get("Attributes") or {}).get("exitCode")
                self._died[container_id] = int(code) if code is not None and str(code).lstrip("-").isdigit() else None
            elif action in ("start", "restart", "destroy"):
                self._died.pop(container_id, None)
        self._notify(on_change, task_id)

    @staticmethod
    def _notify(on_change: OnChange, task_id: str) -> None:
        try:
            on_change(task_id)
        except Exception:  # a listener's bug must not end the event stream
            log.exception("on_change failed for task %s", task_id)

    def logs(self, container_id: str, follow: bool = False, tail: int | None = None) -> Iterator[str]:
        # Checked now, not on first next(): a refusal must not wait for the caller to iterate.
        if not self._own(container_id):
            return iter(())
        with self._engine("read logs"):
            try:
                chunks = self.client.api.logs(
                    container_id, stdout=True, stderr=True, stream=True, follow=follow,
                    tail="all" if tail is None else tail,
                )
            except docker.errors.NotFound:
                return iter(())
        return self._lines(chunks)

    def _lines(self, chunks) -> Iterator[str]:
        """Docker frames are not lines; re-split them, keeping each line's newline."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""
        with self._engine("read logs"):
            try:
                for chunk in chunks:
                    pending += decoder.decode(chunk)
                    *lines, pending = pending.split("\n")
                    for line in lines:
                        yield line + "\n"
            finally:
                _close_quietly(chunks)
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending

    def exec_argv(self, container_id: str, command: list[str], interactive: bool) -> list[str]:
        self._own(container_id)  # gone is left to `docker exec` to report, in its own words
        cli = shutil.which("docker")
        if cli is None:
            raise RuntimeUnavailable("the docker command-line client is not installed (it runs `exec`); install docker-ce-cli or docker.io")
        return [cli, "exec", "-it" if interactive else "-i", container_id, *command]

    def stats(self, container_id: str) -> Stats | None:
        if not self._own(container_id):
            return None
        with self._engine("read container stats"):
            try:
                # one_shot answers at once instead of waiting for a second sample (API 1.41+).
                one_shot = None if docker.utils.version_lt(self.client.api.api_version, "1.41") else True
                sample = self.client.api.stats(container_id, stream=False, one_shot=one_shot)
            except docker.errors.NotFound:
                self._forget(container_id)
                return None
        return self._to_stats(container_id, sample)

    def _to_stats(self, container_id: str, sample: dict) -> Stats:
        cpu = sample.get("cpu_stats") or {}
        total = (cpu.get("cpu_usage") or {}).get("total_usage") or 0
        system = cpu.get("system_cpu_usage") or 0
        cpus = cpu.get("online_cpus") or len((cpu.get("cpu_usage") or {}).get("percpu_usage") or []) or 1
        with self._lock:
            previous = self._cpu.get(container_id)
            self._cpu[container_id] = (total, system)
        percent = 0.0
        if previous and system > previous[1] and total >= previous[0]:
            percent = (total - previous[0]) / (system - previous[1]) * cpus * 100.0
        memory = sample.get("memory_stats") or {}
        details = memory.get("stats") or {}
        # As `docker stats` does: page cache that can be dropped is not the task's memory.
        inactive = details.get("total_inactive_file", details.get("inactive_file", 0))
        usage = memory.get("usage") or 0
        return Stats(
            cpu_percent=round(percent, 2),
            memory_bytes=usage - inactive if usage > inactive else usage,
            memory_limit_bytes=memory.get("limit"),
        )

    def _vpc_network(self) -> str:
        name = _NAME_CHARS.sub("-", f"sl-{self.sandbox}-vpc")
        with self._engine("create the sandbox network"):
            try:
                self.client.api.inspect_network(name)
            except docker.errors.NotFound:
                try:
                    self.client.api.create_network(name, driver="bridge", labels=self._labels())
                except docker.errors.APIError as exc:
                    if "already exists" not in api_reason(exc):  # a concurrent launch made it first
                        raise
        return name

    def release(self) -> None:
        """Remove the sandbox's networks and volumes (only those carrying its label)."""
        with self._engine("remove the sandbox's volumes"):
            listed = self.client.api.volumes(filters={"label": f"{LABEL_SANDBOX}={self.sandbox}"}) or {}
            for volume in listed.get("Volumes") or []:
                if not self._mine(volume.get("Labels") or {}):
                    continue
                try:
                    self.client.api.remove_volume(volume["Name"], force=True)
                except docker.errors.NotFound:
                    pass
                except docker.errors.APIError as exc:
                    log.warning("could not remove volume %s: %s", volume["Name"], api_reason(exc))
        with self._engine("remove the sandbox's networks"):
            for network in self.client.api.networks(filters={"label": f"{LABEL_SANDBOX}={self.sandbox}"}):
                if not self._mine(network.get("Labels") or {}):
                    continue
                try:
                    self.client.api.remove_network(network["Id"])
                except docker.errors.NotFound:
                    pass

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except (docker.errors.DockerException, *TRANSPORT_ERRORS):
            return False

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # closing is best effort; the process may be exiting anyway
            pass


def _close_quietly(stream) -> None:
    if stream is None:
        return
    try:
        stream.close()
    except Exception:  # already closed, or its socket is gone with the daemon
        pass
