"""No write waits forever (issue 25): a lock another session or program holds ends the wait after
database.lock_timeout with one line saying who holds it (PostgreSQL) or that another program holds the journal
(SQLite); a PostgreSQL statement stops after database.statement_timeout.

The PostgreSQL tests need SD_TEST_DATABASE_URL (tests/pgtools.py). Waits are bounded: `sd` runs in a subprocess
with a timeout, so a write that waited forever fails the test instead of hanging it.
"""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

import pgtools
from conftest import run_process, run_sd


def hold_the_journal(path, *, exclusive: bool = False) -> sqlite3.Connection:
    """Another program with the journal open for writing: the write lock taken and kept."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")
    con.execute("INSERT INTO account (name, owner, created_at, updated_at) SELECT 'x', 'x', 'x', 'x' WHERE 0")
    return con


def test_a_write_to_a_journal_another_program_holds_ends_with_one_clear_line(sd, isolated):
    assert sd("account", "add", "华东电网").exit_code == 0
    (isolated / "config.toml").write_text("[database]\nlock_timeout = 1\n")
    holder = hold_the_journal(isolated / "journal.sqlite")
    try:
        start = time.monotonic()
        result = run_process("account", "add", "Acme", timeout=30)
        elapsed = time.monotonic() - start
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1, result
    assert "stayed locked by another program for 1 s" in result.stderr and "nothing was done" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "internal error" not in result.stderr
    assert elapsed < 15  # one wait of a second (and the start of sd), not six of fifteen
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["华东电网"]  # nothing half-written
    assert sd("account", "add", "Acme").exit_code == 0  # and once it is free, the write goes through


def test_a_read_of_a_journal_another_program_locked_is_one_clear_line(sd, isolated):
    """A journal in rollback mode (not WAL, e.g. copied by an old tool): a writer's exclusive lock blocks readers."""
    assert run_process("account", "add", "华东电网").exit_code == 0  # (no connection of this process left open)
    con = sqlite3.connect(isolated / "journal.sqlite")
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    (isolated / "config.toml").write_text("[database]\nlock_timeout = 1\n")
    holder = hold_the_journal(isolated / "journal.sqlite", exclusive=True)
    try:
        result = run_process("account", "list", timeout=30)
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1, result
    assert "stayed locked by another program" in result.stderr and "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sd("account", "list", "--json").json()[0]["name"] == "华东电网"


@pytest.mark.parametrize(
    ("config", "env", "shown"),
    [
        ('lock_timeout = "soon"', {}, "database.lock_timeout"),
        ("statement_timeout = -5", {}, "database.statement_timeout"),
        ("", {"SD_LOCK_TIMEOUT": "0"}, "SD_LOCK_TIMEOUT"),
        ("", {"SD_LOCK_TIMEOUT": "forever"}, "SD_LOCK_TIMEOUT"),
    ],
)
def test_a_timeout_that_is_not_a_number_of_seconds_is_exit_2(sd, isolated, monkeypatch, config, env, shown):
    (isolated / "config.toml").write_text(f"[database]\n{config}\n")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SD_DATABASE_URL", "postgresql://rep@127.0.0.1:1/sales")
    result = sd("account", "add", "Acme")
    assert result.exit_code == 2, result.output
    assert shown in result.stderr and "number of seconds" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_timeouts_accept_seconds_from_the_config_or_the_environment(monkeypatch, isolated):
    from salesdiary.store.paths import load_config, timeout_seconds

    assert timeout_seconds("database.lock_timeout") == 10 and timeout_seconds("database.statement_timeout") == 60
    (isolated / "config.toml").write_text('[database]\nlock_timeout = 2.5\nstatement_timeout = "30s"\n')
    load_config.cache_clear()
    assert timeout_seconds("database.lock_timeout") == 2.5 and timeout_seconds("database.statement_timeout") == 30
    monkeypatch.setenv("SD_LOCK_TIMEOUT", "4")
    assert timeout_seconds("database.lock_timeout") == 4


