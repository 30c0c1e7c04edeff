"""The tutor under load: 100 tasks in the live panel. Key press to screen update, memory, idle CPU.

The app runs for real in a 160x45 pseudo-terminal, on a fake sandbox source that behaves like
the control plane from the app's side: a snapshot of 100 tasks (mid-rollout, over six
instances in three zones, behind a load balancer with a target each, auto scaling on, so
every view of the panel draws), scale operations answered with a new snapshot, and CPU/memory
samples for every running task every two seconds (what the real stats worker sends). Figures only, no asserts. Targets: key to update < 100 ms,
RSS < 150 MiB, idle CPU < 2% of a core.

    .venv/bin/python bench/app_load.py [--tasks 100] [--presses 20] [--idle 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


# -- the child: the app on a fake sandbox of N tasks ---------------------------------------------
def task_id(n: int) -> str:
    return f"{n:08x}" + "5eed" * 6


ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
INSTANCES = [f"ci-{z[-1]}{i}000000" for z in ZONES for i in range(2)]
"""Two instances in each of three zones: the zones view has six rows to lay the tasks out on."""


def make_snapshot(tasks: int, desired: int, version: int) -> dict:
    """web with `tasks` RUNNING tasks, mid-rollout, behind a load balancer, with auto scaling on:
    every view of the live panel has something to draw."""
    now = time.time()
    task_list = [{
        "taskArn": f"arn:aws:ecs:us-east-1:123456789012:task/default/{task_id(n)}", "taskId": task_id(n),
        "taskDefinition": "web:2" if n % 4 == 0 else "web:1", "lastStatus": "RUNNING", "desiredStatus": "RUNNING",
        "healthStatus": "HEALTHY", "group": "service:web", "createdAt": now - 600 - n, "startedAt": now - 599 - n,
        "containerId": f"{n:012x}" + "0" * 52,
        "containerInstanceId": INSTANCES[n % len(INSTANCES)], "availabilityZone": ZONES[n % len(INSTANCES) // 2],
    } for n in range(tasks)]
    instances = [{
        "containerInstanceId": iid, "availabilityZone": ZONES[i // 2], "status": "ACTIVE", "zoneFailed": False,
        "cpu": 8192, "memory": 16384, "remainingCpu": 4096, "remainingMemory": 8192,
        "runningTasksCount": sum(1 for t in task_list if t["containerInstanceId"] == iid),
        "tasks": [t["taskId"] for t in task_list if t["containerInstanceId"] == iid],
    } for i, iid in enumerate(INSTANCES)]
    new = sum(1 for t in task_list if t["taskDefinition"] == "web:2")
    deployments = [
        {"id": "ecs-svc/2", "status": "PRIMARY", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2",
         "desiredCount": desired, "runningCount": new, "pendingCount": 0, "failedTasks": 0,
         "rolloutState": "IN_PROGRESS", "rolloutStateReason": "ECS deployment ecs-svc/2 in progress."},
        {"id": "ecs-svc/1", "status": "ACTIVE", "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
         "desiredCount": tasks - new, "runningCount": tasks - new, "pendingCount": 0, "failedTasks": 0,
         "rolloutState": "COMPLETED", "rolloutStateReason": "ECS deployment ecs-svc/1 completed."},
    ]
    load_balancer = {
        "url": "http://127.0.0.1:38123", "healthCheck": {"path": "/health", "intervalSeconds": 5, "healthyThreshold": 2,
                                                         "unhealthyThreshold": 2},
        "deregistrationDelaySeconds": 5,
        "targets": [{"taskId": t["taskId"], "port": 32768 + n, "health": "healthy"} for n, t in enumerate(task_list)],
    }
    scaling = {"metric": "cpu", "metricName": "ECSServiceAverageCPUUtilization", "target": 50, "current": 41.5,
               "capacity": tasks, "min": 1, "max": 200, "scaleOutCooldown": 60, "scaleInCooldown": 120,
               "status": "waiting", "lastAction": None}
    return {
        "version": version,
        "status": {"running": True, "sandbox": "bench", "runtime": "docker", "api": "http://127.0.0.1:1",
                   "engine": {"ok": True, "error": None}},
        "clusters": ["default"], "taskDefinitions": ["web:1"],
        "services": [{
            "serviceName": "web", "status": "ACTIVE", "desiredCount": desired, "runningCount": tasks,
            "pendingCount": 0, "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1",
            "taskDefinitionRef": "web:1", "createdAt": now - 700, "steady": desired == tasks,
            "deployments": deployments,
            "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True},
                                        "maximumPercent": 200, "minimumHealthyPercent": 100},
            "circuitBreaker": {"failed": 0, "threshold": max(3, min(200, (desired + 1) // 2))},
            "zones": {}, "loadBalancer": load_balancer, "scaling": scaling,
            "events": [{"id": str(i), "createdAt": now - 10 * i, "message": f"(service web) event {i}."}
                       for i in range(60)],
            "decisions": [{"at": now - 10 * i, "text": f"desired {desired}, running {tasks} → nothing to do"}
                          for i in range(20)],
            "chaos": None,
        }],
        "tasks": task_list,
        "instances": instances,
    }


def child(tasks: int) -> None:
    from tutor.ui.app import ServicelabApp
    from tutor.commands.history import CommandHistory
    from tutor.ui.messages import StatsSampled
    from tutor.learner.progress import Progress
    from tutor.ui.sandbox_link import FrozenLink

    class BenchLink(FrozenLink):
        """Answers scale operations like the control plane does: with a new snapshot."""

        def __init__(self, app) -> None:
            super().__init__(app, make_snapshot(tasks, tasks, 1), sandbox="bench")
            self.desired = tasks
            self.version = 1

        def act(self, operation, quiet: bool = False) -> None:
            super().act(operation, quiet)
            if operation.name == "UpdateService":
                self.desired = operation.params["desiredCount"]
                self.version += 1
                self.push(make_snapshot(tasks, self.desired, self.version))

        def start(self) -> None:
            super().start()
            threading.Thread(target=self._stats, daemon=True).start()

        def _stats(self) -> None:
            n = 0
            while True:
                time.sleep(2.0)
                n += 1
                wanted = list(self.stats_wanted)
                if wanted:
                    self.app.post_message(StatsSampled({
                        t: {"cpuPercent": (i * 7 + n) % 50 / 10, "memoryBytes": 1_000_000 + i * 1000 + n}
                        for i, t in enumerate(wanted)}))

    home = Path(os.environ["SERVICELAB_HOME"])
    app = ServicelabApp("bench", progress=Progress.load(home / "progress.json"), history=CommandHistory(None),
                        link_factory=BenchLink)
    app.run()


# -- the parent: drive it through the pty and measure ------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--idle", type=float, default=10.0, help="Seconds of idle to measure CPU over.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.tasks)
        return

    from ptyrun import PtyApp

    home = tempfile.mkdtemp(prefix="servicelab-load-")
    env = {**os.environ, "SERVICELAB_HOME": home}
    app = PtyApp([sys.executable, __file__, "--child", "--tasks", str(args.tasks)], env)
    try:
        app.wait_for(b"Search lessons", timeout=30)
        mark = app.mark()
        app.type(b"\r")  # open the first lesson: its live panel shows all the tasks
        app.wait_for(f"desired {args.tasks}".encode(), since=mark, timeout=30)
        app.wait_for(task_id(0)[:8].encode(), since=mark, timeout=30)
        time.sleep(1.0)

        scale = []
        desired = args.tasks
        for _ in range(args.presses):
            desired -= 1
            mark = app.mark()
            sent = app.type(b"-")
            scale.append(app.wait_for(f"desired {desired}".encode(), since=mark) - sent)
            time.sleep(0.05)

        # `t` puts the cursor in the table; each down key then moves the selection line.
        app.type(b"t")
        time.sleep(0.5)
        moves = []
        for row in range(1, args.presses + 1):
            mark = app.mark()
            sent = app.type(b"\x1b[B")
            moves.append(app.wait_for(f"task {task_id(row)}".encode(), since=mark) - sent)
            if os.environ.get("BENCH_VERBOSE"):
                print(f"  down {row}: {moves[-1] * 1000:.0f} ms")
            time.sleep(0.05)

        time.sleep(2.0)
        rss = app.rss_mib()
        before, started = app.cpu_seconds(), time.perf_counter()
        time.sleep(args.idle)
        idle = (app.cpu_seconds() - before) / (time.perf_counter() - started) * 100
        rss = max(rss, app.rss_mib())
    finally:
        app.stop()

    def ms(values: list[float]) -> str:
        values = [v * 1000 for v in values]
        return (f"median {statistics.median(values):.0f} ms, p90 {sorted(values)[int(len(values) * 0.9) - 1]:.0f} ms,"
                f" max {max(values):.0f} ms")

    print(f"the app with {args.tasks} tasks in the live panel (160x45 pty, fake sandbox source):")
    print(f"  '-' (scale) key to header update:      {ms(scale)}   (target < 100 ms)")
    print(f"  down key to selection update:           {ms(moves)}   (target < 100 ms)")
    print(f"  memory (RSS):                           {rss:.0f} MiB   (target < 150 MiB)")
    print(f"  CPU while idle over {args.idle:.0f} s:              {idle:.2f}% of a core   (target < 2%)")


if __name__ == "__main__":
    main()
