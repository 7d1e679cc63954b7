"""A report as plain data — title, sections, lines and tables — and its renderings.

The same document prints in the terminal (Rich), exports to Markdown, and to an
HTML page (render/html.py: Jinja2 templates, real tables and SVG charts).
Knows nothing of the database: cells are already text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True)
class Col:
    header: str
    justify: str = "left"
    no_wrap: bool = False
    min_width: int | None = None
    max_width: int | None = None
    style: str = ""
    ratio: int | None = None
    narrow: str = "body"  # in the stacked layout: "head" (first line), "body" (the lines below) or "omit"
    labelled: bool = False  # in the stacked layout, show "Header value"


@dataclass
class Table:
    """Rows of text cells. When the terminal is too narrow for it, a table is either *stacked* (each row
    becomes a short block: its head columns on one line, the rest below) or *split* (the first `keep`
    columns repeated in two or more narrower tables)."""

    columns: Sequence[Col]
    rows: list[list[str]] = field(default_factory=list)
    row_styles: list[str] = field(default_factory=list)  # one per row ("" for none)
    separators: set[int] = field(default_factory=set)  # a rule is drawn before these row indexes
    narrow: str = "stack"  # or "split"
    keep: int = 1  # columns repeated in each part of a split table
    split_at: tuple[int, ...] = ()  # where a split may start a new part (default: anywhere)
    bars: list[float | None] | None = None  # optional bar per row, as a share (0–1) of the longest

    def add(self, *cells: Any, style: str = "", separator: bool = False, bar: float | None = None) -> None:
        if separator:
            self.separators.add(len(self.rows))
        self.rows.append(["" if c is None else str(c) for c in cells])
        self.row_styles.append(style)
        if bar is not None:
            if self.bars is None:
                self.bars = [None] * (len(self.rows) - 1)
        if self.bars is not None:
            self.bars.append(bar)

    def style_of(self, i: int) -> str:
        return self.row_styles[i] if i < len(self.row_styles) else ""


@dataclass
class Section:
    title: str | None = None
    lines: list[str] = field(default_factory=list)
    table: Table | None = None
    after: list[str] = field(default_factory=list)
    empty: str | None = None  # shown instead of an empty table
    renderable: Any = None  # any other Rich renderable (e.g. a tree); terminal and HTML only
    lead: str | None = None  # the advice of the section, shown after an arrow


@dataclass
class Document:
    title: str
    lines: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


# --- terminal ---------------------------------------------------------------------------------------------

GAP = 3  # cells between two columns of a borderless Rich table (padding, rule, padding)
MIN_WRAP = 12  # narrower than this for a column of text, and the table is laid out for a narrow terminal
MIN_BAR = 4
MAX_BAR = 30


def _natural(t: Table, i: int) -> int:
    from rich.cells import cell_len

    return max([cell_len(t.columns[i].header)] + [cell_len(row[i]) for row in t.rows if i < len(row)])


def _longest_word(t: Table, i: int) -> int:
    """The widest word of column I: a column narrower than this would cut a word in two.

    Chinese has no spaces between words and may break between any two characters, so a
    run of wide characters counts as short.
    """
    from rich.cells import cell_len

    widest = 0
    for text in [t.columns[i].header] + [row[i] for row in t.rows if i < len(row)]:
        for word in text.split():
            size = cell_len(word)
            if size != len(word):  # wide (CJK) characters: breakable anywhere
                size = min(size, 8)
            widest = max(widest, size)
    return widest


def _fits(t: Table, cols: Sequence[int], width: int, edges: int = 0) -> bool:
    """Whether columns COLS of T fit WIDTH with every wrapping column at least MIN_WRAP wide (or natural)."""
    fixed = 0
    least = 0
    for i in cols:
        natural = _natural(t, i)
        if t.columns[i].no_wrap:
            fixed += natural
        else:
            least += min(natural, max(MIN_WRAP, _longest_word(t, i), t.columns[i].min_width or 0))
    return width - edges - fixed - GAP * (len(cols) - 1) >= least


def _bar_room(t: Table, cols: Sequence[int], width: int, edges: int = 0) -> int:
    if t.bars is None:  # no bars to draw (the width is only read for them): no columns to measure
        return 0
    used = sum(min(_natural(t, i), 32) for i in cols) + GAP * len(cols) + edges
    room = min(width - used, MAX_BAR)
    return room if room >= MIN_BAR else 0


def rich_table(
    t: Table, *, terminal: bool, cols: Sequence[int] | None = None, bar_width: int = 0, skip_empty: int = 0
) -> Any:
    """T as a Rich table (only columns COLS; rows empty beyond the first SKIP_EMPTY columns left out)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table as RichTable

    from salesdiary.render.bars import bar

    cols = list(range(len(t.columns))) if cols is None else list(cols)
    table = RichTable(
        box=box.SIMPLE_HEAD if terminal else box.ASCII2,
        header_style="bold",
        show_edge=not terminal,
        pad_edge=not terminal,
        expand=False,
    )
    for i in cols:
        c = t.columns[i]
        table.add_column(
            escape(c.header),
            justify=c.justify,  # type: ignore[arg-type]
            no_wrap=c.no_wrap,
            min_width=c.min_width,
            max_width=c.max_width,
            style=c.style or None,
            ratio=c.ratio,
            overflow="fold",
        )
    show_bars = bar_width > 0 and t.bars is not None
    if show_bars:
        table.add_column("", no_wrap=True, style="cyan")
    for n, row in enumerate(t.rows):
        if skip_empty and not any(row[i] for i in cols[skip_empty:]) and not (t.bars and t.bars[n] is not None):
            continue
        if n in t.separators and n > 0:
            table.add_section()
        cells = [escape(row[i]) for i in cols]
        if show_bars:
            share = t.bars[n] if t.bars is not None and n < len(t.bars) else None
            cells.append(bar(share or 0.0, 1.0, bar_width) if share is not None else "")
        table.add_row(*cells, style=t.style_of(n) or None)
    return table


