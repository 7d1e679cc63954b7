"""Reads on PostgreSQL through libpq itself (store/pg.py, LibpqReader): the rows psycopg would give, without
importing psycopg or the write stack; and shell completion of names from a team database.

Needs a server: SD_TEST_DATABASE_URL (see tests/pgtools.py). Without it these tests skip and say how to
enable them; with CI=true they fail instead. Each test works in a fresh schema of that database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

import pgtools
from conftest import run_sd

HEAVY = ("psycopg", "sqlalchemy", "sqlmodel", "alembic", "questionary")


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    """SD_DATABASE_URL → a fresh schema made by `sd db upgrade`, filled by `sd demo`; yields the URL."""
    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        for args in (("db", "upgrade"), ("demo",)):
            result = run_sd(*args)
            assert result.exit_code == 0, result.output
        yield url


def readers(url: str, monkeypatch):  # noqa: ANN001, ANN201
    """(the libpq reader, the psycopg reader) on URL."""
    from salesdiary.store import pg
    from salesdiary.store.connection import PsycopgReader

    assert pg.libpq() is not None, "no libpq to load: psycopg[binary] is a test dependency"
    fast = pg.open_reader(url)
    monkeypatch.setenv(pg.READER_ENV, "psycopg")
    slow = pg.open_reader(url)
    monkeypatch.delenv(pg.READER_ENV)
    assert isinstance(fast, pg.LibpqReader) and isinstance(slow, PsycopgReader)
    return fast, slow


def typed(rows: list[dict]) -> list[list[tuple]]:
    return [[(key, type(value).__name__, value) for key, value in row.items()] for row in rows]


QUERIES = [
    ("SELECT true AS yes, false AS no, NULL::boolean AS unknown", None),
    (
        "SELECT 1::int2 AS small, 70000::int4 AS mid, 9007199254740993::int8 AS big, 1.5::float4 AS f4,"
        " 0.1::float8 AS f8, 12.50::numeric AS amount, SUM(x) AS total, AVG(x) AS mean, COUNT(*) AS n"
        " FROM generate_series(1, 4) x",
        None,
    ),
    (
        "SELECT DATE '2026-11-25' AS day, TIMESTAMPTZ '2026-11-25 08:30:00.1234+08' AS at,"
        " TIMESTAMP '2026-11-25 08:30:00' AS plain, TIMESTAMPTZ '2026-11-25 23:59:59+00' AS whole",
        None,
    ),
    (
        "SELECT '' AS empty, NULL::text AS nothing, '王芳 50% ''quoted'' :not_a_parameter' AS words,"
        " 'a'::varchar AS v, 'b'::char(3) AS c, 'x'::name AS n, 'a' AS same, 'b' AS same",
        None,
    ),
    (
        "SELECT :s AS s, :i AS i, :big AS big, :f AS f, :none AS none, :flag AS flag, :s || '!' AS again,"
        " CAST(:day AS date) AS day, :i + 1 AS plus",
        {"s": "王芳", "i": 7, "big": 2**40, "f": 2.5, "none": None, "flag": True, "day": "2026-11-25"},
    ),
    ("SELECT x::text AS x FROM generate_series(1, 5) x WHERE x > :least ORDER BY x", {"least": 2}),
    ("SELECT * FROM account ORDER BY id", None),
    ("SELECT * FROM contact ORDER BY id", None),
    ("SELECT * FROM deal ORDER BY id", None),
    ("SELECT * FROM visit ORDER BY id", None),
    ("SELECT * FROM followup ORDER BY id", None),
    ("SELECT * FROM stage_history ORDER BY id", None),
    ("SELECT * FROM changeset ORDER BY id", None),
    ("SELECT name FROM account WHERE name LIKE :pattern ORDER BY name", {"pattern": "%电%"}),
    ("SELECT id FROM account WHERE id = :id AND owner IS NOT NULL", {"id": 1}),
]


def test_the_libpq_reader_gives_the_rows_psycopg_gives(team, monkeypatch):
    fast, slow = readers(team, monkeypatch)
    try:
        for sql, params in QUERIES:
            assert typed(fast.rows(sql, params)) == typed(slow.rows(sql, params)), sql
        assert fast.rows("SELECT count(*) AS n FROM visit")[0]["n"] > 0
    finally:
        fast.close()
        slow.close()


# A value of each type that store/pg.py AS_SQLITE converts, and what both readers must give for it.
SAMPLES = {
    "bool": ("true", 1),
    "int8": (str(2**40), 2**40),
    "int2": ("7", 7),
    "int4": ("-12", -12),
    "oid": ("26", 26),
    "float4": ("2.5", 2.5),
    "float8": ("1e-3", 0.001),
    "date": ("2026-11-25", "2026-11-25"),
    "timestamp": ("2026-11-25 08:30:00.5", "2026-11-25 08:30:00.500000"),
    "timestamptz": ("2026-11-25 08:30:00+08", "2026-11-25 00:30:00.000000"),
    "numeric": ("1234.50", 1234.5),
}


def test_every_type_is_converted_once_the_same_way_by_both_readers(team, monkeypatch):
    """One table (store/pg.py AS_SQLITE) says how each type comes back; both readers follow it, as sqlite3 gives
    values (NULL: None)."""
    from salesdiary.store.pg import AS_SQLITE

    assert sorted(name for name, _oid, _load in AS_SQLITE) == sorted(SAMPLES)
    fast, slow = readers(team, monkeypatch)
    try:
        for name, (text, expected) in SAMPLES.items():
            sql = f"SELECT CAST(:v AS {name}) AS v, CAST(NULL AS {name}) AS nothing"
            for reader in (fast, slow):
                row = reader.rows(sql, {"v": text})[0]
                assert (row["v"], type(row["v"]), row["nothing"]) == (expected, type(expected), None), (name, reader)
    finally:
        fast.close()
        slow.close()


def test_streams_give_the_same_rows_as_rows(team, monkeypatch):
    fast, slow = readers(team, monkeypatch)
    try:
        sql = "SELECT * FROM visit WHERE id > :after ORDER BY id"
        assert list(fast.stream(sql, {"after": 1})) == fast.rows(sql, {"after": 1}) == slow.rows(sql, {"after": 1})
    finally:
        fast.close()
        slow.close()


def test_a_failed_statement_says_what_failed_and_the_reader_goes_on(team, monkeypatch):
    from salesdiary.core.errors import BadInput
    from salesdiary.store import pg

    fast, slow = readers(team, monkeypatch)
    slow.close()
    try:
        with pytest.raises(pg.ServerError, match='relation "no_such_table" does not exist') as failed:
            fast.rows("SELECT * FROM no_such_table")
        assert failed.value.sqlstate == "42P01"
        with pytest.raises(BadInput, match="not valid UTF-8"):
            fast.rows("SELECT :s AS s", {"s": "bad \udcff"})
        assert fast.rows("SELECT 1 AS one") == [{"one": 1}]
    finally:
        fast.close()


def pid(reader) -> int:  # noqa: ANN001
    return reader.rows("SELECT pg_backend_pid() AS pid")[0]["pid"]


def gone(pids: set[int], url: str) -> bool:
    """Whether none of the server processes PIDS is left (waiting up to 5 s: the server notices goodbyes late)."""
    from salesdiary.store import pg

    watcher = pg.open_reader(url)
    try:
        deadline = time.monotonic() + 5
        while True:
            alive = {row["pid"] for row in watcher.rows("SELECT pid FROM pg_stat_activity")} & pids
            if not alive or time.monotonic() > deadline:
                return not alive
            time.sleep(0.05)
    finally:
        watcher.close()


def test_a_sibling_opened_early_is_the_one_the_passes_get_and_is_closed_when_unused(team, monkeypatch):
    from salesdiary.store import connection

    fast, slow = readers(team, monkeypatch)
    slow.close()
    connection.open_siblings_early(fast, 2)
    for thread, _opened in fast._early:
        thread.join()
    early = {pid(opened["reader"]) for _thread, opened in fast._early}
    assert len(early) == 2
    first = fast.siblings()()  # handed one of them, not a new connection
    assert pid(first) in early
    assert connection.side_by_side(first, [lambda r: r.rows("SELECT 2 AS two")] * 2) == [[{"two": 2}]] * 2
    fast.close()  # closes the one never asked for
    assert gone(early - {pid(first)}, team)
    first.close()


def test_a_sibling_that_failed_early_raises_its_error_when_asked_for_without_trying_again(team, monkeypatch):
    import threading
    from urllib.parse import urlsplit, urlunsplit

    from salesdiary.store import connection, pg

    fast, slow = readers(team, monkeypatch)
    slow.close()
    tries: list[bool] = []
    real = pg._open_sibling

    def counted(lib, url):  # noqa: ANN001, ANN202
        tries.append(threading.current_thread() is threading.main_thread())
        return real(lib, url)

    monkeypatch.setattr(pg, "_open_sibling", counted)
    try:
        fast.url = urlunsplit(urlsplit(fast.url)._replace(path="/sd_no_such_database"))
        connection.open_siblings_early(fast)
        with pytest.raises(pg.SdError, match="sd_no_such_database"):
            fast.siblings()()
        assert tries == [False]  # once, in the early thread
    finally:
        fast.close()


def test_a_reader_dropped_while_its_sibling_is_being_opened_closes_both(team, monkeypatch):
    import gc

    from salesdiary.store import connection

    fast, slow = readers(team, monkeypatch)
    slow.close()
    own = pid(fast)
    connection.open_siblings_early(fast)
    ((thread, opened),) = fast._early
    del fast  # (the thread, still connecting, holds no reference to it)
    gc.collect()
    thread.join()
    assert opened["reader"].conn is None  # closed with the reader that opened it early
    assert gone({own}, team)


@pytest.mark.parametrize("argv", [["account", "list", "--json"], ["check", "--json"], ["funnel", "--json"]])
def test_a_read_command_imports_neither_psycopg_nor_the_write_stack(team, argv):
    code = (
        "import json, sys\n"
        "from salesdiary.cli.app import main\n"
        f"code = main({argv!r})\n"
        f"print(json.dumps([code, sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})]), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, timeout=60)
    exit_code, heavy = json.loads(proc.stderr.strip().splitlines()[-1])
    assert exit_code in (0, 1) and heavy == [], proc.stderr  # (1: `sd check` with findings)
    assert json.loads(proc.stdout), proc.stdout
    if argv[0] == "account":
        assert "华东电网有限公司" in {a["name"] for a in json.loads(proc.stdout)}


def test_without_libpq_reads_go_through_psycopg(team, monkeypatch):
    from salesdiary.store import pg
    from salesdiary.store.connection import PsycopgReader

    monkeypatch.setattr(pg, "_libpq_found", [None])
    reader = pg.open_reader(team)
    try:
        assert isinstance(reader, PsycopgReader)
    finally:
        reader.close()
    result = run_sd("account", "list", "--json")
    assert result.exit_code == 0 and "华东电网有限公司" in {a["name"] for a in result.json()}


def test_an_unreadable_url_is_one_line_without_the_password(monkeypatch):
    monkeypatch.setenv("SD_DATABASE_URL", "postgresql://rep:Secret-Pw-9417@127.0.0.1:1/sales?no_such_option=1")
    result = run_sd("account", "list")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("sd: error: postgresql://rep:***@127.0.0.1:1/sales?no_such_option=1 is not")
    assert "Secret-Pw-9417" not in result.output and len(result.stderr.strip().splitlines()) == 1


# Shell completion ------------------------------------------------------------------------------------------


def complete(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, sys\n"
        "from salesdiary.cli.app import main\n"
        "code = main([])\n"
        f"print(json.dumps([code, sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})]), file=sys.stderr)\n"
    )
    words = {"_SD_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(line.split(" ")) - 1)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**env, **words}, timeout=60
    )


def test_names_complete_from_a_team_database_without_the_write_stack(team):
    done = complete("sd deal list --account 华", dict(os.environ))
    assert done.stdout.split() == ["华东电网有限公司"], done.stderr
    exit_code, heavy = json.loads(done.stderr.strip().splitlines()[-1])
    assert exit_code == 0 and heavy == []
    assert complete("sd deal show 调度", dict(os.environ)).stdout.split() == ["调度中心网络改造"]


def test_a_server_that_is_down_completes_nothing_quietly():
    pgtools.base_url()  # skip (fail on CI) without psycopg
    env = {**os.environ, "SD_DATABASE_URL": "postgresql://rep:pw@127.0.0.1:1/sales"}
    started = time.monotonic()
    done = complete("sd deal list --account 华", env)
    assert done.returncode == 0 and done.stdout.strip() == "" and "Traceback" not in done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1])[0] == 0
    assert time.monotonic() - started < 30
