"""Rich tables and record panels built from plain rows and column specs.

A table is laid out for the console's width before Rich draws it. When every
column fits at its natural width nothing changes. When the terminal is narrower:

1. free-text columns (`squeeze`, or any column with a `max_width`) give up width
   first, down to a readable floor;
2. columns marked `drop` are left out: an empty one at once, then the highest
   `drop` first until the rest fit;
3. names (`min_width`) and then labels wrap between words; a word is cut only
   when even that does not fit.

Cells are wrapped here (between words, and between any two Chinese characters but
never before a closing punctuation mark), so Rich only pads them: every line of a
table has the same display width in English and in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from salesdiary.i18n import _
from salesdiary.render.console import message, out

TEXT_FLOOR = 14  # a free-text column keeps this many cells before another column is left out
TEXT_LEAST = 8  # … and this many at the very least
LONG_WORD = 20  # a longer "word" (a path, a URL) may be folded
CJK_NAME = 8  # a Chinese name may break between characters, but not narrower than this
CJK_LABEL = 12  # a short Chinese label ("有效信息") stays whole up to this width
CJK_TEXT = 4


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]  # the cell of a row (a dict, or an object such as an evaluation's group)
    justify: str = "left"
    style: str = ""
    no_wrap: bool = False
    max_width: int | None = None
    # When the terminal is too narrow for the whole table:
    min_width: int | None = None  # a name: keep it whole up to this width before anything but free text is squeezed
    squeeze: bool = False  # free text: the first to give up width (implied by max_width)
    drop: int = 0  # 0: always shown; otherwise left out when there is no room, highest number first


def cell(value: Any) -> str:
    """VALUE as a table shows it; controls written out (visible), so that the widths measured are the ones drawn."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    text = str(value)
    if text.isprintable():  # nearly always: a check at C speed
        return text
    from salesdiary.core.validate import visible

    return visible(text)


@dataclass(frozen=True)
class _Measure:
    natural: int  # the widest line (up to max_width)
    floor: int  # the width a column keeps before a column is left out
    least: int  # the narrowest it goes without cutting a word
    fixed: bool  # no_wrap: never narrower than natural while anything else can give
    empty: bool  # no cell has text
    group: int  # 0 a name, 1 a label, 2 free text (the last to get spare room)


def _longest_word(lines: Sequence[str], cjk: int) -> int:
    """The widest word in LINES; a word with Chinese characters may break between them, so counts as at most CJK."""
    from rich.cells import cell_len

    widest = 0
    for line in lines:
        for word in line.split():
            size = cell_len(word)
            if size != len(word):
                size = min(size, cjk)
            widest = max(widest, min(size, LONG_WORD))
    return widest


def _measure(col: Column, texts: Sequence[str]) -> _Measure:
    from rich.cells import cell_len

    lines = [line for text in texts for line in text.split("\n")]
    natural = max([cell_len(line) for line in lines] + [1])
    if col.max_width:
        natural = min(natural, max(col.max_width, 1))
    empty = not any(t.strip() for t in texts[1:])
    if col.no_wrap:
        return _Measure(natural, natural, natural, True, empty, 1)
    if col.squeeze or col.max_width:
        word = _longest_word(lines, CJK_TEXT)
        floor = min(natural, max(col.min_width or TEXT_FLOOR, word))
        return _Measure(natural, floor, min(natural, max(TEXT_LEAST, word)), False, empty, 2)
    if col.min_width:
        word = _longest_word(lines, CJK_NAME)
        return _Measure(natural, min(natural, max(col.min_width, word)), min(natural, word), False, empty, 0)
    word = min(natural, _longest_word(lines, CJK_LABEL))
    return _Measure(natural, word, word, False, empty, 1)


def _shrink(widths: dict[int, int], target: dict[int, int], excess: int) -> int:
    """Take EXCESS cells from the widest columns first, none below TARGET; return what could not be taken."""
    while excess > 0:
        give = [i for i in widths if widths[i] > target[i]]
        if not give:
            break
        widest = max(widths[i] for i in give)
        for i in give:
            if excess and widths[i] == widest:
                widths[i] -= 1
                excess -= 1
    return excess


def _grow(widths: dict[int, int], cols: Sequence[int], natural: dict[int, int], room: int) -> int:
    """Give ROOM cells to COLS, narrowest first, none beyond its natural width; return what is left."""
    while room > 0:
        want = [i for i in cols if widths[i] < natural[i]]
        if not want:
            break
        narrowest = min(widths[i] for i in want)
        for i in want:
            if room and widths[i] == narrowest:
                widths[i] += 1
                room -= 1
    return room


