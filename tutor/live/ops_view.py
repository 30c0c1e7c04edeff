"""What the live panel's operations views show: deployments, zones, load balancer, auto scaling.

Plain data, no Textual, like `view_model`: each function picks what it needs out of one
service of a Watch snapshot (see `sandbox.api.lab_ops.snapshot` and `sandbox.api.shapes`) and
returns a small frozen view, or None when the view has nothing worth saying, so the panel
shows a view only when it is relevant (no load balancer, no load balancer view). Every state
is a word here; the widgets only add colour to words that are already there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tutor.live.view_model import Snapshot, clock, find_service

PENDING_LIKE = ("PROVISIONING", "PENDING", "ACTIVATING")
ROUTINE_REASON = re.compile(r"ECS deployment \S+ (in progress|completed)\.")
"""Reasons such as "ECS deployment ecs-svc/… in progress." say nothing the state does not."""
HEALTH_ORDER = ("healthy", "initial", "unhealthy", "draining")
METRIC_WORDS = {"cpu": ("average CPU", "%"), "requests": ("requests per target", "/min")}


def short_task_definition(arn_or_ref: str) -> str:
    """`web:2` from an ARN or a ref."""
    return (arn_or_ref or "").rsplit("/", 1)[-1]


def number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


# -- deployments ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeploymentRow:
    """One deployment of the service: the new one (PRIMARY) or an old one still draining (ACTIVE)."""

    status: str
    task_definition: str
    desired: int
    running: int
    pending: int
    rollout: str
    failed: int
    threshold: int | None
    """The circuit breaker's threshold (on the PRIMARY, when the breaker is on)."""
    reason: str
    """rolloutStateReason when it says more than the state does ("rolling back to …")."""
    traffic: float | None = None
    """Share of the load balancer's requests (blue/green, canary, linear), or None for rolling."""


@dataclass(frozen=True)
class DeploymentsView:
    rows: tuple[DeploymentRow, ...]
    min_healthy: int | None
    max_percent: int | None
    breaker: str
    """"circuit breaker off", "circuit breaker on, rollback" or "circuit breaker on, no rollback"."""
    strategy: str = ""
    """"blue/green, bake 30s" (canary, linear): how traffic moves to the new task set; empty for rolling."""

    @property
    def settings(self) -> str:
        """"min healthy 100%, max 200%, circuit breaker on, rollback": what bounds the rollout."""
        bounds = []
        if self.min_healthy is not None:
            bounds.append(f"min healthy {self.min_healthy}%")
        if self.max_percent is not None:
            bounds.append(f"max {self.max_percent}%")
        return ", ".join(([self.strategy] if self.strategy else []) + bounds + [self.breaker])


def deployments_view(snapshot: Snapshot | None, name: str | None) -> DeploymentsView | None:
    """The service's deployments while a rollout is on (or one failed); None when one deployment is done."""
    service = find_service(snapshot, name)
    if service is None:
        return None
    deployments = service.get("deployments") or []
    if not deployments:
        return None
    primary = deployments[0]
    if len(deployments) == 1 and primary.get("rolloutState", "COMPLETED") == "COMPLETED":
        return None
    config = service.get("deploymentConfiguration") or {}
    breaker_config = config.get("deploymentCircuitBreaker") or {}
    breaker = service.get("circuitBreaker")
    if breaker_config.get("enable") or breaker:
        breaker_words = "circuit breaker on, " + ("rollback" if breaker_config.get("rollback", True) else "no rollback")
    else:
        breaker_words = "circuit breaker off"
    shares = {share.get("deployment"): share.get("percent") for share in (service.get("traffic") or {}).get("shares", [])}
    rows = []
    for index, d in enumerate(deployments):
        reason = d.get("rolloutStateReason") or ""
        if ROUTINE_REASON.fullmatch(reason):
            reason = ""
        threshold = breaker.get("threshold") if (index == 0 and breaker) else None
        rows.append(DeploymentRow(
            status=d.get("status", "PRIMARY" if index == 0 else "ACTIVE"),
            task_definition=short_task_definition(d.get("taskDefinition", "")) or "-",
            desired=int(d.get("desiredCount", 0) or 0),
            running=int(d.get("runningCount", 0) or 0),
            pending=int(d.get("pendingCount", 0) or 0),
            rollout=d.get("rolloutState") or "-",
            failed=int(d.get("failedTasks", 0) or 0),
            threshold=threshold,
            reason=reason,
            traffic=shares.get(d.get("id")),
        ))
    return DeploymentsView(tuple(rows), config.get("minimumHealthyPercent"), config.get("maximumPercent"),
                           breaker_words, strategy_words(config, service.get("traffic")))