def _print_table(console: Console, t: Table, gather: list[str] | None = None) -> None:
    terminal = console.is_terminal
    width = console.width
    edges = 0 if terminal else 4  # the ASCII table (not a terminal) has a border and padding at each side
    every = list(range(len(t.columns)))
    if _fits(t, every, width, edges):
        _draw(console, t, cols=every, bar_width=_bar_room(t, every, width, edges), gather=gather)
        return
    if t.narrow == "split":
        _print_split(console, t, gather)
    else:
        _flush(console, gather)
        _print_stacked(console, t)


def _print_split(console: Console, t: Table, gather: list[str] | None = None) -> None:
    """The first `keep` columns, then as many of the others as fit, table after table."""
    width = console.width
    edges = 0 if console.is_terminal else 4
    keep = list(range(t.keep))
    groups: list[list[int]] = []
    current: list[int] = []
    for i in range(t.keep, len(t.columns)):
        if current and not _fits(t, keep + _upto_break(t, current, i), width, edges) and _can_break(t, i, current):
            groups.append(current)
            current = []
        current.append(i)
    if current:
        groups.append(current)
    for g, group in enumerate(groups):
        if g:
            _blank(console, gather)
        cols = keep + group
        last = g == len(groups) - 1
        bar_width = _bar_room(t, cols, width, edges) if last else 0
        _draw(console, t, cols=cols, bar_width=bar_width, skip_empty=t.keep if g else 0, gather=gather)


def _draw(
    console: Console,
    t: Table,
    *,
    cols: Sequence[int],
    bar_width: int = 0,
    skip_empty: int = 0,
    gather: list[str] | None = None,
) -> None:
    """rich_table(T, ...) printed: laid out as plain text where no style can show (render/plain.py: added to
    GATHER when given, printed together later), else by Rich."""
    from salesdiary.render import plain

    if plain.enabled(console):
        text = plain.table_text(console, t, cols=cols, bar_width=bar_width, skip_empty=skip_empty)
        if text is not None:
            _put(console, text, gather)
            return
    _flush(console, gather)
    console.print(rich_table(t, terminal=console.is_terminal, cols=cols, bar_width=bar_width, skip_empty=skip_empty))


