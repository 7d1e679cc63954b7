"""Never lose work: sd backup, restore and doctor (SQLite journals; a team database is the server's job)."""

from __future__ import annotations

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.i18n import N_, _


def register(root: typer.Typer) -> None:
    root.command("backup")(backup)
    root.command("restore")(restore)
    root.command("doctor")(doctor)


# sd backup / sd restore -------------------------------------------------------------------------------


def backup(
    file: str = typer.Argument(None, help=N_("Where to write the copy (default: backups/ beside the journal).")),
    force: bool = typer.Option(False, "--force", help=N_("Replace FILE if it exists.")),
) -> None:
    """Make a consistent copy of the journal, even while other sd commands write to it."""
    from salesdiary.cli.common import journal
    from salesdiary.core.text import byte_size
    from salesdiary.render.console import success

    copy = journal().database.backup(file, force=force)
    success(_("Backed up the journal to {path} ({size}).").format(path=copy.path, size=byte_size(copy.size)))


def restore(
    file: str = typer.Argument(..., help=N_("A backup made by sd backup (or any sd journal).")),
    yes: bool = typer.Option(False, "--yes", "-y", help=N_("Do not ask for confirmation.")),
) -> None:
    """Replace the journal with FILE, after checking it; the current journal is kept as a backup."""
    from salesdiary.cli.common import journal
    from salesdiary.cli.state import can_prompt
    from salesdiary.render.console import message, success

    database = journal().database
    found = database.check_backup(file)
    if can_prompt() and not yes:
        if not typer.confirm(
            _("Replace the journal {journal} with {file} ({counts})? The current journal is kept as a backup.").format(
                journal=found.journal, file=found.path, counts=found.records
            )
        ):
            message(_("Nothing was restored."))
            raise typer.Exit(1)
    done = database.restore(found.path)
    success(_("Restored the journal from {file} ({counts}).").format(file=found.path, counts=found.records))
    if done.kept is not None:
        message(_("The journal as it was is kept at {path}.").format(path=done.kept))


# sd doctor --------------------------------------------------------------------------------------------


def doctor(as_json: bool = JsonOpt) -> None:
    """Check the journal: integrity, foreign keys, schema, permissions, paths, size, last backup."""
    from salesdiary.cli.common import target
    from salesdiary.journal_database import doctor as run_doctor

    report = run_doctor(target)  # not journal().database.doctor(): a config file sd cannot read is a finding
    if as_json:
        from salesdiary.render.data import print_json

        print_json(report.as_json())
    else:
        from salesdiary.render.database import print_doctor

        print_doctor(report)
    if report.failed:
        from salesdiary.render.console import error_line

        error_line(_("sd doctor found problems; see “What to do” above."))
        raise typer.Exit(1)
