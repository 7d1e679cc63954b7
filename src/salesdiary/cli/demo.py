"""sd demo: a realistic sample journal to try sd on, and taking it out again."""

from __future__ import annotations

import typer

from salesdiary.i18n import N_, _


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help=N_("Do nothing (and succeed) when the journal has data.")),
    remove: bool = typer.Option(
        False, "--remove", help=N_("Take the demo's records out again (yours stay; `sd redo` puts them back).")
    ),
) -> None:
    """Fill an empty journal with realistic sample data (bilingual accounts, people, deals, visits)."""
    from salesdiary.cli.common import done, reader, target, write
    from salesdiary.core.errors import Conflict
    from salesdiary.render.console import message
    from salesdiary.store.demo import fill_demo, remove_demo
    from salesdiary.store.reads import is_empty

    if remove:
        removed = write(remove_demo)
        done(_("Removed the demo's records ({count} changes); `sd redo` puts them back.").format(count=removed))
        return

    if not is_empty(reader()):
        if if_empty:
            message(_("The journal already has data; demo skipped."))
            return
        raise Conflict(_("The journal is not empty; the demo only fills an empty one (use --db to pick another)."))
    counts = write(fill_demo)
    done(
        _(
            "Demo journal ready at {path}: {accounts} accounts, {contacts} contacts, {deals} deals, "
            "{visits} visits, {followups} follow-ups."
        ).format(path=target().describe(), **counts)
    )
