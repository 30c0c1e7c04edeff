"""`servicelab workshop serve`: the app in a browser, one app process and one sandbox per connection.

textual-serve runs one process per websocket connection. Each gets its own learner: a sandbox
named `web-<name>` and a SERVICELAB_HOME of its own (so progress and control planes never mix),
the workshop file, and the address of this server's progress collector (offered, not used until
the learner opts in). When the connection closes, that learner's sandbox is taken down, as
`servicelab sandbox down` does; so is every sandbox still up when the server stops.

`?learner=NAME` in the page address names the learner (for the instructor's report, and to find
their progress again after a reload); without it a connection is anonymous. Names are labels,
not logins. The page is served without anything from the internet (the stock page asks Google
for a font; the same font ships with textual-serve and is served locally instead).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shlex
import sys
import uuid
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from sandbox.state import paths
from sandbox.workshop.classroom import IDLE_ENV, WORKSHOP_ENV

from .collect import Collector
from .share import LEARNER_ENV, OFFER_ENV

log = logging.getLogger("servicelab.workshop")

GOOGLE_FONT = re.compile(r'<link\s+rel="stylesheet"\s+href="https://fonts\.googleapis\.com[^"]*"\s*/>', re.S)
LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf"); }
    </style>"""
LEARNER = re.compile(r"[^a-z0-9_-]+")
DOWN_TIMEOUT = 120


def offline_template(templates: Path) -> str:
    """textual-serve's page with its one internet request replaced by the bundled font."""
    text = (templates / "app_index.html").read_text(encoding="utf-8")
    return GOOGLE_FONT.sub(LOCAL_FONT, text)


def learner_from(query: str | None) -> str | None:
    # 26 characters leave room for "web-" and a "-1a2b3c" suffix within a sandbox name's 40.
    cleaned = LEARNER.sub("-", (query or "").lower()).strip("-")[:26].strip("-")
    return cleaned or None


class LearnerAppService(AppService):
    """An app process with the learner's own environment on top of the server's."""

    def __init__(self, command: str, env: dict[str, str], **kwargs: Any) -> None:
        super().__init__(command, **kwargs)
        self.extra_env = env

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return {**super()._build_environment(width, height), **self.extra_env}


class WorkshopServer(Server):
    def __init__(self, workshop: Path | None, host: str, port: int, state: Path, collect_into: Path,
                 runtime: str | None = None) -> None:
        argv = [sys.executable, "-m", "tutor"] + (["--workshop", str(workshop)] if workshop else [])
        super().__init__(shlex.join(argv), host=host, port=port, title="servicelab")
        self.workshop = workshop
        self.state = state
        self.runtime = runtime
        self.collector = Collector(collect_into, on_update=self._shared)
        self.sessions: dict[str, Path] = {}
        """Learner name → its SERVICELAB_HOME, for every sandbox not yet taken down."""
        self.connected: set[str] = set()
        self.leaving: dict[str, asyncio.Task] = {}
        """Sandboxes being taken down; a learner who reloads the page waits for theirs to finish."""

    # -- the web application ------------------------------------------------------------------
    async def _make_app(self) -> web.Application:
        import aiohttp_jinja2

        app = await super()._make_app()
        page = offline_template(self.templates_path)
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": page}))
        self.collector.add_routes(app)
        # The page's script appends "?width=…" to the socket address, so the name goes in the path.
        app.router.add_get("/ws/{learner}", self.handle_websocket)
        app.on_shutdown.append(self._down_all)
        return app

    async def handle_index(self, request: web.Request) -> Any:
        # The page's websocket address is absolute: make it the one this browser used, so
        # binding 0.0.0.0 works for learners who reach us by the LAN address.
        self.public_url = f"{request.scheme}://{request.host}"
        response = await super().handle_index(request)
        learner = learner_from(request.query.get("learner"))
        if learner and isinstance(response, web.Response) and response.text:
            response.text = response.text.replace('/ws"', f'/ws/{learner}"')
        return response

    def _shared(self, learner: str, document: dict) -> None:
        from .collect import summary_line

        self.console.print(summary_line(learner, document), highlight=False)

    # -- one learner per connection -----------------------------------------------------------
    def _learner(self, request: web.Request) -> str:
        wanted = learner_from(request.match_info.get("learner"))
        if wanted and wanted not in self.connected:
            return wanted
        # Anonymous, or the name is open in another tab: a learner of its own.
        return f"{wanted or 'anon'}-{uuid.uuid4().hex[:6]}"

    def _environment(self, learner: str, home: Path) -> dict[str, str]:
        env = {
            "SERVICELAB_HOME": str(home),
            "SERVICELAB_SANDBOX": paths.check_sandbox_name(f"web-{learner}"),
            LEARNER_ENV: learner,
            OFFER_ENV: f"http://127.0.0.1:{self.port}/progress",
        }
        if self.workshop:
            env[WORKSHOP_ENV] = str(self.workshop)
        elif IDLE_ENV not in os.environ:
            # No workshop file, so no idleTimeout: a server killed outright must not leave sandboxes forever.
            env[IDLE_ENV] = "30m"
        if self.runtime:
            env["SERVICELAB_RUNTIME"] = self.runtime
        return env

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _to_int(request.query.get("width"), 80)
        height = _to_int(request.query.get("height"), 24)
        learner = self._learner(request)
        pending = self.leaving.get(learner)
        if pending is not None:
            await asyncio.shield(pending)
        home = self.state / "learners" / learner
        home.mkdir(parents=True, exist_ok=True)
        self.connected.add(learner)
        self.sessions[learner] = home
        log.info("learner %s connected (sandbox web-%s)", learner, learner)
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = LearnerAppService(
                self.command, self._environment(learner, home), write_bytes=websocket.send_bytes,
                write_str=websocket.send_str, close=websocket.close, download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            try:
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one learner's failure must not take the class down
            log.exception(error)
        finally:
            self.connected.discard(learner)
            log.info("learner %s left; taking their sandbox down", learner)
            self.leaving[learner] = task = asyncio.ensure_future(self._down(learner))
            task.add_done_callback(lambda _: self.leaving.pop(learner, None)
                                   if self.leaving.get(learner) is task else None)
            await asyncio.shield(task)
        return websocket

    async def _down(self, learner: str) -> None:
        home = self.sessions.get(learner)
        if home is None or learner in self.connected:
            return
        env = {**os.environ, **self._environment(learner, home)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sandbox", "sandbox", "down", env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(process.communicate(), DOWN_TIMEOUT)
        except asyncio.TimeoutError:
            process.kill()
            err = b"timed out"
        if process.returncode != 0:
            log.warning("could not take down the sandbox of %s: %s", learner, err.decode(errors="replace").strip())
        elif learner not in self.connected:
            self.sessions.pop(learner, None)

    async def _down_all(self, app: web.Application) -> None:
        self.connected.clear()
        await asyncio.gather(*(self._down(learner) for learner in list(self.sessions)))


def _to_int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def serve(workshop: Path | None, host: str, port: int, collect_into: Path | None = None,
          runtime: str | None = None) -> None:
    state = paths.home() / "workshop-serve"
    server = WorkshopServer(workshop, host, port, state, collect_into or state / "collected", runtime)
    server.serve()
