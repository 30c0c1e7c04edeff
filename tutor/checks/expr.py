"""The check language: expressions over sandbox state by stable names, such as `service(web).running >= 3`.

No Textual here. Lessons refer to the sandbox only through the names in NAMES, never through
the JSON shape of a snapshot, so the shape can change without touching a lesson (and a lint
can check every reference). Expressions are parsed once, when a lesson loads, with errors
that point at the column; evaluating one against a `View` of one snapshot cannot raise for
a well-typed expression.

Grammar (`not` binds tighter than `and`, which binds tighter than `or`):

    expr    := and ("or" and)*
    and     := unary ("and" unary)*
    unary   := "not" unary | compare
    compare := sum (("=="|"!="|"<="|">="|"<"|">") sum)?
    sum     := atom (("+"|"-") atom)*
    atom    := NUMBER | STRING | "true" | "false" | "(" expr ")" | ref
    ref     := NAME "(" [arg ("," arg)*] ")" ["." ATTR]
    arg     := [KEY "="] WORD-or-STRING-or-NUMBER
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

NUMBER, BOOL, TEXT, LIST = "number", "true/false", "text", "list"

TASK_STATUSES = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING",
                 "DEPROVISIONING", "STOPPED")
TASK_EVENT_KINDS = ("created", "started", "stopped")


class ExprError(ValueError):
    """An expression that cannot be used; `column` is 1-based within the expression text."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        super().__init__(message if column is None else f"{message} (at column {column})")


# -- the AST ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Literal:
    value: Any

    @property
    def type(self) -> str:
        return _type_of(self.value)

    def source(self) -> str:
        return _show(self.value)


@dataclass(frozen=True)
class Ref:
    name: str
    args: tuple[tuple[str, Any], ...]
    attr: str
    type: str

    def source(self) -> str:
        spec = NAMES[self.name]
        shown = []
        for key, value in self.args:
            text = value if isinstance(value, str) and _WORD_ONLY.match(value) else _show(value)
            shown.append(text if key == spec.positional else f"{key}={text}")
        return f"{self.name}({', '.join(shown)}).{self.attr}"


@dataclass(frozen=True)
class Compare:
    op: str
    left: Any
    right: Any
    type: str = BOOL

    def source(self) -> str:
        return f"{self.left.source()} {self.op} {self.right.source()}"


@dataclass(frozen=True)
class Arith:
    op: str
    left: Any
    right: Any
    type: str = NUMBER

    def source(self) -> str:
        return f"{self.left.source()} {self.op} {self.right.source()}"


@dataclass(frozen=True)
class Logic:
    op: str  # "and", "or"
    items: tuple[Any, ...]
    type: str = BOOL

    def source(self) -> str:
        return f" {self.op} ".join(_group(item) for item in self.items)


@dataclass(frozen=True)
class Not:
    item: Any
    type: str = BOOL

    def source(self) -> str:
        return f"not {_group(self.item)}"


def _group(node: Any) -> str:
    return f"({node.source()})" if isinstance(node, Logic) else node.source()


# -- the stable names ------------------------------------------------------------------------
@dataclass(frozen=True)
class Name:
    """One stable name: its arguments, its attributes and how to compute them from a View."""

    doc: str
    args: dict[str, str]
    """Argument key to what it takes (shown in errors and docs)."""
    attrs: dict[str, tuple[str, str]]
    """Attribute to (type, meaning)."""
    default: str | None
    compute: Callable[["View", dict[str, Any]], dict[str, Any]]
    positional: str | None = None
    required: tuple[str, ...] = ()
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)


NAMES: dict[str, Name] = {}


def _name(name: str, doc: str, args: dict[str, str], attrs: dict[str, tuple[str, str]],
          default: str | None = None, positional: str | None = None, required: tuple[str, ...] = (),
          choices: dict[str, tuple[str, ...]] | None = None):
    def register(fn):
        NAMES[name] = Name(doc, args, attrs, default, fn, positional, required, choices or {})
        return fn

    return register


