"""`servicelab scaling …`: target-tracking auto scaling of a service's desired count."""

from __future__ import annotations

import click

from .context import Lab, aws_twin, clock_time, emit_json, json_option


@click.group("scaling")
def scaling_group() -> None:
    """Auto scaling: target tracking on average CPU or on requests per target."""


@scaling_group.command("set")
@click.argument("name")
@click.option("--metric", type=click.Choice(["cpu", "requests"]), required=True,
              help="cpu: ECSServiceAverageCPUUtilization (% of reserved CPU); "
                   "requests: ALBRequestCountPerTarget (per minute per target; needs --load-balancer).")
@click.option("--target", type=float, required=True, help="The value to keep the metric at.")
@click.option("--min", "min_capacity", type=int, required=True, help="Fewest tasks.")
@click.option("--max", "max_capacity", type=int, required=True, help="Most tasks.")
@click.option("--scale-out-cooldown", type=float, default=300, show_default=True, metavar="S",
              help="Seconds after a scale-out before the next one (sandbox time).")
@click.option("--scale-in-cooldown", type=float, default=300, show_default=True, metavar="S",
              help="Seconds after any scaling before a scale-in (sandbox time).")
@json_option
@click.pass_obj
def set_cmd(lab: Lab, name: str, metric: str, target: float, min_capacity: int, max_capacity: int,
            scale_out_cooldown: float, scale_in_cooldown: float, as_json: bool) -> None:
    """Keep METRIC at TARGET by changing the desired count within MIN..MAX."""
    result = lab.lab("PutScalingPolicy", cluster=lab.cluster, service=name, metric=metric, target=target,
                     minCapacity=min_capacity, maxCapacity=max_capacity,
                     scaleOutCooldown=scale_out_cooldown, scaleInCooldown=scale_in_cooldown)
    if as_json:
        emit_json(result)
        return
    s = result["scaling"]
    click.echo(f"service {name}: keeping {s['metricName']} at {s['target']:g}, between {s['min']} and {s['max']} tasks "
               f"(cooldowns: out {s['scaleOutCooldown']:g}s, in {s['scaleInCooldown']:g}s)")
    resource = f"service/{lab.cluster}/{name}"
    aws_twin(f"register-scalable-target --service-namespace ecs --scalable-dimension ecs:service:DesiredCount "
             f"--resource-id {resource} --min-capacity {min_capacity} --max-capacity {max_capacity}", tool="application-autoscaling")
    aws_twin(f"put-scaling-policy --service-namespace ecs --scalable-dimension ecs:service:DesiredCount "
             f"--resource-id {resource} --policy-type TargetTrackingScaling --policy-name {name}-{metric} "
             f"--target-tracking-scaling-policy-configuration 'TargetValue={target:g},PredefinedMetricSpecification="
             f"{{PredefinedMetricType={s['metricName']}}},ScaleOutCooldown={scale_out_cooldown:g},ScaleInCooldown={scale_in_cooldown:g}'", tool="application-autoscaling")


@scaling_group.command("show")
@click.argument("name")
@json_option
@click.pass_obj
def show_cmd(lab: Lab, name: str, as_json: bool) -> None:
    """The policy, the metric against its target, and the latest scaling activity."""
    result = lab.lab("DescribeScaling", cluster=lab.cluster, service=name)
    if as_json:
        emit_json(result)
        return
    s = result["scaling"]
    if s is None:
        click.echo(f"service {name} has no scaling policy; set one with `servicelab scaling set {name} --metric cpu "
                   "--target 50 --min 1 --max 4`")
        return
    current = "no data yet" if s["current"] is None else f"{s['current']:g}"
    click.echo(f"service {name}: {s['metricName']} {current} against target {s['target']:g}; "
               f"desired {result['desiredCount']} (min {s['min']}, max {s['max']})")
    click.echo(f"  cooldowns: scale-out {s['scaleOutCooldown']:g}s, scale-in {s['scaleInCooldown']:g}s")
    if s["status"]:
        click.echo(f"  now: {s['status']}")
    if s["lastAction"]:
        a = s["lastAction"]
        click.echo(f"  last activity {clock_time(a['at'])}: {a['from']} → {a['to']} ({a['reason']})")
        click.echo(f"    {a['message']}")


@scaling_group.command("off")
@click.argument("name")
@click.pass_obj
def off_cmd(lab: Lab, name: str) -> None:
    """Remove the service's scaling policy; the desired count stays where it is."""
    lab.lab("DeleteScalingPolicy", cluster=lab.cluster, service=name)
    click.echo(f"service {name}: auto scaling off")
    aws_twin(f"deregister-scalable-target --service-namespace ecs --scalable-dimension ecs:service:DesiredCount "
             f"--resource-id service/{lab.cluster}/{name}", tool="application-autoscaling")


def register(cli: click.Group) -> None:
    cli.add_command(scaling_group)
