"""What every command module shares: opening the journal, naming records, printing lists."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from salesdiary.i18n import N_, _

if TYPE_CHECKING:
    from salesdiary.journal import Journal
    from salesdiary.journal_target import Target
    from salesdiary.render.tables import Column

T = TypeVar("T")

# Options used by many commands (help texts are translated when the module is imported).
JsonOpt = typer.Option(False, "--json", help=N_("Print JSON for programs instead of a table."))
LIMIT_MAX = 2**31 - 1  # more rows than any journal holds; larger overflows SQLite's LIMIT
LimitOpt = typer.Option(50, "--limit", "-n", min=1, max=LIMIT_MAX, help=N_("Show at most N rows."))
AllOpt = typer.Option(False, "--all", "-a", help=N_("Show every row."))


def render_ready(wanted: bool = True) -> Callable[[], None]:
    """Get the renderer ready (import Rich's tables, open the console) in a background thread while this one waits
    on the database; call the function returned before rendering (nothing to wait for unless WANTED: output for
    programs is not drawn by Rich). sqlite3 lets other threads run while it works, so on a second core the imports
    cost no time on the command's path. Anything going wrong there is left for the rendering to meet again in
    this thread."""
    if not wanted:
        return lambda: None
    import threading

    def prepare() -> None:
        with contextlib.suppress(Exception):
            import rich.box  # noqa: F401  (rich_table's own imports: first met when the first table is drawn)

            from salesdiary.render import bars, document, plain, reports  # noqa: F401
            from salesdiary.render.console import out

            if not plain.enabled(out()):  # plain text (render/plain.py) draws its tables without Rich's Table
                import rich.markup  # noqa: F401
                import rich.table  # noqa: F401

    thread = threading.Thread(target=prepare, daemon=True)
    thread.start()
    return thread.join


def target() -> Target:
    """The journal this run works on. Every command reaches the journal through here: where loading ends
    and the command's own work starts (cli.loading)."""
    from salesdiary.cli.loading import loaded
    from salesdiary.cli.state import STATE
    from salesdiary.journal_target import journal_target

    loaded()
    return journal_target(STATE.db)


def output_path(path: str | None) -> str | None:
    """PATH given to --output (or --ics), refused when it names the journal or its -wal / -shm file: an export
    written there would replace the journal with a copy of some of it."""
    if not path or path == "-":
        return path
    import os

    from salesdiary.core.errors import BadInput

    journal = target().path
    if journal is not None:
        given = os.path.realpath(os.path.expanduser(path))
        real = os.path.realpath(journal)
        if given in (real, real + "-wal", real + "-shm", real + "-journal"):
            raise BadInput(_("{path} is the journal itself; choose another file to write.").format(path=path))
    return path


def say_taken() -> None:
    """Say which records close name matches took (resolve), once, before the write that uses them."""
    from salesdiary.cli.state import STATE

    if STATE.taken:
        from salesdiary.render.console import message

        for line in STATE.taken:
            message(line)
        STATE.taken.clear()


def journal(on_query: Callable[[], None] | None = None) -> Journal:
    """The journal this run works on, through the Python API (salesdiary/journal.py) that commands call: its
    writes are recorded under the command line, and say first what a close name match took. ON_QUERY: called
    when a report's long queries start (where render_ready() belongs)."""
    from salesdiary.journal import Journal

    return Journal(
        target(), command=None, taken=_taken, before_write=say_taken, on_query=on_query, on_values=warn_past_dates
    )


def _taken(typed: str, found: Any) -> None:
    from salesdiary.cli.state import STATE

    STATE.taken.append(_("{text!r} taken as #{id} {name}").format(text=typed, id=found.id, name=found.name))


def today() -> Any:
    from salesdiary.core.dates import today as _today

    return _today()


def parse_date_opt(text: str | None, option: str) -> Any:
    """A date option: None stays None; unreadable text is an error naming the option."""
    if text is None:
        return None
    from salesdiary.core.dates import parse_date
    from salesdiary.core.errors import BadInput
    from salesdiary.core.validate import clean_text

    cleaned = clean_text(text, option, max_len=200, multiline=False)
    if cleaned is None:
        return None
    try:
        return parse_date(cleaned, today())
    except BadInput as exc:
        raise BadInput(f"{option}: {exc.message}") from None


# Dates that say when something is still to be done, by the option that sets them.
PLANNED_DATES = {"due": "--due", "follow_up_date": "--follow-up", "next_step_date": "--next-date"}


def warn_past_dates(values: dict[str, Any]) -> None:
    """A follow-up or due date in the past is kept (a rep catching up on last week logs it so), with one
    warning line on stderr: it may be a typo, and it is late from the moment it is written."""
    from salesdiary.i18n import ngettext
    from salesdiary.render.console import warning

    now = today()
    for name, option in PLANNED_DATES.items():
        when = values.get(name)
        if when is not None and when < now:
            days = (now - when).days
            warning(
                ngettext(
                    "{option}: {date} is in the past ({n} day ago); kept as given.",
                    "{option}: {date} is in the past ({n} days ago); kept as given.",
                    days,
                ).format(option=option, date=when.isoformat(), n=days)
            )


def limit_of(limit: int, show_all: bool) -> int | None:
    return None if show_all else limit


def emit_rows(
    rows: Sequence[dict[str, Any]],
    total: int,
    columns: Sequence[Column],
    *,
    as_json: bool,
    title: str | None = None,
    empty: str | None = None,
) -> None:
    if as_json:
        from salesdiary.journal import public
        from salesdiary.render.data import print_json_rows

        print_json_rows(public(r) for r in rows)
        return
    from salesdiary.render.tables import print_table

    print_table(rows, columns, title=title, total=total, empty=empty)


def done(text: str) -> None:
    from salesdiary.render.console import success

    success(text)


def require(value: T | None, option: str) -> T:
    """A value the command cannot do without (until guided prompts ask for it)."""
    if value is None or value == "" or value == []:
        from salesdiary.core.errors import BadInput

        raise BadInput(_("Missing {option}: pass it on the command line.").format(option=option))
    return value


@contextlib.contextmanager
def guided() -> Iterator[None]:
    """Around guided prompts: Ctrl-C or Esc at any question → one line, nothing written, exit 130."""
    from salesdiary.prompts.ask import Cancelled

    try:
        yield
    except Cancelled:
        from salesdiary.render.console import error_line

        error_line(_("Cancelled; nothing was written."))
        raise typer.Exit(130) from None
