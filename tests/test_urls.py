"""Which database a URL names, and passwords never shown (issues 23 and 25).

Every spelling of a password in a URL or a libpq keyword DSN is hidden wherever sd shows the database (db status,
doctor, config show, errors, --json, history); a keyword DSN is PostgreSQL, never a file name; a URL of a scheme
sd does not speak is a clear exit 2. The tests against a server need SD_TEST_DATABASE_URL (tests/pgtools.py).
"""

from __future__ import annotations

import re

import pytest

import pgtools

SECRET = "Secret-Pw-9417"
DOWN = "127.0.0.1:1"  # nothing listens there: the connection fails at once

SPELLINGS = [
    f"postgresql://rep:{SECRET}@{DOWN}/sales",
    f"postgresql://rep:{SECRET}%40x@{DOWN}/sales",
    f"postgresql://{DOWN}/sales?user=rep&%70assword={SECRET}",
    f"postgresql://{DOWN}/sales?user=rep&PassWord={SECRET}",
    f"postgresql://{DOWN}/sales?user=rep&pass%2577ord={SECRET}",
    f"postgresql://{DOWN}/sales?user=rep&passfile=/home/{SECRET}/.pgpass",
    f"postgresql://{DOWN}/sales?sslpassword={SECRET}&user=rep",
    f"postgresql://rep:{SECRET[:6]}/{SECRET[6:]}@{DOWN}/sales",
    f"postgresql://rep:{SECRET[:6]}?{SECRET[6:]}@{DOWN}/sales?sslmode=disable",
    f"postgresql://rep:{SECRET[:6]}@{SECRET[6:]}@{DOWN}/sales",
    f"postgresql+psycopg://rep:{SECRET}@{DOWN}/sales?password={SECRET}",
    f"host=127.0.0.1 port=1 dbname=sales user=rep password={SECRET}",
    f"host=127.0.0.1 port=1 dbname=sales user=rep password='{SECRET} x'",
    f"host=127.0.0.1 port=1 dbname=sales user=rep PASSWORD = {SECRET}",
]


def parts_of_secret(text: str) -> list[str]:
    """Pieces of SECRET that must not show (a password split by an unencoded character shows neither half)."""
    return [piece for piece in (SECRET, SECRET[:6], SECRET[6:]) if piece in text]


@pytest.mark.parametrize("url", SPELLINGS)
def test_redact_url_hides_every_spelling_of_a_password(url):
    from salesdiary.store.paths import redact_url

    shown = redact_url(url)
    assert not parts_of_secret(shown), shown
    assert "***" in shown


def test_redact_url_leaves_the_rest_as_written():
    from salesdiary.store.paths import redact_url

    assert redact_url("postgresql://rep@db.example:5432/sales?sslmode=require") == (
        "postgresql://rep@db.example:5432/sales?sslmode=require"
    )
    assert redact_url("postgresql://host:5432/db?user=me@corp") == "postgresql://host:5432/db?user=me@corp"
    assert redact_url(f"postgresql://rep:{SECRET}@db/sales?sslmode=require&password=x1x") == (
        "postgresql://rep:***@db/sales?sslmode=require&password=***"
    )
    assert redact_url(f"host=db password={SECRET} dbname=sales") == "host=db password=*** dbname=sales"


