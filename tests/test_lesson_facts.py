"""What the course says about ECS is true of ECS, or marked as the sandbox's own (issue 13).

Each test pins a claim a review found false, to ECS's documented behaviour
(/work/shared/reference/ecs-semantics.md) or to the sandbox's own code and CLI, so that a
lesson or the cheat sheet cannot drift back unnoticed.
"""

from __future__ import annotations

import re

import click
import pytest

from sandbox.cli import cli
from sandbox.core.model import NETWORK_MODES, PENDING, RUNNING, Task
from sandbox.scheduler.placement import scale_in_victims
from sandbox.scheduler.planner.reasons import DEPLOYMENT_REASON
from tutor.lessons import load_lessons
from tutor.lessons.cheatsheet import entries
from tutor.lessons.step_text import COMMIT, split_for_reveal

LESSONS = {lesson.id: lesson for lesson in load_lessons()}


def lesson_text(lesson) -> str:
    """Everything a learner can read in a lesson: step text, questions, answers, takeaways."""
    parts: list[str] = []
    for step in lesson.steps:
        parts.append(step.markdown)
        if step.predict:
            parts += [step.predict.question, *step.predict.options, step.predict.explain]
        if step.myth:
            parts += [step.myth.claim, step.myth.reality, step.myth.why or ""]
        for question in step.quiz:
            parts.append(question.question)
            parts += [f"{option.text} {option.explain}" for option in question.options]
    parts += [f"{card.front} {card.back}" for card in lesson.takeaways]
    return "\n\n".join(parts)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(text: str) -> list[str]:
    return [flat(p) for p in re.split(r"\n[ \t]*\n", text)]


# -- predictions and myths -----------------------------------------------------------------


@pytest.mark.parametrize("lesson_id, step", [
    (lesson.id, step) for lesson in LESSONS.values() for step in lesson.steps if step.asks_first
], ids=lambda v: getattr(v, "id", v))
def test_a_prediction_shows_no_answer_before_the_learner_commits(lesson_id, step):
    # Without the commit paragraph the whole step shows beside the question; four steps gave
    # their answer away like that.
    assert COMMIT.search(step.markdown), f"{lesson_id}/{step.id}: no 'commit to your answer' paragraph"
    before, _after = split_for_reveal(step.markdown)
    if step.predict:
        right = step.predict.options[step.predict.answer].rstrip(".").lower()
        assert flat(right) not in flat(before).lower(), f"{lesson_id}/{step.id} prints its answer first"


def test_predictions_are_about_ecs_not_about_how_the_sandbox_is_built():
    for lesson in LESSONS.values():
        for step in lesson.steps:
            asked = step.prediction
            if asked is None:
                continue
            answer = f"{asked.question} {asked.options[asked.answer]}".lower()
            assert "label" not in answer and "docker" not in answer, f"{lesson.id}/{step.id}: {answer}"


def test_not_every_myth_is_false_and_a_true_one_is_shown_live():
    myths = [step.myth for lesson in LESSONS.values() for step in lesson.steps if step.myth]
    assert len(myths) >= 4
    true_ones = [myth for myth in myths if myth.answer]
    assert true_ones, "every myth is 'false': learners can answer by habit"
    assert any(myth.demo for myth in true_ones), "a true claim needs live evidence too"


# -- "In real ECS" and Fargate ----------------------------------------------------------------


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_every_lesson_says_what_differs_in_real_ecs(lesson_id):
    steps = LESSONS[lesson_id].steps
    assert any(re.search(r"^## In real ECS\b", step.markdown, re.M) for step in steps), (
        f"{lesson_id}: add an '## In real ECS' section (Fargate, production timings, sandbox-only tools)")


# Where Fargate changes the answer, and the fact that changes it (ecs-semantics.md, section e).
FARGATE_FACTS = {
    "tasks-are-containers": "micro-VM",        # its own kernel: not a container sharing the host's
    "placement": "no placement strategies",    # and no container instances; it spreads by zone itself
    "right-sizing": "512",                     # fixed CPU/memory pairs, the smallest memory 512 MiB
    "traffic-and-health": "awsvpc",            # the only network mode on Fargate
}


@pytest.mark.parametrize("lesson_id, fact", sorted(FARGATE_FACTS.items()))
def test_fargate_is_named_where_it_changes_the_answer(lesson_id, fact):
    said = [p for p in paragraphs(lesson_text(LESSONS[lesson_id])) if "Fargate" in p]
    assert any(fact in p for p in said), f"{lesson_id}: no paragraph says Fargate's {fact!r}"


# -- deployments ------------------------------------------------------------------------------


def test_a_schema_change_is_answered_with_expand_contract_not_blue_green():
    questions = [q for lesson in LESSONS.values() for step in lesson.steps for q in step.quiz
                 if "schema" in q.question]
    assert questions
    for question in questions:
        right = [option for option in question.options if option.correct]
        assert len(right) == 1 and "expand/contract" in right[0].text.lower(), question.id
        blue_green = [option for option in question.options if "blue/green" in option.text.lower()]
        assert blue_green and not any(option.correct for option in blue_green)
        # Why it is wrong: both colours use the same database.
        assert all("database" in option.explain for option in blue_green)


