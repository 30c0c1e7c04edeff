"""The HTTP front of a control plane, on 127.0.0.1: `POST /` with `X-Amz-Target`, as ECS speaks.

`AmazonEC2ContainerServiceV20141113.<Operation>` reaches the ECS operations;
`ServiceLab.<Operation>` reaches ours. Handlers run on worker threads, since some of them
wait (Watch) or call the runtime (stats, kill), and ECS requests are checked against
botocore's ECS model, which is loaded off the event loop.

With SERVICELAB_CHECK_RESPONSES=1 (the tests set it) every ECS response is also checked
against the model's output shape: a misspelled member becomes a ServerException instead of
being dropped silently by the client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import threading
import uuid
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from sandbox.core import errors
from ..actions import Sandbox
from ..runtime.base import RuntimeError_
from . import ecs_model, ecs_ops, lab_ops
from .lab_ops import ServerInfo
from .protocol import ECS_PREFIX, JSON_TYPE, LAB_PREFIX, MAX_BODY_BYTES, SerializationException, check_lab_request, header, parse_body
from .shapes import DEFAULT_REGION, Arns

log = logging.getLogger(__name__)

REGION_IN_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/ecs/aws4_request")


def region_of(request: web.Request) -> str:
    """The region the caller signed for; unsigned requests get the default."""
    match = REGION_IN_CREDENTIAL.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else DEFAULT_REGION


def _reply(body: dict[str, Any], status: int = 200, error_type: str | None = None) -> web.Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type=JSON_TYPE, headers=headers
    )


def _error(exc: errors.SandboxError) -> web.Response:
    status = 500 if isinstance(exc, errors.ServerException) else 400
    if isinstance(exc, errors.UnrecognizedClientException):
        status = 403
    return _reply({"__type": exc.code, "message": exc.message}, status, exc.code)


class MalformedHttpInOneLine(logging.Filter):
    """aiohttp refuses malformed HTTP itself (a control character in a header, say) with a plain
    400, before any handler runs; it is the client's mistake, so the log gets one line, not a
    traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            record.msg, record.args = "refused malformed HTTP: %s", (" ".join(str(exc.message).split())[:200],)
            record.exc_info = None
        return True


MALFORMED_HTTP = MalformedHttpInOneLine()


class UnknownOperation(errors.SandboxError):
    """What AWS's JSON services answer for an X-Amz-Target they do not have."""

    code = "UnknownOperationException"