@pytest.mark.parametrize("url", SPELLINGS)
def test_no_spelling_of_a_password_is_printed_by_db_status_doctor_or_errors(sd, monkeypatch, url):
    pytest.importorskip("psycopg")
    monkeypatch.setenv("SD_DATABASE_URL", url)
    for args in (("db", "status"), ("db", "status", "--json"), ("account", "list"), ("account", "add", "Acme")):
        result = sd(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.startswith("sd: error: "), result.stderr  # cannot connect, or not a URL libpq reads
        assert "internal error" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not parts_of_secret(result.output), result.output
    doctor = sd("doctor", "--json")
    assert doctor.exit_code == 1 and not parts_of_secret(doctor.output), doctor.output
    monkeypatch.delenv("SD_DATABASE_URL")
    monkeypatch.delenv("SD_DB")
    assert sd("config", "set", "database.url", url).exit_code == 0
    shown = sd("config", "show", "--json")
    assert shown.exit_code == 0 and not parts_of_secret(shown.stdout), shown.stdout


def test_a_keyword_dsn_is_postgresql_never_a_file_name(sd, isolated, monkeypatch):
    pytest.importorskip("psycopg")
    monkeypatch.chdir(isolated)
    before = sorted(p.name for p in isolated.iterdir())
    dsn = f"host=127.0.0.1 port=1 dbname=sales user=rep password={SECRET}"
    for args in (("account", "add", "Acme"), ("account", "list"), ("db", "status", "--json")):
        result = sd("--db", dsn, *args)
        assert result.exit_code == 1, (args, result.output)
        assert "Cannot connect to the database postgresql://rep:***@127.0.0.1:1/sales" in result.stderr
        assert SECRET not in result.output
    assert sorted(p.name for p in isolated.iterdir()) == before  # no SQLite file named after the DSN


def test_a_file_path_with_an_equals_sign_is_still_a_file(sd, isolated):
    path = isolated / "host=a" / "journal.sqlite"
    path.parent.mkdir()
    assert sd("--db", str(path), "account", "add", "Acme").exit_code == 0
    assert path.exists()


@pytest.mark.parametrize(
    "dsn",
    [f"host=db password='{SECRET}", f"host=db password={SECRET} colour=blue", f"dbname=sales password={SECRET} x"],
)
def test_a_keyword_dsn_sd_cannot_read_is_refused_clearly(sd, isolated, monkeypatch, dsn):
    monkeypatch.chdir(isolated)
    before = sorted(p.name for p in isolated.iterdir())
    result = sd("--db", dsn, "account", "add", "Acme")
    assert result.exit_code == 2, result.output
    assert "looks like a PostgreSQL connection string" in result.stderr and "postgresql://" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and SECRET not in result.output
    assert sorted(p.name for p in isolated.iterdir()) == before


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://rep:{SECRET}@db/sales",
        "http://db.example/sales",
        f"postgresql+asyncpg://rep:{SECRET}@db/sales",
        "oracle://db/sales",
        "sqlite+aiosqlite:///journal.db",
    ],
)
def test_an_unsupported_scheme_is_exit_2_naming_the_supported_ones(sd, monkeypatch, url):
    for args in (("--db", url, "account", "list"), ("--db", url, "account", "add", "Acme"), ("--db", url, "doctor")):
        result = sd(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "sd cannot use" in result.stderr and "postgresql://" in result.stderr and "sqlite:///" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "internal error" not in result.stderr
        assert SECRET not in result.output
    monkeypatch.setenv("SD_DATABASE_URL", url)
    result = sd("db", "status")
    assert result.exit_code == 2 and "SD_DATABASE_URL" in result.stderr and SECRET not in result.output


def test_sd_database_url_must_be_a_url(sd, isolated, monkeypatch):
    monkeypatch.setenv("SD_DATABASE_URL", str(isolated / "journal.sqlite"))
    result = sd("account", "list")
    assert result.exit_code == 2 and "SD_DATABASE_URL must be a database URL" in result.stderr
    assert "internal error" not in result.stderr


# Against a server -------------------------------------------------------------------------------------------


@pytest.fixture
def rep(monkeypatch):  # noqa: ANN001, ANN201
    """A schema made by `sd db upgrade` and a rep login role on it: (role, password, schema)."""
    from conftest import run_sd

    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert run_sd("db", "upgrade").exit_code == 0
        monkeypatch.delenv("SD_DATABASE_URL")
        name, password = pgtools.make_role("sd_rep")
        try:
            yield name, password, schema
        finally:
            pgtools.drop_roles([name])


def test_a_keyword_dsn_works_for_reads_and_writes_and_its_password_is_never_shown(sd, rep, isolated, monkeypatch):
    from urllib.parse import urlsplit

    name, password, schema = rep
    server = urlsplit(pgtools.base_url())
    dsn = (
        f"host={server.hostname} port={server.port or 5432} dbname={server.path.lstrip('/')} user={name} "
        f"password='{password}' options='-csearch_path={schema}'"
    )
    monkeypatch.chdir(isolated)
    assert sd("--db", dsn, "account", "add", "华东电网").exit_code == 0  # a write (SQLAlchemy) …
    listed = sd("--db", dsn, "account", "list", "--json")  # … and a read (libpq)
    assert [a["name"] for a in listed.json()] == ["华东电网"]
    status = sd("--db", dsn, "db", "status", "--json")
    assert status.exit_code == 0 and status.json()["user"] == name and status.json()["kind"] == "postgresql"
    assert password not in status.stdout and "***" in status.json()["database"]
    history = sd("--db", dsn, "history", "--json")
    assert history.exit_code == 0 and password not in history.output and "password=***" in history.output
    doctor = sd("--db", dsn, "doctor", "--json")
    assert password not in doctor.output
    assert not [p for p in isolated.iterdir() if re.search("host=|password", p.name)]
