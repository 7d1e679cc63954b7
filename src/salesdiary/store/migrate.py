"""Creating and upgrading the journal's schema (alembic), with a backup first."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from salesdiary.core.errors import Conflict, SdError
from salesdiary.i18n import _
from salesdiary.store.connection import connect_sqlite, schema_version
from salesdiary.store.paths import Target
from salesdiary.store.version import APPLICATION_ID, SCHEMA_HEAD, SCHEMA_VERSION
from salesdiary.store.writes.backup import backup_sqlite


def alembic_config():  # noqa: ANN201
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "salesdiary.store:migrations")
    return cfg


def ensure_schema(target: Target) -> None:
    """Make TARGET a journal at the code's schema version, creating or upgrading it.

    On PostgreSQL only check it (store/pg.py says why): `sd db upgrade` (upgrade_database) creates and
    upgrades the schema there.
    """
    from salesdiary.store import pg

    if target.is_sqlite_file:
        assert target.path is not None
        _ensure_sqlite(target)
    elif pg.is_postgres_url(target.url):
        assert target.url is not None
        pg.check_schema(target.url, server_revision(target), write=False)
    else:
        _upgrade(target)


# PostgreSQL -------------------------------------------------------------------------------------------------

_server_revisions: dict[str, str | None] = {}
UPGRADE_LOCK = 0x53445550  # "SDUP": one `sd db upgrade` at a time on a database


def server_revision(target: Target) -> str | None:
    """The alembic revision of a database server's schema (None: no sd tables), remembered for this process."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from salesdiary.store import pg
    from salesdiary.store.engine import engine_for

    assert target.url is not None
    engine = engine_for(target, ensure=False)
    try:
        with engine.connect() as connection:
            revision = _revision(connection, text)
    except DBAPIError as exc:
        raise pg.connection_error(target.url, exc) from None
    _server_revisions[target.url] = revision
    return revision


def _revision(connection, text) -> str | None:  # noqa: ANN001
    if connection.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar():
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None


def check_writable(target: Target) -> None:
    """Before a write to a database server: refuse one whose schema is newer than this sd knows (or missing)."""
    from salesdiary.store import pg

    if target.is_sqlite_file or not pg.is_postgres_url(target.url):
        return
    assert target.url is not None
    revision = _server_revisions[target.url] if target.url in _server_revisions else server_revision(target)
    pg.check_schema(target.url, revision, write=True)


def upgrade_database(target: Target) -> tuple[str | None, str]:
    """`sd db upgrade`: create or upgrade TARGET's schema to this sd's. Returns (revision before, after).

    On PostgreSQL, run by the database owner: revision 0002 creates the roles sd_rep and sd_manager and the
    row-level security policies (the owner needs CREATEROLE unless the roles exist already).
    """
    from salesdiary.store import pg

    if target.is_sqlite_file:
        assert target.path is not None
        before = None
        if target.path.exists() and target.path.stat().st_size:
            con = connect_sqlite(str(target.path))
            try:
                before = str(schema_version(con)).zfill(4) if schema_version(con) else None
            finally:
                con.close()
        _ensure_sqlite(target)
        return before, SCHEMA_HEAD
    if not pg.is_postgres_url(target.url):
        _upgrade(target)
        return None, SCHEMA_HEAD
    return _upgrade_server(target)


def _upgrade_server(target: Target) -> tuple[str | None, str]:
    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from salesdiary.store import pg
    from salesdiary.store.engine import engine_for

    assert target.url is not None
    before = server_revision(target)
    if pg.state_of(before) == "newer":
        pg.check_schema(target.url, before, write=True)
    if before == SCHEMA_HEAD:
        return before, SCHEMA_HEAD
    engine = engine_for(target, ensure=False)
    cfg = alembic_config()
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL statement_timeout = 0"))  # a long migration is no stuck write
            connection.execute(text(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})"))
            before = _revision(connection, text)  # another sd db upgrade may have run while we waited
            if before != SCHEMA_HEAD:
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
    except DBAPIError as exc:
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate == "42501":  # insufficient privilege
            raise Conflict(
                _(
                    "Only the owner of the database can create or upgrade its tables, and creating the roles "
                    "sd_rep and sd_manager needs CREATEROLE ({reason}). Nothing was changed."
                ).format(reason=pg.reason(target.url, exc))
            ) from None
        raise SdError(
            _("The database refused the upgrade ({reason}); nothing was changed.").format(
                reason=pg.reason(target.url, exc)
            )
        ) from None
    _server_revisions[target.url] = SCHEMA_HEAD
    return before, SCHEMA_HEAD


class _JournalBusy(Exception):
    """Another sd holds the journal's lock for a moment (e.g. both switching a new journal to WAL)."""


def _ensure_sqlite(target: Target) -> None:
    """_ensure_sqlite_once, again after a short pause while another sd holds the lock.

    SQLite answers "database is locked" at once, without waiting for the busy timeout, when two
    processes switch a new journal to WAL at the same moment; that must not reach the user.
    """
    import random
    import time

    from sqlalchemy.exc import OperationalError

    assert target.path is not None
    delay = 0.02
    for _attempt in range(12):
        try:
            try:
                _ensure_sqlite_once(target)
            except OperationalError as exc:  # from the alembic upgrade
                raise _journal_error(target.path, exc.orig) from None  # type: ignore[arg-type]
            return
        except _JournalBusy:
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 1.0)
    raise Conflict(_("The journal is busy with another sd; nothing was written. Try again."))


def _journal_error(path: Path, exc: BaseException) -> Exception:
    """The error to raise for an sqlite3 error met while opening or creating the journal at PATH."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return _JournalBusy()
    if "disk I/O" in text or "full" in text or "readonly" in text or "unable to open" in text:
        return SdError(
            _("Cannot write the journal {path}: {error}. Nothing was written (is the disk full?).").format(
                path=path, error=text
            )
        )
    return Conflict(_("{path} is not a journal sd can read: {error}").format(path=path, error=text))


def _ensure_sqlite_once(target: Target) -> None:
    path = target.path
    assert path is not None
    _create_private(path)
    con = connect_sqlite(str(path))
    try:
        # Tables first, then the version: a journal another sd is creating right now shows both at once.
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        version = schema_version(con)
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise Conflict(
                _("{path} was written by a newer sd (schema {found}, this sd knows {known}). Upgrade sd.").format(
                    path=path, found=version, known=SCHEMA_VERSION
                )
            )
        if tables and app_id != APPLICATION_ID and not {"alembic_version", "account", "changeset"} <= tables:
            raise Conflict(_("{path} is an SQLite file but not an sd journal.").format(path=path))
        if version == SCHEMA_VERSION:
            return
        if tables:  # an existing journal (any older version, even 0): keep a copy before changing it
            backup_sqlite(path, reason=f"before-migration-v{version}")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    except sqlite3.DatabaseError as exc:
        raise _journal_error(path, exc) from None
    finally:
        con.close()
    _upgrade(target)


def _upgrade(target: Target) -> None:
    from alembic import command

    from salesdiary.store.engine import engine_for

    engine = engine_for(target, ensure=False)
    cfg = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name != "sqlite" and _current_revision(connection) == SCHEMA_HEAD:
            return
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _current_revision(connection) -> str | None:  # noqa: ANN001
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _create_private(path: Path) -> None:
    """Create the journal file (0600) and its folder (0700) if they do not exist."""
    folder = path.parent
    try:
        if not folder.exists():
            from salesdiary.store.paths import private_folder

            private_folder(folder)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise Conflict(_("Cannot create the journal {path}: {error}").format(path=path, error=exc.strerror)) from None
    os.close(fd)
