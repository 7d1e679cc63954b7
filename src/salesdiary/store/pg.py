"""PostgreSQL: connecting, errors that never show a password, and the schema check on open.

Read commands connect with psycopg directly (importing SQLAlchemy would cost more than the whole query);
writes and `sd db upgrade` go through SQLAlchemy (store/engine.py) on the same URL. The URL may be given
the SQLAlchemy way (`postgresql+psycopg://rep@host/db`) or the libpq way (`postgresql://…`, `postgres://…`).
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
from typing import Any

from salesdiary.core.errors import Conflict, SdError
from salesdiary.i18n import _
from salesdiary.store.paths import redact_url
from salesdiary.store.version import SCHEMA_HEAD

SCHEMES = ("postgresql", "postgres")
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
    found = []
    rest = url.split("://", 1)[1] if "://" in url else url
    if "@" in rest:
        creds = rest.rsplit("@", 1)[0]
        if ":" in creds:
            found.append(creds.split(":", 1)[1])
    found += re.findall(r"[?&]password=([^&]*)", url, flags=re.IGNORECASE)
    if os.environ.get("PGPASSWORD"):
        found.append(os.environ["PGPASSWORD"])
    return [s for s in found if len(s) >= 3]


def reason(url: str, exc: BaseException) -> str:
    """The driver's message on one line, with nothing of the password in it."""
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    for secret in _secrets(url):
        text = text.replace(secret, "***")
        from urllib.parse import unquote

        text = text.replace(unquote(secret), "***")
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


def connect(url: str) -> Any:
    """A psycopg connection (autocommit: a reader holds no transaction open; time zone UTC), or one SdError."""
    try:
        import psycopg
    except ImportError:
        raise missing_driver() from None
    try:
        con = psycopg.connect(conninfo(url), connect_timeout=10, autocommit=True)
    except psycopg.Error as exc:
        raise connection_error(url, exc) from None
    except Exception as exc:  # e.g. an unreadable URL
        raise SdError(
            _("{url} is not a database URL sd can use: {reason}").format(url=redact_url(url), reason=reason(url, exc))
        ) from None
    # times compared and shown as UTC, dates written ISO (as SQLite keeps them); no JIT compiling, which costs
    # a read command more than it saves (a few hundred ms on a report)
    con.execute("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET jit = off")
    return con


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
    from salesdiary.store.backup import known_revisions

    if revision is None:
        return "empty"
    if revision == SCHEMA_HEAD:
        return "current"
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
