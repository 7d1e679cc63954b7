"""Two `sd undo` (or `sd redo`) at the same moment (issue 25): they run one after the other, so each reverses a
different command; never the same command twice.

To make the two meet for certain, the test holds a lock both need (SQLite: the journal's write lock; PostgreSQL:
the rows of the accounts, as another session would), starts both, waits until both are waiting, then lets go.
The PostgreSQL tests need SD_TEST_DATABASE_URL (tests/pgtools.py). Every wait is bounded.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

import pgtools
from conftest import SD_BIN, run_sd


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(SD_BIN), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}
    )


def finish(procs: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        done.append((proc.returncode, out, err))
    return done


def until(condition, what: str, seconds: float = 30) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.05)


def names(accounts: list[dict]) -> list[str]:
    return sorted(a["name"] for a in accounts)


# SQLite ---------------------------------------------------------------------------------------------------------


def has_open(pid: int, path: Path) -> bool:
    """Whether process PID has the file PATH open (it has reached the journal)."""
    try:
        return any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc to see that sd has opened the journal")
def test_two_undos_at_once_on_sqlite_undo_two_different_commands(sd, isolated):
    journal = (isolated / "journal.sqlite").resolve()
    assert sd("account", "add", "甲公司").exit_code == 0
    assert sd("account", "add", "乙公司").exit_code == 0
    holder = sqlite3.connect(journal, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        procs = [start(["undo"], {"SD_LOCK_TIMEOUT": "30"}) for _ in range(2)]
        until(lambda: all(has_open(p.pid, journal) for p in procs), "both sd undo open the journal")
        time.sleep(0.3)  # both are at BEGIN IMMEDIATE, waiting for the lock
    finally:
        holder.rollback()
        holder.close()
    results = finish(procs)
    assert [code for code, _out, _err in results] == [0, 0], results
    said = [out + err for _code, out, err in results]  # "Undone: “sd account add …”" (on stderr)
    assert sorted("甲公司" in s for s in said) == [False, True] and sorted("乙公司" in s for s in said) == [False, True]
    assert sd("account", "list", "--json").json() == []


# PostgreSQL -----------------------------------------------------------------------------------------------------


@pytest.fixture
def wang(monkeypatch):  # noqa: ANN001, ANN201
    """A schema made by `sd db upgrade` and a rep, wang, who added two accounts in two commands:
    (wang's URL, the owner's URL)."""
    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert run_sd("db", "upgrade").exit_code == 0
        name, password = pgtools.make_role("sd_rep", "wang")
        try:
            rep = pgtools.with_login(pgtools.base_url(), name, password, schema)
            monkeypatch.setenv("SD_DATABASE_URL", rep)
            assert run_sd("account", "add", "甲公司").exit_code == 0
            assert run_sd("account", "add", "乙公司").exit_code == 0
            yield rep, url, name
        finally:
            pgtools.drop_roles([name])


def waiting_on_locks(role: str) -> int:
    """How many sessions of ROLE wait for a lock."""
    with pgtools.admin() as con:
        return con.execute(  # (pg_locks: pg_stat_activity hides another role's wait events)
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.usename = %s",
            (role,),
        ).fetchone()[0]


def both_at_once(command: str, rep: str, owner: str, role: str) -> list[tuple[int, str, str]]:
    """Two `sd COMMAND` as the rep, started while another session holds the rows of the accounts and of history;
    released once both wait (for those rows, or for each other)."""
    import psycopg

    holder = psycopg.connect(pgtools.libpq(owner))
    holder.execute("SELECT id FROM account FOR UPDATE")  # what an undo of an add deletes
    holder.execute("SELECT id FROM changeset FOR UPDATE")  # what every undo and redo marks at its end
    try:
        procs = [start([command], {"SD_DATABASE_URL": rep, "SD_LOCK_TIMEOUT": "30"}) for _ in range(2)]
        until(lambda: waiting_on_locks(role) == 2, f"both sd {command} wait")
    finally:
        holder.rollback()
        holder.close()
    return finish(procs)


def test_two_undos_at_once_on_postgresql_undo_two_different_commands(wang, monkeypatch):
    rep, owner, role = wang
    results = both_at_once("undo", rep, owner, role)
    assert [code for code, _out, _err in results] == [0, 0], results
    monkeypatch.setenv("SD_DATABASE_URL", rep)
    assert run_sd("account", "list", "--json").json() == []  # both commands undone, not the last one twice
    history = run_sd("history", "--json").json()
    assert len(history) == 4, history  # two adds, two undos: no undo recorded twice
    # and the undo chain still works: two redos at once put back both commands
    results = both_at_once("redo", rep, owner, role)
    assert [code for code, _out, _err in results] == [0, 0], results
    assert names(run_sd("account", "list", "--json").json()) == ["乙公司", "甲公司"]
    assert run_sd("undo").exit_code == 0
    assert names(run_sd("account", "list", "--json").json()) == ["甲公司"]


def test_an_undo_waiting_for_another_gives_up_after_the_lock_timeout_naming_it(wang):
    """A third undo cannot start while another of the same rep holds the undo lock for longer than lock_timeout."""
    import psycopg

    rep, owner, role = wang
    other = psycopg.connect(pgtools.libpq(rep), application_name="sd")
    other.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_user))", (0x53445544,))
    try:
        proc = start(["undo"], {"SD_DATABASE_URL": rep, "SD_LOCK_TIMEOUT": "1"})
        [(code, _out, err)] = finish([proc])
    finally:
        other.rollback()
        other.close()
    assert code == 1, err
    assert "Waited 1 s (database.lock_timeout) for a lock held by" in err and f"{role} (sd, process " in err
    assert len(err.strip().splitlines()) == 1
