"""sd db: the database itself — create or upgrade its schema, and see who you are on it."""

from __future__ import annotations

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("The database: create or upgrade its schema; who you are on it."), no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Create or upgrade the tables (on PostgreSQL also the roles sd_rep, sd_manager and row-level security).

    On PostgreSQL run it as the database's owner (the manager): the tables belong to whoever creates them.
    """
    from salesdiary.cli.common import journal
    from salesdiary.render.console import message, success

    done = journal().database.upgrade()
    if done.before == done.after:
        success(_("{db} is up to date (schema {head}).").format(db=done.database, head=done.after))
    elif done.before is None:
        success(_("Created sd's tables in {db} (schema {head}).").format(db=done.database, head=done.after))
    else:
        success(
            _("Upgraded {db} from schema {old} to {head}.").format(db=done.database, old=done.before, head=done.after)
        )
    if done.team:
        message(
            _(
                "Each rep connects as a login role of their own, a member of sd_rep (a manager: of sd_manager), "
                "e.g. CREATE ROLE wang LOGIN PASSWORD '…' IN ROLE sd_rep;"
            )
        )


@app.command("status")
def status(as_json: bool = JsonOpt) -> None:
    """Show the database, its schema, who you are on it and whether you may change every rep's records."""
    from salesdiary.cli.common import journal

    found = journal().database.status()
    if as_json:
        from salesdiary.render.data import print_json

        print_json(found.as_json())
        return
    from salesdiary.render.database import print_status

    print_status(found)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