class ApiServer:
    """Routes requests to the ECS and servicelab operations of one sandbox."""

    def __init__(self, sandbox: Sandbox, info: ServerInfo, guard=None, idle=None) -> None:
        self.sandbox = sandbox
        self.info = info
        self.guard = guard
        """An auth.TokenGuard in a workshop: requests without the sandbox's token are refused."""
        self.idle = idle
        """An idle.IdleWatch when the sandbox stops itself after a while unused."""
        self.check_responses = os.environ.get("SERVICELAB_CHECK_RESPONSES") == "1"
        self.app = web.Application(client_max_size=MAX_BODY_BYTES)
        self.app.router.add_post("/", self.handle)
        self.app.router.add_get("/", self.hello)
        self.app.router.add_route("*", "/{path:.*}", self.elsewhere)
        self.app.on_startup.append(self._warm_up)
        if MALFORMED_HTTP not in logging.getLogger("aiohttp.server").filters:
            logging.getLogger("aiohttp.server").addFilter(MALFORMED_HTTP)

    async def _warm_up(self, app: web.Application) -> None:
        # Load the ECS model in the background, so the first request does not wait for it.
        self._warming = asyncio.ensure_future(asyncio.to_thread(ecs_model.service_model))

    async def hello(self, request: web.Request) -> web.Response:
        return web.Response(text=f"servicelab control plane for sandbox {self.info.sandbox}\n")

    async def elsewhere(self, request: web.Request) -> web.Response:
        return _reply({"__type": UnknownOperation.code,
                       "message": "this server answers POST / with an X-Amz-Target header, as ECS does"}, 404,
                      UnknownOperation.code)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.idle is None:
            return await self._handle(request)
        self.idle.begin()
        try:
            return await self._handle(request)
        finally:
            self.idle.end()

    async def _read(self, request: web.Request) -> tuple[bytes, dict[str, Any]]:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise SerializationException(f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB") from None
        return raw, parse_body(raw)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            raw, body = await self._read(request)
        except errors.SandboxError as exc:
            return _error(exc)
        if self.guard is not None and not self.guard.allows(request, raw):
            return _error(errors.UnrecognizedClientException(
                f"sandbox {self.info.sandbox!r} belongs to a workshop learner and needs its token: only that "
                "learner's servicelab, or an AWS CLI set up with their `servicelab aws-env`, may call it"))
        try:
            target = header(request.headers.get("X-Amz-Target"))
            if target is not None and target.startswith(ECS_PREFIX):
                op = target[len(ECS_PREFIX):]
                result = await asyncio.to_thread(self.ecs, op, body, Arns(region_of(request)))
            elif target is not None and target.startswith(LAB_PREFIX):
                op = target[len(LAB_PREFIX):]
                if op == "TaskLogs":
                    check_lab_request(op, body)
                    return await self.stream_logs(request, body)
                result = await asyncio.to_thread(self.lab, op, body)
            else:
                raise UnknownOperation(f"X-Amz-Target {target or '(missing or not ASCII)'!r} is not one this "
                                       f"server answers: use {ECS_PREFIX}<Operation> or {LAB_PREFIX}<Operation>")
        except errors.SandboxError as exc:
            return _error(exc)
        except KeyError as exc:
            return _error(errors.InvalidParameterException(f"missing required parameter {exc.args[0]!r}"))
        except (TypeError, ValueError) as exc:
            return _error(errors.InvalidParameterException(f"invalid parameter: {exc}"))
        except Exception as exc:  # answer in ECS's shape, never with an HTML page
            log.exception("operation %s failed", target)
            return _error(errors.ServerException(f"internal error: {exc}"))
        return _reply(result)

    def lab(self, op: str, body: dict[str, Any]) -> dict[str, Any]:
        handler = lab_ops.OPERATIONS.get(op)
        if handler is None:
            supported = ", ".join(sorted(lab_ops.OPERATIONS) + ["TaskLogs"])
            raise UnknownOperation(f"operation {op!r} is not one of servicelab's; supported: {supported}")
        check_lab_request(op, body)
        return handler(self.sandbox, body, self.info)

    def ecs(self, op: str, body: dict[str, Any], arns: Arns) -> dict[str, Any]:
        handler = ecs_ops.OPERATIONS.get(op)
        if handler is None:
            supported = ", ".join(sorted(ecs_ops.OPERATIONS))
            if ecs_model.is_ecs_operation(op):
                raise errors.UnsupportedFeatureException(
                    f"{op} is part of ECS's API but not supported by the servicelab sandbox; supported: {supported}"
                )
            raise UnknownOperation(f"operation {op!r} is not one of ECS's; the sandbox supports: {supported}")
        ecs_ops.check(op, body)
        result = handler(self.sandbox, body, arns)
        if self.check_responses:
            problems = ecs_model.response_problems(op, result)
            if problems:
                raise errors.ServerException(f"{op} response does not fit ECS's output shape: {'; '.join(problems)}")
        return result

    async def stream_logs(self, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        """Plain text, one line per chunk; with follow, until the task's container ends."""
        task = self.sandbox.find_task(body.get("cluster"), body["task"])
        follow = bool(body.get("follow"))
        tail = body.get("tail")
        response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
        await response.prepare(request)
        if not task.container_id or task.last_status == "STOPPED":
            await response.write(task.logs_tail.encode())
            await response.write_eof()
            return response
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1000)
        stop = threading.Event()

        def pump() -> None:
            try:
                for line in self.sandbox.control.runtime.logs(task.container_id, follow=follow, tail=tail):
                    if stop.is_set():
                        break
                    asyncio.run_coroutine_threadsafe(queue.put(line), loop).result()
            except RuntimeError_ as exc:
                asyncio.run_coroutine_threadsafe(queue.put(f"[servicelab] logs ended: {exc}\n"), loop).result()
            except Exception:  # the client went away; nothing left to tell
                pass
            finally:
                try:
                    asyncio.run_coroutine_threadsafe(queue.put(None), loop).result(timeout=5)
                except Exception:
                    pass

        thread = threading.Thread(target=pump, daemon=True)
        thread.start()
        try:
            while (line := await queue.get()) is not None:
                await response.write(line.encode())
            await response.write_eof()
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            stop.set()
        return response
