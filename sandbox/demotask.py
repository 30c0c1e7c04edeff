"""The demo task every built-in task definition runs: `python -m sandbox.demotask <mode> [seconds]`.

The Docker image runs a shell script with the same behaviour; this is the copy the process
runtime runs where there is no Docker. Environment: PORT (8080), SERVICELAB_TASK_ID, VERSION.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_SECONDS = {"crash": 2.0, "flaky": 20.0, "batch": 3.0}


def say(message: str, err: bool = False) -> None:
    # Flushed at once: output goes to a log file that people tail while the task runs.
    print(f"demo-task: {message}", file=sys.stderr if err else sys.stdout, flush=True)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path == "/health":
            status, body = (200, "ok") if self.server.healthy else (500, "unhealthy")
        else:
            status, body = 200, f"servicelab demo task {self.server.task_id} version {self.server.version}"
        data = (body + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # health checks hit us every few seconds; a line each would drown the log


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    healthy = True
    task_id = "unknown"
    version = "0"


def serve(port: int, after_start=None) -> int:
    """Serve on 127.0.0.1 only (never every interface) until SIGTERM; exit 143 as a shell would."""
    server = _Server(("127.0.0.1", port), _Handler)
    server.task_id = os.environ.get("SERVICELAB_TASK_ID", "unknown")
    server.version = os.environ.get("VERSION", "0")

    def on_term(signum, frame) -> None:
        # shutdown() waits for serve_forever to return, so it must not run on the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    say(f"task {server.task_id} serving version {server.version} on :{port}")
    if after_start:
        after_start(server)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    say("stopping on SIGTERM")
    return 128 + signal.SIGTERM


def go_unhealthy_after(seconds: float):
    def start(server: _Server) -> None:
        def flip() -> None:
            server.healthy = False
            say(f"health check now fails (after {seconds:g}s)")

        timer = threading.Timer(seconds, flip)
        timer.daemon = True
        timer.start()

    return start


def burn_cpu(seconds: float | None):
    def start(server: _Server) -> None:
        def spin() -> None:
            deadline = time.monotonic() + seconds if seconds else float("inf")
            while time.monotonic() < deadline:
                pass
            say("done burning CPU")

        say(f"burning CPU {'for %gs' % seconds if seconds else 'until stopped'}")
        threading.Thread(target=spin, daemon=True).start()

    return start


def crash(seconds: float) -> int:
    say(f"started; crashing in {seconds:g}s")
    time.sleep(seconds)
    say("fatal: something went wrong, exiting with code 1", err=True)
    return 1


def batch(seconds: float) -> int:
    steps = max(0, int(seconds))
    for step in range(1, steps + 1):
        say(f"working {step}/{steps}")
        time.sleep(1)
    say("done")
    return 0


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="demo-task", description="The servicelab demo task.")
    parser.add_argument("mode", choices=["serve", "crash", "flaky", "batch", "burn", "health"])
    parser.add_argument("seconds", nargs="?", type=float, help="how long (crash, flaky, batch, burn)")
    args = parser.parse_args(argv)
    port = int(os.environ.get("PORT", "8080"))
    seconds = args.seconds if args.seconds is not None else DEFAULT_SECONDS.get(args.mode)
    if args.mode == "serve":
        return serve(port)
    if args.mode == "flaky":
        return serve(port, go_unhealthy_after(seconds))
    if args.mode == "burn":
        return serve(port, burn_cpu(seconds))
    if args.mode == "crash":
        return crash(seconds)
    if args.mode == "batch":
        return batch(seconds)
    return health(port)


if __name__ == "__main__":
    sys.exit(main())
