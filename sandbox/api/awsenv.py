"""The environment that points the real AWS CLI and SDKs at a sandbox's ECS API.

`AWS_ENDPOINT_URL_ECS` sends only ECS calls to the sandbox (botocore 1.31+, AWS CLI v1.29+ and
v2, and the other SDKs read it), so nothing else a learner runs is redirected. The credentials
are dummies: the sandbox ignores signatures, but the clients refuse to send unsigned requests
without some. In a workshop the secret key is the sandbox's token instead, and the sandbox
checks the signature made with it (sandbox/api/auth.py). The region ends up in every ARN the
sandbox returns.
"""

from __future__ import annotations

import shlex

DEFAULT_REGION = "us-east-1"
DUMMY_KEY = "servicelab"


def variables(api_address: str, region: str = DEFAULT_REGION, token: str | None = None) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL_ECS": api_address.rstrip("/"),
        "AWS_ACCESS_KEY_ID": DUMMY_KEY,
        "AWS_SECRET_ACCESS_KEY": token or DUMMY_KEY,
        # The CLI v1 and boto3 read AWS_DEFAULT_REGION; the CLI v2 and other SDKs read AWS_REGION.
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }


def lines(api_address: str, region: str = DEFAULT_REGION, token: str | None = None) -> list[str]:
    """`export NAME=value` lines for a POSIX shell, in a stable order."""
    return [f"export {name}={shlex.quote(value)}" for name, value in variables(api_address, region, token).items()]
