"""`servicelab sandbox …`: run, inspect, prepare and tear down a sandbox's control plane."""

from __future__ import annotations

import time

import click

from sandbox.state import paths
from sandbox.api.client import ControlPlaneDown
from . import operations as ops
from . import present
from .context import Lab, OpCommand, fail, json_option, pass_operation, print_reply
from .operations import Operation


@click.group("sandbox")
def sandbox_group() -> None:
    """Run, inspect, prepare and tear down your sandbox."""


@sandbox_group.command("serve")
@click.option("--port", default=0, show_default=True, help="Port on 127.0.0.1 for the API (0 picks a free one).")
@click.option("--time-speed", type=float, metavar="X",
              help="Run the sandbox's clock X times faster (1-100; env SERVICELAB_TIME_SPEED): "
                   "backoffs, cooldowns and delays pass sooner.")
@click.pass_obj
def serve_cmd(lab: Lab, port: int, time_speed: float | None) -> None:
    """Run the control plane in the foreground (Ctrl-C stops it; tasks keep running)."""
    import os

    from sandbox.control.daemon import AlreadyRunning, serve
    from ..runtime.base import RuntimeUnavailable

    if time_speed is not None:
        os.environ["SERVICELAB_TIME_SPEED"] = str(time_speed)

    try:
        serve(lab.sandbox, lab.runtime, port, announce=lambda line: click.echo(line, err=True))
    except AlreadyRunning as exc:
        fail(f"{exc}; see `servicelab sandbox status`")
    except RuntimeUnavailable as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc), 2)


@sandbox_group.command("status", cls=OpCommand, build=lambda c, p: ops.sandbox_status(c))
@json_option
@pass_operation
def status_cmd(lab: Lab, op: Operation, **_: object) -> None:
    """Whether the control plane runs, on which runtime, and where its API is."""
    client = lab.running_client()  # asking must not start one
    if client is None:
        data = {"running": False, "sandbox": lab.sandbox, "runtime": None, "api": None,
                "stateDir": str(paths.sandbox_dir(lab.sandbox))}
    else:
        data = client.lab("Status")
    print_reply(op, present.reply(op, data))


@sandbox_group.command("down")
@click.pass_obj
def down_cmd(lab: Lab) -> None:
    """Stop the control plane and remove every container and process it owns (safe to repeat)."""
    from sandbox.control.daemon import pid_alive, read_api_file
    from .teardown import remove_leftovers, used_by_another_home

    client = lab.running_client()
    info = read_api_file(lab.sandbox)
    if client is not None:
        try:
            client.lab("Shutdown", removeEverything=True, timeout=60)
        except ControlPlaneDown:
            pass
        pid = (info or {}).get("pid")
        deadline = time.monotonic() + 60
        while pid and pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    removed = remove_leftovers(lab.sandbox)
    note = f"; removed {removed} leftover container(s)/process(es)" if removed else ""
    click.echo(f"sandbox {lab.sandbox!r} is down{note}")
    if used_by_another_home(lab.sandbox):
        click.echo(f"servicelab: note: containers named after sandbox {lab.sandbox!r} belong to another servicelab "
                   "home (SERVICELAB_HOME) and were left alone; only that home's `sandbox down` removes them",
                   err=True)


@sandbox_group.command("prepare")
@click.option("--force", is_flag=True, help="Rebuild the image even if it is up to date.")
def prepare_cmd(force: bool) -> None:
    """Build the demo task image locally (no registry needed)."""
    from sandbox.image.build import DEMO_IMAGE, ImageBuildError, ensure_image
    from ..runtime.base import RuntimeUnavailable

    steps = {"n": 0}

    def progress(line: str) -> None:
        line = line.rstrip()
        if line.startswith("Step "):
            steps["n"] += 1
            click.echo(f"  {line}")

    click.echo(f"building {DEMO_IMAGE} FROM scratch around a static busybox…")
    started = time.monotonic()
    try:
        ref = ensure_image(progress=progress, force=force)
    except (ImageBuildError, RuntimeUnavailable) as exc:
        fail(str(exc))
    took = time.monotonic() - started
    if steps["n"] == 0:
        click.echo(f"{DEMO_IMAGE} is up to date ({ref})")
    else:
        click.echo(f"built {DEMO_IMAGE} in {took:.1f}s ({ref})")


def register(cli: click.Group) -> None:
    cli.add_command(sandbox_group)
