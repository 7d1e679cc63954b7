"""Opening the journal for reading: stdlib sqlite3 on the SQLite default.

This module is on every read command's path, so it imports nothing heavy. It
checks the schema version with one PRAGMA; only when the file is new or older
than the code does it hand over to `store.migrate` (alembic, SQLModel).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from salesdiary.core.errors import BadInput, Conflict, LockTimeout, SdError
from salesdiary.i18n import _
from salesdiary.store.paths import Target
from salesdiary.store.version import SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000  # kept for code that imports it: the wait in force is busy_timeout_ms()
T = TypeVar("T")
# SQLite's result codes for a file with no room to grow (a full disk, a quota, a file-size limit): SQLITE_FULL,
# and the I/O errors of writing, truncating and growing the -shm file, which are what SQLite reports when the
# write() beneath it fails with ENOSPC or EFBIG. None of them means the journal is damaged.
_SQLITE_FULL = 13
_NO_ROOM = {778, 1546, 4874}  # SQLITE_IOERR_WRITE, _TRUNCATE, _SHMSIZE
_CORRUPT = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


def is_full_disk(exc: BaseException) -> bool:
    """Whether an sqlite3 error says there was no room to write (never damage: see _NO_ROOM)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and ((code & 0xFF) == _SQLITE_FULL or code in _NO_ROOM):
        return True
    return "database or disk is full" in str(exc)


