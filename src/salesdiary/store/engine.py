"""SQLAlchemy engines for writes and for non-SQLite databases.

On SQLite every connection gets foreign keys and a busy timeout, and every
transaction starts with BEGIN IMMEDIATE so that concurrent writers queue on
the lock instead of failing half-way. A connection that wrote checkpoints the
write-ahead log when it is given back (the end of a write), so that the journal
file alone holds every committed change: a copy of it misses nothing, and no
-wal full of frames is left for a copied-in file to be mixed with. On PostgreSQL
every session gets a lock_timeout and a statement_timeout (database.lock_timeout
and database.statement_timeout): a write never waits forever behind a teammate's
open transaction, and says who holds the lock when it gives up (store/pg.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from salesdiary.store.connection import busy_timeout_ms
from salesdiary.store.paths import Target, timeout_seconds

_engines: dict[str, Engine] = {}


def engine_for(target: Target, *, ensure: bool = True) -> Engine:
    url = target.sqlalchemy_url
    if url not in _engines:
        if ensure:
            from salesdiary.store.migrate import ensure_schema

            ensure_schema(target)
        _engines[url] = _make_engine(url)
    return _engines[url]


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        wait = busy_timeout_ms()
        engine = create_engine(url, connect_args={"timeout": wait / 1000})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_connection.cursor()
            cur.execute(f"PRAGMA busy_timeout = {wait}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        @event.listens_for(engine, "checkout")
        def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            record.info["sd_changes"] = dbapi_connection.total_changes

        @event.listens_for(engine, "checkin")
        def _on_checkin(dbapi_connection: Any, record: Any) -> None:
            if dbapi_connection is not None and dbapi_connection.total_changes != record.info.get("sd_changes"):
                checkpoint(dbapi_connection)

        return engine
    from salesdiary.store import pg

    if pg.is_postgres_url(url):
        lock_ms = int(timeout_seconds("database.lock_timeout") * 1000)
        statement_ms = int(timeout_seconds("database.statement_timeout") * 1000)
        try:
            # the session is named sd (unless the URL names it), so a teammate waiting on it sees who holds a lock
            engine = create_engine(
                pg.sqlalchemy_url(url), pool_pre_ping=True, connect_args={"fallback_application_name": "sd"}
            )
        except ImportError:
            raise pg.missing_driver() from None

        @event.listens_for(engine, "connect")
        def _on_pg_connect(dbapi_connection: Any, _record: Any) -> None:
            # times are compared with ISO dates as UTC, as SQLite keeps them; nothing waits forever
            with dbapi_connection.cursor() as cur:
                cur.execute(
                    f"SET TIME ZONE 'UTC'; SET lock_timeout = {lock_ms}; SET statement_timeout = {statement_ms}"
                )
            dbapi_connection.commit()

        return engine
    return create_engine(url, pool_pre_ping=True)


def checkpoint(dbapi_connection: Any) -> None:
    """Copy the write-ahead log into the journal and empty it (TRUNCATE), without waiting: with the busy
    timeout off, a reader of another process that still needs the log makes it a PASSIVE checkpoint (as
    much as can be copied now), and the log is emptied by a later write or when the last connection closes."""
    import sqlite3

    try:
        dbapi_connection.execute("PRAGMA busy_timeout = 0")
        try:
            dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            dbapi_connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    except sqlite3.Error:  # the write is committed; the log is folded in later (no room now, or busy)
        pass


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
