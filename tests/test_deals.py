"""sd deal: open, list, show, edit, win, lose and remove deals."""

from __future__ import annotations

import pytest

DEAL_KEYS = {
    "id",
    "account_id",
    "name",
    "external_id",
    "amount",
    "currency",
    "expected_close",
    "forecast_category",
    "playbook",
    "stage",
    "stage_entered_on",
    "status",
    "closed_on",
    "loss_reason",
    "competitors",
    "strategy",
    "next_step",
    "next_step_date",
    "notes",
    "owner",
    "created_by",
    "created_at",
    "updated_at",
    "account",
}


pytestmark = pytest.mark.usefixtures("fresh_journal")


@pytest.fixture
def acme(sd):  # noqa: ANN001, ANN201
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("account", "add", "华为技术有限公司").exit_code == 0
    return "Acme"


def add(sd, *args):  # noqa: ANN001, ANN201
    result = sd("deal", "add", *args)
    assert result.exit_code == 0, result.output
    return result


def test_every_deal_field_can_be_set_by_flag_and_comes_back_in_show_json(sd, acme):
    result = add(
        sd,
        "Core network",
        "--account", "华为",
        "--amount", "1,200,000",
        "--currency", "usd",
        "--close", "2026-12-31",
        "--stage", "3",
        "--playbook", "ten_step",
        "--competitors", "ZTE, Nokia",
        "--strategy", "迂回",
        "--next", "Send the proposal",
        "--next-date", "fri",
        "--external-id", "CRM-42",
        "--owner", "bob",
        "--notes", "Budget approved",
    )  # fmt: skip
    assert "Added deal #1 Core network." in result.stderr
    shown = sd("deal", "show", "Core network", "--json").json()
    expected = {
        "name": "Core network",
        "account": "华为技术有限公司",
        "amount": 1200000.0,
        "currency": "USD",
        "expected_close": "2026-12-31",
        "playbook": "ten_step",
        "stage": "customer_analysis",
        "stage_entered_on": "2026-11-25",
        "status": "open",
        "closed_on": None,
        "loss_reason": None,
        "competitors": "ZTE, Nokia",
        "strategy": "indirect",
        "next_step": "Send the proposal",
        "next_step_date": "2026-11-27",
        "external_id": "CRM-42",
        "owner": "bob",
        "notes": "Budget approved",
    }
    assert {k: shown[k] for k in expected} == expected
    assert DEAL_KEYS <= set(shown)
    assert shown["stage_history"] == [
        {
            "stage": "customer_analysis",
            "playbook": "ten_step",
            "entered_on": "2026-11-25",
            "left_on": None,
            "forced": False,
            "reason": None,
        }
    ]
    assert shown["contacts"] == [] and shown["recent_visits"] == [] and shown["visit_count"] == 0


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("1200000", 1200000.0), ("1,200,000", 1200000.0), ("120万", 1200000.0), ("1.2m", 1200000.0), ("0", 0.0)],
)
def test_amount_forms(sd, acme, typed, amount):
    add(sd, "D", "-A", "Acme", "--amount", typed)
    assert sd("deal", "show", "D", "--json").json()["amount"] == amount


@pytest.mark.parametrize(("typed", "key"), [("customer_analysis", "customer_analysis"), ("3", "customer_analysis"),
                                             ("客户分析", "customer_analysis"), ("Bid won", "bid_won")])  # fmt: skip
def test_stage_by_key_number_or_label(sd, acme, typed, key):
    add(sd, "D", "-A", "Acme", "--stage", typed)
    assert sd("deal", "show", "D", "--json").json()["stage"] == key


def test_defaults_first_stage_of_ten_step_in_cny(sd, acme):
    add(sd, "D", "-A", "Acme")
    shown = sd("deal", "show", "D", "--json").json()
    assert (shown["playbook"], shown["stage"], shown["currency"], shown["amount"]) == (
        "ten_step",
        "project_info",
        "CNY",
        None,
    )


def test_six_step_playbook(sd, acme):
    add(sd, "D", "-A", "Acme", "--playbook", "six_step", "--stage", "挖掘需求")
    shown = sd("deal", "show", "D", "--json").json()
    assert (shown["playbook"], shown["stage"]) == ("six_step", "uncover_needs")
    assert "3. Uncover needs" in sd("deal", "show", "D").stdout


