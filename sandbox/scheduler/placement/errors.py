"""The one error placement raises: a strategy or constraint it cannot use."""

from __future__ import annotations


class PlacementError(ValueError):
    """A placement strategy or constraint that cannot be used; the message says what is allowed."""
