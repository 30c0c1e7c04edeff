"""Load balancing and auto scaling end to end: real containers, the real CLI, real HTTP.

Each test runs its own sandbox with a faster clock (SERVICELAB_TIME_SPEED), so health-check
intervals, deregistration delays and cooldowns pass sooner; the engine's own container health
checks (every 5 s in web:1) do not speed up.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.request

import pytest

from sandbox.api.client import Client
from tests.cli_support import SERVICELAB, CliSandbox, docker_containers
from tests.docker_support import require_docker

pytestmark = [pytest.mark.docker, pytest.mark.slow]

TASK_DEFS = """
- family: plain
  description: The demo server with no container health check (the load balancer's checks decide).
  image: servicelab/demo-task
  command: [serve]
  environment: {VERSION: "1"}
  cpu: 128
  memory: 32
  containerPort: 8080
- family: sick
  description: Serves pages, but its /health is gone from the start.
  image: servicelab/demo-task
  command: [flaky, "0"]
  environment: {VERSION: "sick"}
  cpu: 128
  memory: 32
  containerPort: 8080
"""
LIVE = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")


@pytest.fixture
def make_lab(tmp_path):
    require_docker()
    labs = []

    def make(speed: float) -> CliSandbox:
        lab = CliSandbox(tmp_path / f"home{len(labs)}")
        lab.env["SERVICELAB_TIME_SPEED"] = str(speed)
        labs.append(lab)
        return lab

    yield make
    for lab in labs:
        lab.down()
        assert docker_containers(lab.name) == []


def balancer(lab: CliSandbox, service: str = "web") -> dict:
    found = [lb for lb in lab.json("lb", "ls") if lb["service"] == service]
    assert len(found) == 1, found
    return found[0]


def healthy_targets(lab: CliSandbox, count: int, timeout: float = 40.0) -> dict:
    return lab.wait(lambda: (lb := balancer(lab)) and sum(t["health"] == "healthy" for t in lb["targets"]) == count
                    and lb, timeout=timeout, interval=0.3, what=f"{count} healthy targets")


def start_traffic(lab: CliSandbox, rps: float, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([SERVICELAB, "traffic", "web", "--rps", str(rps), "--for", str(seconds), "--json"],
                            env=lab.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def traffic_result(process: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out)


def scaling_events(lab: CliSandbox) -> list[dict]:
    events = lab.service("web")["events"]
    return sorted((e for e in events if e["message"].startswith("Message: Successfully set desired count to ")),
                  key=lambda e: e["createdAt"])


def test_only_healthy_targets_get_traffic_and_failing_ones_are_replaced(make_lab, tmp_path):
    lab = make_lab(speed=10)
    defs = tmp_path / "defs.yaml"
    defs.write_text(TASK_DEFS)
    lab.run("taskdef", "register", str(defs))
    out = lab.run("service", "create", "web", "--task-def", "plain:1", "--count", "2", "--load-balancer")
    assert "behind a load balancer at http://127.0.0.1:" in out.stdout
    assert "--load-balancers targetGroupArn=arn:aws:elasticloadbalancing:" in out.stderr
    lb = healthy_targets(lab, 2)
    assert set(lb) >= {"service", "url", "targetGroupArn", "targets", "healthCheck", "deregistrationDelaySeconds"}
    assert all(set(t) >= {"taskId", "port", "health"} for t in lb["targets"])
    assert lb["healthCheck"]["path"] == "/health" and lb["deregistrationDelaySeconds"] == 5

    summary = json.loads(lab.run("traffic", "web", "--rps", "20", "--for", "2", "--json").stdout)
    assert set(summary) == {"requests", "errors", "p50_ms", "p99_ms"}
    assert summary["requests"] == 40 and summary["errors"] == 0 and 0 < summary["p50_ms"] <= summary["p99_ms"]

    # Tasks whose /health fails register, never become healthy, never get a request, and are replaced.
    traffic = start_traffic(lab, 20, 8)
    lab.run("service", "update", "web", "--task-def", "sick:1")
    pages = []
    for _ in range(40):
        with urllib.request.urlopen(lb["url"], timeout=5) as response:
            pages.append(response.read().decode())
        time.sleep(0.15)
    assert all("version 1" in page for page in pages), [p for p in pages if "version 1" not in p][:1]
    tg = lb["targetGroupArn"]
    replaced = lab.wait(
        lambda: [t for t in lab.tasks("web", include_stopped=True)
                 if t.get("stoppedReason") == f"Task failed ELB health checks in (target-group {tg})"],
        timeout=30, what="a sick task replaced")
    assert replaced[0]["taskDefinition"] == "sick:1"
    messages = [e["message"] for e in lab.service("web")["events"]]
    assert any(m.startswith("(service web) (task ") and f"is unhealthy in (target-group {tg}) due to "
               "(reason Health checks failed with these codes: [404])" in m for m in messages)
    assert any(m.startswith(("(service web) registered 1 targets in (target-group arn:",
                             "(service web) registered 2 targets in (target-group arn:")) for m in messages)
    assert "(service web) has begun draining connections on 1 tasks." in messages
    result = traffic_result(traffic)
    assert result["errors"] == 0 and result["requests"] == 160


class Timeline:
    """Every state the API reports while it runs (a long poll per change), for invariants after."""

    def __init__(self, api: str) -> None:
        self.client = Client(api, timeout=40)
        self.snapshots: list[tuple[float, dict]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        version = -1
        while not self.stop.is_set():
            snap = self.client.watch(version, timeout=2)
            version = snap["version"]
            self.snapshots.append((time.monotonic(), snap))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)

    def counts(self, service: str = "web"):
        """(time, healthy RUNNING tasks, RUNNING or PENDING tasks, primary rollout state) per snapshot."""
        out = []
        for at, snap in self.snapshots:
            svc = next(s for s in snap["services"] if s["serviceName"] == service)
            health = {t["taskId"]: t["health"] for t in svc["loadBalancer"]["targets"]}
            tasks = [t for t in snap["tasks"] if t["group"] == f"service:{service}"]
            healthy = sum(1 for t in tasks if t["lastStatus"] == "RUNNING" and health.get(t["taskId"]) == "healthy")
            live = sum(1 for t in tasks if t["lastStatus"] in LIVE)
            out.append((at, healthy, live, svc["deployments"][0]["rolloutState"], svc["taskDefinitionRef"]))
        return out


def test_rolling_update_under_load_fails_no_request(make_lab):
    lab = make_lab(speed=4)
    lab.run("service", "create", "web", "--count", "4", "--load-balancer")
    healthy_targets(lab, 4)
    lab.wait(lambda: lab.service("web")["deployments"][0]["rolloutState"] == "COMPLETED", what="first rollout")
    timeline = Timeline(lab.json("sandbox", "status")["api"])
    traffic = start_traffic(lab, 20, 20)
    time.sleep(1.0)
    began = time.monotonic()
    lab.run("service", "update", "web", "--task-def", "web:2")
    lab.wait(lambda: (s := lab.service("web"))["taskDefinition"].endswith("web:2") and len(s["deployments"]) == 1
             and s["deployments"][0]["rolloutState"] == "COMPLETED", timeout=60, interval=0.3, what="web:2 rolled out")
    done = time.monotonic()
    result = traffic_result(traffic)
    timeline.close()
    assert result == {**result, "requests": 400, "errors": 0}
    assert done - began < 20, "the rollout should finish while the traffic still runs"
    during = [c for c in timeline.counts() if c[0] >= began]
    assert during and during[-1][3] == "COMPLETED" and during[-1][4] == "web:2"
    assert min(c[1] for c in during) >= 4, "fewer healthy RUNNING tasks than minimumHealthyPercent allows"
    assert max(c[2] for c in during) <= 8, "more tasks than maximumPercent allows"
    assert max(c[2] for c in during) == 8, "the timeline should have seen the surge of 4 new tasks"
    final = balancer(lab)
    assert len(final["targets"]) == 4 and {t["health"] for t in final["targets"]} == {"healthy"}
    assert {t["taskDefinition"] for t in lab.tasks("web") if t["lastStatus"] == "RUNNING"} == {"web:2"}


def test_auto_scaling_follows_requests_out_and_back_in(make_lab):
    lab = make_lab(speed=10)
    lab.run("service", "create", "web", "--count", "1", "--load-balancer")
    healthy_targets(lab, 1)
    out = lab.run("scaling", "set", "web", "--metric", "requests", "--target", "300", "--min", "1", "--max", "3",
                  "--scale-out-cooldown", "60", "--scale-in-cooldown", "100")
    assert "aws application-autoscaling put-scaling-policy" in out.stderr
    load_began = lab.json("sandbox", "status")["now"]
    traffic = start_traffic(lab, 20, 8)  # 1200 requests/min on one target: four times the target
    lab.wait(lambda: lab.service("web")["desiredCount"] >= 2, timeout=20, interval=0.3, what="scale-out")
    first_out = scaling_events(lab)[0]
    assert first_out["createdAt"] - load_began <= 60, "load above the target scales out within the cooldown"
    assert traffic_result(traffic)["errors"] == 0
    load_ended = lab.json("sandbox", "status")["now"]
    lab.wait(lambda: lab.service("web")["desiredCount"] == 1, timeout=40, interval=0.3, what="scale-in")
    events = scaling_events(lab)
    scale_in = events[-1]
    assert scale_in["message"] == "Message: Successfully set desired count to 1. Change successfully fulfilled by ecs."
    previous = events[-2]
    assert scale_in["createdAt"] - previous["createdAt"] >= 100, "scale-in waits for the scale-in cooldown"
    assert scale_in["createdAt"] >= load_ended
    shown = lab.json("scaling", "show", "web")
    assert shown["scaling"]["metric"] == "requests" and shown["scaling"]["lastAction"]["to"] == 1
    assert shown["scaling"]["lastAction"]["direction"] == "in"
    lab.run("scaling", "off", "web")
    assert lab.json("scaling", "show", "web")["scaling"] is None


def test_canary_moves_traffic_in_two_steps_under_load(make_lab):
    """A second task set behind the load balancer; 25% of requests, then all, then blue goes."""
    lab = make_lab(speed=10)
    lab.run("service", "create", "web", "--count", "2", "--load-balancer", "--strategy", "CANARY",
            "--canary-percent", "25", "--bake-minutes", "1")
    healthy_targets(lab, 2)
    lab.wait(lambda: lab.service("web")["deployments"][0]["rolloutState"] == "COMPLETED", what="first rollout")
    traffic = start_traffic(lab, 20, 25)
    time.sleep(1.0)
    lab.run("service", "update", "web", "--task-def", "web:2")
    lab.wait(lambda: (s := lab.service("web"))["taskDefinition"].endswith("web:2") and len(s["deployments"]) == 1
             and s["deployments"][0]["rolloutState"] == "COMPLETED", timeout=60, interval=0.3, what="canary done")
    result = traffic_result(traffic)
    assert result["errors"] == 0 and result["requests"] == 500
    messages = [e["message"] for e in lab.service("web")["events"]]
    shifted = [m for m in messages if "of traffic to the new task set" in m]
    assert len(shifted) == 2 and "shifted 25%" in shifted[-1] and "shifted 100%" in shifted[0]
    assert {t["taskDefinition"] for t in lab.tasks("web") if t["lastStatus"] == "RUNNING"} == {"web:2"}
