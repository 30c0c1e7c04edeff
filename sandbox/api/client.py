"""The client side of the sandbox API, shared by the CLI and the app."""

from __future__ import annotations

import json
from typing import Any, Iterator

import requests

from sandbox.core import errors
from sandbox.workshop import tokens
from sandbox.workshop.tokens import HEADER
from sandbox.api.protocol import ECS_PREFIX, JSON_TYPE, LAB_PREFIX


class ControlPlaneDown(Exception):
    """Nothing answers at the sandbox's API address."""


class Client:
    """Calls one control plane's API. Thread-safe enough for one call per thread."""

    def __init__(self, address: str, timeout: float = 10.0, token: str | None = None) -> None:
        self.address = address.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        if token:
            # A workshop sandbox's API admits only its learner (sandbox/workshop/tokens.py).
            self.session.headers[HEADER] = token

    @classmethod
    def for_sandbox(cls, sandbox: str, address: str, timeout: float = 10.0) -> "Client":
        """A client for `sandbox`'s control plane, with its token when it has one."""
        return cls(address, timeout, tokens.read(sandbox))

    def _post(self, target: str, params: dict[str, Any], timeout: float | tuple[float, None] | None,
              stream: bool = False):
        try:
            return self.session.post(
                self.address + "/",
                data=json.dumps(params),
                headers={"X-Amz-Target": target, "Content-Type": JSON_TYPE},
                timeout=timeout or self.timeout,
                stream=stream,
            )
        except requests.ConnectionError as exc:
            raise ControlPlaneDown(f"no control plane answers at {self.address}") from exc
        except requests.Timeout as exc:
            raise ControlPlaneDown(f"the control plane at {self.address} did not answer in time") from exc

    def _call(self, target: str, params: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        response = self._post(target, params, timeout)
        try:
            body = response.json() if response.content else {}
        except ValueError:
            raise errors.ServerException(f"the control plane answered {response.status_code} with no JSON") from None
        if response.status_code >= 400:
            code = body.get("__type", "ServerException")
            cls = errors.BY_CODE.get(code, errors.ClientException)
            exc = cls(body.get("message") or code)
            exc.code = code
            raise exc
        return body

    def ecs(self, operation: str, **params: Any) -> dict[str, Any]:
        return self._call(ECS_PREFIX + operation, _drop_none(params))

    def lab(self, operation: str, timeout: float | None = None, **params: Any) -> dict[str, Any]:
        return self._call(LAB_PREFIX + operation, _drop_none(params), timeout)

    def watch(self, since: int, timeout: float = 25.0, cluster: str | None = None) -> dict[str, Any]:
        return self.lab("Watch", timeout=timeout + 10, sinceVersion=since, timeoutSeconds=timeout, cluster=cluster)

    def logs(self, task: str, follow: bool = False, tail: int | None = None) -> Iterator[str]:
        # Following waits as long as the task is quiet (a demo task says nothing between its first
        # line and SIGTERM): only connecting has a time limit, never reading.
        response = self._post(LAB_PREFIX + "TaskLogs", _drop_none({"task": task, "follow": follow, "tail": tail}),
                              timeout=(self.timeout, None) if follow else self.timeout, stream=True)
        if response.status_code >= 400:
            body = response.json()
            cls = errors.BY_CODE.get(body.get("__type", ""), errors.ClientException)
            raise cls(body.get("message", "logs failed"))
        response.encoding = "utf-8"
        try:
            for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
                if chunk:
                    yield chunk
        except requests.RequestException as exc:
            raise ControlPlaneDown(f"the control plane at {self.address} went away") from exc


def _drop_none(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}
