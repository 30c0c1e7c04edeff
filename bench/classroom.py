"""A classroom on one machine: N learner sandboxes (own control plane each, workshop mode) × T tasks.

Measures, on whatever machine runs it (the issue's target: 30 × 3 on 2 cores):
- bring-up: every control plane started at once and answering, then every service's tasks RUNNING;
- memory: the control planes' RSS (from /proc) plus the task containers' memory (docker stats);
- idle CPU of all control planes together, with every task steady;
- recovery under load: kill one learner's task container, time Docker's `die` to the replacement's
  `start` (bench/recovery.py's method), against the same on an otherwise idle machine.

Everything it starts is taken down at the end (Shutdown with removeEverything, then a sweep of
anything still labelled with the bench's sandboxes), even on Ctrl-C. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import EventLog, median, prepare, seconds, wait_until
from idle import cpu_seconds
from recovery import measure_recovery, settled

from sandbox.api.client import Client
from sandbox.control.daemon import spawn, wait_for_api

WORKSHOP = "title: Bench class\nlessons: [services-and-tasks]\nquotas: {{maxTasks: {tasks}}}\nidleTimeout: off\n"


def rss_bytes(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages (the Python libraries all planes map) counted once overall."""
    for line in open(f"/proc/{pid}/smaps_rollup"):
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


ENGINE = ("dockerd", "containerd", "containerd-shim", "containerd-shim-runc-v2", "docker-proxy", "runc")