def _put(console: Console, text: str, gather: list[str] | None) -> None:
    """Plain TEXT (render/plain.py) added to GATHER, or printed now."""
    if gather is not None:
        gather.append(text)
        return
    from salesdiary.render.plain import Written

    console.print(Written(text), crop=False)


def _flush(console: Console, gather: list[str] | None) -> None:
    """The plain text gathered so far printed, before anything Rich draws itself."""
    if gather:
        _put(console, "".join(gather), None)
        gather.clear()


def _blank(console: Console, gather: list[str] | None) -> None:
    if gather is not None:
        gather.append("\n")
    else:
        console.print()


def _upto_break(t: Table, current: list[int], i: int) -> list[int]:
    """The columns of the part being built if column I (and those up to the next break) joined it."""
    end = next((b for b in sorted(t.split_at) if b > i), len(t.columns)) if t.split_at else i + 1
    return current + list(range(i, end))


def _can_break(t: Table, i: int, current: list[int]) -> bool:
    return not t.split_at or i in t.split_at


def _print_stacked(console: Console, t: Table) -> None:
    """Each row as a block: the head columns on one line, the others wrapped below it, indented."""
    from rich.cells import cell_len
    from rich.text import Text

    width = console.width
    indent = 4
    heads = [i for i, c in enumerate(t.columns) if c.narrow == "head"]
    bodies = [i for i, c in enumerate(t.columns) if c.narrow == "body"]
    pad = {i: _natural(t, i) for i in heads[:-1] if t.columns[i].no_wrap}  # line up the short head columns
    for n, row in enumerate(t.rows):
        if n in t.separators and n > 0:
            console.print("─" * min(width, 40), style="dim")
        style = t.style_of(n)
        line = Text(style=style)
        for k, i in enumerate(heads):
            cell = row[i]
            if i in pad:
                gap = pad[i] - cell_len(cell)
                cell = " " * gap + cell if t.columns[i].justify == "right" else cell + " " * gap
            if k:
                line.append("  ")
            line.append(cell, style=t.columns[i].style)
        line.rstrip()
        console.print(line, overflow="fold")
        chunks = []
        for i in bodies:
            if row[i]:
                c = t.columns[i]
                chunks.append(f"{c.header}: {row[i]}" if c.labelled else row[i])
        if not chunks:
            continue
        lines: list[str] = []
        current = ""
        for chunk in chunks:
            candidate = f"{current} · {chunk}" if current else chunk
            if current and cell_len(candidate) + indent > width:
                lines.append(current)
                current = chunk
            else:
                current = candidate
        lines.append(current)
        for text in lines:
            print_text(console, text, style=style, indent=indent)


def print_document(doc: Document, console: Console | None = None) -> None:
    """Print DOC on CONSOLE (default: stdout's), fitted to its width."""

    from salesdiary.render import plain
    from salesdiary.render.console import out

    console = console or out()
    # where no style can show, the plain text of the document is gathered and printed in one piece (plain.py)
    gather: list[str] | None = [] if plain.enabled(console) else None
    print_text(console, doc.title, style="bold", gather=gather)
    for line in doc.lines:
        print_text(console, line, gather=gather)
    for s in doc.sections:
        _blank(console, gather)
        if s.title:
            print_text(console, s.title, style="bold", gather=gather)
        if s.lead:
            print_text(console, s.lead, hanging="→ ", gather=gather)
        for line in s.lines:
            print_text(console, line, gather=gather)
        if s.renderable is not None:
            _flush(console, gather)
            console.print(s.renderable)
        if s.table is not None:
            if s.table.rows:
                _print_table(console, s.table, gather)
            elif s.empty:
                print_text(console, s.empty, style="dim", gather=gather)
        for line in s.after:
            print_text(console, line, style="dim", gather=gather)
    _flush(console, gather)


