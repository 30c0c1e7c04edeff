"""Run a program in a pseudo-terminal of a fixed size, read its screen output, and type into it."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import termios
import threading
import time


class PtyApp:
    """A child process on a pty: `wait_for(b"text")` blocks until its output shows the text."""

    def __init__(self, argv: list[str], env: dict[str, str], columns: int = 160, rows: int = 45) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env={**env, "TERM": "xterm-256color",
                                                                  "COLUMNS": str(columns), "LINES": str(rows)},
            start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.output = bytearray()
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            with self._changed:
                self.output += chunk
                self._changed.notify_all()

    def mark(self) -> int:
        """Where the output ends now: `wait_for(..., since=mark)` looks only at what comes after."""
        with self._changed:
            return len(self.output)

    def wait_for(self, text: bytes, since: int = 0, timeout: float = 30.0) -> float:
        """Seconds (perf_counter) at which `text` appeared after `since`; raises TimeoutError."""
        deadline = time.perf_counter() + timeout
        with self._changed:
            while True:
                if self.output.find(text, since) >= 0:
                    return time.perf_counter()
                left = deadline - time.perf_counter()
                if left <= 0:
                    tail = bytes(self.output[-400:])
                    raise TimeoutError(f"{text!r} did not appear within {timeout}s; last output: {tail!r}")
                self._changed.wait(left)

    def type(self, keys: bytes) -> float:
        """Write keys; returns the time they were written."""
        at = time.perf_counter()
        os.write(self.master, keys)
        return at

    def rss_mib(self) -> float:
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        try:
            os.close(self.master)
        except OSError:
            pass
