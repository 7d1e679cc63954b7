"""Consistent copies of a SQLite journal (the online backup API), kept private, and restoring one.

A backup is taken while other `sd` processes may be writing: SQLite's backup API copies a consistent
snapshot. The copy is written to a temporary file first and renamed into place, created 0600, and turned
into a single self-contained file (rollback journal, no -wal beside it). Copies in the journal's
`backups/` folder are named `<journal>-<YYYYmmdd-HHMMSS-ffffff>-<reason>.sqlite` and rotated: the newest
`backup.keep` (config, default 10) are kept.

A backup is only worth keeping when it can be restored: the copy is checked (PRAGMA quick_check) before it
is put in place, and a damaged journal is refused rather than copied, so that rotation never replaces the
last good copy by damaged ones. Rotation only removes what sd made: regular files of the user, named exactly
as sd names them (one of REASONS), in a folder that is the user's own (not a symbolic link, not writable by
others: a folder others can write to could hold their files under sd's names, or swap the folder itself).

Restoring checks the file first (an SQLite file, an `sd` journal, a schema this sd can open, integrity),
keeps the current journal as a backup, then copies the file into the journal with the same backup API,
so that another `sd` that has the journal open sees the new contents, never a half-written file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from salesdiary.core.errors import BadInput, Conflict, NotFound, SdError, is_full_disk_errno
from salesdiary.i18n import _
from salesdiary.store.paths import config_value
from salesdiary.store.version import APPLICATION_ID, SCHEMA_VERSION, known_revisions

SQLITE_MAGIC = b"SQLite format 3\x00"
# the reasons sd writes a copy for (backup_sqlite's callers); a file named otherwise is not sd's to rotate
REASONS = r"manual|before-restore|before-restore-damaged|before-import|before-migration-v\d+"
_NAME = re.compile(rf"^(?P<stem>.+)-(?P<stamp>\d{{8}}-\d{{6}}-\d{{6}})-(?P<reason>{REASONS})\.sqlite$")
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


class JournalDamaged(Conflict):
    """The journal fails its integrity check: a copy of it would not be a backup."""


class DiskFull(SdError):
    """There is no room for the copy (ENOSPC, SQLITE_FULL): the disk, not the journal, is the problem."""


def backup_sqlite(journal: Path, dest: Path | None = None, reason: str = "manual") -> Path:
    """Copy JOURNAL to DEST (default: backups/ beside it), 0600, and rotate the copies in backups/.

    A journal that fails its check is refused (JournalDamaged, saying how to recover and naming the last
    good backup); nothing is written and no copy is removed."""
    journal = Path(journal)
    if not journal.is_file():
        raise NotFound(_("There is no journal at {path}; nothing to back up.").format(path=journal))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    reason = re.sub(r"[^A-Za-z0-9_.-]", "-", reason) or "manual"
    if dest is None:
        keep_count()  # a bad backup.keep is refused before a copy is made, not after
        folder = backup_dir(journal)
        check_backup_folder(folder)
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise SdError(
                _("Cannot create the backup folder {path}: {error}").format(path=folder, error=exc.strerror)
            ) from None
        check_backup_folder(folder)  # made by someone else between the two looks
        dest = folder / f"{journal.stem}-{stamp}-{reason}.sqlite"
    else:
        dest = Path(dest).expanduser()
        if dest.is_dir():
            dest = dest / f"{journal.stem}-{stamp}-{reason}.sqlite"
    if _same_file(dest, journal) or dest.name in (journal.name + "-wal", journal.name + "-shm"):
        raise BadInput(_("{path} is the journal itself; choose another file for the backup.").format(path=dest))
    _copy_into_new_file(journal, dest, check=True)
    if dest.parent.resolve() == backup_dir(journal).resolve():
        _rotate(backup_dir(journal), journal.stem, good=dest)
    return dest


def folder_problem(folder: Path) -> str | None:
    """What makes FOLDER unfit to hold backups (None: fit, or not there yet): a symbolic link (the copies
    would go, and rotation would delete, wherever it points), or a folder another user owns or may write to."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISLNK(info.st_mode):
        return _("it is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        return _("it is not a folder")
    if info.st_uid != os.geteuid():
        return _("it belongs to another user")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return _("others can write to it ({mode})").format(mode=stat.filemode(info.st_mode))
    return None


def check_backup_folder(folder: Path) -> None:
    """Refuse a backups folder that is not the user's own (folder_problem), saying how to fix it."""
    problem = folder_problem(folder)
    if problem is not None:
        raise Conflict(
            _(
                "The backup folder {path} is not safe: {problem}. Nothing was written; make it a private folder "
                "of yours (e.g. mv {path} {path}.old && mkdir -m 700 {path}), or back up to a file: sd backup FILE."
            ).format(path=folder, problem=problem)
        )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _copy_into_new_file(journal: Path, dest: Path, *, check: bool = False) -> None:
    """The backup API into a private temporary file beside DEST, then renamed to DEST.

    With CHECK, the copy must pass PRAGMA quick_check before it takes DEST's place (the backup API copies
    pages as they are, so a damaged journal gives a damaged copy): JournalDamaged otherwise."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")  # never a name left by a killed run
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError as exc:
        if is_full_disk_errno(exc.errno):
            raise _backup_disk_full(dest) from None
        raise SdError(_("Cannot write the backup {path}: {error}").format(path=dest, error=exc.strerror)) from None
    try:
        # read-write (never create): a read-only connection would leave the -wal and -shm files behind
        source = sqlite3.connect(f"file:{quote(str(journal))}?mode=rw", uri=True, timeout=15)
        try:
            target = sqlite3.connect(str(tmp))
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
                problems = _quick_check(target) if check else []
            finally:
                target.close()
        finally:
            source.close()
            from salesdiary.store.connection import keep_sidecars_writable

            keep_sidecars_writable(journal)
        if problems:
            raise JournalDamaged(_damaged_message(journal, "; ".join(problems)))
        os.chmod(tmp, 0o600)
        os.replace(tmp, dest)
    except sqlite3.DatabaseError as exc:
        from salesdiary.store.connection import is_corrupt, is_full_disk

        if is_full_disk(exc):
            raise _backup_disk_full(dest) from None
        if check and is_corrupt(exc):
            raise JournalDamaged(_damaged_message(journal, str(exc))) from None
        raise SdError(_("The backup failed ({error}); {path} was not written.").format(error=exc, path=dest)) from None
    except OSError as exc:
        if is_full_disk_errno(exc.errno):
            raise _backup_disk_full(dest) from None
        raise SdError(_("Cannot write the backup {path}: {error}").format(path=dest, error=exc.strerror)) from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            try:
                leftover.unlink()
            except OSError:
                pass


def _backup_disk_full(dest: Path) -> DiskFull:
    return DiskFull(
        _(
            "The disk is full: the backup {path} was not written; the journal is intact. "
            "Free some space and run sd backup again."
        ).format(path=dest)
    )


def _quick_check(con: sqlite3.Connection) -> list[str]:
    """PRAGMA quick_check's complaints (none: the file is sound as far as pages and records go)."""
    problems = [str(row[0]) for row in con.execute("PRAGMA quick_check(5)")]
    return [] if problems == ["ok"] else problems


def _damaged_message(journal: Path, problems: str) -> str:
    good = last_good_backup(journal)
    if good is not None:
        restore = _("restore the last good backup: sd restore {path}").format(path=good)
    else:
        restore = _("restore a copy you keep elsewhere (there is no good backup in {folder})").format(
            folder=backup_dir(journal)
        )
    return _(
        "The journal {path} is damaged ({problems}), so no backup was made and the backups were left as they "
        "are. To recover: save what can be read (sd export all -o FILE, or sqlite3 {path} .recover), then {restore}."
    ).format(path=journal, problems=problems[:300], restore=restore)


def is_good_copy(path: Path) -> bool:
    """Whether the copy at PATH passes PRAGMA quick_check (read only; it creates nothing beside the file)."""
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=15)
    except sqlite3.Error:
        return False
    try:
        return not _quick_check(con)
    except sqlite3.Error:
        return False
    finally:
        con.close()


