"""Parsing a command bar line: `servicelab …` (the word servicelab optional), `aws ecs …`, or an app word.

Every form becomes one `Operation`. The `servicelab` forms are read by the CLI's own click
tree (grammar.py) and the `aws ecs` forms by botocore's ECS model (aws.py); both call the
same builders, so a command and its twin make the same request. Anything the bar cannot run
raises `CommandError` with one line that says what it does understand.
"""

from __future__ import annotations

import shlex

from sandbox.cli.operations import APP, DEFAULT_CLUSTER, CommandError, Operation

from .aws import parse_aws
from .grammar import parse_cli, supported

APP_WORDS = {"help": "show every key and command", "clear": "clear the output",
             "slow-motion": "slow motion on or off (the w key): each new task status stays a moment"}
"""What only the app does, typed as one word."""
APP_WORD_VALUES = {"slow-motion": ("on", "off")}
"""The words an app word may take after it (one at most; none toggles)."""
ALIASES = {"slowmo": "slow-motion"}

HELP_OPTIONS = ("-h", "--help")


def tokenize(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:  # "No closing quotation"
        raise CommandError(f"cannot read that line: {str(exc).lower()}") from None


def parse(line: str, cluster: str = DEFAULT_CLUSTER, placeholders: dict[str, str] | None = None) -> Operation:
    """Parse one command line into an Operation; raises CommandError for anything else.

    Args:
        line: What the learner typed, in the CLI's form or the `aws ecs` form.
        cluster: The cluster used when the line names none.
        placeholders: Words to replace, such as `{"ID": <the selected task's id>}`, so a lesson's
            `servicelab task stop ID` works as written.
    """
    words = tokenize(line)
    if not words:
        raise CommandError("type a command, e.g. service scale web 3 (Tab completes; " + supported() + ")")
    if placeholders:
        words = [placeholders.get(w, w) for w in words]
    if "ID" in words:
        raise CommandError("replace ID with a task id (select a task in the table, or Tab to complete one)")
    if words[0] == "aws":
        return parse_aws(words[1:], cluster)
    if words[0] == "servicelab":
        words = words[1:]
    if _asks_for_help(words):
        words = ["help"]
    if words and words[0] in ALIASES:
        words = [ALIASES[words[0]], *words[1:]]
    if words and words[0] in APP_WORDS:
        return _app_word(words, cluster)
    return parse_cli(words, cluster)


def _asks_for_help(words: list[str]) -> bool:
    """`--help` anywhere before `--`: the app's help page, which lists every command and key."""
    before = words[: words.index("--")] if "--" in words else words
    return any(word in HELP_OPTIONS for word in before)


def _app_word(words: list[str], cluster: str) -> Operation:
    word, rest = words[0], words[1:]
    allowed = APP_WORD_VALUES.get(word, ())
    if len(rest) > 1 or (rest and rest[0] not in allowed):
        takes = f"{' or '.join(allowed)}, or nothing" if allowed else "nothing"
        raise CommandError(f"{word} takes {takes} after it; got {' '.join(rest)}")
    params: dict[str, object] = {"cluster": cluster}
    if allowed:
        params["on"] = None if not rest else rest[0] == "on"
    return Operation(APP, word, params, " ".join(words), None, APP_WORDS[word])
