"""`servicelab workshop serve`: HTTP on 127.0.0.1, an offline page, progress collection, and the app
in headless Chromium with a sandbox of its own per connection (taken down when it closes)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.cli_support import docker_containers
from tests.docker_support import remove_sandbox_containers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WORKSHOP = "title: Browser class\nlessons:\n  - {id: services-and-tasks, unlocked: true}\n  - keeping-count\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_on(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on `port`, from /proc (IPv4)."""
    out = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            out.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    workshop = root / "class.yaml"
    workshop.write_text(WORKSHOP)
    port = free_port()
    env = {**os.environ, "SERVICELAB_HOME": str(root / "home")}
    env.pop("SERVICELAB_WORKSHOP", None)
    process = subprocess.Popen([sys.executable, "-m", "tutor", "workshop", "serve", str(workshop), "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/", timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("workshop serve did not answer") from None
                time.sleep(0.1)
        yield {"url": url, "port": port, "home": root / "home", "process": process}
    finally:
        process.send_signal(signal.SIGINT)  # takes every learner's sandbox down on the way out
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
        learners = root / "home" / "workshop-serve" / "learners"
        names = [f"web-{p.name}" for p in learners.iterdir()] if learners.exists() else []
        left = {name: docker_containers(name) for name in names if shutil.which("docker")}
        for name in left:
            remove_sandbox_containers(name)
        assert not any(left.values()), f"containers left behind: {left}"


def test_serves_the_page_on_loopback_by_default(server):
    response = requests.get(server["url"] + "/", timeout=10)
    assert response.status_code == 200
    assert "textual-terminal" in response.text
    assert f'data-session-websocket-url="ws://127.0.0.1:{server["port"]}/ws"' in response.text
    assert "googleapis" not in response.text and "fonts/RobotoMono" in response.text  # nothing from the internet
    assert listening_on(server["port"]) == {"127.0.0.1"}
    named = requests.get(server["url"] + "/?learner=Ada%20L", timeout=10).text
    assert f'ws://127.0.0.1:{server["port"]}/ws/ada-l"' in named


def test_collects_progress_that_learners_share(server):
    document = {"format": "servicelab-progress", "version": 1, "learner": "Ada/../x", "workshop": "Browser class",
                "lessons": [{"id": "services-and-tasks", "status": "in progress"}]}
    answer = requests.post(server["url"] + "/progress", json=document, timeout=10)
    assert answer.status_code == 200 and answer.json() == {"stored": "ada-x.json"}
    stored = json.loads((server["home"] / "workshop-serve" / "collected" / "ada-x.json").read_text())
    assert stored["lessons"] == document["lessons"] and stored["receivedFrom"] == "127.0.0.1"
    assert requests.post(server["url"] + "/progress", json={"hello": 1}, timeout=10).status_code == 400


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_the_app_renders_in_chromium_and_answers_a_key(server, tmp_path):
    from tests.docker_support import require_docker

    require_docker()
    playwright = pytest.importorskip("playwright.sync_api")
    learner = f"t{uuid.uuid4().hex[:8]}"
    home = server["home"] / "workshop-serve" / "learners" / learner
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{server['url']}/?learner={learner}")
            page.wait_for_selector("body.-first-byte", timeout=30_000)
            deadline = time.monotonic() + 30
            api = home / "sandboxes" / f"web-{learner}" / "api.json"
            while not api.exists() and time.monotonic() < deadline:
                time.sleep(0.1)  # the app started this learner's own control plane
            assert api.exists()
            page.screenshot(path=str(tmp_path / "home.png"))
            assert (tmp_path / "home.png").stat().st_size > 10_000
            page.locator("#terminal").click()
            page.keyboard.press("c")  # continue: opens the unlocked lesson, which saves the learner's place
            progress = home / "progress.json"
            while not progress.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert json.loads(progress.read_text())["last_lesson"] == "services-and-tasks"
            page.screenshot(path=str(tmp_path / "lesson.png"))
        finally:
            browser.close()
    deadline = time.monotonic() + 60
    while docker_containers(f"web-{learner}") and time.monotonic() < deadline:
        time.sleep(0.2)  # closing the tab takes that learner's sandbox down
    assert docker_containers(f"web-{learner}") == []
    assert not (home / "sandboxes" / f"web-{learner}" / "api.json").exists()
