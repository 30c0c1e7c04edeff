"""The real AWS clients against a sandbox: boto3 and the `aws` command, with every response checked.

botocore drops response members it does not know, so a misspelled member would pass unseen.
`check_wire_response` reads the raw body before botocore parses it and fails the call when the
body does not fit the operation's output shape, or when an error is not shaped as ECS shapes
errors. Every boto3 client made here has it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.api.ecs_model import response_problems
from sandbox.api.lab_ops import ServerInfo
from sandbox.api.server import ApiServer

AWS = str(Path(sys.executable).parent / "aws")
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "servicelab", "AWS_SECRET_ACCESS_KEY": "servicelab"}


class ResponseShapeError(AssertionError):
    """A response the real ECS would never send."""


def check_wire_response(operation_model, response_dict, **_: Any) -> None:
    status = response_dict["status_code"]
    body = json.loads(response_dict["body"] or b"{}")
    if status == 200:
        problems = response_problems(operation_model.name, body)
        if problems:
            raise ResponseShapeError(f"{operation_model.name}: {'; '.join(problems)}")
        return
    # ECS's errors: 400 (500 only for ServerException) with __type and message.
    expected = 500 if body.get("__type") == "ServerException" else 400
    if status != expected or set(body) != {"__type", "message"}:
        raise ResponseShapeError(f"{operation_model.name}: error {status} {body} is not shaped as ECS's")


def ecs_client(endpoint: str | None, region: str = "us-east-1", unsigned: bool = False):
    """A boto3 ECS client on the sandbox: dummy credentials, no retries, responses checked."""
    import boto3
    import botocore
    from botocore.config import Config

    config = Config(retries={"max_attempts": 1, "mode": "standard"},
                    signature_version=botocore.UNSIGNED if unsigned else None)
    session = boto3.session.Session(region_name=region, **{k.lower(): v for k, v in DUMMY_CREDENTIALS.items()})
    client = session.client("ecs", endpoint_url=endpoint, config=config)
    client.meta.events.register("before-parse.ecs.*", check_wire_response)
    return client


def aws_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for the `aws` command that reads nothing from this machine's AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(DUMMY_CREDENTIALS, AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE=str(home / "aws-config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"))
    env.update(extra)
    return env


def aws(env: dict[str, str], *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run([AWS, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"aws {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def aws_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    return json.loads(aws(env, *args, "--output", "json").stdout or "{}")


class InProcessApi:
    """A sandbox's real API server on a free port of 127.0.0.1, serving from a thread of this process."""

    def __init__(self, sandbox) -> None:
        self.server = ApiServer(sandbox, ServerInfo(sandbox="test", runtime="fake"))
        self.server.check_responses = True
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="api", daemon=True)
        self.thread.start()
        self.runner = web.AppRunner(self.server.app, access_log=None)
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)

    async def _start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.address = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()
