"""The command bar does what the lessons say, typed as a person types it (no Docker: a FrozenLink).

`cheatsheet QUERY` opens the cheat sheet searched for it, `review` opens the flashcards,
`slow-motion on|off` (or `slowmo`) is the w key's switch, and `--json` reaches the link with the
operation. tests/test_bar_answers_docker.py runs the sandbox's commands on real containers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import app_support as s

SIZE = (150, 45)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    yield from s.pin_utc(monkeypatch)


async def type_line(pilot, line: str) -> str:
    """Open the bar if it is closed, type the line key by key, press Enter; the bar's output."""
    app = pilot.app
    if not app.screen.bar.is_open:
        await pilot.press("colon")
    bar = app.screen.bar
    await pilot.press(*["space" if c == " " else c for c in line], "enter")
    await pilot.pause()
    return bar.output_text


@s.async_tests
class TestAppWords:
    async def test_cheatsheet_opens_at_the_query(self, tmp_path: Path) -> None:
        from textual.widgets import Input

        from tutor.lessons import cheatsheet
        from tutor.ui.screens.cheatsheet import CheatSheetScreen

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await s.open_first_lesson(pilot)
            lesson = app.screen
            await type_line(pilot, "servicelab cheatsheet placement")
            await s.wait_until(pilot, lambda: isinstance(app.screen, CheatSheetScreen), what="the cheat sheet")
            sheet = app.screen
            assert sheet.query_one("#cheat-search", Input).value == "placement"
            assert sheet.shown and sheet.shown == cheatsheet.search("placement")
            assert len(sheet.shown) < len(cheatsheet.entries())
            assert "match 'placement'" in str(sheet.query_one("#cheat-count").render())
            # Enter on an entry puts its command into the lesson's command bar, as from the i key.
            await pilot.press("down", "enter")
            await s.wait_until(pilot, lambda: app.screen is lesson, what="back on the lesson")
            assert lesson.bar.input.value == (sheet.shown[0].servicelab or sheet.shown[0].aws)
            assert app.link.actions == []

    async def test_review_opens_the_flashcards(self, tmp_path: Path) -> None:
        from tutor.ui.screens.review import ReviewScreen

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await s.open_first_lesson(pilot)
            await type_line(pilot, "review --all")
            await s.wait_until(pilot, lambda: isinstance(app.screen, ReviewScreen), what="the review screen")
            assert app.screen.include_all
            await pilot.press("escape")
            await s.wait_until(pilot, lambda: not isinstance(app.screen, ReviewScreen), what="back")
            output = await type_line(pilot, "review --list --json")
            assert "servicelab review --list --json runs in a terminal, not in the app" in output
            assert not isinstance(app.screen, ReviewScreen)

    async def test_slow_motion_is_the_w_key_in_words(self, tmp_path: Path) -> None:
        from tutor.ui.widgets.live_panel import LivePanel

        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await s.open_first_lesson(pilot)
            output = await type_line(pilot, "slow-motion on")
            assert app.slow_motion and "slow motion is on" in output.splitlines()[-1]
            assert app.screen.query_one(LivePanel).slow_motion is not None, "the panel holds each status now"
            await type_line(pilot, "slow-motion on")
            assert app.slow_motion, "on twice stays on"
            output = await type_line(pilot, "slowmo")
            assert not app.slow_motion and output.splitlines()[-1].startswith("slow motion is off")
            await type_line(pilot, "slowmo")
            assert app.slow_motion
            await type_line(pilot, "slow-motion off")
            assert not app.slow_motion
            output = await type_line(pilot, "slow-motion faster")
            assert "slow-motion takes on or off, or nothing after it; got faster" in output
            assert app.link.actions == []

    async def test_json_goes_with_the_operation(self, tmp_path: Path) -> None:
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await s.open_first_lesson(pilot)
            await type_line(pilot, "task ls --json")
            assert app.link.actions[-1].name == "ListTasks" and app.link.actions[-1].as_json
            await type_line(pilot, "service events web --limit 3")
            assert app.link.actions[-1].limit == 3 and not app.link.actions[-1].as_json

    async def test_completion_offers_slow_motion_and_its_values(self, tmp_path: Path) -> None:
        app = s.frozen_app(tmp_path=tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await s.open_first_lesson(pilot)
            await pilot.press("colon", *"slow-m", "tab")
            assert app.screen.bar.input.value == "slow-motion "
            await pilot.press("o", "tab")
            assert app.screen.bar.input.value == "slow-motion o"  # on and off: the common part only
