"""Property-based fuzzing of the file readers: task definitions, workshop files, lessons and the state file.

Hand-written files (task definitions, workshops, lessons) are read or refused with one line that names
the file and the line, never a traceback, whatever the YAML holds: damaged good files, random
text, alias bombs, deep nesting, control characters. A state file is either one the sandbox
could have written, and then a control plane runs over it (recover, passes, snapshots) without
an error, or it is set aside (its bytes kept, never deleted) with one line saying where it went
and what was wrong. Derandomized and bounded: the suite takes seconds.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.state import atomic
from sandbox.workshop import quotas
from sandbox.api import lab_ops
from sandbox.api.lab_ops import ServerInfo
from sandbox.state.store import MAX_STATE_BYTES, Store
from sandbox.taskdefs.taskdef_file import TaskDefinitionFileError, parse_text
from sandbox.workshop.workshop_file import WorkshopFileError
from sandbox.workshop.workshop_file import parse_text as parse_workshop
from tests.sandbox_fixtures import fake_sandbox, settle
from tutor.lessons import LessonError, load_lesson, load_lessons, scaffold

RESULTS = {"task definitions": 0, "workshops": 0, "lessons": 0, "states": 0, "set aside": 0, "tracebacks": 0}


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    print(f"\nfile fuzz: {RESULTS}")


TASK_DEFINITION = {
    "family": "web", "description": "v1", "image": "servicelab/demo-task", "command": ["serve"],
    "environment": {"VERSION": "1"}, "cpu": 128, "memory": 32, "containerPort": 8080, "networkMode": "host",
    "healthCheck": {"command": ["CMD-SHELL", "demo-task health"], "interval": 5, "timeout": 2, "retries": 2,
                    "startPeriod": 1},
}
WORKSHOP = {"title": "Tuesday", "lessons": [{"id": "first-steps", "unlocked": True, "minutes": 20}, "keeping-count"],
            "quotas": {"maxTasks": 4, "cpu": 1024, "memory": 256}, "idleTimeout": "30m", "description": "hands on"}
BOMB = "".join(f"{c}: &{c} [{', '.join([f'*{p}' if p else 'lol'] * 9)}]\n" for p, c in zip([None, *"abcdefg"], "abcdefgh"))
TD_BOMB = "family: web\nimage: x\nenvironment:\n" + "".join(f"  {c.upper()}: " + BOMB.splitlines()[i].split(": ", 1)[1] + "\n"
                                                        for i, c in enumerate("abcdefgh"))
HOSTILE_YAML = [
    TD_BOMB, BOMB, "[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000, "- " * 3000 + "x",
    "family: a\x00b\nimage: x\n", 'family: "a\\0b"\nimage: x\n', "a: &a [*a]\n", "a: 2020-13-01\n",
    "cpu: " + "9" * 5000 + "\n", "!!python/object/apply:os.system [echo]\n", "\ufeff- family: web\n", "\x85\u2028",
    "? [a, b]\n: c\n", "title: [x\n", "&a a: *a\n", "%YAML 1.1\n---\na: 1\n---\nb: 2\n", "'" * 10000,
]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20), st.sampled_from(["", "0", "off", "30m", "CMD", "bridge", "x" * 70000]))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=10)
yaml_chars = st.text(alphabet=st.sampled_from(list("ab09 :-[]{},&*!|>'\"#?%@`\n\t\\\x00\x07\u00e9\ufeff")), max_size=80)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a document: keys of mappings and indexes of lists, depth first."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, prefix + (index,))
    return found


@st.composite
def damaged(draw, document: Any) -> Any:
    """A copy of a good document with one to three places replaced by anything, or removed."""
    data = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p in _paths(data) if p]
        if not places:
            break
        *parent_path, last = draw(st.sampled_from(places))
        parent = data
        for part in parent_path:
            parent = parent[part]
        if draw(st.integers(0, 4)) == 0:
            del parent[last]
        else:
            parent[last] = draw(json_values)
    return data


def yaml_texts(document: Any) -> st.SearchStrategy[str]:
    def dumped(data: Any) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def spliced(args: tuple[str, int, str]) -> str:
        text, at, insert = args
        at = min(at, len(text))
        return text[:at] + insert + text[at:]

    good = dumped(document)
    return st.one_of(
        damaged(document).map(dumped),
        st.tuples(st.just(good), st.integers(0, len(good)), yaml_chars).map(spliced),
        yaml_chars, st.sampled_from(HOSTILE_YAML),
    )


def _one_line(error: Exception, source: str) -> None:
    text = str(error)
    assert "\n" not in text and text.startswith(source), f"not one line naming {source}: {text!r}"


@fuzz(300)
@given(text=yaml_texts(TASK_DEFINITION) | yaml_texts([TASK_DEFINITION, TASK_DEFINITION]))
def test_task_definition_files_are_read_or_refused_in_one_line(text):
    RESULTS["task definitions"] += 1
    try:
        parse_text(text, "fuzz.yaml")
    except TaskDefinitionFileError as exc:
        _one_line(exc, "fuzz.yaml")
    except Exception:
        RESULTS["tracebacks"] += 1
        raise


@fuzz(300)
@given(text=yaml_texts(WORKSHOP))
def test_workshop_files_are_read_or_refused_in_one_line(text):
    RESULTS["workshops"] += 1
    try:
        parse_workshop(text, "class.yaml")
    except WorkshopFileError as exc:
        _one_line(exc, "class.yaml")
    except Exception:
        RESULTS["tracebacks"] += 1
        raise


@pytest.mark.parametrize("text", HOSTILE_YAML[:10])
def test_the_campaign_s_hostile_yaml_is_one_line_with_a_line_number(text):
    for read, error, source in ((parse_text, TaskDefinitionFileError, "td.yaml"),
                                (parse_workshop, WorkshopFileError, "class.yaml")):
        with pytest.raises(error) as raised:
            read(text, source)
        _one_line(raised.value, source)
        assert raised.value.line is not None, str(raised.value)


def test_a_task_definition_is_at_most_64_kib_as_ecs_allows():
    big = dict(TASK_DEFINITION, environment={f"V{i}": "x" * 1000 for i in range(70)})
    with pytest.raises(TaskDefinitionFileError, match="ECS allows at most 64 KiB"):
        parse_text(yaml.safe_dump(big), "big.yaml")


# -- lessons ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lesson_folder():
    """A scaffolded lesson (one that passes `lessons check`) whose lesson.yaml each example replaces."""
    with tempfile.TemporaryDirectory() as root:
        folder = scaffold.new_lesson(Path(root), "fuzz-me", None)
        good = (folder / "lesson.yaml").read_text()
        yield folder, good
        (folder / "lesson.yaml").write_text(good)


def _lesson_read_or_refused(folder: Path, text: str) -> LessonError | None:
    RESULTS["lessons"] += 1
    (folder / "lesson.yaml").write_text(text, encoding="utf-8")
    try:
        load_lesson(folder)
    except LessonError as exc:
        _one_line(exc, str(folder / "lesson.yaml"))
        return exc
    except Exception:
        RESULTS["tracebacks"] += 1
        raise
    return None


@fuzz(200)
@given(data=st.data())
def test_lesson_files_are_read_or_refused_in_one_line(lesson_folder, data):
    folder, good = lesson_folder
    _lesson_read_or_refused(folder, data.draw(yaml_texts(yaml.safe_load(good))))


@pytest.mark.parametrize("change", [
    lambda good: good + "deep: " + "[" * 3000 + "]" * 3000 + "\n",      # nesting that recursed
    lambda good: good.replace("title: Fuzz me", 'title: "Fuzz\\0me"'),   # a NUL from an escape
    lambda good: good.replace("minutes: 10", "minutes: 2020-13-01"),    # a date that is not one
    lambda good: good.replace("minutes: 10", "minutes: " + "9" * 5000),  # past int()'s digit limit
], ids=["deep", "nul", "bad-date", "long-number"])
def test_the_campaign_s_lesson_files_are_one_line_with_a_line_number(lesson_folder, change):
    folder, good = lesson_folder
    error = _lesson_read_or_refused(folder, change(good))
    assert error is not None and error.line is not None, error


def test_a_lesson_yaml_that_is_a_folder_and_a_missing_root_are_one_line(tmp_path):
    (tmp_path / "01-odd" / "lesson.yaml").mkdir(parents=True)
    for read in (lambda: load_lesson(tmp_path / "01-odd"), lambda: load_lessons(tmp_path)):
        with pytest.raises(LessonError, match="lesson.yaml: is a folder; a lesson's lesson.yaml is a file$"):
            read()
    for missing in (tmp_path / "nowhere", tmp_path / "01-odd" / "lesson.yaml" / "x"):
        with pytest.raises(LessonError, match="no such folder; lessons live in a folder of lesson folders$"):
            load_lessons(missing)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(LessonError, match="a-file: is a file; lessons live in a folder of lesson folders$"):
        load_lessons(tmp_path / "a-file")


# -- the state file ---------------------------------------------------------------------------
def _good_state() -> dict[str, Any]:
    """A state with one of everything the sandbox writes: deployments, a load balancer, scaling, chaos."""
    sb, control, runtime, clock = fake_sandbox()
    sb.create_service("default", "web", "web:1", 3)
    sb.create_service("default", "api", "web:1", 2, placement_strategy=[{"type": "spread", "field": "instanceId"}],
                      load_balancer={})
    sb.set_scaling_policy("default", "api", "cpu", 50, 1, 4)
    sb.start_chaos("default", "web", 5, 60)
    sb.run_task("default", "batch:1")
    settle(control)
    sb.update_service("default", "web", 2, "web:2")
    settle(control)
    for container in runtime.running()[:2]:
        runtime.exit(container.container_id, 1)
    settle(control)
    return control.store.to_dict()


GOOD_STATE = _good_state()
HOSTILE_STATES = [b"true", b"[]", b"null", b"{}", b"[" * 100000 + b"]" * 100000, b'{"format": 1e400}', b"\xff",
                  json.dumps({**GOOD_STATE, "services": {}}).encode(),
                  json.dumps({**GOOD_STATE, "clusters": [[]]}).encode()]


def _vocabulary(state: dict[str, Any]) -> list[Any]:
    """Every text the state holds (names, ids, statuses, refs), so a swap keeps the types right
    and breaks only what refers to what."""
    found: set[str] = {"nope", "web:9", "ghost", "us-east-1z", "STOPPED", "RUNNING", "INACTIVE", "DRAINING"}
    stack: list[Any] = [state]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and len(node) < 80:
            found.add(node)
    return sorted(found)


def _like(value: Any, words: list[str]) -> st.SearchStrategy[Any]:
    """Another value of the same type: what a damaged but well-typed file would hold."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(-2, 120)
    if isinstance(value, float):
        return st.floats(0, 2e9)
    if isinstance(value, str):
        return st.sampled_from(words)
    if isinstance(value, list):
        return st.lists(st.sampled_from(value), max_size=len(value) + 1) if value else st.just([])
    if value is None:
        return st.none() | st.sampled_from(words) | st.integers(0, 120)
    return st.just(value)


