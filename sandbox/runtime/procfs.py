"""Reading Linux /proc for the process runtime: is this pid still our task, and what does it use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcStat:
    """The few fields of /proc/<pid>/stat we use."""

    state: str
    pgrp: int
    cpu_ticks: int
    start_ticks: int

    @property
    def zombie(self) -> bool:
        return self.state in ("Z", "X")


def stat(pid: int) -> ProcStat | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name sits in parentheses and may itself hold spaces or ')'.
    fields = text[text.rindex(")") + 2 :].split()
    return ProcStat(
        state=fields[0],
        pgrp=int(fields[2]),
        cpu_ticks=int(fields[11]) + int(fields[12]),
        start_ticks=int(fields[19]),
    )


def _read_nul_list(pid: int, name: str) -> list[str]:
    try:
        return (PROC / str(pid) / name).read_bytes().decode(errors="replace").split("\0")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return []


def is_our_task(pid: int, start_ticks: int | None, task_id: str) -> bool:
    """Whether pid is alive and still the demo task we started for task_id (pids get reused).

    We start every task as a session leader, so its group id is its own pid."""
    st = stat(pid)
    if st is None or st.zombie or st.pgrp != pid or (start_ticks is not None and st.start_ticks != start_ticks):
        return False
    return "sandbox.image.demotask" in _read_nul_list(pid, "cmdline") and f"SERVICELAB_TASK_ID={task_id}" in _read_nul_list(pid, "environ")


def rss_bytes(pid: int) -> int | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def uptime_ticks() -> float:
    """Seconds since boot, in clock ticks, to compare with a process's start_ticks."""
    return float((PROC / "uptime").read_text().split()[0]) * CLOCK_TICKS
