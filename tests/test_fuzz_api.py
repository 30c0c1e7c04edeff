"""Property-based fuzzing of the sandbox API: every operation's body and headers, on the fake runtime.

Whatever arrives (bodies shaped after ECS's own model with wrong values in it, random JSON,
bytes that are not JSON, nesting past any limit, numbers no double holds, headers with bytes
that are not UTF-8, in a workshop sandbox that checks tokens and signatures), the only answers
are ECS-shaped: a 2xx, or a 4xx with exactly `__type` and `message`. Never a 5xx, and never a
traceback in the log. The runs are derandomized and bounded, so the suite takes seconds.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.api import ecs_model, ecs_ops, lab_ops
from sandbox.api.auth import TokenGuard
from sandbox.api.protocol import ECS_PREFIX, JSON_TYPE, LAB_MEMBERS, LAB_PREFIX, MAX_BODY_BYTES
from sandbox.workshop.tokens import HEADER
from tests.aws_support import InProcessApi
from tests.sandbox_fixtures import fake_sandbox



def fuzz(examples: int) -> settings:
    """Derandomized (the same inputs on every run) and bounded, with no example database on disk."""
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


TOKEN = "fuzz-token"
RESULTS = {"requests": 0, "5xx": 0, "tracebacks": 0}
"""Counted across the module, for the report at the end of the run."""

LAB_OPERATIONS = sorted(LAB_MEMBERS)
ECS_OPERATIONS = sorted(ecs_ops.OPERATIONS)
WORDS = ["default", "web", "web:1", "web:2", "batch", "batch:1", "crashy:1", "lab", "EC2", "FARGATE", "ACTIVE",
         "INACTIVE", "DRAINING", "REPLICA", "DAEMON", "bridge", "host", "awsvpc", "none", "spread", "binpack",
         "random", "memberOf", "distinctInstance", "instanceId", "attribute:ecs.availability-zone", "cpu", "memory",
         "requests", "us-east-1a", "us-east-1z", "ROLLING", "CANARY", "LINEAR", "BLUE_GREEN", "ENABLED", "DISABLED",
         "servicelab/demo-task", "serve", "CMD-SHELL", "demo-task health", "512", "1 vCPU", "2 GB", "9" * 400,
         "0" * 32, "0" * 31 + "1", "0" * 31 + "3", "f" * 32, "arn:aws:ecs:us-east-1:123456789012:cluster/default",
         "arn:aws:ecs:us-east-1:123456789012:task-definition/web:1", "", " ", "\u00e9\u4e2d", "\\", "%s", "../.."]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.integers(-5, 300),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(WORDS), st.text(max_size=30),
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


def _shape_value(shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """A value of the member's own shape (so requests get past the model's checks), or any JSON."""
    kind = shape.type_name
    if depth > 4:
        return json_values
    if kind == "structure":
        members = {name: _shape_value(member, depth + 1) for name, member in shape.members.items()}
        typed = st.fixed_dictionaries({}, optional=members)
    elif kind == "list":
        typed = st.lists(_shape_value(shape.member, depth + 1), max_size=3)
    elif kind == "map":
        typed = st.dictionaries(st.sampled_from(WORDS), _shape_value(shape.value, depth + 1), max_size=2)
    elif kind == "string":
        typed = st.sampled_from(list(getattr(shape, "enum", None) or WORDS)) | st.text(max_size=20)
    elif kind in ("integer", "long"):
        typed = st.integers(-3, 300) | st.integers(-(2**63), 2**63 - 1)
    elif kind in ("double", "float"):
        typed = st.floats(allow_nan=False, allow_infinity=False)
    elif kind == "boolean":
        typed = st.booleans()
    else:
        typed = json_values
    return st.one_of(typed, typed, json_values)


def _ecs_body(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    shape = ecs_model.service_model().operation_model(operation).input_shape
    members = {name: _shape_value(member) for name, member in shape.members.items()}
    return st.fixed_dictionaries({}, optional=members)


LAB_VALUES = {"text": st.sampled_from(WORDS) | st.text(max_size=20), "a whole number": st.integers(-3, 5000),
              "a number": st.floats(-10, 4000, allow_nan=False), "true or false": st.booleans(),
              "a list of text": st.lists(st.sampled_from(WORDS), max_size=3),
              "an object": st.dictionaries(st.sampled_from(WORDS), json_values, max_size=4),
              "a list of objects": st.lists(st.dictionaries(st.sampled_from(WORDS), json_values, max_size=3), max_size=2)}


def _lab_body(operation: str) -> st.SearchStrategy[dict[str, Any]]:
    members = {name: st.one_of(LAB_VALUES[member.name], LAB_VALUES[member.name], json_values)
               for name, member in LAB_MEMBERS[operation].items()}
    return st.fixed_dictionaries({}, optional=members)


@st.composite
def requests_to_any_operation(draw) -> tuple[str, dict[str, Any]]:
    extra = draw(st.dictionaries(st.text(max_size=10), json_values, max_size=1))
    if draw(st.booleans()):
        operation = draw(st.sampled_from(ECS_OPERATIONS))
        return ECS_PREFIX + operation, {**draw(_ecs_body(operation)), **extra}
    operation = draw(st.sampled_from(LAB_OPERATIONS))
    body = {**draw(_lab_body(operation)), **extra}
    if operation == "Watch":
        body["timeoutSeconds"] = 0  # a long poll would only slow the run down
    return LAB_PREFIX + operation, body


CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
"""Bytes RFC 9110 forbids in a header value: aiohttp answers those itself, before any handler."""
TARGETS = st.sampled_from([ECS_PREFIX + op for op in ECS_OPERATIONS] + [LAB_PREFIX + op for op in LAB_OPERATIONS])
header_bytes = st.one_of(st.binary(max_size=40), st.text(max_size=40).map(lambda t: t.encode("utf-8", "surrogatepass")),
                         st.sampled_from([b"\xff\xfe", b"20261128T053631Z\xff", b"AWS4-HMAC-SHA256 Credential=\xe9/"]))
raw_bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"[" * 1000 + b"]" * 1000, b'{"a":' * 1000 + b"1" + b"}" * 1000, b'{"count": 1e400}',
                     b'{"desiredCount": NaN}', b'{"task": Infinity}', b'{"cpu": ' + b"9" * 400 + b"}",
                     b'{"x": "\\ud800"}', b'{"x": "\\u0000"}', b"\xff\xfe{}", b"null", b"[]", b'"x"', b"{",
                     b"{}" + b" " * (MAX_BODY_BYTES + 10)]),
    json_values.map(lambda v: json.dumps(v).encode()),
)


class TracebackCatcher(logging.Handler):
    """Every log record that carries an exception: the server logs one for each 5xx it makes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@pytest.fixture(scope="module")
