"""The figures the database keeps itself (each account's visits, each deal's last visit, each stage's markers)
follow every change to the records they come from, however it is made."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from salesdiary.store.connection import SqliteReader, connect_sqlite
from salesdiary.store.reads.kept_figures import disagreements


def agree(path: Path) -> None:
    reader = SqliteReader(connect_sqlite(str(path)))
    try:
        assert disagreements(reader) == dict.fromkeys(disagreements(reader), 0)
    finally:
        reader.close()


def one(con: sqlite3.Connection, sql: str, *params: object) -> object:
    row = con.execute(sql, params).fetchone()
    return row[0] if row else None


@pytest.fixture
def con(demo, isolated):  # noqa: ANN001, ANN201
    path = isolated / "journal.sqlite"
    agree(path)  # the demo's writes
    con = connect_sqlite(str(path))
    yield con
    con.close()
    agree(path)


def visits_of(con: sqlite3.Connection, account: int) -> int:
    return int(one(con, "SELECT visits FROM account_visits WHERE account_id = ?", account))  # type: ignore[arg-type]


def last_visit(con: sqlite3.Connection, deal: int) -> object:
    return one(con, "SELECT last_visit_on FROM deal_last_visit WHERE deal_id = ?", deal)


def add_visit(con: sqlite3.Connection, account: int, deal: int | None, date: str) -> int:
    cur = con.execute(
        "INSERT INTO visit (account_id, deal_id, date, kind, assist, owner, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, 'visit', 0, 'me', 'me', '2026-11-25', '2026-11-25')",
        (account, deal, date),
    )
    return int(cur.lastrowid)  # type: ignore[arg-type]


def test_visits_added_moved_and_removed(con, isolated):
    deal, account = con.execute("SELECT id, account_id FROM deal ORDER BY id LIMIT 1").fetchone()
    other_deal = add_deal(con, account)
    before = visits_of(con, account)
    about_deal = add_visit(con, account, deal, "2030-01-05")
    assert visits_of(con, account) == before + 1
    assert last_visit(con, deal) == "2030-01-05" and last_visit(con, other_deal) != "2030-01-05"
    about_nothing = add_visit(con, account, None, "2030-02-01")  # counts for every deal of the account
    assert last_visit(con, deal) == last_visit(con, other_deal) == "2030-02-01"
    con.execute("UPDATE visit SET date = '2029-01-01' WHERE id = ?", (about_nothing,))
    assert last_visit(con, deal) == "2030-01-05"
    con.execute("UPDATE visit SET deal_id = ? WHERE id = ?", (other_deal, about_deal))
    assert last_visit(con, other_deal) == "2030-01-05" and last_visit(con, deal) != "2030-01-05"
    elsewhere = one(con, "SELECT id FROM account WHERE id <> ? ORDER BY id LIMIT 1", account)
    moved_from = visits_of(con, account)
    con.execute("UPDATE visit SET account_id = ?, deal_id = NULL WHERE id = ?", (elsewhere, about_deal))
    assert visits_of(con, account) == moved_from - 1
    con.execute("DELETE FROM visit WHERE id = ?", (about_nothing,))
    assert visits_of(con, account) == before
    con.commit()
    agree(isolated / "journal.sqlite")


def add_deal(con: sqlite3.Connection, account: int) -> int:
    cur = con.execute(
        "INSERT INTO deal (account_id, name, currency, playbook, stage, stage_entered_on, status, owner, created_by,"
        " created_at, updated_at) VALUES (?, 'Kept figures', 'CNY', 'ten_step', 'project_info', '2026-11-25', 'open',"
        " 'me', 'me', '2026-11-25', '2026-11-25')",
        (account,),
    )
    return int(cur.lastrowid)  # type: ignore[arg-type]


def test_deals_added_moved_and_removed(con, isolated):
    account = one(con, "SELECT id FROM account ORDER BY id LIMIT 1")
    add_visit(con, account, None, "2030-03-03")  # type: ignore[arg-type]
    deal = add_deal(con, account)  # type: ignore[arg-type]
    assert last_visit(con, deal) == "2030-03-03"  # the account's visits about no deal
    own = add_visit(con, account, deal, "2030-04-04")  # type: ignore[arg-type]
    elsewhere = one(con, "SELECT id FROM account WHERE id <> ? ORDER BY id DESC LIMIT 1", account)
    con.execute("UPDATE deal SET account_id = ? WHERE id = ?", (elsewhere, deal))
    assert last_visit(con, deal) == one(
        con, "SELECT MAX(date) FROM visit WHERE account_id = ? AND (deal_id = ? OR deal_id IS NULL)", elsewhere, deal
    )
    con.execute("UPDATE deal SET account_id = ? WHERE id = ?", (account, deal))
    sibling = add_deal(con, account)  # type: ignore[arg-type]
    assert last_visit(con, sibling) == "2030-03-03"
    con.execute("DELETE FROM deal WHERE id = ?", (deal,))  # its visit is now about no deal: the sibling's too
    assert one(con, "SELECT deal_id FROM visit WHERE id = ?", own) is None
    assert last_visit(con, sibling) == "2030-04-04"
    assert one(con, "SELECT COUNT(*) FROM deal_last_visit WHERE deal_id = ?", deal) == 0
    con.commit()
    agree(isolated / "journal.sqlite")


def test_accounts_added_and_removed(con, isolated):
    cur = con.execute(
        "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
        " VALUES ('Kept Co', 'kept co', 'lead', 'me', 'me', '2026-11-25', '2026-11-25', '2026-11-25')"
    )
    account = int(cur.lastrowid)  # type: ignore[arg-type]
    assert visits_of(con, account) == 0
    add_visit(con, account, None, "2026-11-20")
    assert visits_of(con, account) == 1
    con.execute("DELETE FROM account WHERE id = ?", (account,))
    assert one(con, "SELECT COUNT(*) FROM account_visits WHERE account_id = ?", account) == 0
    con.commit()
    agree(isolated / "journal.sqlite")


def test_markers_checked_unchecked_and_new_stages(con, isolated):
    deal, stage = con.execute("SELECT deal_id, stage FROM stage_history ORDER BY id LIMIT 1").fetchone()

    def markers() -> set[object]:
        return {
            r[0]
            for r in con.execute("SELECT markers FROM stage_history WHERE deal_id = ? AND stage = ?", (deal, stage))
        }

    con.execute("DELETE FROM deal_marker WHERE deal_id = ? AND stage = ?", (deal, stage))
    assert markers() == {","}
    for key in ("zeta", "alpha"):
        con.execute("INSERT INTO deal_marker VALUES (?, ?, ?, '2026-11-25')", (deal, stage, key))
    assert markers() == {",alpha,zeta,"}  # sorted, whatever the order they were checked in
    con.execute(
        "UPDATE deal_marker SET marker = 'beta' WHERE deal_id = ? AND stage = ? AND marker = 'zeta'", (deal, stage)
    )
    assert markers() == {",alpha,beta,"}
    con.execute("DELETE FROM deal_marker WHERE deal_id = ? AND stage = ? AND marker = 'alpha'", (deal, stage))
    assert markers() == {",beta,"}
    # a stage entered again: its new history row starts with the markers already checked in it
    con.execute(
        "INSERT INTO stage_history (deal_id, playbook, stage, entered_on, forced, markers)"
        " SELECT deal_id, playbook, stage, '2026-11-25', 0, ',made up,' FROM stage_history"
        " WHERE deal_id = ? AND stage = ? LIMIT 1",
        (deal, stage),
    )
    assert markers() == {",beta,"}
    con.execute("UPDATE stage_history SET markers = 'wrong' WHERE deal_id = ?", (deal,))  # a write cannot set them
    agree_now = one(con, "SELECT COUNT(*) FROM stage_history WHERE deal_id = ? AND markers = 'wrong'", deal)
    assert agree_now == 0
    con.commit()
    agree(isolated / "journal.sqlite")


def test_commands_undo_and_a_restore_keep_them(sd, demo, isolated, tmp_path):
    path = isolated / "journal.sqlite"
    assert sd("visit", "add", "--account", "1", "--summary", "kept", "--date", "2026-11-24").exit_code == 0
    agree(path)
    assert sd("undo").exit_code == 0
    agree(path)
    assert sd("redo").exit_code == 0
    agree(path)
    assert sd("deal", "rm", "1").exit_code == 0  # its stage history and markers go; its visits stay, about no deal
    agree(path)
    assert sd("undo").exit_code == 0
    agree(path)
    changes = [h["changes"] for h in sd("history", "--json", "--limit", "200").json()]
    assert changes and not any("markers" in c for c in changes)  # what the database computes is not history
    dump = tmp_path / "all.json"
    assert sd("export", "all", "-o", str(dump)).exit_code == 0
    fresh = tmp_path / "restored.sqlite"
    restored = sd("--db", str(fresh), "import", "all", str(dump))
    assert restored.exit_code == 0, restored.output
    agree(fresh)
    figures = "SELECT * FROM account_visits ORDER BY 1", "SELECT * FROM deal_last_visit ORDER BY 1"
    with sqlite3.connect(path) as a, sqlite3.connect(fresh) as b:
        for sql in figures:
            assert a.execute(sql).fetchall() == b.execute(sql).fetchall()


def test_doctor_finds_figures_changed_behind_sds_back(sd, demo, isolated):
    path = isolated / "journal.sqlite"
    assert sd("doctor").exit_code == 0
    with sqlite3.connect(path) as con:
        con.execute("UPDATE account_visits SET visits = visits + 5 WHERE account_id = 1")
    result = sd("doctor")
    assert result.exit_code == 1 and "1 figures disagree with the records (visits per account)" in result.output
    with sqlite3.connect(path) as con:
        con.execute("UPDATE account_visits SET visits = visits - 5 WHERE account_id = 1")
        con.execute("DROP TRIGGER sd_visit_added")
    result = sd("doctor")
    assert result.exit_code == 1 and "triggers that keep them" in result.output


def test_an_export_of_an_older_schema_is_restored(sd, demo, tmp_path):
    import json

    dump = tmp_path / "all.json"
    assert sd("export", "all", "-o", str(dump)).exit_code == 0
    data = json.loads(dump.read_text(encoding="utf-8"))
    data["schema_version"] = 4  # the exported tables and columns are the same
    dump.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    fresh = tmp_path / "restored.sqlite"
    assert sd("--db", str(fresh), "import", "all", str(dump)).exit_code == 0
    agree(fresh)
