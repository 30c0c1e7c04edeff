"""The instances of one cluster and what is already placed on them: the data placement ranks over.

A Fleet is never changed: placing a task gives a new Fleet with that task's usage taken
(`taking`), so a planner can place several tasks in a pass and leave its input as it was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

from sandbox.core.model import Instance, Task, TaskDefinition


@dataclass(frozen=True)
class Fleet:
    """Instances, the CPU and memory used on each, and where the service's own tasks are."""

    instances: list[Instance]
    used_cpu: Counter
    used_memory: Counter
    service_per_instance: Counter
    service_per_zone: Counter

    @classmethod
    def build(cls, instances: list[Instance], cluster_tasks: Iterable[Task], service_tasks: Iterable[Task],
              taskdefs: dict[str, TaskDefinition]) -> Fleet:
        used_cpu, used_memory = Counter(), Counter()
        for task in cluster_tasks:
            td = taskdefs.get(task.task_definition)
            if task.instance_id and td is not None:
                used_cpu[task.instance_id] += td.cpu
                used_memory[task.instance_id] += td.memory
        per_instance, per_zone = Counter(), Counter()
        for task in service_tasks:
            if task.instance_id:
                per_instance[task.instance_id] += 1
                per_zone[task.zone] += 1
        return cls(instances, used_cpu, used_memory, per_instance, per_zone)

    def free_cpu(self, instance: Instance) -> int:
        return instance.cpu - self.used_cpu[instance.id]

    def free_memory(self, instance: Instance) -> int:
        return instance.memory - self.used_memory[instance.id]

    def has_room(self, instance: Instance, td: TaskDefinition) -> bool:
        return self.free_cpu(instance) >= td.cpu and self.free_memory(instance) >= td.memory

    def taking(self, instance: Instance, td: TaskDefinition) -> Fleet:
        """This fleet with one more task of `td` (one of the service's) on `instance`."""
        return Fleet(
            self.instances,
            self.used_cpu + Counter({instance.id: td.cpu}),
            self.used_memory + Counter({instance.id: td.memory}),
            self.service_per_instance + Counter({instance.id: 1}),
            self.service_per_zone + Counter({instance.zone: 1}),
        )

    def without(self, tasks: Iterable[Task], taskdefs: Mapping[str, TaskDefinition]) -> Fleet:
        """This fleet with `tasks` (the service's, counted when it was built) gone from it: their
        CPU and memory freed, and no longer counted on their instance or in their zone."""
        cpu, memory, per_instance, per_zone = Counter(), Counter(), Counter(), Counter()
        for task in tasks:
            if not task.instance_id:
                continue
            td = taskdefs.get(task.task_definition)
            if td is not None:
                cpu[task.instance_id] += td.cpu
                memory[task.instance_id] += td.memory
            per_instance[task.instance_id] += 1
            per_zone[task.zone] += 1
        return Fleet(self.instances, self.used_cpu - cpu, self.used_memory - memory,
                     self.service_per_instance - per_instance, self.service_per_zone - per_zone)

    def usable(self) -> list[Instance]:
        """The instances a task can go to: not drained, not in a failed zone."""
        return [i for i in self.instances if i.usable]

    def zones(self) -> list[str]:
        return sorted({i.zone for i in self.usable()})
