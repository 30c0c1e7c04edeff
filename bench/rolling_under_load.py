"""Rolling update under load: web:1 → web:2 on N tasks behind the load balancer, with steady traffic.

Prints the traffic's requests, errors and p50/p99 latency, how long the rollout took, and, from
a timeline of every state the API reported, the fewest healthy RUNNING tasks and the most
RUNNING or PENDING tasks seen while it rolled (against minimumHealthyPercent 100 and
maximumPercent 200). Real time (no clock speed-up) unless SERVICELAB_TIME_SPEED is set.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import threading
import time

from common import control_plane, prepare, wait_until

from sandbox.lb import traffic

LIVE = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")


def web(snapshot: dict) -> dict:
    return next(s for s in snapshot["services"] if s["serviceName"] == "web")


def counts(snapshot: dict) -> tuple[int, int]:
    """(healthy RUNNING tasks, RUNNING or PENDING tasks) of the service in one snapshot."""
    health = {t["taskId"]: t["health"] for t in web(snapshot)["loadBalancer"]["targets"]}
    tasks = [t for t in snapshot["tasks"] if t["group"] == "service:web"]
    healthy = sum(1 for t in tasks if t["lastStatus"] == "RUNNING" and health.get(t["taskId"]) == "healthy")
    return healthy, sum(1 for t in tasks if t["lastStatus"] in LIVE)


def rolled_out(snapshot: dict, ref: str, count: int) -> bool:
    s = web(snapshot)
    targets = s["loadBalancer"]["targets"]
    return (s["taskDefinitionRef"] == ref and len(s["deployments"]) == 1
            and s["deployments"][0]["rolloutState"] == "COMPLETED"
            and sum(t["health"] == "healthy" for t in targets) == count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--rps", type=float, default=20.0)
    parser.add_argument("--for", dest="seconds", type=float, default=30.0, help="seconds of traffic")
    args = parser.parse_args()
    prepare()
    with control_plane() as (client, _name, _pid):
        created = client.lab("CreateServiceWithLoadBalancer", loadBalancer={}, createService={
            "serviceName": "web", "taskDefinition": "web:1", "desiredCount": args.tasks})
        url = created["service"]["loadBalancer"]["url"]
        wait_until(lambda: rolled_out(client.watch(-1, timeout=1), "web:1", args.tasks), timeout=120, interval=0.2)

        timeline: list[tuple[float, tuple[int, int], bool]] = []
        stop = threading.Event()

        def record() -> None:
            version = -1
            while not stop.is_set():
                snap = client.watch(version, timeout=2)
                version = snap["version"]
                timeline.append((time.monotonic(), counts(snap), rolled_out(snap, "web:2", args.tasks)))

        recorder = threading.Thread(target=record, daemon=True)
        recorder.start()
        report: dict = {}
        load = threading.Thread(target=lambda: report.update(r=asyncio.run(traffic.run(url, args.rps, args.seconds))))
        load.start()
        time.sleep(2.0)
        began = time.monotonic()
        client.ecs("UpdateService", service="web", taskDefinition="web:2")
        wait_until(lambda: any(done for at, _, done in timeline if at >= began), timeout=120, interval=0.1)
        finished = next(at for at, _, done in timeline if at >= began and done)
        load.join()
        stop.set()
        recorder.join(10)

    summary = report["r"].summary()
    during = [c for at, c, _ in timeline if began <= at <= finished]
    floor = math.ceil(args.tasks * 100 / 100)
    ceiling = math.floor(args.tasks * 200 / 100)
    print(f"traffic   {summary['requests']} requests at {args.rps:g} rps, {summary['errors']} errors, "
          f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms")
    print(f"rollout   web:1 → web:2 on {args.tasks} tasks in {finished - began:.1f} s "
          f"({len(during)} states recorded; traffic ran {args.seconds:g} s)")
    print(f"seen      min healthy RUNNING {min(h for h, _ in during)} (floor {floor}), "
          f"max RUNNING+PENDING {max(n for _, n in during)} (ceiling {ceiling})")
    if finished - began > args.seconds - 2:
        print("warning   the rollout outlasted the traffic; use a longer --for")


if __name__ == "__main__":
    main()
