"""What people can ask of a sandbox: validated changes to desired state.

Every function checks its input and raises an ECS-named error with one clear line, changes
the store under its lock, persists it, and marks the affected key dirty. None of them touch
the runtime: converging is the control loop's job.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from typing import Any

from sandbox.core import errors
from sandbox.core import tags as tag_rules
from sandbox.core.rules import NAME, check_deployment_configuration
from sandbox.workshop import quotas
from sandbox.core import events as wording
from .autoscaling import policy as scaling
from .autoscaling.record import Autoscaling, ScalingActivity
from .lb import settings as lb_settings
from .scheduler import placement
from .scheduler.apply import DECISIONS_KEPT
from .scheduler.keys import for_oneoffs as _oneoff_key, for_service as _service_key, key_of
from .scheduler.loop import ControlPlane
from .scheduler.planner import place_one_offs
from .taskdefs.ecs_json import check_host_folders, request_of
from sandbox.core.model import (
    ACTIVE,
    DRAINING,
    INACTIVE,
    MAX_DESIRED_COUNT,
    MAX_GRACE_SECONDS,
    RUNNING,
    STRATEGIES,
    STOPPED,
    USER_INITIATED,
    new_deployment_id,
    Chaos,
    Cluster,
    Deployment,
    DeploymentConfiguration,
    Instance,
    Service,
    Task,
    TaskDefinition,
)

MAX_RUN_TASK_COUNT = 10
MAX_REVISIONS_PER_FAMILY = 100
"""ECS allows 1,000,000 revisions per family; a sandbox's state file stays small."""
STARTED_BY = re.compile(r"^[A-Za-z0-9_/-]{1,128}$")
MAX_CHAOS_SECONDS = 3600.0
DEFAULT_ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
INSTANCE_CPU = 2048
"""CPU units per simulated instance (two vCPUs' worth, as a t3.medium)."""
INSTANCE_MEMORY = 4096
"""MiB per simulated instance."""


def check_name(kind: str, value: str) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise errors.InvalidParameterException(
            f"{kind} name {value!r} is not valid: use up to 255 letters, digits, '-' or '_'"
        )
    return value


def _check_revision_cap(family: str, revision: int) -> None:
    if revision > MAX_REVISIONS_PER_FAMILY:
        raise errors.LimitExceededException(
            f"family {family!r} would have revision {revision}: the sandbox allows {MAX_REVISIONS_PER_FAMILY} "
            f"revisions per family (ECS allows 1,000,000); register under a new family name")


