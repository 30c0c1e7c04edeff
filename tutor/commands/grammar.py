"""The `servicelab …` side of the bar: the CLI's own click tree parses the line.

So anything the CLI accepts the bar accepts, with the same option names and the same errors.
A command that means one Operation (`OpCommand`) gives the bar that Operation, built by the
same function the CLI's callback uses. `cheatsheet` and `review` open the app's own screens for
them. The others (lessons, progress…) belong to a terminal: the bar accepts them and says where
they run, except the few that would take the app's own sandbox away, which it refuses.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import click
from click.core import ParameterSource

from sandbox.cli.context import OpCommand
from sandbox.cli.operations import APP, CommandError, Operation
from sandbox.cli.twin import cli_line

FIRST = ("service", "task", "taskdef", "chaos", "instance", "zone", "lb", "scaling", "traffic", "sandbox")
"""The sandbox's own commands, which the bar is for, ahead of the rest in lists and completion."""

CLUSTER_OPTION = "--cluster"
"""The only option before the command that a line may give in the app: the rest are the app's own."""

REFUSED = {
    ("sandbox", "down"): "quit the app with q (it asks whether to stop the sandbox)",
    ("sandbox", "serve"): "the app runs the sandbox's control plane already",
    ("sandbox", "prepare"): "the app prepared the demo image when it started",
}
"""Commands that would pull the app's own sandbox from under it: why not, and what to do instead."""

ELSEWHERE_IN_THE_APP = {
    "cheatsheet": "here, cheatsheet opens the cheat sheet (or press i)",
    "review": "here, review opens the flashcards due (or r on the home screen)",
    "aws-env": "here, A shows the same lines",
    "progress": "here, the home screen shows your progress",
}
"""Terminal commands that the app does its own way: how (said when a line cannot be done here as typed)."""


@functools.lru_cache(maxsize=1)
def program() -> click.Group:
    """The whole `servicelab` program, as the CLI assembles it."""
    from ..cli import build

    return build()


@dataclass(frozen=True)
class Resolved:
    """A `servicelab` line matched to its command, with the command's parsed context."""

    path: tuple[str, ...]
    command: click.Command
    ctx: click.Context
    cluster: str
    words: tuple[str, ...]
    """The line from the command on (without servicelab and the options before the command)."""


def parse_cli(words: list[str], cluster: str) -> Operation:
    """The Operation a `servicelab` line (without the word servicelab) means; CommandError otherwise."""
    found = resolve(words, cluster)
    if isinstance(found.command, OpCommand):
        return found.command.operation_for(found.cluster, found.ctx.params)
    in_the_app = IN_THE_APP.get(found.path)
    if in_the_app is not None and not found.ctx.params.get("as_json"):
        return in_the_app(found)
    return _terminal(found)


def resolve(words: list[str], cluster: str) -> Resolved:
    """Walk the click tree down to the line's command and parse its parameters as the CLI would."""
    root = program()
    ctx = _root_context(root, words)
    if ctx.get_parameter_source("cluster") is ParameterSource.COMMANDLINE and ctx.params.get("cluster"):
        cluster = ctx.params["cluster"]
    rest = _rest(ctx)
    if not rest:
        raise CommandError("servicelab what? " + supported())
    words = tuple(rest)
    command, path = root, ()
    # A group runs alone only when it says so (`servicelab progress`); otherwise it needs a subcommand.
    while isinstance(command, click.Group) and (rest or not command.invoke_without_command):
        command, path, rest = _subcommand(command, ctx, path, rest)
        if isinstance(command, click.Group):
            ctx = _context(command, path, rest, ctx, resilient=True)
            rest = _rest(ctx)
    if path in REFUSED:
        raise CommandError(f"{' '.join(path)} runs in a terminal, not here: {REFUSED[path]}")
    if not isinstance(command, click.Group):
        ctx = _context(command, path, rest, ctx, resilient=False)
    return Resolved(path, command, ctx, cluster, words)


def _rest(ctx: click.Context) -> list[str]:
    """What a group left for its subcommand (click keeps the subcommand's name apart, in _protected_args)."""
    return [*ctx._protected_args, *ctx.args]


def _root_context(root: click.Group, words: list[str]) -> click.Context:
    """The options before the command, parsed resiliently: nothing is defaulted or prompted for."""
    _only_cluster_before_the_command(root, words)
    ctx = click.Context(root, info_name="servicelab", resilient_parsing=True)
    if words and words[0].startswith("-"):
        root.parse_args(ctx, list(words))
    else:  # the usual line: no options to read, and lesson checks parse hundreds of them
        ctx.args = list(words)
    return ctx


def _only_cluster_before_the_command(root: click.Group, words: list[str]) -> None:
    """Refuse the program's other options (sandbox, runtime, the app's own): the app is tied to them."""
    known = {opt for param in root.params for opt in param.opts}
    i = 0
    while i < len(words) and words[i].startswith("-"):
        option, equals, _ = words[i].partition("=")
        if option == CLUSTER_OPTION:
            if not equals and (i + 1 == len(words) or words[i + 1].startswith("-")):
                raise CommandError(f"{CLUSTER_OPTION} needs a value")
            i += 1 if equals else 2
        elif option in known:
            raise CommandError(f"{option} cannot change here: the app is tied to one sandbox and its settings; "
                               "quit and start servicelab with it instead")
        else:
            raise CommandError(f"unknown option {option}; before the command only {CLUSTER_OPTION} NAME is allowed")


