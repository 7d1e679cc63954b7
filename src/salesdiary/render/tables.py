"""Rich tables and record panels built from plain rows and column specs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from salesdiary.i18n import _
from salesdiary.render.console import message, out


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict[str, Any]], Any]
    justify: str = "left"
    style: str = ""
    no_wrap: bool = False
    max_width: int | None = None


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def print_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    total: int | None = None,
    empty: str | None = None,
) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    console = out()
    if not rows:
        message(empty or _("Nothing to show."))
        return
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD if console.is_terminal else box.ASCII2,
        header_style="bold",
        title_justify="left",
        expand=False,
    )
    for col in columns:
        table.add_column(
            col.header,
            justify=col.justify,
            style=col.style or None,  # type: ignore[arg-type]
            no_wrap=col.no_wrap,
            max_width=col.max_width,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(escape(cell(col.value(row))) for col in columns))
    console.print(table)
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
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD if out().is_terminal else box.ASCII2, header_style="bold")
    for col in columns:
        table.add_column(col.header, justify=col.justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(escape(cell(col.value(row))) for col in columns))
    return table