def check_count(value: Any, field: str = "desiredCount", low: int = 0, high: int = MAX_DESIRED_COUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidParameterException(f"{field} must be a whole number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise errors.InvalidParameterException(f"{field} {value} is out of range: allowed {low} to {high}")
    return value


class Sandbox:
    """The request side of one sandbox, over its control plane and store."""

    def __init__(self, control: ControlPlane) -> None:
        self.control = control
        self.store = control.store
        self.clock = control.clock
        self.load_balancers = None
        """The running sandbox's lb.manager.LoadBalancers (live counters for `lb ls`), if any."""
        self.autoscaler = None
        """The running sandbox's autoscaling.scaler.AutoScaler, if any."""
        self.quota: quotas.Quota | None = None
        """A workshop's per-learner quota (sandbox/workshop/quotas.py); None outside workshops."""

    @property
    def folder(self):
        """The sandbox's own folder (the only one whose subfolders a task may mount); None in memory."""
        return self.store.path.parent if self.store.path is not None else None

    # -- clusters -----------------------------------------------------------------------------
    def cluster(self, name: str) -> Cluster:
        cluster = self.store.clusters.get(name)
        if cluster is None or cluster.status != ACTIVE:
            raise errors.ClusterNotFoundException(f"Cluster not found: {name!r}. See `servicelab cluster ls`.")
        return cluster

    def create_cluster(self, name: str = "default", zones: tuple[str, ...] = DEFAULT_ZONES,
                       per_zone: int = 1, tags: list[dict[str, str]] | None = None) -> Cluster:
        """A cluster with its simulated container instances: by default one in each of three zones."""
        check_name("cluster", name)
        tags = tag_rules.check(tags or [])
        with self.store.lock:
            cluster = self.store.clusters.get(name)
            if cluster is None or cluster.status != ACTIVE:
                cluster = Cluster(name=name, created_at=self.clock.now(), tags=tags)
                self.store.clusters[name] = cluster
                if not self.store.instances_of(name):
                    for zone in zones:
                        for _ in range(per_zone):
                            self._add_instance(name, zone)
                self._commit(_oneoff_key(name))
            return cluster

    # -- container instances and zones --------------------------------------------------------
    def _add_instance(self, cluster: str, zone: str, cpu: int = INSTANCE_CPU, memory: int = INSTANCE_MEMORY) -> Instance:
        instance = Instance(id=f"ci-{uuid.uuid4().hex[:8]}", cluster=cluster, zone=zone, cpu=cpu, memory=memory,
                            registered_at=self.clock.now())
        self.store.instances[instance.id] = instance
        return instance

    def add_instance(self, cluster: str, zone: str, cpu: int = INSTANCE_CPU, memory: int = INSTANCE_MEMORY) -> Instance:
        if not re.fullmatch(r"[a-z]{2}-[a-z]+-\d[a-z]", zone):
            raise errors.InvalidParameterException(f"zone {zone!r} is not a zone name like us-east-1a")
        check_count(cpu, "cpu", 128, 16384)
        check_count(memory, "memory", 128, 65536)
        with self.store.lock:
            self.cluster(cluster)
            # More room can let an oversized service place, and a DAEMON service runs one more task.
            quotas.check(self.store, self.quota, quotas.Change(instances=(cluster, cpu, memory)))
            instance = self._add_instance(cluster, zone, cpu, memory)
            self._commit_cluster(cluster)
            return instance

    def instance(self, cluster: str, ref: str) -> Instance:
        with self.store.lock:
            matches = [i for i in self.store.instances_of(cluster) if i.id == ref or i.id.startswith(ref)]
        if len(matches) != 1:
            known = ", ".join(i.id for i in self.store.instances_of(cluster)) or "none"
            raise errors.InvalidParameterException(f"container instance {ref!r} not found in cluster {cluster!r}; instances: {known}")
        return matches[0]

    def set_instance_status(self, cluster: str, ref: str, status: str) -> Instance:
        """DRAINING moves its tasks elsewhere (within the services' deployment bounds); ACTIVE takes tasks again."""
        with self.store.lock:
            instance = self.instance(cluster, ref)
            instance.status = status
            self._commit_cluster(cluster)
            return instance

    def set_zone_failed(self, cluster: str, zone: str, failed: bool) -> list[Instance]:
        with self.store.lock:
            self.cluster(cluster)
            instances = [i for i in self.store.instances_of(cluster) if i.zone == zone]
            if not instances:
                zones = sorted({i.zone for i in self.store.instances_of(cluster)})
                raise errors.InvalidParameterException(f"zone {zone!r} has no instances in cluster {cluster!r}; zones: {', '.join(zones)}")
            for instance in instances:
                instance.zone_failed = failed
            self._commit_cluster(cluster)
            return instances

    def _commit_cluster(self, cluster: str) -> None:
        """Capacity changed: every service of the cluster has to look again."""
        self.store.save()
        self.store.bump()
        for service in self.store.services.values():
            if service.cluster == cluster:
                self.control.mark_dirty(_service_key(cluster, service.name))

    def delete_cluster(self, name: str) -> Cluster:
        with self.store.lock:
            cluster = self.cluster(name)
            if any(s.cluster == name and s.status != INACTIVE for s in self.store.services.values()):
                raise errors.ClusterContainsServicesException(
                    f"cluster {name!r} still has services; delete them first"
                )
            if any(t.cluster == name and t.last_status != STOPPED for t in self.store.tasks.values()):
                raise errors.ClusterContainsTasksException(f"cluster {name!r} still has active tasks; stop them first")
            cluster.status = "INACTIVE"
            self._commit(None)
            return cluster

    # -- task definitions ---------------------------------------------------------------------
    def task_definition(self, ref: str) -> TaskDefinition:
        family, _, revision = ref.partition(":")
        if revision and not revision.isdigit() or revision == "0":
            raise errors.InvalidParameterException(f"Invalid revision number in {ref!r}: use FAMILY or FAMILY:N with N >= 1")
        td = self.store.task_definition(ref)
        if td is None:
            known = ", ".join(sorted(self.store.task_definitions)) or "none"
            raise errors.ClientException(f"TaskDefinition not found: {ref!r} (families: {known})")
        return td

    def register_task_definition(self, td: TaskDefinition, revision: int | None = None) -> TaskDefinition:
        """Add a revision; `revision` pins it (built-ins), otherwise it is the next number."""
        check_name("family", td.family)
        check_host_folders(td, self.folder)
        with self.store.lock:
            revisions = self.store.task_definitions.setdefault(td.family, [])
            number = revision if revision is not None else (revisions[-1].revision + 1 if revisions else 1)
            if any(r.revision == number for r in revisions):
                return next(r for r in revisions if r.revision == number)
            _check_revision_cap(td.family, number)
            registered = TaskDefinition(**{**td.__dict__, "revision": number, "registered_at": self.clock.now()})
            revisions.append(registered)
            revisions.sort(key=lambda r: r.revision)
            self._commit(None)
            return registered

    def deregister_task_definition(self, ref: str) -> TaskDefinition:
        if ":" not in ref:
            raise errors.ClientException(f"Revision is missing: deregister one revision at a time, as {ref}:N")
        with self.store.lock:
            td = self.task_definition(ref)
            if td.status != ACTIVE:
                return td
            return self._replace_task_definition(td, status=INACTIVE, deregistered_at=self.clock.now())

    def _replace_task_definition(self, td: TaskDefinition, **changes: Any) -> TaskDefinition:
        """A revision's status or tags changed (what ECS lets change of a registered revision)."""
        revisions = self.store.task_definitions[td.family]
        changed = dataclasses.replace(td, **changes)
        revisions[revisions.index(td)] = changed
        self._commit(None)
        return changed

    def delete_task_definitions(self, refs: list[str]) -> tuple[list[TaskDefinition], list[tuple[int, str]]]:
        """INACTIVE revisions go to DELETE_IN_PROGRESS (and stay describable, as ECS keeps them while
        anything refers to them); the rest come back as failures: (index in refs, reason)."""
        deleted, failures = [], []
        with self.store.lock:
            for index, ref in enumerate(refs):
                family, _, revision = ref.partition(":")
                td = self.store.task_definition(ref) if revision.isdigit() else None
                if not revision.isdigit():
                    failures.append((index, "The specified task definition identifier is invalid. "
                                            "Specify a valid name or ARN and try again."))
                elif td is None or td.status == "DELETE_IN_PROGRESS":
                    failures.append((index, "The specified task definition does not exist. "
                                            "Specify a valid account, family, revision and try again."))
                elif td.status == ACTIVE:
                    failures.append((index, "The specified task definition is still in ACTIVE status. "
                                            "Please deregister the target and try again."))
                else:
                    deleted.append(self._replace_task_definition(
                        td, status="DELETE_IN_PROGRESS", delete_requested_at=self.clock.now()))
        return deleted, failures

    def sync_task_definitions(self, family: str, wanted: list[TaskDefinition]) -> list[str]:
        """Make `family` hold exactly `wanted` as revisions 1, 2, … (a lesson's own task definitions).

        Not an ECS operation: ECS never rewrites a revision. A lesson names its revisions
        (`api:2`), so whatever an earlier visit or an older lesson left under those numbers is
        replaced, and ACTIVE revisions past the lesson's are set INACTIVE (services using them
        keep running). Returns the refs it changed; none when the family already matches.
        """
        check_name("family", family)
        if any(td.family != family for td in wanted):
            raise errors.InvalidParameterException(f"every task definition must be of family {family!r}")
        for td in wanted:
            check_host_folders(td, self.folder)
        _check_revision_cap(family, len(wanted))
        with self.store.lock:
            revisions = {td.revision: td for td in self.store.task_definitions.get(family, [])}
            changed = []
            for number, td in enumerate(wanted, start=1):
                fresh = dataclasses.replace(td, revision=number, status=ACTIVE, registered_at=self.clock.now())
                current = revisions.get(number)
                # What a task would run, and what a describe shows, decide; the time and the
                # free-text description do not (a built-in's request is the one its fields give).
                same = current is not None and dataclasses.replace(
                    current, registered_at=fresh.registered_at, description=fresh.description,
                    definition=fresh.definition) == fresh and request_of(current) == request_of(fresh)
                if not same:
                    revisions[number] = fresh
                    changed.append(fresh.ref)
            for number, td in revisions.items():
                if number > len(wanted) and td.status == ACTIVE:
                    revisions[number] = dataclasses.replace(td, status=INACTIVE)
                    changed.append(td.ref)
            if changed:
                self.store.task_definitions[family] = sorted(revisions.values(), key=lambda r: r.revision)
                self._commit(None)
            return changed

    # -- services -----------------------------------------------------------------------------
    def service(self, cluster: str, name: str, active: bool = False) -> Service:
        self.cluster(cluster)
        service = self.store.service(cluster, name)
        if service is None:
            raise errors.ServiceNotFoundException(f"Service not found: {name!r} in cluster {cluster!r}. See `servicelab service ls`.")
        if active and service.status != ACTIVE:
            raise errors.ServiceNotActiveException(f"Service {name!r} is {service.status}, not ACTIVE.")
        return service

    def create_service(
        self, cluster: str, name: str, task_definition: str = "web:1", desired_count: int = 1,
        deployment: DeploymentConfiguration | None = None,
        placement_strategy: list[dict[str, str]] | None = None,
        placement_constraints: list[dict[str, str]] | None = None,
        az_rebalancing: bool = False,
        scheduling_strategy: str = "REPLICA",
        load_balancer: dict[str, Any] | None = None,
        health_check_grace_seconds: int = 0,
        tags: list[dict[str, str]] | None = None,
        propagate_tags: str = "NONE",
        managed_tags: bool = False,
    ) -> Service:
        """`load_balancer` (settings as lb.settings names them, {} for the defaults) puts the
        service behind a load balancer of its own."""
        check_name("service", name)
        check_count(desired_count)
        check_count(health_check_grace_seconds, "healthCheckGracePeriodSeconds", high=MAX_GRACE_SECONDS)
        if deployment is None and scheduling_strategy == "DAEMON":
            # ECS's DAEMON defaults: a daemon replaces its one task per instance in place.
            deployment = DeploymentConfiguration(minimum_healthy_percent=0, maximum_percent=100)
        config = check_deployment_configuration(deployment or DeploymentConfiguration())
        try:
            placement.check_strategy(placement_strategy or [])
            placement.check_constraints(placement_constraints or [])
        except placement.PlacementError as exc:
            raise errors.InvalidParameterException(str(exc)) from None
        if scheduling_strategy not in ("REPLICA", "DAEMON"):
            raise errors.InvalidParameterException(f"schedulingStrategy {scheduling_strategy!r}; allowed: REPLICA, DAEMON")
        tags = tag_rules.check(tags or [])
        _check_propagate(propagate_tags)
        with self.store.lock:
            self.cluster(cluster)
            td = self.task_definition(task_definition)
            if td.status != ACTIVE:
                raise errors.ClientException(f"TaskDefinition {td.ref} is inactive")
            existing = self.store.service(cluster, name)
            if existing is not None and existing.status != INACTIVE:
                raise errors.InvalidParameterException(
                    f"Creation of service was not idempotent: service {name!r} already exists ({existing.status})."
                )
            if existing is not None:
                # A name can be reused once the old service is INACTIVE; its history goes with it.
                for task in self.store.tasks_of(cluster, name):
                    del self.store.tasks[task.task_id]
            now = self.clock.now()
            service = Service(
                name=name, cluster=cluster, task_definition=td.ref,
                desired_count=desired_count, created_at=now,
                deployments=[Deployment(id=new_deployment_id(), task_definition=td.ref, created_at=now, updated_at=now)],
                deployment_configuration=config,
                placement_strategy=list(placement_strategy or []),
                placement_constraints=list(placement_constraints or []),
                az_rebalancing=az_rebalancing,
                scheduling_strategy=scheduling_strategy,
                health_check_grace_seconds=health_check_grace_seconds,
                tags=tags, propagate_tags=propagate_tags, enable_managed_tags=managed_tags,
            )
            if load_balancer is not None:
                service.load_balancer = self._load_balancer(service, td, load_balancer)
            quotas.check(self.store, self.quota, quotas.Change(service=service))
            self.store.services[service.key] = service
            self._commit(_service_key(cluster, name))
            return service

    def _load_balancer(self, service: Service, td: TaskDefinition, given: dict[str, Any]) -> lb_settings.LoadBalancer:
        settings = lb_settings.check(given)
        if td.container_port is None:
            raise errors.InvalidParameterException(
                f"task definition {td.ref} has no containerPort: a load balancer needs a port to send requests to"
            )
        return lb_settings.LoadBalancer(
            target_group_arn=lb_settings.target_group_arn(service.cluster, service.name, service.created_at),
            listener_port=lb_settings.free_port(),
            # What ECS's loadBalancers entry names: the container and port requests go to.
            container_name=td.container,
            container_port=td.container_port,
            settings=settings,
        )

    def set_load_balancer(self, cluster: str, name: str, given: dict[str, Any]) -> Service:
        """Put an existing service behind a load balancer (or change its settings)."""
        with self.store.lock:
            service = self.service(cluster, name, active=True)
            balancer = self._load_balancer(service, self.task_definition(service.task_definition), given)
            if service.load_balancer is not None:
                # Same target group and listener; only the health check and delay change.
                balancer = dataclasses.replace(balancer, target_group_arn=service.load_balancer.target_group_arn,
                                               listener_port=service.load_balancer.listener_port or balancer.listener_port)
            service.load_balancer = balancer
            self._commit(_service_key(cluster, name))
            return service

    # -- auto scaling -------------------------------------------------------------------------
    def set_scaling_policy(self, cluster: str, name: str, metric: str, target: float, min_capacity: int,
                           max_capacity: int, scale_out_cooldown: float = scaling.DEFAULT_COOLDOWN,
                           scale_in_cooldown: float = scaling.DEFAULT_COOLDOWN) -> Service:
        """Target tracking for the service's desired count (replaces any earlier policy)."""
        policy = scaling.check(metric, target, min_capacity, max_capacity, scale_out_cooldown, scale_in_cooldown)
        with self.store.lock:
            service = self.service(cluster, name, active=True)
            if policy.metric == scaling.REQUESTS and service.load_balancer is None:
                raise errors.InvalidParameterException(
                    f"{scaling.METRICS[scaling.REQUESTS]} needs a load balancer; service {name!r} has none "
                    "(create it with --load-balancer)"
                )
            service.autoscaling = Autoscaling.set(policy, self.clock.now(), service.autoscaling)
            self._commit(_service_key(cluster, name))
            return service

    def delete_scaling_policy(self, cluster: str, name: str) -> Service:
        with self.store.lock:
            service = self.service(cluster, name)
            service.autoscaling = None
            self._commit(_service_key(cluster, name))
            return service

    def apply_scaling(self, cluster: str, name: str, from_count: int, to_count: int, direction: str,
                      reason: str) -> bool:
        """Auto scaling sets the desired count, as Application Auto Scaling calls UpdateService.
        Skipped if the count or the policy changed since the decision was made."""
        with self.store.lock:
            service = self.store.service(cluster, name)
            if (service is None or service.status != ACTIVE or service.autoscaling is None
                    or service.desired_count != from_count):
                return False
            try:
                quotas.check(self.store, self.quota, quotas.Change(
                    service=dataclasses.replace(service, desired_count=to_count)))
            except errors.LimitExceededException as exc:
                # Auto scaling stops at the quota, and says so where the learner looks.
                if not service.decisions or service.decisions[0].get("text") != f"auto scaling: {exc.message}":
                    service.decisions.insert(0, {"at": self.clock.now(), "text": f"auto scaling: {exc.message}"})
                    del service.decisions[DECISIONS_KEPT:]
                    self._commit(_service_key(cluster, name))
                return False
            now = self.clock.now()
            service.desired_count = to_count
            message = wording.scaling_fulfilled(to_count)
            service.autoscaling = service.autoscaling.after(
                ScalingActivity(now, from_count, to_count, direction, reason, message))
            service.add_event(message, now)
            service.decisions.insert(0, {"at": now, "text": f"auto scaling: {reason}"})
            del service.decisions[DECISIONS_KEPT:]
            self._commit(_service_key(cluster, name))
            return True

    def update_service(
        self, cluster: str, name: str, desired_count: int | None = None, task_definition: str | None = None,
        force_new_deployment: bool = False, deployment: DeploymentConfiguration | None = None,
        az_rebalancing: bool | None = None,
        health_check_grace_seconds: int | None = None,
        propagate_tags: str | None = None,
        managed_tags: bool | None = None,
    ) -> Service:
        """A new task definition (or a forced deployment) starts a new PRIMARY deployment; a count
        change alone does not, as in ECS."""
        if desired_count is not None:
            check_count(desired_count)
        if health_check_grace_seconds is not None:
            check_count(health_check_grace_seconds, "healthCheckGracePeriodSeconds", high=MAX_GRACE_SECONDS)
        if deployment is not None:
            check_deployment_configuration(deployment)
        if propagate_tags is not None:
            _check_propagate(propagate_tags)
        with self.store.lock:
            service = self.service(cluster, name, active=True)
            now = self.clock.now()
            td = None
            if task_definition is not None:
                td = self.task_definition(task_definition)
                if td.status != ACTIVE:
                    raise errors.ClientException(f"TaskDefinition {td.ref} is inactive")
                if service.load_balancer is not None and td.container_port is None:
                    raise errors.InvalidParameterException(
                        f"task definition {td.ref} has no containerPort, and service {name!r} has a load balancer "
                        "that sends requests to one"
                    )
            if desired_count is not None or td is not None:
                quotas.check(self.store, self.quota, quotas.Change(service=dataclasses.replace(
                    service,
                    desired_count=service.desired_count if desired_count is None else desired_count,
                    task_definition=service.task_definition if td is None else td.ref,
                )))
            if deployment is not None:
                service.deployment_configuration = deployment
            if az_rebalancing is not None:
                service.az_rebalancing = az_rebalancing
            if health_check_grace_seconds is not None:
                service.health_check_grace_seconds = health_check_grace_seconds
            if propagate_tags is not None:
                service.propagate_tags = propagate_tags
            if managed_tags is not None:
                service.enable_managed_tags = managed_tags
            if desired_count is not None:
                service.desired_count = desired_count
            if force_new_deployment or (td is not None and td.ref != service.task_definition):
                ref = td.ref if td is not None else service.task_definition
                service.task_definition = ref
                previous = [
                    Deployment(**{**d.__dict__, "status": "ACTIVE"}) for d in service.deployments
                ]
                if service.deployment_configuration.strategy != "ROLLING" and service.load_balancer is None:
                    raise errors.InvalidParameterException(
                        f"strategy {service.deployment_configuration.strategy} shifts traffic between two task sets "
                        "behind a load balancer; create the service with --load-balancer")
                # A second task set waits at 0% of the traffic until it is healthy (blue/green).
                share = 0.0 if service.deployment_configuration.strategy != "ROLLING" else 100.0
                service.deployments = [
                    Deployment(id=new_deployment_id(), task_definition=ref, created_at=now, updated_at=now,
                               traffic_percent=share),
                    *previous,
                ]
            self._commit(_service_key(cluster, name))
            return service

    def delete_service(self, cluster: str, name: str, force: bool = False) -> Service:
        with self.store.lock:
            service = self.service(cluster, name)
            if service.status != ACTIVE:
                return service
            if service.desired_count > 0 and not force:
                raise errors.InvalidParameterException(
                    "The service cannot be stopped while it is scaled above 0. Scale it to 0 first, or use --force."
                )
            service.status = DRAINING
            service.desired_count = 0
            service.chaos = None
            self._commit(_service_key(cluster, name))
            return service

    def start_chaos(self, cluster: str, name: str, every: float, duration: float) -> Service:
        if not 0.5 <= every <= 600:
            raise errors.InvalidParameterException(f"--every {every} is out of range: allowed 0.5 to 600 seconds")
        if not 0 < duration <= MAX_CHAOS_SECONDS:
            raise errors.InvalidParameterException(
                f"--for {duration} is out of range: allowed up to {MAX_CHAOS_SECONDS:.0f} seconds"
            )
        with self.store.lock:
            service = self.service(cluster, name, active=True)
            now = self.clock.now()
            service.chaos = Chaos(every=every, until=now + duration, next_at=now + every)
            self._commit(_service_key(cluster, name))
            return service

    def stop_chaos(self, cluster: str, name: str) -> Service:
        with self.store.lock:
            service = self.service(cluster, name)
            service.chaos = None
            self._commit(_service_key(cluster, name))
            return service

    # -- tasks --------------------------------------------------------------------------------
    def find_task(self, cluster: str | None, task_ref: str) -> Task:
        """A task by id, by an ARN ending in its id, or by a unique prefix of at least 4 characters."""
        task_id = task_ref.rsplit("/", 1)[-1]
        if not re.fullmatch(r"[0-9a-f]{4,32}", task_id):
            raise errors.InvalidParameterException(f"Task Identifier is invalid: {task_ref!r} (expected a 32-character hex task id)")
        with self.store.lock:
            matches = [
                t for t in self.store.tasks.values()
                if t.task_id.startswith(task_id) and (cluster is None or t.cluster == cluster)
            ]
        if not matches:
            raise errors.InvalidParameterException(f"The referenced task was not found: {task_ref}")
        if len(matches) > 1:
            raise errors.InvalidParameterException(f"task id prefix {task_id!r} matches {len(matches)} tasks; give more characters")
        return matches[0]

    def stop_task(self, cluster: str | None, task_ref: str, reason: str | None = None) -> Task:
        with self.store.lock:
            if cluster is not None:
                self.cluster(cluster)
            task = self.find_task(cluster, task_ref)
            if task.desired_status == RUNNING:
                task.desired_status = STOPPED
                task.stop_code = USER_INITIATED
                task.stopped_reason = reason or "Task stopped by user"
                task.version += 1
                self._commit(key_of(task))
            return task

    def run_task(self, cluster: str, task_definition: str, count: int = 1) -> list[Task]:
        return self.run_tasks(cluster, task_definition, count)[0]

    def run_tasks(self, cluster: str, task_definition: str, count: int = 1, started_by: str | None = None,
                  overrides: dict[str, Any] | None = None, tags: list[dict[str, str]] | None = None,
                  propagate_tags: str = "NONE", managed_tags: bool = False,
                  ) -> tuple[list[Task], list[dict[str, str]]]:
        """One-off tasks, each placed on an instance as RunTask places them; what does not fit
        comes back as RunTask's `failures` (RESOURCE:CPU, RESOURCE:MEMORY, …)."""
        check_count(count, "count", 1, MAX_RUN_TASK_COUNT)
        if started_by is not None and not STARTED_BY.match(started_by):
            raise errors.InvalidParameterException(
                "startedBy takes up to 128 letters, digits, hyphens, underscores or forward slashes")
        if propagate_tags not in ("NONE", "TASK_DEFINITION"):
            raise errors.InvalidParameterException(
                f"propagateTags {propagate_tags!r}: a task run with RunTask takes NONE or TASK_DEFINITION")
        tags = tag_rules.check(tags or [])
        with self.store.lock:
            self.cluster(cluster)
            td = self.task_definition(task_definition)
            if td.status != ACTIVE:
                raise errors.ClientException(f"TaskDefinition is inactive: {td.ref} is {td.status}; run an ACTIVE revision")
            _check_overrides(td, overrides)
            tags = tag_rules.for_new_task(tags, propagate_tags, [], td.tags, managed_tags, cluster, None)
            quotas.check(self.store, self.quota, quotas.Change(one_off=(td, count, cluster)))
            now = self.clock.now()
            instances = self.store.instances_of(cluster)
            cluster_tasks = [t for t in self.store.tasks.values() if t.cluster == cluster and t.is_live]
            fleet = placement.Fleet.build(instances, cluster_tasks, [], self.store.task_definitions_by_ref()) if instances else None
            tasks, failures = [], []
            for one_off in place_one_offs(td, fleet, count, self.control.new_id):
                if one_off.unplaced is not None:
                    failures.append({"arn": td.ref, "reason": one_off.unplaced.code, "detail": one_off.unplaced.reason})
                    continue
                instance = one_off.instance
                task = Task(task_id=one_off.task_id, cluster=cluster, task_definition=td.ref, created_at=now,
                            instance_id=instance.id if instance else None, zone=instance.zone if instance else None,
                            started_by=started_by or None, overrides=overrides, tags=list(tags))
                self.store.tasks[task.task_id] = task
                tasks.append(task)
            # Recorded PROVISIONING: the control loop's next pass launches them; nothing replaces them.
            self._commit(_oneoff_key(cluster))
        return tasks, failures

    # -- tags -----------------------------------------------------------------------------------
    def tag_resource(self, kind: str, path: tuple[str, ...], add: list[dict[str, str]] | None = None,
                     remove: list[str] | None = None) -> list[dict[str, str]]:
        """A resource's tags (kind and path from its ARN), after adding and removing the ones given."""
        with self.store.lock:
            if kind == "task-definition":
                td = self.store.task_definition(path[0]) if ":" in path[0] else None
                if td is None:
                    raise errors.ClientException("Unable to describe task definition.")
                current = [{"key": k, "value": v} for k, v in td.tags]
            else:
                record = self._taggable(kind, path)
                current = record.tags
            if not add and not remove:
                return list(current)
            changed = tag_rules.without(tag_rules.merged(current, add or []), remove or [])
            if kind == "task-definition":
                self._replace_task_definition(td, tags=tuple((t["key"], t["value"]) for t in changed))
            else:
                record.tags = changed
                self._commit(None)
            return changed

    def _taggable(self, kind: str, path: tuple[str, ...]):
        if kind == "cluster":
            return self.cluster(path[0])
        cluster, name = path
        if kind == "service":
            return self.service(cluster, name)
        if kind == "task":
            task = self.store.tasks.get(name)
            if task is None or task.cluster != cluster:
                raise errors.InvalidParameterException(f"The referenced task was not found: {name}")
            return task
        return self.instance(cluster, name)

    def _commit(self, key: str | None) -> None:
        self.store.save()
        self.store.bump()
        if key:
            self.control.mark_dirty(key)


def _check_propagate(value: str) -> None:
    if value not in tag_rules.PROPAGATE:
        raise errors.InvalidParameterException(f"propagateTags {value!r}; allowed: {', '.join(tag_rules.PROPAGATE)}")


def _check_overrides(td: TaskDefinition, overrides: dict[str, Any] | None) -> None:
    """RunTask's containerOverrides name the task definition's container, as ECS requires."""
    for override in (overrides or {}).get("containerOverrides") or []:
        if override.get("name") != td.container:
            raise errors.InvalidParameterException(
                f"Override for container named {override.get('name')} is not a container in the TaskDefinition "
                f"(its container is {td.container}).")
