"""Consistent copies of a SQLite journal (the online backup API), kept private, and restoring one.

A backup is taken while other `sd` processes may be writing: SQLite's backup API copies a consistent
snapshot. The copy is written to a temporary file first and renamed into place, created 0600, and turned
into a single self-contained file (rollback journal, no -wal beside it). Copies in the journal's
`backups/` folder are named `<journal>-<YYYYmmdd-HHMMSS-ffffff>-<reason>.sqlite` and rotated: the newest
`backup.keep` (config, default 10) are kept.

Restoring checks the file first (an SQLite file, an `sd` journal, a schema this sd can open, integrity),
keeps the current journal as a backup, then copies the file into the journal with the same backup API,
so that another `sd` that has the journal open sees the new contents, never a half-written file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from salesdiary.core.errors import BadInput, Conflict, NotFound, SdError
from salesdiary.i18n import _
from salesdiary.store.paths import config_value
from salesdiary.store.version import APPLICATION_ID, SCHEMA_HEAD, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6}-\d{6})-(?P<reason>[A-Za-z0-9_.-]+)\.sqlite$")
DEFAULT_KEEP = 10
COUNTED_TABLES = ("account", "contact", "deal", "visit", "followup")


def backup_dir(journal: Path) -> Path:
    return journal.parent / "backups"


def keep_count() -> int:
    """How many copies rotation keeps (config `backup.keep`: a whole number from 1 to CONFIG_INT_MAX)."""
    from salesdiary.core.validate import CONFIG_INT_MAX

    value = config_value("backup.keep", DEFAULT_KEEP)
    try:
        keep = int(value)  # inf: OverflowError; nan, "many": ValueError
    except (TypeError, ValueError, OverflowError):
        keep = 0
    if isinstance(value, bool) or keep != value or not 1 <= keep <= CONFIG_INT_MAX:
        raise BadInput(_("Config backup.keep must be a whole number from 1 to {high}.").format(high=CONFIG_INT_MAX))
    return keep


def backup_sqlite(journal: Path, dest: Path | None = None, reason: str = "manual") -> Path:
    """Copy JOURNAL to DEST (default: backups/ beside it), 0600, and rotate the copies in backups/."""
    journal = Path(journal)
    if not journal.is_file():
        raise NotFound(_("There is no journal at {path}; nothing to back up.").format(path=journal))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    reason = re.sub(r"[^A-Za-z0-9_.-]", "-", reason) or "manual"
    if dest is None:
        keep_count()  # a bad backup.keep is refused before a copy is made, not after
        folder = backup_dir(journal)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise SdError(
                _("Cannot create the backup folder {path}: {error}").format(path=folder, error=exc.strerror)
            ) from None
        dest = folder / f"{journal.stem}-{stamp}-{reason}.sqlite"
    else:
        dest = Path(dest).expanduser()
        if dest.is_dir():
            dest = dest / f"{journal.stem}-{stamp}-{reason}.sqlite"
    if _same_file(dest, journal) or dest.name in (journal.name + "-wal", journal.name + "-shm"):
        raise BadInput(_("{path} is the journal itself; choose another file for the backup.").format(path=dest))
    _copy_into_new_file(journal, dest)
    if dest.parent.resolve() == backup_dir(journal).resolve():
        _rotate(backup_dir(journal), journal.stem)
    return dest


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _copy_into_new_file(journal: Path, dest: Path) -> None:
    """The backup API into a private temporary file beside DEST, then renamed to DEST."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError as exc:
        raise SdError(_("Cannot write the backup {path}: {error}").format(path=dest, error=exc.strerror)) from None
    try:
        # read-write (never create): a read-only connection would leave the -wal and -shm files behind
        source = sqlite3.connect(f"file:{quote(str(journal))}?mode=rw", uri=True, timeout=15)
        try:
            target = sqlite3.connect(str(tmp))
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        finally:
            source.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
    except sqlite3.DatabaseError as exc:
        raise SdError(_("The backup failed ({error}); {path} was not written.").format(error=exc, path=dest)) from None
    except OSError as exc:
        raise SdError(_("Cannot write the backup {path}: {error}").format(path=dest, error=exc.strerror)) from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            try:
                leftover.unlink()
            except OSError:
                pass


def list_backups(journal: Path) -> list[Path]:
    """The journal's copies in backups/, oldest first."""
    return _copies(backup_dir(journal), journal.stem)


def _copies(folder: Path, stem: str) -> list[Path]:
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and match["stem"] == stem and path.is_file():
            found.append((match["stamp"], path))
    return [path for _stamp, path in sorted(found)]


def last_backup(journal: Path) -> Path | None:
    copies = list_backups(journal)
    return copies[-1] if copies else None


def _rotate(folder: Path, stem: str) -> None:
    copies = _copies(folder, stem)
    for old in copies[: max(0, len(copies) - keep_count())]:
        old.unlink(missing_ok=True)


# Checking and restoring ------------------------------------------------------------------------------


