"""Opening the journal for reading: stdlib sqlite3 on the SQLite default.

This module is on every read command's path, so it imports nothing heavy. It
checks the schema version with one PRAGMA; only when the file is new or older
than the code does it hand over to `store.migrate` (alembic, SQLModel).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from salesdiary.core.errors import BadInput, Conflict
from salesdiary.i18n import _
from salesdiary.store.paths import Target
from salesdiary.store.version import SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000


class Reader(Protocol):
    """What read queries need: rows as dicts from SQL with :named parameters."""

    dialect: str

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]: ...


class SqliteReader:
    dialect = "sqlite"

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return list(self.stream(sql, params))

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        try:
            cur = self.con.execute(sql, dict(params or {}))
        except UnicodeEncodeError:  # a lone surrogate: bytes from the command line that are not UTF-8
            raise BadInput(_("A value given is not valid UTF-8 text.")) from None
        names = [d[0] for d in cur.description or ()]
        for row in cur:
            yield dict(zip(names, row, strict=True))

    def close(self) -> None:
        self.con.close()


class SqlAlchemyReader:
    """The same queries over an SQLAlchemy connection (PostgreSQL, or inside a write)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return list(self.stream(sql, params))

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        from sqlalchemy import text

        result = self.connection.execute(text(sql), dict(params or {}))
        for row in result.mappings():
            yield {k: _plain(v) for k, v in row.items()}

    def close(self) -> None:
        self.connection.close()


def _plain(value: Any) -> Any:
    """Values as sqlite3 returns them, so both readers give the same rows."""
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def connect_sqlite(path: str) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    con.execute("PRAGMA foreign_keys = ON")
    return con


def schema_version(con: sqlite3.Connection) -> int:
    return int(con.execute("PRAGMA user_version").fetchone()[0])


def open_reader(target: Target) -> Reader:
    """A reader on an up-to-date journal (created or migrated first when needed)."""
    if not target.is_sqlite_file:
        from salesdiary.store.engine import engine_for

        return SqlAlchemyReader(engine_for(target).connect())
    assert target.path is not None
    if target.path.exists():
        try:
            con = connect_sqlite(str(target.path))
            version = schema_version(con)
        except sqlite3.DatabaseError as exc:
            raise Conflict(
                _("{path} is not a journal sd can read: {error}").format(path=target.path, error=exc)
            ) from None
        if version == SCHEMA_VERSION:
            return SqliteReader(con)
        con.close()
    from salesdiary.store.migrate import ensure_schema

    ensure_schema(target)
    return SqliteReader(connect_sqlite(str(target.path)))
