"""A Runner (tutor/exercises/runner.py) for the sandbox the app is linked to, for work done in a worker thread.

The link's own clients belong to its long-poll and action workers; a reset gets a client of
its own, so it can block for a minute without holding up the live panel.
"""

from __future__ import annotations

from typing import Any

from tutor.exercises.runner import Runner
from tutor.checks.timeline import Timeline

RESET_CLIENT_TIMEOUT = 30.0


def runner_for(link: Any, timeline: Timeline | None = None) -> Runner:
    """A Runner on the link's sandbox and cluster; raises ConnectionError before the link knows the API."""
    from sandbox.api.client import Client

    if not link.api:
        raise ConnectionError(f"not connected to sandbox {link.sandbox!r} yet")
    client = Client.for_sandbox(link.sandbox, link.api, timeout=RESET_CLIENT_TIMEOUT)
    return Runner(link.sandbox, client, link.cluster, timeline=timeline)