@dataclass
class JournalFile:
    """What a check of a journal file found."""

    path: Path
    schema_version: int
    revision: str | None
    application_id: int
    counts: dict[str, int] = field(default_factory=dict)


def known_revisions() -> set[str]:
    """The alembic revisions this sd ships (read from the migration file names, without importing alembic)."""
    folder = Path(__file__).parent / "migrations" / "versions"
    found = {p.name.split("_", 1)[0] for p in folder.glob("*.py") if p.name[:1].isdigit()}
    return found | {SCHEMA_HEAD}


def check_journal_file(path: Path) -> JournalFile:
    """Check that PATH is an intact sd journal this sd can open; raise an SdError saying what is wrong."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise NotFound(_("There is no file {path}.").format(path=path))
    try:
        with open(path, "rb") as fh:
            magic = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise SdError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror)) from None
    if magic != SQLITE_MAGIC:
        raise Conflict(_("{path} is not an SQLite file, so not an sd journal.").format(path=path))
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=15)
    except sqlite3.DatabaseError as exc:
        raise Conflict(_("{path} cannot be opened: {error}").format(path=path, error=exc)) from None
    try:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            raise Conflict(
                _("{path} is damaged (integrity check: {problems}).").format(path=path, problems="; ".join(problems))
            )
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        app_id = int(con.execute("PRAGMA application_id").fetchone()[0])
        revision = None
        if "alembic_version" in tables:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        if not {"account", "changeset", "history"} <= tables or (app_id != APPLICATION_ID and revision is None):
            raise Conflict(_("{path} is an SQLite file but not an sd journal.").format(path=path))
        if version > SCHEMA_VERSION or (revision is not None and revision not in known_revisions()):
            raise Conflict(
                _("{path} was written by a newer sd (schema {found}, this sd knows {known}). Upgrade sd.").format(
                    path=path, found=version if version > SCHEMA_VERSION else revision, known=SCHEMA_VERSION
                )
            )
        counts = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in COUNTED_TABLES if t in tables}
    except sqlite3.DatabaseError as exc:
        raise Conflict(_("{path} is damaged: {error}").format(path=path, error=exc)) from None
    finally:
        con.close()
    return JournalFile(path=path, schema_version=version, revision=revision, application_id=app_id, counts=counts)


def restore_sqlite(journal: Path, source: Path) -> tuple[JournalFile, Path | None]:
    """Replace JOURNAL's contents with SOURCE after checking it. Returns the check and the copy kept of JOURNAL."""
    journal = Path(journal)
    source = Path(source).expanduser()
    info = check_journal_file(source)
    if _same_file(source, journal):
        raise BadInput(_("{path} is the journal itself; nothing to restore.").format(path=source))
    kept = None
    if journal.is_file() and journal.stat().st_size > 0:
        kept = _keep_current(journal)
    journal.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        _restore_live(journal, source, info)
    except sqlite3.DatabaseError:
        _restore_by_rename(journal, source)  # the journal itself is unreadable: replace the file
    from salesdiary.store.engine import dispose_all

    dispose_all()
    return info, kept


def _keep_current(journal: Path) -> Path:
    """A copy of the journal before it is replaced; a byte copy when it is too damaged for the backup API."""
    try:
        return backup_sqlite(journal, reason="before-restore")
    except SdError:
        folder = backup_dir(journal)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        dest = folder / f"{journal.stem}-{stamp}-before-restore-damaged.sqlite"
        try:
            fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            shutil.copyfile(journal, dest)
            wal = journal.with_name(journal.name + "-wal")
            if wal.is_file():
                wal_copy = dest.with_name(dest.name + "-wal")
                fd = os.open(wal_copy, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
                shutil.copyfile(wal, wal_copy)
        except OSError as exc:
            raise SdError(
                _("Cannot keep a copy of the current journal ({error}); nothing was restored.").format(
                    error=exc.strerror
                )
            ) from None
        return dest


def _restore_live(journal: Path, source: Path, info: JournalFile) -> None:
    """The backup API from SOURCE into the open journal: other processes see all of it or none of it."""
    if not journal.exists():
        fd = os.open(journal, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True, timeout=15)
    dst = sqlite3.connect(str(journal), timeout=15)
    try:
        dst.execute("PRAGMA busy_timeout = 15000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
        if info.application_id != APPLICATION_ID:
            dst.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("the restored journal does not pass its check")
    finally:
        dst.close()
        src.close()


def _restore_by_rename(journal: Path, source: Path) -> None:
    tmp = journal.with_name(f".{journal.name}.{os.getpid()}.restore")
    try:
        _copy_into_new_file(source, tmp)
        con = sqlite3.connect(str(tmp))
        try:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        finally:
            con.close()
        for suffix in ("-wal", "-shm"):
            journal.with_name(journal.name + suffix).unlink(missing_ok=True)
        os.replace(tmp, journal)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise SdError(_("Cannot replace {path}: {error}").format(path=journal, error=exc)) from None
    finally:
        for suffix in ("", "-wal", "-shm"):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
