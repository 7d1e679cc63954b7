"""Horizontal bars drawn with block characters, an eighth of a cell at a time."""

from __future__ import annotations

_EIGHTHS = ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")
FULL = "█"


def bar(value: float, maximum: float, width: int) -> str:
    """A bar of at most WIDTH cells whose length is VALUE / MAXIMUM of it.

    Any positive value shows at least a sliver, so a stage with little in it is
    still visibly not empty.
    """
    if width <= 0 or maximum <= 0 or value <= 0:
        return ""
    eighths = round(min(value, maximum) / maximum * width * 8)
    eighths = max(eighths, 1)
    full, rest = divmod(eighths, 8)
    return FULL * full + _EIGHTHS[rest]