# -- the cheat sheet and the lessons against the sandbox's real features --------------------


def _option(command: click.Command, flag: str) -> click.Parameter | None:
    return next((param for param in command.params if flag in getattr(param, "opts", ())), None)


def sandbox_features() -> dict[str, bool]:
    """Whether the sandbox has each feature, asked of its real CLI and model."""
    create = cli.commands["service"].commands["create"]
    strategy = _option(create, "--strategy")
    return {
        "load balancer": _option(create, "--load-balancer") is not None,
        "autoscal": "scaling" in cli.commands,
        "blue/green": strategy is not None and "BLUE_GREEN" in getattr(strategy.type, "choices", ()),
        "bridge only": set(NETWORK_MODES) > {"bridge"},
    }


DENIALS = {
    "load balancer": r"(sandbox|servicelab) has no load balancer|no load balancer in the sandbox",
    "autoscal": r"(sandbox|servicelab) has no autoscal|no autoscal\w* in the sandbox",
    "blue/green": r"blue/green[^.]*not in the sandbox|not in the sandbox[^.]*blue/green|servicelab: null[^\n]*blue",
    "bridge only": r"(runs|run) (every task|tasks|all tasks) in bridge mode|bridge mode only|only bridge",
}


def test_the_sandbox_has_the_features_the_cheat_sheet_once_denied():
    assert all(sandbox_features().values()), sandbox_features()


def test_no_text_denies_a_feature_the_sandbox_has():
    features = sandbox_features()
    texts = [(f"cheatsheet: {e.concept}", f"{e.about} {e.note or ''}") for e in entries()]
    texts += [(f"lesson {lesson.id}", lesson_text(lesson)) for lesson in LESSONS.values()]
    for feature, pattern in DENIALS.items():
        if not features[feature]:
            continue
        for where, text in texts:
            found = re.search(pattern, flat(text), re.I)
            assert found is None, f"{where} says {found.group(0)!r}, but the sandbox has it"


@pytest.mark.parametrize("concept, uses", [
    ("Load balancer", "--load-balancer"),
    ("Auto scaling", "scaling set"),
    ("Blue/green deployment", "--strategy BLUE_GREEN"),
])
def test_the_cheat_sheet_gives_the_sandbox_twin_of_each_feature(concept, uses):
    entry = next(e for e in entries() if e.concept == concept)
    assert entry.servicelab and uses in entry.servicelab


def test_the_load_balancer_is_taught_as_ecs_registers_targets():
    # ECS registers a task's target while it is ACTIVATING; traffic starts when the target
    # group's health check passes. The sandbox registers at RUNNING, and must say so.
    step = next(s for s in LESSONS["traffic-and-health"].steps if s.id == "load-balancers")
    ecs_part, _, sandbox_part = step.markdown.partition("## In the sandbox")
    assert "ACTIVATING" in ecs_part and "initial" in ecs_part
    assert "RUNNING" in sandbox_part and "ACTIVATING" in sandbox_part
    card = next(c for c in LESSONS["traffic-and-health"].takeaways if c.id == "load-balancer-health")
    assert "ACTIVATING" in card.back and "running and healthy" not in card.back


# -- scale-in ----------------------------------------------------------------------------------


def _task(task_id: str, zone: str, status: str, created: float) -> Task:
    return Task(task_id, "default", "web:1", service="web", last_status=status, created_at=created,
                started_at=created if status == RUNNING else None, instance_id=f"i-{zone}", zone=zone)


def test_scale_in_takes_the_fullest_zone_before_a_task_not_yet_running():
    # What ECS documents and the lesson now says: balance across zones first; the sandbox's
    # not-yet-running-then-newest order only breaks ties inside the fullest zone and instance.
    tasks = [_task("a1", "us-east-1a", RUNNING, 1), _task("a2", "us-east-1a", RUNNING, 2),
             _task("b1", "us-east-1b", PENDING, 3)]
    assert [t.task_id for t in scale_in_victims(tasks, 1)] == ["a2"]
    tied = [_task("a1", "us-east-1a", RUNNING, 5), _task("a2", "us-east-1a", PENDING, 1)]
    assert [t.task_id for t in scale_in_victims(tied, 1)] == ["a2"]


def test_the_lessons_tell_scale_in_in_that_order():
    step = next(s for s in LESSONS["reconcile-loop"].steps if s.id == "let-the-loop-stop")
    text = flat(step.markdown)
    assert text.index("zone with the most") < text.index("instance with the most") < text.index("not reached RUNNING")


def test_the_scale_in_stop_reason_is_quoted_as_ecs_and_the_planner_word_it():
    # ECS: "Scaling activity initiated by (deployment ecs-svc/…)"; the planner uses the same form.
    ecs_form = DEPLOYMENT_REASON.format(deployment="ecs-svc/…")
    quoted = [flat(m) for lesson in LESSONS.values()
              for m in re.findall(r"`(Scaling activity initiated by[^`]*)`", lesson_text(lesson))]
    assert quoted, "the course no longer shows the scale-in stop reason"
    assert set(quoted) == {ecs_form}
