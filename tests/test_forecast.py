"""`sd forecast`: the figures of a month checked against hand-computed values before and after it, snapshots and
their accuracy, the rep's category (`sd deal edit --forecast`), history and undo, and a read that writes safely."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import build

# December 2026, seen from Wednesday 2026-11-25 (the ten-step method's probabilities: 2 → 10%, 3 → 25%, 5 → 50%,
# 7 → 70%, 8 → 80%; commit from 70%, best case from 40% by default):
# A 1,000,000 CNY at 8 (80%), close 12-15: commit          weighted 800,000
# B   400,000 CNY at 5 (50%), close 12-20: best case       weighted 200,000
# C   200,000 CNY at 2 (10%), close 12-05: pipeline by its stage, the rep says commit; weighted 20,000
# D   100,000 USD at 3 (25%), close 12-10: pipeline        weighted 25,000 USD
# E   300,000 CNY at 7 (70%), close 12-31: the rep omits it (counted nowhere)
# F   500,000 CNY at 8, close 2027-01-15: not in December
# Z    50,000 CNY won on 11-20: November's, not December's
STEPS = [
    ("2026-11-01", ("account", "add", "Alpha")),
    ("2026-11-01", ("deal", "add", "A", "-A", "Alpha", "--amount", "1000000", "--stage", "8", "--close", "2026-12-15")),
    ("2026-11-01", ("deal", "add", "B", "-A", "Alpha", "--amount", "400000", "--stage", "5", "--close", "2026-12-20")),
    ("2026-11-01", ("deal", "add", "C", "-A", "Alpha", "--amount", "200000", "--stage", "2", "--close", "2026-12-05")),
    ("2026-11-01", ("deal", "add", "D", "-A", "Alpha", "--amount", "100000", "--currency", "USD", "--stage", "3")),
    ("2026-11-01", ("deal", "edit", "D", "--close", "2026-12-10")),
    ("2026-11-01", ("deal", "add", "E", "-A", "Alpha", "--amount", "300000", "--stage", "7", "--close", "2026-12-31")),
    ("2026-11-01", ("deal", "add", "F", "-A", "Alpha", "--amount", "500000", "--stage", "8", "--close", "2027-01-15")),
    ("2026-11-01", ("deal", "add", "Z", "-A", "Alpha", "--amount", "50000", "--close", "2026-11-20")),
    ("2026-11-20", ("deal", "won", "Z")),
    ("2026-11-24", ("deal", "edit", "C", "--forecast", "commit")),
    ("2026-11-24", ("deal", "edit", "E", "--forecast", "omit")),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forecast") / "journal.sqlite"
    build(path, STEPS)
    return path


@pytest.fixture
def journal(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def names(rows: list[dict]) -> list[str]:
    return [r["name"] for r in rows]


def snapshot_count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT COUNT(*) FROM forecast_snapshot").fetchone()[0]
    finally:
        con.close()


def test_before_the_month_each_figure_matches_the_hand_computed_value(sd, journal):
    data = sd("forecast", "--month", "2026-12", "--json").json()
    assert (data["period"], data["start"], data["end"]) == ("2026-12", "2026-12-01", "2026-12-31")
    assert (data["begun"], data["ended"]) == (False, False)
    assert names(data["deals"]) == ["A", "B", "E", "C", "D"]  # largest first
    by = {d["name"]: d for d in data["deals"]}
    assert (by["A"]["probability"], by["A"]["weighted"], by["A"]["category"]) == (80, 800_000, "commit")
    assert (by["B"]["category"], by["B"]["weighted"], by["B"]["category_chosen"]) == ("best_case", 200_000, False)
    assert (by["C"]["category"], by["C"]["weighted"], by["C"]["category_chosen"]) == ("commit", 20_000, True)
    assert (by["D"]["category"], by["D"]["weighted"], by["D"]["currency"]) == ("pipeline", 25_000, "USD")
    assert by["E"]["category"] == "omit"
    t = data["totals"]
    assert t["amount_by_currency"] == {"CNY": 1_600_000, "USD": 100_000}  # E omitted
    assert t["weighted_by_currency"] == {"CNY": 1_020_000, "USD": 25_000}
    assert t["commit_by_currency"] == {"CNY": 1_200_000}
    assert t["best_case_by_currency"] == {"CNY": 400_000}
    assert t["pipeline_by_currency"] == {"USD": 100_000}
    assert (t["won_deals"], t["won_by_currency"], t["lost_deals"]) == (0, {}, 0)  # Z was won in November
    # CNY and USD are never added: no plain totals, one line per currency
    assert (t["amount"], t["weighted"], data["currency"]) == (None, None, None)
    assert data["forecast_by_currency"] == {
        "weighted": {"CNY": 1_020_000, "USD": 25_000},
        "commit": {"CNY": 1_200_000},
        "best_case": {"CNY": 1_600_000},
    }
    assert data["slipped"] == [] and data["snapshots"] == []  # a month to come has no accuracy yet
    table = sd("forecast", "--month", "2026-12")
    assert table.exit_code == 0, table.output
    for text in ("1,020,000", "1,600,000", "25,000", "USD", "Commit", "Best case", "never added"):
        assert text in table.stdout, text


def test_converted_with_the_configured_rates(sd, journal, isolated):
    (isolated / "config.toml").write_text('[currency]\nbase = "CNY"\n[currency.rates]\nUSD = 7\n', encoding="utf-8")
    data = sd("forecast", "--month", "2026-12", "--json").json()
    assert (data["converted"], data["currency"]) == (True, "CNY")
    assert data["totals"]["weighted"] == 1_020_000 + 25_000 * 7
    assert data["forecast"] == {"weighted": 1_195_000, "commit": 1_200_000, "best_case": 1_600_000}


def test_after_the_month_won_lost_slipped_and_the_accuracy_of_the_snapshot(sd, journal, monkeypatch):
    first = sd("forecast", "--month", "2026-12", "--json").json()  # Wednesday 11-25: the week's first forecast
    assert first["recorded"] == {"taken_on": "2026-11-25", "deals": 5}
    monkeypatch.setenv("SD_TODAY", "2026-11-26")
    assert sd("deal", "edit", "B", "--close", "2027-01-10").exit_code == 0  # B moves out of December
    monkeypatch.setenv("SD_TODAY", "2027-01-05")
    assert sd("deal", "won", "A", "--amount", "900000", "--date", "2026-12-14").exit_code == 0
    assert sd("deal", "lost", "D", "--reason", "price", "--date", "2026-12-11").exit_code == 0

    data = sd("forecast", "--month", "2026-12", "--json").json()
    assert (data["begun"], data["ended"], data["recorded"]) == (True, True, None)  # an ended month: no snapshot
    assert sorted(names(data["deals"])) == ["C", "E"]
    t = data["totals"]
    assert (t["won_deals"], t["won_by_currency"]) == (1, {"CNY": 900_000})
    assert (t["lost_deals"], t["lost_by_currency"]) == (1, {"USD": 100_000})
    slipped = [(s["name"], s["why"]) for s in data["slipped"]]
    assert slipped == [("B", "moved"), ("E", "still_open"), ("C", "still_open")]
    assert data["slipped"][0]["expected_close"] == "2027-01-10"
    [snap] = data["snapshots"]
    assert snap["taken_on"] == "2026-11-25"
    assert snap["weighted_by_currency"] == {"CNY": 1_020_000, "USD": 25_000}
    assert snap["commit_by_currency"] == {"CNY": 1_200_000}
    assert snap["best_case_by_currency"] == {"CNY": 1_600_000}
    assert snap["won_by_currency"] == {"CNY": 900_000}
    # accuracy = won ÷ forecast: 900,000 ÷ 1,020,000, ÷ 1,200,000, ÷ 1,600,000
    assert snap["accuracy_by_currency"]["CNY"] == {"weighted": 88.2, "commit": 75.0, "best_case": 56.2}
    assert snap["accuracy_by_currency"]["USD"] == {"weighted": 0.0, "commit": None, "best_case": None}
    assert snap["accuracy"] == {"weighted": None, "commit": None, "best_case": None}  # mixed: no plain figure
    table = sd("forecast", "--month", "2026-12")
    for text in ("88.2% / 75% / 56.2%", "now expected after the period", "still open after the period", "900,000"):
        assert text in table.stdout, text


def test_a_snapshot_is_taken_once_a_week_and_again_the_next_week(sd, journal, monkeypatch):
    assert sd("forecast", "--month", "2026-12", "--json").json()["recorded"]["deals"] == 5
    monkeypatch.setenv("SD_TODAY", "2026-11-29")  # Sunday, same week
    assert sd("forecast", "--month", "2026-12", "--json").json()["recorded"] is None
    assert snapshot_count(journal) == 5
    monkeypatch.setenv("SD_TODAY", "2026-11-30")  # Monday: a new week
    assert sd("forecast", "--month", "2026-12", "--json").json()["recorded"] == {"taken_on": "2026-11-30", "deals": 5}
    listed = sd("forecast", "snapshot", "--list", "--json").json()
    assert [(s["period"], s["taken_on"], s["deals"]) for s in listed] == [
        ("2026-12", "2026-11-30", 5),
        ("2026-12", "2026-11-25", 5),
    ]


def test_forecast_snapshot_records_deal_by_deal_and_undo_takes_it_back(sd, journal):
    taken = sd("forecast", "snapshot", "--month", "2026-12", "--json")
    assert taken.exit_code == 0, taken.output
    data = taken.json()
    assert data["taken_on"] == "2026-11-25"
    rows = {d["name"]: d for d in data["deals"]}
    assert set(rows) == set("ABCDE")
    assert (rows["C"]["category"], rows["C"]["probability"], rows["C"]["amount"]) == ("commit", 10, 200_000)
    assert rows["D"]["currency"] == "USD"
    assert snapshot_count(journal) == 5
    again = sd("forecast", "snapshot", "--month", "2026-12")  # the same day: replaces, does not double
    assert again.exit_code == 0 and "5 deals" in again.output
    assert "Best case" in again.stdout and "best_case" not in again.stdout  # categories as a person reads them
    assert snapshot_count(journal) == 5
    history = sd("history")
    assert "forecast snapshot" in history.stdout
    assert sd("undo").exit_code == 0  # the second snapshot (which replaced the first) is taken back
    assert snapshot_count(journal) == 5
    assert sd("undo").exit_code == 0
    assert snapshot_count(journal) == 0
    assert sd("forecast", "snapshot", "--list", "--json").json() == []


def test_a_quarter_holds_its_months(sd, journal):
    data = sd("forecast", "--quarter", "2026Q4", "--json").json()
    assert (data["period"], data["start"], data["end"]) == ("2026Q4", "2026-10-01", "2026-12-31")
    assert data["totals"]["won_by_currency"] == {"CNY": 50_000}  # Z, won in November
    assert data["forecast_by_currency"]["weighted"] == {"CNY": 1_070_000, "USD": 25_000}
    assert data["snapshots"][0]["taken_on"] == "2026-11-25"  # a quarter under way: its first snapshot, this week's
    by_date = sd("forecast", "--quarter", "2026-11-03", "--json").json()
    assert by_date["period"] == "2026Q4"
    assert sd("forecast", "--month", "+1m", "--json").json()["period"] == "2026-12"


def test_deal_edit_forecast_sets_clears_and_is_undone(sd, journal):
    assert sd("deal", "edit", "D", "--forecast", "best case").exit_code == 0
    assert sd("deal", "show", "D", "--json").json()["forecast_category"] == "best_case"
    assert "forecast_category" in sd("history", "deal", "D").stdout
    assert sd("undo").exit_code == 0
    assert sd("deal", "show", "D", "--json").json()["forecast_category"] is None
    assert sd("redo").exit_code == 0
    data = sd("forecast", "--month", "2026-12", "--json").json()
    assert {d["name"]: d["category"] for d in data["deals"]}["D"] == "best_case"
    assert sd("deal", "edit", "C", "--forecast", "auto").exit_code == 0  # back to the stage's probability
    by = {d["name"]: d for d in sd("forecast", "--month", "2026-12", "--json").json()["deals"]}
    assert (by["C"]["category"], by["C"]["category_chosen"]) == ("pipeline", False)
    bad = sd("deal", "edit", "C", "--forecast", "maybe")
    assert bad.exit_code == 2 and "commit" in bad.stderr and "Traceback" not in bad.output


def test_thresholds_come_from_the_config(sd, journal, isolated):
    (isolated / "config.toml").write_text("[forecast]\ncommit_from = 85\nbest_case_from = 20\n", encoding="utf-8")
    by = {d["name"]: d["category"] for d in sd("forecast", "--month", "2026-12", "--json").json()["deals"]}
    assert (by["A"], by["B"], by["D"]) == ("best_case", "best_case", "best_case")  # 80% and 50%, 25% ≥ 20%
    (isolated / "config.toml").write_text("[forecast]\ncommit_from = 30\nbest_case_from = 60\n", encoding="utf-8")
    bad = sd("forecast", "--month", "2026-12")
    assert bad.exit_code == 2 and "best_case_from" in bad.stderr
    (isolated / "config.toml").write_text("[forecast]\ncommit_from = 150\n", encoding="utf-8")
    bad = sd("forecast", "--month", "2026-12")
    assert bad.exit_code == 2 and "commit_from" in bad.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("--month", "2026-13"),
        ("--month", "soon-ish"),
        ("--quarter", "2026Q5"),
        ("--month", "2026-12", "--quarter", "2026Q4"),
        ("--format", "xml"),
    ],
)
def test_bad_periods_are_one_line_and_exit_2(sd, journal, args):
    result = sd("forecast", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert snapshot_count(journal) == 0


def test_an_ended_month_cannot_be_snapshot(sd, journal):
    result = sd("forecast", "snapshot", "--month", "2026-10")
    assert result.exit_code == 2 and "2026-10" in result.stderr
    assert snapshot_count(journal) == 0


def test_csv_lists_the_deals(sd, journal):
    out = sd("forecast", "--month", "2026-12", "--format", "csv")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert {r["name"]: r["weighted"] for r in rows}["A"] == "800000.0"
    assert "never added" in out.stderr  # the note stays off the data


def test_a_busy_journal_still_answers_and_records_nothing(sd, journal):
    """The weekly snapshot is a read that writes: on a journal another program is writing to, the report comes at
    once, whole, and the snapshot waits for a later run."""
    holder = sqlite3.connect(journal, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = sd("forecast", "--month", "2026-12", "--json")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0, result.output
    assert result.json()["recorded"] is None and result.json()["totals"]["deals"] == 5
    assert snapshot_count(journal) == 0
    assert sd("forecast", "--month", "2026-12", "--json").json()["recorded"]["deals"] == 5


def test_a_failing_snapshot_never_fails_the_read(sd, journal, monkeypatch):
    from salesdiary.store.reads import forecast_queries

    def refuse(*_args, **_kw):  # noqa: ANN002, ANN003, ANN202
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(forecast_queries, "take_snapshot", refuse)
    result = sd("forecast", "--month", "2026-12")
    assert result.exit_code == 0, result.output
    assert "1,020,000" in result.stdout
    assert "not recorded" in result.stderr and "readonly" in result.stderr
    assert snapshot_count(journal) == 0


def test_the_library_gives_the_same_figures(journal):
    import datetime as dt

    from salesdiary.journal import Journal

    with Journal.open(journal) as j:
        report = j.forecast(month="2026-12", today=dt.date(2026, 11, 25))
        assert report.recorded is None  # the library takes no snapshot unless asked
        assert report.data["forecast_by_currency"]["commit"] == {"CNY": 1_200_000}
        taken = j.forecast_snapshot(month="2026-12", today=dt.date(2026, 11, 27))  # the day given, not SD_TODAY
        assert len(taken.rows) == 5
        assert [(s["taken_on"], s["deals"]) for s in j.forecast_snapshots()] == [("2026-11-27", 5)]


# --- PostgreSQL: snapshot rows are the rep's (row-level security) ----------------------------------------


def test_on_postgresql_each_reps_snapshot_rows_are_their_own(monkeypatch):
    import psycopg

    import pgtools
    from test_team import Team

    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert sd_ok("db", "upgrade")
        t = Team(monkeypatch, schema, url)
        try:
            wang, li = t.add("wang"), t.add("li")
            t.add("boss", "sd_manager")
            t.ok("wang", "account", "add", "华东电网")
            t.ok(
                "wang",
                "deal",
                "add",
                "调度中心",
                "-A",
                "华东",
                "--amount",
                "100万",
                "--stage",
                "8",
                "--close",
                "2026-12-15",
            )
            t.ok("li", "account", "add", "南方电网")
            t.ok("li", "deal", "add", "配网", "-A", "南方", "--amount", "50万", "--stage", "5", "--close", "2026-12-20")
            mine = t.ok("wang", "forecast", "--month", "2026-12", "--json").json()
            assert (mine["owner"], mine["recorded"]) == (wang, {"taken_on": "2026-11-25", "deals": 1})
            assert mine["forecast_by_currency"]["commit"] == {"CNY": 1_000_000}
            assert t.ok("li", "forecast", "--month", "2026-12", "--json").json()["recorded"]["deals"] == 1
            team_view = t.ok("boss", "forecast", "--month", "2026-12", "--owner", "all", "--json").json()
            assert team_view["forecast_by_currency"]["weighted"] == {"CNY": 800_000 + 250_000}
            assert [s["deals"] for s in t.ok("boss", "forecast", "snapshot", "--list", "--owner", "all",
                                              "--json").json()] == [2]  # fmt: skip
            # a rep records only their own deals, and the database refuses the rest whoever types the SQL
            refused = t.sd("li", "forecast", "snapshot", "--month", "2026-12", "--owner", "all")
            assert refused.exit_code == 1 and wang in refused.stderr and "Traceback" not in refused.output
            with t.raw("li") as con:
                assert con.execute("UPDATE forecast_snapshot SET amount = 1 WHERE owner <> current_user").rowcount == 0
                assert con.execute("DELETE FROM forecast_snapshot WHERE owner <> current_user").rowcount == 0
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    con.execute(
                        "INSERT INTO forecast_snapshot (taken_on, period, period_start, period_end, deal_id, name,"
                        " status, probability, category, currency, owner, created_by, created_at) VALUES"
                        f" ('2026-11-25', '2026-12', '2026-12-01', '2026-12-31', 1, 'x', 'open', 80, 'commit', 'CNY',"
                        f" '{wang}', '{wang}', now())"
                    )
            # wang's undo takes back his snapshot (its history is his to write), li's stays
            assert t.ok("wang", "undo").exit_code == 0
            left = t.ok("boss", "forecast", "snapshot", "--list", "--owner", "all", "--json").json()
            assert [s["deals"] for s in left] == [1]
            assert t.ok("li", "forecast", "snapshot", "--list", "--json").json()[0]["deals"] == 1
            assert li != wang
        finally:
            pgtools.drop_roles(t.made)


def sd_ok(*args: str) -> bool:
    from conftest import run_sd

    return run_sd(*args).exit_code == 0


def test_tables_show_the_largest_deals_first_up_to_the_limit(sd, journal):
    cut = sd("forecast", "--month", "2026-12", "--limit", "2")
    assert cut.exit_code == 0, cut.output
    assert "#1 A" in cut.stdout and "#2 B" in cut.stdout and "#4 D" not in cut.stdout
    assert "2 of 5 shown; use --limit N or --all to see more." in cut.stdout
    every = sd("forecast", "--month", "2026-12", "--all")
    assert "#4 D" in every.stdout and "shown; use --limit" not in every.stdout
    assert len(sd("forecast", "--month", "2026-12", "--limit", "2", "--json").json()["deals"]) == 5  # data: all


def test_once_the_weeks_snapshot_is_taken_the_forecast_stays_on_the_read_path(sd, journal):
    """Only the week's first run writes (through the store's transactions); every other run is a plain read that
    loads none of the heavy modules (tests/test_read_path.py)."""
    from test_read_path import run_fresh

    assert sd("forecast", "--month", "2026-12", "--json").json()["recorded"]["deals"] == 5
    for args in (
        ("forecast", "--month", "2026-12"),
        ("forecast", "--month", "2026-12-15", "--json"),
        ("forecast", "snapshot", "--list"),
    ):
        found = run_fresh(*args)
        assert found == {"code": 0, "loaded": []}, args


def test_the_readme_example_is_what_sd_prints(sd, journal, monkeypatch):
    from test_readme_examples import REPO

    text = (REPO / "README.md").read_text(encoding="utf-8")
    example = text.split("<!-- forecast-example -->", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert sd("forecast", "--month", "2026-12").exit_code == 0  # the snapshot of Wednesday 2026-11-25
    monkeypatch.setenv("SD_TODAY", "2026-11-26")
    assert sd("deal", "edit", "B", "--close", "2027-01-10").exit_code == 0
    monkeypatch.setenv("SD_TODAY", "2027-01-05")
    assert sd("deal", "won", "A", "--amount", "900000", "--date", "2026-12-14").exit_code == 0
    assert sd("deal", "lost", "D", "--reason", "price", "--date", "2026-12-11").exit_code == 0
    printed = sd("forecast", "--month", "2026-12").stdout
    for line in example.splitlines():
        assert line in printed, line


@pytest.mark.parametrize(
    ("month", "quarter", "expected"),
    [
        (None, None, ("2026-11", "2026-11-01", "2026-11-30")),  # this month (SD_TODAY 2026-11-25)
        ("2026-02", None, ("2026-02", "2026-02-01", "2026-02-28")),
        ("2028年2月", None, ("2028-02", "2028-02-01", "2028-02-29")),
        ("+1m", None, ("2026-12", "2026-12-01", "2026-12-31")),
        (None, "2026Q1", ("2026Q1", "2026-01-01", "2026-03-31")),
        (None, "2027-q2", ("2027Q2", "2027-04-01", "2027-06-30")),
        (None, "2026年第3季度", ("2026Q3", "2026-07-01", "2026-09-30")),
        (None, "today", ("2026Q4", "2026-10-01", "2026-12-31")),
    ],
)
def test_periods_as_a_person_types_them(month, quarter, expected):
    import datetime as dt

    from salesdiary.core.forecast import parse_period

    p = parse_period(month, quarter, dt.date(2026, 11, 25))
    assert (p.key, p.start.isoformat(), p.end.isoformat()) == expected
