"""sd export: stable, documented columns that scripts and spreadsheets can trust, streamed."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import measure
from salesdiary.core import tabular
from salesdiary.render.writers import FORMULA_START

README = Path(__file__).resolve().parents[1] / "README.md"


def rows_of(result):  # noqa: ANN001, ANN201
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("table", tabular.EXPORT_TABLES)
def test_every_table_exports_its_documented_columns_in_every_format(sd, demo, table):
    names = [c.name for c in tabular.export_columns(table)]
    as_csv = sd("export", table)
    header = as_csv.stdout.split("\n", 1)[0]
    assert header == ",".join(names)
    as_json = sd("export", table, "--format", "json").json()
    as_jsonl = [json.loads(line) for line in sd("export", table, "-f", "jsonl").stdout.splitlines()]
    assert as_json == as_jsonl and as_json, table
    assert all(list(row) == names for row in as_json)
    assert [int(r["id"]) for r in rows_of(as_csv)] == [r["id"] for r in as_json]
    assert [r["id"] for r in as_json] == sorted(r["id"] for r in as_json)


def test_readme_documents_every_export_column():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Export columns") :]
    section = section[: section.index("\n## ", 4)]
    for table in tabular.EXPORT_TABLES:
        line = next((ln for ln in section.splitlines() if ln.startswith(f"| `{table}`")), None)
        assert line is not None, f"README has no row for {table}"
        documented = re.findall(r"`([a-z_]+)`", line.split("|")[2])
        assert documented == [c.name for c in tabular.COLUMNS[table]], table


def test_values_are_plain_keys_numbers_and_iso_dates(sd, demo):
    deals = sd("export", "deals", "-f", "json").json()
    big = next(d for d in deals if d["name"] == "调度中心网络改造")
    assert big["amount"] == 2800000 and isinstance(big["amount"], int)
    assert big["account"] == "华东电网有限公司" and isinstance(big["account_id"], int)
    assert big["stage"] == "standards_set" and big["status"] == "open" and big["playbook"] == "ten_step"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", big["expected_close"])
    row = next(r for r in rows_of(sd("export", "deals")) if r["name"] == "调度中心网络改造")
    assert row["amount"] == "2800000" and row["closed_on"] == ""
    accounts = sd("export", "accounts", "-f", "json").json()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", accounts[0]["reported_at"])
    visits = sd("export", "visits", "-f", "json").json()
    assert isinstance(visits[0]["assist"], bool)
    two = next(v for v in visits if len(v["contacts"]) == 2)
    assert len(two["contact_ids"]) == 2 and all(isinstance(i, int) for i in two["contact_ids"])
    csv_visit = next(r for r in rows_of(sd("export", "visits")) if int(r["id"]) == two["id"])
    assert csv_visit["contacts"] == "; ".join(two["contacts"]) and csv_visit["assist"] == "false"


def test_personal_files_stay_out_unless_asked(sd, demo):
    assert sd("contact", "edit", "李明", "--birthday", "1975-03-02", "--hobbies", "钓鱼").exit_code == 0
    plain = sd("export", "contacts", "-f", "json").json()
    assert "birthday" not in plain[0] and "hobbies" not in plain[0]
    assert "钓鱼" not in sd("export", "contacts").stdout
    personal = sd("export", "contacts", "-f", "json", "--include-personal").json()
    li = next(c for c in personal if c["name"] == "李明")
    assert li["birthday"] == "1975-03-02" and li["hobbies"] == "钓鱼"
    wrong = sd("export", "deals", "--include-personal")
    assert wrong.exit_code == 2 and "contacts" in wrong.stderr


def test_filters_narrow_the_rows(sd, demo):
    visits = sd("export", "visits", "-f", "json").json()
    dates = sorted(v["date"] for v in visits)
    middle = dates[len(dates) // 2]
    since = sd("export", "visits", "-f", "json", "--since", middle).json()
    assert since and all(v["date"] >= middle for v in since) and len(since) < len(visits)
    until = sd("export", "visits", "-f", "json", "--until", middle).json()
    assert {v["id"] for v in since} | {v["id"] for v in until} == {v["id"] for v in visits}
    huadong = sd("export", "deals", "-f", "json", "--account", "华东").json()
    assert huadong and {d["account"] for d in huadong} == {"华东电网有限公司"}
    stage3 = sd("export", "deals", "-f", "json", "--stage", "3").json()
    assert stage3 and {d["stage"] for d in stage3} == {"customer_analysis"}
    won = sd("export", "deals", "-f", "json", "--status", "won").json()
    assert won and {d["status"] for d in won} == {"won"}
    assert sd("export", "deals", "-f", "json", "--owner", "nobody-here").json() == []
    done = sd("export", "followups", "-f", "json", "--status", "open").json()
    assert done and all(f["done_on"] is None for f in done)
    prospects = sd("export", "accounts", "-f", "json", "--stage", "准客户").json()
    assert prospects and {a["name"] for a in prospects} >= {"华东电网有限公司"}


def test_filters_that_do_not_apply_are_refused(sd, demo):
    result = sd("export", "visits", "--status", "won")
    assert result.exit_code == 2 and "--status" in result.stderr
    assert sd("export", "deals", "--since", "not a date").exit_code == 2
    assert sd("export", "planets").exit_code == 2
    assert sd("export", "deals", "--format", "xml").exit_code == 2
    assert sd("export", "deals", "--format", "json", "--excel").exit_code == 2


def test_output_file_gets_the_data_and_stdout_stays_empty(sd, demo, tmp_path):
    target = tmp_path / "deals.csv"
    result = sd("export", "deals", "--output", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert "14 deals" in result.stderr
    assert target.read_text(encoding="utf-8") == sd("export", "deals").stdout
    assert not list(tmp_path.glob("*.partial"))
    missing = sd("export", "deals", "--output", tmp_path / "no" / "such" / "dir.csv")
    assert missing.exit_code == 2 and "Cannot write" in missing.stderr


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=x", "'\t=x"),
        ("\r=y", "'\r=y"),
        ("-", "'-"),
        ("+1-2", "'+1-2"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("-1e5", "-1e5"),
        ("+86 138 0013 8000", "+86 138 0013 8000"),
        ("+1 (555) 010-9999", "+1 (555) 010-9999"),
        ("a=b", "a=b"),
        ("华为", "华为"),
        ("", ""),
    ],
)
def test_neutralise_shows_formulas_as_text_but_leaves_numbers_and_phones(cell, shown):
    from salesdiary.render.writers import neutralise

    assert neutralise(cell) == shown


def test_excel_export_holds_no_live_formula(sd, tmp_path):
    name = '=HYPERLINK("http://x","点我")'
    sd("account", "add", name, "--industry", "+SUM(A1:A9)", "--phone", "+86 138 0013 8000", "--region", "-12.5")
    for i, text in enumerate(["=1+2", "-2+3", "@cmd", "a=b", "\t=x 前面是制表符", "-"]):
        assert sd("account", "add", f"客户{i}", "--notes", f"{text}\n第二行", "--address", text.strip()).exit_code == 0
    target = tmp_path / "accounts.csv"
    assert sd("export", "accounts", "--excel", "-o", target).exit_code == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    # open it the way a spreadsheet does: decode with the BOM, split into cells
    cells = [cell for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")) for cell in row]
    live = [
        c
        for c in cells
        if c.startswith(FORMULA_START)
        and not re.fullmatch(r"[+-]?\d+(\.\d+)?", c)
        and not re.fullmatch(r"\+[\d ()\-.]{5,}", c)
    ]
    assert live == []
    assert '\'=HYPERLINK("http://x","点我")' in cells and "'+SUM(A1:A9)" in cells
    assert "-12.5" in cells and "+86 138 0013 8000" in cells and "a=b" in cells
    # without --excel the same data comes out exactly as stored
    faithful = [c for row in csv.reader(io.StringIO(sd("export", "accounts").stdout)) for c in row]
    assert '=HYPERLINK("http://x","点我")' in faithful and "+SUM(A1:A9)" in faithful
    assert not sd("export", "accounts").stdout.startswith("\ufeff")


def test_excel_to_stdout_also_starts_with_a_bom(sd, demo):
    out = sd("export", "accounts", "--excel").stdout
    assert out.startswith("\ufeff") and "\r\n" in out


def test_export_does_not_load_sqlalchemy(sd, demo, tmp_path):
    script = (
        "import sys\n"
        "from salesdiary.cli.app import main\n"
        "code = main(['export', 'visits', '--format', 'jsonl', '--since', '2026-01-01', '-o', sys.argv[1]])\n"
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'alembic', 'questionary') if m in sys.modules]\n"
        "print(code, ' '.join(heavy))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "v.jsonl")], capture_output=True, text=True, check=True
    )
    assert proc.stdout.split() == ["0"], proc.stdout + proc.stderr


def test_export_all_holds_every_table_with_history(sd, demo):
    assert sd("deal", "edit", "调度", "--amount", "3000000").exit_code == 0
    dump = sd("export", "all").json()
    assert dump["format"] == "salesdiary" and dump["schema_version"] >= 1
    tables = dump["tables"]
    for name in ("account", "contact", "deal", "visit", "followup", "stage_history", "history", "changeset"):
        assert tables[name], name
    for name in ("deal_marker", "deal_evaluation", "receivable", "deal_contact", "visit_contact"):
        assert name in tables
    assert "sd_meta" not in tables and "alembic_version" not in tables
    assert any('"amount"' in h["changes"] and "3000000" in h["changes"] for h in tables["history"])
    assert sd("export", "all", "--format", "csv").exit_code == 2
    assert sd("export", "all", "--owner", "x").exit_code == 2


# Streaming: memory stays flat however many rows -----------------------------------------------------------


def make_visits(path: Path, n: int) -> None:
    """A journal with N visits, written in bulk straight into SQLite (a test helper, not the product's path)."""
    from salesdiary.cli.app import main

    for args in (
        ["account", "add", "华东电网有限公司"],
        ["contact", "add", "李明", "--account", "华东"],
        ["deal", "add", "调度中心网络改造", "--account", "华东"],
    ):
        assert main(["--db", str(path), *args]) == 0
    con = sqlite3.connect(path)
    stamp = "2026-11-25 08:00:00.000000"
    rows = (
        (
            1,
            1,
            f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "visit",
            f'拜访 {i}, "技术交流"',
            "讨论了汇聚层设计，客户担心割接风险\n下周提交方案",
            "认可",
            "rep",
            "rep",
            stamp,
            stamp,
        )
        for i in range(n)
    )
    with con:
        con.executemany(
            "INSERT INTO visit (account_id, deal_id, date, kind, purpose, summary, feedback, owner, created_by,"
            " created_at, updated_at, assist) VALUES (?,?,?,?,?,?,?,?,?,?,?,0)",
            rows,
        )
        con.execute("INSERT INTO visit_contact (visit_id, contact_id) SELECT id, 1 FROM visit WHERE id % 3 = 0")
    con.close()


def export_in_child(db: Path, out: Path) -> tuple[float, float, int]:
    sd_bin = str(Path(sys.executable).parent / "sd")
    return measure(sd_bin, "--db", str(db), "export", "visits", "-o", str(out))


def test_exporting_200k_visits_keeps_memory_flat(tmp_path, capsys):
    figures = {}
    for n in (20_000, 200_000):
        db = tmp_path / f"v{n}.sqlite"
        make_visits(db, n)
        out = tmp_path / f"v{n}.csv"
        figures[n] = export_in_child(db, out)
        with open(out, encoding="utf-8", newline="") as fh:
            assert sum(1 for _ in csv.reader(fh)) == n + 1
    with capsys.disabled():
        for n, (wall, cpu, rss) in figures.items():
            print(f"\nexport {n:,} visits: {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss} MB", end="")
    small, large = figures[20_000][2], figures[200_000][2]
    assert large < small + 10, figures  # ten times the rows, (about) the same memory


def test_the_export_progress_bar_counts_the_rows_and_keeps_them_tuples(monkeypatch):
    """On a terminal a long export shows a bar (after AFTER seconds, updated every EVERY rows); the rows reach the
    writer unchanged, still as an export's tuples; piped, the rows are handed back as they are."""
    from salesdiary.core.tabular import Rows
    from salesdiary.render import progress

    rows = [(i, f"visit {i}") for i in range(2_000)]
    monkeypatch.setattr(progress, "wanted", lambda: False)
    piped = Rows(("id", "summary"), rows)
    assert progress.with_progress(piped, "Exporting visits") is piped

    updates: list[int] = []

    class Bar:
        def update(self, task, completed):  # noqa: ANN001, ANN201
            updates.append(completed)

        def stop(self):  # noqa: ANN201
            updates.append(-1)

    ticks = iter(range(10_000))
    monkeypatch.setattr(progress, "wanted", lambda: True)
    monkeypatch.setattr(progress, "_start", lambda label, total: (Bar(), "task"))
    shown = progress.with_progress(Rows(("id", "summary"), rows), "Exporting visits", clock=lambda: next(ticks))
    assert isinstance(shown, Rows) and shown.names == ("id", "summary")
    assert list(shown.tuples) == rows
    assert updates == [500, 1000, 1500, 2000, -1]