@st.composite
def well_typed_but_wrong(draw, document: dict[str, Any]) -> dict[str, Any]:
    """A good state with one to four values swapped for others of the same type."""
    data, words = copy.deepcopy(document), _vocabulary(document)
    for _ in range(draw(st.integers(1, 4))):
        *parent_path, last = draw(st.sampled_from([p for p in _paths(data) if p]))
        parent = data
        for part in parent_path:
            parent = parent[part]
        parent[last] = draw(_like(parent[last], words))
    return data


def _with_desired_count(count: Any) -> bytes:
    state = copy.deepcopy(GOOD_STATE)
    state["services"][0]["desiredCount"] = count
    return json.dumps(state).encode()


def _run_over(store: Store) -> None:
    """What a control plane does with a loaded state: recover, a few passes, every shape it answers."""
    sb, control, runtime, clock = fake_sandbox(store=store)
    control.recover()
    settle(control, 3)
    clock.advance(30)
    settle(control, 2)
    lab_ops.snapshot(sb, ServerInfo(sandbox="fuzz", runtime="fake"))
    with store.lock:
        quotas.usage(store)


def _load(raw: bytes) -> None:
    RESULTS["states"] += 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.json"
        path.write_bytes(raw)
        store = Store(path)
        try:
            store.load()
            if store.set_aside is None:
                _run_over(store)
        except Exception:
            RESULTS["tracebacks"] += 1
            raise
        if store.set_aside is not None:
            RESULTS["set aside"] += 1
            assert store.set_aside.read_bytes() == raw and not path.exists(), "the file was not kept as it was"
            assert "\n" not in store.set_aside_note and store.set_aside.name in store.set_aside_note


