"""Opening the app for a workshop: the plan checked before Textual starts, the control plane told.

A bad workshop file stops here with its file, line and field, not inside a half-drawn screen.
The control plane learns the workshop from SERVICELAB_WORKSHOP, which the app's own spawn
passes on, so the learner's sandbox enforces the file's quotas and requires its token.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sandbox.workshop.classroom import WORKSHOP_ENV
from sandbox.core.source_error import SourceError

from ..lessons import load_lessons
from .plan import load_plan
from .share import OFFER_ENV, Sharing, learner_name


def open_workshop(path: str | Path, sandbox: str, share_progress: str | None = None) -> dict[str, Any]:
    """Keyword arguments for ServicelabApp; SystemExit(message) when the file or lessons are bad."""
    try:
        lessons = load_lessons()
        plan = load_plan(path, lessons)
    except SourceError as exc:  # the workshop file or a lesson
        raise SystemExit(f"servicelab: error: {exc}") from None
    _check_running(sandbox, plan.path)
    os.environ[WORKSHOP_ENV] = str(plan.path)
    try:
        # Explicit --share-progress is the learner's yes; a server's offer waits for one.
        url = share_progress or os.environ.get(OFFER_ENV)
        sharing = Sharing(url, enabled=share_progress is not None) if url else None
    except ValueError as exc:
        raise SystemExit(f"servicelab: error: --share-progress: {exc}") from None
    return {"lessons": lessons, "workshop": plan, "sharing": sharing, "learner": learner_name(sandbox)}


def _check_running(sandbox: str, workshop: Path) -> None:
    """A control plane started before the class would run without the quotas: say so, do not guess."""
    from sandbox.api.client import Client, ControlPlaneDown
    from sandbox.control.daemon import read_api_file
    from sandbox.core.errors import SandboxError

    info = read_api_file(sandbox)
    if not info:
        return
    try:
        running = Client.for_sandbox(sandbox, info["api"], timeout=3).lab("Status").get("workshop")
    except (ControlPlaneDown, SandboxError, ValueError):
        return  # not answering: the app starts a fresh one, with the workshop
    if running != str(workshop):
        raise SystemExit(
            f"servicelab: error: sandbox {sandbox!r} already runs "
            f"{'for workshop ' + running if running else 'outside any workshop'}; stop it first with "
            f"`servicelab --sandbox {sandbox} sandbox down` (its containers go), or use another --sandbox")
