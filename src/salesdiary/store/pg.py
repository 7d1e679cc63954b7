"""PostgreSQL: connecting, errors that never show a password, and the schema check on open.

Read commands talk to libpq directly (LibpqReader below: importing psycopg, let alone SQLAlchemy, would cost
more than connecting and querying together), else through psycopg; writes and `sd db upgrade` go through
SQLAlchemy (store/engine.py) on the same URL. The URL may be given the SQLAlchemy way
(`postgresql+psycopg://rep@host/db`) or the libpq way (`postgresql://…`, `postgres://…`).
Passwords come from the URL, PGPASSWORD or ~/.pgpass (libpq reads the last two itself).

The schema on PostgreSQL is created and upgraded only by `sd db upgrade`, run by the database owner:
whoever creates the tables owns them and is not bound by the row-level security policies, so a rep's
first command must never create them. Any other command on a database without sd's tables, or with an
older schema, stops and says to run `sd db upgrade`; a newer schema (a newer sd upgraded it) can still be
read, but nothing is written to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from salesdiary.core.errors import Conflict, SdError
from salesdiary.i18n import _
from salesdiary.store.paths import redact_url
from salesdiary.store.version import SCHEMA_HEAD

if TYPE_CHECKING:
    from salesdiary.store.connection import Reader

SCHEMES = ("postgresql", "postgres")
# Every session: times compared and shown as UTC, dates written ISO (as SQLite keeps them); no JIT compiling,
# which costs a read command more than it saves (a few hundred ms on a report).
SESSION_SQL = "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET jit = off"
DRIVER_HINT = "pip install 'salesdiary[postgres]'"


def is_postgres_url(url: str | None) -> bool:
    if not url or "://" not in url:
        return False
    return url.split("://", 1)[0].split("+", 1)[0].lower() in SCHEMES


def sqlalchemy_url(url: str) -> str:
    """URL for SQLAlchemy with the psycopg (3) driver, whichever way it was written."""
    scheme, rest = url.split("://", 1)
    base = scheme.split("+", 1)[0].lower()
    if base in SCHEMES and "+" not in scheme:
        return f"postgresql+psycopg://{rest}"
    if base == "postgres":
        return f"postgresql+{scheme.split('+', 1)[1]}://{rest}"
    return url


def conninfo(url: str) -> str:
    """URL for libpq (psycopg.connect): the same URL without SQLAlchemy's driver name."""
    return "postgresql://" + url.split("://", 1)[1]


def _secrets(url: str) -> list[str]:
    """Every secret of URL, in every spelling (store.paths.url_secrets), and PGPASSWORD, which libpq reads."""
    from salesdiary.store.paths import url_secrets

    found = url_secrets(url)
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    return sorted((s for s in found if len(s) >= 3), key=len, reverse=True)


def reason(url: str, exc: BaseException) -> str:
    """The driver's message on one line, with nothing of the password in it."""
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return text[:300] or type(exc).__name__


def connection_error(url: str, exc: BaseException) -> SdError:
    return SdError(
        _("Cannot connect to the database {url}: {reason}").format(url=redact_url(url), reason=reason(url, exc))
    )


def missing_driver() -> SdError:
    return SdError(
        _("PostgreSQL needs the psycopg driver, which is not installed. Install it with: {command}").format(
            command=DRIVER_HINT
        )
    )


CONNECT_TIMEOUT = 10  # seconds


def connect(url: str, *, timeout: int = CONNECT_TIMEOUT) -> Any:
    """A psycopg connection (autocommit: a reader holds no transaction open; time zone UTC), or one SdError."""
    try:
        import psycopg
    except ImportError:
        raise missing_driver() from None
    try:
        con = psycopg.connect(conninfo(url), connect_timeout=timeout, autocommit=True)
    except psycopg.Error as exc:
        raise connection_error(url, exc) from None
    except Exception as exc:  # e.g. an unreadable URL
        raise SdError(
            _("{url} is not a database URL sd can use: {reason}").format(url=redact_url(url), reason=reason(url, exc))
        ) from None
    con.execute(SESSION_SQL)
    return con


