"""Scale-out 0 → 20 and scale-in 20 → 0, against twenty plain create+starts on 4 threads.

Scale-out is timed from the UpdateService call to Docker's `start` event of the 20th task.
Prints figures and ratios measured in this run; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from common import EventLog, control_plane, plain_create_start, prepare, seconds, wait_until


def baseline(docker_client, count: int) -> float:
    label = f"bench-baseline-{uuid.uuid4().hex[:6]}"
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: plain_create_start(docker_client, label), range(count)))
        return time.perf_counter() - started
    finally:
        containers = docker_client.containers.list(all=True, filters={"label": label})
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda c: c.remove(force=True), containers))


def measure_scale(docker_client, count: int) -> tuple[float, float, int]:
    """(scale-out seconds to the last start, scale-in seconds to all removed, containers left)."""
    with control_plane() as (client, name, _pid):
        events = EventLog(f"servicelab.sandbox={name}")
        client.ecs("CreateService", serviceName="web", taskDefinition="web:1", desiredCount=0)
        t0 = time.time()
        client.ecs("UpdateService", service="web", desiredCount=count)
        starts = []
        while len(starts) < count:
            starts.append(events.wait_for(lambda e: e["Action"] == "start" and e not in starts))
        out = max(seconds(e) for e in starts) - t0
        wait_until(lambda: client.ecs("DescribeServices", services=["web"])["services"][0]["runningCount"] == count)
        label = {"label": f"servicelab.sandbox={name}"}
        t1 = time.time()
        client.ecs("UpdateService", service="web", desiredCount=0)
        wait_until(lambda: not docker_client.api.containers(all=True, filters=label), timeout=120)
        scale_in = time.time() - t1
        left = len(docker_client.api.containers(all=True, filters=label))
        events.close()
    return out, scale_in, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    docker_client = prepare()
    base = baseline(docker_client, args.count)
    out, scale_in, left = measure_scale(docker_client, args.count)
    print(f"baseline: {args.count} create+start on 4 threads   {base:6.2f} s")
    print(f"servicelab scale-out 0 → {args.count} (to last start)  {out:6.2f} s   ratio {out / base:.2f}x (target <= 1.2x)")
    print(f"servicelab scale-in {args.count} → 0 (all removed)     {scale_in:6.2f} s   containers left: {left}")


if __name__ == "__main__":
    main()