TASK_FILTERS = {
    "service": "a service name",
    "family": "a task definition family, such as batch",
    "taskdef": "FAMILY:REVISION, such as web:2",
    "status": "a lastStatus, such as RUNNING or STOPPED",
    "desired": "a desiredStatus: RUNNING or STOPPED",
    "health": "HEALTHY, UNHEALTHY or UNKNOWN",
    "code": "a stopCode, such as UserInitiated",
    "reason": "text the stoppedReason contains",
    "zone": "an availability zone",
    "oneoff": "true for tasks started by run-task (no service)",
    "exit": "the container's exit code",
}
TASK_CHOICES = {
    "status": TASK_STATUSES,
    "desired": ("RUNNING", "STOPPED"),
    "health": ("HEALTHY", "UNHEALTHY", "UNKNOWN"),
}


@_name("service", "One service, by name. A service that does not exist reads as desired 0, running 0.",
       {"name": "the service name"},
       {"exists": (BOOL, "the service is ACTIVE"),
        "deleted": (BOOL, "it was ACTIVE at some moment since the exercise began and is not now: a check "
                          "that it is gone cannot pass when it was never there"),
        "status": (TEXT, "ACTIVE, DRAINING, INACTIVE, or MISSING"),
        "desired": (NUMBER, "desiredCount"),
        "running": (NUMBER, "runningCount"),
        "pending": (NUMBER, "pendingCount"),
        "steady": (BOOL, "its newest event says it reached a steady state"),
        "taskdef": (TEXT, "the task definition it runs, FAMILY:REVISION"),
        "deployments": (NUMBER, "how many deployments it has (more than 1 while rolling)"),
        "rolling": (BOOL, "a deployment is rolling: more than one deployment exists"),
        "rollout": (TEXT, "the primary deployment's rolloutState"),
        "failed_tasks": (NUMBER, "the primary deployment's failedTasks"),
        "chaos": (BOOL, "a chaos run is under way"),
        "strategy": (TEXT, "its placement strategy, as type:field pairs joined by commas")},
       positional="name", required=("name",))
def _service(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    name = str(args["name"])
    s = view.service(name)
    if s is None:
        return {"exists": False, "deleted": name in view.active_seen, "status": "MISSING", "desired": 0,
                "running": 0, "pending": 0, "steady": False, "taskdef": "", "deployments": 0, "rolling": False,
                "rollout": "", "failed_tasks": 0, "chaos": False, "strategy": ""}
    deployments = s.get("deployments") or []
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), deployments[0] if deployments else {})
    return {
        "exists": s.get("status") == "ACTIVE",
        "deleted": s.get("status") != "ACTIVE" and name in view.active_seen,
        "status": s.get("status", "ACTIVE"),
        "desired": s.get("desiredCount", 0),
        "running": s.get("runningCount", 0),
        "pending": s.get("pendingCount", 0),
        "steady": bool(s.get("steady")),
        "taskdef": s.get("taskDefinitionRef") or str(s.get("taskDefinition", "")).rsplit("/", 1)[-1],
        "deployments": len(deployments),
        "rolling": len(deployments) > 1,
        "rollout": primary.get("rolloutState", ""),
        "failed_tasks": primary.get("failedTasks", 0),
        "chaos": bool(s.get("chaos")),
        "strategy": ",".join(f"{p.get('type')}:{p.get('field', '')}".rstrip(":")
                             for p in s.get("placementStrategy") or []),
    }


@_name("tasks", "Tasks matching every filter. STOPPED tasks that stopped before the exercise began are left out.",
       TASK_FILTERS,
       {"count": (NUMBER, "how many match"),
        "first": (TEXT, "the id of the oldest match ('' when none)"),
        "ids": (LIST, "the ids of all matches, oldest first"),
        "zones": (NUMBER, "how many availability zones the matches run in"),
        "ports": (NUMBER, "how many distinct host ports the matches listen on")},
       default="count", choices=TASK_CHOICES)