# Waits that ran out ------------------------------------------------------------------------------------------
#
# Every write session has a lock_timeout and a statement_timeout (store/engine.py). When one runs out, the
# transaction is gone (nothing was written) and the user reads one line saying who holds the lock: the server
# knows it (pg_locks, pg_stat_activity), so a fresh connection asks. A rep sees a teammate's role name,
# application and process id; when the session started its transaction only for their own sessions (or with
# pg_read_all_stats), as PostgreSQL shows it.

LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"

HOLDERS_SQL = """
SELECT a.pid, a.usename AS who, a.application_name AS app,
       to_char(a.xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS since
FROM pg_stat_activity a
WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
  AND EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.pid = a.pid AND l.granted
      AND ((l.locktype = 'relation' AND l.mode <> 'AccessShareLock'
            AND (%(relation)s::text IS NULL OR l.relation = to_regclass(%(relation)s::text)))
           OR (l.locktype = 'advisory' AND %(relation)s::text IS NULL))
  )
ORDER BY a.xact_start NULLS LAST, a.backend_start NULLS LAST, a.pid
LIMIT 3
"""


def waited_too_long(url: str, exc: BaseException) -> SdError | None:
    """The one line for a write whose lock_timeout or statement_timeout ran out (EXC, from the driver); None when
    EXC is something else."""
    from salesdiary.core.errors import LockTimeout
    from salesdiary.store.paths import timeout_seconds

    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == QUERY_CANCELED and "statement timeout" in str(orig):
        return LockTimeout(
            _(
                "The database stopped a statement of this command after {seconds:g} s "
                "(database.statement_timeout); nothing was written."
            ).format(seconds=timeout_seconds("database.statement_timeout"))
        )
    if sqlstate != LOCK_NOT_AVAILABLE:
        return None
    seconds = timeout_seconds("database.lock_timeout")
    holders = lock_holders(url, _relation_of(orig))
    if not holders:
        return LockTimeout(
            _(
                "Another session held a lock this command needs for more than {seconds:g} s "
                "(database.lock_timeout); nothing was written. Try again."
            ).format(seconds=seconds)
        )
    return LockTimeout(
        _(
            "Waited {seconds:g} s (database.lock_timeout) for a lock held by {holders}; nothing was written. "
            "Try again when they have finished, or ask them to end their transaction."
        ).format(seconds=seconds, holders="; ".join(_holder(h) for h in holders))
    )


def _relation_of(orig: BaseException) -> str | None:
    """The table a lock wait was on, from the server's context line ("while updating tuple (0,1) in relation
    "deal""); None when it was not a table's row (an advisory lock, say)."""
    diag = getattr(orig, "diag", None)
    context = (getattr(diag, "context", None) or "") + " " + str(orig)
    found = re.search(r'relation "([^"]+)"', context)
    return found.group(1) if found else None


def _holder(row: Mapping[str, Any]) -> str:
    """'wang (psql, process 4242, in a transaction since 2026-11-25 08:30:00 UTC)'."""
    details = [str(row["app"]) if row.get("app") else _("an unnamed program")]
    details.append(_("process {pid}").format(pid=row["pid"]))
    if row.get("since"):
        details.append(_("in a transaction since {since} UTC").format(since=row["since"]))
    return f"{row['who'] or '?'} ({', '.join(details)})"


