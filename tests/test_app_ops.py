"""The live panel's operations views on fake snapshots: deployments, zones, load balancer, scaling.

Also the status bar's time dilation and aws-env hint, the aws-env dialog, and the command bar's
zone, instance, load balancer, scaling and traffic commands. No Docker: a FrozenLink plays
the snapshots (tests/test_app_docker.py fails a real zone).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests import app_support as s
from tests.app_support import open_first_lesson

SIZE = (150, 45)
A, B, C = s.ZONE_OF


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    yield from s.pin_utc(monkeypatch)


def view(app, name: str):
    from tutor.ui.widgets.ops_panels import OpsView

    return app.screen.query_one(f"#{name}", OpsView)


def shown(app, name: str) -> bool:
    widget = view(app, name)
    return bool(widget.display) and widget.region.height > 0


async def push(pilot, snap) -> None:
    pilot.app.link.push(snap)
    await pilot.pause()


def steady_with_zones(**kwargs) -> dict:
    """web 3/3, one task in each zone, nothing else going on."""
    tasks = [s.task(1, instance=A), s.task(2, instance=B), s.task(3, instance=C)]
    instances = [s.instance(i, tasks=[s.task(n)["taskId"]], **kwargs.get(i, {})) for n, i in ((1, A), (2, B), (3, C))]
    return s.snapshot(tasks=tasks, instances=instances, version=kwargs.get("version", 20))


@s.async_tests
class TestDeployments:
    async def test_old_and_new_with_the_breaker_count_then_gone_when_done(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert shown(app, "deployments")
            lines = view(app, "deployments").text.splitlines()
            assert lines[0] == "Deployments  min healthy 100%, max 200%, circuit breaker on, rollback"
            primary, old = lines[1].split(), lines[2].split()
            assert primary[:2] == ["PRIMARY", "web:2"] and "2/4" in primary and "IN_PROGRESS" in primary
            assert lines[1].endswith("failed 1/3") and "pending 1" in lines[1]
            assert old[:2] == ["ACTIVE", "web:1"] and "1/1" in old and "COMPLETED" in old
            # One COMPLETED deployment left: the header's "deployment COMPLETED" says it all.
            await push(pilot, s.snapshot(version=31))
            assert not shown(app, "deployments")

    async def test_a_failed_rollout_says_why(self, tmp_path: Path) -> None:
        reason = "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/0000000000000000001."
        web = s.service(desired=3, running=3, steady=False, breaker={"failed": 0, "threshold": 3}, deployments=[
            s.deployment(3, "web:1", "PRIMARY", 3, 3, reason=reason),
            s.deployment(2, "crashy:1", "ACTIVE", 0, 0, rollout="FAILED", failed=3,
                         reason="ECS deployment circuit breaker: tasks failed to start.")])
        app = s.frozen_app(s.snapshot([web]), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            text = view(app, "deployments").text
            assert reason in text
            failed = text.splitlines()[3].split()
            assert failed[:2] == ["ACTIVE", "crashy:1"] and failed[-3:] == ["FAILED", "failed", "3"]
            assert "ECS deployment circuit breaker: tasks failed to start." in text

    async def test_a_canary_shows_the_strategy_and_each_task_sets_traffic(self, tmp_path: Path) -> None:
        new, old = s.deployment(2, "web:2", "PRIMARY", 3, 3), s.deployment(1, "web:1", "ACTIVE", 3, 3, rollout="COMPLETED")
        web = s.service(steady=False, deployments=[new, old],
                        load_balancer=s.load_balancer([(n, "healthy") for n in range(1, 7)]))
        web["deploymentConfiguration"].update(strategy="CANARY", bakeTimeInMinutes=0,
                                              canaryConfiguration={"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 0})
        web["traffic"] = {"strategy": "CANARY", "bakeSeconds": 30, "shares": [
            {"deployment": new["id"], "taskDefinition": "web:2", "percent": 10.0},
            {"deployment": old["id"], "taskDefinition": "web:1", "percent": 90.0}]}
        app = s.frozen_app(s.snapshot([web]), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            lines = view(app, "deployments").text.splitlines()
            assert lines[0] == ("Deployments  canary 10% then all, bake 30s, min healthy 100%, max 200%, "
                                "circuit breaker off")
            assert lines[1].split()[-2:] == ["traffic", "10%"] and lines[2].split()[-2:] == ["traffic", "90%"]

    async def test_one_deployment_completed_shows_no_strip(self, app_without_ops) -> None:
        async with app_without_ops.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            for name in ("deployments", "zones", "load-balancer", "scaling"):
                assert not shown(app_without_ops, name), name
            assert not app_without_ops.screen.query_one("#ops-row").display
            assert not app_without_ops.screen.panel.has_class("-ops")


@pytest.fixture
def app_without_ops(tmp_path: Path):
    """The classic fake snapshot: no instances, no load balancer, no scaling, one COMPLETED deployment."""
    return s.frozen_app(tmp_path=tmp_path)


@s.async_tests
class TestZones:
    async def test_tasks_by_zone_and_instance_then_a_zone_fails(self, tmp_path: Path) -> None:
        app = s.frozen_app(steady_with_zones(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert shown(app, "zones")
            lines = view(app, "zones").text.splitlines()
            assert lines[0] == "Zones and instances  web 1 · 1 · 1 over 3 zones"
            assert lines[1].split()[:5] == ["us-east-1a", A, "ACTIVE", "web", "1"]
            assert "free 2048 cpu, 4096 MiB" in lines[1]
            # us-east-1b fails: its task stops and the service starts one elsewhere.
            tasks = [s.task(1, instance=A), s.task(2, status="STOPPED", instance=B), s.task(3, instance=C),
                     s.task(4, status="PENDING", health="UNKNOWN", instance=A)]
            instances = [s.instance(A, tasks=[s.task(1)["taskId"], s.task(4)["taskId"]]),
                         s.instance(B, zone_failed=True), s.instance(C, tasks=[s.task(3)["taskId"]])]
            await push(pilot, s.snapshot(tasks=tasks, instances=instances, version=21))
            lines = view(app, "zones").text.splitlines()
            assert lines[0] == "Zones and instances  web 2 · 0 · 1 over 3 zones; FAILED: us-east-1b"
            assert lines[2].split()[:5] == ["us-east-1b", B, "ZONE", "FAILED", "web"]
            assert "web 1 +1 pending" in lines[1]

    async def test_a_draining_instance_and_other_services_tasks(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.ops_snapshot(zone_b_failed=False), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            lines = view(app, "zones").text.splitlines()
            assert "FAILED" not in lines[0]
            assert lines[3].split()[:3] == ["us-east-1c", C, "DRAINING"]
            assert "+1 other" in lines[1]  # api's task shares the instance

    async def test_an_older_control_plane_without_instances_uses_the_tasks(self, tmp_path: Path) -> None:
        """Snapshots from before the zones view carry no instances; the tasks' own zones still show."""
        tasks = [s.task(1, instance=A), s.task(2, instance=A), s.task(3, instance=C)]
        app = s.frozen_app(s.snapshot(tasks=tasks), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            lines = view(app, "zones").text.splitlines()
            assert lines[0] == "Zones and instances  web 2 · 1 over 2 zones"
            assert "free" not in view(app, "zones").text

    async def test_many_instances_are_cut_with_a_count(self, tmp_path: Path) -> None:
        instances = [{**s.instance(A), "containerInstanceId": f"ci-{n:08x}"} for n in range(12)]
        app = s.frozen_app(s.snapshot(instances=instances), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            lines = view(app, "zones").text.splitlines()
            assert len(lines) == 1 + 8 and view(app, "zones").region.height == 9
            assert lines[-1] == "  +5 more instances (instance ls lists them all)"

    async def test_zones_and_load_balancer_side_by_side_when_wide_stacked_when_narrow(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)  # the panel has 3/5 of 150 columns: too narrow
            zones, lb = view(app, "zones").region, view(app, "load-balancer").region
            assert lb.y > zones.y and lb.x == zones.x
            app.open_sandbox()
            await s.wait_until(pilot, lambda: app.screen.name == "sandbox")
            await pilot.pause()
            zones, lb = view(app, "zones").region, view(app, "load-balancer").region
            assert lb.y == zones.y and lb.x > zones.x
            assert app.screen.panel.region.width == SIZE[0]  # not three screens wide


@s.async_tests
class TestLoadBalancer:
    async def test_url_and_targets_with_their_health(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert shown(app, "load-balancer")
            lines = view(app, "load-balancer").text.splitlines()
            assert lines[0] == "Load balancer  http://127.0.0.1:38123"
            assert lines[1].strip() == ("3 targets: 2 healthy, 1 initial; health check GET /health every 5s, "
                                        "healthy after 2, unhealthy after 2, deregistration delay 5s")
            targets = " ".join(lines[2:])
            for n, health in ((1, "healthy"), (2, "healthy"), (4, "initial")):
                assert f"{s.task(n)['taskId'][:8]}:{32768 + n} {health}" in targets

    async def test_many_targets_are_cut_with_a_count(self, tmp_path: Path) -> None:
        web = s.service(load_balancer=s.load_balancer([(n, "healthy") for n in range(1, 41)]))
        app = s.frozen_app(s.snapshot([web]), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            lines = view(app, "load-balancer").text.splitlines()
            assert "40 targets: 40 healthy" in lines[1]
            assert len(lines) <= 2 + 3 + 1
            assert lines[-1].strip().startswith("+") and lines[-1].endswith("more (lb ls lists them all)")

    async def test_no_targets_yet_and_no_load_balancer(self, tmp_path: Path) -> None:
        web = s.service(load_balancer=s.load_balancer([], url=None))
        app = s.frozen_app(s.snapshot([web]), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            text = view(app, "load-balancer").text
            assert "Load balancer  (starting)\n  no targets yet; health check GET /health" in text
            assert "registered once it is RUNNING and its container is healthy" in text
            await push(pilot, s.snapshot(version=8))
            assert not shown(app, "load-balancer")


@s.async_tests
class TestScaling:
    async def test_metric_against_target_bounds_and_last_action(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            lines = view(app, "scaling").text.splitlines()
            assert lines[0] == ("Auto scaling  average CPU 72.5% (above target), target 50%; desired 4 (min 1, max 6); "
                                "cooldowns out 60s, in 120s")
            assert lines[1].startswith("  last 23:59:18: scaled out 3 → 4; now: ECSServiceAverageCPUUtilization 72.5%")

    async def test_no_data_yet_then_below_target(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.snapshot([s.service(scaling=s.scaling(None))]), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert "average CPU no data yet, target 50%" in view(app, "scaling").text
            assert "no scaling activity yet" in view(app, "scaling").text
            await push(pilot, s.snapshot([s.service(scaling=s.scaling(12.0))], version=8))
            assert "average CPU 12% (below target)" in view(app, "scaling").text
            await push(pilot, s.snapshot(version=9))
            assert not shown(app, "scaling")


@s.async_tests
class TestStatusBar:
    async def test_time_dilation_is_said_and_uptimes_follow_the_sandbox_clock(self, tmp_path: Path) -> None:
        from tests.test_app import row_cells
        from tutor.ui.widgets.status_bar import StatusBar

        clock = s.Clock()
        app = s.frozen_app(s.snapshot(time_speed=10), tmp_path=tmp_path, clock=clock)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            bar = app.screen.query_one(StatusBar).text
            assert "time ×10" in bar and "API http://127.0.0.1:49999 (A aws-env)" in bar
            assert row_cells(app, s.task(1)["taskId"])[6] == "1m00s"
            clock.now += 6  # six real seconds are a minute of sandbox time
            app.screen.panel._render_table()  # what the 2 s tick does
            await pilot.pause()
            assert row_cells(app, s.task(1)["taskId"])[6] == "2m00s"
            await push(pilot, s.snapshot(version=9))
            assert "time ×" not in app.screen.query_one(StatusBar).text

    async def test_plain_mode_says_x_not_a_symbol(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.status_bar import StatusBar

        app = s.frozen_app(s.snapshot(time_speed=2.5), tmp_path=tmp_path, plain=True)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "| time x2.5 |" in app.screen.query_one(StatusBar).text


@s.async_tests
class TestAwsEnv:
    async def test_A_shows_the_export_lines_and_copies_them(self, tmp_path: Path, monkeypatch) -> None:
        from tutor.ui.screens.aws_env import AwsEnvScreen
        from tutor.ui.screens.lesson import LessonScreen

        monkeypatch.setenv("SERVICELAB_HOME", str(tmp_path / "home"))
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            await pilot.press("A")
            await s.wait_until(pilot, lambda: isinstance(app.screen, AwsEnvScreen), what="the aws-env dialog")
            text = app.screen.text
            expected = ["export AWS_ENDPOINT_URL_ECS=http://127.0.0.1:49999", "export AWS_ACCESS_KEY_ID=servicelab",
                        "export AWS_SECRET_ACCESS_KEY=servicelab", "export AWS_DEFAULT_REGION=us-east-1",
                        "export AWS_REGION=us-east-1"]
            from sandbox.api.awsenv import lines

            assert lines("http://127.0.0.1:49999") == expected  # the same lines `servicelab aws-env` prints
            assert "\n".join(expected) in text
            assert 'eval "$(servicelab --sandbox frozen aws-env)"' in text
            await pilot.press("c")
            await pilot.pause()
            assert app.clipboard == "\n".join(expected) + "\n"
            await pilot.press("escape")
            await s.wait_until(pilot, lambda: isinstance(app.screen, LessonScreen))

    async def test_on_the_home_screen_too_and_in_the_palette(self, tmp_path: Path) -> None:
        from tutor.ui.palette import TutorCommands
        from tutor.ui.screens.aws_env import AwsEnvScreen

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            names = [name for name, _, _ in TutorCommands(app.screen)._commands()]
            assert "sandbox: AWS CLI environment for a second terminal" in names
            await pilot.press("A")
            await s.wait_until(pilot, lambda: isinstance(app.screen, AwsEnvScreen))


@s.async_tests
class TestCommands:
    async def run_line(self, pilot, line: str) -> str:
        app = pilot.app
        if not app.screen.bar.is_open:
            await pilot.press("colon")
        app.screen.bar.input.value = line
        await pilot.press("enter")
        await pilot.pause()
        return app.screen.bar.output_text

    async def test_zone_fail_and_instance_drain_with_their_twins(self, tmp_path: Path) -> None:
        app = s.frozen_app(steady_with_zones(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            output = await self.run_line(pilot, "zone fail us-east-1b")
            assert app.link.actions[-1].request == ("lab", "SetZoneFailed",
                                                    {"cluster": "default", "zone": "us-east-1b", "failed": True})
            assert "(no aws ecs equivalent: a zone outage happens to AWS, not through its API)" in output
            assert "fail zone us-east-1b" in app.screen.query_one("#last-action").render().plain
            output = await self.run_line(pilot, f"instance drain {C}")
            assert app.link.actions[-1].request == ("lab", "SetInstanceStatus",
                                                    {"cluster": "default", "instance": C, "status": "DRAINING"})
            assert f"aws ecs update-container-instances-state --container-instances {C} --status DRAINING" in output

    async def test_completion_offers_the_zones_and_instances_on_screen(self, tmp_path: Path) -> None:
        app = s.frozen_app(steady_with_zones(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            names = app.screen.panel.names()
            assert names.zones == ["us-east-1a", "us-east-1b", "us-east-1c"] and names.instances == [A, B, C]
            await pilot.press("colon", *"zone fail us-east-1", "tab")
            assert app.screen.bar.input.value == "zone fail us-east-1"  # three choices: the common part only

    async def test_scaling_and_lb_answers_are_worded_like_the_cli(self) -> None:
        from tutor import commands
        from tutor.live.results import describe

        def text(line: str, answer: dict) -> list[str]:
            return [words for words, _ in describe(commands.parse(line), answer, s.FROZEN_NOW)]

        lb = {"service": "web", "url": "http://127.0.0.1:38123", "requests": 12, "rejected": 0,
              **{k: v for k, v in s.load_balancer([(1, "healthy")]).items() if k != "url"}}
        lb["targets"][0].update(requests=12, inFlight=0)
        lines = text("lb ls", {"loadBalancers": [lb]})
        assert lines[0] == "web  http://127.0.0.1:38123  12 requests"
        assert lines[2].split() == ["TASK", "PORT", "HEALTH", "REQUESTS", "IN", "FLIGHT", "LAST", "FAILURE"]
        assert lines[3].split() == [s.task(1)["taskId"][:12], "32769", "healthy", "12", "0"]
        result = {"service": "web", "desiredCount": 4, "scaling": s.scaling(last={
            "at": s.FROZEN_NOW, "from": 3, "to": 4, "direction": "out", "reason": "cpu 72.5 > 50"})}
        lines = text("scaling show web", result)
        assert lines[0] == "service web: ECSServiceAverageCPUUtilization 72.5 against target 50; desired 4 (min 1, max 6)"
        assert lines[-1] == "  last activity 00:00:00: 3 → 4 (cpu 72.5 > 50)"
        zone = text("zone fail us-east-1b", {"instances": [s.instance(B, zone_failed=True)]})
        assert zone[0].startswith("zone us-east-1b failed (1 instance(s) down)")
        traffic = text("traffic web --rps 20 --for 5",
                       {"requests": 100, "errors": 0, "p50_ms": 1.25, "p99_ms": 9.5, "seconds": 5.01,
                        "answers": [["200", 100]], "servedBy": [[s.task(1)["taskId"], 100]]})
        assert traffic[0] == "traffic to web: 100 requests in 5.0s, 0 errors, p50 1.2 ms, p99 9.5 ms"
        assert traffic[1:] == ["  answers: 200 × 100", f"  served by: {s.task(1)['taskId'][:8]} × 100"]

    async def test_traffic_runs_in_the_background(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            output = await self.run_line(pilot, "traffic web --rps 5 --for 2")
            assert app.link.actions[-1].request == ("app", "traffic", {
                "cluster": "default", "service": "web", "rps": 5.0, "seconds": 2.0, "path": "/"})
            assert "sending in the background for 2s" in output
            # The frozen link answers at once, with no report: the bar still says the run ended.
            assert app.screen.bar.output_text.endswith("done: send 5 requests/s to web's load balancer for 2s")

    async def test_palette_fails_and_restores_zones_and_drains_instances(self, tmp_path: Path) -> None:
        from tutor.ui.palette import TutorCommands

        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            commands = {name: run for name, run, _ in TutorCommands(app.screen)._commands()}
            assert "sandbox: Fail zone us-east-1a" in commands and "sandbox: Restore zone us-east-1b" in commands
            assert f"sandbox: Activate instance {C} (us-east-1c)" in commands
            commands["sandbox: Restore zone us-east-1b"]()
            await pilot.pause()
            assert app.link.actions[-1].request == ("lab", "SetZoneFailed",
                                                    {"cluster": "default", "zone": "us-east-1b", "failed": False})


@s.async_tests
class TestAccessibility:
    async def test_plain_mode_announces_zone_deployment_target_and_scaling_changes(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.announcer import Announcer

        app = s.frozen_app(s.ops_snapshot(zone_b_failed=False), tmp_path=tmp_path, plain=True)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            screen_text = app.export_screenshot()
            assert [chr(c) for c in range(0x2500, 0x25A0) if chr(c) in screen_text] == []
            assert "■" not in screen_text and "□" not in screen_text
            changed = s.ops_snapshot(version=31)
            web = changed["services"][0]
            web["deployments"][0]["rolloutState"] = "FAILED"
            web["loadBalancer"]["targets"][2]["health"] = "healthy"
            web["scaling"]["lastAction"] = {"at": s.FROZEN_NOW, "from": 4, "to": 5, "direction": "out"}
            await push(pilot, changed)
            said = "\n".join(app.screen.query_one(Announcer).lines)
            assert "zone us-east-1b FAILED: nothing runs there" in said
            assert "deployment of web:2: IN_PROGRESS to FAILED" in said
            assert f"target {s.task(4)['taskId'][:8]} healthy" in said
            assert "auto scaling: last 00:00:00: scaled out 4 to 5" in said

    async def test_no_color_keeps_every_state_a_word(self, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.setenv("NO_COLOR", "1")
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            assert app.no_color
            assert "ZONE FAILED" in view(app, "zones").text and "DRAINING" in view(app, "zones").text
            assert "IN_PROGRESS" in view(app, "deployments").text
            assert "2 healthy, 1 initial" in view(app, "load-balancer").text
            assert "(above target)" in view(app, "scaling").text


@s.async_tests
class TestUpdates:
    async def test_a_snapshot_that_changes_no_view_redraws_none(self, tmp_path: Path) -> None:
        """Views compare themselves whole: a new version with the same facts costs no redraw."""
        app = s.frozen_app(s.ops_snapshot(), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            drawn = {name: view(app, name)._content for name in ("deployments", "zones", "load-balancer", "scaling")}
            await push(pilot, s.ops_snapshot(version=99))
            for name, content in drawn.items():
                assert view(app, name)._content is content, name

    async def test_a_zone_failure_shows_as_soon_as_the_message_is_handled(self, tmp_path: Path) -> None:
        app = s.frozen_app(s.ops_snapshot(zone_b_failed=False), tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_lesson(pilot)
            app.link.push(s.ops_snapshot(version=40))
            await pilot.pause()  # no time allowed to pass: the snapshot itself redraws the panel
            assert "FAILED: us-east-1b" in view(app, "zones").text


class TestTrafficWorker:
    """The link's traffic action: the generator `servicelab traffic` uses, run in the action's thread."""

    @pytest.fixture
    def server(self):
        import http.server
        import threading

        class Answer(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()

    class Client:
        def __init__(self, url: str | None) -> None:
            self.url = url

        def lab(self, name: str, **params) -> dict:
            assert name == "LoadBalancers" and params == {"cluster": "default", "service": "web"}
            return {"loadBalancers": [{"service": "web", "url": self.url}] if self.url != "none" else []}

    def test_sends_at_the_rate_and_reports_like_the_cli(self, server) -> None:
        from tutor.ui.sandbox_link import SandboxLink

        link = SandboxLink(app=None, sandbox="unused")
        result = link._traffic(self.Client(server), {"cluster": "default", "service": "web", "rps": 40,
                                                     "seconds": 0.5, "path": "/"})
        assert result["requests"] == 20 and result["errors"] == 0
        assert result["answers"] == [("200", 20)] and result["p50_ms"] is not None

    def test_stops_when_the_app_closes_and_refuses_without_a_load_balancer(self, server) -> None:
        from tutor.ui.sandbox_link import SandboxLink

        link = SandboxLink(app=None, sandbox="unused")
        link._closed.set()
        started = time.monotonic()
        assert link._traffic(self.Client(server), {"cluster": "default", "service": "web", "rps": 10,
                                                   "seconds": 60, "path": "/"}) == {"stopped": True}
        assert time.monotonic() - started < 2
        with pytest.raises(ValueError, match="service 'web' has no load balancer"):
            link._traffic(self.Client("none"), {"cluster": "default", "service": "web", "rps": 1, "seconds": 1})