_NO_LINE_START = set("，。、；：？！）》」』】,.;:!?)]}%")  # never begin a line with these


def wrap(text: str, width: int) -> list[str]:
    """TEXT broken into lines of at most WIDTH cells: between words, and between any two Chinese characters
    (Chinese runs have no spaces, so a plain word wrap would push a whole sentence to the next line)."""
    from rich.cells import cell_len

    tokens: list[str] = []
    word = ""
    for ch in text:
        wide = cell_len(ch) == 2
        if ch == " " or wide:
            if word:
                tokens.append(word)
                word = ""
            if wide and tokens and ch in _NO_LINE_START:
                tokens[-1] += ch
            else:
                tokens.append(ch)
        elif ch in _NO_LINE_START and not word and tokens and cell_len(tokens[-1][-1:]) == 2:
            tokens[-1] += ch
        else:
            word += ch
    if word:
        tokens.append(word)
    lines: list[str] = []
    current = ""
    for token in tokens:
        if cell_len(current + token) <= width or not current.strip():
            current += token
            while cell_len(current) > width:  # a single word longer than the line: fold it
                cut = len(current)
                while cut > 1 and cell_len(current[:cut]) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        else:
            lines.append(current.rstrip())
            current = token.lstrip()
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def print_text(
    console: Console,
    text: str,
    *,
    style: str = "",
    indent: int = 0,
    hanging: str = "",
    gather: list[str] | None = None,
) -> None:
    """One paragraph, wrapped to the console (see `wrap`); HANGING is printed before its first line. Where no
    style can show, its plain text (render/plain.py) is added to GATHER when given."""
    from rich.cells import cell_len
    from rich.text import Text

    from salesdiary.render import plain

    if plain.enabled(console):
        lines = plain.line_text(text, console.width, indent=indent, hanging=hanging)
        if lines is not None:
            _put(console, lines, gather)
            return
    _flush(console, gather)
    margin = indent + cell_len(hanging)
    for n, line in enumerate(wrap(text, max(console.width - margin, 8))):
        lead = (hanging if n == 0 else " " * cell_len(hanging)) if hanging else ""
        console.print(Text(" " * indent + lead + line, style=style), no_wrap=True, overflow="ignore", crop=False)


# --- Markdown ---------------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    """TEXT in a Markdown table cell: as text (a `<tag>` in a name escaped, so no renderer takes it as HTML)."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<").replace(">", "\\>")
    return out.replace("\n", "<br>")


def _md_text(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for ch in ("*", "_", "`", "#", "[", "]", "<", ">"):
        out = out.replace(ch, "\\" + ch)
    return out


def to_markdown(doc: Document) -> str:
    lines = [f"# {_md_text(doc.title)}", ""]
    for line in doc.lines:
        lines += [_md_text(line), ""]
    for s in doc.sections:
        if s.title:
            lines += [f"## {_md_text(s.title)}", ""]
        if s.lead:
            lines += [f"→ {_md_text(s.lead)}", ""]
        for line in s.lines:
            lines += [_md_text(line), ""]
        if s.table is not None:
            if s.table.rows:
                cols = s.table.columns
                lines.append("| " + " | ".join(_md_cell(c.header) for c in cols) + " |")
                lines.append("|" + "|".join("---:" if c.justify == "right" else "---" for c in cols) + "|")
                for i, row in enumerate(s.table.rows):
                    style = s.table.row_styles[i] if i < len(s.table.row_styles) else ""
                    cells = [_md_cell(c) for c in row]
                    if "bold" in style:
                        cells = [f"**{c}**" if c else c for c in cells]
                    lines.append("| " + " | ".join(cells) + " |")
                lines.append("")
            elif s.empty:
                lines += [f"*{_md_text(s.empty)}*", ""]
        for line in s.after:
            lines += [f"*{_md_text(line)}*", ""]
    return "\n".join(lines).rstrip() + "\n"
