"""The two consoles: data and tables to stdout, messages to stderr."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


def _escape_controls() -> None:
    """Rich drops five control characters from the text it draws and passes the others (ESC, CSI, bidi
    overrides) to the terminal: have it write each of them out instead (core/validate.visible), whatever draws
    the text — tables, records, reports, messages — so a name stored with them cannot act on the terminal."""
    from rich import control

    from salesdiary.core.validate import ESCAPES

    control._CONTROL_STRIP_TRANSLATE.update(ESCAPES)  # the table strip_control_codes uses (Rich 13–15)


@lru_cache(maxsize=1)
def out() -> Console:
    from rich.console import Console

    _escape_controls()

    # emoji=False: a name with ":smile:" in it is shown as typed (Rich would draw an emoji), and no cell is searched
    console = Console(no_color=_no_color(), highlight=False, soft_wrap=False, emoji=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        # piped: wide enough that tables are not folded for a script or a pager; the height given too, or Rich asks
        # the three standard streams for a terminal size again each time it measures (hundreds of times a table)
        console.size = (160 + int(console.legacy_windows), console.height)  # (Rich takes a column off on Windows)
    return console


@lru_cache(maxsize=1)
def err() -> Console:
    from rich.console import Console

    _escape_controls()

    return Console(stderr=True, no_color=_no_color(), highlight=False, soft_wrap=not sys.stderr.isatty(), emoji=False)


def reset() -> None:
    """Forget the consoles (tests swap stdout between runs)."""
    out.cache_clear()
    err.cache_clear()


def sentence(text: str) -> str:
    """TEXT without the double period of a sentence ending in a name that ends in one ('… Ltd..')."""
    if text.endswith("..") and not text.endswith("..."):
        return text[:-1]
    return text


def message(text: str, style: str = "") -> None:
    """A line for the person, on stderr."""
    text = sentence(text)
    if _plain_line(text):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
        return
    from rich.markup import escape

    err().print(f"[{style}]{escape(text)}[/]" if style else escape(text))


def _plain_line(text: str) -> bool:
    """Whether Rich would print TEXT on stderr exactly as it is (then Rich is not imported for it): stderr is
    not a terminal and nothing forces colour, so there is no style, and err() does not wrap (soft_wrap) what
    has no control characters or line breaks. A test holds the two outputs equal."""
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") or os.environ.get("TTY_INTERACTIVE"):
        return False
    try:
        if sys.stderr.isatty():
            return False
    except (AttributeError, ValueError):
        return False
    return text.isprintable()


def success(text: str) -> None:
    message(text, "green")


def warning(text: str) -> None:
    message(text, "yellow")


def error_line(text: str) -> None:
    """One error line on stderr, safe for any text (no markup, no encoding errors)."""
    safe = sentence(text).encode("utf-8", "backslashreplace").decode("utf-8")
    stream = sys.stderr
    if not safe.isprintable():  # controls (from a stored name) written out: core/validate.visible
        from salesdiary.core.validate import visible

        safe = visible(safe)
    try:
        stream.write(safe + "\n")
    except UnicodeEncodeError:
        stream.write(safe.encode("ascii", "backslashreplace").decode("ascii") + "\n")
    stream.flush()
