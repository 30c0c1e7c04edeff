"""Cold start of the tutor: from launching `servicelab` to the first frame of the home screen.

Each run is a fresh process in a 160x45 pseudo-terminal, timed until the home screen's
search box is drawn. The sandbox's control plane starts in the background and does not hold
up that frame; it is stopped at the end (`servicelab sandbox down`). Prints figures, asserts
nothing. Target: median under 1.0 s.

    .venv/bin/python bench/app_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ptyrun import PtyApp  # noqa: E402

HOME_FRAME = b"Search lessons"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    servicelab = shutil.which("servicelab", path=str(Path(sys.executable).parent)) or "servicelab"
    home = tempfile.mkdtemp(prefix="servicelab-startup-")
    sandbox = f"bench-start-{uuid.uuid4().hex[:6]}"
    env = {**os.environ, "SERVICELAB_HOME": home, "SERVICELAB_SANDBOX": sandbox}
    times = []
    try:
        for run in range(args.runs):
            app = PtyApp([servicelab], env)
            try:
                shown = app.wait_for(HOME_FRAME, timeout=30)
                times.append(shown - app.started)
            finally:
                app.stop()
            print(f"  run {run + 1}: {times[-1] * 1000:.0f} ms", flush=True)
    finally:
        subprocess.run([servicelab, "sandbox", "down"], env=env, capture_output=True, timeout=120)
        shutil.rmtree(home, ignore_errors=True)
    print(f"cold start to the first home frame, {len(times)} runs in a 160x45 pty:")
    print(f"  median {statistics.median(times) * 1000:.0f} ms   min {min(times) * 1000:.0f} ms   "
          f"max {max(times) * 1000:.0f} ms   (target < 1000 ms)")


if __name__ == "__main__":
    main()