def strategy_words(config: dict[str, Any], traffic: dict[str, Any] | None) -> str:
    """How traffic moves to a new task set: "canary 10% then all, bake 30s"; empty for rolling updates."""
    strategy = config.get("strategy") or (traffic or {}).get("strategy") or "ROLLING"
    if strategy == "ROLLING":
        return ""
    bake = (traffic or {}).get("bakeSeconds")
    if bake is None and config.get("bakeTimeInMinutes") is not None:
        bake = config["bakeTimeInMinutes"] * 60
    if strategy == "CANARY":
        words = f"canary {number((config.get('canaryConfiguration') or {}).get('canaryPercent'))}% then all"
    elif strategy == "LINEAR":
        words = f"linear {number((config.get('linearConfiguration') or {}).get('stepPercent'))}% steps"
    else:
        words = "blue/green"
    return words + (f", bake {number(bake)}s" if bake is not None else "")


# -- zones and instances --------------------------------------------------------------------------
@dataclass(frozen=True)
class InstanceRow:
    """One container instance, with the shown service's tasks on it."""

    zone: str
    instance: str
    state: str
    """ACTIVE, DRAINING or ZONE FAILED (a failed zone wins: nothing runs there)."""
    running: int
    pending: int
    others: int
    """Live tasks of other services (and one-off tasks) on the same instance."""
    free_cpu: int | None
    free_memory: int | None
    first_in_zone: bool


@dataclass(frozen=True)
class ZonesView:
    service: str
    zones: tuple[tuple[str, int, bool], ...]
    """(zone, the service's live tasks in it, failed), in zone order."""
    rows: tuple[InstanceRow, ...]
    unplaced: int
    """The service's live tasks not on any instance yet."""

    @property
    def summary(self) -> str:
        """"web 2 · 2 · 2 over 3 zones": the service's live tasks per zone, in zone order."""
        counts = " · ".join(str(n) for _, n, _ in self.zones)
        words = f"{self.service} {counts} over {len(self.zones)} zone{'s' if len(self.zones) != 1 else ''}"
        if self.unplaced:
            words += f"; {self.unplaced} not placed yet"
        return words

    @property
    def failed(self) -> list[str]:
        return [zone for zone, _, failed in self.zones if failed]

    def tasks_words(self, row: InstanceRow) -> str:
        words = f"{self.service} {row.running}"
        if row.pending:
            words += f" +{row.pending} pending"
        return words

    @staticmethod
    def other_words(row: InstanceRow) -> str:
        return f"+{row.others} other" if row.others else ""

    @staticmethod
    def free_words(row: InstanceRow) -> str:
        if row.free_cpu is None:
            return ""
        return f"free {row.free_cpu} cpu, {row.free_memory} MiB"


def cluster_instances(snapshot: Snapshot | None) -> list[dict[str, Any]]:
    """The snapshot's container instances; from an older control plane without them, the ones tasks name."""
    if not snapshot:
        return []
    if "instances" in snapshot:
        return list(snapshot.get("instances") or [])
    seen: dict[str, dict[str, Any]] = {}
    for task in snapshot.get("tasks", []):
        instance, zone = task.get("containerInstanceId"), task.get("availabilityZone")
        if instance and zone and instance not in seen:
            seen[instance] = {"containerInstanceId": instance, "availabilityZone": zone, "status": "ACTIVE",
                              "zoneFailed": False}
    return sorted(seen.values(), key=lambda i: (i["availabilityZone"], i["containerInstanceId"]))


def _live(task: dict[str, Any]) -> bool:
    return task.get("desiredStatus", "RUNNING") == "RUNNING" and task.get("lastStatus") in ("RUNNING", *PENDING_LIKE)


