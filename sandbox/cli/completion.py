"""Completing the names a command takes (services, tasks, task definitions, zones, instances).

Each command's arguments and options name what completes them (`shell_complete=services`).
The names come from the context's object when it is a `Names`: the app's command bar passes
the sandbox's current state that way. Elsewhere nothing is offered, so completing never
reaches a control plane.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import click


@dataclass
class Names:
    """What completion can offer from the sandbox's current state."""

    services: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    task_definitions: list[str] = field(default_factory=list)
    zones: list[str] = field(default_factory=list)
    instances: list[str] = field(default_factory=list)


Completer = Callable[[click.Context, click.Parameter, str], list[str]]


def _from(kind: str) -> Completer:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        names = ctx.find_object(Names)
        values = getattr(names, kind) if names is not None else []
        return [value for value in values if value.startswith(incomplete)]

    complete.__name__ = kind
    return complete


services = _from("services")
tasks = _from("tasks")
task_definitions = _from("task_definitions")
zones = _from("zones")
instances = _from("instances")
