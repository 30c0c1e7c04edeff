"""Fixtures shared across the suite."""

from __future__ import annotations

import pytest

from tests.cli_support import CliSandbox, docker_containers
from tests.docker_support import require_docker


@pytest.fixture
def lab(tmp_path):
    """A sandbox of the test's own on the real engine, driven through the real CLI; torn down after."""
    require_docker()
    sandbox = CliSandbox(tmp_path / "home")
    yield sandbox
    sandbox.down()
    assert docker_containers(sandbox.name) == []
