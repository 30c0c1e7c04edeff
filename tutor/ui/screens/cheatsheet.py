"""The cheat sheet (i, the palette, or `cheatsheet QUERY` in the command bar): every concept with its `aws ecs` command and servicelab twin.

Typing filters (tutor/lessons/cheatsheet.py's search: every word must match). Enter on an entry puts
its servicelab command into the command bar of the lesson or free sandbox underneath, and
`a` its aws ecs form; from the home screen, where there is no command bar, the command goes
to the clipboard instead. `o` opens the lesson that teaches the concept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from tutor.lessons import cheatsheet
from tutor.lessons.cheatsheet import Entry

if TYPE_CHECKING:
    from tutor.ui.app import ServicelabApp


def entry_prompt(entry: Entry) -> Content:
    """An entry as three or four lines: the concept and what it is, then both commands."""
    lines = [Content.from_markup("[b]$c[/b] — $a", c=entry.concept, a=entry.about),
             Content(f"    {entry.aws or '(no aws ecs command: a sandbox-only tool)'}")]
    if entry.servicelab:
        coming = "" if entry.available else "   (needs a sandbox feature still to come)"
        lines.append(Content(f"    {entry.servicelab}{coming}"))
    else:
        lines.append(Content("    (no servicelab twin: use the aws ecs form in the command bar)"))
    if entry.note:
        lines.append(Content.from_markup("    [i]$n[/i]", n=entry.note))
    return Content("\n").join(lines)


class CheatSheetScreen(Screen[str | None]):
    """Search the concepts; answers the command to run (or None)."""

    DEFAULT_CSS = """
    CheatSheetScreen #cheat-title { height: auto; padding: 0 1; background: $boost; }
    CheatSheetScreen #cheat-search { margin: 0 1; }
    CheatSheetScreen #cheat-count { height: 1; padding: 0 1; color: $text-muted; }
    CheatSheetScreen #cheat-list { height: 1fr; margin: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", tooltip="Close the cheat sheet"),
        Binding("slash", "search", "Search", key_display="/", tooltip="Search the cheat sheet"),
        Binding("down", "to_list", "Results", show=False, tooltip="From the search box to the results"),
        Binding("a", "use('aws')", "aws ecs form", tooltip="Use the entry's aws ecs command instead"),
        Binding("o", "open_lesson", "Open its lesson", tooltip="Open the lesson that teaches this concept"),
    ]

    def __init__(self, runs_commands: bool, query: str = "") -> None:
        super().__init__(name="cheatsheet")
        self.runs_commands = runs_commands
        """True over a lesson or the free sandbox: commands go to its command bar, else to the clipboard."""
        self.first_search = query
        """What to search for first (`servicelab cheatsheet placement` in the command bar)."""
        self.shown: list[Entry] = []

    def compose(self) -> ComposeResult:
        where = "into the command bar" if self.runs_commands else "to the clipboard (open a lesson to run it)"
        yield Static(Content.from_markup(
            "[b]Cheat sheet[/b]: every concept, its aws ecs command and its servicelab twin. "
            "Type to search; Enter copies the servicelab command $where; a: the aws ecs form; o: its lesson.",
            where=where), id="cheat-title")
        yield Input(placeholder="Search: a concept, a command, a word (placement, scale, stop-task…)",
                    id="cheat-search")
        yield Static(id="cheat-count")
        yield OptionList(id="cheat-list")
        yield Footer()

    def on_mount(self) -> None:
        search = self.query_one("#cheat-search", Input)
        search.value = self.first_search  # Input.Changed shows the entries that match
        self._show(self.first_search)
        search.focus()

    @property
    def results(self) -> OptionList:
        return self.query_one("#cheat-list", OptionList)

    def _show(self, query: str) -> None:
        self.shown = cheatsheet.search(query)
        results = self.results
        results.clear_options()
        # None draws a divider line under the entry before it; option indexes are unchanged.
        items: list[Option | None] = []
        for n, entry in enumerate(self.shown):
            items += [Option(entry_prompt(entry), id=f"entry-{n}"), None]
        results.add_options(items)
        if self.shown:
            results.highlighted = 0
        total = len(cheatsheet.entries())
        self.query_one("#cheat-count", Static).update(
            f"{len(self.shown)} of {total} entries" + (f" match {query!r}" if query.strip() else ""))

    @property
    def highlighted(self) -> Entry | None:
        index = self.results.highlighted
        return self.shown[index] if index is not None and 0 <= index < len(self.shown) else None

    @on(Input.Changed, "#cheat-search")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(event.value)

    @on(Input.Submitted, "#cheat-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_to_list()

    @on(OptionList.OptionSelected, "#cheat-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_use("servicelab")

    def action_to_list(self) -> None:
        if self.shown:
            self.results.focus()

    def action_search(self) -> None:
        self.query_one("#cheat-search", Input).focus()

    def action_use(self, form: str) -> None:
        entry = self.highlighted
        if entry is None:
            return
        servicelab = entry.servicelab if entry.available else None
        # The form asked for, or the other one when the entry has no such command.
        command = (entry.aws or servicelab) if form == "aws" else (servicelab or entry.aws)
        if command:
            self.dismiss(command)

    def action_open_lesson(self) -> None:
        app = cast("ServicelabApp", self.app)
        entry = self.highlighted
        lesson = next((l for l in app.lessons if entry is not None and l.id == entry.lesson), None)
        if lesson is None:
            self.notify("no lesson here teaches this one", severity="warning")
            return
        self.dismiss(None)
        app.call_later(app.open_lesson, lesson)

    def action_close(self) -> None:
        self.dismiss(None)


def open_cheatsheet(app: App, query: str = "") -> None:
    """Show the cheat sheet over whatever is on screen, searched for `query`; a chosen command goes where
    it can run: into the command bar of a screen that has one (its `offer_command`), else to the clipboard."""
    if isinstance(app.screen, CheatSheetScreen):
        return
    below = app.screen
    offer = getattr(below, "offer_command", None)

    def chosen(command: str | None) -> None:
        if not command:
            return
        if offer is not None and below.is_mounted:
            offer(command)
            return
        app.copy_to_clipboard(command)
        app.notify(f"copied to the clipboard: {command}", title="Cheat sheet")

    app.push_screen(CheatSheetScreen(offer is not None, query), chosen)