def test_list_by_playbook(sd, acme):
    add(sd, "Ten", "-A", "Acme")
    add(sd, "Six", "-A", "Acme", "--playbook", "Six-Step")
    assert sd("deal", "show", "Six", "--json").json()["playbook"] == "six_step"
    assert [r["name"] for r in sd("deal", "list", "--playbook", "six_step", "--json").json()] == ["Six"]
    assert [r["name"] for r in sd("deal", "list", "--playbook", "ten_step", "--json").json()] == ["Ten"]
    stage = sd("deal", "list", "--playbook", "six_step", "--stage", "1", "--json").json()
    assert [r["name"] for r in stage] == ["Six"]


def test_list_table_json_filters_and_order(sd, acme):
    add(sd, "Late", "-A", "Acme", "--next", "call", "--next-date", "2026-11-20", "--amount", "650000")
    add(sd, "Soon", "-A", "华为", "--next", "demo", "--next-date", "2026-12-01", "--stage", "5")
    add(sd, "No step", "-A", "Acme")
    table = sd("deal", "list")
    assert table.exit_code == 0
    for text in ("Late", "Soon", "No step", "650,000", "5. Initial acceptance", "2026-11-20"):
        assert text in table.stdout, text
    rows = sd("deal", "list", "--json").json()
    assert [r["name"] for r in rows] == ["Late", "Soon", "No step"]  # the most urgent next step first
    assert set(rows[0]) == DEAL_KEYS
    assert [r["name"] for r in sd("deal", "list", "--account", "Acme", "--json").json()] == ["Late", "No step"]
    assert [r["name"] for r in sd("deal", "list", "--stage", "5", "--json").json()] == ["Soon"]
    assert [r["name"] for r in sd("deal", "list", "--owner", "nobody", "--json").json()] == []


def test_won_and_lost(sd, acme):
    add(sd, "Win", "-A", "Acme", "--amount", "100000")
    add(sd, "Lose", "-A", "Acme")
    won = sd("deal", "won", "Win", "--amount", "120000")
    assert won.exit_code == 0 and "Deal #1 is now Won." in won.stderr
    lost = sd("deal", "lost", "Lose", "--reason", "Price too high", "--date", "yesterday")
    assert lost.exit_code == 0, lost.output
    w = sd("deal", "show", "Win", "--json").json()
    assert (w["status"], w["closed_on"], w["amount"]) == ("won", "2026-11-25", 120000.0)
    assert w["stage_history"][-1]["left_on"] == "2026-11-25"
    lo = sd("deal", "show", "Lose", "--json").json()
    assert (lo["status"], lo["closed_on"], lo["loss_reason"]) == ("lost", "2026-11-24", "Price too high")
    assert sd("deal", "list", "--json").json() == []  # open deals by default
    assert [r["name"] for r in sd("deal", "list", "--status", "won", "--json").json()] == ["Win"]
    assert [r["name"] for r in sd("deal", "list", "--status", "丢单", "--json").json()] == ["Lose"]
    assert len(sd("deal", "list", "--status", "all", "--json").json()) == 2
    assert "Won" in sd("deal", "list", "--status", "all").stdout
    again = sd("deal", "won", "Win")
    assert again.exit_code == 1 and "already" in again.stderr


def test_a_lost_deal_won_after_all_has_no_loss_reason(sd, acme):
    add(sd, "D", "-A", "Acme")
    assert sd("deal", "lost", "D", "--reason", "Budget cut").exit_code == 0
    assert sd("deal", "won", "D").exit_code == 0
    shown = sd("deal", "show", "D", "--json").json()
    assert (shown["status"], shown["loss_reason"]) == ("won", None)


def test_edit_moves_the_stage_and_records_it(sd, acme):
    add(sd, "D", "-A", "Acme", "--amount", "100")
    result = sd("deal", "edit", "D", "--stage", "4", "--amount", "200", "--next", "meet", "--next-date", "+1w")
    assert result.exit_code == 0, result.output
    assert "Updated deal #1" in result.stderr
    shown = sd("deal", "show", "D", "--json").json()
    assert (shown["stage"], shown["amount"], shown["next_step"], shown["next_step_date"]) == (
        "competitiveness",
        200.0,
        "meet",
        "2026-12-02",
    )
    assert [(s["stage"], s["left_on"]) for s in shown["stage_history"]] == [
        ("project_info", "2026-11-25"),
        ("competitiveness", None),
    ]
    assert "Stage history" in sd("deal", "show", "D").stdout