def _tasks(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    found = view.tasks(args)
    return {
        "count": len(found),
        "first": found[0]["taskId"] if found else "",
        "ids": [t["taskId"] for t in found],
        "zones": len({z for z in (zone_of(t) for t in found) if z}),
        "ports": len({b.get("hostPort") for t in found for c in t.get("containers", [])
                      for b in c.get("networkBindings", []) if b.get("hostPort")}),
    }


@_name("oneoff", "One-off tasks (run-task, no service) of a family: how many, and how they ended.",
       {"family": TASK_FILTERS["family"], "taskdef": TASK_FILTERS["taskdef"]},
       {"count": (NUMBER, "all of them"),
        "live": (NUMBER, "not STOPPED yet"),
        "running": (NUMBER, "RUNNING now"),
        "stopped": (NUMBER, "STOPPED"),
        "succeeded": (NUMBER, "STOPPED with exit code 0"),
        "failed": (NUMBER, "STOPPED any other way")},
       default="count")
def _oneoff(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    found = view.tasks({**args, "oneoff": True})
    stopped = [t for t in found if t.get("lastStatus") == "STOPPED"]
    succeeded = [t for t in stopped if exit_code_of(t) == 0]
    return {
        "count": len(found),
        "live": len(found) - len(stopped),
        "running": sum(1 for t in found if t.get("lastStatus") == "RUNNING"),
        "stopped": len(stopped),
        "succeeded": len(succeeded),
        "failed": len(stopped) - len(succeeded),
    }


@_name("events", "A service's event log since the exercise began, optionally only lines containing some text.",
       {"service": "a service name", "contains": "text the event contains (any case)"},
       {"count": (NUMBER, "how many events"), "latest": (TEXT, "the newest one's message ('' when none)")},
       default="count", positional="service", required=("service",))
def _events(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    found = view.lines("events", "message", "createdAt", args)
    return {"count": len(found), "latest": found[0] if found else ""}


@_name("decisions", "What the reconciler decided for a service, and why, since the exercise began.",
       {"service": "a service name", "contains": "text the decision contains (any case)"},
       {"count": (NUMBER, "how many decisions"), "latest": (TEXT, "the newest one ('' when none)")},
       default="count", positional="service", required=("service",))
def _decisions(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    found = view.lines("decisions", "text", "at", args)
    return {"count": len(found), "latest": found[0] if found else ""}


EVENT_FILTERS = {
    "service": "a service name", "family": TASK_FILTERS["family"], "kind": "created, started or stopped",
    "code": TASK_FILTERS["code"], "oneoff": TASK_FILTERS["oneoff"],
}


@_name("task_events", "Task changes seen since the exercise began (a task created, reaching RUNNING, or STOPPED).",
       EVENT_FILTERS, {"count": (NUMBER, "how many")}, default="count", choices={"kind": TASK_EVENT_KINDS})
def _task_events(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    return {"count": view.count_task_events(args)}


_SHORT_FILTERS = {k: v for k, v in EVENT_FILTERS.items() if k != "kind"}


@_name("task_stopped", "Shorthand for task_events(kind=stopped, ...): tasks seen stopping since the exercise began.",
       _SHORT_FILTERS, {"count": (NUMBER, "how many")}, default="count")
def _task_stopped(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    return {"count": view.count_task_events({**args, "kind": "stopped"})}


@_name("task_started", "Shorthand for task_events(kind=started, ...): tasks seen reaching RUNNING.",
       _SHORT_FILTERS, {"count": (NUMBER, "how many")}, default="count")
def _task_started(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    return {"count": view.count_task_events({**args, "kind": "started"})}


@_name("zones", "How a service's RUNNING tasks spread over availability zones.",
       {"service": "a service name"},
       {"used": (NUMBER, "zones with at least one of its tasks"),
        "max": (NUMBER, "tasks in its fullest zone"),
        "min": (NUMBER, "tasks in its emptiest zone, empty ones included (the zones of the cluster's "
                        "instances when the snapshot lists them, else every zone a task of the cluster is in)"),
        "spread": (NUMBER, "max minus min: 0 or 1 means evenly spread")},
       default="used", positional="service", required=("service",))
def _zones(view: "View", args: dict[str, Any]) -> dict[str, Any]:
    running = view.tasks({"service": args["service"], "status": "RUNNING"})
    per_zone: dict[str, int] = {zone: 0 for zone in view.known_zones()}
    for task in running:
        zone = zone_of(task)
        if zone:
            per_zone[zone] = per_zone.get(zone, 0) + 1
    counts = list(per_zone.values()) or [0]
    return {"used": sum(1 for c in counts if c), "max": max(counts), "min": min(counts),
            "spread": max(counts) - min(counts)}


# -- reading a snapshot ----------------------------------------------------------------------
def zone_of(task: dict[str, Any]) -> str | None:
    """A task's availability zone: ECS's `availabilityZone`, else its `ecs.availability-zone` attribute."""
    if task.get("availabilityZone"):
        return task["availabilityZone"]
    for attribute in task.get("attributes") or []:
        if attribute.get("name") == "ecs.availability-zone":
            return attribute.get("value")
    return None


def exit_code_of(task: dict[str, Any]) -> int | None:
    for container in task.get("containers") or []:
        if "exitCode" in container:
            return container["exitCode"]
    return None


def _cluster_of(arn: str | None) -> str | None:
    return arn.rsplit("/", 1)[-1] if arn else None


def _instance_cluster(instance: dict[str, Any]) -> str | None:
    """`arn:aws:ecs:REGION:ACCOUNT:container-instance/CLUSTER/ID` names the instance's cluster."""
    parts = str(instance.get("containerInstanceArn", "")).split("/")
    return parts[-2] if len(parts) >= 3 else None


class View:
    """One snapshot as the stable names see it: one cluster, history before `origin` left out."""

    def __init__(self, snapshot: dict[str, Any], origin: float = 0.0, cluster: str = "default",
                 task_events: Iterable[Any] = (), active_seen: Iterable[str] = ()) -> None:
        self.snapshot = snapshot
        self.origin = origin
        self.cluster = cluster
        self.task_events = list(task_events)
        self.active_seen = frozenset(active_seen)
        """Services seen ACTIVE at some moment since origin (the timeline knows; one snapshot does not)."""
        self._services = {
            s.get("serviceName"): s for s in snapshot.get("services", [])
            if s.get("cluster", _cluster_of(s.get("clusterArn"))) in (None, cluster)
        }
        self._tasks = [
            t for t in snapshot.get("tasks", [])
            if _cluster_of(t.get("clusterArn")) in (None, cluster)
            and not (t.get("lastStatus") == "STOPPED" and (t.get("stoppedAt") or 0) < origin)
        ]
        self._tasks.sort(key=lambda t: (t.get("createdAt") or 0, t.get("taskId", "")))
        self._cache: dict[tuple, dict[str, Any]] = {}

    def service(self, name: str) -> dict[str, Any] | None:
        return self._services.get(name)

    def active_services(self) -> set[str]:
        return {name for name, s in self._services.items() if s.get("status") == "ACTIVE"}

    def tasks(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        return [t for t in self._tasks if _task_matches(t, filters)]

    def lines(self, key: str, text_key: str, at_key: str, args: dict[str, Any]) -> list[str]:
        """A service's events or decisions since origin, newest first, filtered by `contains`."""
        s = self.service(str(args["service"])) or {}
        needle = str(args.get("contains", "")).lower()
        return [item.get(text_key, "") for item in s.get(key) or []
                if (item.get(at_key) or 0) >= self.origin and needle in item.get(text_key, "").lower()]

    def count_task_events(self, args: dict[str, Any]) -> int:
        def keep(e: Any) -> bool:  # a timeline.TaskEvent
            return (
                ("service" not in args or e.service == str(args["service"]))
                and ("family" not in args or e.family == str(args["family"]))
                and ("kind" not in args or e.kind == args["kind"])
                and ("code" not in args or e.stop_code == str(args["code"]))
                and ("oneoff" not in args or (e.service is None) == bool(args["oneoff"]))
            )

        return sum(1 for e in self.task_events if e.at >= self.origin and keep(e))

    def known_zones(self) -> list[str]:
        """The zones to spread over: the container instances' zones when the snapshot lists
        instances, else every zone a task of this cluster is seen in."""
        instances = [i for i in self.snapshot.get("containerInstances") or self.snapshot.get("instances") or []
                     if _instance_cluster(i) in (None, self.cluster)]
        zones = [i.get("availabilityZone") for i in instances
                 if i.get("status", "ACTIVE") == "ACTIVE" and not i.get("zoneFailed")]
        if not instances:
            zones = [zone_of(t) for t in self._tasks]
        return sorted({z for z in zones if z})

    def value(self, ref: Ref) -> Any:
        key = (ref.name, ref.args)
        if key not in self._cache:
            self._cache[key] = NAMES[ref.name].compute(self, dict(ref.args))
        return self._cache[key][ref.attr]


def _task_matches(task: dict[str, Any], f: dict[str, Any]) -> bool:
    group = task.get("group", "")
    service = group.split(":", 1)[1] if group.startswith("service:") else None
    ref = task.get("taskDefinition") or str(task.get("taskDefinitionArn", "")).rsplit("/", 1)[-1]
    checks = (
        ("service", lambda v: service == str(v)),
        ("family", lambda v: ref.split(":", 1)[0] == str(v)),
        ("taskdef", lambda v: ref == str(v)),
        ("status", lambda v: task.get("lastStatus") == v),
        ("desired", lambda v: task.get("desiredStatus") == v),
        ("health", lambda v: task.get("healthStatus") == v),
        ("code", lambda v: task.get("stopCode") == str(v)),
        ("reason", lambda v: str(v).lower() in (task.get("stoppedReason") or "").lower()),
        ("zone", lambda v: zone_of(task) == str(v)),
        ("oneoff", lambda v: (service is None) == bool(v)),
        ("exit", lambda v: exit_code_of(task) == v),
    )
    return all(test(f[key]) for key, test in checks if key in f)


# -- evaluating ------------------------------------------------------------------------------
def evaluate(node: Any, view: View) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return view.value(node)
    if isinstance(node, Compare):
        return _compare(node.op, evaluate(node.left, view), evaluate(node.right, view))
    if isinstance(node, Arith):
        left, right = evaluate(node.left, view), evaluate(node.right, view)
        return left + right if node.op == "+" else left - right
    if isinstance(node, Not):
        return not evaluate(node.item, view)
    if isinstance(node, Logic):
        values = (evaluate(item, view) for item in node.items)
        return all(values) if node.op == "and" else any(values)
    raise TypeError(f"not an expression node: {node!r}")


def _compare(op: str, left: Any, right: Any) -> bool:
    return {
        "==": lambda: left == right, "!=": lambda: left != right,
        "<": lambda: left < right, "<=": lambda: left <= right,
        ">": lambda: left > right, ">=": lambda: left >= right,
    }[op]()


def explain(node: Any, view: View) -> str:
    """Why a true/false expression is false right now, in one line with the actual values."""
    if isinstance(node, Compare):
        left, right = evaluate(node.left, view), evaluate(node.right, view)
        if isinstance(node.right, Literal):
            return f"{node.left.source()} is {_show(left)}, needs {node.op} {_show(right)}"
        if isinstance(node.left, Literal):
            return f"{node.right.source()} is {_show(right)}, needs {_flip(node.op)} {_show(left)}"
        return f"{node.left.source()} is {_show(left)} but {node.right.source()} is {_show(right)} (needs {node.op})"
    if isinstance(node, Not):
        return f"{node.item.source()} is true"
    if isinstance(node, Logic):
        if node.op == "and":
            return next(explain(item, view) for item in node.items if not evaluate(item, view))
        return "none holds: " + "; ".join(explain(item, view) for item in node.items)
    return f"{node.source()} is {_show(evaluate(node, view))}"


def _flip(op: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)


def refs(node: Any) -> list[Ref]:
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, (Compare, Arith)):
        return refs(node.left) + refs(node.right)
    if isinstance(node, Not):
        return refs(node.item)
    if isinstance(node, Logic):
        return [r for item in node.items for r in refs(item)]
    return []


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return f"[{', '.join(str(v) for v in value)}]"
    return str(value)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, list):
        return LIST
    return TEXT


# -- parsing ---------------------------------------------------------------------------------
_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_:.\-]*")
_WORD_ONLY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_:.\-]*$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_OPS = ("==", "!=", "<=", ">=", "<", ">")


def parse(text: str, want: str | None = BOOL) -> Any:
    """Parse an expression; `want` is the type it must have (None: any type)."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("the expression is empty")
    parser = _Parser(text)
    node = parser.expr()
    parser.space()
    if parser.pos < len(text):
        raise ExprError(f"unexpected {text[parser.pos:parser.pos + 12]!r}", parser.pos + 1)
    if want is not None and node.type != want:
        raise ExprError(f"{node.source()!r} is {node.type}; expected {want}"
                        + (" (compare it, e.g. '>= 1')" if want == BOOL and node.type == NUMBER else ""))
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek_word(self, word: str) -> bool:
        self.space()
        end = self.pos + len(word)
        return self.text.startswith(word, self.pos) and (end >= len(self.text) or not self.text[end].isalnum() and self.text[end] != "_")

    def take(self, token: str) -> bool:
        self.space()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def fail(self, message: str) -> ExprError:
        return ExprError(message, self.pos + 1)

    def expr(self) -> Any:
        items = [self.conj()]
        while self.peek_word("or"):
            self.pos += 2
            items.append(self.conj())
        return self._logic("or", items)

    def conj(self) -> Any:
        items = [self.unary()]
        while self.peek_word("and"):
            self.pos += 3
            items.append(self.unary())
        return self._logic("and", items)

    def _logic(self, op: str, items: list[Any]) -> Any:
        if len(items) == 1:
            return items[0]
        for item in items:
            if item.type != BOOL:
                raise ExprError(f"'{op}' joins true/false conditions, but {item.source()!r} is {item.type}")
        return Logic(op, tuple(items))

    def unary(self) -> Any:
        if self.peek_word("not"):
            self.pos += 3
            item = self.unary()
            if item.type != BOOL:
                raise ExprError(f"'not' needs a true/false condition, but {item.source()!r} is {item.type}")
            return Not(item)
        return self.compare()

    def compare(self) -> Any:
        left = self.sum()
        self.space()
        for op in _OPS:
            if self.text.startswith(op, self.pos):
                start = self.pos + 1
                self.pos += len(op)
                right = self.sum()
                _check_comparable(op, left, right, start)
                return Compare(op, left, right)
        if self.text.startswith("=", self.pos):
            raise self.fail("use '==' to compare")
        return left

    def sum(self) -> Any:
        node = self.atom()
        while True:
            self.space()
            if self.pos < len(self.text) and self.text[self.pos] in "+-":
                op = self.text[self.pos]
                self.pos += 1
                right = self.atom()
                for side in (node, right):
                    if side.type != NUMBER:
                        raise ExprError(f"'{op}' works on numbers, but {side.source()!r} is {side.type}")
                node = Arith(op, node, right)
            else:
                return node

    def atom(self) -> Any:
        self.space()
        if self.pos >= len(self.text):
            raise self.fail("the expression ends too early")
        char = self.text[self.pos]
        if char == "(":
            self.pos += 1
            node = self.expr()
            if not self.take(")"):
                raise self.fail("missing ')'")
            return node
        if char in "'\"":
            return Literal(self.string())
        number = _NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            value = float(number.group()) if "." in number.group() else int(number.group())
            return Literal(value)
        for word, value in (("true", True), ("false", False)):
            if self.peek_word(word):
                self.pos += len(word)
                return Literal(value)
        return self.ref()

    def string(self) -> str:
        quote = self.text[self.pos]
        end = self.text.find(quote, self.pos + 1)
        if end < 0:
            raise self.fail("a quoted text is not closed")
        value = self.text[self.pos + 1:end]
        self.pos = end + 1
        return value

    def ref(self) -> Ref:
        self.space()
        start = self.pos
        ident = _IDENT.match(self.text, self.pos)
        if not ident:
            raise self.fail(f"unexpected {self.text[self.pos:self.pos + 12]!r}; expected a name such as service(web).running")
        name = ident.group()
        if name not in NAMES:
            close = difflib.get_close_matches(name, NAMES, n=1)
            guess = f" (did you mean '{close[0]}'?)" if close else ""
            raise ExprError(f"unknown name '{name}'{guess}; known: {', '.join(NAMES)}", start + 1)
        spec = NAMES[name]
        self.pos = ident.end()
        if not self.take("("):
            raise self.fail(f"'{name}' needs arguments in parentheses, such as {name}(...)")
        args = self.arguments(name, spec)
        attr = spec.default
        if self.take("."):
            found = _IDENT.match(self.text, self.pos)
            if not found:
                raise self.fail(f"expected an attribute of {name}: {', '.join(spec.attrs)}")
            attr = found.group()
            if attr not in spec.attrs:
                close = difflib.get_close_matches(attr, spec.attrs, n=1)
                guess = f" (did you mean '{close[0]}'?)" if close else ""
                raise ExprError(f"{name}() has no attribute '{attr}'{guess}; it has: {', '.join(spec.attrs)}", self.pos + 1)
            self.pos = found.end()
        if attr is None:
            raise self.fail(f"{name}(...) needs an attribute: .{', .'.join(spec.attrs)}")
        return Ref(name, args, attr, spec.attrs[attr][0])

    def arguments(self, name: str, spec: Name) -> tuple[tuple[str, Any], ...]:
        values: dict[str, Any] = {}
        if not self.take(")"):
            while True:
                self.space()
                at = self.pos
                key_match = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)").match(self.text, self.pos)
                if key_match:
                    key = key_match.group(1)
                    self.pos = key_match.end()
                elif spec.positional and not values:
                    key = spec.positional
                else:
                    raise self.fail(f"{name}() takes key=value arguments: {', '.join(spec.args)}")
                if key not in spec.args:
                    close = difflib.get_close_matches(key, spec.args, n=1)
                    guess = f" (did you mean '{close[0]}'?)" if close else ""
                    raise ExprError(f"{name}() has no argument '{key}'{guess}; it takes: {', '.join(spec.args)}", at + 1)
                if key in values:
                    raise ExprError(f"{name}() is given '{key}' twice", at + 1)
                values[key] = self.argument_value(name, key, spec)
                if self.take(")"):
                    break
                if not self.take(","):
                    raise self.fail(f"expected ',' or ')' in {name}(...)")
        for key in spec.required:
            if key not in values:
                raise self.fail(f"{name}() needs '{key}': {spec.args[key]}")
        return tuple(sorted(values.items(), key=lambda kv: list(spec.args).index(kv[0])))

    def argument_value(self, name: str, key: str, spec: Name) -> Any:
        self.space()
        at = self.pos
        if self.pos < len(self.text) and self.text[self.pos] in "'\"":
            value: Any = self.string()
        else:
            word = _WORD.match(self.text, self.pos)
            if not word:
                raise self.fail(f"expected a value for '{key}': {spec.args[key]}")
            self.pos = word.end()
            value = word.group()
            if value in ("true", "false"):
                value = value == "true"
            elif re.fullmatch(r"-?\d+", value):
                value = int(value)
        allowed = spec.choices.get(key)
        if allowed and value not in allowed:
            raise ExprError(f"{name}({key}=...) is {_show(value)}; allowed: {', '.join(allowed)}", at + 1)
        return value


def _check_comparable(op: str, left: Any, right: Any, column: int) -> None:
    types = {left.type, right.type}
    if LIST in types:
        raise ExprError("a list cannot be compared; use .count instead of .ids", column)
    if len(types) > 1:
        raise ExprError(f"cannot compare {left.source()!r} ({left.type}) with {right.source()!r} ({right.type})", column)
    if op not in ("==", "!=") and types != {NUMBER}:
        raise ExprError(f"'{op}' compares numbers; {left.source()!r} is {left.type}", column)


# -- templates: text with {EXPR} placeholders (hints, commands) --------------------------------
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


def parse_template(text: str) -> list[Any]:
    """Split text into literal strings and parsed expressions; `{{` and `}}` are literal braces."""
    parts: list[Any] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        parts.append(text[last:match.start()])
        if match.group(0) in ("{{", "}}"):
            parts.append(match.group(0)[0])
        else:
            try:
                parts.append(parse(match.group(1), want=None))
            except ExprError as exc:
                raise ExprError(f"in {{{match.group(1)}}}: {exc}") from None
        last = match.end()
    parts.append(text[last:])
    return [p for p in parts if p != ""]


def has_placeholders(parts: list[Any]) -> bool:
    return any(not isinstance(p, str) for p in parts)


def render(parts: list[Any], view: View) -> str:
    """Fill the placeholders with current values (lists are joined with spaces)."""
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        else:
            value = evaluate(part, view)
            out.append(" ".join(map(str, value)) if isinstance(value, list) else
                       (_show(value) if isinstance(value, bool) else str(value)))
    return "".join(out)


def expand(parts: list[Any], view: View) -> list[str]:
    """Like render, but a list-valued placeholder repeats the text once per item (none for an empty list)."""
    lists = [(i, evaluate(p, view)) for i, p in enumerate(parts) if not isinstance(p, str)]
    many = [(i, v) for i, v in lists if isinstance(v, list)]
    if not many:
        return [render(parts, view)]
    index, items = many[0]
    return [
        line
        for item in items
        for line in expand(parts[:index] + [str(item)] + parts[index + 1:], view)
    ]
