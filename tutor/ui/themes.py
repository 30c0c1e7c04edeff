"""The tutor's high-contrast theme: pure black and white, bright unambiguous accents."""

from __future__ import annotations

from textual.theme import Theme

HIGH_CONTRAST = Theme(
    name="servicelab-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FF80FF",
    warning="#FFD700",
    error="#FF6060",
    success="#00FF66",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#FFFFFF",
    dark=True,
    luminosity_spread=0.0,
    text_alpha=1.0,
    variables={
        "text-muted": "#FFFFFF",
        "border": "#FFFFFF",
        "border-blurred": "#BBBBBB",
        "block-cursor-background": "#FFFF00",
        "block-cursor-foreground": "#000000",
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": "#FFFFFF",
        "block-cursor-blurred-foreground": "#000000",
        "footer-key-foreground": "#FFFF00",
        "footer-description-foreground": "#FFFFFF",
        "input-selection-background": "#FFFF00 60%",
        "scrollbar": "#FFFFFF",
        "link-color": "#00FFFF",
    },
)
"""Selected with `servicelab --high-contrast` or from the command palette's theme picker."""
