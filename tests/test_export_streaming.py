"""sd export streams rows as tuples: the people met come from one ordered join, and the writers give the same
bytes for tuples as for dicts."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3

import pytest

from salesdiary.core import tabular
from salesdiary.render import writers


def test_visits_list_the_people_met_in_the_order_of_their_ids(sd):
    assert sd("account", "add", "华东电网有限公司").exit_code == 0
    assert sd("account", "add", "南方电网").exit_code == 0
    for name in ("王五", "张三", "李四", "赵六"):  # ids 1…4: neither the order of the names nor of the command line
        assert sd("contact", "add", name, "--account", "华东").exit_code == 0
    assert sd("contact", "add", "钱七", "--account", "南方电网").exit_code == 0
    assert sd("visit", "add", "-A", "华东", "--date", "2026-11-01").exit_code == 0
    assert sd("visit", "add", "-A", "华东", "-C", "赵六", "--date", "2026-11-02").exit_code == 0
    assert sd("contact", "rm", "赵六").exit_code == 0
    assert sd("visit", "add", "-A", "华东", "-C", "王五", "--date", "2026-11-03").exit_code == 0
    assert sd("visit", "add", "-A", "南方电网", "-C", "钱七", "--date", "2026-11-03").exit_code == 0
    three = ("-C", "李四", "-C", "王五", "-C", "张三")
    assert sd("visit", "add", "-A", "华东", *three, "--date", "2026-11-04").exit_code == 0
    con = sqlite3.connect(os.environ["SD_DB"])  # a link to a contact that is gone (written without foreign keys)
    with con:
        con.execute("INSERT INTO visit_contact (visit_id, contact_id) VALUES (3, 999)")
    con.close()

    visits = sd("export", "visits", "-f", "json").json()
    met = {v["id"]: (v["contact_ids"], v["contacts"]) for v in visits}
    assert met == {
        1: (None, None),
        2: (None, None),
        3: ([1], ["王五"]),
        4: ([5], ["钱七"]),
        5: ([1, 2, 3], ["王五", "张三", "李四"]),
    }
    assert [json.loads(line) for line in sd("export", "visits", "-f", "jsonl").stdout.splitlines()] == visits
    as_csv = sd("export", "visits")
    rows = {int(r["id"]): (r["contact_ids"], r["contacts"]) for r in csv.DictReader(io.StringIO(as_csv.stdout))}
    assert rows == {1: ("", ""), 2: ("", ""), 3: ("1", "王五"), 4: ("5", "钱七"), 5: ("1; 2; 3", "王五; 张三; 李四")}
    only = sd("export", "visits", "-f", "json", "--account", "华东", "--since", "2026-11-03").json()
    assert [(v["id"], v["contacts"]) for v in only] == [(3, ["王五"]), (5, ["王五", "张三", "李四"])]


def test_an_unfiltered_export_of_visits_names_them_as_the_joins_do(sd, demo, monkeypatch):
    """An export of every visit takes the names from maps read once (export_queries._visits_with_names); it gives
    the bytes of the joins (SD_NO_NAME_MAPS=1), also where a visit points at an account, deal or person gone."""
    con = sqlite3.connect(os.environ["SD_DB"])  # links to rows that are gone (written without foreign keys)
    with con:
        first, second, third = (row[0] for row in con.execute("SELECT id FROM visit ORDER BY id LIMIT 3"))
        con.execute("UPDATE visit SET account_id = 99999 WHERE id = ?", (first,))
        con.execute("UPDATE visit SET deal_id = 99999 WHERE id = ?", (second,))
        con.execute("INSERT INTO visit_contact (visit_id, contact_id) VALUES (?, 99999)", (third,))
        con.execute(
            "INSERT OR IGNORE INTO visit_contact (visit_id, contact_id) SELECT id, 1 FROM visit WHERE id % 2 = 0"
        )
        con.execute(
            "INSERT OR IGNORE INTO visit_contact (visit_id, contact_id) SELECT id, 2 FROM visit WHERE id % 3 = 0"
        )
        con.execute("UPDATE contact SET name = ?||char(31) WHERE id = 2", ('=x, "y"\r',))
    con.close()
    for args in ((), ("-f", "json"), ("--excel",), ("-f", "jsonl")):
        monkeypatch.delenv("SD_NO_NAME_MAPS", raising=False)
        maps = sd("export", "visits", *args)
        monkeypatch.setenv("SD_NO_NAME_MAPS", "1")
        joins = sd("export", "visits", *args)
        assert maps.exit_code == joins.exit_code == 0
        assert maps.stdout == joins.stdout, args
    monkeypatch.delenv("SD_NO_NAME_MAPS")
    visits = {v["id"]: v for v in sd("export", "visits", "-f", "json").json()}
    assert first not in visits and visits[second]["deal"] is None and 99999 not in (visits[third]["contact_ids"] or ())
    assert any(v["contacts"] and len(v["contacts"]) > 1 for v in visits.values())


@pytest.mark.parametrize("table", tabular.EXPORT_TABLES)
def test_each_export_query_selects_the_export_columns_in_order(sd, demo, table):
    """Rows are tuples named by the export columns: the SELECT must give exactly those, in that order."""
    from salesdiary.store.reads.export_queries import ExportFilter, export_sql

    for personal in (False, True) if table == "contacts" else (False,):
        sql, params = export_sql(table, ExportFilter(), include_personal=personal)
        con = sqlite3.connect(os.environ["SD_DB"])
        selected = [d[0] for d in con.execute(sql + " LIMIT 0", params).description]
        con.close()
        names = [c.name for c in tabular.export_columns(table, include_personal=personal)]
        if table == "visits":  # the people met come last, a row per person, and are folded into two columns
            names = [n for n in names if n not in ("contact_ids", "contacts")] + ["met_id", "met_name"]
        assert selected == names


COLUMNS = (
    tabular.Column("id", "id"),
    tabular.Column("name"),
    tabular.Column("day", "date"),
    tabular.Column("at", "datetime"),
    tabular.Column("amount", "amount"),
    tabular.Column("done", "bool"),
    tabular.Column("ids", "ids"),
    tabular.Column("names", "names"),
)
ROWS = [
    (1, "plain", "2026-11-25", "2026-11-25 08:30:00.000000", 2800000.0, 1, "3\x1f4", "王五\x1f张三"),
    (2, "line\rbreak", "2026-11-25 00:00:00", None, 12.5, 0, "7", "李四"),
    (3, None, None, None, None, None, None, None),
    (4, '=1+2, "quoted"', "2026-01-02", "2026-01-02T03:04:05+08:00", -3, 1, "", ""),
    ("5", 42, "2026-02-03", None, "7.25", 0, 9, "x"),  # values as a database might hand them back
    (6, "-5", "2026-02-03", None, 0, 1, None, "=cmd"),
]


@pytest.mark.parametrize("fmt,excel", [("csv", False), ("csv", True), ("json", False), ("jsonl", False)])
def test_writers_give_the_same_bytes_for_dicts_and_tuples(fmt, excel, monkeypatch):
    names = [c.name for c in COLUMNS]

    def written(rows: object) -> str:
        stream = io.StringIO(newline="")
        assert writers.write_rows(stream, fmt, COLUMNS, rows, excel=excel) == len(ROWS)
        return stream.getvalue()

    expected = written([dict(zip(names, row, strict=True)) for row in ROWS])
    monkeypatch.setattr(writers, "BATCH", 4)  # rows in more than one batch, the one with "\r" in each
    assert written(tabular.Rows(names, iter(ROWS))) == expected
    assert written([dict(zip(names, row, strict=True)) for row in ROWS]) == expected
    shuffled = names[::-1]  # tuples in another order than the columns
    assert written(tabular.Rows(shuffled, (row[::-1] for row in ROWS))) == expected
    assert list(tabular.Rows(names, iter(ROWS[:1]))) == [dict(zip(names, ROWS[0], strict=True))]
    if fmt == "csv" and not excel:
        lines = expected.split("\n")
        assert lines[1] == "1,plain,2026-11-25,2026-11-25T08:30:00Z,2800000,true,3; 4,王五; 张三"
        assert lines[2] == '"2","line\rbreak","2026-11-25","","12.5","false","7","李四"'  # every cell quoted
        assert lines[3] == "3,,,,,,,"
        assert lines[5] == "5,42,2026-02-03,,7.25,false,9,x"
        assert list(csv.reader(io.StringIO(expected, newline="")))[2][1] == "line\rbreak"
    if excel:
        assert "'=1+2" in expected and ",-5," in expected and "'=cmd" in expected


def test_rows_written_before_a_failure_are_kept():
    names = [c.name for c in COLUMNS]
    bad = (7, "x", "2026-01-01", None, "not a number", 0, None, None)
    stream = io.StringIO(newline="")
    with pytest.raises(ValueError):
        writers.write_csv(stream, COLUMNS, tabular.Rows(names, iter([ROWS[0], bad])))
    assert stream.getvalue().splitlines() == [
        ",".join(names),
        "1,plain,2026-11-25,2026-11-25T08:30:00Z,2800000,true,3; 4,王五; 张三",
    ]
