"""Task definition files: what registers, and errors that point at the file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.core.source_error import SourceError
from sandbox.taskdefs.taskdef_file import TaskDefinitionFileError, load_file, parse_text


def test_a_file_with_two_definitions_registers_both(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("- {family: a, image: servicelab/demo-task, memory: 32}\n"
                    "- {family: b, image: servicelab/demo-task, memory: 64, containerPort: 8080}\n")
    (a, _), (b, _) = load_file(path)
    assert (a.family, a.memory, b.family, b.container_port) == ("a", 32, "b", 8080)


@pytest.mark.parametrize("text, expected", [
    ("family: x\nimage: servicelab/demo-task\nmemory: lots\n",
     ":3: field 'memory' must be a whole number from 6 to 4096, got 'lots'"),
    ("family: x\nimage: [unclosed\n", ":3: not valid YAML (expected ',' or ']'"),
    ("", ": the file is empty; expected a task definition mapping"),
    ("family: x\nimage: servicelab/demo-task\nmemory: 32\nhealthCheck:\n  command: [CMD, ok]\n  retries: 99\n",
     ":6: field 'healthCheck.retries'"),
])
def test_errors_name_the_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(TaskDefinitionFileError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}{expected}")
    # One error type for every hand-written file, so callers catch and show them alike.
    assert isinstance(caught.value, SourceError) and caught.value.path == path


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(TaskDefinitionFileError, match=f"^{tmp_path}/nope.yaml: no such file$"):
        load_file(tmp_path / "nope.yaml")


def test_a_path_under_the_working_directory_is_shown_relative(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TaskDefinitionFileError, match="^defs/x.yaml:1: "):
        parse_text("family: [x]\n", str(tmp_path / "defs" / "x.yaml"))
