"""Tags, by ECS's rules: what a resource may carry, and what a new task gets from its service.

Tags change nothing on one machine; they are kept and shown exactly as given, so a learner's
tagging (and a deploy tool's) works as it does against ECS.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from sandbox.core import errors

MAX_TAGS = 50
_CHARS = re.compile(r"^[\w\s+=.:/@-]*$", re.UNICODE)
PROPAGATE = ("NONE", "SERVICE", "TASK_DEFINITION")


def check(tags: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """ECS's tag rules for tags people give: at most 50, keys of 1 to 128 characters, values of up
    to 256, no `aws:` keys (those are ECS's own, as its managed tags)."""
    out: dict[str, str] = {}
    for tag in tags:
        key, value = tag.get("key"), tag.get("value", "")
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not _CHARS.match(key):
            raise errors.InvalidParameterException(
                f"Tag key {key!r} is not valid: use 1 to 128 letters, digits, spaces or + - = . _ : / @")
        if not isinstance(value, str) or len(value) > 256 or not _CHARS.match(value):
            raise errors.InvalidParameterException(
                f"Tag value for key {key!r} is not valid: use up to 256 letters, digits, spaces or + - = . _ : / @")
        if key.lower().startswith("aws:"):
            raise errors.InvalidParameterException(f"Tag key {key!r}: the aws: prefix is reserved for AWS use")
        out[key] = value
    if len(out) > MAX_TAGS:
        raise errors.InvalidParameterException(f"a resource can have at most {MAX_TAGS} tags, got {len(out)}")
    return [{"key": k, "value": v} for k, v in out.items()]


def merged(current: Iterable[dict[str, str]], given: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """TagResource: given keys replace current ones, the rest stay, in the order first set."""
    out = {t["key"]: t["value"] for t in current}
    out.update((t["key"], t["value"]) for t in check(given))
    if len(out) > MAX_TAGS:
        raise errors.InvalidParameterException(f"a resource can have at most {MAX_TAGS} tags; this would make {len(out)}")
    return [{"key": k, "value": v} for k, v in out.items()]


def without(current: Iterable[dict[str, str]], keys: Iterable[str]) -> list[dict[str, str]]:
    gone = set(keys)
    return [t for t in current if t["key"] not in gone]


def for_new_task(own: list[dict[str, str]], propagate: str, service_tags: list[dict[str, str]],
                 taskdef_tags: Iterable[tuple[str, str]], managed: bool, cluster: str,
                 service: str | None) -> list[dict[str, str]]:
    """A new task's tags: its own (RunTask's), the service's or the task definition's when propagated,
    and ECS's managed tags when enabled."""
    out = {t["key"]: t["value"] for t in own}
    if propagate == "SERVICE":
        out.update({t["key"]: t["value"] for t in service_tags})
    elif propagate == "TASK_DEFINITION":
        out.update(dict(taskdef_tags))
    if managed:
        out["aws:ecs:clusterName"] = cluster
        if service:
            out["aws:ecs:serviceName"] = service
    return [{"key": k, "value": v} for k, v in out.items()]
