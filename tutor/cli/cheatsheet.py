"""`servicelab cheatsheet [QUERY]`: look up a concept and its `aws ecs` and servicelab commands."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from tutor.lessons.cheatsheet import search


@click.command("cheatsheet")
@click.argument("query", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the matching entries as JSON.")
def cheatsheet(query: tuple[str, ...], as_json: bool) -> None:
    """Every concept with its `aws ecs` command and its servicelab twin. QUERY narrows it down."""
    found = search(" ".join(query))
    if as_json:
        click.echo(json.dumps([{**asdict(e), "available": e.available} for e in found], indent=2))
        return
    if not found:
        click.echo(f"nothing matches {' '.join(query)!r}; try a shorter word, or no query to see everything")
        raise SystemExit(1)
    for entry in found:
        click.echo(click.style(entry.concept, bold=True) + f"  {entry.about}")
        click.echo(f"  aws ecs     {entry.aws or '(none)'}")
        coming = "" if entry.available else "   (not in this sandbox yet)"
        click.echo(f"  servicelab  {entry.servicelab or '(none)'}{coming}")
        if entry.note:
            click.echo(click.style(f"  note: {entry.note}", dim=True))
        if entry.lesson:
            click.echo(click.style(f"  lesson: {entry.lesson}", dim=True))
        click.echo("")
