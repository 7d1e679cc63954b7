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

    info = journal().database.status().as_json()
    if as_json:
        from salesdiary.render.data import print_json

        print_json(info)
        return
    from salesdiary.render.tables import print_record

    states = {
        "current": _("up to date"),
        "empty": _("no tables yet (sd db upgrade creates them)"),
        "older": _("older than this sd: run sd db upgrade"),
        "newer": _("newer than this sd: upgrade sd"),
    }
    rows = [(_("Database"), info["database"])]
    if "schema" in info:
        rows.append((_("Schema"), f"{info['schema'] or '-'} · {states.get(info['state'], info['state'])}"))
    if "user" in info:
        rows.append((_("You are"), str(info["user"])))
        role = _("manager: you may change every rep's records") if info["manager"] else _("rep: you change your own")
        if info.get("owner"):
            role += " (" + _("owner of the tables") + ")"
        elif info.get("team"):
            role += " (" + (", ".join(info.get("roles") or []) or _("no sd role: ask the manager")) + ")"
        rows.append((_("Role"), role))
    if "lock_timeout" in info:
        rows.append(
            (
                _("Writes wait"),
                _("{lock:g} s at most for a lock, {statement:g} s for a statement").format(
                    lock=info["lock_timeout"], statement=info["statement_timeout"]
                ),
            )
        )
    print_record(_("sd db status"), rows)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db")