def servers():
    """A plain sandbox's API and a workshop sandbox's (which checks the token and signatures)."""
    catcher = TracebackCatcher()
    logging.getLogger().addHandler(catcher)
    started = []
    for guarded in (False, True):
        sandbox, control, runtime, clock = fake_sandbox()
        sandbox.create_service("default", "web", "web:1", 2)
        for _ in range(3):
            control.reconcile_once()
        api = InProcessApi(sandbox)
        api.server.info.shutdown = lambda remove_everything: None
        api.server.guard = TokenGuard(TOKEN) if guarded else None
        api.catcher = catcher
        started.append(api)
    yield {"plain": started[0], "workshop": started[1], "catcher": catcher}
    for api in started:
        api.close()
    logging.getLogger().removeHandler(catcher)
    print(f"\nAPI fuzz: {RESULTS['requests']} requests, {RESULTS['5xx']} 5xx, {RESULTS['tracebacks']} tracebacks")


def _post(api, target: str | bytes, data: bytes, headers: dict[str, Any] | None = None) -> requests.Response:
    api.catcher.records.clear()
    response = requests.post(api.address + "/", data=data, timeout=30,
                             headers={"X-Amz-Target": target, "Content-Type": JSON_TYPE, **(headers or {})})
    RESULTS["requests"] += 1
    return response


def _assert_ecs_shaped(servers, response: requests.Response, what: str, malformed_http: bool = False) -> None:
    """A 2xx, or a 4xx shaped as ECS's; `malformed_http`: aiohttp's own plain 400 for bytes HTTP forbids."""
    tracebacks = servers["catcher"].records
    RESULTS["5xx"] += response.status_code >= 500
    RESULTS["tracebacks"] += len(tracebacks)
    assert not tracebacks, f"{what}: traceback logged: {tracebacks[0].getMessage()}"
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if malformed_http and response.headers.get("Content-Type", "").startswith("text/plain"):
        assert response.status_code == 400, f"{what}: {response.status_code}"
    elif response.status_code >= 400:
        body = response.json()
        assert set(body) == {"__type", "message"}, f"{what}: error not shaped as ECS's: {body}"
        assert "\n" not in body["message"] and "Traceback" not in body["message"], body["message"]
    elif "json" in response.headers.get("Content-Type", ""):
        assert isinstance(response.json(), dict)


@fuzz(600)
@given(request=requests_to_any_operation())
def test_every_operation_answers_any_body_in_ecs_shapes(servers, request):
    target, body = request
    response = _post(servers["plain"], target, json.dumps(body).encode())
    _assert_ecs_shaped(servers, response, f"{target} {json.dumps(body)[:300]}")


