"""The database itself: `Journal.database` (`sd db status/upgrade`, `sd doctor`, `sd backup`, `sd restore`).

    with Journal.open("~/sales.sqlite") as j:
        print(j.database.status().as_json()["schema"])
        report = j.database.doctor()                 # what `sd doctor --json` prints: report.as_json()
        copy = j.database.backup()                    # a consistent copy in backups/ beside the journal
        j.database.restore(copy.path)                 # the journal as it was is kept as a backup

Backup and restore work on a SQLite journal (a team database is the server's job: pg_dump). Like journal.py,
importing this module costs nothing: every import is inside a function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.journal import Journal
    from salesdiary.store.doctor import Check
    from salesdiary.store.paths import Target


@dataclass
class DatabaseStatus:
    """`sd db status`: the database, its schema and state (current, empty, older, newer), who you are on it, your
    role and the write timeouts (PostgreSQL), as `--json` prints it."""

    info: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return self.info


@dataclass
class Upgraded:
    """`sd db upgrade`: the DATABASE (as described to a person), its schema BEFORE (None: it had no tables) and
    AFTER; TEAM: a PostgreSQL database (whose reps need login roles)."""

    database: str
    before: str | None
    after: str
    team: bool


@dataclass
class DoctorReport:
    """`sd doctor`: the CHECKS (name, status ok/warn/fail, detail, advice), the config file's first."""

    checks: list[Check]

    @property
    def failed(self) -> bool:
        """A check failed (`sd doctor` exits 1)."""
        from salesdiary.store.doctor import failed

        return failed(self.checks)

    def as_json(self) -> list[dict[str, Any]]:
        return [c.as_dict() for c in self.checks]


@dataclass
class Backup:
    """A copy made by `sd backup`: its PATH and SIZE in bytes."""

    path: Path
    size: int


@dataclass
class BackupFile:
    """A journal file checked before a restore: its PATH, the JOURNAL it would replace, and what it holds
    (COUNTS per table; RECORDS: '12 accounts, 3 deals, …')."""

    path: Path
    journal: Path
    counts: dict[str, int]
    records: str


@dataclass
class Restored(BackupFile):
    """A restore done: as BackupFile, and KEPT, the copy of the journal as it was (None: there was none)."""

    kept: Path | None = None


def doctor(find_target: Callable[[], Target]) -> DoctorReport:
    """`sd doctor` on the journal FIND_TARGET names. When that fails because the config file cannot be read,
    the config is checked alone (and says why) rather than failing; any other failure is raised."""
    from salesdiary.core.errors import SdError
    from salesdiary.store.doctor import run_checks
    from salesdiary.store.paths import load_config

    where: Target | None
    try:
        where = find_target()
    except SdError:
        try:
            load_config()
        except SdError:
            where = None  # the config file cannot be read, so neither can the database it names: say why
        else:
            raise
    return DoctorReport(run_checks(where))


class Database:
    """`Journal.database`: the journal's schema, its health, and copies of it."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def status(self) -> DatabaseStatus:
        """The database, its schema, who you are on it and whether you may change every rep's records."""
        from salesdiary.store.team import database_status

        return DatabaseStatus(database_status(self._journal.target))

    def upgrade(self) -> Upgraded:
        """Create or upgrade the tables (on PostgreSQL also the roles sd_rep, sd_manager and row-level security;
        run it there as the database's owner)."""
        from salesdiary.store import pg
        from salesdiary.store.migrate import upgrade_database

        where = self._journal.target
        before, after = upgrade_database(where)
        return Upgraded(where.describe(), before, after, team=pg.is_postgres_url(where.url))

    def doctor(self) -> DoctorReport:
        """Check the journal: integrity, foreign keys, schema, permissions, paths, size, last backup."""
        return doctor(lambda: self._journal.target)

    def backup(self, file: str | Path | None = None, *, force: bool = False) -> Backup:
        """A consistent copy of the journal, even while others write to it: in FILE (a folder: a new file in it;
        an existing file only with FORCE), else in backups/ beside the journal."""
        from salesdiary.core.errors import Conflict
        from salesdiary.i18n import _
        from salesdiary.store.writes.backup import backup_sqlite

        journal = self._sqlite_path()
        dest = None
        if file is not None:
            dest = _file_named(file, _("FILE: give a file name, or leave it out to write into backups/."))
            if dest.exists() and not dest.is_dir() and not force:
                raise Conflict(_("{path} exists; pass --force to replace it.").format(path=dest))
        copy = backup_sqlite(journal, dest)
        return Backup(copy, copy.stat().st_size)

    def check_backup(self, file: str | Path) -> BackupFile:
        """FILE checked as a journal this sd can restore (an SdError says what is wrong), and what it holds."""
        from salesdiary.store.doctor import record_counts
        from salesdiary.store.writes.backup import check_journal_file

        journal = self._sqlite_path()
        source = _backup_named(file)
        info = check_journal_file(source)
        return BackupFile(source, journal, info.counts, record_counts(info.counts))

    def restore(self, file: str | Path) -> Restored:
        """Replace the journal with FILE, after checking it; the journal as it was is kept as a backup."""
        from salesdiary.store.doctor import record_counts
        from salesdiary.store.writes.backup import restore_sqlite

        journal = self._sqlite_path()
        source = _backup_named(file)
        self._journal.close()  # the journal's own reader would go on reading the file replaced
        info, kept = restore_sqlite(journal, source)
        return Restored(source, journal, info.counts, record_counts(info.counts), kept=kept)

    def _sqlite_path(self) -> Path:
        from salesdiary.core.errors import Conflict
        from salesdiary.i18n import _

        where = self._journal.target
        if not where.is_sqlite_file:
            raise Conflict(
                _(
                    "sd backup and sd restore work on a SQLite journal; for {url} use the server's tools (pg_dump)."
                ).format(url=where.describe())
            )
        assert where.path is not None
        return where.path


def _backup_named(file: str | Path) -> Path:
    from salesdiary.i18n import _

    return _file_named(file, _("FILE: name the backup to restore."))


def _file_named(file: str | Path, empty: str) -> Path:
    """FILE as typed (checked: one line, not too long), with ~ expanded; EMPTY is the error when it is blank."""
    from salesdiary.core.errors import BadInput
    from salesdiary.core.validate import clean_text

    text = clean_text(str(file), "FILE", max_len=4096, multiline=False)
    if not text:
        raise BadInput(empty)
    return Path(text).expanduser()
