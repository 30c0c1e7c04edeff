"""Service event messages, worded as ECS words them (one place, so the planner and docs agree)."""

from __future__ import annotations


def _tasks(task_ids: list[str]) -> str:
    return " ".join(f"(task {task_id})" for task_id in task_ids)


def started(service: str, task_ids: list[str]) -> str:
    return f"(service {service}) has started {len(task_ids)} tasks: {_tasks(task_ids)}."


def stopped(service: str, task_ids: list[str]) -> str:
    return f"(service {service}) has stopped {len(task_ids)} running tasks: {_tasks(task_ids)}."


def steady(service: str) -> str:
    return f"service ({service}) has reached a steady state."


def unable_to_start(service: str) -> str:
    return f"(service {service}) is unable to consistently start tasks successfully."


def failed_to_launch(service: str, reason: str) -> str:
    """A placed task that could not start (its image missing, its container refused): not a placement failure."""
    return f"(service {service}) failed to launch a task with (error {reason})."


def unable_to_place_task(service: str, why: str) -> str:
    return f"service ({service}) was unable to place a task because {why}"


def deployment_completed(service: str, deployment_id: str) -> str:
    return f"(service {service}) (deployment {deployment_id}) deployment completed."


def deployment_failed(service: str, deployment_id: str) -> str:
    return f"(service {service}) (deployment {deployment_id}) deployment failed: tasks failed to start."


def rolling_back(service: str, deployment_id: str, task_definition: str) -> str:
    return f"(service {service}) (deployment {deployment_id}) rolling back to task definition {task_definition}."


def deployment_config_blocks(service: str) -> str:
    return (
        f"service ({service}) was unable to stop or start tasks during a deployment because of the service "
        "deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again."
    )


def _zones(counts) -> str:
    parts = [f"{n} tasks in {zone}" if i == 0 else f"{n} in {zone}" for i, (zone, n) in enumerate(sorted(counts.items()))]
    return ", ".join(parts[:-1]) + f", and {parts[-1]}" if len(parts) > 1 else parts[0]


def az_unbalanced(service: str, counts) -> str:
    return f"service ({service}) is not AZ balanced with {_zones(counts)}. AZ Rebalancing in progress."


def az_balanced(service: str, counts) -> str:
    return f"service ({service}) is AZ balanced with {_zones(counts)}."


# -- load balancing (ECS's wording for its target groups) --------------------------------------
def registered_targets(service: str, count: int, target_group: str) -> str:
    return f"(service {service}) registered {count} targets in (target-group {target_group})"


def deregistered_targets(service: str, count: int, target_group: str) -> str:
    return f"(service {service}) deregistered {count} targets in (target-group {target_group})"


def draining(service: str, count: int) -> str:
    return f"(service {service}) has begun draining connections on {count} tasks."


def target_unhealthy(service: str, task_id: str, port: int | None, target_group: str, reason: str) -> str:
    return (f"(service {service}) (task {task_id}) (port {port}) is unhealthy in (target-group {target_group}) "
            f"due to (reason {reason})")


def elb_health_failure(target_group: str) -> str:
    """The stoppedReason of a task replaced because its target failed the load balancer's checks."""
    return f"Task failed ELB health checks in (target-group {target_group})"


# -- auto scaling (Application Auto Scaling's activity messages carry the "Message: " prefix) --
def scaling_fulfilled(desired: int) -> str:
    return f"Message: Successfully set desired count to {desired}. Change successfully fulfilled by ecs."


def traffic_shifted(service: str, deployment_id: str, percent: float) -> str:
    return f"(service {service}) (deployment {deployment_id}) shifted {percent:g}% of traffic to the new task set."