def lock_holders(url: str, relation: str | None) -> list[dict[str, Any]]:
    """Sessions of other processes holding a lock a write may wait on (on RELATION's rows, else any table's or
    an advisory lock), the oldest transaction first; [] when the server cannot be asked."""
    try:
        con = connect(url, timeout=5)
    except SdError:
        return []
    try:
        con.execute("SET statement_timeout = 5000")
        cur = con.execute(HOLDERS_SQL, {"relation": relation})
        names = [d.name for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except Exception:  # noqa: BLE001 - the message says less, but the command still ends with one line
        return []
    finally:
        con.close()


# The schema ------------------------------------------------------------------------------------------------


def revision_of(con: Any) -> str | None:
    """The alembic revision of the database on a psycopg connection; None when sd's tables are not there."""
    import psycopg

    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return row[0] if row else None


def state_of(revision: str | None) -> str:
    """empty | current | older | newer."""
    if revision is None:
        return "empty"
    if revision == SCHEMA_HEAD:
        return "current"
    from salesdiary.store.version import known_revisions

    if revision in known_revisions():
        return "older"
    return "newer"


def check_schema(url: str, revision: str | None, *, write: bool) -> None:
    """Refuse a database sd cannot use as it is (no tables, an older schema; a newer one for a write)."""
    where = redact_url(url)
    state = state_of(revision)
    if state == "empty":
        raise Conflict(
            _(
                "The database {url} has no sd tables yet. Its owner (the manager) creates them with: sd db upgrade"
            ).format(url=where)
        )
    if state == "older":
        raise Conflict(
            _(
                "The database {url} has schema {found}; this sd needs {head}. "
                "Its owner (the manager) upgrades it with: sd db upgrade"
            ).format(url=where, found=revision, head=SCHEMA_HEAD)
        )
    if state == "newer" and write:
        raise Conflict(
            _(
                "The database {url} was upgraded by a newer sd (schema {found}; this sd knows up to {head}). "
                "Nothing was written: upgrade sd first."
            ).format(url=where, found=revision, head=SCHEMA_HEAD)
        )


# Reads through libpq itself --------------------------------------------------------------------------------
#
# Importing psycopg costs a read command 60-110 ms (the package imports all its adapters, asyncio and ssl), more
# than connecting and running the queries. So a read command loads the libpq psycopg itself uses (the one in
# the psycopg-binary wheel, else the system's libpq.so.5) through ctypes and asks for text results, converted
# as sqlite3 returns them (what connection._load_as_sqlite makes psycopg's loaders do). One round trip sets the
# session up and reads the schema revision; statements are not prepared. psycopg stays required (a read
# without it says how to install it, as a write does) and does the rest: writes (through SQLAlchemy),
# `sd db status`, `sd doctor`, and the long streams of an export or an import (stream/tuples), where its C
# loaders beat converting cell by cell here. Without a loadable libpq, or with SD_PG_READER=psycopg, reads
# use psycopg too (PsycopgReader).

READER_ENV = "SD_PG_READER"
UNDEFINED_TABLE = "42P01"
_OK = (1, 2)  # PGRES_COMMAND_OK, PGRES_TUPLES_OK
_CONNECTION_OK = 0


class ServerError(Exception):
    """What libpq or the server answered to a failed statement (psycopg's error classes are not imported here)."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def open_reader(url: str, *, timeout: int = CONNECT_TIMEOUT) -> Reader:
    """A Reader on the database at URL, whose schema this sd can read (else Conflict); failures as one SdError."""
    from importlib.util import find_spec

    try:
        driver = find_spec("psycopg")
    except (ImportError, ValueError):  # ValueError: imported already, without a spec
        driver = True  # type: ignore[assignment]
    if driver is None:
        raise missing_driver()
    lib = None if os.environ.get(READER_ENV, "").strip().lower() == "psycopg" else libpq()
    if lib is None:
        from salesdiary.store.connection import PsycopgReader

        con = connect(url, timeout=timeout)
        try:
            check_schema(url, revision_of(con), write=False)
        except BaseException:
            con.close()
            raise
        return PsycopgReader(con)
    reader = LibpqReader.connect(lib, url, timeout)
    try:
        check_schema(url, reader.setup(), write=False)
    except BaseException:
        reader.close()
        raise
    return reader


class LibpqReader:
    """The Reader of store/connection.py over libpq (see above): rows() here, stream() and tuples() by psycopg."""

    dialect = "postgresql"

    def __init__(self, lib: Any, conn: int, url: str) -> None:
        self.lib = lib
        self.conn: int | None = conn
        self.url = url
        self._psycopg: Any = None
        self._early: list[tuple[Any, dict[str, Any]]] = []  # siblings being opened (open_sibling_early)

    @classmethod
    def connect(cls, lib: Any, url: str, timeout: int) -> LibpqReader:
        import ctypes

        try:
            info = conninfo(url).encode()
        except UnicodeEncodeError as exc:
            raise _not_a_url(url, exc) from None
        error = ctypes.c_void_p()
        options = lib.PQconninfoParse(info, ctypes.byref(error))
        if not options:  # psycopg checks the URL the same way before connecting
            message = ctypes.string_at(error.value).decode(errors="replace") if error.value else ""
            if error.value:
                lib.PQfreemem(error)
            raise _not_a_url(url, ServerError(message.strip() or "invalid connection string"))
        lib.PQconninfoFree(options)
        # the URL first (expanded), then what sd needs whatever it says: the timeout (as psycopg.connect(...,
        # connect_timeout=) overrides the URL's) and UTF-8 text
        keys = (ctypes.c_char_p * 4)(b"dbname", b"connect_timeout", b"client_encoding", None)
        values = (ctypes.c_char_p * 4)(info, str(timeout).encode(), b"UTF8", None)
        conn = lib.PQconnectdbParams(keys, values, 1)
        if not conn:
            raise connection_error(url, ServerError("libpq could not allocate a connection"))
        if lib.PQstatus(conn) != _CONNECTION_OK:
            message = (lib.PQerrorMessage(conn) or b"").decode(errors="replace").strip()
            lib.PQfinish(conn)
            raise connection_error(url, ServerError(message or "connection failed"))
        return cls(lib, conn, url)

    def setup(self) -> str | None:
        """Set the session up and read the schema revision, in one round trip; None: sd's tables are not there."""
        lib = self.lib
        res = lib.PQexec(self.conn, f"{SESSION_SQL}; SELECT version_num FROM alembic_version".encode())
        try:
            status = lib.PQresultStatus(res) if res else -1
            if status not in _OK:
                error = self._error(res)
                if getattr(error, "sqlstate", None) == UNDEFINED_TABLE:
                    return None  # (the settings went with the failed statement; the caller stops anyway)
                raise error
            if lib.PQntuples(res) < 1 or lib.PQgetisnull(res, 0, 0):
                return None
            return str(lib.PQgetvalue(res, 0, 0).decode())
        finally:
            if res:
                lib.PQclear(res)

    def siblings(self) -> Any:
        """What gives another reader on the same database, for a query run beside this one (the server answers
        the two on two backends): one opened early (open_sibling_early) if there is one, else one opened in the
        thread that calls it."""
        lib, url, early = self.lib, self.url, self._early

        def open_one() -> LibpqReader:
            try:
                thread, opened = early.pop()
            except IndexError:
                return _open_sibling(lib, url)
            thread.join()
            if "error" in opened:
                raise opened["error"]
            return opened["reader"]

        return open_one

    def open_sibling_early(self) -> None:
        """Start opening a sibling now, in a thread, for passes about to run side by side: connecting and signing
        in waits several milliseconds on the server, which this thread spends getting the queries ready (libpq
        lets other threads run meanwhile). An error is kept for when the sibling is asked for. The thread holds
        no reference to this reader, which may be dropped (and closed) before it ends."""
        import threading

        lib, url = self.lib, self.url
        opened: dict[str, Any] = {}

        def run() -> None:
            try:
                opened["reader"] = _open_sibling(lib, url)
            except BaseException as exc:  # noqa: BLE001 - raised where the sibling is asked for
                opened["error"] = exc

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._early.append((thread, opened))

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        import ctypes

        from salesdiary.core.errors import BadInput

        lib = self.lib
        text, names = numbered(sql)
        given = params or {}
        try:
            pairs = [_param(given[name]) for name in names]
        except UnicodeEncodeError:  # a lone surrogate: bytes from the command line that are not UTF-8
            raise BadInput(_("A value given is not valid UTF-8 text.")) from None
        n = len(pairs)
        types = (ctypes.c_uint * n)(*(oid for oid, _value in pairs))
        values = (ctypes.c_char_p * n)(*(value for _oid, value in pairs))
        res = lib.PQexecParams(self.conn, text.encode(), n, types, values, None, None, 0)
        try:
            if not res or lib.PQresultStatus(res) not in _OK:
                raise self._error(res)
            return _dicts(lib, res)
        finally:
            if res:
                lib.PQclear(res)

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        return self._streaming().stream(sql, params)

    def tuples(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        return self._streaming().tuples(sql, params)

    def _streaming(self) -> Any:
        """A psycopg reader on a second connection, for long results (server-side cursors, C loaders)."""
        if self._psycopg is None:
            from salesdiary.store.connection import PsycopgReader

            self._psycopg = PsycopgReader(connect(self.url))
        return self._psycopg

    def _error(self, res: int | None) -> Exception:
        """The failure of RES (None: not even sent) as an exception: the server's, or a lost connection."""
        lib = self.lib
        message = lib.PQresultErrorField(res, ord("M")) if res else None
        sqlstate = lib.PQresultErrorField(res, ord("C")) if res else None
        if not message:
            message = (lib.PQresultErrorMessage(res) if res else None) or lib.PQerrorMessage(self.conn) or b""
        error = ServerError(message.decode(errors="replace").strip(), sqlstate.decode() if sqlstate else None)
        if lib.PQstatus(self.conn) != _CONNECTION_OK:
            return connection_error(self.url, error)
        return error

    def close(self) -> None:
        try:
            while self._early:  # opened early, never asked for
                thread, opened = self._early.pop()
                thread.join()
                if "reader" in opened:
                    opened["reader"].close()
        finally:
            conn, self.conn = self.conn, None
            if conn:
                self.lib.PQfinish(conn)
            if self._psycopg is not None:
                self._psycopg.close()
                self._psycopg = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # at interpreter exit libpq may be gone already
            pass


def _open_sibling(lib: Any, url: str) -> LibpqReader:
    reader = LibpqReader.connect(lib, url, CONNECT_TIMEOUT)
    try:
        reader.setup()
    except BaseException:
        reader.close()
        raise
    return reader


def _not_a_url(url: str, exc: BaseException) -> SdError:
    return SdError(
        _("{url} is not a database URL sd can use: {reason}").format(url=redact_url(url), reason=reason(url, exc))
    )


def _dicts(lib: Any, res: int) -> list[dict[str, Any]]:
    """The rows of RES as dicts, each value as sqlite3 would give it (NULL: None)."""
    width = lib.PQnfields(res)
    columns = [(j, lib.PQfname(res, j).decode(), LOADERS.get(lib.PQftype(res, j), bytes.decode)) for j in range(width)]
    get, isnull = lib.PQgetvalue, lib.PQgetisnull
    out = []
    for i in range(lib.PQntuples(res)):
        row = {}
        for j, name, load in columns:
            value = get(res, i, j)  # b"" for NULL as for an empty text
            row[name] = load(value) if value or not isnull(res, i, j) else None
        out.append(row)
    return out


def time_text(data: bytes) -> str:
    """'2026-11-25 08:30:00.1234+00' (DateStyle ISO, time zone UTC) as SQLite keeps it: '2026-11-25 08:30:00.123400'."""
    text = data.decode("ascii")
    end = len(text)
    for i in range(19, len(text)):
        if text[i] in "+-":
            end = i
            break
    fraction = text[20:end] if end > 19 and text[19:20] == "." else ""
    return f"{text[:19]}.{fraction.ljust(6, '0')}"


def _bool(data: bytes) -> int:
    return 1 if data == b"t" else 0


# How each PostgreSQL type comes back, through either reader: as sqlite3 returns it (store/connection.py _plain
# says why), written once here: (type name, OID, the function of the value's text). The libpq reader calls the
# function on each value (by OID; any other type stays text); the psycopg reader registers the same function as
# psycopg's loader of the type (store/connection.py _load_as_sqlite), except for the types psycopg already
# returns so (PSYCOPG_SAME) and the two a C loader of psycopg's own gives faster, the same (PSYCOPG_C_LOADERS).
AS_SQLITE: tuple[tuple[str, int, Callable[[bytes], Any]], ...] = (
    ("bool", 16, _bool),
    ("int8", 20, int),
    ("int2", 21, int),
    ("int4", 23, int),
    ("oid", 26, int),
    ("float4", 700, float),
    ("float8", 701, float),
    ("date", 1082, bytes.decode),  # ISO text (DateStyle ISO)
    ("timestamp", 1114, time_text),
    ("timestamptz", 1184, time_text),
    ("numeric", 1700, float),
)
PSYCOPG_SAME = frozenset({"int8", "int2", "int4", "oid", "float4", "float8"})
PSYCOPG_C_LOADERS = {"date": "psycopg.types.string:TextLoader", "numeric": "psycopg.types.numeric:FloatLoader"}
LOADERS: dict[int, Callable[[bytes], Any]] = {oid: load for _name, oid, load in AS_SQLITE}


def _param(value: Any) -> tuple[int, bytes | None]:
    """(type OID, text) of a parameter, typed as psycopg types it: text as unknown (the server infers the type
    from where it stands), an int as the smallest integer type that holds it."""
    if value is None:
        return 0, None
    if isinstance(value, str):
        data = value.encode()
        if b"\x00" in data:
            raise ServerError("PostgreSQL text fields cannot contain NUL (0x00) bytes", "22021")
        return 0, data
    if isinstance(value, bool):
        return 16, b"t" if value else b"f"
    if isinstance(value, int):
        if -(2**15) <= value < 2**15:
            return 21, b"%d" % value
        if -(2**31) <= value < 2**31:
            return 23, b"%d" % value
        return (20 if -(2**63) <= value < 2**63 else 1700), b"%d" % value
    if isinstance(value, float):
        return 701, repr(value).encode()
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, dt.datetime):
        return (1184 if value.tzinfo else 1114), value.isoformat(sep=" ").encode()
    if isinstance(value, dt.date):
        return 1082, value.isoformat().encode()
    if isinstance(value, Decimal):
        return 1700, str(value).encode()
    return 0, str(value).encode()


_PLACEHOLDER = re.compile(r"""('(?:[^']|'')*')|("(?:[^"]|"")*")|(::)|(?<![\w:]):([A-Za-z_][A-Za-z0-9_]*)""")


@lru_cache(maxsize=512)
def numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """SQL with :named parameters (as sqlite3 takes it) with libpq's $1, $2 …, and the names in that order."""
    names: list[str] = []

    def swap(m: re.Match[str]) -> str:
        if not m.group(4):
            return m.group(0)
        if m.group(4) not in names:
            names.append(m.group(4))
        return f"${names.index(m.group(4)) + 1}"

    return _PLACEHOLDER.sub(swap, sql), tuple(names)


_libpq_found: list[Any] = []


def libpq() -> Any:
    """libpq through ctypes, with the functions a reader uses declared; None when none can be loaded."""
    if not _libpq_found:
        _libpq_found.append(_load_libpq())
    return _libpq_found[0]


def _libpq_files() -> list[str]:
    """Where libpq may be: the psycopg-binary wheel's own copy (what psycopg would use), then the system's."""
    from importlib.util import find_spec
    from pathlib import Path

    found: list[str] = []
    try:
        spec = find_spec("psycopg_binary")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        package = Path(spec.origin).parent
        for folder in (package.parent / "psycopg_binary.libs", package / ".dylibs"):  # Linux wheels, macOS wheels
            found += sorted(str(path) for path in folder.glob("libpq*"))
    return [*found, "libpq.so.5", "libpq.5.dylib"]


def _load_libpq() -> Any:
    import ctypes

    p, s, i, u = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "PQconninfoParse": (p, [s, ctypes.POINTER(p)]),
        "PQconninfoFree": (None, [p]),
        "PQfreemem": (None, [p]),
        "PQconnectdbParams": (p, [ctypes.POINTER(s), ctypes.POINTER(s), i]),
        "PQstatus": (i, [p]),
        "PQerrorMessage": (s, [p]),
        "PQfinish": (None, [p]),
        "PQexec": (p, [p, s]),
        "PQexecParams": (p, [p, s, i, ctypes.POINTER(u), ctypes.POINTER(s), p, p, i]),
        "PQresultStatus": (i, [p]),
        "PQresultErrorField": (s, [p, i]),
        "PQresultErrorMessage": (s, [p]),
        "PQntuples": (i, [p]),
        "PQnfields": (i, [p]),
        "PQfname": (s, [p, i]),
        "PQftype": (u, [p, i]),
        "PQgetvalue": (s, [p, i, i]),
        "PQgetisnull": (i, [p, i, i]),
        "PQclear": (None, [p]),
    }
    for name in _libpq_files():
        try:
            lib = ctypes.CDLL(name)
            for function, (restype, argtypes) in signatures.items():
                getattr(lib, function).restype = restype
                getattr(lib, function).argtypes = argtypes
        except (OSError, AttributeError):  # not there, or not a libpq with these functions
            continue
        return lib
    return None
