"""`sd receivable add|list|paid`: amounts due on won deals, grouped by seed 004's collection matrix."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from conftest import build

# Today is 2026-11-25; by default "long" is 90 days overdue or more (due on or before 2026-08-27)
# and "large" is 200,000 or more outstanding.
STEPS = [
    ("2026-05-01", ("account", "add", "招商银行深圳分行")),
    ("2026-05-01", ("deal", "add", "网点无线网络", "--account", "招商银行", "--amount", "1500000", "--stage", "9")),
    ("2026-05-20", ("deal", "won", "网点无线网络")),
    ("2026-05-01", ("deal", "add", "Still open", "--account", "招商银行")),
    (
        "2026-05-21",
        ("receivable", "add", "网点无线网络", "--amount", "500000", "--due", "2026-07-01", "--note", "首付款"),
    ),  # 1: 147 days, large → special arrangement
    ("2026-05-21", ("receivable", "add", "网点无线网络", "--amount", "30万", "--due", "2026-11-01")),  # 2: 24, large
    ("2026-05-21", ("receivable", "add", "网点无线网络", "--amount", "50000", "--due", "2026-06-01")),  # 3: 177, small
    ("2026-05-21", ("receivable", "add", "网点无线网络", "--amount", "20000", "--due", "2026-11-20")),  # 4: 5, small
    ("2026-05-21", ("receivable", "add", "网点无线网络", "--amount", "250000", "--due", "2027-01-15")),  # 5: not due
    ("2026-05-21", ("receivable", "add", "网点无线网络", "--amount", "200000", "--due", "2026-08-27")),  # 6: 90, large
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("receivable") / "journal.sqlite"
    build(path, STEPS)
    return path


@pytest.fixture
def journal(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def listing(sd, *args: str) -> dict:  # noqa: ANN001
    result = sd("receivable", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return result.json()


def test_overdue_receivables_grouped_by_the_collection_matrix(sd, journal):
    data = listing(sd)
    got = [(i["id"], i["state"], i["days_overdue"], i["action"]) for i in data["items"]]
    assert got == [
        (1, "overdue", 147, "special_arrangement"),
        (6, "overdue", 90, "special_arrangement"),  # exactly 90 days and exactly 200,000: long and large
        (2, "overdue", 24, "rep_visit"),
        (3, "overdue", 177, "escalate_letters"),
        (4, "overdue", 5, "finance_reminder"),
        (5, "due", 0, None),
    ]
    groups = {(g["state"], g["action"]): (g["receivables"], g["outstanding"]) for g in data["groups"]}
    assert groups == {
        ("overdue", "special_arrangement"): (2, 700_000),
        ("overdue", "rep_visit"): (1, 300_000),
        ("overdue", "escalate_letters"): (1, 50_000),
        ("overdue", "finance_reminder"): (1, 20_000),
        ("due", None): (1, 250_000),
    }
    assert data["totals"] == {
        "receivables": 6,
        "amount": 1_320_000,
        "paid": 0,
        "outstanding": 1_320_000,
        "amount_by_currency": {"CNY": 1_320_000},
        "paid_by_currency": {"CNY": 0},
        "outstanding_by_currency": {"CNY": 1_320_000},
    }
    assert data["items"][0]["note"] == "首付款"


def test_the_sql_grouping_agrees_with_the_matrix_in_core(sd, journal, isolated):
    from salesdiary.core import collection

    for config in ("", "[collection]\nlong_days = 30\nlarge_amount = 40000\n"):
        (isolated / "config.toml").write_text(config, encoding="utf-8")
        rules = collection.rules(lambda key, default, text=config: _toml(text, key, default))
        for item in listing(sd)["items"]:
            found = collection.action_for(item["days_overdue"], item["outstanding"], rules)
            assert (found.key if found else None) == item["action"], (config, item)


def _toml(text: str, key: str, default: object) -> object:
    import tomllib

    node: object = tomllib.loads(text)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def test_thresholds_come_from_config(sd, journal, isolated):
    (isolated / "config.toml").write_text("[collection]\nlong_days = 20\nlarge_amount = 400000\n", encoding="utf-8")
    actions = {i["id"]: i["action"] for i in listing(sd)["items"]}
    assert actions == {
        1: "special_arrangement",
        6: "escalate_letters",
        2: "escalate_letters",
        3: "escalate_letters",
        4: "finance_reminder",
        5: None,
    }
    (isolated / "config.toml").write_text("[collection]\nlong_days = 0\n", encoding="utf-8")
    assert sd("receivable", "list").exit_code == 2


def test_payments(sd, journal):
    result = sd("receivable", "paid", "2", "--amount", "150000", "--date", "2026-11-24")
    assert result.exit_code == 0 and "150,000.00 still outstanding" in result.stderr
    item = next(i for i in listing(sd)["items"] if i["id"] == 2)
    assert (item["paid_amount"], item["outstanding"], item["action"]) == (150_000, 150_000, "finance_reminder")
    assert sd("receivable", "paid", "2", "--amount", "150001").exit_code == 2  # more than is owed
    assert sd("receivable", "paid", "2").exit_code == 0  # the rest
    assert 2 not in [i["id"] for i in listing(sd)["items"]]
    paid = listing(sd, "--status", "paid")["items"]
    assert [(i["id"], i["state"], i["paid_on"]) for i in paid] == [(2, "paid", "2026-11-25")]
    again = sd("receivable", "paid", "2")
    assert again.exit_code == 1 and "already paid" in again.stderr
    assert len(listing(sd, "--status", "all")["items"]) == 6


def test_only_won_deals_and_valid_input(sd, journal):
    refused = sd("receivable", "add", "Still open", "--amount", "1000", "--due", "+30d")
    assert refused.exit_code == 1 and "not won" in refused.stderr
    assert sd("receivable", "add", "网点无线网络", "--due", "+30d").exit_code == 2  # no amount
    assert sd("receivable", "add", "网点无线网络", "--amount", "0", "--due", "+30d").exit_code == 2
    assert sd("receivable", "add", "网点无线网络", "--amount", "10", "--due", "someday").exit_code == 2
    assert sd("receivable", "paid", "99").exit_code == 1
    assert sd("receivable", "paid", "abc").exit_code == 2
    added = sd("receivable", "add", "网点无线网络", "--amount", "1000", "--due", "+30d")
    assert added.exit_code == 0 and "#7" in added.stderr
    assert next(i for i in listing(sd)["items"] if i["id"] == 7)["due"] == str(
        dt.date(2026, 11, 25) + dt.timedelta(days=30)
    )
    assert sd("receivable", "rm", "7").exit_code == 0
    assert 7 not in [i["id"] for i in listing(sd)["items"]]


def test_table_shows_the_json_numbers(sd, journal):
    data = listing(sd)
    text = sd("receivable", "list").stdout
    assert "Receivables · 6 · 1,320,000 outstanding" in text
    assert "Agree a special way of collecting with the company (2 · 700,000)" in text
    assert "The rep visits to collect (1 · 300,000)" in text
    assert "Escalate the collection letters (1 · 50,000)" in text
    assert "Finance sends the usual reminder (1 · 20,000)" in text
    assert "Not yet due (1 · 250,000)" in text
    for item in data["items"]:
        line = next(ln for ln in text.splitlines() if ln.startswith(f"| {item['id']:>2} |"))
        assert f"{item['outstanding']:,.0f}" in line and item["due"] in line
    zh = sd("--lang", "zh", "receivable", "list").stdout
    assert "与公司协商采取特殊的收款方式" in zh and "销售人员上门催收" in zh


@pytest.mark.parametrize("width", [100, 60])
def test_reads_well_at_any_width(sd, journal, monkeypatch, width):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", str(width))
    out = sd("receivable", "list").stdout
    assert max(cell_len(line.rstrip()) for line in out.splitlines()) <= width
    assert "招商银行深圳分行" in out and "147 days" in out


@pytest.fixture
def two_currencies(sd, journal):  # noqa: ANN001, ANN201
    """Also a won USD deal with 40,000 USD overdue (5 days, small: finance reminder) beside the CNY ones."""
    for args in (
        ("deal", "add", "Export", "--account", "招商银行", "--amount", "40000", "--currency", "USD", "--stage", "9"),
        ("deal", "won", "Export"),
        ("receivable", "add", "Export", "--amount", "40000", "--due", "2026-11-20"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, (args, result.output)
    return journal


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_receivables_in_two_currencies_are_never_added(sd, two_currencies, lang):
    data = listing(sd, "--lang", lang)
    t = data["totals"]
    assert (data["currencies"], data["converted"]) == (["CNY", "USD"], False)
    assert t["receivables"] == 7 and t["outstanding"] is None and t["amount"] is None
    assert t["outstanding_by_currency"] == {"CNY": 1_320_000, "USD": 40_000}
    groups = {(g["state"], g["action"]): g for g in data["groups"]}
    reminder = groups[("overdue", "finance_reminder")]
    assert reminder["receivables"] == 2 and reminder["outstanding"] is None
    assert reminder["outstanding_by_currency"] == {"CNY": 20_000, "USD": 40_000}
    assert next(i for i in data["items"] if i["deal"] == "Export")["currency"] == "USD"
    text = sd("--lang", lang, "receivable", "list").stdout
    assert "1,320,000 CNY · 40,000 USD" in text and "20,000 CNY · 40,000 USD" in text
    assert "1,360,000" not in text and "60,000" not in text
    assert "40,000 USD" in text and data["currency_note"] in text


def test_receivable_totals_convert_at_the_configured_rates(sd, two_currencies, isolated):
    (isolated / "config.toml").write_text('[currency]\nbase = "CNY"\n[currency.rates]\nUSD = 7.1\n', encoding="utf-8")
    data = listing(sd)
    assert data["converted"] is True and data["totals"]["outstanding"] == 1_320_000 + 40_000 * 7.1
    assert "1,604,000" in sd("receivable", "list").stdout


def test_one_currency_receivables_show_no_code(sd, journal):
    assert "CNY" not in sd("receivable", "list").stdout
