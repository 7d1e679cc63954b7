"""`sd report week|month`: the rep's periodic report (seed 001 tables 3 and 4), in text, Markdown, HTML, JSON."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import build

# Today is Wednesday 2026-11-25: this week is 11-23 … 11-29, next week 11-30 … 12-06.
STEPS = [
    ("2026-11-02", ("account", "add", "Old One")),
    (
        "2026-11-24",
        ("account", "add", "New One", "--source", "referral", "--mode", "group", "--info-stage", "qualified"),
    ),
    ("2026-11-24", ("contact", "add", "钱七", "--account", "New One")),
    ("2026-11-02", ("deal", "add", "Old deal", "--account", "Old One", "--amount", "800000", "--stage", "2")),
    ("2026-11-24", ("deal", "edit", "Old deal", "--stage", "4")),
    ("2026-11-23", ("deal", "add", "New deal", "--account", "New One", "--amount", "200000")),
    ("2026-11-02", ("deal", "add", "Won deal", "--account", "Old One", "--amount", "500000", "--stage", "9")),
    ("2026-11-24", ("deal", "won", "Won deal")),
    ("2026-11-02", ("deal", "add", "Lost deal", "--account", "Old One", "--amount", "100000")),
    ("2026-11-03", ("deal", "lost", "Lost deal", "--reason", "price")),
    (
        "2026-11-23",
        (
            "visit",
            "add",
            "--account",
            "New One",
            "--deal",
            "New deal",
            "--contact",
            "钱七",
            "--kind",
            "tech_exchange",
            "--summary",
            "Design review",
        ),
    ),
    ("2026-11-25", ("visit", "add", "--account", "Old One", "--kind", "visit", "--summary", "Status meeting")),
    ("2026-11-20", ("visit", "add", "--account", "Old One", "--kind", "call")),
    (
        "2026-11-02",
        ("followup", "add", "Visit New One", "--account", "New One", "--kind", "visit", "--due", "2026-11-24"),
    ),
    ("2026-11-24", ("followup", "done", "1")),
    (
        "2026-11-02",
        ("followup", "add", "Visit Old One", "--account", "Old One", "--kind", "visit", "--due", "2026-11-27"),
    ),
    (
        "2026-11-02",
        ("followup", "add", "Visit Old One again", "--account", "Old One", "--kind", "visit", "--due", "2026-11-20"),
    ),
    ("2026-11-02", ("followup", "add", "Send quote", "--account", "Old One", "--due", "2026-11-25")),
    ("2026-11-02", ("followup", "add", "Plan workshop", "--account", "New One", "--due", "2026-12-01")),
    (
        "2026-11-02",
        ("followup", "add", "Site survey", "--account", "New One", "--kind", "visit", "--due", "2026-12-06"),
    ),
    ("2026-11-02", ("followup", "add", "Far away", "--account", "New One", "--due", "2026-12-07")),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "journal.sqlite"
    build(path, STEPS)
    # "reported at" is stamped from the clock, not from SD_TODAY: pin it to the days the steps stand for
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE account SET reported_at = '2026-11-02 08:00:00.000000' WHERE name = 'Old One'")
        con.execute("UPDATE account SET reported_at = '2026-11-24 08:00:00.000000' WHERE name = 'New One'")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the copy each test gets is the main file alone
    con.close()
    return path


@pytest.fixture
def journal(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def report(sd, *args: str) -> dict:  # noqa: ANN001
    result = sd("report", *args, "--json")
    assert result.exit_code == 0, result.output
    return result.json()


def test_week_report_figures(sd, journal):
    data = report(sd, "week")
    assert (data["start"], data["end"], data["next_start"], data["next_end"], data["asof"]) == (
        "2026-11-23",
        "2026-11-29",
        "2026-11-30",
        "2026-12-06",
        "2026-11-25",
    )
    s = data["summary"]
    assert s == {
        "new_accounts": 1,
        "visits": 2,
        "accounts_visited": 2,
        "stage_moves": 2,
        "won": 1,
        "won_amount": 500_000,
        "lost": 0,
        "planned_visits": 2,
        "planned_visits_done": 1,
        "followups_due": 3,
        "followups_done": 1,
        "overdue": 1,
        "overdue_receivables": 0,
        "overdue_receivable_amount": 0,
        "won_amount_by_currency": {"CNY": 500_000},
        "overdue_receivable_amount_by_currency": {},
    }
    new = data["new_accounts"][0]
    assert (new["name"], new["source"], new["purchase_mode"], new["info_stage"], new["first_contact"]) == (
        "New One",
        "referral",
        "group",
        "qualified",
        "钱七",
    )
    assert [(v["date"], v["kind"], v["account"], v["contacts"]) for v in data["visits"]] == [
        ("2026-11-23", "tech_exchange", "New One", ["钱七"]),
        ("2026-11-25", "visit", "Old One", []),
    ]
    assert [(m["deal"], m["how"], m["from_stage"], m["to_stage"]) for m in data["stage_moves"]] == [
        ("New deal", "new", None, "project_info"),
        ("Old deal", "moved", "project_confirmation", "competitiveness"),
    ]
    assert [(c["name"], c["status"], c["amount"]) for c in data["closed"]] == [("Won deal", "won", 500_000)]
    assert [(p["account"], p["planned"], p["planned_done"], p["visits"]) for p in data["plan"]] == [
        ("New One", 1, 1, 1),
        ("Old One", 1, 0, 1),
    ]
    assert [f["action"] for f in data["next_plan"]] == ["Plan workshop", "Site survey"]
    assert [(f["action"], f["days_late"]) for f in data["overdue"]] == [("Visit Old One again", 5)]


def test_month_report_figures(sd, journal):
    data = report(sd, "month", "--date", "2026-11-10")
    assert (data["start"], data["end"], data["next_start"], data["next_end"]) == (
        "2026-11-01",
        "2026-11-30",
        "2026-12-01",
        "2026-12-31",
    )
    s = data["summary"]
    assert (s["new_accounts"], s["visits"], s["stage_moves"], s["won"], s["lost"]) == (2, 3, 5, 1, 1)
    assert (s["planned_visits"], s["planned_visits_done"]) == (3, 1)
    assert [f["action"] for f in data["next_plan"]] == ["Plan workshop", "Site survey", "Far away"]
    lost = next(c for c in data["closed"] if c["status"] == "lost")
    assert lost["loss_reason"] == "price"


def test_a_past_week_counts_overdue_as_of_its_end(sd, journal):
    data = report(sd, "week", "--date", "2026-11-16")
    assert (data["start"], data["end"], data["asof"]) == ("2026-11-16", "2026-11-22", "2026-11-23")
    assert [(f["action"], f["days_late"]) for f in data["overdue"]] == [("Visit Old One again", 3)]
    assert data["summary"]["visits"] == 1 and data["summary"]["new_accounts"] == 0


def test_text_shows_the_json_numbers(sd, journal):
    text = sd("report", "week").stdout
    assert text.startswith("Weekly report · 2026-11-23 – 2026-11-29")
    assert "1 new account · 2 visits at 2 accounts · 2 stage moves · 1 won (500,000) · 0 lost" in text
    assert "Plan: 1 of 2 planned visits done; 1 of 3 follow-ups due were done." in text
    for title in (
        "New accounts (1)",
        "Visits (2)",
        "Deals that moved (3)",
        "Plan versus actual",
        "Plan for next week (2026-11-30 – 2026-12-06)",
        "Overdue on 2026-11-25 (1)",
    ):
        assert title in text
    assert "Project confirmation → 4. Competitiveness" in text
    assert "5 days late" in text


def test_markdown_and_html_export(sd, journal, isolated):
    md = sd("report", "week", "--format", "markdown").stdout
    assert md.startswith("# Weekly report · 2026-11-23 – 2026-11-29\n")
    assert "## New accounts (1)" in md
    assert "| Reported | Account | Source | Mode | Stage | Contact |" in md
    assert "| 2026-11-24 | New One | Customer referral | Group purchase | Qualified | 钱七 |" in md
    target = isolated / "week.html"
    result = sd("report", "week", "--format", "html", "--output", str(target))
    assert result.exit_code == 0 and "Wrote the report" in result.stderr and result.stdout == ""
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<title>Weekly report · 2026-11-23 – 2026-11-29</title>" in html
    assert "New One" in html and "Design review" in html and "font-weight: bold" in html
    text_file = isolated / "week.txt"
    assert sd("report", "week", "--output", str(text_file)).exit_code == 0
    assert "Weekly report" in text_file.read_text(encoding="utf-8")


def test_periods_in_chinese_and_bad_input(sd, journal):
    assert report(sd, "周报")["start"] == "2026-11-23"
    assert report(sd, "月报")["start"] == "2026-11-01"
    assert sd("report", "year").exit_code == 2
    assert sd("report", "week", "--format", "pdf").exit_code == 2


@pytest.mark.parametrize("width", [100, 60])
def test_reads_well_at_any_width(sd, journal, monkeypatch, width):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", str(width))
    out = sd("report", "week").stdout
    assert max(cell_len(line.rstrip()) for line in out.splitlines()) <= width
    assert "Design review" in out and "Visit Old One again" in out


@pytest.fixture
def two_currencies(sd, journal):  # noqa: ANN001, ANN201
    """This week also: Export (30,000 USD) won; receivables overdue: 100,000 CNY on Won deal, 30,000 USD on Export."""
    for args in (
        ("deal", "add", "Export", "--account", "Old One", "--amount", "30000", "--currency", "USD", "--stage", "9"),
        ("deal", "won", "Export"),
        ("receivable", "add", "Won deal", "--amount", "100000", "--due", "2026-11-20"),
        ("receivable", "add", "Export", "--amount", "30000", "--due", "2026-11-21"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, (args, result.output)
    return journal


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_report_never_adds_two_currencies(sd, two_currencies, lang):
    data = report(sd, "--lang", lang, "week")
    s = data["summary"]
    assert (data["currencies"], data["converted"], data["currency"]) == (["CNY", "USD"], False, None)
    assert s["won"] == 2 and s["won_amount"] is None
    assert s["won_amount_by_currency"] == {"CNY": 500_000, "USD": 30_000}
    assert s["overdue_receivable_amount"] is None
    assert s["overdue_receivable_amount_by_currency"] == {"CNY": 100_000, "USD": 30_000}
    assert data["overdue_receivables"]["outstanding_by_currency"] == {"CNY": 100_000, "USD": 30_000}
    assert {m["deal"]: m["currency"] for m in data["stage_moves"]}["Old deal"] == "CNY"
    text = sd("--lang", lang, "report", "week").stdout
    assert "500,000 CNY · 30,000 USD" in text and "100,000 CNY · 30,000 USD" in text
    assert "530,000" not in text and "130,000" not in text
    assert "800,000 CNY" in text  # each deal's row names its currency
    assert data["currency_note"] in text


def test_a_report_converts_at_the_configured_rates(sd, two_currencies, isolated):
    (isolated / "config.toml").write_text('[currency]\nbase = "CNY"\n[currency.rates]\nUSD = 7.1\n', encoding="utf-8")
    data = report(sd, "week")
    assert data["converted"] is True and data["currency"] == "CNY"
    assert data["summary"]["won_amount"] == 500_000 + 30_000 * 7.1
    assert data["summary"]["overdue_receivable_amount"] == 100_000 + 30_000 * 7.1
    text = sd("report", "week").stdout
    assert "713,000" in text and "converted at the configured rates" in text


def test_one_currency_reports_show_no_code(sd, journal):
    text = sd("report", "week").stdout
    assert "CNY" not in text and "500,000" in text


def test_the_teams_week_never_adds_currencies(sd, isolated):
    assert sd("account", "add", "Acme").exit_code == 0
    for name, amount, currency in (("A", "1000000", "CNY"), ("B", "20000", "USD")):
        args = ["deal", "add", name, "--account", "Acme", "--amount", amount, "--currency", currency]
        assert sd(*args, "--owner", "wang").exit_code == 0
        assert sd("deal", "won", name).exit_code == 0
    data = sd("report", "week", "--owner", "all", "--format", "json").json()
    wang = next(o for o in data["by_owner"] if o["owner"] == "wang")
    assert wang["won_amount"] is None and wang["won_amount_by_currency"] == {"CNY": 1000000.0, "USD": 20000.0}
    text = sd("report", "week", "--owner", "all")
    assert "1,000,000 CNY · 20,000 USD" in text.stdout, text.stdout