def test_edit_the_stage_of_a_closed_deal_is_refused(sd, acme):
    add(sd, "D", "-A", "Acme")
    sd("deal", "lost", "D")
    result = sd("deal", "edit", "D", "--stage", "3", "--notes", "x")
    assert result.exit_code == 1 and "closed" in result.stderr
    assert "--status" not in result.stderr  # no advice to use an option that does not exist
    shown = sd("deal", "show", "D", "--json").json()
    assert (shown["stage"], shown["notes"]) == ("project_info", None)


def test_edit_moves_a_deal_to_another_account_and_clears_fields(sd, acme):
    add(sd, "D", "-A", "Acme", "--amount", "5", "--competitors", "ZTE")
    assert sd("deal", "edit", "D", "--account", "华为", "--amount", "", "--competitors", "").exit_code == 0
    shown = sd("deal", "show", "D", "--json").json()
    assert (shown["account"], shown["amount"], shown["competitors"]) == ("华为技术有限公司", None, None)


def test_show_table(sd, acme):
    sd("contact", "add", "Li", "-A", "Acme", "--role", "decision_maker", "--stance", "supporter")
    add(sd, "Expansion", "-A", "Acme", "--amount", "1200000", "--stage", "2")
    sd("visit", "add", "-A", "Acme", "--deal", "Expansion", "--contact", "Li", "--summary", "Budget talk")
    result = sd("deal", "show", "Expansion")
    assert result.exit_code == 0
    for text in ("#1 Expansion", "2. Project confirmation", "1,200,000", "People", "Li", "Decision maker",
                 "Supporter", "Stage history", "Budget talk"):  # fmt: skip
        assert text in result.stdout, text
    people = sd("deal", "show", "Expansion", "--json").json()["contacts"]
    assert people == [{"id": 1, "name": "Li", "title": None, "role": "decision_maker", "stance": "supporter"}]


def test_rm_keeps_visits_and_followups(sd, acme):
    add(sd, "D", "-A", "Acme")
    sd("visit", "add", "-A", "Acme", "--deal", "D", "--follow-up", "+2d")
    result = sd("deal", "rm", "D")
    assert result.exit_code == 0 and "Removed deal #1" in result.stderr
    assert sd("deal", "list", "--status", "all", "--json").json() == []
    assert sd("visit", "show", "1", "--json").json()["deal_id"] is None
    assert sd("followup", "list", "--json").json()[0]["deal_id"] is None


def test_add_without_account_names_the_flag(sd, acme):
    result = sd("deal", "add", "D")
    assert result.exit_code == 2 and "--account" in result.stderr
    assert sd("deal", "list", "--status", "all", "--json").json() == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_second_deal_of_the_same_name_at_an_account_is_refused_unless_allowed(sd, lang):
    assert sd("account", "add", "广州地铁集团").exit_code == 0
    assert sd("account", "add", "深圳地铁集团").exit_code == 0
    assert sd("deal", "add", "14号线通信系统", "--account", "广州地铁").exit_code == 0
    again = sd("--lang", lang, "deal", "add", "１４号线通信系统", "--account", "广州地铁", "--amount", "5")
    assert again.exit_code == 1, again.output
    assert "#1 14号线通信系统" in again.stderr and "--allow-duplicate" in again.stderr
    assert again.stderr.count("\n") == 1
    assert len(sd("deal", "list", "--json").json()) == 1  # nothing was added
    elsewhere = sd("deal", "add", "14号线通信系统", "--account", "深圳地铁")  # another account: fine
    assert elsewhere.exit_code == 0, elsewhere.output
    allowed = sd("deal", "add", "14号线通信系统", "--account", "广州地铁", "--allow-duplicate")
    assert allowed.exit_code == 0, allowed.output
    assert len(sd("deal", "list", "--json").json()) == 3


def test_a_closed_deal_of_the_same_name_is_a_duplicate_too(sd):
    assert sd("account", "add", "华为").exit_code == 0
    assert sd("deal", "add", "Core network", "--account", "华为").exit_code == 0
    assert sd("deal", "lost", "Core network", "--reason", "price").exit_code == 0
    again = sd("deal", "add", "core network", "--account", "华为")
    assert again.exit_code == 1 and "#1 Core network" in again.stderr, again.output


@pytest.mark.parametrize("amount", ["1,2", "1,2,3", "12,34"])
def test_a_comma_that_does_not_group_thousands_is_refused(sd, amount):
    assert sd("account", "add", "Acme").exit_code == 0
    result = sd("deal", "add", "Big", "--account", "Acme", "--amount", amount)
    assert result.exit_code == 2 and "groups thousands" in result.stderr
    assert sd("deal", "add", "Big", "--account", "Acme", "--amount", "1,200,000").exit_code == 0
