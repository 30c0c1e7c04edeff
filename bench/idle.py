"""Idle cost: the control plane's CPU over 30 s with 20 healthy tasks in a steady service.

Read from /proc/<pid>/stat (user + system time). A busy-polling loop would show here.
Prints the figure against the 1%-of-one-core budget; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import time

from common import control_plane, prepare, wait_until


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    prepare()
    with control_plane() as (client, _name, pid):
        client.ecs("CreateService", serviceName="web", taskDefinition="web:1", desiredCount=args.tasks)
        wait_until(lambda: any(e["message"].endswith("steady state.") for e in
                               client.ecs("DescribeServices", services=["web"])["services"][0]["events"][:1]),
                   timeout=120)
        before, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(args.seconds)
        used, elapsed = cpu_seconds(pid) - before, time.monotonic() - t0
    share = 100 * used / elapsed
    print(f"{args.tasks} tasks steady (health checks every 5 s), {elapsed:.0f} s: control plane used {used:.2f} CPU-s "
          f"= {share:.2f}% of one core (budget < 1%)")


if __name__ == "__main__":
    main()
