"""Build a journal of the first schema (alembic migration 0001, schema version 1) with a little of everything.

    .venv/bin/python tests/data/make_v1_journal.py [PATH]     # default: tests/data/journal_v1.sqlite

The schema comes from the committed migration 0001 alone (alembic upgrade to revision 0001), never from
today's models; the rows are plain SQL, written as sd 1 wrote them (UTC timestamps with microseconds, ISO
dates, booleans 0/1) together with their history, one changeset for the lot, so that `sd undo` on an
upgraded journal can be tried too. A NOT NULL column this script does not know gets a neutral value by
type, so the script keeps working if migration 0001 is regenerated before the first release.

tests/test_upgrade.py uses the committed copy when its schema is what migration 0001 makes, else builds a
fresh one (run this script to refresh the committed copy then).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

APPLICATION_ID = 0x53444A31
USER = "rep"
T = "2026-11-20 09:30:00.000000"  # how SQLAlchemy stores an aware UTC datetime in SQLite
T_JSON = "2026-11-20 09:30:00+00:00"  # how history records it

ROWS: list[tuple[str, dict]] = [
    ("account", dict(id=1, name="华东电网有限公司", name_key="华东电网", purchase_mode="group", source="relationships",
                     industry="电力", region="上海", info_stage="prospect", relation="B", tier="strategic",
                     lifecycle="growing", owner=USER, created_by=USER, reported_at=T, created_at=T, updated_at=T)),
    ("account", dict(id=2, name="Contoso Manufacturing", name_key="contoso manufacturing", purchase_mode="single",
                     source="exhibition", info_stage="qualified", relation="C", notes="Met at the Shanghai fair.\n展会",
                     owner=USER, created_by=USER, reported_at=T, created_at=T, updated_at=T)),
    ("contact", dict(id=1, account_id=1, name="王建国", title="副总经理", level="executive", role="decision_maker",
                     relationship="dating", stance="neutral", coach=0, style="driver", attitude="pragmatist",
                     birthday="03-02", created_at=T, updated_at=T)),
    ("contact", dict(id=2, account_id=1, name="李明", title="信息中心主任", level="management", role="influencer",
                     relationship="trusting", stance="supporter", coach=1, reports_to_id=1, phone="13800000000",
                     personal_notes="喜欢钓鱼", created_at=T, updated_at=T)),
    ("contact", dict(id=3, account_id=2, name="Priya Shah", title="IT director", email="priya@contoso.example",
                     coach=0, created_at=T, updated_at=T)),
    ("deal", dict(id=1, account_id=1, name="调度中心网络改造", amount=2800000.0, currency="CNY",
                  expected_close="2027-05-15", playbook="ten_step", stage="customer_analysis",
                  stage_entered_on="2026-11-10", status="open", competitors="锐捷", strategy="indirect",
                  next_step="提交技术标准建议书", next_step_date="2026-11-28", owner=USER, created_by=USER,
                  created_at=T, updated_at=T)),
    ("deal", dict(id=2, account_id=2, name="Plant segmentation", amount=800000.0, currency="USD", playbook="six_step",
                  stage="build_trust", stage_entered_on="2026-10-01", status="won", closed_on="2026-11-01",
                  owner=USER, created_by=USER, created_at=T, updated_at=T)),
    ("stage_history", dict(id=1, deal_id=1, playbook="ten_step", stage="project_info", entered_on="2026-10-01",
                           left_on="2026-10-20", forced=0)),
    ("stage_history", dict(id=2, deal_id=1, playbook="ten_step", stage="project_confirmation",
                           entered_on="2026-10-20", left_on="2026-11-10", forced=1, reason="budget approved early")),
    ("stage_history", dict(id=3, deal_id=1, playbook="ten_step", stage="customer_analysis", entered_on="2026-11-10",
                           forced=0)),
    ("stage_history", dict(id=4, deal_id=2, playbook="six_step", stage="build_trust", entered_on="2026-10-01",
                           left_on="2026-11-01", forced=0)),
    ("deal_contact", dict(deal_id=1, contact_id=1, role="decision_maker", stance="neutral")),
    ("deal_contact", dict(deal_id=1, contact_id=2, role="influencer", stance="supporter")),
    ("deal_marker", dict(deal_id=1, stage="project_info", marker="customer_name", checked_on="2026-10-02")),
    ("deal_marker", dict(deal_id=1, stage="project_confirmation", marker="budget", checked_on="2026-10-21")),
    ("deal_evaluation", dict(deal_id=1, question="q01", answer="yes", note="预算已批", answered_on="2026-11-12")),
    ("deal_evaluation", dict(deal_id=1, question="q02", answer="partly", answered_on="2026-11-12")),
    ("receivable", dict(id=1, deal_id=2, amount=400000.0, due="2026-12-01", paid_amount=100000.0,
                        paid_on="2026-11-15", note="首付款", owner=USER, created_by=USER, created_at=T, updated_at=T)),
    ("visit", dict(id=1, account_id=1, deal_id=1, date="2026-11-12", kind="tech_exchange", purpose="汇聚层设计",
                   summary="讨论了汇聚层设计", feedback="担心割接风险", next_step="提交割接方案",
                   follow_up_date="2026-11-28", assist=0, owner=USER, created_by=USER, created_at=T, updated_at=T)),
    ("visit", dict(id=2, account_id=2, date="2026-11-18", kind="call", summary="Intro call", assist=1, owner=USER,
                   created_by=USER, created_at=T, updated_at=T)),
    ("visit_contact", dict(visit_id=1, contact_id=1)),
    ("visit_contact", dict(visit_id=1, contact_id=2)),
    ("visit_contact", dict(visit_id=2, contact_id=3)),
    ("followup", dict(id=1, account_id=1, deal_id=1, contact_id=2, visit_id=1, due="2026-11-28",
                      action="提交割接方案", kind="todo", owner=USER, created_by=USER, created_at=T, updated_at=T)),
    ("followup", dict(id=2, account_id=2, due="2026-11-20", action="Send the brochure", kind="call",
                      done_on="2026-11-19", owner=USER, created_by=USER, created_at=T, updated_at=T)),
]  # fmt: skip


def _neutral(declared: str) -> object:
    kind = declared.upper()
    if "INT" in kind or "BOOL" in kind:
        return 0
    if "FLOAT" in kind or "REAL" in kind or "NUMERIC" in kind:
        return 0.0
    if "DATETIME" in kind or "TIMESTAMP" in kind:
        return T
    if "DATE" in kind:
        return "2026-01-01"
    return ""


def _key(con: sqlite3.Connection, table: str, values: dict) -> str:
    pk = [r[1] for r in sorted(con.execute(f"PRAGMA table_info({table})"), key=lambda r: r[5]) if r[5]]
    return "/".join(str(values[name]) for name in pk)


def _history_value(value: object) -> object:
    return T_JSON if value == T else value


def build(path: Path) -> Path:
    from alembic import command
    from sqlalchemy import create_engine

    from salesdiary.store.migrate import alembic_config

    path = Path(path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
    engine.dispose()

    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute(
        "INSERT INTO changeset (id, at, command, user, undone_by) VALUES (1, ?, ?, ?, NULL)",
        (T, "sd import all journal-v1.json", USER),
    )
    for seq, (table, values) in enumerate(ROWS, start=1):
        columns = {r[1]: r for r in con.execute(f"PRAGMA table_info({table})")}
        row = {k: v for k, v in values.items() if k in columns}
        for name, (_cid, _name, declared, notnull, default, pk) in columns.items():
            if name not in row and notnull and default is None and not pk:
                row[name] = _neutral(declared)
        names = ", ".join(f'"{n}"' for n in row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))
        changes = {k: [None, _history_value(v)] for k, v in row.items() if v is not None}
        con.execute(
            "INSERT INTO history (changeset_id, seq, entity, entity_id, action, changes) VALUES (1, ?, ?, ?, ?, ?)",
            (seq, table, _key(con, table, row), "insert", json.dumps(changes, ensure_ascii=False, sort_keys=True)),
        )
    con.execute("PRAGMA user_version = 1")
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.commit()
    con.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
    con.execute("VACUUM")
    con.close()
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("journal_v1.sqlite")
    print(build(target))