# PostgreSQL ---------------------------------------------------------------------------------------------------


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    """A schema made by `sd db upgrade`; a rep (wang) and a manager (boss): {who: (role, URL)}; wang owns account 1."""
    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert run_sd("db", "upgrade").exit_code == 0
        made = {}
        for who, group in (("wang", "sd_rep"), ("boss", "sd_manager")):
            name, password = pgtools.make_role(group, who)
            made[who] = (name, pgtools.with_login(pgtools.base_url(), name, password, schema))
        try:
            monkeypatch.setenv("SD_DATABASE_URL", made["wang"][1])
            assert run_sd("account", "add", "华东电网").exit_code == 0
            yield made
        finally:
            pgtools.drop_roles([name for name, _url in made.values()])


def open_transaction(url: str, application: str):  # noqa: ANN201
    """A session (as psql would be) left in a transaction that changed account 1: its row stays locked."""
    import psycopg

    con = psycopg.connect(pgtools.libpq(url), application_name=application)
    con.execute("UPDATE account SET name = name WHERE id = 1")
    return con


def edit_as(url: str, env: dict[str, str]):  # noqa: ANN201
    return run_process(
        "account", "edit", "1", "--name", "华东电网公司", env={"SD_DATABASE_URL": url, **env}, timeout=40
    )


def test_a_rep_who_leaves_a_transaction_open_does_not_block_a_teammate_forever(team):
    wang, boss = team["wang"], team["boss"]
    holder = open_transaction(wang[1], "psql")
    try:
        start = time.monotonic()
        result = edit_as(boss[1], {"SD_LOCK_TIMEOUT": "1"})
        elapsed = time.monotonic() - start
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1, result
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "internal error" not in line, line
    assert "Waited 1 s (database.lock_timeout) for a lock held by" in line and "nothing was written" in line
    assert f"{wang[0]} (psql, process " in line  # who holds it, and with what
    assert elapsed < 20
    # once the transaction ends the same write goes through
    assert edit_as(boss[1], {"SD_LOCK_TIMEOUT": "5"}).exit_code == 0


def test_the_holder_of_a_lock_sees_since_when_of_their_own_session(team):
    wang = team["wang"]
    holder = open_transaction(wang[1], "reporting-script")
    try:
        result = edit_as(wang[1], {"SD_LOCK_TIMEOUT": "0.5"})
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1, result
    assert f"{wang[0]} (reporting-script, process " in result.stderr
    assert "in a transaction since 20" in result.stderr and " UTC)" in result.stderr


def test_a_statement_that_runs_too_long_is_stopped(team):
    wang, boss = team["wang"], team["boss"]
    holder = open_transaction(wang[1], "psql")
    try:
        result = edit_as(boss[1], {"SD_LOCK_TIMEOUT": "30", "SD_STATEMENT_TIMEOUT": "1"})
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 1, result
    assert "stopped a statement of this command after 1 s (database.statement_timeout)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_write_sessions_carry_the_timeouts_and_the_name_sd(team, monkeypatch):
    from sqlalchemy import text

    from salesdiary.store.engine import dispose_all, engine_for
    from salesdiary.store.paths import resolve_target

    monkeypatch.setenv("SD_DATABASE_URL", team["wang"][1])
    monkeypatch.setenv("SD_LOCK_TIMEOUT", "7")
    dispose_all()
    with engine_for(resolve_target()).connect() as conn:
        got = conn.execute(
            text(
                "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'), "
                "current_setting('application_name')"
            )
        ).one()
    assert tuple(got) == ("7s", "1min", "sd")
    assert os.environ["SD_LOCK_TIMEOUT"] == "7"


def test_db_status_shows_the_timeouts_in_force(team, monkeypatch):
    monkeypatch.setenv("SD_DATABASE_URL", team["wang"][1])
    monkeypatch.setenv("SD_STATEMENT_TIMEOUT", "90")
    status = run_sd("db", "status", "--json")
    assert status.exit_code == 0 and (status.json()["lock_timeout"], status.json()["statement_timeout"]) == (10, 90)
    assert "10 s at most for a lock, 90 s for a statement" in run_sd("db", "status").stdout
