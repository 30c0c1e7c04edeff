"""Scale-in, balanced as placement is: which tasks go, and how a service's tasks sit across zones.

A task goes from the zone with the most of the service's tasks, then from the instance with
the most; within that, tasks that have not reached RUNNING go first, then the newest.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from sandbox.core.model import NOT_YET_RUNNING, Task


def scale_in_victims(tasks: list[Task], count: int) -> list[Task]:
    """Which `count` tasks to stop: from the fullest zone, then the fullest instance, then the
    not-yet-running and the newest."""
    remaining = list(tasks)
    chosen: list[Task] = []
    for _ in range(min(count, len(remaining))):
        per_zone = Counter(t.zone for t in remaining)
        per_instance = Counter(t.instance_id for t in remaining)

        def order(task: Task) -> tuple:
            return (
                -per_zone[task.zone],
                -per_instance[task.instance_id],
                0 if task.last_status in NOT_YET_RUNNING else 1,
                -(task.started_at or task.created_at),
                task.task_id,
            )

        victim = min(remaining, key=order)
        chosen.append(victim)
        remaining.remove(victim)
    return chosen


def zone_counts(tasks: Iterable[Task], zones: list[str]) -> Counter:
    """How many of `tasks` run in each of `zones` (zero for a zone with none)."""
    counts = Counter({zone: 0 for zone in zones})
    for task in tasks:
        if task.zone in counts:
            counts[task.zone] += 1
    return counts
