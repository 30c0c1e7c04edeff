"""How an operation reads as a command line: its `aws ecs` twin and its `servicelab` form.

One rule for both, used by the CLI and the app's command bar alike: words are quoted with
shlex, and `--cluster` is said only for a cluster other than the default, as ECS assumes the
default cluster when a call names none. Structures (placement strategies, deployment
configurations) are written in the AWS CLI's shorthand when they are flat and plain, else as
JSON; `aws ecs` takes either.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

DEFAULT_CLUSTER = "default"
PLAIN = re.compile(r"^[A-Za-z0-9_.:/@+-]+$")
"""Shorthand values that need no escaping: `type=binpack,field=memory`."""


def aws_line(command: str, cluster: str | None, *pairs: tuple[str, Any]) -> str:
    """`aws ecs COMMAND [--cluster C] --option value …`; options whose value is None or False are left out."""
    words = ["aws", "ecs", command]
    if cluster and cluster != DEFAULT_CLUSTER:
        words += ["--cluster", shlex.quote(cluster)]
    for option, value in pairs:
        words += option_words(option, value)
    return " ".join(words)


def cli_line(cluster: str | None, *words: Any) -> str:
    """`servicelab [--cluster C] WORD …`; words that are None or empty are left out."""
    prefix = ["servicelab"] + (["--cluster", cluster] if cluster and cluster != DEFAULT_CLUSTER else [])
    return " ".join(shlex.quote(str(w)) for w in prefix + [w for w in words if w is not None and w != ""])


def option_words(option: str, value: Any) -> list[str]:
    """An option and its value(s) as quoted words: True is a bare flag, a list gives one word per item."""
    if value is None or value is False:
        return []
    if value is True:
        return [option]
    if isinstance(value, (list, tuple)):
        items = [aws_value(v) for v in value]
        if any(item is None for item in items):
            return [option, shlex.quote(json.dumps(list(value), separators=(",", ":")))]
        return [option] + [shlex.quote(item) for item in items]
    text = aws_value(value)
    return [option, shlex.quote(text if text is not None else json.dumps(value, separators=(",", ":")))]


def aws_value(value: Any) -> str | None:
    """A value as the AWS CLI reads it; None for a structure that shorthand cannot say plainly."""
    if isinstance(value, dict):
        return shorthand(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def shorthand(structure: dict[str, Any]) -> str | None:
    """`key=value,key=value` for a flat structure of plain values, else None."""
    pairs = []
    for key, value in structure.items():
        if isinstance(value, (dict, list, tuple)):
            return None
        text = aws_value(value)
        if text is None or not PLAIN.match(text):
            return None
        pairs.append(f"{key}={text}")
    return ",".join(pairs)
