"""The stop codes and reasons the planner writes on tasks, worded as ECS words them."""

from __future__ import annotations

TERMINATION_NOTICE = "TerminationNotice"
HOST_LOST_REASON = "Host EC2 (instance {instance}) stopped/terminated"
HEALTH_FAILURE_REASON = "Task failed container health checks"
ELB_HEALTH_FAILURE_PREFIX = "Task failed ELB health checks"
EXITED_REASON = "Essential container in task exited"
SCALE_IN_REASON = "Scaling activity initiated by (service {service})"
DEPLOYMENT_REASON = "Scaling activity initiated by (deployment {deployment})"
CHAOS_REASON = "Task stopped by servicelab chaos"
USER_STOP_REASON = "Task stopped by user"
CONTAINER_REMOVED = "container was removed outside servicelab"
OUT_OF_MEMORY = "OutOfMemoryError: container killed due to memory usage"