@fuzz(250)
@given(state=damaged(GOOD_STATE))
def test_a_damaged_state_is_set_aside_in_one_line_or_runs(state):
    _load(json.dumps(state).encode())


@fuzz(250)
@given(state=well_typed_but_wrong(GOOD_STATE))
def test_a_well_typed_but_inconsistent_state_is_set_aside_or_runs(state):
    _load(json.dumps(state).encode())


@fuzz(60)
@given(raw=st.sampled_from(HOSTILE_STATES) | st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_a_state_file_that_is_not_a_state_is_set_aside(raw):
    _load(raw)


@pytest.mark.parametrize("count", [-3, 100000, 2**63 - 1, 1.5, True, "3"])
def test_a_desired_count_outside_the_api_s_limits_is_refused(count, tmp_path):
    path = tmp_path / "state.json"
    path.write_bytes(_with_desired_count(count))
    store = Store(path)
    store.load()
    assert store.set_aside is not None and store.services == {}
    assert "desiredCount" in store.set_aside_note and "\n" not in store.set_aside_note


def test_a_state_file_past_the_size_cap_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr("sandbox.state.store.MAX_STATE_BYTES", 1 << 20)
    path = tmp_path / "state.json"
    path.write_bytes(b'{"pad": "' + b"x" * (1 << 20) + b'"}')
    store = Store(path)
    store.load()
    assert store.set_aside is not None and "larger than 1 MiB" in store.set_aside_note
    assert MAX_STATE_BYTES >= 1000 * 64 * 1024, "a state that reached the caps must always load again"


def test_a_store_whose_folder_was_deleted_never_saves_again(tmp_path):
    folder = tmp_path / "sandbox"
    folder.mkdir()
    store = Store(folder / "state.json")
    store.save()
    assert (folder / "state.json").exists()
    (folder / "state.json").unlink()
    folder.rmdir()
    store.save()
    assert not folder.exists(), "the store recreated a deleted sandbox"
    folder.mkdir()  # the next command's new sandbox of the same name
    store.save()
    assert list(folder.iterdir()) == [] and store.folder_lost


def test_a_folder_replaced_by_another_of_the_same_name_is_not_written(tmp_path):
    folder = tmp_path / "sandbox"
    folder.mkdir()
    held = atomic.Folder(folder)
    folder.rmdir()
    folder.mkdir()
    (folder / "api.json").write_text("{}")
    with pytest.raises(atomic.FolderLost):
        held.write_json("state.json", {})
    with pytest.raises(atomic.FolderLost):
        held.remove("api.json")
    assert sorted(p.name for p in folder.iterdir()) == ["api.json"]
