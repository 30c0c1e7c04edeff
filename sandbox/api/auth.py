"""Checking a workshop sandbox's token on each request: a header, or an AWS signature made with it.

The servicelab client sends `X-Servicelab-Token`. The AWS CLI and SDKs cannot add a header, but
they sign every request with Signature Version 4; `servicelab aws-env` gives them the token as
their secret access key, and here the signature is recomputed with it. A request from another
learner's CLI (another token) or an unsigned one (`--no-sign-request`) is refused.

Signatures are not checked for freshness (no clock skew window): on loopback nobody can replay
what they cannot see, and the point is only that one learner cannot drive another's sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import parse_qsl, quote

from aiohttp import web

from sandbox.workshop.tokens import HEADER
from .protocol import header

SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


class TokenGuard:
    """Admits requests that carry the sandbox's token, one way or the other."""

    def __init__(self, token: str) -> None:
        self.token = token

    def allows(self, request: web.Request, body: bytes) -> bool:
        if HEADER in request.headers:
            given = header(request.headers[HEADER])
            return given is not None and hmac.compare_digest(given.encode(), self.token.encode())
        return sigv4_valid(request, body, self.token)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_valid(request: web.Request, body: bytes, secret: str) -> bool:
    """Whether `request` was signed (SigV4, as botocore signs ECS calls) with `secret`."""
    # Every header that goes into the signature must be plain text first (see protocol.header).
    match = SIGV4.fullmatch((header(request.headers.get("Authorization")) or "").strip())
    amz_date = header(request.headers.get("X-Amz-Date")) or ""
    if not match or not amz_date.startswith(match["date"]):
        return False
    signed = match["headers"].split(";")
    values = [header(request.headers.get(name, "")) for name in signed]
    if "host" not in signed or None in values:
        return False
    canonical_headers = "".join(f"{name}:{' '.join(value.split())}\n" for name, value in zip(signed, values))
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                     for k, v in sorted(parse_qsl(request.query_string, keep_blank_values=True)))
    canonical_request = "\n".join([
        request.method, quote(request.path, safe="/-_.~"), query, canonical_headers, match["headers"],
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{match['date']}/{match['region']}/{match['service']}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (match["date"], match["region"], match["service"], "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match["signature"])
