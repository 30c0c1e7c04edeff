"""The instructor's side of live sharing: `POST /progress` stores one learner's latest export.

Mounted by `workshop serve` and by `workshop collect` (aiohttp, as both are). Each learner's
latest export is kept as `<into>/<learner>.json`, written atomically, so `workshop report
<into>/*.json` can run at any moment. Only learners who chose to share ever post here.

Names are not authentication: on a classroom network anyone could post as anyone. The reports
are for teaching, not grading; nothing here is trusted beyond its shape.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable

from aiohttp import web

from sandbox.state import atomic

from . import export

MAX_BYTES = 512 * 1024
SAFE = re.compile(r"[^a-z0-9_-]+")


def file_name(learner: str) -> str:
    cleaned = SAFE.sub("-", learner.lower()).strip("-")[:60]
    return f"{cleaned or 'learner'}.json"


class Collector:
    """Stores what learners share; `on_update(learner, document)` lets a command print it."""

    def __init__(self, into: Path, on_update: Callable[[str, dict], None] | None = None) -> None:
        self.into = into
        self.on_update = on_update

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/progress", self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BYTES:
            return web.Response(status=413, text="progress export too large\n")
        try:
            document = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON\n")
        if (not isinstance(document, dict) or document.get("format") != export.FORMAT
                or not isinstance(document.get("learner"), str) or not isinstance(document.get("lessons"), list)):
            return web.Response(status=400, text=f"not a {export.FORMAT} export\n")
        learner = document["learner"]
        document["receivedAt"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        document["receivedFrom"] = request.remote
        self.into.mkdir(parents=True, exist_ok=True)
        atomic.write_json(self.into / file_name(learner), document)
        if self.on_update is not None:
            self.on_update(learner, document)
        return web.json_response({"stored": file_name(learner)})


def summary_line(learner: str, document: dict) -> str:
    """One line per update for the instructor's terminal."""
    lessons = document.get("lessons", [])
    done = sum(1 for l in lessons if isinstance(l, dict) and l.get("status") == "done")
    current = next((l.get("id") for l in lessons if isinstance(l, dict) and l.get("status") == "in progress"), None)
    where = f", working on {current}" if current else ""
    return f"{time.strftime('%H:%M:%S')}  {learner}: {done}/{len(lessons)} lessons done{where}"
