"""A task definition family holds at most 100 revisions (ECS allows 1,000,000), from every way in."""

from __future__ import annotations

import dataclasses

import botocore.exceptions
import pytest

from sandbox.actions import MAX_REVISIONS_PER_FAMILY
from sandbox.core import errors
from tests.aws_support import InProcessApi, ecs_client
from tests.sandbox_fixtures import fake_sandbox

CONTAINER = {"name": "c", "image": "servicelab/demo-task", "memory": 32, "command": ["serve"]}


def test_register_refuses_the_101st_revision():
    sb, *_ = fake_sandbox()
    mine = dataclasses.replace(sb.task_definition("web:1"), family="mine")
    for _ in range(MAX_REVISIONS_PER_FAMILY):
        sb.register_task_definition(mine)
    with pytest.raises(errors.LimitExceededException, match=r"allows 100 revisions per family \(ECS allows 1,000,000\)"):
        sb.register_task_definition(mine)
    assert len(sb.store.task_definitions["mine"]) == 100


def test_a_lesson_family_past_the_cap_is_refused_whole():
    sb, *_ = fake_sandbox()
    lesson = dataclasses.replace(sb.task_definition("web:1"), family="lesson")
    with pytest.raises(errors.LimitExceededException):
        sb.sync_task_definitions("lesson", [lesson] * 101)
    assert "lesson" not in sb.store.task_definitions
    assert len(sb.sync_task_definitions("lesson", [lesson] * 100)) == 100


def test_the_api_answers_limit_exceeded():
    sb, *_ = fake_sandbox()
    api = InProcessApi(sb)
    try:
        ecs = ecs_client(api.address)
        for _ in range(MAX_REVISIONS_PER_FAMILY):
            ecs.register_task_definition(family="mine", containerDefinitions=[CONTAINER])
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            ecs.register_task_definition(family="mine", containerDefinitions=[CONTAINER])
        assert refused.value.response["Error"]["Code"] == "LimitExceededException"
        assert "100 revisions per family" in refused.value.response["Error"]["Message"]
    finally:
        api.close()
