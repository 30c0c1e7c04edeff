"""Chaos soak: kill a random task of a 3-task service every second for N minutes, as a learner would.

The kills go through the sandbox's API (KillTask, what `servicelab task kill ID` sends) on real
Docker. A sampler asks Docker itself, ten times a second, how many of the service's containers
run. Prints:
- the share of time fewer ran than desired, and the longest stretch of it;
- over-counts: samples where more ran than desired (a replacement too many);
- orphans: containers with the sandbox's labels and no task record, seen on two checks in a row;
- the control plane's CPU (a share of one core over the soak) and RSS (start, peak, end);
- the state file's size (start, peak, end).
Asserts nothing. Its sandbox (own home, own name) is removed at the end, Ctrl+C included.
"""

from __future__ import annotations

import argparse
import os
import random
import threading
import time
from pathlib import Path

from common import control_plane, prepare, wait_until

DESIRED = 3
SAMPLE_EVERY = 0.1
ORPHAN_CHECK_EVERY = 2.0
TICKS = os.sysconf("SC_CLK_TCK")


class Watch:
    """What Docker runs, how the control plane process fares and how big its state file is."""

    def __init__(self, docker_client, client, name: str, pid: int, state_file: Path) -> None:
        self.docker, self.client, self.name, self.pid, self.state_file = docker_client, client, name, pid, state_file
        self.samples: list[tuple[float, int]] = []
        self.rss: list[int] = []
        self.state_sizes: list[int] = []
        self.orphans: set[str] = set()
        self._suspects: set[str] = set()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=target, daemon=True) for target in (self._count, self._orphans)]

    def start(self) -> None:
        self.cpu_start, self.wall_start = self.cpu_seconds(), time.monotonic()
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)
        self.cpu_share = (self.cpu_seconds() - self.cpu_start) / (time.monotonic() - self.wall_start)

    # -- the samplers -------------------------------------------------------------------------
    def running(self) -> int:
        filters = {"label": [f"servicelab.sandbox={self.name}", "servicelab.service=web"], "status": "running"}
        return len(self.docker.api.containers(filters=filters))

    def _count(self) -> None:
        next_process_look = 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            self.samples.append((now, self.running()))
            if now >= next_process_look:
                self.rss.append(self.rss_bytes())
                self.state_sizes.append(self.state_size())
                next_process_look = now + 1.0
            self.stop.wait(max(0.0, SAMPLE_EVERY - (time.monotonic() - now)))

    def _orphans(self) -> None:
        while not self.stop.wait(ORPHAN_CHECK_EVERY):
            self.check_orphans()

    def check_orphans(self) -> None:
        """A container whose task id has no record now and had none on the check before is an orphan.

        Two checks in a row: a container listed just before its stopped record was pruned is not one."""
        containers = self.docker.api.containers(all=True, filters={"label": f"servicelab.sandbox={self.name}"})
        records = {t["taskId"] for t in self.client.lab("Tasks", includeStopped=True)["tasks"]}
        unknown = {c["Labels"].get("servicelab.task", "") for c in containers} - records
        self.orphans |= unknown & self._suspects
        self._suspects = unknown

    # -- the process and its file ----------------------------------------------------------------
    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def state_size(self) -> int:
        try:
            return self.state_file.stat().st_size
        except FileNotFoundError:  # between an atomic write's rename steps
            return self.state_sizes[-1] if self.state_sizes else 0


def kill_one(client, rng: random.Random) -> str:
    """Kill a random RUNNING task of web; what happened, in one word, for the tally."""
    tasks = client.lab("Tasks", service="web")["tasks"]
    running = [t for t in tasks if t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING"
               and t.get("containerId")]
    if not running:
        return "none running"
    try:
        client.lab("KillTask", task=rng.choice(running)["taskId"])
    except Exception:  # a task that stopped between the listing and the kill
        return "refused"
    return "killed"


def below_desired(samples: list[tuple[float, int]]) -> tuple[float, float, int]:
    """(share of time below DESIRED, longest stretch in seconds, samples above DESIRED)."""
    below = longest = 0.0
    stretch_start = None
    for (at, count), (next_at, _) in zip(samples, samples[1:]):
        if count < DESIRED:
            below += next_at - at
            stretch_start = at if stretch_start is None else stretch_start
            longest = max(longest, next_at - stretch_start)
        else:
            stretch_start = None
    total = samples[-1][0] - samples[0][0]
    return below / total, longest, sum(1 for _, count in samples if count > DESIRED)


def soak(minutes: float, seed: int) -> None:
    docker_client = prepare()
    rng = random.Random(seed)
    with control_plane() as (client, name, pid):
        state_file = Path(client.lab("Status")["stateDir"]) / "state.json"
        client.ecs("CreateService", serviceName="web", taskDefinition="web:1", desiredCount=DESIRED)
        watch = Watch(docker_client, client, name, pid, state_file)
        wait_until(lambda: watch.running() == DESIRED, timeout=120)
        print(f"sandbox {name}: web runs {DESIRED}; killing a random task every second for {minutes:g} min",
              flush=True)
        watch.start()
        tally: dict[str, int] = {}
        started = time.monotonic()
        tick = started
        try:
            while time.monotonic() - started < minutes * 60:
                outcome = kill_one(client, rng)
                tally[outcome] = tally.get(outcome, 0) + 1
                tick += 1.0
                time.sleep(max(0.0, tick - time.monotonic()))
                if int(tick - started) % 30 == 0:
                    print(f"  {tick - started:4.0f} s: {tally}", flush=True)
        finally:
            watch.finish()
        settle_started = time.monotonic()
        wait_until(lambda: watch.running() == DESIRED, timeout=60)
        settled_in = time.monotonic() - settle_started
        watch.check_orphans()
        time.sleep(ORPHAN_CHECK_EVERY)
        watch.check_orphans()
        report(watch, tally, settled_in)


def report(watch: Watch, tally: dict[str, int], settled_in: float) -> None:
    share, longest, over = below_desired(watch.samples)
    mib = 1024 * 1024
    print(f"kills: {tally}")
    print(f"below desired ({DESIRED}): {share * 100:.1f}% of the time, longest stretch {longest:.2f} s "
          f"(Docker sampled every {SAMPLE_EVERY:g} s, {len(watch.samples)} samples)")
    print(f"over-counts (more than {DESIRED} running): {over} samples")
    print(f"orphans (our labels, no task record, on two checks in a row): {len(watch.orphans)}"
          + (f" {sorted(watch.orphans)}" if watch.orphans else ""))
    print(f"back to {DESIRED} running {settled_in:.2f} s after the last kill")
    print(f"control plane CPU: {watch.cpu_share * 100:.1f}% of one core over the soak; RSS "
          f"{watch.rss[0] / mib:.1f} MiB at the start, {max(watch.rss) / mib:.1f} peak, {watch.rss[-1] / mib:.1f} at the end")
    print(f"state file: {watch.state_sizes[0] / 1024:.1f} KiB at the start, {max(watch.state_sizes) / 1024:.1f} peak, "
          f"{watch.state_sizes[-1] / 1024:.1f} at the end")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to keep killing (default 10)")
    parser.add_argument("--seed", type=int, default=14, help="which tasks get killed, for a run that repeats")
    args = parser.parse_args()
    soak(args.minutes, args.seed)


if __name__ == "__main__":
    main()
