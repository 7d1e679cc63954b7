"""Export → import into an empty journal → export gives the same bytes, whatever the text holds."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesdiary.core import enums
from salesdiary.core.naming import account_key, fold
from salesdiary.core.tabular import Column
from salesdiary.render.writers import FORMULA_START, neutralise, write_csv

# Chinese, both kinds of comma, quotes, apostrophes, formula starters, separators and spaces.
LETTERS = "华为电网客户技术交流方案李明王总，。、“”‘’（）abcXYZ019,\"'=+-@;| "
TEXT = st.text(LETTERS, min_size=1, max_size=12).map(str.strip).filter(bool)
LONG = st.text(LETTERS + "\n", min_size=1, max_size=30).map(str.strip).filter(bool)
NAME = st.text(LETTERS.replace(";", ""), min_size=1, max_size=10).map(str.strip).filter(bool)
DATE = st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))
STAGES = (
    "project_info",
    "project_confirmation",
    "customer_analysis",
    "competitiveness",
    "initial_acceptance",
    "standards_set",
    "alliance_built",
    "tender_prepared",
    "bid_won",
    "order_payment",
)


def maybe(strategy):  # noqa: ANN001, ANN201
    return st.none() | strategy


def enum(vocab):  # noqa: ANN001, ANN201
    return maybe(st.sampled_from(vocab.keys))


ACCOUNT = st.fixed_dictionaries(
    {
        "purchase_mode": enum(enums.PURCHASE_MODE),
        "source": enum(enums.SOURCE),
        "industry": maybe(TEXT),
        "region": maybe(TEXT),
        "address": maybe(TEXT),
        "info_stage": st.sampled_from(enums.INFO_STAGE.keys),
        "relation": enum(enums.RELATION_GRADE),
        "tier": enum(enums.TIER),
        "lifecycle": enum(enums.LIFECYCLE),
        "owner": TEXT,
        "notes": maybe(LONG),
    }
)
CONTACT = st.fixed_dictionaries(
    {
        "title": maybe(TEXT),
        "department": maybe(TEXT),
        "level": enum(enums.LEVEL),
        "role": enum(enums.ROLE),
        "relationship": enum(enums.RELATIONSHIP),
        "stance": enum(enums.STANCE),
        "coach": st.booleans(),
        "style": enum(enums.STYLE),
        "attitude": enum(enums.ATTITUDE),
        "hometown": maybe(TEXT),
        "family": maybe(TEXT),
        "personal_notes": maybe(LONG),
        "notes": maybe(LONG),
        "boss": maybe(st.integers(0, 3)),
        "reach": st.sampled_from(["email", "phone", "none"]),
    }
)
DEAL = st.fixed_dictionaries(
    {
        "amount": maybe(st.integers(0, 10**11).map(lambda cents: cents / 100)),
        "currency": st.sampled_from(enums.CURRENCIES),
        "expected_close": maybe(DATE),
        "competitors": maybe(TEXT),
        "strategy": enum(enums.STRATEGY),
        "next_step": maybe(TEXT),
        "next_step_date": maybe(DATE),
        "owner": TEXT,
        "notes": maybe(LONG),
        "stage": st.sampled_from(STAGES),
        "status": st.sampled_from(enums.DEAL_STATUS.keys),
        "closed": DATE,
        "reason": maybe(TEXT),
        "external": st.booleans(),
    }
)
VISIT = st.fixed_dictionaries(
    {
        "date": DATE,
        "kind": st.sampled_from(enums.VISIT_KIND.keys),
        "purpose": maybe(LONG),
        "summary": LONG,
        "feedback": maybe(LONG),
        "next_step": maybe(TEXT),
        "follow_up_date": maybe(DATE),
        "assist": st.booleans(),
        "owner": TEXT,
        "deal": maybe(st.integers(0, 2)),
        "people": st.lists(st.integers(0, 3), max_size=3, unique=True),
    }
)
JOURNAL = st.lists(
    st.tuples(
        NAME,
        ACCOUNT,
        st.lists(st.tuples(NAME, CONTACT), max_size=4, unique_by=lambda c: fold(c[0])),
        st.lists(st.tuples(NAME, DEAL), max_size=3, unique_by=lambda d: fold(d[0])),
        st.lists(VISIT, max_size=3),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda a: account_key(a[0]),
)


def fill(path: Path, journal: list) -> None:  # noqa: C901
    """Write JOURNAL through the same record functions the commands use."""
    from salesdiary.core.errors import BadInput
    from salesdiary.store.paths import Target
    from salesdiary.store.tx import run_write
    from salesdiary.store.writes import records

    serial = itertools.count(1)

    def write(tx) -> None:  # noqa: ANN001
        for name, account, people, deals, visits in journal:
            account_id = records.add_account(tx, {"name": name, **account})
            contact_ids = []
            for person, values in people:
                n = next(serial)
                reach = {"email": {"email": f"p{n}@例子.cn"}, "phone": {"phone": f"+86 139 {n:08d}"}}
                fields = {k: v for k, v in values.items() if k not in ("boss", "reach")}
                contact_ids.append(
                    records.add_contact(tx, account_id, {"name": person, **fields, **reach.get(values["reach"], {})})
                )
            for (_person, values), contact_id in zip(people, contact_ids, strict=True):
                boss = values["boss"]
                if boss is not None and boss < len(contact_ids) and contact_ids[boss] != contact_id:
                    try:  # a boss may come later in the list; loops are refused
                        records.edit_contact(tx, contact_id, {}, reports_to_id=contact_ids[boss])
                    except BadInput:
                        pass
            deal_ids = []
            for deal_name, values in deals:
                fields = {
                    k: v for k, v in values.items() if k not in ("stage", "status", "closed", "reason", "external")
                }
                if values["external"]:
                    fields["external_id"] = f"EXT-{next(serial)}"
                deal_id = records.add_deal(tx, account_id, {"name": deal_name, **fields}, stage=values["stage"])
                if values["status"] != "open":
                    records.close_deal(tx, deal_id, values["status"], reason=values["reason"], on=values["closed"])
                deal_ids.append(deal_id)
            for i, values in enumerate(visits):
                fields = {k: v for k, v in values.items() if k not in ("deal", "people")}
                fields["summary"] = f"{values['summary']} #{i}"  # the natural key of a visit holds its summary
                deal = values["deal"]
                records.add_visit(
                    tx,
                    account_id,
                    fields,
                    deal_id=deal_ids[deal] if deal is not None and deal < len(deal_ids) else None,
                    contact_ids=[contact_ids[p] for p in values["people"] if p < len(contact_ids)],
                )

    run_write(Target(path=path), write)


TABLES = (("accounts", ()), ("contacts", ("--include-personal",)), ("deals", ()), ("visits", ()))
_counter = itertools.count()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(journal=JOURNAL)
def test_export_import_export_is_identical(sd, tmp_path, fmt, journal):
    n = next(_counter)
    first, second = tmp_path / f"first{n}.sqlite", tmp_path / f"second{n}.sqlite"
    fill(first, journal)
    for table, extra in TABLES:
        out = tmp_path / f"{table}{n}.{fmt}"
        exported = sd("--db", first, "export", table, "--format", fmt, "-o", out, *extra)
        assert exported.exit_code == 0, exported.output
        imported = sd("--db", second, "import", table, out)
        assert imported.exit_code == 0, imported.output
    for table, extra in TABLES:
        before = sd("--db", first, "export", table, "--format", fmt, *extra)
        after = sd("--db", second, "export", table, "--format", fmt, *extra)
        assert after.stdout == before.stdout, table


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(journal=JOURNAL)
def test_a_second_import_of_the_same_files_changes_nothing(sd, tmp_path, journal):
    n = next(_counter)
    first, second = tmp_path / f"first{n}.sqlite", tmp_path / f"second{n}.sqlite"
    fill(first, journal)
    for table, extra in TABLES:
        out = tmp_path / f"{table}{n}.csv"
        assert sd("--db", first, "export", table, "-o", out, *extra).exit_code == 0
        assert sd("--db", second, "import", table, out).exit_code == 0
        again = sd("--db", second, "import", table, out, "--json").json()
        assert again["created"] == again["updated"] == 0 and again["skipped"] == again["rows"], table


CELL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(cells=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=5))
def test_csv_writer_gives_back_every_cell_unchanged(cells):
    columns = [Column("a"), Column("b"), Column("c")]
    stream = io.StringIO(newline="")
    write_csv(stream, columns, [dict(zip([c.name for c in columns], row, strict=True)) for row in cells])
    read = list(csv.reader(io.StringIO(stream.getvalue(), newline="")))
    assert read[1:] == cells


@given(cell=CELL)
def test_excel_cells_never_start_a_formula(cell):
    shown = neutralise(cell)
    if shown.startswith(FORMULA_START):
        number = re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", shown)
        phone = re.fullmatch(r"\+?[0-9][0-9 ()\-.]*", shown) and sum(ch in "0123456789" for ch in shown) >= 5
        assert number or phone, shown
    assert shown in (cell, "'" + cell)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_reimporting_your_own_export_changes_nothing(sd, demo, tmp_path, fmt):
    """`sd export TABLE` then `sd import TABLE FILE` on the same journal: 0 updated, nothing changed. Exports give
    times to the second (README) while the journal keeps microseconds: that alone made every account "updated"."""
    for table, extra in TABLES:
        out = tmp_path / f"{table}.{fmt}"
        assert sd("export", table, "--format", fmt, "-o", out, *extra).exit_code == 0
        before = sd("export", table, "--format", "json", *extra).stdout
        again = sd("import", table, out, "--json").json()
        assert again["created"] == again["updated"] == 0 and again["skipped"] == again["rows"], (table, again)
        assert sd("export", table, "--format", "json", *extra).stdout == before, table


def test_a_reimport_keeps_the_stored_times_to_the_microsecond(sd, demo, tmp_path, isolated):
    """The times in the journal keep their precision through a re-import of a file cut to whole seconds; a time
    that really differs (another second) is still an update."""
    import sqlite3

    def stamps() -> list[str]:
        with contextlib.closing(sqlite3.connect(isolated / "journal.sqlite")) as con:
            return [str(row[0]) for row in con.execute("SELECT reported_at FROM account ORDER BY id")]

    before = stamps()
    assert any("." in s for s in before)  # the journal's times have sub-second digits
    out = tmp_path / "accounts.csv"
    assert sd("export", "accounts", "-o", out).exit_code == 0
    assert sd("import", "accounts", out, "--json").json()["updated"] == 0
    assert stamps() == before
    text = out.read_text(encoding="utf-8")
    first = re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", text)
    assert first is not None
    moved = text.replace(first.group(0), "2020-01-01T00:00:00Z", 1)
    out.write_text(moved, encoding="utf-8")
    assert sd("import", "accounts", out, "--json").json()["updated"] == 1
