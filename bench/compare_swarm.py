"""The same recovery and scale-out on Docker Swarm, side by side with servicelab.

Swarm runs on this same engine (`docker swarm init` on 127.0.0.1), once with its default
restart delay (5 s) and once with a restart delay of 0. The engine is left as it was found:
the swarm is left and the networks it created are removed. If the engine is already part of
a swarm, nothing is touched.
"""

from __future__ import annotations

import argparse
import time
import uuid

import docker
from docker.types import RestartPolicy

from common import EventLog, median, prepare, seconds, wait_until
from recovery import measure_recovery
from scale import measure_scale

from sandbox.image.build import DEMO_IMAGE


def swarm_containers(client, service: str) -> list[dict]:
    return client.api.containers(filters={"label": f"com.docker.swarm.service.name={service}", "status": "running"})


def swarm_recovery(client, restart_policy, rounds: int) -> list[float]:
    name = f"slbench-{uuid.uuid4().hex[:6]}"
    service = client.services.create(DEMO_IMAGE, args=["serve"], name=name, env=["PORT=8080"],
                                     mode=docker.types.ServiceMode("replicated", replicas=3),
                                     restart_policy=restart_policy)
    events = EventLog(f"com.docker.swarm.service.name={name}")
    try:
        results = []
        for _ in range(rounds):
            wait_until(lambda: len(swarm_containers(client, name)) == 3, timeout=120)
            time.sleep(1.0)
            victim = swarm_containers(client, name)[0]["Id"]
            before = len(events.events)
            client.api.kill(victim)
            died = events.wait_for(lambda e: e["Action"] == "die" and e["id"] == victim, after=before)
            started = events.wait_for(lambda e: e["Action"] == "start", after=before, timeout=120)
            results.append(seconds(started) - seconds(died))
        return results
    finally:
        events.close()
        service.remove()


def swarm_scale_out(client, count: int) -> float:
    name = f"slbench-{uuid.uuid4().hex[:6]}"
    service = client.services.create(DEMO_IMAGE, args=["serve"], name=name, env=["PORT=8080"],
                                     mode=docker.types.ServiceMode("replicated", replicas=0),
                                     restart_policy=RestartPolicy(condition="any", delay=0))
    events = EventLog(f"com.docker.swarm.service.name={name}")
    try:
        t0 = time.time()
        service.scale(count)
        starts = []
        while len(starts) < count:
            starts.append(events.wait_for(lambda e: e["Action"] == "start" and e not in starts, timeout=180))
        return max(seconds(e) for e in starts) - t0
    finally:
        events.close()
        service.remove()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    client = prepare()
    if client.info().get("Swarm", {}).get("LocalNodeState") != "inactive":
        raise SystemExit("this engine is already part of a swarm; not touching it")

    ours_recovery = measure_recovery(client, args.rounds, verbose=False)
    ours_out, _, _ = measure_scale(client, args.count)

    networks_before = {n.id for n in client.networks.list()}
    client.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
    try:
        default_delay = swarm_recovery(client, None, args.rounds)
        zero_delay = swarm_recovery(client, RestartPolicy(condition="any", delay=0), args.rounds)
        swarm_out = swarm_scale_out(client, args.count)
    finally:
        client.swarm.leave(force=True)
        wait_until(lambda: client.info()["Swarm"]["LocalNodeState"] == "inactive", timeout=60)
        for network in client.networks.list():
            if network.id not in networks_before:
                try:
                    network.remove()
                except docker.errors.APIError:
                    pass

    print(f"{'':34}{'servicelab':>12}{'swarm (5s delay)':>18}{'swarm (delay 0)':>17}")
    print(f"{'recovery die → start, median':34}{median(ours_recovery) * 1000:10.0f}ms"
          f"{median(default_delay) * 1000:16.0f}ms{median(zero_delay) * 1000:15.0f}ms")
    print(f"{f'scale-out 0 → {args.count}, to last start':34}{ours_out:11.2f}s{'':>18}{swarm_out:16.2f}s")


if __name__ == "__main__":
    main()
