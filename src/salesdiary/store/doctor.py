"""`sd doctor`: checks of the journal and its surroundings, each with what to do when it fails.

Reads only (stdlib sqlite3 on the SQLite default; the journal is never created or migrated here).
A check is "ok", "warn" (worth knowing, nothing broken) or "fail" (something is wrong: exit 1).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from salesdiary.core.errors import SdError
from salesdiary.core.text import byte_size
from salesdiary.i18n import _, ngettext, series
from salesdiary.store.connection import Reader, SqliteReader, keep_sidecars_writable
from salesdiary.store.paths import Target, config_path, load_config
from salesdiary.store.version import APPLICATION_ID, SCHEMA_HEAD, SCHEMA_VERSION

OK, WARN, FAIL = "ok", "warn", "fail"
BACKUP_AGE_WARN_DAYS = 30
LOW_DISK_BYTES = 100 * 1024 * 1024


@dataclass
class Check:
    name: str
    status: str
    detail: str
    advice: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_checks(target: Target | None) -> list[Check]:
    """The checks, the config file's first; TARGET None: the journal is unknown (the config file that names
    it cannot be read), so only the config is checked."""
    checks = [_check_config()]
    if target is None:
        return checks
    if not target.is_sqlite_file:
        checks.extend(_check_server(target))
        return checks
    assert target.path is not None
    path = target.path
    checks.append(
        Check(_("paths"), OK, _("journal {journal}; config {config}").format(journal=path, config=config_path()))
    )
    if not path.exists():
        checks.append(
            Check(
                _("journal"),
                OK,
                _("No journal yet at {path}; the first command that writes creates it.").format(path=path),
            )
        )
        return checks
    checks.extend(_check_permissions(path))
    checks.extend(_check_sidecars(path))
    checks.extend(_check_database(path))
    checks.extend(_check_backups(path))
    if not any(c.name == _("disk") for c in checks):  # a full disk found on the way says so already
        checks.append(_check_disk(path))
    return checks


def _check_config() -> Check:
    path = config_path()
    try:
        load_config.cache_clear()
        load_config()
    except SdError as exc:
        return Check(
            _("config"),
            FAIL,
            exc.message,
            _("Fix it with sd config set or sd config unset, or edit {path}.").format(path=path),
        )
    if not path.exists():
        return Check(_("config"), OK, _("no config file (defaults apply): {path}").format(path=path))
    return Check(_("config"), OK, str(path))


def _check_permissions(path: Path) -> list[Check]:
    problems = []
    for item in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = item.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            problems.append(f"{item} ({stat.filemode(mode)})")
    folder_mode = path.parent.stat().st_mode
    if folder_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problems.append(f"{path.parent}/ ({stat.filemode(folder_mode)})")
    if problems:
        return [
            Check(
                _("permissions"),
                FAIL,
                _("others can read or change: {files}").format(files=", ".join(problems)),
                _("Make them private: chmod 600 {path} (and chmod 700 {folder}).").format(
                    path=path, folder=path.parent
                ),
            )
        ]
    return [Check(_("permissions"), OK, _("private to you ({mode})").format(mode=stat.filemode(path.stat().st_mode)))]


def _check_sidecars(path: Path) -> list[Check]:
    """The -wal and -shm files beside the journal must be the user's to write: one left read-only (e.g. by
    a reader of a journal that was read-only then) makes every later write fail, however the journal is."""
    import os

    stuck = []
    for item in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = item.stat()
        except FileNotFoundError:
            continue
        if info.st_uid != os.geteuid() or not info.st_mode & stat.S_IWUSR or not os.access(item, os.W_OK):
            stuck.append(item)
    if not stuck:
        return []
    files = " ".join(str(p) for p in stuck)
    return [
        Check(
            _("journal files"),
            FAIL,
            _("sd cannot write {files}: every write to the journal would fail").format(files=files),
            _("Make them yours again: chmod 600 {files} (another user's: sudo chown $USER {files}).").format(
                files=files
            ),
        )
    ]


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=15)


def _check_database(path: Path) -> list[Check]:
    restore_advice = _("Restore the latest backup with: sd restore FILE (sd doctor lists the last one).")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(16)
    except OSError as exc:
        return [Check(_("journal"), FAIL, _("cannot read {path}: {error}").format(path=path, error=exc.strerror))]
    if path.stat().st_size and magic != b"SQLite format 3\x00":
        return [Check(_("journal"), FAIL, _("{path} is not an SQLite file.").format(path=path), restore_advice)]
    checks = []
    try:
        con = _connect(path)
    except sqlite3.DatabaseError as exc:
        return [_unreadable(path, exc, restore_advice)]
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        app_id = int(con.execute("PRAGMA application_id").fetchone()[0])
        if not tables:
            checks.append(Check(_("journal"), OK, _("empty: the next command creates its tables")))
            return checks
        if app_id != APPLICATION_ID and "alembic_version" not in tables:
            checks.append(
                Check(
                    _("journal"),
                    FAIL,
                    _("{path} is an SQLite file but not an sd journal.").format(path=path),
                    _("Point sd at your journal with --db or SD_DB."),
                )
            )
            return checks
        revision = None
        if "alembic_version" in tables:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        if version > SCHEMA_VERSION:
            checks.append(
                Check(
                    _("schema"),
                    FAIL,
                    _("schema {found}, newer than this sd ({known})").format(found=version, known=SCHEMA_VERSION),
                    _("Upgrade sd."),
                )
            )
        elif version < SCHEMA_VERSION:
            checks.append(
                Check(
                    _("schema"),
                    WARN,
                    _("schema {found}; this sd uses {known}").format(found=version, known=SCHEMA_VERSION),
                    _("The next sd command upgrades it, after a backup."),
                )
            )
        elif revision != SCHEMA_HEAD:
            checks.append(
                Check(
                    _("schema"),
                    FAIL,
                    _("schema {found}, but migration {revision} (expected {head})").format(
                        found=version, revision=revision, head=SCHEMA_HEAD
                    ),
                    restore_advice,
                )
            )
        else:
            checks.append(
                Check(
                    _("schema"),
                    OK,
                    _("version {version} (migration {revision})").format(version=version, revision=revision),
                )
            )
        problems = [r[0] for r in con.execute("PRAGMA integrity_check(10)")]
        if problems == ["ok"]:
            checks.append(Check(_("integrity"), OK, "PRAGMA integrity_check: ok"))
        else:
            checks.append(Check(_("integrity"), FAIL, "; ".join(problems)[:500], restore_advice))
        broken = con.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            tables_hit = sorted({str(r[0]) for r in broken})
            checks.append(
                Check(
                    _("foreign keys"),
                    FAIL,
                    ngettext(
                        "{n} row points at a record that does not exist (in {tables})",
                        "{n} rows point at records that do not exist (in {tables})",
                        len(broken),
                    ).format(n=len(broken), tables=", ".join(tables_hit)),
                    restore_advice,
                )
            )
        else:
            checks.append(Check(_("foreign keys"), OK, _("every reference points at a record")))
        if version == SCHEMA_VERSION and revision == SCHEMA_HEAD:
            checks.append(_check_kept_figures(SqliteReader(con)))
            checks.append(_check_same_organisation(SqliteReader(con)))
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            checks.append(
                Check(
                    _("journal mode"),
                    WARN,
                    _("{mode}; sd uses WAL so that reading never waits for writing").format(mode=mode),
                    _("The next sd upgrade sets it; or run: sqlite3 {path} 'PRAGMA journal_mode=WAL'").format(
                        path=path
                    ),
                )
            )
        counts = {
            table: int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("account", "contact", "deal", "visit", "followup")
            if table in tables
        }
        size = path.stat().st_size
        wal = path.with_name(path.name + "-wal")
        if wal.exists():
            size += wal.stat().st_size
        checks.append(Check(_("size"), OK, f"{byte_size(size)}: {record_counts(counts)}"))
    except sqlite3.DatabaseError as exc:
        checks.append(_unreadable(path, exc, restore_advice))
    finally:
        con.close()
        keep_sidecars_writable(path)
    return checks


def _unreadable(path: Path, exc: sqlite3.DatabaseError, restore_advice: str) -> Check:
    """What an error reading the journal means: damage only when SQLite says so; a full disk is a full disk
    (restoring would throw away the work since the backup), any other I/O error a problem of the disk."""
    from salesdiary.store.connection import is_corrupt, is_full_disk

    if is_full_disk(exc):
        return Check(
            _("disk"),
            FAIL,
            _("the disk is full: sd cannot use the journal ({error})").format(error=exc),
            _("Free some space beside {path}. The journal is not damaged: do not restore it.").format(path=path.parent),
        )
    if is_corrupt(exc):
        return Check(_("integrity"), FAIL, str(exc), restore_advice)
    return Check(
        _("journal"),
        FAIL,
        _("cannot read {path}: {error}").format(path=path, error=exc),
        _("Check the disk and the files' permissions (sd doctor lists them), then run sd doctor again."),
    )


def _check_kept_figures(r: Reader) -> Check:
    """The figures the database keeps itself (visits per account, a deal's last visit, a stage's markers)."""
    from salesdiary.store.reads.kept_figures import disagreements

    labels = {
        "account visits": _("visits per account"),
        "deal last visit": _("last visit per deal"),
        "stage markers": _("markers per stage"),
        "figures of removed records": _("figures of removed records"),
        "missing triggers": _("triggers that keep them"),
    }
    wrong = {labels.get(name, name): n for name, n in disagreements(r).items() if n}
    if not wrong:
        return Check(_("kept figures"), OK, _("visits, last visits and markers agree with the records"))
    return Check(
        _("kept figures"),
        FAIL,
        _("{n} figures disagree with the records ({which}): the file was changed by something other than sd").format(
            n=sum(wrong.values()), which=", ".join(wrong)
        ),
        _("sd export all -o FILE, then sd --db NEW import all FILE: a journal rebuilt from its records."),
    )


def _check_same_organisation(r: Reader) -> Check:
    """Accounts that are one organisation under two spellings, kept apart by migration 0008: when the key fold
    grew (traditional Chinese, look-alike letters, legal forms), the later one's key got "#" and its id."""
    pairs = r.rows(
        "SELECT a.id AS first_id, a.name AS first, b.id AS later_id, b.name AS later FROM account a"
        " JOIN account b ON b.name_key = a.name_key || '#' || CAST(b.id AS VARCHAR) ORDER BY a.id, b.id"
    )
    if not pairs:
        return Check(_("account names"), OK, _("each organisation is reported once"))
    shown = "; ".join(f"#{p['first_id']} {p['first']!r} = #{p['later_id']} {p['later']!r}" for p in pairs[:10])
    return Check(
        _("account names"),
        WARN,
        _("{n} accounts are an organisation already reported under another spelling: {pairs}").format(
            n=len(pairs), pairs=shown
        ),
        _("Move the later account's records to the first and remove it, or rename it (sd account edit ID --name)."),
    )


