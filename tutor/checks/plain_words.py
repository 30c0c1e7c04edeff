"""The check language in plain words, for every line a learner reads.

No Textual here. Lessons write placeholders and waits in the check language
(`{tasks(service=web, status=RUNNING).first}`, `wait: service(web).running == 2`); a learner
reads the live value when it is known, else words in angle brackets (`<a running web task
id>`), and waits as sentences ("wait until web runs 2 tasks"). Every place that shows a try
command, a script line (a demo, a mistake, a solution) or a reset step goes through here:
`script_line()` and `command()` to show, `commands()` to fill one for the command bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tutor.checks import expr
from tutor.checks.expr import Compare, Literal, Logic, Not, Ref, View

OP_WORDS = {"==": "", "!=": "not ", ">=": "at least ", "<=": "at most ", ">": "more than ", "<": "fewer than "}
BOOL_WORDS = {
    "exists": ("{s} exists", "{s} does not exist"),
    "deleted": ("{s} has been deleted", "{s} has not been deleted"),
    "steady": ("{s} has reached a steady state", "{s} has not reached a steady state"),
    "rolling": ("{s} is rolling out a deployment", "{s} is not rolling out a deployment"),
    "chaos": ("a chaos run is under way on {s}", "no chaos run is under way on {s}"),
}
SERVICE_VALUES = {
    "status": "{s}'s status", "taskdef": "{s}'s task definition", "rollout": "{s}'s rollout state",
    "strategy": "{s}'s placement strategy", "desired": "{s}'s desired count",
}
SERVICE_COUNTS = {
    "running": ("running task of {s}", "running tasks of {s}"),
    "pending": ("pending task of {s}", "pending tasks of {s}"),
    "deployments": ("deployment of {s}", "deployments of {s}"),
    "failed_tasks": ("failed task of {s}'s deployment", "failed tasks of {s}'s deployment"),
}


@dataclass(frozen=True)
class Noun:
    """What a value is, in words: a count (one and many forms) or a single value."""

    one: str
    many: str = ""

    @property
    def counted(self) -> bool:
        return bool(self.many)


# -- showing lines ---------------------------------------------------------------------------
def script_line(line: Any, view: View | None = None) -> str:
    """A script line as the learner reads it: a wait as a sentence, a command with values filled in."""
    if line.wait is not None:
        return f"wait until {sentence(line.wait.condition)}"
    return "\n".join(commands(line, view, keep_empty=True))


def command(text: str, view: View | None = None) -> str:
    """A try command (plain text that may hold placeholders) as the learner reads it."""
    try:
        parts = expr.parse_template(text)
    except expr.ExprError:
        return text
    return fill(parts, view)


def commands(line: Any, view: View | None, keep_empty: bool = False) -> list[str]:
    """A command line filled for running: once per item of a list value (not at all for an empty
    list, unless `keep_empty`), words in angle brackets for what the sandbox does not show yet."""
    if not expr.has_placeholders(line.parts):
        return [line.text]
    return _expand(list(line.parts), view, keep_empty)


def _expand(parts: list[Any], view: View | None, keep_empty: bool) -> list[str]:
    for index, part in enumerate(parts):
        value = _value(part, view)
        if isinstance(value, list) and (value or not keep_empty):
            return [line for item in value
                    for line in _expand(parts[:index] + [str(item)] + parts[index + 1:], view, keep_empty)]
    return [fill(parts, view)]


def fill(parts: list[Any], view: View | None) -> str:
    """Text with each placeholder replaced by its live value, or by words when it has none."""
    out = []
    for part in parts:
        value = _value(part, view)
        if isinstance(part, str):
            out.append(part)
        elif value is None or value == "" or value == []:
            out.append(f"<{words(part)}>")
        elif isinstance(value, list):
            out.append(" ".join(map(str, value)))
        elif isinstance(value, bool):
            out.append("true" if value else "false")
        else:
            out.append(_number(value))
    return "".join(out)


def _value(part: Any, view: View | None) -> Any:
    if isinstance(part, str):
        return part
    return None if view is None else expr.evaluate(part, view)


# -- expressions as words --------------------------------------------------------------------
def sentence(node: Any) -> str:
    """A true/false expression as a sentence: `service(web).running == 2` → "web runs 2 tasks"."""
    if isinstance(node, Logic):
        return f" {node.op} ".join(sentence(item) for item in node.items)
    if isinstance(node, Not):
        if isinstance(node.item, Ref) and node.item.attr in BOOL_WORDS:
            return _bool_ref(node.item, positive=False)
        return f"it is not so that {sentence(node.item)}"
    if isinstance(node, Ref):
        return _bool_ref(node, positive=True) if node.attr in BOOL_WORDS else words(node)
    if isinstance(node, Compare):
        return _comparison(node)
    if isinstance(node, Literal):
        return "always" if node.value else "never"
    return node.source()


def words(node: Any) -> str:
    """A value in words: `tasks(service=web, status=RUNNING).first` → "a running web task id"."""
    if isinstance(node, Literal):
        return str(node.value)
    if not isinstance(node, Ref):  # a sum or a difference
        return f"{words(node.left)} {'plus' if node.op == '+' else 'minus'} {words(node.right)}"
    noun = _noun(node)
    return f"the number of {noun.many}" if noun.counted else noun.one


def happening(node: Any) -> str:
    """A trigger as something that happens: a count going up, or a condition turning true."""
    if node.type != expr.NUMBER:
        return sentence(node)
    noun = _noun(node) if isinstance(node, Ref) else None
    return f"there is one more {noun.one}" if noun and noun.counted else f"{words(node)} goes up"


def _comparison(node: Compare) -> str:
    left, op, right = node.left, node.op, node.right
    if isinstance(left, Literal) and not isinstance(right, Literal):
        left, right, op = right, left, {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    if isinstance(left, Ref) and isinstance(right, Literal):
        return _against_literal(left, op, right.value)
    if op == "==" and _is_service(left, "running") and _is_service(right, "desired") and left.args == right.args:
        return f"{_arg(left, 'name')} runs as many tasks as it wants"
    relation = {"==": "is the same as", "!=": "differs from", ">=": "is at least", "<=": "is at most",
                ">": "is more than", "<": "is less than"}[op]
    return f"{words(left)} {relation} {words(right)}"


def _against_literal(ref: Ref, op: str, value: Any) -> str:
    if isinstance(value, bool) and ref.attr in BOOL_WORDS:
        return _bool_ref(ref, positive=(value is True) == (op == "=="))
    amount = f"{OP_WORDS[op]}{_number(value)}" if not isinstance(value, str) else value
    if ref.name == "service" and ref.attr in ("running", "desired"):
        verb = "runs" if ref.attr == "running" else "wants"
        return f"{_arg(ref, 'name')} {verb} {amount} {'task' if value == 1 else 'tasks'}"
    noun = _noun(ref)
    if noun.counted:
        return f"there {'is' if value == 1 else 'are'} {amount} {noun.one if value == 1 else noun.many}"
    if isinstance(value, str):
        return f"{noun.one} is {'not ' if op == '!=' else ''}{value}"
    return f"{noun.one} is {amount}"


def _is_service(node: Any, attr: str) -> bool:
    return isinstance(node, Ref) and node.name == "service" and node.attr == attr


def _bool_ref(ref: Ref, positive: bool) -> str:
    yes, no = BOOL_WORDS[ref.attr]
    return (yes if positive else no).format(s=_arg(ref, "name"))


def _noun(ref: Ref) -> Noun:
    args = dict(ref.args)
    build = {"service": _service_noun, "tasks": _tasks_noun, "oneoff": _oneoff_noun, "zones": _zones_noun,
             "events": _log_noun, "decisions": _log_noun}.get(ref.name, _task_events_noun)
    return build(ref, args)


def _service_noun(ref: Ref, args: dict[str, Any]) -> Noun:
    name = str(args.get("name", "the service"))
    if ref.attr in SERVICE_COUNTS:
        one, many = SERVICE_COUNTS[ref.attr]
        return Noun(one.format(s=name), many.format(s=name))
    if ref.attr in BOOL_WORDS:
        return Noun(_bool_ref(ref, positive=True))
    return Noun(SERVICE_VALUES.get(ref.attr, f"{name}'s {ref.attr}").format(s=name))


def _tasks_noun(ref: Ref, args: dict[str, Any]) -> Noun:
    one, many = _task_phrase(args)
    return {
        "count": Noun(one, many),
        "first": Noun(f"{_article(one)} {one} id"),
        "ids": Noun(f"the ids of the {many}"),
        "zones": Noun(f"zone where the {many} run", f"zones where the {many} run"),
        "ports": Noun(f"host port of the {many}", f"host ports of the {many}"),
    }[ref.attr]


def _task_phrase(args: dict[str, Any]) -> tuple[str, str]:
    """"running web task" and "running web tasks", from the filters of tasks(...)."""
    front = [str(args[key]).lower() for key in ("status", "health") if key in args]
    if "oneoff" in args:
        front.append("one-off" if args["oneoff"] else "service")
    base = str(args.get("taskdef") or args.get("family") or "")
    kind = base or str(args.get("service", ""))
    owner = f" of {args['service']}" if base and "service" in args else ""
    lead = " ".join(front + ([kind] if kind else []))
    lead = f"{lead} " if lead else ""
    back = _task_qualifiers(args)
    return f"{lead}task{owner}{back}", f"{lead}tasks{owner}{back}"


def _task_qualifiers(args: dict[str, Any]) -> str:
    out = []
    if "desired" in args:
        out.append("meant to keep running" if args["desired"] == "RUNNING" else "being stopped")
    if "code" in args:
        out.append(f"stopped with {args['code']}")
    if "reason" in args:
        out.append(f"stopped for '{args['reason']}'")
    if "exit" in args:
        out.append(f"that exited with {args['exit']}")
    if "zone" in args:
        out.append(f"in {args['zone']}")
    return "".join(f" {part}" for part in out)


def _oneoff_noun(ref: Ref, args: dict[str, Any]) -> Noun:
    kind = f"one-off {args.get('taskdef') or args.get('family') or ''}".strip()
    one, many = f"{kind} task", f"{kind} tasks"
    state = {"count": "", "live": " not stopped yet", "running": " running now", "stopped": " stopped",
             "succeeded": " that succeeded", "failed": " that failed"}[ref.attr]
    return Noun(one + state, many + state)


def _zones_noun(ref: Ref, args: dict[str, Any]) -> Noun:
    name = str(args.get("service", ""))
    return {
        "used": Noun(f"zone where {name} runs tasks", f"zones where {name} runs tasks"),
        "max": Noun(f"task of {name} in its fullest zone", f"tasks of {name} in its fullest zone"),
        "min": Noun(f"task of {name} in its emptiest zone", f"tasks of {name} in its emptiest zone"),
        "spread": Noun(f"the gap between {name}'s fullest and emptiest zone"),
    }[ref.attr]


def _log_noun(ref: Ref, args: dict[str, Any]) -> Noun:
    kind = "event" if ref.name == "events" else "decision"
    name = str(args.get("service", ""))
    about = f" mentioning '{args['contains']}'" if "contains" in args else ""
    if ref.attr == "latest":
        return Noun(f"{name}'s latest {kind}{about}")
    return Noun(f"{kind} of {name}{about}", f"{kind}s of {name}{about}")


def _task_events_noun(ref: Ref, args: dict[str, Any]) -> Noun:
    kind = {"task_stopped": "stopped", "task_started": "started"}.get(ref.name) or str(args.get("kind", "changed"))
    rest = {k: v for k, v in args.items() if k in ("service", "family", "oneoff", "code")}
    one, many = _task_phrase({k: v for k, v in rest.items() if k != "code"})
    seen = f" seen {'stopping' if kind == 'stopped' else 'starting' if kind == 'started' else 'created'}"
    code = f" with {args['code']}" if "code" in args else ""
    return Noun(f"{one}{seen}{code}", f"{many}{seen}{code}")


def _arg(ref: Ref, key: str) -> str:
    args = dict(ref.args)
    return str(args.get(key) or args.get("service") or "the service")


def _article(phrase: str) -> str:
    return "an" if phrase[:1].lower() in "aeiou" else "a"


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