def last_good_backup(journal: Path) -> Path | None:
    """The newest copy in backups/ that passes its check (None: none does)."""
    for copy in reversed(list_backups(journal)):
        if is_good_copy(copy):
            return copy
    return None


def list_backups(journal: Path) -> list[Path]:
    """The journal's copies in backups/, oldest first."""
    return _copies(backup_dir(journal), journal.stem)


def _copies(folder: Path, stem: str) -> list[Path]:
    """The copies sd made in FOLDER: regular files of the user (not links) named exactly as sd names them."""
    if folder_problem(folder) is not None or not folder.is_dir():
        return []
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            match = _NAME.match(entry.name)
            if not match or match["stem"] != stem or not _is_stamp(match["stamp"]):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid():
                found.append((match["stamp"], Path(entry.path)))
    return [path for _stamp, path in sorted(found)]


def _is_stamp(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y%m%d-%H%M%S-%f")
    except ValueError:
        return False
    return True


def last_backup(journal: Path) -> Path | None:
    copies = list_backups(journal)
    return copies[-1] if copies else None


def _rotate(folder: Path, stem: str, good: Path) -> None:
    """Remove the oldest copies beyond backup.keep, never GOOD (the copy just made and checked)."""
    copies = _copies(folder, stem)
    for old in copies[: max(0, len(copies) - keep_count())]:
        if old != good:
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
    """Replace JOURNAL's contents with SOURCE after checking it. Returns the check and the copy kept of JOURNAL.

    A journal that is a symbolic link is restored where it points (the link stays, as the user made it);
    the copy of the journal as it was goes to backups/ beside the link, where sd backup puts it."""
    journal = Path(journal)
    source = Path(source).expanduser()
    info = check_journal_file(source)
    if _same_file(source, journal):
        raise BadInput(_("{path} is the journal itself; nothing to restore.").format(path=source))
    kept = None
    if journal.is_file() and journal.stat().st_size > 0:
        kept = _keep_current(journal)
    real = journal.resolve() if journal.is_symlink() else journal
    real.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        _restore_live(real, source, info)
    except sqlite3.DatabaseError:
        _restore_by_rename(real, source)  # the journal itself is unreadable: replace the file
    from salesdiary.store.engine import dispose_all

    dispose_all()
    return info, kept


def _keep_current(journal: Path) -> Path:
    """A copy of the journal before it is replaced; a byte copy when it is too damaged for the backup API."""
    try:
        return backup_sqlite(journal, reason="before-restore")
    except DiskFull:
        raise
    except SdError:
        folder = backup_dir(journal)
        check_backup_folder(folder)
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
        # the journal file alone holds the restored contents: no -wal full of them is left beside it, for a
        # copy of the file to miss or for a file copied in later to be mixed with
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        dst.close()
        src.close()


def _restore_by_rename(journal: Path, source: Path) -> None:
    tmp = journal.with_name(f".{journal.name}.{os.getpid()}.{secrets.token_hex(6)}.restore")
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
