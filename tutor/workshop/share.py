"""Opt-in live sharing of a learner's progress with the instructor's collector, over the LAN.

Off unless the learner turns it on: `servicelab --workshop FILE --share-progress URL` in a
terminal, or the command palette's "Share my progress" in a browser session whose server offers
a collector. What is sent is exactly `servicelab progress export --json`, and only when it
changed; a POST that fails is retried on the next change or tick, and said once.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

OFFER_ENV = "SERVICELAB_SHARE_OFFER"
"""Set by `workshop serve` for its browser sessions: where to share, if the learner agrees."""
LEARNER_ENV = "SERVICELAB_LEARNER"
"""The learner's name in exports and reports (default: the sandbox name)."""
PATH = "/progress"
TIMEOUT = 5.0


def learner_name(sandbox: str) -> str:
    return os.environ.get(LEARNER_ENV) or sandbox


def progress_url(url: str) -> str:
    """`http://host:8000` or `http://host:8000/` → `http://host:8000/progress`; a full path is kept."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http:// address of the instructor's workshop server")
    path = parts.path if parts.path not in ("", "/") else PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def digest(document: dict[str, Any]) -> str:
    """What changed means: anything but the export's own timestamp."""
    stable = {k: v for k, v in document.items() if k != "exportedAt"}
    return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()


class Sharing:
    """The learner's choice and the last thing sent; `send` runs on a worker thread."""

    def __init__(self, url: str | None, enabled: bool) -> None:
        self.url = progress_url(url) if url else None
        self.enabled = bool(enabled and self.url)
        self.sent: str | None = None
        self.failing = False
        self.session = requests.Session()

    def due(self, document: dict[str, Any]) -> bool:
        return self.enabled and digest(document) != self.sent

    def send(self, document: dict[str, Any]) -> str | None:
        """POST the export; None on success, else one line saying why."""
        try:
            response = self.session.post(self.url, json=document, timeout=TIMEOUT)
        except requests.RequestException as exc:
            return f"could not reach the instructor at {self.url} ({type(exc).__name__})"
        if response.status_code >= 400:
            return f"the instructor's server answered {response.status_code}: {response.text.strip()[:120]}"
        self.sent = digest(document)
        return None