def zones_view(snapshot: Snapshot | None, name: str | None) -> ZonesView | None:
    """The shown service's live tasks laid out by zone and instance; None without instances."""
    service = find_service(snapshot, name)
    instances = cluster_instances(snapshot)
    if service is None or not instances:
        return None
    group = f"service:{service['serviceName']}"
    mine: dict[str, list[dict[str, Any]]] = {}
    everyone: dict[str, int] = {}
    unplaced = 0
    for task in snapshot.get("tasks", []):
        if not _live(task):
            continue
        where = task.get("containerInstanceId")
        if where:
            everyone[where] = everyone.get(where, 0) + 1
        if task.get("group") == group:
            if where:
                mine.setdefault(where, []).append(task)
            else:
                unplaced += 1
    rows = []
    zones: dict[str, list[int | bool]] = {}
    previous_zone = None
    for inst in instances:
        iid = inst.get("containerInstanceId", "?")
        zone = inst.get("availabilityZone", "?")
        failed = bool(inst.get("zoneFailed"))
        here = mine.get(iid, [])
        running = sum(1 for t in here if t.get("lastStatus") == "RUNNING")
        ids = {t.get("taskId") for t in here}
        if "tasks" in inst:
            others = sum(1 for t in inst.get("tasks") or [] if t not in ids)
        else:
            others = everyone.get(iid, 0) - len(here)
        state = "ZONE FAILED" if failed else (inst.get("status") or "ACTIVE")
        rows.append(InstanceRow(zone, iid, state, running, len(here) - running, max(0, others),
                                inst.get("remainingCpu"), inst.get("remainingMemory"), zone != previous_zone))
        previous_zone = zone
        entry = zones.setdefault(zone, [0, False])
        entry[0] = int(entry[0]) + len(here)
        entry[1] = bool(entry[1]) or failed
    return ZonesView(service["serviceName"], tuple((z, int(n), bool(f)) for z, (n, f) in zones.items()),
                     tuple(rows), unplaced)


# -- load balancer --------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetRow:
    task_id: str
    port: int | None
    health: str

    @property
    def label(self) -> str:
        """`0001ab12:32769`: the task's short id and the port the load balancer sends to."""
        return f"{self.task_id[:8]}:{self.port}" if self.port else self.task_id[:8]


@dataclass(frozen=True)
class LoadBalancerView:
    url: str | None
    targets: tuple[TargetRow, ...]
    check: str
    deregistration: float | None

    @property
    def counts(self) -> list[tuple[str, int]]:
        seen: dict[str, int] = {}
        for target in self.targets:
            seen[target.health] = seen.get(target.health, 0) + 1
        order = [h for h in HEALTH_ORDER if h in seen] + sorted(h for h in seen if h not in HEALTH_ORDER)
        return [(h, seen[h]) for h in order]

    @property
    def summary(self) -> str:
        if not self.targets:
            return "no targets yet"
        counts = ", ".join(f"{n} {h}" for h, n in self.counts)
        return f"{len(self.targets)} target{'s' if len(self.targets) != 1 else ''}: {counts}"

    @property
    def settings(self) -> str:
        words = [self.check] if self.check else []
        if self.deregistration is not None:
            words.append(f"deregistration delay {number(self.deregistration)}s")
        return ", ".join(words)


def load_balancer_view(snapshot: Snapshot | None, name: str | None) -> LoadBalancerView | None:
    service = find_service(snapshot, name)
    lb = (service or {}).get("loadBalancer")
    if not lb:
        return None
    check = lb.get("healthCheck") or {}
    check_words = ""
    if check:
        check_words = (f"health check GET {check.get('path', '/')} every {number(check.get('intervalSeconds'))}s, "
                       f"healthy after {check.get('healthyThreshold', '-')}, "
                       f"unhealthy after {check.get('unhealthyThreshold', '-')}")
    targets = tuple(TargetRow(t.get("taskId", "?"), t.get("port"), t.get("health") or "unknown")
                    for t in lb.get("targets") or [])
    return LoadBalancerView(lb.get("url"), targets, check_words, lb.get("deregistrationDelaySeconds"))


# -- auto scaling ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScalingView:
    metric: str
    metric_name: str
    target: float
    current: float | None
    desired: int
    minimum: int
    maximum: int
    scale_out_cooldown: float | None
    scale_in_cooldown: float | None
    status: str
    last: dict[str, Any] | None

    @property
    def comparison(self) -> str:
        """above, below or at target, or "no data yet"."""
        if self.current is None:
            return "no data yet"
        if self.current > self.target:
            return "above target"
        if self.current < self.target:
            return "below target"
        return "at target"

    @property
    def summary(self) -> str:
        """The metric against its target, the desired count within its bounds, the cooldowns."""
        label, unit = METRIC_WORDS.get(self.metric, (self.metric_name, ""))
        value = "no data yet" if self.current is None else f"{number(self.current)}{unit} ({self.comparison})"
        words = [f"{label} {value}, target {number(self.target)}{unit}",
                 f"desired {self.desired} (min {self.minimum}, max {self.maximum})"]
        if self.scale_out_cooldown is not None:
            words.append(f"cooldowns out {number(self.scale_out_cooldown)}s, in {number(self.scale_in_cooldown)}s")
        return "; ".join(words)

    @property
    def last_words(self) -> str:
        if not self.last:
            return "no scaling activity yet"
        a = self.last
        direction = {"out": "scaled out", "in": "scaled in"}.get(a.get("direction"), "scaled")
        return f"last {clock(a.get('at', 0))}: {direction} {a.get('from', '?')} → {a.get('to', '?')}"


