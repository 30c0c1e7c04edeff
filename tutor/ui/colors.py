"""Colours for states, taken from the current theme, always next to the state's word.

Rich renderables (table cells) need concrete colours, so these read the theme's CSS
variables; widgets re-render when the theme changes. Colour is never the only signal: every
badge carries its word, so NO_COLOR, monochrome terminals and screen readers lose nothing.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

PENDING_LIKE = ("PROVISIONING", "PENDING", "ACTIVATING")
STOPPING_LIKE = ("DEACTIVATING", "STOPPING", "DEPROVISIONING")


class Palette:
    """The few colours states need, resolved from a theme's variables."""

    def __init__(self, variables: dict[str, str], plain: bool = False) -> None:
        background = _solid(variables.get("background"), "#000000", "#000000")
        foreground = _solid(variables.get("foreground"), "#e0e0e0", background)
        self.success = _solid(variables.get("success"), "#4ebf71", background)
        self.warning = _solid(variables.get("warning"), "#fea62b", background)
        self.error = _solid(variables.get("error"), "#b93c5b", background)
        self.accent = _solid(variables.get("accent"), "#fea62b", background)
        self.primary = _solid(variables.get("primary"), "#0178d4", background)
        self.muted = _blend(foreground, background, 0.45)
        self.on = background
        self.plain = plain

    def status_colour(self, status: str) -> str:
        if status == "RUNNING":
            return self.success
        if status in PENDING_LIKE:
            return self.warning
        if status in STOPPING_LIKE:
            return self.accent
        return self.muted

    def badge(self, status: str, dim: bool = False) -> Text:
        """A task's lastStatus as a coloured badge that still reads as a word."""
        if self.plain:
            return Text(status, style=Style(dim=dim))
        colour = self.status_colour(status)
        if dim or status == "STOPPED":
            return Text(f" {status} ", style=Style(color=self.muted, dim=True))
        return Text(f" {status} ", style=Style(color=self.on, bgcolor=colour, bold=True))

    def health(self, health: str, dim: bool = False) -> Text:
        colour = {"HEALTHY": self.success, "UNHEALTHY": self.error}.get(health, self.muted)
        if dim:
            colour = self.muted
        return Text(health, style=Style(color=colour, dim=dim, bold=health == "UNHEALTHY" and not dim))


def _solid(value: str | None, default: str, background: str) -> str:
    """A colour Rich can draw: theme values may carry alpha, which is blended away here."""
    from textual.color import Color

    try:
        colour = Color.parse(value or default)
    except Exception:
        colour = Color.parse(default)
    if colour.a < 1:
        colour = Color.parse(background).blend(colour.with_alpha(1.0), colour.a)
    return colour.hex6


def _blend(foreground: str, background: str, amount: float) -> str:
    from textual.color import Color

    return Color.parse(foreground).blend(Color.parse(background), amount).hex6
