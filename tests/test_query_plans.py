"""Read queries use indexes: none reads the whole visit or followup table (not timed).

Each list/show/report query runs against a journal made by bench/generate.py
through a reader that records every statement; `EXPLAIN QUERY PLAN` of each
must not show a full scan of `visit` or `followup`. A plan that walks an index
in order (`SCAN v USING INDEX ix_visit_date` under ORDER BY … LIMIT) is fine:
it stops after the rows shown. The one full pass allowed is the unfiltered
`count(*)` a list prints as "50 of N" (it counts the smallest index).

SQLite plans from the schema, not from row counts (sd never runs ANALYZE), so
a journal a fiftieth of the benchmark's large one gives the same plans.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from conftest import load_generator

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ("visit", "followup")
PLAN_COUNTS = dict(accounts=200, contacts=600, deals=400, visits=4_000, followups=1_000)


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import datetime as dt

    path = tmp_path_factory.mktemp("plans") / "plans.sqlite"
    load_generator().generate("plans", path, today=dt.date(2026, 11, 25), counts=PLAN_COUNTS)
    return path


class RecordingReader:
    """A SqliteReader that remembers every statement it ran, with its parameters."""

    dialect = "sqlite"

    def __init__(self, con: sqlite3.Connection) -> None:
        from salesdiary.store.connection import SqliteReader

        self.inner = SqliteReader(con)
        self.statements: list[tuple[str, dict[str, Any]]] = []

    def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return list(self.stream(sql, params))

    def stream(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        self.statements.append((sql, dict(params or {})))
        return self.inner.stream(sql, params)

    def tuples(self, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        self.statements.append((sql, dict(params or {})))
        return self.inner.tuples(sql, params)


def _facts(con: sqlite3.Connection) -> dict[str, Any]:
    def one(sql: str) -> Any:
        return con.execute(sql).fetchone()[0]

    return {
        "account": one("SELECT account_id FROM visit GROUP BY account_id ORDER BY count(*) DESC LIMIT 1"),
        "deal": one(
            "SELECT deal_id FROM visit WHERE deal_id IS NOT NULL GROUP BY deal_id ORDER BY count(*) DESC LIMIT 1"
        ),
        "contact": one("SELECT contact_id FROM visit_contact GROUP BY contact_id ORDER BY count(*) DESC LIMIT 1"),
        "visit": one("SELECT max(id) FROM visit"),
        "followup": one("SELECT max(id) FROM followup WHERE done_on IS NULL"),
        "account_name": one("SELECT name FROM account ORDER BY id LIMIT 1"),
    }


def _reads_calls() -> dict[str, Callable[[Any, dict[str, Any]], Any]]:
    """What the list and show commands ask of store/reads/record_reads.py, with their usual filters."""
    from salesdiary.store.reads import record_reads
    from salesdiary.store.reads.record_reads import ListQuery as Q

    return {
        "account list": lambda r, f: record_reads.list_accounts(r, Q()),
        "account list SEARCH": lambda r, f: record_reads.list_accounts(r, Q(search="华")),
        "account show": lambda r, f: (
            record_reads.one(r, "account", f["account"]),
            record_reads.list_contacts(r, Q(account_id=f["account"], limit=None)),
            record_reads.list_deals(r, Q(account_id=f["account"], status="all", limit=None)),
            record_reads.list_visits(r, Q(account_id=f["account"], limit=5)),
            record_reads.list_followups(r, Q(account_id=f["account"], limit=None)),
        ),
        "account NAME (resolve)": lambda r, f: record_reads.resolve(r, "account", f["account_name"]),
        "contact list": lambda r, f: record_reads.list_contacts(r, Q()),
        "contact show": lambda r, f: (
            record_reads.one(r, "contact", f["contact"]),
            record_reads.list_visits(r, Q(contact_id=f["contact"], limit=5)),
        ),
        "deal list": lambda r, f: record_reads.list_deals(r, Q(status="open")),
        "deal list --status all": lambda r, f: record_reads.list_deals(r, Q(status="all")),
        "deal show": lambda r, f: (
            record_reads.one(r, "deal", f["deal"]),
            record_reads.deal_contacts(r, f["deal"]),
            record_reads.stage_history(r, f["deal"]),
            record_reads.list_visits(r, Q(deal_id=f["deal"], limit=5)),
        ),
        "visit list": lambda r, f: record_reads.list_visits(r, Q()),
        "visit list --since --until": lambda r, f: record_reads.list_visits(
            r, Q(since="2026-10-01", until="2026-11-25")
        ),
        "visit list --account": lambda r, f: record_reads.list_visits(r, Q(account_id=f["account"])),
        "visit list --deal": lambda r, f: record_reads.list_visits(r, Q(deal_id=f["deal"])),
        "visit list --contact": lambda r, f: record_reads.list_visits(r, Q(contact_id=f["contact"])),
        "visit show": lambda r, f: record_reads.one(r, "visit", f["visit"]),
        "followup list": lambda r, f: record_reads.list_followups(r, Q()),
        "followup list --until": lambda r, f: record_reads.list_followups(r, Q(until="2026-11-30")),
        "followup list --account": lambda r, f: record_reads.list_followups(r, Q(account_id=f["account"])),
        "followup list --deal": lambda r, f: record_reads.list_followups(r, Q(deal_id=f["deal"])),
        "followup show": lambda r, f: record_reads.one(r, "followup", f["followup"]),
    }


def _watched_names(sql: str) -> set[str]:
    """The names `visit` and `followup` go by in SQL: the table names and their aliases."""
    names = set(WATCHED)
    keywords = {"on", "where", "join", "left", "inner", "order", "group", "limit", "as", "using", "union", "and"}
    for match in re.finditer(r"\b(?:FROM|JOIN)\s+(visit|followup)\b(?:\s+(?:AS\s+)?(\w+))?", sql, re.IGNORECASE):
        alias = match.group(2)
        if alias and alias.lower() not in keywords:
            names.add(alias)
    return names


def _is_plain_total(sql: str) -> bool:
    """`SELECT count(*) … FROM visit v` with no condition: the total a list shows."""
    text = " ".join(sql.split()).lower()
    return text.startswith("select count(*)") and " where " not in text


def full_scans(con: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[str]:
    names = _watched_names(sql)
    found = []
    for row in con.execute("EXPLAIN QUERY PLAN " + sql, params):
        detail = str(row[3])
        match = re.match(r"SCAN (\w+)(.*)", detail)
        if not match or match.group(1) not in names:
            continue
        rest = match.group(2)
        if "USING" not in rest or ("COVERING INDEX" in rest and not _is_plain_total(sql)):
            found.append(detail)
    return found


def _check(journal: Path, call: Callable[[Any, dict[str, Any]], Any]) -> tuple[list[str], int]:
    from salesdiary.store.connection import connect_sqlite

    con = connect_sqlite(str(journal))
    try:
        reader = RecordingReader(con)
        call(reader, _facts(con))
        problems = [
            f"{detail}\n    in: {' '.join(sql.split())}"
            for sql, params in reader.statements
            for detail in full_scans(con, sql, params)
        ]
        return problems, len(reader.statements)
    finally:
        con.close()


@pytest.mark.parametrize("name", list(_reads_calls()))
def test_list_and_show_queries_do_not_scan_visits_or_followups(journal: Path, name: str) -> None:
    problems, ran = _check(journal, _reads_calls()[name])
    assert ran, f"{name} ran no query"
    assert not problems, f"{name}: full scan of visit/followup:\n" + "\n".join(problems)


# Report and list commands as a rep types them; {account} and {deal} are filled from the journal.
COMMANDS = [
    ["due"],
    ["due", "--days", "30"],
    ["today"],
    ["funnel"],
    ["funnel", "--playbook", "six_step"],
    ["check"],
    ["map", "{account}"],
    ["report", "week"],
    ["report", "month"],
    ["receivable", "list"],
    ["account", "list"],
    ["account", "show", "{account}"],
    ["deal", "list"],
    ["deal", "show", "{deal}"],
    ["visit", "list"],
    ["followup", "list"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_report_and_list_commands_do_not_scan_visits_or_followups(
    journal: Path, argv: list[str], sd: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement the command runs, recorded from the reader it opens, is checked."""
    from salesdiary.store import connection

    con = sqlite3.connect(journal)
    facts = _facts(con)
    names = {"account": con.execute("SELECT name FROM account WHERE id = ?", (facts["account"],)).fetchone()[0]}
    con.close()
    names["deal"] = str(facts["deal"])
    statements: list[tuple[str, dict[str, Any]]] = []
    stream, tuples = connection.SqliteReader.stream, connection.SqliteReader.tuples

    def recording(self: Any, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        statements.append((sql, dict(params or {})))
        return stream(self, sql, params)

    def recording_tuples(self: Any, sql: str, params: Mapping[str, Any] | None = None) -> Iterator[tuple[Any, ...]]:
        statements.append((sql, dict(params or {})))
        return tuples(self, sql, params)

    monkeypatch.setattr(connection.SqliteReader, "stream", recording)
    monkeypatch.setattr(connection.SqliteReader, "tuples", recording_tuples)
    monkeypatch.setenv("SD_DB", str(journal))
    result = sd(*[a.format(**names) for a in argv], "--json")
    if result.exit_code == 2 and "No such command" in result.stderr:
        pytest.skip(f"sd {argv[0]} is not there yet")
    assert result.exit_code in (0, 1), result.output  # 1: `sd check` with findings
    assert statements, "the command ran no query through the reader"
    plan = sqlite3.connect(journal)
    try:
        problems = [f"{d}\n    in: {' '.join(sql.split())}" for sql, p in statements for d in full_scans(plan, sql, p)]
    finally:
        plan.close()
    assert not problems, f"sd {' '.join(argv)}: full scan of visit/followup:\n" + "\n".join(problems)


def test_the_check_sees_a_full_scan(journal: Path) -> None:
    """The rule itself: a query that must read every visit is caught, an indexed one is not."""
    con = sqlite3.connect(journal)
    try:
        assert full_scans(con, "SELECT * FROM visit v WHERE v.summary LIKE :s", {"s": "%x%"}) == ["SCAN v"]
        assert full_scans(con, "SELECT count(*) FROM followup f WHERE f.action = 'x'", {})
        assert not full_scans(con, "SELECT * FROM visit v WHERE v.account_id = :a", {"a": 1})
        assert not full_scans(con, "SELECT count(*) AS n FROM visit v", {})
    finally:
        con.close()
