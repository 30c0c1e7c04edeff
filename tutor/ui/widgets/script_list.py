"""A lesson script the learner runs line by line: a myth's demo, a pitfall's mistake.

Placeholders are shown in plain words (`<a running web task id>`, tutor/checks/plain_words.py):
their values change with the sandbox, so the screen fills them in only when a line is chosen
(see tutor/screens/learning.py) and puts the result in the command bar. `wait:` lines are
shown as sentences but cannot be chosen: in the app, the learner is the one who waits and watches.
"""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tutor.checks import plain_words
from tutor.lessons import ScriptLine
from tutor.ui.widgets.choice_list import ChoiceList


class ScriptList(ChoiceList):
    """Enter on a line asks the screen to put it, filled in, into the command bar."""

    class Chosen(Message):
        def __init__(self, line: ScriptLine) -> None:
            super().__init__()
            self.line = line

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.lines: list[ScriptLine] = []

    def show(self, lines: list[ScriptLine]) -> None:
        self.lines = list(lines)
        self.clear_options()
        self.add_options([
            Option(f"(then {plain_words.script_line(line)})" if line.wait else plain_words.script_line(line),
                   id=f"line-{n}", disabled=line.wait is not None)
            for n, line in enumerate(self.lines)
        ])
        first = next((n for n, line in enumerate(self.lines) if line.wait is None), None)
        if first is not None:
            self.highlighted = first

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self.lines[event.option_index]))