def is_corrupt(exc: BaseException) -> bool:
    """Whether an sqlite3 error says the file itself is damaged or not a database."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _CORRUPT
    return "malformed" in str(exc) or "not a database" in str(exc)


def full_disk_error(path: Any, exc: BaseException) -> SdError:
    """The one line for a journal sd could not open or read for want of room."""
    return SdError(
        _("The disk is full: sd cannot use {path} ({error}). Free some space; the journal is not damaged.").format(
            path=path, error=exc
        )
    )


class Reader(Protocol):
    """What read queries need: rows as dicts from SQL with :named parameters."""

    dialect: str

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]: ...

    def tuples(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]: ...

    def close(self) -> None: ...


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
        except sqlite3.OperationalError as exc:
            raise _busy_or(self.con, exc) from None
        names = [d[0] for d in cur.description or ()]
        for row in cur:
            yield dict(zip(names, row, strict=True))

    def tuples(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        """Like stream, as tuples in the order of the SELECT (no dict per row: for long exports)."""
        try:
            cur = self.con.execute(sql, dict(params or {}))
        except UnicodeEncodeError:
            raise BadInput(_("A value given is not valid UTF-8 text.")) from None
        except sqlite3.OperationalError as exc:
            raise _busy_or(self.con, exc) from None
        yield from cur

    def close(self) -> None:
        self.con.close()

    def siblings(self) -> Callable[[], SqliteReader] | None:
        """What opens another reader on the same file (in the thread that calls it), for a query run beside this
        one; None for a journal in memory."""
        path = self.con.execute("PRAGMA database_list").fetchone()[2]
        if not path:
            return None
        return lambda: SqliteReader(connect_sqlite(path))


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

    def tuples(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        from sqlalchemy import text

        for row in self.connection.execute(text(sql), dict(params or {})):
            yield tuple(_plain(v) for v in row)

    def close(self) -> None:
        self.connection.close()


def _plain(value: Any) -> Any:
    """Values as sqlite3 returns them, so every reader gives the same rows (and JSON is the same on every database).

    Booleans become 0/1 (what SQLite stores; the read queries turn the boolean columns into true/false for
    JSON, record_reads.BOOL_COLUMNS); times become UTC text as SQLite keeps it ("2026-11-25 08:30:00.000000");
    dates ISO text; NUMERIC (PostgreSQL's SUM and AVG) a float.
    """
    if value is None or type(value) in (str, int, float):
        return value
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


class PsycopgReader:
    """The same queries over a psycopg connection: PostgreSQL reads without importing SQLAlchemy."""

    dialect = "postgresql"

    def __init__(self, con: Any) -> None:
        self.con = con
        self._cursors = 0
        _load_as_sqlite(con)

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.cursor()
        try:
            self._execute(cur, sql, params)
            names = [d.name for d in cur.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        finally:
            cur.close()

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Rows one at a time from a server-side cursor: memory stays flat for any number of rows."""
        self._cursors += 1
        with self.con.transaction(), self.con.cursor(name=f"sd_stream_{self._cursors}") as cur:
            cur.itersize = 2000
            self._execute(cur, sql, params)
            names: list[str] | None = None
            for row in cur:
                if names is None:
                    names = [d.name for d in cur.description or ()]
                yield dict(zip(names, row, strict=True))

    def tuples(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        """Like stream, as tuples in the order of the SELECT."""
        self._cursors += 1
        with self.con.transaction(), self.con.cursor(name=f"sd_stream_{self._cursors}") as cur:
            cur.itersize = 2000
            self._execute(cur, sql, params)
            yield from cur

    def _execute(self, cur: Any, sql: str, params: Mapping[str, Any] | None) -> None:
        try:
            cur.execute(pyformat(sql), dict(params or {}))
        except UnicodeEncodeError:
            raise BadInput(_("A value given is not valid UTF-8 text.")) from None

    def close(self) -> None:
        self.con.close()


def _load_as_sqlite(con: Any) -> None:
    """Make psycopg return values as sqlite3 does (what _plain does for SQLAlchemy), in its loaders rather than
    per value in Python: the conversions of store/pg.py AS_SQLITE (the libpq reader's too), each registered as
    psycopg's loader of its type, or psycopg's own C loader where that gives the same value (dates as ISO text,
    NUMERIC as float). The session's DateStyle is ISO and its time zone UTC (store/pg.py connect)."""
    from importlib import import_module

    from psycopg.adapt import Loader

    from salesdiary.store.pg import AS_SQLITE, PSYCOPG_C_LOADERS, PSYCOPG_SAME

    adapters = con.adapters
    for name, _oid, convert in AS_SQLITE:
        if name in PSYCOPG_SAME:
            continue
        where = PSYCOPG_C_LOADERS.get(name)
        if where is not None:
            module, _sep, cls = where.partition(":")
            adapters.register_loader(name, getattr(import_module(module), cls))
        else:
            adapters.register_loader(name, _as_loader(Loader, convert))


def _as_loader(base: Any, convert: Callable[[bytes], Any]) -> Any:
    """A psycopg loader (a subclass of BASE) that gives CONVERT(the value's text)."""

    class AsSqlite(base):
        def load(self, data: Any) -> Any:
            return convert(bytes(data))

    return AsSqlite


_SQL_TOKEN = re.compile(r"""('(?:[^']|'')*')|("(?:[^"]|"")*")|(::)|(?<![\w:]):([A-Za-z_][A-Za-z0-9_]*)|(%)""")


@lru_cache(maxsize=512)
def pyformat(sql: str) -> str:
    """SQL with :named parameters (as sqlite3 and SQLAlchemy take it) in psycopg's %(named)s style."""

    def swap(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return m.group(0).replace("%", "%%")
        if m.group(3):
            return "::"
        if m.group(4):
            return f"%({m.group(4)})s"
        return "%%"

    return _SQL_TOKEN.sub(swap, sql)


def one_lane() -> bool:
    """Whether SD_ONE_LANE (set, and not 0) asks for passes one after the other on one connection, never side by
    side: the same results, slower (to compare the two, or to rule the threads out of a problem)."""
    import os

    return os.environ.get("SD_ONE_LANE", "") not in ("", "0")


def open_siblings_early(r: Reader, count: int = 1) -> None:
    """For a command about to run passes side by side: have R start opening the COUNT other connections now, while
    the command gets its queries ready (PostgreSQL: connecting and signing in wait on the server for several
    milliseconds; another SQLite connection opens at once, when asked)."""
    start = getattr(r, "open_sibling_early", None)
    if start is not None and not one_lane():
        for _ in range(count):
            start()


def side_by_side(r: Reader, passes: Sequence[Callable[[Reader], T]]) -> list[T]:
    """Each pass's result. When the reader can open siblings (SQLite: another connection to the same file; the
    libpq reader: another connection to the server), every pass but the first runs in a thread of its own on one
    (sqlite3 and libpq let other threads run while they wait): on two cores the passes take about the time of the
    longest. Other readers run them one after the other. The passes must be independent reads (each query is a
    read of its own, on one connection as on several). With `one_lane()` they run one after the other on R.
    """
    siblings = getattr(r, "siblings", None)
    sibling = siblings() if siblings is not None and len(passes) > 1 and not one_lane() else None
    if sibling is None:
        return [run(r) for run in passes]
    import threading

    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def in_thread(i: int) -> None:
        try:
            other = sibling()
            try:
                results[i] = passes[i](other)
            finally:
                other.close()
        except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
            errors.append(exc)

    threads = [threading.Thread(target=in_thread, args=(i,), daemon=True) for i in range(1, len(passes))]
    for thread in threads:
        thread.start()
    try:
        results[0] = passes[0](r)
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(passes))]  # every pass has run (or its error was raised)


def busy_timeout_ms() -> int:
    """How long SQLite waits for a journal another program holds before giving up (database.lock_timeout)."""
    from salesdiary.store.paths import timeout_seconds

    return int(timeout_seconds("database.lock_timeout") * 1000)


def is_busy(exc: BaseException) -> bool:
    """Whether an sqlite3 error says the journal is locked by another connection."""
    text = str(exc)
    return "locked" in text or "busy" in text


def journal_locked(path: Any, seconds: float) -> LockTimeout:
    """The one line a user reads when SQLite's busy wait on the journal at PATH ran out."""
    return LockTimeout(
        _(
            "The journal {path} stayed locked by another program for {seconds:g} s (another sd, or a tool that has "
            "it open for writing, e.g. a database browser); nothing was done. Try again when it has finished "
            "(database.lock_timeout sets the wait)."
        ).format(path=path, seconds=seconds)
    )


def _busy_or(con: sqlite3.Connection, exc: sqlite3.OperationalError) -> Exception:
    """EXC as journal_locked when the journal is locked, else EXC itself."""
    if not is_busy(exc):
        return exc
    try:
        path = con.execute("PRAGMA database_list").fetchone()[2] or ":memory:"
    except sqlite3.Error:
        path = "?"
    return journal_locked(path, busy_timeout_ms() / 1000)


def connect_sqlite(path: str) -> sqlite3.Connection:
    wait = busy_timeout_ms()
    con = sqlite3.connect(path, timeout=wait / 1000, isolation_level=None)
    con.execute(f"PRAGMA busy_timeout = {wait}")
    con.execute("PRAGMA foreign_keys = ON")
    return con


def keep_sidecars_writable(path: Any) -> None:
    """After a read of a journal the user cannot write (a 0400 file): SQLite made its -wal and -shm with the
    journal's own mode, and a read-only connection leaves them behind; a 0400 -shm would make every later
    write fail, once the journal is writable again. Give them back their owner's write permission (0600).
    One stat on the usual path (a writable journal: SQLite gives its files the journal's mode)."""
    import os
    import stat

    try:
        if os.stat(path).st_mode & stat.S_IWUSR:
            return
    except OSError:
        return
    real = os.path.realpath(path)  # SQLite keeps them beside the file a symbolic link points at
    for suffix in ("-wal", "-shm"):
        side = real + suffix
        try:
            info = os.stat(side)
            if info.st_uid == os.geteuid() and not info.st_mode & stat.S_IWUSR:
                os.chmod(side, 0o600)
        except OSError:
            continue


def schema_version(con: sqlite3.Connection) -> int:
    return int(con.execute("PRAGMA user_version").fetchone()[0])


def open_reader(target: Target) -> Reader:
    """A reader on an up-to-date journal (created or migrated first when needed)."""
    if not target.is_sqlite_file:
        from salesdiary.store import pg

        if pg.is_postgres_url(target.url):
            assert target.url is not None
            return pg.open_reader(target.url)  # through libpq itself, else psycopg
        from salesdiary.store.engine import engine_for

        return SqlAlchemyReader(engine_for(target).connect())
    assert target.path is not None
    if target.path.exists():
        try:
            con = connect_sqlite(str(target.path))
            version = schema_version(con)
        except sqlite3.DatabaseError as exc:
            if is_full_disk(exc):
                raise full_disk_error(target.path, exc) from None
            if is_busy(exc):
                raise journal_locked(target.path, busy_timeout_ms() / 1000) from None
            raise Conflict(
                _("{path} is not a journal sd can read: {error}").format(path=target.path, error=exc)
            ) from None
        if version == SCHEMA_VERSION:
            keep_sidecars_writable(target.path)  # the read above made them, when they were not there
            return SqliteReader(con)
        con.close()
    from salesdiary.store.migrate import ensure_schema

    ensure_schema(target)
    return SqliteReader(connect_sqlite(str(target.path)))
