"""Never lose work: sd backup, restore and doctor (SQLite journals; a team database is the server's job)."""

from __future__ import annotations

from typing import Any

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.i18n import N_, _


def register(root: typer.Typer) -> None:
    root.command("backup")(backup)
    root.command("restore")(restore)
    root.command("doctor")(doctor)


# sd backup / sd restore -------------------------------------------------------------------------------


def _sqlite_journal() -> Any:
    from salesdiary.cli.common import target
    from salesdiary.core.errors import Conflict

    where = target()
    if not where.is_sqlite_file:
        raise Conflict(
            _("sd backup and sd restore work on a SQLite journal; for {url} use the server's tools (pg_dump).").format(
                url=where.describe()
            )
        )
    return where.path


def backup(
    file: str = typer.Argument(None, help=N_("Where to write the copy (default: backups/ beside the journal).")),
    force: bool = typer.Option(False, "--force", help=N_("Replace FILE if it exists.")),
) -> None:
    """Make a consistent copy of the journal, even while other sd commands write to it."""
    from pathlib import Path

    from salesdiary.core.errors import Conflict
    from salesdiary.core.validate import clean_text
    from salesdiary.render.console import success
    from salesdiary.store.backup import backup_sqlite

    journal = _sqlite_journal()
    dest = None
    if file is not None:
        text = clean_text(file, "FILE", max_len=4096, multiline=False)
        if not text:
            from salesdiary.core.errors import BadInput

            raise BadInput(_("FILE: give a file name, or leave it out to write into backups/."))
        dest = Path(text).expanduser()
        if dest.exists() and not dest.is_dir() and not force:
            raise Conflict(_("{path} exists; pass --force to replace it.").format(path=dest))
    copy = backup_sqlite(journal, dest)
    success(_("Backed up the journal to {path} ({size}).").format(path=copy, size=_size(copy.stat().st_size)))


def restore(
    file: str = typer.Argument(..., help=N_("A backup made by sd backup (or any sd journal).")),
    yes: bool = typer.Option(False, "--yes", "-y", help=N_("Do not ask for confirmation.")),
) -> None:
    """Replace the journal with FILE, after checking it; the current journal is kept as a backup."""
    from pathlib import Path

    from salesdiary.cli.state import can_prompt
    from salesdiary.core.errors import BadInput
    from salesdiary.core.validate import clean_text
    from salesdiary.render.console import message, success
    from salesdiary.store.backup import check_journal_file, restore_sqlite
    from salesdiary.store.doctor import record_counts

    journal = _sqlite_journal()
    text = clean_text(file, "FILE", max_len=4096, multiline=False)
    if not text:
        raise BadInput(_("FILE: name the backup to restore."))
    source = Path(text).expanduser()
    info = check_journal_file(source)
    counts = record_counts(info.counts)
    if can_prompt() and not yes:
        if not typer.confirm(
            _("Replace the journal {journal} with {file} ({counts})? The current journal is kept as a backup.").format(
                journal=journal, file=source, counts=counts
            )
        ):
            message(_("Nothing was restored."))
            raise typer.Exit(1)
    info, kept = restore_sqlite(journal, source)
    success(_("Restored the journal from {file} ({counts}).").format(file=source, counts=counts))
    if kept is not None:
        message(_("The journal as it was is kept at {path}.").format(path=kept))


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


# sd doctor --------------------------------------------------------------------------------------------


def doctor(as_json: bool = JsonOpt) -> None:
    """Check the journal: integrity, foreign keys, schema, permissions, paths, size, last backup."""
    from salesdiary.cli.common import target
    from salesdiary.core.errors import SdError
    from salesdiary.store.doctor import failed, run_checks
    from salesdiary.store.paths import load_config

    try:
        where = target()
    except SdError:
        try:
            load_config()
        except SdError:
            where = None  # the config file cannot be read, so neither can the database it names: say why
        else:
            raise
    checks = run_checks(where)
    if as_json:
        from salesdiary.render.data import print_json

        print_json([c.as_dict() for c in checks])
    else:
        from salesdiary.render.tables import Column, print_table

        marks = {"ok": _("ok"), "warn": _("warning"), "fail": _("FAILED")}
        print_table(
            [c.as_dict() for c in checks],
            [
                Column(_("Check"), lambda c: c["name"], no_wrap=True),
                Column(_("Result"), lambda c: marks.get(c["status"], c["status"]), no_wrap=True),
                Column(_("Detail"), lambda c: c["detail"], max_width=70),
                Column(_("What to do"), lambda c: c["advice"], max_width=50),
            ],
        )
    if failed(checks):
        from salesdiary.render.console import error_line

        error_line(_("sd doctor found problems; see “What to do” above."))
        raise typer.Exit(1)