def _check_backups(path: Path) -> list[Check]:
    from salesdiary.store.writes.backup import (
        backup_dir,
        folder_problem,
        is_good_copy,
        last_backup,
        last_good_backup,
        list_backups,
    )

    problem = folder_problem(backup_dir(path))
    if problem is not None:
        return [
            Check(
                _("backups"),
                FAIL,
                _("the backup folder {folder} is not safe: {problem}; sd backup refuses it").format(
                    folder=backup_dir(path), problem=problem
                ),
                _("Make it a private folder of yours: mv {folder} {folder}.old && mkdir -m 700 {folder}").format(
                    folder=backup_dir(path)
                ),
            )
        ]
    last = last_backup(path)
    if last is None:
        return [
            Check(
                _("backups"),
                WARN,
                _("no backup yet in {folder}").format(folder=backup_dir(path)),
                _("Make one: sd backup"),
            )
        ]
    modified = dt.datetime.fromtimestamp(last.stat().st_mtime)
    age = (dt.datetime.now() - modified).days
    detail = _("{n} in {folder}; the last: {file} ({when})").format(
        n=len(list_backups(path)), folder=backup_dir(path), file=last.name, when=modified.strftime("%Y-%m-%d %H:%M")
    )
    loose = [p.name for p in list_backups(path) if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)]
    if loose:
        return [
            Check(
                _("backups"),
                FAIL,
                _("others can read: {files}").format(files=", ".join(loose)),
                _("chmod 600 {folder}/*").format(folder=backup_dir(path)),
            )
        ]
    if not is_good_copy(last):
        good = last_good_backup(path)
        return [
            Check(
                _("backups"),
                FAIL,
                _("the last backup {file} is damaged").format(file=last.name),
                (
                    _("Make a new one once the journal passes its checks: sd backup. The last good one: {file}").format(
                        file=good
                    )
                    if good is not None
                    else _("Make a new one once the journal passes its checks: sd backup. No backup here is good.")
                ),
            )
        ]
    if age > BACKUP_AGE_WARN_DAYS:
        return [Check(_("backups"), WARN, detail, _("The last backup is {days} days old: sd backup").format(days=age))]
    return [Check(_("backups"), OK, detail)]