def engine_cpu_seconds() -> float:
    """CPU of the Docker engine's processes, with what their exited children (health-check execs) used."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        if name in ENGINE:
            total += sum(int(v) for v in rest[11:15])  # utime, stime, cutime, cstime
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def container_memory(docker_client, container_id: str) -> int:
    """As `docker stats` counts it: usage less the page cache that can be dropped."""
    sample = docker_client.api.stats(container_id, stream=False, one_shot=True)
    memory = sample.get("memory_stats") or {}
    stats = memory.get("stats") or {}
    inactive = stats.get("total_inactive_file", stats.get("inactive_file", 0))
    usage = memory.get("usage") or 0
    return usage - inactive if usage > inactive else usage


class Classroom:
    """The learners' sandboxes: started together, measured, and always taken down."""

    def __init__(self, learners: int, tasks: int) -> None:
        self.tag = uuid.uuid4().hex[:6]
        self.names = [f"class-{self.tag}-{n:02d}" for n in range(learners)]
        self.tasks = tasks
        self.home = Path(tempfile.mkdtemp(prefix="servicelab-classroom-"))
        self.processes: dict[str, object] = {}
        self.clients: dict[str, Client] = {}
        self.pids: dict[str, int] = {}

    def start(self) -> tuple[float, float]:
        """(seconds until every control plane answers, seconds until every task runs)."""
        workshop = self.home / "bench.yaml"
        workshop.write_text(WORKSHOP.format(tasks=self.tasks))
        os.environ["SERVICELAB_HOME"] = str(self.home)
        os.environ["SERVICELAB_WORKSHOP"] = str(workshop)  # quotas and tokens, as in a class
        started = time.perf_counter()
        for name in self.names:  # everyone opens the app at the start of the class
            self.processes[name] = spawn(name, "docker")
        for name in self.names:
            info = wait_for_api(name, self.processes[name], timeout=300)
            self.clients[name] = Client.for_sandbox(name, info["api"], timeout=120)
            self.pids[name] = info["pid"]
        answering = time.perf_counter() - started
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: c.ecs("CreateService", serviceName="web", taskDefinition="web:1",
                                          desiredCount=self.tasks), self.clients.values()))

        def all_running() -> bool:
            with ThreadPoolExecutor(8) as pool:
                counts = pool.map(lambda c: c.ecs("DescribeServices", services=["web"])["services"][0]["runningCount"],
                                  self.clients.values())
                return all(count == self.tasks for count in counts)

        wait_until(all_running, timeout=600, interval=1.0)
        return answering, time.perf_counter() - started

    def memory(self, docker_client) -> tuple[int, int, int]:
        """(control planes' RSS, their PSS, task containers' memory), in bytes."""
        planes = sum(rss_bytes(pid) for pid in self.pids.values())
        proportional = sum(pss_bytes(pid) for pid in self.pids.values())
        containers = self.containers(docker_client, running_only=True)
        with ThreadPoolExecutor(8) as pool:
            used = sum(pool.map(lambda cid: container_memory(docker_client, cid), containers))
        return planes, proportional, used

    def containers(self, docker_client, running_only: bool = False) -> list[str]:
        """Ids of the containers labelled with the bench's sandboxes (one listing, no per-container
        inspect: other people's containers may come and go meanwhile)."""
        summaries = docker_client.api.containers(all=not running_only, filters={"label": "servicelab.sandbox"})
        return [c["Id"] for c in summaries if (c.get("Labels") or {}).get("servicelab.sandbox") in self.names]

    def idle_cpu(self, window: float) -> tuple[float, float, float]:
        """Over `window` seconds with every task steady, in % of one core: all control planes, the
        Docker engine (health checks are execs in the containers), and the whole machine."""
        planes, engine, (busy, total) = sum(cpu_seconds(p) for p in self.pids.values()), engine_cpu_seconds(), machine_busy()
        t0 = time.monotonic()
        time.sleep(window)
        elapsed = time.monotonic() - t0
        busy2, total2 = machine_busy()
        return (100 * (sum(cpu_seconds(p) for p in self.pids.values()) - planes) / elapsed,
                100 * (engine_cpu_seconds() - engine) / elapsed,
                100 * os.cpu_count() * (busy2 - busy) / max(1, total2 - total))

    def recovery(self, docker_client, rounds: int) -> list[float]:
        """die → replacement start, killing a proven task of a different learner each round."""
        out = []
        for n in range(rounds):
            name = self.names[(n * 7) % len(self.names)]
            client = self.clients[name]
            events = EventLog(f"servicelab.sandbox={name}")
            try:
                victim = wait_until(lambda: settled(client, self.tasks), timeout=180)[0]
                before = len(events.events)
                docker_client.containers.get(victim["containerId"]).kill()
                died = events.wait_for(lambda e: e["Action"] == "die" and e["id"] == victim["containerId"], after=before)
                again = events.wait_for(lambda e: e["Action"] == "start", after=before)
                out.append(seconds(again) - seconds(died))
                print(f"  round {n + 1} ({name}): {out[-1] * 1000:.0f} ms", flush=True)
            finally:
                events.close()
        return out

    def close(self, docker_client) -> int:
        """Take every sandbox down; returns how many containers had to be swept up after."""
        def down(name: str) -> None:
            client = self.clients.get(name)
            if client is not None:
                try:
                    client.lab("Shutdown", removeEverything=True, timeout=180)
                except Exception:  # gone already: the sweep below still runs
                    pass

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(down, self.names))
        for name, process in self.processes.items():
            if name not in self.clients and process.poll() is None:
                process.terminate()  # interrupted before it answered: SIGTERM stops it; the sweep does the rest
            try:
                process.wait(timeout=180)
            except Exception:  # stuck: it must not outlive the bench
                process.kill()
        swept = 0
        try:
            for container_id in self.containers(docker_client):
                try:
                    docker_client.api.remove_container(container_id, force=True)
                    swept += 1
                except Exception as exc:  # already gone is fine; anything else is said
                    if "No such container" not in str(exc):
                        print(f"could not remove {container_id[:12]}: {exc}")
        finally:
            os.environ.pop("SERVICELAB_WORKSHOP", None)
            shutil.rmtree(self.home, ignore_errors=True)
        return swept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.pop("SERVICELAB_WORKSHOP", None)  # the idle baseline is an ordinary sandbox
    docker_client = prepare()
    print(f"idle machine: recovery of a killed task, {args.rounds} rounds", flush=True)
    idle = measure_recovery(docker_client, args.rounds)
    room = Classroom(args.learners, args.tasks)
    try:
        print(f"bringing up {args.learners} learner sandboxes × {args.tasks} tasks", flush=True)
        answering, running = room.start()
        time.sleep(3)  # let the last starts settle before measuring memory
        planes, proportional, containers = room.memory(docker_client)
        cpu, engine, machine = room.idle_cpu(args.idle_seconds)
        print(f"under load: recovery of a killed task, {args.rounds} rounds", flush=True)
        loaded = room.recovery(docker_client, args.rounds)
    finally:
        swept = room.close(docker_client)
    total = args.learners * args.tasks
    mib = 1024 * 1024
    print(f"\n{args.learners} learners × {args.tasks} tasks = {total} task containers on {os.cpu_count()} cores")
    print(f"bring-up: all {args.learners} control planes answering in {answering:.1f} s; "
          f"all {total} tasks RUNNING in {running:.1f} s")
    print(f"memory:   control planes {planes / mib:.0f} MiB RSS ({planes / mib / args.learners:.1f} MiB each), "
          f"{proportional / mib:.0f} MiB PSS (shared libraries counted once); containers {containers / mib:.0f} MiB; "
          f"total {(proportional + containers) / mib:.0f} MiB PSS + containers")
    print(f"steady CPU over {args.idle_seconds:.0f} s, in % of one core: control planes {cpu:.1f}%, Docker engine "
          f"{engine:.1f}% (health checks exec in every container), whole machine {machine:.0f}% of "
          f"{100 * os.cpu_count()}%")
    print(f"recovery: idle machine median {median(idle) * 1000:.0f} ms; under load median {median(loaded) * 1000:.0f} ms "
          f"(max {max(loaded) * 1000:.0f}); ratio {median(loaded) / median(idle):.2f}x")
    print(f"cleanup:  every sandbox shut down; {swept} container(s) had to be swept up afterwards")


if __name__ == "__main__":
    main()