def plan(
    measures: Sequence[_Measure], drops: Sequence[int], width: int, chrome: Callable[[int], int]
) -> tuple[list[int], dict[int, int]]:
    """Which columns to show and how wide (cells of content), for a table at most WIDTH wide.

    CHROME(n) is the width of borders and padding of a table of n columns.
    """
    shown = list(range(len(measures)))

    def need(cols: Sequence[int]) -> int:
        return sum(measures[i].floor for i in cols) + chrome(len(cols))

    if sum(m.natural for m in measures) + chrome(len(shown)) <= width:
        return shown, {i: m.natural for i, m in enumerate(measures)}
    shown = [i for i in shown if not (drops[i] and measures[i].empty)]  # nothing to show: no room to waste
    for i in sorted((i for i in shown if drops[i] > 0), key=lambda i: (-drops[i], -i)):
        if need(shown) <= width or len(shown) == 1:
            break
        shown.remove(i)
    room = width - chrome(len(shown))
    widths = {i: measures[i].floor for i in shown}
    excess = sum(widths.values()) - room
    excess = _shrink(widths, {i: measures[i].least for i in shown}, excess)
    # Last resort (a very narrow terminal): fold words, then even the fixed columns.
    excess = _shrink(widths, {i: measures[i].natural if measures[i].fixed else 1 for i in shown}, excess)
    _shrink(widths, {i: 1 for i in shown}, excess)
    spare = room - sum(widths.values())
    natural = {i: measures[i].natural for i in shown}
    for groups in ((0, 1), (2,)):  # names and labels first, then free text
        spare = _grow(widths, [i for i in shown if measures[i].group in groups], natural, spare)
    return shown, widths


def _wrap_words(line: str, width: int) -> list[str]:
    """LINE broken only between words ("4. 竞争力评估" → "4." / "竞争力评估") when every word fits WIDTH,
    else between words and Chinese characters."""
    from rich.cells import cell_len

    from salesdiary.render.document import wrap

    words = line.split()
    if not words or any(cell_len(word) > width for word in words):
        return wrap(line, width)
    lines = [words[0]]
    for word in words[1:]:
        if cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


@lru_cache(maxsize=4096)  # names come back row after row
def _wrapped(text: str, width: int, *, prose: bool) -> str:
    """TEXT in lines of at most WIDTH cells: PROSE breaks between any two Chinese characters, a name or
    a label keeps a Chinese word whole when it can."""
    from salesdiary.render.document import wrap

    width = max(width, 1)
    if prose:
        return "\n".join(part for line in text.split("\n") for part in wrap(line, width))
    return "\n".join(part for line in text.split("\n") for part in _balanced(line, width))


def _balanced(line: str, width: int) -> list[str]:
    """LINE wrapped to WIDTH in as few lines, but as even ones, as it can ("万科物业服" / "务有限公司", not
    "万科物业服务有限公" / "司")."""
    from rich.cells import cell_len

    lines = _wrap_words(line, width)
    if len(lines) < 2:
        return lines
    longest = max(cell_len(word) for word in line.split())
    least = longest if longest <= width else 1  # between words only, if that was enough
    for narrower in range(max(least, -(-cell_len(line) // len(lines))), width):  # the narrowest that does as well
        even = _wrap_words(line, narrower)
        if len(even) == len(lines):
            return even
    return lines


def _build(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    styled: bool = True,
    width: int | None = None,
) -> Any:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    console = out()
    width = console.width if width is None else width
    texts = [[col.header] + [cell(col.value(row)) for row in rows] for col in columns]
    measures = [_measure(col, t) for col, t in zip(columns, texts, strict=True)]
    drops = [col.drop for col in columns]

    def chrome(n: int) -> int:  # the rules at both edges and between columns, one cell of padding each side
        return 2 + (n - 1) + 2 * n

    shown, widths = plan(measures, drops, width, chrome)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD if console.is_terminal else box.ASCII2,
        header_style="bold",
        title_justify="left",
        expand=False,
    )
    for i in shown:
        col = columns[i]
        table.add_column(
            escape(_wrapped(col.header, widths[i], prose=False)),
            justify=col.justify,  # type: ignore[arg-type]
            style=(col.style or None) if styled else None,
            width=widths[i],
            overflow="fold",
        )
    for r in range(len(rows)):
        table.add_row(*(escape(_wrapped(texts[i][r + 1], widths[i], prose=measures[i].group == 2)) for i in shown))
    return table


def print_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    total: int | None = None,
    empty: str | None = None,
) -> None:
    console = out()
    if not rows:
        message(empty or _("Nothing to show."))
        return
    console.print(_build(rows, columns, title=title))
    if total is not None and total > len(rows):
        message(_("{shown} of {total} shown; use --limit N or --all to see more.").format(shown=len(rows), total=total))


def print_record(title: str, fields: Sequence[tuple[str, Any]], *, sections: Sequence[tuple[str, Any]] = ()) -> None:
    """One record: a two-column grid of label and value, then any sub-tables."""
    from rich.markup import escape
    from rich.table import Table

    console = out()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in fields:
        text = cell(value)
        if text:
            grid.add_row(escape(label), escape(text))
    console.print(f"[bold]{escape(title)}[/]")
    console.print(grid)
    for heading, renderable in sections:
        console.print()
        console.print(f"[bold]{escape(heading)}[/]")
        console.print(renderable)


def sub_table(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> Any:
    """A table inside a record (`show`), laid out like a list for the console's width."""
    return _build(rows, columns, styled=False)