def _check_disk(path: Path) -> Check:
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return Check(_("disk"), WARN, _("free space unknown"))
    if free < LOW_DISK_BYTES:
        return Check(
            _("disk"),
            WARN,
            _("only {free} free beside the journal").format(free=byte_size(free)),
            _("Free some space: a write that runs out of space is refused and changes nothing."),
        )
    return Check(_("disk"), OK, _("{free} free").format(free=byte_size(free)))


def _check_server(target: Target) -> list[Check]:
    from salesdiary.store import pg
    from salesdiary.store.paths import redact_url

    if pg.is_postgres_url(target.url):
        return _check_postgres(target)
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(target.sqlalchemy_url, pool_pre_ping=True)
        with engine.connect() as conn:
            try:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:  # no table yet
                revision = None
        engine.dispose()
    except Exception as exc:  # any driver error: cannot connect
        return [
            Check(
                _("database"),
                FAIL,
                _("cannot connect to {url}: {error}").format(
                    url=redact_url(target.url or ""), error=type(exc).__name__
                ),
                _("Check SD_DATABASE_URL and that the server is running."),
            )
        ]
    checks = [Check(_("database"), OK, redact_url(target.url or ""))]
    if revision == SCHEMA_HEAD:
        checks.append(Check(_("schema"), OK, _("migration {revision}").format(revision=revision)))
    elif revision is None:
        checks.append(Check(_("schema"), OK, _("empty: the next command creates the tables")))
    else:
        checks.append(
            Check(
                _("schema"),
                WARN,
                _("migration {revision}; this sd uses {head}").format(revision=revision, head=SCHEMA_HEAD),
                _("The next sd command upgrades it."),
            )
        )
    return checks