def scaling_view(snapshot: Snapshot | None, name: str | None) -> ScalingView | None:
    service = find_service(snapshot, name)
    scaling = (service or {}).get("scaling")
    if not scaling:
        return None
    return ScalingView(
        metric=scaling.get("metric", "cpu"),
        metric_name=scaling.get("metricName", ""),
        target=float(scaling.get("target", 0)),
        current=scaling.get("current"),
        desired=int(service.get("desiredCount", 0)),
        minimum=int(scaling.get("min", 0)),
        maximum=int(scaling.get("max", 0)),
        scale_out_cooldown=scaling.get("scaleOutCooldown"),
        scale_in_cooldown=scaling.get("scaleInCooldown"),
        status=scaling.get("status") or "",
        last=scaling.get("lastAction"),
    )


# -- time dilation --------------------------------------------------------------------------------
def time_speed(snapshot: Snapshot | None) -> float:
    """How many times faster than real time the sandbox's clock runs (1 unless dilated)."""
    try:
        speed = float(((snapshot or {}).get("status") or {}).get("timeSpeed") or 1.0)
    except (TypeError, ValueError):
        return 1.0
    return speed if speed > 0 else 1.0


def speed_words(speed: float, plain: bool = False) -> str:
    """"time ×10" (plain: "time x10"); empty at real time."""
    if speed == 1.0:
        return ""
    return f"time {'x' if plain else '×'}{number(speed)}"


# -- announcements for --plain --------------------------------------------------------------------
def ops_announcements(old: Snapshot | None, new: Snapshot, name: str | None) -> list[str]:
    """What changed in the operations views between two snapshots, as sentences a screen reader can speak."""
    if old is None:
        return []
    lines: list[str] = []
    before = {i.get("containerInstanceId"): i for i in cluster_instances(old)}
    failed_before = {i.get("availabilityZone") for i in before.values() if i.get("zoneFailed")}
    after = cluster_instances(new)
    failed_after = {i.get("availabilityZone") for i in after if i.get("zoneFailed")}
    for zone in sorted(failed_after - failed_before):
        lines.append(f"zone {zone} FAILED: nothing runs there")
    for zone in sorted(failed_before - failed_after):
        lines.append(f"zone {zone} restored")
    for inst in after:
        previous = before.get(inst.get("containerInstanceId"))
        if previous is not None and previous.get("status") != inst.get("status"):
            lines.append(f"instance {inst.get('containerInstanceId')} is {inst.get('status')}")
    old_view, new_view = deployments_view(old, name), deployments_view(new, name)
    old_rows = {(r.status == "PRIMARY", r.task_definition): r for r in (old_view.rows if old_view else ())}
    for row in new_view.rows if new_view else ():
        previous = old_rows.get((row.status == "PRIMARY", row.task_definition))
        if previous is None and row.status == "PRIMARY":
            lines.append(f"deployment of {row.task_definition} started: {row.rollout}")
        elif previous is not None and previous.rollout != row.rollout:
            lines.append(f"deployment of {row.task_definition}: {previous.rollout} to {row.rollout}")
    if old_view is not None and new_view is None:
        primary = (find_service(new, name) or {}).get("deployments") or [{}]
        lines.append(f"deployment {primary[0].get('rolloutState', 'done')}: one deployment left")
    old_lb, new_lb = load_balancer_view(old, name), load_balancer_view(new, name)
    if new_lb is not None:
        was = {t.task_id: t.health for t in (old_lb.targets if old_lb else ())}
        changed = [t for t in new_lb.targets if was.get(t.task_id) != t.health]
        if len(changed) > 3:
            lines.append(f"{len(changed)} targets changed health; now {new_lb.summary}")
        else:
            lines += [f"target {t.task_id[:8]} {t.health}" for t in changed]
    old_scaling, new_scaling = scaling_view(old, name), scaling_view(new, name)
    if new_scaling is not None and new_scaling.last and (old_scaling is None or old_scaling.last != new_scaling.last):
        lines.append(f"auto scaling: {new_scaling.last_words.replace('→', 'to')}")
    return lines