@fuzz(150)
@given(target=TARGETS, body=raw_bodies)
def test_bodies_that_are_not_json_objects_are_serialization_errors(servers, target, body):
    response = _post(servers["plain"], target, body)
    _assert_ecs_shaped(servers, response, f"{target} {body[:200]!r}")
    if body.strip() and not body.strip().startswith(b"{"):
        assert response.json()["__type"] == "SerializationException"


@fuzz(200)
@given(target=TARGETS | header_bytes, token=st.none() | header_bytes, date=st.none() | header_bytes,
       authorization=st.none() | header_bytes | header_bytes.map(
           lambda b: b"AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, "
                     b"Signature=" + b"0" * 64 + b),
       query=st.sampled_from(["", "?a=1", "?%ff=%fe", "?x=\u00e9"]))
def test_any_headers_are_refused_in_ecs_shapes_in_a_workshop(servers, target, token, date, authorization, query):
    headers = {name: value for name, value in ((HEADER, token), ("X-Amz-Date", date),
                                                ("Authorization", authorization)) if value is not None}
    api = servers["workshop"]
    servers["catcher"].records.clear()
    try:
        response = requests.post(api.address + "/" + query, data=b"{}", timeout=30,
                                 headers={"X-Amz-Target": target, "Content-Type": JSON_TYPE, **headers})
    except (requests.exceptions.InvalidHeader, ValueError):
        return  # the client itself refuses to send it (a newline in a header); nothing reached the server
    RESULTS["requests"] += 1
    malformed = any(isinstance(v, bytes) and CONTROL_BYTES.search(v) for v in (target, *headers.values()))
    _assert_ecs_shaped(servers, response, f"headers {headers!r} target {target!r}", malformed_http=malformed)
    refused_by_http = malformed and response.status_code == 400
    assert response.status_code == 403 or refused_by_http or token == TOKEN.encode(), "no token, yet it got through"


def test_every_servicelab_operation_declares_its_members():
    assert set(LAB_MEMBERS) == set(lab_ops.OPERATIONS) | {"TaskLogs"}


@pytest.mark.parametrize("target, body, code", [
    (ECS_PREFIX + "ListClusters", b'{"maxResults": ' + b"[" * 1000 + b"]" * 1000 + b"}", "SerializationException"),
    (ECS_PREFIX + "RegisterTaskDefinition", json.dumps({
        "family": "big", "cpu": "9" * 400, "containerDefinitions": [
            {"name": "big", "image": "servicelab/demo-task", "memory": 32}]}).encode(), "ClientException"),
    (ECS_PREFIX + "RegisterTaskDefinition", json.dumps({
        "family": "big", "memory": "9" * 400, "containerDefinitions": [
            {"name": "big", "image": "servicelab/demo-task"}]}).encode(), "ClientException"),
    (LAB_PREFIX + "KillTask", b'{"task": 5}', "InvalidParameterException"),
    (LAB_PREFIX + "Watch", b'{"sinceVersion": 1e400}', "SerializationException"),
    (LAB_PREFIX + "AddInstance", b'{"zone": "us-east-1a", "cpu": 1e400}', "SerializationException"),
    (LAB_PREFIX + "TaskLogs", b'{"task": ["x"]}', "InvalidParameterException"),
])
def test_the_campaign_s_5xx_cases_are_4xx(servers, target, body, code):
    response = _post(servers["plain"], target, body)
    _assert_ecs_shaped(servers, response, target)
    assert (response.status_code, response.json()["__type"]) == (400, code)


@pytest.mark.parametrize("headers", [
    {HEADER: b"tok\xffen"},
    {"X-Amz-Date": b"20260101T000000Z\xff",
     "Authorization": b"AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/ecs/aws4_request, "
                      b"SignedHeaders=host;x-amz-date, Signature=" + b"0" * 64},
])
def test_bytes_that_are_not_utf8_in_auth_headers_are_refused_not_500(servers, headers):
    response = _post(servers["workshop"], ECS_PREFIX + "ListClusters", b"{}", headers)
    _assert_ecs_shaped(servers, response, repr(headers))
    assert (response.status_code, response.json()["__type"]) == (403, "UnrecognizedClientException")


def test_other_paths_and_methods_answer_in_ecs_shapes(servers):
    api = servers["plain"]
    for method, path in (("PUT", "/"), ("DELETE", "/x"), ("GET", "/nope"), ("POST", "/a/b")):
        response = requests.request(method, api.address + path, timeout=10)
        assert response.status_code == 404 and response.json()["__type"] == "UnknownOperationException"