def _check_postgres(target: Target) -> list[Check]:
    """A team database: can sd connect (the reason when not, without the password), the schema, who you are."""
    from salesdiary.store import pg
    from salesdiary.store.connection import PsycopgReader
    from salesdiary.store.paths import redact_url
    from salesdiary.store.team import status

    url = target.url or ""
    try:
        con = pg.connect(url)
    except SdError as exc:
        return [Check(_("database"), FAIL, exc.message, _("Check SD_DATABASE_URL and that the server is running."))]
    try:
        revision = pg.revision_of(con)
        who = status(PsycopgReader(con))
        kept = []
        if pg.state_of(revision) == "current":
            kept = [_check_kept_figures(PsycopgReader(con)), _check_same_organisation(PsycopgReader(con))]
    finally:
        con.close()
    checks = [Check(_("database"), OK, redact_url(url))]
    state = pg.state_of(revision)
    if state == "current":
        checks.append(Check(_("schema"), OK, _("migration {revision}").format(revision=revision)))
    elif state == "empty":
        checks.append(
            Check(_("schema"), FAIL, _("no sd tables yet"), _("The database owner creates them with: sd db upgrade"))
        )
    elif state == "older":
        checks.append(
            Check(
                _("schema"),
                FAIL,
                _("migration {revision}; this sd uses {head}").format(revision=revision, head=SCHEMA_HEAD),
                _("The database owner upgrades it with: sd db upgrade"),
            )
        )
    else:
        checks.append(
            Check(
                _("schema"),
                WARN,
                _("migration {revision}, newer than this sd ({head}): read only").format(
                    revision=revision, head=SCHEMA_HEAD
                ),
                _("Upgrade sd to write again."),
            )
        )
    role = _("manager") if who["manager"] else _("rep")
    detail = _("{user} ({role})").format(user=who["user"], role=role)
    if not who["manager"] and "sd_rep" not in who.get("roles", []):
        checks.append(
            Check(
                _("you"),
                WARN,
                detail,
                _("Ask the manager to grant you sd_rep: GRANT sd_rep TO {user};").format(user=who["user"]),
            )
        )
    else:
        checks.append(Check(_("you"), OK, detail))
    checks.extend(kept)
    return checks


def record_counts(counts: dict[str, int]) -> str:
    """'12 accounts, 1 contact, …' for the tables in COUNTS."""
    forms = {  # written out, so that the catalog has each of them
        "account": lambda n: ngettext("{n} account", "{n} accounts", n),
        "contact": lambda n: ngettext("{n} contact", "{n} contacts", n),
        "deal": lambda n: ngettext("{n} deal", "{n} deals", n),
        "visit": lambda n: ngettext("{n} visit", "{n} visits", n),
        "followup": lambda n: ngettext("{n} follow-up", "{n} follow-ups", n),
    }
    parts = []
    for table, n in counts.items():
        form = forms.get(table)
        parts.append(form(n).format(n=n) if form else f"{n} {table}")
    return series(parts)


def failed(checks: list[Check]) -> bool:
    return any(c.status == FAIL for c in checks)
