"""`servicelab service …` and `servicelab chaos`: services, their counts, events and chaos."""

from __future__ import annotations

import time

import click

from .context import Lab, clock_time, emit_json, json_option, table


def _describe(lab: Lab, name: str) -> dict:
    """The service as DescribeServices has it, plus the tutor's extras; errors when missing."""
    from .. import errors

    result = lab.ecs("DescribeServices", cluster=lab.cluster, services=[name])
    if not result["services"]:
        raise errors.ServiceNotFoundException(
            f"Service not found: {name!r} in cluster {lab.cluster!r}. See `servicelab service ls`."
        )
    return result["services"][0]


def _aws(text: str) -> None:
    """Show the real CLI's twin of what was just done, so it becomes familiar."""
    click.echo(click.style(f"  aws ecs {text}", dim=True), err=True)


@click.group("service")
def service_group() -> None:
    """Create, scale, inspect and delete services."""


@service_group.command("create")
@click.argument("name")
@click.option("--task-def", "task_def", default="web:1", show_default=True, metavar="FAMILY[:REV]")
@click.option("--count", default=1, show_default=True, type=int, help="desiredCount.")
@json_option
@click.pass_obj
def create_cmd(lab: Lab, name: str, task_def: str, count: int, as_json: bool) -> None:
    """Create a service that keeps COUNT tasks of a task definition running."""
    result = lab.ecs("CreateService", cluster=lab.cluster, serviceName=name, taskDefinition=task_def, desiredCount=count)
    if as_json:
        emit_json(result["service"])
        return
    click.echo(f"service {name} created: desired {count} × {task_def}")
    _aws(f"create-service --cluster {lab.cluster} --service-name {name} --task-definition {task_def} --desired-count {count}")


@service_group.command("scale")
@click.argument("name")
@click.argument("count", type=int)
@json_option
@click.pass_obj
def scale_cmd(lab: Lab, name: str, count: int, as_json: bool) -> None:
    """Set the service's desiredCount; the scheduler does the rest."""
    result = lab.ecs("UpdateService", cluster=lab.cluster, service=name, desiredCount=count)
    if as_json:
        emit_json(result["service"])
        return
    s = result["service"]
    click.echo(f"service {name}: desired {count} (running {s['runningCount']}, pending {s['pendingCount']})")
    _aws(f"update-service --cluster {lab.cluster} --service {name} --desired-count {count}")


@service_group.command("ls")
@json_option
@click.pass_obj
def ls_cmd(lab: Lab, as_json: bool) -> None:
    """List the cluster's active services with their counts."""
    arns = lab.ecs("ListServices", cluster=lab.cluster, maxResults=100)["serviceArns"]
    services = []
    for start in range(0, len(arns), 10):
        services += lab.ecs("DescribeServices", cluster=lab.cluster, services=arns[start:start + 10])["services"]
    if as_json:
        emit_json(services)
        return
    if not services:
        click.echo(f"no services in cluster {lab.cluster!r}; create one with `servicelab service create web --count 2`")
        return
    table(
        [[s["serviceName"], s["status"], str(s["desiredCount"]), str(s["runningCount"]), str(s["pendingCount"]),
          s["taskDefinition"].rsplit("/", 1)[-1],
          "steady" if s["events"] and s["events"][0]["message"].endswith("steady state.") else "changing"]
         for s in services],
        ["NAME", "STATUS", "DESIRED", "RUNNING", "PENDING", "TASK DEF", "STATE"],
    )


@service_group.command("describe")
@click.argument("name")
@json_option
@click.pass_obj
def describe_cmd(lab: Lab, name: str, as_json: bool) -> None:
    """Show a service: counts, deployment, recent events and the scheduler's reasoning."""
    s = _describe(lab, name)
    if as_json:
        emit_json(s)
        return
    d = s["deployments"][0] if s["deployments"] else None
    click.echo(f"service {s['serviceName']}  ({s['status']})")
    click.echo(f"  task definition  {s['taskDefinition'].rsplit('/', 1)[-1]}")
    click.echo(f"  desired {s['desiredCount']}   running {s['runningCount']}   pending {s['pendingCount']}")
    if d:
        click.echo(f"  deployment       {d['id']}  {d['rolloutState']}")
    if s["events"]:
        click.echo("  recent events:")
        for e in s["events"][:8]:
            click.echo(f"    {clock_time(e['createdAt'])}  {e['message']}")


@service_group.command("events")
@click.argument("name")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they happen.")
@click.option("--limit", default=20, show_default=True, help="How many past events to show first.")
@json_option
@click.pass_obj
def events_cmd(lab: Lab, name: str, follow: bool, limit: int, as_json: bool) -> None:
    """The service's event log in ECS's wording, oldest first."""
    s = _describe(lab, name)
    if as_json and not follow:
        emit_json(s["events"][:limit])
        return
    seen = set()
    for e in reversed(s["events"][:limit]):
        seen.add(e["id"])
        _print_event(e, as_json)
    if not follow:
        return
    client = lab.client()
    version = -1
    while True:
        snap = client.watch(version, timeout=20, cluster=lab.cluster)
        version = snap["version"]
        for svc in snap["services"]:
            if svc["serviceName"] != name:
                continue
            for e in reversed(svc["events"]):
                if e["id"] not in seen:
                    seen.add(e["id"])
                    _print_event(e, as_json)


def _print_event(event: dict, as_json: bool) -> None:
    if as_json:
        import json

        click.echo(json.dumps(event, sort_keys=True))
    else:
        click.echo(f"{clock_time(event['createdAt'])}  {event['message']}")


@service_group.command("delete")
@click.argument("name")
@click.option("--force", is_flag=True, help="Delete even while tasks are wanted (scales to 0 first).")
@click.pass_obj
def delete_cmd(lab: Lab, name: str, force: bool) -> None:
    """Delete a service: it drains its tasks (DRAINING), then becomes INACTIVE."""
    lab.ecs("DeleteService", cluster=lab.cluster, service=name, force=force)
    click.echo(f"service {name} is DRAINING; its tasks are being stopped")
    _aws(f"delete-service --cluster {lab.cluster} --service {name}{' --force' if force else ''}")


@click.command("chaos")
@click.argument("name")
@click.option("--every", type=float, metavar="SECONDS", help="Stop one random task this often.")
@click.option("--for", "duration", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="How long the chaos lasts.")
@click.option("--stop", is_flag=True, help="End a chaos run early.")
@click.pass_obj
def chaos_cmd(lab: Lab, name: str, every: float | None, duration: float, stop: bool) -> None:
    """Stop a random task of the service at a steady pace, for a bounded time."""
    if stop:
        lab.lab("StopChaos", cluster=lab.cluster, service=name)
        click.echo(f"chaos on {name} stopped")
        return
    if every is None:
        raise click.UsageError("give --every SECONDS (or --stop)")
    lab.lab("StartChaos", cluster=lab.cluster, service=name, every=every, **{"for": duration})
    click.echo(f"chaos on {name}: one random task stopped every {every:g}s for {duration:g}s "
               f"(ends at {clock_time(time.time() + duration)})")


def register(cli: click.Group) -> None:
    cli.add_command(service_group)
    cli.add_command(chaos_cmd)

