"""How times read to people, the same in the CLI and in the app."""

from __future__ import annotations

import time


def duration(seconds: float) -> str:
    """45s, 3m07s, 2h05m."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def clock(timestamp: float) -> str:
    """The local wall-clock time of a timestamp, HH:MM:SS."""
    return time.strftime("%H:%M:%S", time.localtime(timestamp))
