"""Exercise checks: declarative conditions on sandbox state, judged now or over a timeline.

No Textual here. A check is one of four shapes (the YAML keys an author writes):

    expect: EXPR                        holds in the latest snapshot
    eventually: EXPR                    held at some moment since the exercise began
    always: EXPR       during: EXPR     held throughout every stretch where `during` was true
                                        (and such a stretch has happened and ended)
    expect: EXPR  within: 10s  after: EXPR
                                        held within 10 s after each time `after` happened: a
                                        number going up (a count of task changes) or a
                                        condition turning true

Each result is PASS, FAIL or WAITING, with ONE line saying why, built from the actual values.
WAITING means "not decided yet": the trigger has not happened, or its window is still open.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from tutor.checks import expr, plain_words
from tutor.checks.expr import View
from tutor.checks.timeline import Timeline

PASS, FAIL, WAITING = "pass", "fail", "waiting"
KINDS = ("expect", "eventually", "always", "within")


class CheckSpecError(ValueError):
    """A check that cannot be built; `field` names the YAML key at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Check:
    """One declarative check, parsed."""

    kind: str
    condition: Any
    """The parsed expression that must hold."""
    say: str | None = None
    """The author's words for the goal, shown in the checklist."""
    during: Any = None
    after: Any = None
    within: float | None = None

    def describe(self) -> str:
        """The goal in one line: the author's words, or the condition as written."""
        if self.say:
            return self.say
        text = self.condition.source()
        if self.kind == "eventually":
            return f"eventually {text}"
        if self.kind == "always":
            return f"{text}, throughout {self.during.source()}"
        if self.kind == "within":
            return f"{text} within {_seconds(self.within)} after {self.after.source()}"
        return text


@dataclass(frozen=True)
class Result:
    check: Check
    status: str
    message: str
    """One line: the goal when passed, why not otherwise."""

    @property
    def passed(self) -> bool:
        return self.status == PASS


def build(fields: dict[str, Any]) -> Check:
    """A Check from the YAML mapping of one check; raises CheckSpecError naming the key."""
    allowed = {"expect", "eventually", "always", "during", "within", "after", "say"}
    for key in fields:
        if key not in allowed:
            raise CheckSpecError(key, f"unknown key '{key}'; allowed: {', '.join(sorted(allowed))}")
    heads = [k for k in ("expect", "eventually", "always") if k in fields]
    if len(heads) != 1:
        raise CheckSpecError(
            heads[1] if len(heads) > 1 else "expect",
            "a check needs exactly one of expect, eventually or always",
        )
    head = heads[0]
    condition = _parse(fields, head)
    say = fields.get("say")
    if say is not None and (not isinstance(say, str) or not say.strip()):
        raise CheckSpecError("say", "'say' must be some text")
    say = say.strip() if say else None
    timed = "within" in fields or "after" in fields
    if head == "always":
        if "during" not in fields:
            raise CheckSpecError("always", "'always' needs 'during: EXPR', the stretch it must hold through "
                                           "(without one it would pass before the learner did anything)")
        if timed:
            raise CheckSpecError("within", "'always' takes 'during', not 'within'/'after'")
        return Check("always", condition, say, during=_parse(fields, "during"))
    if "during" in fields:
        raise CheckSpecError("during", "'during' goes with 'always'")
    if timed:
        if head != "expect" or "within" not in fields or "after" not in fields:
            at = head if head != "expect" else ("within" if "within" not in fields else "after")
            raise CheckSpecError(at, "a timed check is 'expect' with both 'within: N s' and 'after: EXPR'")
        after = _parse(fields, "after", want=None)
        if after.type not in (expr.NUMBER, expr.BOOL):
            raise CheckSpecError("after", f"'after' must be a count (it fires when it goes up) or a condition "
                                          f"(it fires when it turns true); {after.source()!r} is {after.type}")
        return Check("within", condition, say, after=after, within=parse_duration(fields["within"], "within"))
    return Check(head, condition, say)


def _parse(fields: dict[str, Any], key: str, want: str | None = expr.BOOL) -> Any:
    text = fields[key]
    if not isinstance(text, str):
        raise CheckSpecError(key, f"'{key}' must be an expression written as text, such as 'service(web).running == 3'")
    try:
        return expr.parse(text, want=want)
    except expr.ExprError as exc:
        raise CheckSpecError(key, f"'{key}': {exc}") from None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")


