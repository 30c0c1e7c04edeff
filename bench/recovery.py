"""Recovery: kill one task container of a 3-task service; time its `die` to its replacement's `start`.

Two ways to kill, each for `--rounds` rounds:
- proven: a task that has run a while (longer than the circuit breaker's fast-failure window);
- newest: the newest RUNNING task, as soon as it is RUNNING, back to back, as a learner who
  keeps killing the replacement does. ECS replaces a task that reached RUNNING at once, every
  time (only tasks that never reach RUNNING are throttled), so both should recover alike.

Both timestamps are Docker's own. The baseline, measured in the same run, is a plain docker-py
create+start of the same image. Prints median and p90 and their ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from common import EventLog, control_plane, median, plain_create_start, prepare, seconds, wait_until

from sandbox.scheduler.planner import FAST_FAILURE_WINDOW


def settled(client, count: int) -> list[dict] | None:
    """The service's tasks once exactly `count` run and nothing else is on its way in or out."""
    tasks = client.lab("Tasks", service="web")["tasks"]
    live = [t for t in tasks if t["lastStatus"] != "STOPPED"]
    if len(live) == count and all(t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING" for t in live):
        # A task that has proven itself: one that has run longer than a fast failure.
        proven = [t for t in live if time.time() - t["startedAt"] > FAST_FAILURE_WINDOW + 0.5]
        return proven or None
    return None


def newest_running(client, count: int) -> list[dict] | None:
    """The newest RUNNING task, once exactly `count` run and nothing else is on its way in or out."""
    tasks = client.lab("Tasks", service="web")["tasks"]
    live = [t for t in tasks if t["lastStatus"] != "STOPPED"]
    if len(live) == count and all(t["lastStatus"] == "RUNNING" and t["desiredStatus"] == "RUNNING" for t in live):
        return [max(live, key=lambda t: t["startedAt"])]
    return None


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def measure_baseline(docker_client, rounds: int) -> list[float]:
    label = f"bench-baseline-{uuid.uuid4().hex[:6]}"
    try:
        return [plain_create_start(docker_client, label) for _ in range(rounds)]
    finally:
        for c in docker_client.containers.list(all=True, filters={"label": label}):
            c.remove(force=True)


def measure_recovery(docker_client, rounds: int, verbose: bool = True, newest: bool = False) -> list[float]:
    """die → replacement start, in seconds, for `rounds` kills of a proven task (or of the newest)."""
    pick = newest_running if newest else settled
    recoveries = []
    with control_plane() as (client, name, _pid):
        events = EventLog(f"servicelab.sandbox={name}")
        client.ecs("CreateService", serviceName="web", taskDefinition="web:1", desiredCount=3)
        if newest:
            wait_until(lambda: settled(client, 3), timeout=120)  # start from a settled service
        for _ in range(rounds):
            victim = wait_until(lambda: pick(client, 3), timeout=120, interval=0.02)[0]
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
    parser.add_argument("--newest-rounds", type=int, default=20, help="back-to-back kills of the newest task")
    args = parser.parse_args()
    docker_client = prepare()
    # Half the baseline before the kills and half after, so a machine that gets busier or
    # quieter during the run moves both sides alike.
    baseline = measure_baseline(docker_client, (args.rounds + 1) // 2)
    print(f"killing a proven task, {args.rounds} rounds", flush=True)
    proven = measure_recovery(docker_client, args.rounds)
    print(f"killing the newest task as soon as it runs, {args.newest_rounds} rounds", flush=True)
    newest = measure_recovery(docker_client, args.newest_rounds, newest=True)
    baseline += measure_baseline(docker_client, args.rounds // 2)
    base, base90 = median(baseline), p90(baseline)
    print(f"baseline create+start (docker-py)   median {base * 1000:7.1f} ms  p90 {base90 * 1000:7.1f} ms  "
          f"(n={len(baseline)})")
    for label, values in (("proven task", proven), ("newest task", newest)):
        ours, ours90 = median(values), p90(values)
        print(f"die → replacement start, {label}  median {ours * 1000:7.1f} ms  p90 {ours90 * 1000:7.1f} ms  "
              f"(n={len(values)}, max {max(values) * 1000:.0f})  ratio {ours / base:.2f}x median, "
              f"{ours90 / base90:.2f}x p90  (target <= 1.2x)")


if __name__ == "__main__":
    main()
