"""The demo task every built-in task definition runs: `python -m sandbox.image.demotask <mode> [seconds]`.

The Docker image runs a shell script with the same behaviour; this is the copy the process
runtime runs where there is no Docker. Environment: PORT (8080), SERVICELAB_TASK_ID, VERSION.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_SECONDS = {"crash": 2.0, "flaky": 20.0, "batch": 3.0}
TASK = os.environ.get("SERVICELAB_TASK_ID", "unknown")
VERSION = os.environ.get("VERSION", "0")


def say(message: str, err: bool = False) -> None:
    # Flushed at once: output goes to a log file that people tail while the task runs. The
    # wording follows sandbox/image/demo-task, so lessons read the same on either runtime.
    print(f"demo-task: {message}", file=sys.stderr if err else sys.stdout, flush=True)


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        if self.path == "/health":
            status, body = (200, "ok") if self.server.healthy else (500, "unhealthy")
        else:
            status, body = 200, self.server.page
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
    page = ""


def serve(port: int, after_start=None) -> int:
    """Serve on 127.0.0.1 only (never every interface) until SIGTERM; exit 143 as a shell would."""
    server = _Server(("127.0.0.1", port), _Handler)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    server.page = f"servicelab demo task {TASK} version {VERSION}\nhost {socket.gethostname()}\nstarted {started}"

    def on_term(signum, frame) -> None:
        # shutdown() waits for serve_forever to return, so it must not run on the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # as the image's script does, for a run by hand
    say(f"task {TASK} serving version {VERSION} on :{port}")
    if after_start:
        after_start(server)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    say(f"task {TASK} got SIGTERM, exiting")
    return 128 + signal.SIGTERM


def go_unhealthy_after(seconds: float):
    def start(server: _Server) -> None:
        def flip() -> None:
            server.healthy = False
            say(f"task {TASK}: /health now fails (after {seconds:g}s)")

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
            say(f"task {TASK} stopped burning CPU after {seconds:g}s")

        say(f"task {TASK} burning CPU")
        threading.Thread(target=spin, daemon=True).start()

    return start


def crash(seconds: float) -> int:
    say(f"task {TASK} starting; will crash in {seconds:g}s")
    time.sleep(seconds)
    say(f"fatal: task {TASK} crashed (simulated error)", err=True)
    return 1


def batch(seconds: float) -> int:
    steps = max(0, int(seconds))
    say(f"task {TASK} batch job: {steps} steps")
    for step in range(1, steps + 1):
        time.sleep(1)
        say(f"progress {step}/{steps}")
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
    parser.add_argument("mode", nargs="?", default="serve", choices=["serve", "crash", "flaky", "batch", "burn", "health"])
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
