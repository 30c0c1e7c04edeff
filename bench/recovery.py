"""Recovery: kill one task container of a 3-task service; time its `die` to its replacement's `start`.

Both timestamps are Docker's own. The baseline, measured in the same run, is a plain docker-py
create+start of the same image. Prints figures and the ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import time
import uuid

from common import EventLog, control_plane, median, plain_create_start, prepare, seconds, wait_until

from sandbox.scheduler.planner import FAST_FAILURE_WINDOW


def settled(client, count: int) -> list[dict] | None:
    """The service's tasks once exactly `count` run and nothing else is on its way in or out."""
    tasks = client.lab("Tasks", service="web")["tasks"]
    live = [t for t in tasks if t["lastStatus"] != "STOPPED"]
    if len(live) == count and all(t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING" for t in live):
        # Kill only a task that has proven itself: a task dying within seconds of its start
        # counts toward the crash-loop backoff, which is a different thing to measure.
        proven = [t for t in live if time.time() - t["startedAt"] > FAST_FAILURE_WINDOW + 0.5]
        return proven or None
    return None


def measure_baseline(docker_client, rounds: int) -> list[float]:
    label = f"bench-baseline-{uuid.uuid4().hex[:6]}"
    try:
        return [plain_create_start(docker_client, label) for _ in range(rounds)]
    finally:
        for c in docker_client.containers.list(all=True, filters={"label": label}):
            c.remove(force=True)


def measure_recovery(docker_client, rounds: int, verbose: bool = True) -> list[float]:
    """die → replacement start, in seconds, for `rounds` kills of a proven task."""
    recoveries = []
    with control_plane() as (client, name, _pid):
        events = EventLog(f"servicelab.sandbox={name}")
        client.ecs("CreateService", serviceName="web", taskDefinition="web:1", desiredCount=3)
        for _ in range(rounds):
            victim = wait_until(lambda: settled(client, 3), timeout=120)[0]
            before = len(events.events)
            docker_client.containers.get(victim["containerId"]).kill()
            died = events.wait_for(lambda e: e["Action"] == "die" and e["id"] == victim["containerId"], after=before)
            started = events.wait_for(lambda e: e["Action"] == "start", after=before)
            recoveries.append(seconds(started) - seconds(died))
            if verbose:
                print(f"  round {len(recoveries)}: {recoveries[-1] * 1000:.0f} ms", flush=True)
        events.close()
    return recoveries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # Ten rounds let one slow create swing the ratio by 0.2x on a busy machine; thirty do not.
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    docker_client = prepare()
    baseline = measure_baseline(docker_client, args.rounds)
    recoveries = measure_recovery(docker_client, args.rounds)
    base, ours = median(baseline), median(recoveries)
    print(f"baseline create+start (docker-py)  median {base * 1000:7.1f} ms  (n={len(baseline)})")
    print(f"servicelab die → replacement start median {ours * 1000:7.1f} ms  (n={len(recoveries)}, "
          f"min {min(recoveries) * 1000:.0f}, max {max(recoveries) * 1000:.0f})")
    print(f"ratio                                {ours / base:7.2f}x  (target <= 1.2x)")


if __name__ == "__main__":
    main()
