"""`sd funnel`: the open pipeline by stage, checked figure by figure against a small hand-made journal."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import build, load_generator, run_sd

TEN_STEP = [
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
]
PROBABILITY = dict(zip(TEN_STEP, (5, 10, 25, 30, 50, 60, 70, 80, 90, 100), strict=True))


# D1 1,000,000: 1 on 10-01 → 2 on 10-11 → 3 on 11-05 (20 days in stage); a visit on 11-20.
# D2   400,000: 1 on 10-01 → 2 on 11-15 (10 days); its only visit on 10-10, before the move.
# D3 no amount: 1 on 11-20 (5 days).
# D4   600,000: created at 2 on 10-01 (55 days), never visited: stale (30 days by default).
# D5   300,000: 1 on 10-01 → 2 on 10-05, won on 11-10.
# D6   250,000: 1 on 10-01, lost on 10-30.
# D7   100,000: created at 5 on 10-01 (55 days); its account had a visit (not about any deal) on 11-20: not stale.
# D8   500,000: bob's, created at 4 on 11-25 (0 days).
STEPS = [
    ("2026-10-01", ("account", "add", "Alpha", "--info-stage", "qualified")),
    ("2026-10-01", ("account", "add", "Beta", "--info-stage", "prospect")),
    ("2026-10-01", ("deal", "add", "D1", "--account", "Alpha", "--amount", "1000000")),
    ("2026-10-11", ("deal", "edit", "D1", "--stage", "2")),
    ("2026-11-05", ("deal", "edit", "D1", "--stage", "3")),
    ("2026-10-01", ("deal", "add", "D2", "--account", "Alpha", "--amount", "400000")),
    ("2026-11-15", ("deal", "edit", "D2", "--stage", "2")),
    ("2026-11-20", ("deal", "add", "D3", "--account", "Beta")),
    ("2026-10-01", ("deal", "add", "D4", "--account", "Beta", "--amount", "600000", "--stage", "2")),
    ("2026-10-01", ("deal", "add", "D5", "--account", "Alpha", "--amount", "300000")),
    ("2026-10-05", ("deal", "edit", "D5", "--stage", "2")),
    ("2026-11-10", ("deal", "won", "D5")),
    ("2026-10-01", ("deal", "add", "D6", "--account", "Beta", "--amount", "250000")),
    ("2026-10-30", ("deal", "lost", "D6", "--reason", "price")),
    ("2026-11-25", ("deal", "add", "D8", "--account", "Alpha", "--amount", "500000", "--stage", "4", "--owner", "bob")),
    ("2026-10-01", ("account", "add", "Gamma")),
    ("2026-10-01", ("deal", "add", "D7", "--account", "Gamma", "--amount", "100000", "--stage", "5")),
    ("2026-11-20", ("visit", "add", "--account", "Gamma")),
    ("2026-11-20", ("visit", "add", "--account", "Alpha", "--deal", "D1")),
    ("2026-10-10", ("visit", "add", "--account", "Alpha", "--deal", "D2")),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("funnel") / "journal.sqlite"
    build(path, STEPS)
    return path


@pytest.fixture
def pipeline(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def by_stage(data: dict) -> dict[str, dict]:
    return {s["stage"]: s for s in data["stages"]}


def test_each_figure_matches_the_hand_computed_value(sd, pipeline):
    result = sd("funnel", "--json")
    assert result.exit_code == 0, result.output
    data = result.json()
    assert data["playbook"] == "ten_step"
    assert [s["stage"] for s in data["stages"]] == TEN_STEP
    s = by_stage(data)
    assert {k: s["project_info"][k] for k in ("deals", "amount", "weighted", "avg_days_in_stage", "stale")} == {
        "deals": 1,
        "amount": 0,
        "weighted": 0,
        "avg_days_in_stage": 5.0,
        "stale": 0,
    }
    # D2 (400,000, 10 days) and D4 (600,000, 55 days, stale) at 10 %
    assert {k: s["project_confirmation"][k] for k in ("deals", "amount", "weighted", "avg_days_in_stage", "stale")} == {
        "deals": 2,
        "amount": 1_000_000,
        "weighted": 100_000,
        "avg_days_in_stage": 32.5,
        "stale": 1,
    }
    assert (s["customer_analysis"]["deals"], s["customer_analysis"]["weighted"]) == (1, 250_000)
    assert s["customer_analysis"]["avg_days_in_stage"] == 20.0
    assert (s["competitiveness"]["amount"], s["competitiveness"]["weighted"]) == (500_000, 150_000)
    assert s["competitiveness"]["avg_days_in_stage"] == 0.0
    # D7: 55 days in the stage, but its account was visited on 11-20
    assert {k: s["initial_acceptance"][k] for k in ("deals", "amount", "weighted", "avg_days_in_stage", "stale")} == {
        "deals": 1,
        "amount": 100_000,
        "weighted": 50_000,
        "avg_days_in_stage": 55.0,
        "stale": 0,
    }
    for key in TEN_STEP[5:]:
        assert s[key]["deals"] == 0 and s[key]["avg_days_in_stage"] is None
    assert data["totals"] == {
        "deals": 6,
        "amount": 2_600_000,
        "weighted": 550_000,
        "avg_days_in_stage": 24.2,  # (5 + 10 + 55 + 20 + 0 + 55) / 6
        "stale": 1,
        "amount_by_currency": {"CNY": 2_600_000},
        "weighted_by_currency": {"CNY": 550_000},
    }
    assert [(c["status"], c["deals"], c["amount"]) for c in data["closed"]] == [
        ("won", 1, 300_000),
        ("lost", 1, 250_000),
    ]


def test_conversion_from_stage_history(sd, pipeline):
    s = by_stage(sd("funnel", "--json").json())
    # entered 1: D1 D2 D3 D5 D6; moved on: D1, D2, D5 (won) → 60 %
    assert (s["project_info"]["entered"], s["project_info"]["advanced"], s["project_info"]["conversion_pct"]) == (
        5,
        3,
        60.0,
    )
    # entered 2: D1 D2 D4 D5; moved on: D1 (to 3) and D5 (won) → 50 %
    assert (s["project_confirmation"]["entered"], s["project_confirmation"]["advanced"]) == (4, 2)
    assert s["project_confirmation"]["conversion_pct"] == 50.0
    assert (s["customer_analysis"]["entered"], s["customer_analysis"]["conversion_pct"]) == (1, 0.0)
    assert (s["competitiveness"]["entered"], s["competitiveness"]["advanced"]) == (1, 0)
    assert s["order_payment"]["conversion_pct"] is None


def test_conversion_counts_the_stages_a_deal_reached_from_first_to_furthest(tmp_path):
    # E1 jumps from 1 to 4: it reached 1-4 and got past 1-3. E2 goes 1 → 3 → back to 2: it reached 1-3 and got
    # past 1-2 (it was at 3 once). E3 is won at 2. E4 is lost at 1.
    path = tmp_path / "journal.sqlite"
    build(
        path,
        [
            ("2026-10-01", ("account", "add", "Acme")),
            ("2026-10-01", ("deal", "add", "E1", "--account", "Acme")),
            ("2026-10-10", ("deal", "edit", "E1", "--stage", "4")),
            ("2026-10-01", ("deal", "add", "E2", "--account", "Acme")),
            ("2026-10-05", ("deal", "edit", "E2", "--stage", "3")),
            ("2026-10-20", ("deal", "edit", "E2", "--stage", "2")),
            ("2026-10-01", ("deal", "add", "E3", "--account", "Acme", "--stage", "2")),
            ("2026-10-09", ("deal", "won", "E3")),
            ("2026-10-01", ("deal", "add", "E4", "--account", "Acme")),
            ("2026-10-02", ("deal", "lost", "E4", "--reason", "price")),
        ],
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SD_DB", str(path))
        mp.setenv("SD_TODAY", "2026-11-25")
        s = by_stage(run_sd("funnel", "--json").json())
    got = {k: (s[k]["entered"], s[k]["advanced"]) for k in TEN_STEP[:5]}
    assert got == {
        "project_info": (3, 2),  # E1 E2 E4; past it: E1 E2
        "project_confirmation": (3, 3),  # E1 E2 E3; past it: E1 E2, and E3 was won there
        "customer_analysis": (2, 1),  # E1 E2; past it: E1
        "competitiveness": (1, 0),  # E1, still there
        "initial_acceptance": (0, 0),
    }
    window = by_stage(run_sd("funnel", "--since", "2026-10-05", "--json").json())
    # in the window: E1 entered 4 (10-10), E2 entered 3 then 2 (10-05, 10-20): only stages seen since count
    assert {k: (window[k]["entered"], window[k]["advanced"]) for k in TEN_STEP[:5]} == {
        "project_info": (0, 0),
        "project_confirmation": (1, 1),
        "customer_analysis": (1, 0),
        "competitiveness": (1, 0),
        "initial_acceptance": (0, 0),
    }


def test_since_limits_conversion_and_closed_deals(sd, pipeline):
    data = sd("funnel", "--since", "2026-11-01", "--json").json()
    s = by_stage(data)
    assert (s["project_info"]["entered"], s["project_info"]["advanced"]) == (1, 0)  # only D3 entered since
    assert (s["project_confirmation"]["entered"], s["customer_analysis"]["entered"]) == (1, 1)  # D2, D1
    assert [(c["status"], c["deals"]) for c in data["closed"]] == [("won", 1)]  # D6 was lost on 10-30
    assert data["since"] == "2026-11-01"
    assert data["totals"]["deals"] == 6  # the open pipeline itself does not depend on --since


def test_filters_by_owner_account_and_playbook(sd, pipeline):
    bob = sd("funnel", "--owner", "bob", "--json").json()
    assert bob["totals"] == {
        "deals": 1,
        "amount": 500_000,
        "weighted": 150_000,
        "avg_days_in_stage": 0.0,
        "stale": 0,
        "amount_by_currency": {"CNY": 500_000},
        "weighted_by_currency": {"CNY": 150_000},
    }
    assert bob["closed"] == []
    beta = sd("funnel", "--account", "Beta", "--json").json()
    assert (beta["totals"]["deals"], beta["totals"]["amount"], beta["totals"]["stale"]) == (2, 600_000, 1)
    assert [c["status"] for c in beta["closed"]] == ["lost"]
    assert "coverage" not in beta
    six = sd("funnel", "--playbook", "six_step", "--json").json()
    assert six["totals"]["deals"] == 0
    assert six["other_playbooks"] == [{"playbook": "ten_step", "deals": 6}]
    assert "sd funnel --playbook ten_step" in sd("funnel", "--playbook", "six_step").stdout


def test_coverage_uses_seed_001_rule_of_thumb(sd, pipeline):
    cov = sd("funnel", "--json").json()["coverage"]
    assert (cov["qualified"], cov["prospects"]) == (1, 1)
    assert cov["expected_customers"] == 0.4  # (1 prospect + 1/15) / 3


def test_stale_threshold_comes_from_config(sd, pipeline, isolated):
    (isolated / "config.toml").write_text("[health]\nstale_days = 60\n", encoding="utf-8")
    assert sd("funnel", "--json").json()["totals"]["stale"] == 0
    (isolated / "config.toml").write_text("[health.stale_days]\ndefault = 90\n2 = 50\n", encoding="utf-8")
    assert by_stage(sd("funnel", "--json").json())["project_confirmation"]["stale"] == 1


def _numbers(cell: str) -> float | None:
    text = cell.strip().replace(",", "").rstrip("%")
    return None if text in ("", "–") else float(text)


def test_table_csv_and_json_show_the_same_numbers(sd, pipeline):
    data = sd("funnel", "--json").json()
    table = sd("funnel").stdout
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and re.match(r"(\d+\. |Total|Won|Lost)", cells[0]):
            rows[cells[0]] = cells
    for s in data["stages"]:
        cells = rows[f"{s['number']}. {s['label']}"]
        expected = [s["deals"], s["amount"], s["weighted"]]
        assert [_numbers(c) for c in cells[1:4]] == expected
        if s["deals"]:
            assert _numbers(cells[4]) == s["avg_days_in_stage"]
            assert _numbers(cells[5]) == s["stale"]
        assert _numbers(cells[6]) == s["conversion_pct"]
    t = data["totals"]
    assert [_numbers(c) for c in rows["Total"][1:6]] == [
        t["deals"],
        t["amount"],
        t["weighted"],
        t["avg_days_in_stage"],
        t["stale"],
    ]
    assert [_numbers(c) for c in rows["Won"][1:3]] == [1, 300_000]
    flat = list(csv.DictReader(io.StringIO(sd("funnel", "--format", "csv").stdout)))
    assert [r["stage"] for r in flat] == TEN_STEP + ["total", "won", "lost"]
    for r, s in zip(flat, data["stages"], strict=False):
        assert (int(r["deals"]), float(r["amount"]), float(r["weighted"]), int(r["stale"])) == (
            s["deals"],
            s["amount"],
            s["weighted"],
            s["stale"],
        )
    assert float(flat[10]["amount"]) == t["amount"]


def test_bars_follow_the_amounts(sd, pipeline):
    lines = {ln.split("|")[1].strip(): ln for ln in sd("funnel").stdout.splitlines() if ln.startswith("|")}
    bar = {k: v.count("█") for k, v in lines.items() if k[:1].isdigit()}
    assert bar["2. Project confirmation"] == bar["3. Customer analysis"]  # both 1,000,000
    assert bar["2. Project confirmation"] > bar["4. Competitiveness assessment"] > 0
    assert bar["10. Order and payment"] == 0


def test_reads_well_in_narrow_and_wide_terminals(sd, pipeline, monkeypatch):
    from rich.cells import cell_len

    for width in (100, 60):
        monkeypatch.setenv("COLUMNS", str(width))
        out = sd("funnel").stdout
        assert max(cell_len(line.rstrip()) for line in out.splitlines()) <= width
        for label in ("Project information", "Competitiveness", "Order and payment", "2,600,000", "550,000"):
            assert label in out, (width, label)


def test_empty_journal_and_bad_options(sd):
    data = sd("funnel", "--json").json()
    assert data["totals"]["deals"] == 0 and all(s["deals"] == 0 for s in data["stages"])
    assert sd("funnel", "--format", "xml").exit_code == 2
    assert sd("funnel", "--playbook", "nine_step").exit_code == 1
    assert sd("funnel", "--since", "someday").exit_code == 2


# --- property: the totals equal the sum of the rows ---------------------------------------------------------

deal_strategy = st.fixed_dictionaries(
    {
        "stage": st.sampled_from(TEN_STEP + ["retired_stage"]),
        "amount": st.one_of(st.none(), st.integers(0, 10**9).map(lambda c: c / 100)),
        "days": st.integers(0, 400),
        "status": st.sampled_from(["open", "open", "open", "won", "lost"]),
        "playbook": st.sampled_from(["ten_step", "ten_step", "ten_step", "six_step"]),
        "owner": st.sampled_from(["amy", "bob"]),
        "visits": st.lists(st.integers(0, 100), max_size=3),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deals=st.lists(deal_strategy, max_size=25), account_visits=st.lists(st.integers(0, 100), max_size=3))
def test_totals_equal_the_sum_of_the_rows(sd, isolated, deals, account_visits):
    today = dt.date(2026, 11, 25)
    path = isolated / "journal.sqlite"
    assert sd("funnel").exit_code == 0  # creates the journal
    con = sqlite3.connect(path)
    stamp = "2026-01-01 00:00:00"
    with con:
        for table in ("visit", "stage_history", "deal", "account"):
            con.execute(f"DELETE FROM {table}")
        con.execute(
            "INSERT INTO account (id, name, name_key, info_stage, owner, created_by, reported_at, created_at,"
            " updated_at) VALUES (1, 'A', 'a', 'lead', 'amy', 'amy', ?, ?, ?)",
            (stamp, stamp, stamp),
        )

        def visit(deal_id: int | None, days: int) -> None:
            con.execute(
                "INSERT INTO visit (account_id, deal_id, date, kind, assist, owner, created_by, created_at,"
                " updated_at) VALUES (1, ?, ?, 'visit', 0, 'amy', 'amy', ?, ?)",
                (deal_id, (today - dt.timedelta(days=days)).isoformat(), stamp, stamp),
            )

        for n, d in enumerate(deals, start=1):
            con.execute(
                "INSERT INTO deal (id, account_id, name, amount, currency, playbook, stage, stage_entered_on, status,"
                " owner, created_by, created_at, updated_at) VALUES (?, 1, ?, ?, 'CNY', ?, ?, ?, ?, ?, 'amy', ?, ?)",
                (
                    n,
                    f"D{n}",
                    d["amount"],
                    d["playbook"],
                    d["stage"],
                    (today - dt.timedelta(days=d["days"])).isoformat(),
                    d["status"],
                    d["owner"],
                    stamp,
                    stamp,
                ),
            )
            for days in d["visits"]:
                visit(n, days)
        for days in account_visits:
            visit(None, days)
    con.close()
    data = sd("funnel", "--json").json()
    rows, totals = data["stages"], data["totals"]
    open_deals = [d for d in deals if d["status"] == "open" and d["playbook"] == "ten_step"]
    assert totals["deals"] == len(open_deals) == sum(r["deals"] for r in rows)
    assert totals["stale"] == sum(r["stale"] for r in rows)
    assert totals["amount"] == pytest.approx(sum(r["amount"] for r in rows), abs=0.01 * (len(rows) + 1))
    assert totals["weighted"] == pytest.approx(sum(r["weighted"] for r in rows), abs=0.01 * (len(rows) + 1))
    expected_weighted = sum((d["amount"] or 0) * PROBABILITY.get(d["stage"], 0) / 100 for d in open_deals)
    assert totals["weighted"] == pytest.approx(expected_weighted, abs=0.01)
    if totals["deals"]:
        mean = sum(r["avg_days_in_stage"] * r["deals"] for r in rows if r["deals"]) / totals["deals"]
        assert totals["avg_days_in_stage"] == pytest.approx(mean, abs=0.1)


# --- money in several currencies ------------------------------------------------------------------------------

RATES = '[currency]\nbase = "CNY"\n[currency.rates]\nUSD = 7.1\n'


@pytest.fixture
def two_currencies(sd, pipeline):  # noqa: ANN001, ANN201
    """The pipeline plus D9, 20,000 USD at stage 2 (weighted 10 %), and D10, 5,000 USD, lost."""
    for args in (
        ("deal", "add", "D9", "--account", "Beta", "--amount", "20000", "--currency", "USD", "--stage", "2"),
        ("deal", "add", "D10", "--account", "Beta", "--amount", "5000", "--currency", "USD"),
        ("deal", "lost", "D10", "--reason", "price"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output
    return pipeline


def test_one_currency_shows_no_currency_and_keeps_its_keys(sd, pipeline):
    data = sd("funnel", "--json").json()
    assert (data["currency"], data["currencies"], data["converted"], data["rates"]) == ("CNY", ["CNY"], False, None)
    assert data["totals"]["amount"] == 2_600_000 and data["currency_note"] is None
    table = sd("funnel").stdout
    assert "CNY" not in table and "2,600,000" in table


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_amounts_in_two_currencies_are_never_added(sd, two_currencies, lang):
    data = sd("--lang", lang, "funnel", "--json").json()
    t = data["totals"]
    assert (data["currency"], data["currencies"], data["converted"]) == (None, ["CNY", "USD"], False)
    assert t["amount"] is None and t["weighted"] is None  # no silent 2,620,000
    assert t["amount_by_currency"] == {"CNY": 2_600_000, "USD": 20_000}
    assert t["weighted_by_currency"] == {"CNY": 550_000, "USD": 2_000}
    s = by_stage(data)
    assert s["project_confirmation"]["amount_by_currency"] == {"CNY": 1_000_000, "USD": 20_000}
    assert s["customer_analysis"]["amount_by_currency"] == {"CNY": 1_000_000}
    for code in ("CNY", "USD"):  # the database's total per currency is the sum of the stages'
        assert sum(st["amount_by_currency"].get(code, 0) for st in data["stages"]) == t["amount_by_currency"][code]
    lost = next(c for c in data["closed"] if c["status"] == "lost")
    assert lost["amount"] is None and lost["amount_by_currency"] == {"CNY": 250_000, "USD": 5_000}
    table = sd("--lang", lang, "funnel").stdout
    assert "2,600,000 CNY · 20,000 USD" in table and "550,000 CNY · 2,000 USD" in table
    assert "2,620,000" not in table
    assert data["currency_note"] in table.replace("\n", " ") or data["currency_note"][:20] in table
    assert ("never added" in data["currency_note"]) == (lang == "en")
    assert ("不相加" in data["currency_note"]) == (lang == "zh")


def test_csv_gives_each_currency_its_columns_and_says_why_on_stderr(sd, two_currencies):
    result = sd("funnel", "--format", "csv")
    flat = list(csv.DictReader(io.StringIO(result.stdout)))
    total = next(r for r in flat if r["stage"] == "total")
    assert total["amount"] == "" and float(total["amount_CNY"]) == 2_600_000 and float(total["amount_USD"]) == 20_000
    assert float(total["weighted_USD"]) == 2_000
    assert "never added" in result.stderr


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_configured_rates_convert_the_totals_and_say_so(sd, two_currencies, isolated, lang):
    (isolated / "config.toml").write_text(RATES, encoding="utf-8")
    data = sd("--lang", lang, "funnel", "--json").json()
    assert (data["currency"], data["converted"], data["rates"]) == ("CNY", True, {"CNY": 1.0, "USD": 7.1})
    assert data["totals"]["amount"] == 2_600_000 + 20_000 * 7.1
    assert data["totals"]["amount_by_currency"] == {"CNY": 2_600_000, "USD": 20_000}
    table = sd("--lang", lang, "funnel").stdout
    assert "2,742,000" in table and "USD 7.1" in table
    assert ("converted at the configured rates" in table) == (lang == "en")
    assert ("按配置的汇率折算" in table) == (lang == "zh")


def test_a_currency_without_a_rate_is_not_converted(sd, two_currencies, isolated):
    (isolated / "config.toml").write_text('[currency]\nbase = "CNY"\n[currency.rates]\nEUR = 7.7\n', encoding="utf-8")
    data = sd("funnel", "--json").json()
    assert data["converted"] is False and data["totals"]["amount"] is None
    assert "no rate for USD" in data["currency_note"]


@pytest.mark.parametrize(
    "config", ['[currency]\nbase = "yuan"\n', "[currency]\n[currency.rates]\nUSD = -1\n", "[currency]\nrates = 3\n"]
)
def test_a_bad_currency_table_is_one_line_and_exit_2(sd, pipeline, isolated, config):
    (isolated / "config.toml").write_text(config, encoding="utf-8")
    result = sd("funnel")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "currency" in result.stderr, result.output


def test_the_base_of_a_currency_table_is_the_currency_of_new_deals(sd, isolated):
    (isolated / "config.toml").write_text('[currency]\nbase = "USD"\n', encoding="utf-8")
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("deal", "add", "Pumps", "--account", "Acme", "--amount", "10").exit_code == 0
    assert sd("deal", "show", "Pumps", "--json").json()["currency"] == "USD"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_deals_on_other_playbooks_are_named_in_every_format(sd, pipeline, lang):
    assert sd("deal", "add", "S1", "--account", "Alpha", "--playbook", "six_step").exit_code == 0
    table = sd("--lang", lang, "funnel").stdout
    assert "sd funnel --playbook six_step" in table
    assert ("1 more open deal follows playbook six_step" in table) == (lang == "en")
    csv_run = sd("--lang", lang, "funnel", "--format", "csv")
    assert "sd funnel --playbook six_step" in csv_run.stderr and "six_step" not in csv_run.stdout
    assert sd("funnel", "--json").json()["other_playbooks"] == [{"playbook": "six_step", "deals": 1}]


def test_the_funnel_reads_the_same_with_and_without_its_side_by_side_lanes(sd, isolated, monkeypatch):
    """The funnel's four reads run in threads, each on a connection of its own (connection.side_by_side);
    SD_ONE_LANE=1 runs them one after the other on one. On a generated journal of a few hundred deals, with
    stage history, won and lost deals and visits, the table, the JSON and the CSV are the same byte for byte."""
    from salesdiary.store.connection import SqliteReader

    load_generator().generate(
        "lanes",
        isolated / "journal.sqlite",
        today=dt.date(2026, 11, 25),
        counts=dict(accounts=120, contacts=300, deals=400, visits=2_000, followups=300),
    )
    siblings = SqliteReader.siblings
    opened: list[int] = []

    def counted(self: SqliteReader) -> Any:
        opened.append(1)
        return siblings(self)

    monkeypatch.setattr(SqliteReader, "siblings", counted)
    commands = [("funnel",), ("funnel", "--json"), ("funnel", "--format", "csv"), ("funnel", "--by", "owner")]
    outputs = {}
    for lanes in ("side by side", "one lane"):
        if lanes == "one lane":
            monkeypatch.setenv("SD_ONE_LANE", "1")
        opened.clear()
        results = [sd(*args) for args in commands]
        for args, result in zip(commands, results, strict=True):
            assert result.exit_code == 0, (lanes, args, result.output)
        outputs[lanes] = [(r.stdout, r.stderr) for r in results]
        # the switch took: threads on other connections, or none
        assert bool(opened) == (lanes == "side by side"), (lanes, len(opened))
    assert len(json.loads(outputs["one lane"][1][0])["stages"]) > 1
    for args, threaded, single in zip(commands, outputs["side by side"], outputs["one lane"], strict=True):
        assert threaded == single, args


def test_the_funnel_by_owner_never_adds_currencies(sd, isolated):
    assert sd("account", "add", "Acme").exit_code == 0
    for name, amount, currency, owner in (
        ("A", "1000000", "CNY", "wang"),
        ("B", "20000", "USD", "wang"),
        ("C", "500000", "CNY", "li"),
    ):
        args = ["deal", "add", name, "--account", "Acme", "--amount", amount, "--currency", currency]
        assert sd(*args, "--owner", owner, "--stage", "3").exit_code == 0
    data = sd("funnel", "--by", "owner", "--json").json()
    assert data["currencies"] == ["CNY", "USD"] and data["converted"] is False and data["currency_note"]
    wang = next(o for o in data["owners"] if o["owner"] == "wang")
    assert wang["amount"] is None and wang["amount_by_currency"] == {"CNY": 1000000.0, "USD": 20000.0}
    li = next(o for o in data["owners"] if o["owner"] == "li")
    assert li["amount_by_currency"] == {"CNY": 500000.0}
    table = sd("funnel", "--by", "owner")
    assert "1,000,000 CNY · 20,000 USD" in table.stdout and "never added" in table.stderr
    csv = sd("funnel", "--by", "owner", "--format", "csv").stdout.splitlines()
    assert "amount_CNY" in csv[0] and "amount_USD" in csv[0]
    (isolated / "config.toml").write_text('[currency]\nbase = "CNY"\n[currency.rates]\nUSD = 7.0\n', encoding="utf-8")
    converted = sd("funnel", "--by", "owner", "--json").json()
    wang = next(o for o in converted["owners"] if o["owner"] == "wang")
    assert converted["converted"] is True and wang["amount"] == 1000000 + 20000 * 7.0