def parse_duration(value: Any, field: str = "within") -> float:
    """`10`, `10s`, `500ms` or `2m`, in seconds; at most an hour."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise CheckSpecError(field, f"'{field}' is {value!r}; expected a duration such as 10s, 500ms or 2m")
        seconds = float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}[match.group(2)]
    if not 0 < seconds <= 3600:
        raise CheckSpecError(field, f"'{field}' is {value!r}; allowed: more than 0, up to 1 hour")
    return seconds


# -- evaluating ------------------------------------------------------------------------------
def evaluate(check: Check, timeline: Timeline, now: float | None = None,
             views: list[tuple[float, View]] | None = None) -> Result:
    """Judge one check against everything the timeline has seen."""
    views = timeline.views() if views is None else views
    if not views:
        return Result(check, WAITING, f"{check.describe()}: no sandbox state seen yet")
    now = timeline.clock() if now is None else now
    judge = {"expect": _now, "eventually": _eventually, "always": _always, "within": _within}[check.kind]
    status, why = judge(check, views, now)
    return Result(check, status, check.describe() if status == PASS else f"{check.describe()}: {why}")


def evaluate_all(checks: list[Check], timeline: Timeline, now: float | None = None,
                 since: float | None = None) -> list[Result]:
    """Judge every check on the same views; `since` judges from a later moment (see Timeline.views)."""
    views = timeline.views(since)
    return [evaluate(check, timeline, now, views) for check in checks]


def _holds(node: Any, view: View) -> bool:
    return bool(expr.evaluate(node, view))


def _now(check: Check, views: list[tuple[float, View]], now: float) -> tuple[str, str]:
    view = views[-1][1]
    if _holds(check.condition, view):
        return PASS, ""
    return FAIL, expr.explain(check.condition, view)


def _eventually(check: Check, views: list[tuple[float, View]], now: float) -> tuple[str, str]:
    if any(_holds(check.condition, view) for _, view in views):
        return PASS, ""
    return WAITING, f"not yet: {expr.explain(check.condition, views[-1][1])}"


@dataclass
class _Stretch:
    """One stretch where `during` held, and the first moment the condition broke in it."""

    start: float
    ended: bool = False
    broke_at: float | None = None
    why: str = ""


def _always(check: Check, views: list[tuple[float, View]], now: float) -> tuple[str, str]:
    """Held through a whole stretch of `during`; a stretch after the last broken one is a fresh attempt."""
    stretches = _stretches(check, views)
    broken = [i for i, stretch in enumerate(stretches) if stretch.broke_at is not None]
    fresh = stretches[broken[-1] + 1:] if broken else stretches
    if any(stretch.ended for stretch in fresh):
        return PASS, ""
    if not broken:
        if fresh:
            return WAITING, f"{check.during.source()} is under way; so far {check.condition.source()} held"
        return WAITING, f"waiting for {check.during.source()} to happen"
    last = stretches[broken[-1]]
    moment = f"at {_clock(last.broke_at)}, during {check.during.source()}, {last.why}"
    if fresh:
        return WAITING, f"{moment}; this new attempt is judged afresh, and so far it held"
    return FAIL, f"{moment}. Try again: the next time {plain_words.sentence(check.during)}, it is judged afresh"


def _stretches(check: Check, views: list[tuple[float, View]]) -> list[_Stretch]:
    stretches: list[_Stretch] = []
    inside = False
    for at, view in views:
        during = _holds(check.during, view)
        if during and not inside:
            stretches.append(_Stretch(at))
        elif inside and not during:
            stretches[-1].ended = True
        current = stretches[-1] if during else None
        if current is not None and current.broke_at is None and not _holds(check.condition, view):
            current.broke_at, current.why = at, expr.explain(check.condition, view)
        inside = during
    return stretches


def _within(check: Check, views: list[tuple[float, View]], now: float) -> tuple[str, str]:
    triggers = _triggers(check.after, views)
    if not triggers:
        return WAITING, f"waiting for {check.after.source()} (it has not happened since the exercise began)"
    start = triggers[-1]  # the newest attempt decides, so a learner can try again
    deadline = start + check.within
    for at, view in views:
        if start <= at <= deadline and _holds(check.condition, view):
            return PASS, ""
    last_view = next((view for at, view in reversed(views) if at <= deadline), views[-1][1])
    why = expr.explain(check.condition, last_view)
    if now <= deadline:
        return WAITING, f"{check.after.source()} {now - start:.0f}s ago; waiting: {why}"
    return FAIL, (f"not within {_seconds(check.within)} after {check.after.source()} at {_clock(start)}: {why}. "
                  f"Try again: the next time {plain_words.happening(check.after)}, it is judged afresh")


def _triggers(node: Any, views: list[tuple[float, View]]) -> list[float]:
    """When the trigger fired: a count went up, or a condition turned true (not counting the start)."""
    times = []
    previous = None
    for index, (at, view) in enumerate(views):
        value = expr.evaluate(node, view)
        if index > 0 and (value > previous if node.type == expr.NUMBER else (value and not previous)):
            times.append(at)
        previous = value
    return times


def _seconds(value: float | None) -> str:
    return f"{value:g}s" if value is not None else "?"


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))