def _subcommand(group: click.Group, ctx: click.Context, path: tuple[str, ...],
                rest: list[str]) -> tuple[click.Command, tuple[str, ...], list[str]]:
    names = group.list_commands(ctx)
    if not rest:
        raise CommandError(f"{' '.join(path)} needs one more word; {' '.join(path)} has: {', '.join(names)}")
    command = group.get_command(ctx, rest[0])
    if command is None:
        # Worded as click words it, so a line reads the same refusal here as in a terminal.
        if not path:
            raise CommandError(f"No such command {rest[0]!r}; {supported()}")
        raise CommandError(f"No such command {rest[0]!r}; {' '.join(path)} has: {', '.join(names)}")
    return command, path + (rest[0],), rest[1:]


def _context(command: click.Command, path: tuple[str, ...], args: list[str], parent: click.Context,
             resilient: bool) -> click.Context:
    try:
        return command.make_context(path[-1], list(args), parent=parent, resilient_parsing=resilient)
    except click.UsageError as exc:
        raise CommandError(f"{' '.join(path)}: {exc.format_message()} (usage: {usage(path, command)})") from None


def _cheatsheet(found: Resolved) -> Operation:
    query = " ".join(found.ctx.params.get("query") or ())
    return Operation(APP, "cheatsheet", {"cluster": found.cluster, "query": query},
                     cli_line(found.cluster, *found.words), None,
                     f"open the cheat sheet at {query!r}" if query else "open the cheat sheet")


def _review(found: Resolved) -> Operation:
    everything = bool(found.ctx.params.get("include_all"))
    return Operation(APP, "review", {"cluster": found.cluster, "all": everything},
                     cli_line(found.cluster, *found.words), None,
                     "review the flashcards due" + (", of every lesson" if everything else ""))


IN_THE_APP = {("cheatsheet",): _cheatsheet, ("review",): _review}
"""Tutor commands the app does itself, on a screen of its own (with --json they are for a terminal)."""


def _terminal(found: Resolved) -> Operation:
    """A command for a terminal: accepted, and the answer says where it runs."""
    line = cli_line(found.cluster, *found.words)
    hint = ELSEWHERE_IN_THE_APP.get(found.path[0])
    note = f"{line} runs in a terminal, not in the app" + (f"; {hint}" if hint else "")
    return Operation(APP, "terminal", {"cluster": found.cluster, "argv": list(found.words)}, line, None,
                     f"{' '.join(found.path)} runs in a terminal", notes=(note,))


# -- what the bar speaks, for help and for errors -----------------------------------------------
def top_names() -> list[str]:
    """The program's commands, the sandbox's own first."""
    names = program().list_commands(click.Context(program()))
    return [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]


def supported() -> str:
    """One line naming what the bar speaks: the sandbox's commands in full, the rest by name."""
    from .aws import aws_names

    root = program()
    ctx = click.Context(root)
    ours = []
    for name in FIRST:
        command = root.get_command(ctx, name)
        subs = command.list_commands(ctx) if isinstance(command, click.Group) else []
        ours.append(f"{name} {{{','.join(subs)}}}" if subs else name)
    others = [name for name in top_names() if name not in FIRST]
    return (f"supported: {', '.join(ours)}, help, clear, slow-motion [on|off]; aws ecs {{{','.join(aws_names())}}}; "
            f"also: {', '.join(others)}")


@dataclass(frozen=True)
class CliCommand:
    """A `servicelab` command the bar runs, for the help screen."""

    path: tuple[str, ...]
    usage: str
    help: str


def cli_commands() -> list[CliCommand]:
    """Every command that means an Operation, in the order of `top_names`, then the app's own ones."""
    found: list[CliCommand] = []
    for path, command in _leaves(program(), ()):
        if isinstance(command, OpCommand):
            found.append(CliCommand(path, usage(path, command), command.get_short_help_str(limit=90)))
    return found + [CliCommand(("cheatsheet",), "servicelab cheatsheet [QUERY]", "open the cheat sheet at QUERY"),
                    CliCommand(("review",), "servicelab review [--all]", "review the flashcards due"),
                    CliCommand(("slow-motion",), "servicelab slow-motion [on|off]",
                               "each new task status stays a moment (the w key; also: slowmo)"),
                    CliCommand(("help",), "servicelab help", "every key and command"),
                    CliCommand(("clear",), "servicelab clear", "clear the output")]


def _leaves(group: click.Group, path: tuple[str, ...]):
    ctx = click.Context(group)
    for name in (top_names() if not path else group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _leaves(command, path + (name,))
        else:
            yield path + (name,), command


def usage(path: tuple[str, ...], command: click.Command) -> str:
    """`servicelab lb ls [SERVICE] [--json]`: arguments, then every option."""
    words = ["servicelab", *path]
    for param in command.params:
        if isinstance(param, click.Argument):
            metavar = (param.metavar or param.name.upper()) + ("..." if param.nargs == -1 else "")
            words.append(metavar if param.required else f"[{metavar}]")
        elif isinstance(param, click.Option) and "--help" not in param.opts:
            words.append(_option_usage(param) if param.required else f"[{_option_usage(param)}]")
    return " ".join(words)


def _option_usage(option: click.Option) -> str:
    """`--count COUNT`, `--metric cpu|requests`, `--rollback/--no-rollback`."""
    name = ([o for o in option.opts if o.startswith("--")] or option.opts)[0]
    if option.is_flag:
        return "/".join([name, *option.secondary_opts])
    if isinstance(option.type, click.Choice):
        return f"{name} {'|'.join(map(str, option.type.choices))}"
    return f"{name} {option.metavar or name.lstrip('-').upper()}"
