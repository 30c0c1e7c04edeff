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


def unable_to_place(service: str, reason: str) -> str:
    return f"(service {service}) was unable to place a task. Reason: {reason}"
