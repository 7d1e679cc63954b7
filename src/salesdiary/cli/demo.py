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
    from salesdiary.cli.common import done, journal

    if remove:
        removed = journal().data.remove_demo()
        done(_("Removed the demo's records ({count} changes); `sd redo` puts them back.").format(count=removed))
        return
    filled = journal().data.fill_demo(if_empty=if_empty)
    if filled is None:
        from salesdiary.render.console import message

        message(_("The journal already has data; demo skipped."))
        return
    done(
        _(
            "Demo journal ready at {path}: {accounts} accounts, {contacts} contacts, {deals} deals, "
            "{visits} visits, {followups} follow-ups."
        ).format(path=filled.database, **filled.counts)
    )
