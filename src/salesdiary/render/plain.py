"""Tables and paragraphs drawn as plain text, the very characters Rich would draw, when no style can show.

Where the output has no colour system (piped to a file, a pager or a program; TERM=dumb), Rich writes a
style as nothing and a table whose columns all fit their widest cell as each cell padded to that width
between the box's lines. Rich still measures every column twice and wraps every cell to find that out: for
`sd check`'s two dozen small tables ≈ 60–90 ms. Here the same lines are put together directly (≈ 5 ms), and
the whole document is written in one piece. Anything this does not draw as Rich does — a cell that would wrap,
a control character, a tab, a space at a cell's edge, a console that records or colours — is left to Rich
(`table_text` and `line_text` answer None). tests/test_render_plain.py holds the two outputs byte-identical.

SD_RICH_TABLES=1 turns it off: every table and line drawn by Rich.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from salesdiary.render.document import Table


def enabled(console: Console) -> bool:
    """Whether CONSOLE shows no style at all (no colour system) and keeps no record of styles (export)."""
    if os.environ.get("SD_RICH_TABLES", "") not in ("", "0"):
        return False
    return console.color_system is None and not console.record


def _plain(text: str) -> bool:
    """TEXT drawn by Rich as it is: nothing Rich strips, escapes or expands, no line break, no space at an
    edge (Rich's justification trims it)."""
    return text.isprintable() and text == text.strip(" ")


def line_text(text: str, width: int, *, indent: int = 0, hanging: str = "") -> str | None:
    """document.print_text's lines for TEXT as one string (each line ending in a line break), or None."""
    from rich.cells import cell_len

    from salesdiary.render.document import wrap

    if not text.isprintable() or not hanging.isprintable():
        return None
    margin = indent + cell_len(hanging)
    room = max(width - margin, 8)
    lines = [text.rstrip()] if cell_len(text) <= room else wrap(text, room)  # wrap() keeps a line that fits
    out = []
    for n, line in enumerate(lines):
        lead = (hanging if n == 0 else " " * cell_len(hanging)) if hanging else ""
        out.append(" " * indent + lead + line + "\n")
    return "".join(out)


def table_text(
    console: Console,
    t: Table,
    *,
    cols: Sequence[int],
    bar_width: int = 0,
    skip_empty: int = 0,
) -> str | None:
    """The text Rich draws for document.rich_table(T, ...) on CONSOLE, or None where it might draw otherwise
    (a column narrower than its widest cell, a cell it would change)."""
    from rich import box
    from rich.cells import cell_len

    from salesdiary.render.bars import bar

    terminal = console.is_terminal
    columns = [t.columns[i] for i in cols]
    headers = [c.header for c in columns]
    justify = [c.justify for c in columns]
    show_bars = bar_width > 0 and t.bars is not None
    if show_bars:
        headers.append("")
        justify.append("left")
    if any(j not in ("left", "right", "center") for j in justify):
        return None
    rows: list[list[str]] = []
    sections: list[bool] = []  # a rule after this row (Rich's end_section)
    for n, row in enumerate(t.rows):
        if skip_empty and not any(row[i] for i in cols[skip_empty:]) and not (t.bars and t.bars[n] is not None):
            continue
        if n in t.separators and n > 0 and sections:
            sections[-1] = True
        cells = [row[i] for i in cols]
        if show_bars:
            share = t.bars[n] if t.bars is not None and n < len(t.bars) else None
            cells.append(bar(share or 0.0, 1.0, bar_width) if share is not None else "")
        rows.append(cells)
        sections.append(False)
    every = [headers, *rows]
    for cells in every:
        for cell in cells:
            if cell and not _plain(cell):
                return None
    last = len(headers) - 1
    widths: list[int] = []
    pads: list[tuple[int, int]] = []
    for k in range(len(headers)):
        left = 0 if k == 0 and terminal else 1  # pad_edge=False in a terminal
        right = 0 if k == last and terminal else 1
        natural = max(cell_len(cells[k]) for cells in every)
        c = columns[k] if k < len(columns) else None
        if c is not None and c.max_width is not None and (natural > c.max_width or (c.min_width or 0) > c.max_width):
            return None  # Rich would wrap it (or weigh a minimum above the maximum)
        width = natural
        if c is not None and c.min_width is not None:
            width = max(width, c.min_width)
        widths.append(width + left + right or 1)
        pads.append((left, right))
    show_edge = not terminal
    extra = (2 if show_edge else 0) + len(headers) - 1
    if sum(widths) + extra > console.width:
        return None  # Rich would narrow the columns
    b = (box.SIMPLE_HEAD if terminal else box.ASCII2).substitute(console.options, safe=console.safe_box)
    out: list[str] = []
    if show_edge:
        out.append(b.get_top(widths) + "\n")
    verticals = (
        (b.head_left, b.head_vertical, b.head_right),
        (b.mid_left, b.mid_vertical, b.mid_right),
        (b.foot_left, b.foot_vertical, b.foot_right),
    )
    for index, cells in enumerate(every):
        first, final = index == 0, index == len(every) - 1
        edge_left, divider, edge_right = verticals[0 if first else (2 if final else 1)]
        parts = []
        for k, cell in enumerate(cells):
            left, right = pads[k]
            room = widths[k] - left - right
            gap = room - cell_len(cell)
            how = justify[k]
            if how == "right":
                body = " " * gap + cell
            elif how == "center":
                body = " " * (gap // 2) + cell + " " * (gap - gap // 2)
            else:
                body = cell + " " * gap
            parts.append(" " * left + body + " " * right)
        line = divider.join(parts)
        out.append((edge_left + line + edge_right if show_edge else line) + "\n")
        if first:
            out.append(b.get_row(widths, "head", edge=show_edge) + "\n")
        elif sections[index - 1] and not final:
            out.append(b.get_row(widths, "row", edge=show_edge) + "\n")
    if show_edge:
        out.append(b.get_bottom(widths) + "\n")
    return "".join(out)


class Written:
    """Text already laid out, printed by Rich as it is (one segment: no wrapping, no cropping, no style), so it
    reaches the console's file, capture or pager like anything else it prints."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment

        yield Segment(self.text)
