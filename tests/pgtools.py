"""PostgreSQL for tests: a fresh schema per test on the server SD_TEST_DATABASE_URL names, and rep login roles.

Start a server and get the URL with (it installs Debian's postgresql when needed):

    eval "$(../shared/ci/postgres.sh start sd_test sd_app)"

Without SD_TEST_DATABASE_URL the PostgreSQL tests skip, saying so; with CI=true they fail instead, so CI
never passes without running them. Each test gets its own schema (`search_path` in the URL), dropped after.
The login role of the URL (sd_app) owns the schema, so it runs `sd db upgrade` and counts as the manager;
reps are login roles made for the test (CREATEROLE) and dropped after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

ENV = "SD_TEST_DATABASE_URL"
HOW = (
    f"PostgreSQL tests need {ENV} (a PostgreSQL URL whose role may create schemas and roles). "
    'Start a local server with: eval "$(../shared/ci/postgres.sh start sd_test sd_app)"'
)


def base_url() -> str:
    """The server's URL, or skip (fail on CI) with how to enable the PostgreSQL tests."""
    url = os.environ.get(ENV)
    problem = None if url else f"{ENV} is not set."
    if url:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            problem = "psycopg is not installed: .venv/bin/pip install -e '.[test,postgres]'"
    if problem:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{problem} {HOW} (CI=true: these tests must run, not skip)", pytrace=False)
        pytest.skip(f"{problem} {HOW}")
    return str(url)


def libpq(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def admin():  # noqa: ANN201
    """An autocommit psycopg connection as the URL's role (it owns the test schemas)."""
    import psycopg

    return psycopg.connect(libpq(base_url()), autocommit=True)


def with_login(url: str, user: str, password: str, schema: str) -> str:
    """URL as USER (PASSWORD) with search_path = SCHEMA."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    netloc = f"{quote(user)}:{quote(password)}@{host}" + (f":{parts.port}" if parts.port else "")
    query = f"options={quote('-csearch_path=' + schema)}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


@contextmanager
def schema() -> Iterator[tuple[str, str]]:
    """A new empty schema: (its name, the URL with it as search_path). Dropped afterwards."""
    url = base_url()
    name = "sd_t_" + uuid.uuid4().hex[:12]
    with admin() as con:
        con.execute(f"CREATE SCHEMA {name}")
    parts = urlsplit(url)
    user, password = parts.username or "", parts.password or ""
    try:
        yield name, with_login(url, user, password, name)
    finally:
        from salesdiary.store.engine import dispose_all

        dispose_all()
        _drop_schema(name)


def _drop_schema(name: str) -> None:
    """Drop the schema; a connection a failed test left in a transaction (its frames keep it) would block
    the drop forever, so after a few seconds such connections of the same role are ended."""
    import psycopg

    with admin() as con:
        con.execute("SET lock_timeout = '5s'")
        try:
            con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
            return
        except psycopg.errors.LockNotAvailable:
            con.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = current_user"
                " AND datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
            )
        con.execute("SET lock_timeout = '30s'")
        con.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def make_role(group: str, prefix: str = "rep") -> tuple[str, str]:
    """A new login role, member of GROUP (sd_rep or sd_manager): (name, password)."""
    name = f"sd_t_{prefix}_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with admin() as con:
        con.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {group}")
    return name, password


def drop_roles(names: list[str]) -> None:
    from salesdiary.store.engine import dispose_all

    dispose_all()
    import gc

    gc.collect()  # readers of in-process runs close their connections
    with admin() as con:
        for name in names:
            con.execute(f"DROP ROLE IF EXISTS {name}")
