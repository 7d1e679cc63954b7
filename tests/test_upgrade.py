"""A journal written by the first schema opens with today's code, is upgraded after a backup, keeps every record.

The fixture tests/data/journal_v1.sqlite is made by tests/data/make_v1_journal.py from migration 0001 alone.
When the committed copy no longer has the schema migration 0001 makes (0001 regenerated before the first
release), a fresh one is built for the test; rerun the script to refresh the committed copy.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from salesdiary.store.version import SCHEMA_HEAD, SCHEMA_VERSION

DATA = Path(__file__).parent / "data"
COMMITTED = DATA / "journal_v1.sqlite"


def _builder():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("make_v1_journal", DATA / "make_v1_journal.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def schema(path: Path) -> list[tuple[str, str]]:
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        con.close()


def columns_of(path: Path) -> dict[str, list[str]]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: [r[1] for r in con.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        con.close()


def rows_by(path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        found = {}
        for table, names in columns.items():
            if table == "alembic_version" or table.startswith("sqlite_"):
                continue
            cols = ", ".join(f'"{c}"' for c in names)
            found[table] = sorted(con.execute(f"SELECT {cols} FROM {table}").fetchall(), key=repr)
        return found
    finally:
        con.close()


def _without(rows: dict[str, list[tuple]], table: str, column: int) -> dict[str, list[tuple]]:
    return {**rows, table: [r[:column] + r[column + 1 :] for r in rows[table]]}


@pytest.fixture
def v1_journal(isolated: Path) -> Path:
    """The v1 fixture, copied to be this test's journal (the committed one if it is still what 0001 makes)."""
    fresh = _builder().build(isolated / "fresh-v1.sqlite")
    source = COMMITTED if COMMITTED.exists() and schema(COMMITTED) == schema(fresh) else fresh
    journal = isolated / "journal.sqlite"
    shutil.copyfile(source, journal)
    journal.chmod(0o600)
    return journal


def test_the_fixture_is_a_first_schema_journal(v1_journal):
    con = sqlite3.connect(v1_journal)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_a_v1_journal_opens_is_upgraded_after_a_backup_and_keeps_every_record(sd, v1_journal, isolated):
    before_columns = columns_of(v1_journal)
    before = rows_by(v1_journal, before_columns)

    result = sd("account", "list", "--json")
    assert result.exit_code == 0, result.output
    assert {a["name"] for a in result.json()} == {"华东电网有限公司", "Contoso Manufacturing"}

    con = sqlite3.connect(v1_journal)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == SCHEMA_HEAD
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    after = rows_by(v1_journal, before_columns)
    key = before_columns["account"].index("name_key")  # recomputed by migration 0008: the fold of the name
    assert {r[1]: r[key] for r in after["account"]} == {
        "华东电网有限公司": "华东电网",
        "Contoso Manufacturing": "contosomanufacturing",
    }
    assert _without(after, "account", key) == _without(before, "account", key)  # every record, every other value

    if SCHEMA_VERSION > 1:
        copies = sorted((isolated / "backups").glob("journal-*-before-migration-v1.sqlite"))
        assert len(copies) == 1, list((isolated / "backups").iterdir())
        assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600
        assert rows_by(copies[0], before_columns) == before


def test_the_upgraded_journal_shows_its_records(sd, v1_journal):
    deal = sd("deal", "show", "调度", "--json").json()
    assert deal["amount"] == 2800000.0 and deal["next_step_date"] == "2026-11-28"
    assert {p["name"] for p in deal["contacts"]} == {"王建国", "李明"}
    assert [s["stage"] for s in deal["stage_history"]] == ["project_info", "project_confirmation", "customer_analysis"]
    visits = sd("visit", "list", "--json").json()
    assert {v["summary"] for v in visits} == {"讨论了汇聚层设计", "Intro call"}
    contact = sd("contact", "show", "李明", "--json").json()
    assert contact["coach"] in (True, 1) and contact["reports_to"] == "王建国"
    followups = sd("followup", "list", "--status", "all", "--json").json()
    assert len(followups) == 2
    assert sd("doctor").exit_code == 0


def test_history_written_by_v1_can_be_shown_undone_and_redone(sd, v1_journal, isolated):
    (isolated / "config.toml").write_text('[user]\nname = "rep"\n', encoding="utf-8")
    history = sd("history", "--json", "--all").json()
    assert len(history) == 25 and history[-1]["entity"] == "account"
    sd("account", "list")  # upgrade first, so the snapshot below is of the upgraded journal
    columns = columns_of(v1_journal)
    before = rows_by(v1_journal, columns)
    result = sd("undo")
    assert result.exit_code == 0, result.output
    assert sd("account", "list", "--json").json() == []
    assert sd("redo").exit_code == 0
    after = rows_by(v1_journal, columns)
    for table in before:
        if table not in ("changeset", "history"):
            assert after[table] == before[table], table


def test_every_shipped_migration_is_a_revision_this_sd_knows():
    """known_revisions is read from the migrations folder's file names (no alembic import): one per migration."""
    from salesdiary.store.version import known_revisions

    assert known_revisions() == {f"{n:04d}" for n in range(1, SCHEMA_VERSION + 1)}


def test_a_backup_of_the_first_schema_is_restored_and_then_upgraded(sd, v1_journal, isolated):
    saved = isolated / "saved-v1.sqlite"
    shutil.move(v1_journal, saved)
    assert sd("account", "list").exit_code == 0  # a journal of today's schema to restore over
    restored = sd("restore", str(saved), "--yes")
    assert restored.exit_code == 0, restored.output
    result = sd("account", "list", "--json")
    assert result.exit_code == 0, result.output
    assert {a["name"] for a in result.json()} == {"华东电网有限公司", "Contoso Manufacturing"}
    con = sqlite3.connect(v1_journal)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == SCHEMA_HEAD
    con.close()
