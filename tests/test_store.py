"""The journal file: private, WAL, foreign keys, schema version, history of every write, upgrades, refusals."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query


def journal_path(isolated: Path) -> Path:
    return isolated / "journal.sqlite"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_journal_is_private(sd, isolated, monkeypatch):
    path = isolated / "new" / "deeper" / "journal.sqlite"
    monkeypatch.setenv("SD_DB", str(path))
    old_umask = os.umask(0o022)  # a usual umask would make files readable by everyone
    try:
        result = sd("account", "add", "Acme")
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if extra.exists():
            assert mode(extra) & 0o077 == 0, extra


def test_db_option_and_environment_pick_the_file(sd, isolated, monkeypatch):
    other = isolated / "other.sqlite"
    assert sd("--db", str(other), "account", "add", "Elsewhere").exit_code == 0
    assert sd("account", "add", "Default").exit_code == 0
    assert query(other, "SELECT name FROM account") == [("Elsewhere",)]
    assert query(journal_path(isolated), "SELECT name FROM account") == [("Default",)]
    assert [r["name"] for r in sd("account", "list", "--db", str(other), "--json").json()] == ["Elsewhere"]
    monkeypatch.setenv("SD_DATABASE_URL", f"sqlite:///{other}")
    assert [r["name"] for r in sd("account", "list", "--json").json()] == ["Elsewhere"]


@pytest.mark.parametrize("where", ["/proc/no-such-process/journal.sqlite", "/dev/null/journal.sqlite"])
def test_a_journal_that_cannot_be_created_is_one_clear_error(sd, where):
    result = sd("--db", where, "account", "add", "Acme")
    assert result.exit_code == 1
    assert result.stderr.startswith("sd: error: Cannot create the journal") and result.stderr.count("\n") == 1


def test_a_journal_in_a_folder_whose_name_is_not_utf8(sd, isolated):
    """A folder named in GBK on a UTF-8 system: sys.argv carries its bytes as surrogate escapes."""
    folder = isolated / os.fsdecode("客户资料".encode("gbk"))
    path = str(folder / "journal.sqlite")
    assert sd("--db", path, "account", "add", "Acme").exit_code == 0
    assert [r["name"] for r in sd("--db", path, "account", "list", "--json").json()] == ["Acme"]
    assert (folder / "journal.sqlite").exists()
    [(command,)] = query(folder / "journal.sqlite", "SELECT command FROM changeset")
    assert command.startswith("sd --db ") and command.endswith(" account add Acme")
    assert "\\xbf" in command  # the first byte of 客 in GBK, shown as an escape


def test_wal_foreign_keys_busy_timeout_and_schema_version(sd, isolated):
    from salesdiary.store.connection import open_reader
    from salesdiary.store.paths import Target
    from salesdiary.store.tx import run_write
    from salesdiary.store.version import APPLICATION_ID, SCHEMA_VERSION

    assert sd("account", "add", "Acme").exit_code == 0
    path = journal_path(isolated)
    assert query(path, "PRAGMA journal_mode") == [("wal",)]
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert query(path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    reader = open_reader(Target(path=path))
    assert reader.rows("PRAGMA foreign_keys") == [{"foreign_keys": 1}]
    assert reader.rows("PRAGMA busy_timeout")[0]["timeout"] >= 5000
    in_write = run_write(Target(path=path), lambda tx: tx.reader.rows("PRAGMA foreign_keys"))
    assert in_write == [{"foreign_keys": 1}]


def test_migrations_give_exactly_the_schema_of_the_models(sd, isolated):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import salesdiary.store.models  # noqa: F401
    from salesdiary.store.version import SCHEMA_HEAD

    assert sd("account", "list").exit_code == 0  # creates and migrates the journal
    engine = create_engine(f"sqlite:///{journal_path(isolated)}")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
            assert context.get_current_revision() == SCHEMA_HEAD
    finally:
        engine.dispose()


def changesets(path: Path) -> list[tuple[int, str]]:
    return query(path, "SELECT id, command FROM changeset ORDER BY id")


def history(path: Path, changeset_id: int) -> list[tuple[str, str, str, dict]]:
    rows = query(path, "SELECT entity, entity_id, action, changes FROM history WHERE changeset_id = ? ORDER BY seq",
                 (changeset_id,))  # fmt: skip
    return [(e, i, a, json.loads(c)) for e, i, a, c in rows]


def test_every_write_is_one_changeset_with_old_and_new_values(sd, isolated):
    path = journal_path(isolated)
    writes = [
        (("account", "add", "Acme", "--region", "East"), {("account", "insert")}),
        (("account", "edit", "Acme", "--region", "West"), {("account", "update")}),
        (("contact", "add", "Li", "-A", "Acme"), {("contact", "insert")}),
        (("contact", "edit", "Li", "--coach"), {("contact", "update")}),
        (("deal", "add", "D", "-A", "Acme"), {("deal", "insert"), ("stage_history", "insert")}),
        (("deal", "edit", "D", "--stage", "2"), {("deal", "update"), ("stage_history", "update"),
                                                ("stage_history", "insert")}),
        (("visit", "add", "-A", "Acme", "-D", "D", "-C", "Li", "--next", "call", "--follow-up", "fri"),
         {("visit", "insert"), ("visit_contact", "insert"), ("deal_contact", "insert"), ("followup", "insert"),
          ("deal", "update")}),
        (("visit", "edit", "1", "--summary", "ok"), {("visit", "update")}),
        (("followup", "add", "Call", "-A", "Acme", "--due", "+3d"), {("followup", "insert")}),
        (("followup", "done", "1"), {("followup", "update")}),
        (("followup", "rm", "2"), {("followup", "delete")}),
        (("deal", "won", "D"), {("deal", "update"), ("stage_history", "update")}),
        (("visit", "rm", "1"), {("visit", "delete"), ("visit_contact", "delete"), ("followup", "update")}),
        (("deal", "rm", "D"), {("deal", "delete"), ("stage_history", "delete"), ("deal_contact", "delete"),
                               ("followup", "update")}),
        (("contact", "rm", "Li"), {("contact", "delete"), ("followup", "update")}),
        (("account", "rm", "Acme", "--force"), {("account", "delete"), ("followup", "delete")}),
    ]  # fmt: skip
    for number, (args, expected) in enumerate(writes, start=1):
        result = sd(*args)
        assert result.exit_code == 0, (args, result.output)
        sets = changesets(path)
        assert len(sets) == number, args  # exactly one changeset per command
        assert sets[-1][1] == "sd " + " ".join(args), sets[-1]
        assert {(e, a) for e, _i, a, _c in history(path, sets[-1][0])} == expected, args

    first = history(path, 1)
    assert first[0][:3] == ("account", "1", "insert")
    assert first[0][3]["name"] == [None, "Acme"] and first[0][3]["region"] == [None, "East"]
    edited = history(path, 2)
    assert edited[0][3]["region"] == ["East", "West"]
    assert "name" not in edited[0][3]  # only what changed
    removed = history(path, len(writes))
    account_row = [c for e, _i, a, c in removed if e == "account"][0]
    assert account_row["name"] == ["Acme", None] and account_row["region"] == ["West", None]


def test_a_failed_or_empty_write_records_nothing(sd, isolated):
    path = journal_path(isolated)
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("account", "add", "ACME Ltd").exit_code == 1
    assert sd("account", "edit", "Acme", "--name", "Acme").exit_code == 0  # nothing changed
    assert sd("followup", "add", "x", "-A", "Acme", "--due", "someday").exit_code == 2
    assert len(changesets(path)) == 1
    assert query(path, "SELECT count(*) FROM history") == [(1,)]


def test_an_older_journal_is_backed_up_then_upgraded(sd, isolated):
    path = journal_path(isolated)
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("contact", "add", "Li", "-A", "Acme").exit_code == 0
    from salesdiary.store.engine import dispose_all

    dispose_all()
    # what an sd from before the current schema left behind: the same tables, an older version
    query(path, "PRAGMA user_version = 0")
    result = sd("account", "list", "--json")
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in result.json()] == ["Acme"]
    from salesdiary.store.version import SCHEMA_VERSION

    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    backups = list((path.parent / "backups").glob("journal-*before-migration-v0*.sqlite"))
    assert len(backups) == 1, list(path.parent.iterdir())
    assert mode(backups[0]) == 0o600
    assert mode(backups[0].parent) == 0o700
    assert query(backups[0], "SELECT name FROM account") == [("Acme",)]
    assert query(backups[0], "SELECT name FROM contact") == [("Li",)]
    assert query(backups[0], "PRAGMA user_version") == [(0,)]
    # the upgrade happens once
    assert sd("account", "list").exit_code == 0
    assert len(list((path.parent / "backups").iterdir())) == 1


def test_a_fresh_journal_needs_no_backup(sd, isolated):
    assert sd("account", "add", "Acme").exit_code == 0
    assert not (isolated / "backups").exists()


@pytest.mark.parametrize("command", [("account", "list"), ("account", "add", "Acme")])
def test_a_sqlite_file_that_is_not_a_journal_is_refused(sd, isolated, command):
    path = journal_path(isolated)
    query(path, "CREATE TABLE recipes (name TEXT)")
    query(path, "INSERT INTO recipes VALUES ('dumplings')")
    before = path.read_bytes()
    result = sd(*command)
    assert result.exit_code == 1
    assert "not an sd journal" in result.stderr and str(path) in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert path.read_bytes() == before
    assert not (isolated / "backups").exists()


def test_a_file_that_is_not_sqlite_is_refused(sd, isolated):
    path = journal_path(isolated)
    path.write_text("these are my notes, not a database\n" * 100)
    result = sd("account", "list")
    assert result.exit_code == 1
    assert "not a journal sd can read" in result.stderr and "Traceback" not in result.output
    assert path.read_text().startswith("these are my notes")


@pytest.mark.parametrize("command", [("account", "list"), ("account", "add", "Acme")])
def test_a_journal_from_a_newer_sd_is_refused(sd, isolated, command):
    path = journal_path(isolated)
    assert sd("account", "add", "Old").exit_code == 0
    from salesdiary.store.engine import dispose_all

    dispose_all()
    query(path, "PRAGMA user_version = 99")
    result = sd(*command)
    assert result.exit_code == 1
    assert "newer sd" in result.stderr and "99" in result.stderr
    assert query(path, "PRAGMA user_version") == [(99,)]
    assert query(path, "SELECT name FROM account") == [("Old",)]


WRITER = """
import sys
from salesdiary.cli.app import main
sys.exit(max(main(["account", "add", f"Writer {sys.argv[1]} account {i}"]) for i in range(10)))
"""


def test_four_processes_writing_at_once_all_succeed(isolated):
    path = journal_path(isolated)
    env = {**os.environ, "SD_DB": str(path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(n)], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]  # fmt: skip
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for code, err in outcomes:
        assert code == 0, err
        assert "Traceback" not in err and "busy" not in err
    assert query(path, "SELECT count(*) FROM account") == [(40,)]
    assert query(path, "SELECT count(*) FROM changeset") == [(40,)]
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
