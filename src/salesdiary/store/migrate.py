"""Creating and upgrading the journal's schema (alembic), with a backup first."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from salesdiary.core.errors import Conflict
from salesdiary.i18n import _
from salesdiary.store.backup import backup_sqlite
from salesdiary.store.connection import connect_sqlite, schema_version
from salesdiary.store.paths import Target
from salesdiary.store.version import APPLICATION_ID, SCHEMA_HEAD, SCHEMA_VERSION


def alembic_config():  # noqa: ANN201
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "salesdiary.store:migrations")
    return cfg


def ensure_schema(target: Target) -> None:
    """Make TARGET a journal at the code's schema version, creating or upgrading it."""
    if target.is_sqlite_file:
        assert target.path is not None
        _ensure_sqlite(target)
    else:
        _upgrade(target)


def _ensure_sqlite(target: Target) -> None:
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
        raise Conflict(_("{path} is not a journal sd can read: {error}").format(path=path, error=exc)) from None
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
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise Conflict(_("Cannot create the journal {path}: {error}").format(path=path, error=exc.strerror)) from None
    os.close(fd)
