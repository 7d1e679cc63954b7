"""Options that apply to every command (--db, --lang, --no-input), read before Typer runs."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field


@dataclass
class State:
    db: str | None = None
    lang: str = "en"
    no_input: bool = False
    no_pager: bool = False
    debug: bool = False
    taken: list[str] = field(default_factory=list)  # "taken as" lines of close name matches, said when writing


STATE = State()


def can_prompt() -> bool:
    """True only on a terminal without --no-input: otherwise nothing ever waits for input."""
    if STATE.no_input or os.environ.get("SD_NO_INPUT"):
        return False
    try:
        return sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False
