"""Messages the sandbox link posts to the app, from its worker threads.

Floods are coalesced with `can_replace`: only the newest snapshot, link state or stats sample
waits in the queue, so a burst of changes costs the UI one update, never a backlog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from tutor.commands import Operation


@dataclass
class SandboxChanged(Message):
    """The sandbox's state changed: here is all of it, as the Watch operation answered."""

    snapshot: dict[str, Any]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SandboxChanged)


@dataclass
class LinkStateChanged(Message):
    """The link to the control plane went up, down, or is on its way."""

    state: str
    """connecting, starting, live, lost, stopping, stopped or failed."""
    detail: str = ""
    api: str = ""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LinkStateChanged)


@dataclass
class StatsSampled(Message):
    """CPU and memory of the running tasks: {taskId: {cpuPercent, memoryBytes}}."""

    stats: dict[str, dict[str, Any]]

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatsSampled)


@dataclass
class ActionDone(Message):
    """An operation the learner asked for was carried out."""

    operation: Operation
    result: dict[str, Any] = field(default_factory=dict)
    quiet: bool = False
    """Done on the learner's behalf (a lesson's setup) rather than typed or keyed."""


@dataclass
class ActionFailed(Message):
    """An operation was refused or could not reach the sandbox; `message` is one line."""

    operation: Operation
    message: str


@dataclass
class SandboxStopped(Message):
    """The sandbox was shut down and its containers removed (or that failed, with why)."""

    error: str | None = None
