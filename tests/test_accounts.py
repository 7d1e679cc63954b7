"""sd account: report, list, show, edit and remove the customer organisations."""

from __future__ import annotations

import pytest

ACCOUNT_KEYS = {
    "id",
    "name",
    "purchase_mode",
    "source",
    "industry",
    "region",
    "address",
    "phone",
    "website",
    "info_stage",
    "relation",
    "tier",
    "lifecycle",
    "notes",
    "owner",
    "created_by",
    "reported_at",
    "created_at",
    "updated_at",
}


pytestmark = pytest.mark.usefixtures("fresh_journal")


def add(sd, *args):  # noqa: ANN001, ANN201
    result = sd("account", "add", *args)
    assert result.exit_code == 0, result.output
    return result


def test_every_account_field_can_be_set_by_flag_and_comes_back_in_show_json(sd):
    add(
        sd,
        "Acme Ltd",
        "--mode", "group",
        "--source", "referral",
        "--industry", "Steel",
        "--region", "East",
        "--address", "1 Harbour Road",
        "--phone", "021-5555",
        "--website", "acme.example",
        "--info-stage", "qualified",
        "--relation", "B",
        "--tier", "important",
        "--lifecycle", "growing",
        "--owner", "bob",
        "--notes", "Met at the expo",
    )  # fmt: skip
    shown = sd("account", "show", "Acme Ltd", "--json").json()
    assert shown["name"] == "Acme Ltd"
    assert {k: shown[k] for k in ("purchase_mode", "source", "info_stage", "relation", "tier", "lifecycle")} == {
        "purchase_mode": "group",
        "source": "referral",
        "info_stage": "qualified",
        "relation": "B",
        "tier": "important",
        "lifecycle": "growing",
    }
    assert (shown["industry"], shown["region"], shown["address"]) == ("Steel", "East", "1 Harbour Road")
    assert (shown["phone"], shown["website"], shown["owner"], shown["notes"]) == (
        "021-5555",
        "acme.example",
        "bob",
        "Met at the expo",
    )
    assert ACCOUNT_KEYS <= set(shown)
    assert "name_key" not in shown
    assert shown["contacts"] == [] and shown["deals"] == [] and shown["open_followups"] == []


def test_enum_values_are_accepted_as_either_label(sd):
    add(sd, "华东电网", "--mode", "集团采购", "--source", "展会", "--tier", "Strategic account", "--lifecycle", "成长")
    shown = sd("account", "show", "华东电网", "--json").json()
    assert (shown["purchase_mode"], shown["source"], shown["tier"], shown["lifecycle"]) == (
        "group",
        "exhibition",
        "strategic",
        "growing",
    )


def test_a_new_account_is_a_lead_owned_by_the_reporting_user(sd, isolated):
    (isolated / "config.toml").write_text('[user]\nname = "alice"\n', encoding="utf-8")
    result = add(sd, "Acme")
    assert "Added account #1 Acme." in result.stderr
    shown = sd("account", "show", "1", "--json").json()
    assert (shown["owner"], shown["created_by"], shown["info_stage"]) == ("alice", "alice", "lead")
    assert shown["reported_at"]  # when it was reported: the first reporter owns it


def test_the_first_reporter_owns_an_account_and_a_near_same_name_is_a_conflict(sd):
    add(sd, "华为技术有限公司", "--owner", "alice")
    for same in ("华为技术", "华为技术有限公司", "华为技术 有限公司"):
        result = sd("account", "add", same, "--owner", "bob")
        assert result.exit_code == 1, same
        assert "already reported as account #1" in result.stderr and "alice" in result.stderr
    add(sd, "Acme Co., Ltd.")
    result = sd("account", "add", "ACME co ltd")
    assert result.exit_code == 1 and "Acme Co., Ltd." in result.stderr
    assert len(sd("account", "list", "--json").json()) == 2


def test_list_as_table_and_json(sd):
    add(sd, "Acme", "--tier", "important", "--info-stage", "prospect")
    add(sd, "Beta", "--owner", "bob")
    table = sd("account", "list")
    assert table.exit_code == 0
    assert "Acme" in table.stdout and "Beta" in table.stdout
    assert "Important account" in table.stdout and "Prospect" in table.stdout
    rows = sd("account", "list", "--json").json()
    assert [r["name"] for r in rows] == ["Acme", "Beta"]
    assert ACCOUNT_KEYS | {"contacts", "open_deals", "last_visit"} == set(rows[0])
    assert (rows[0]["contacts"], rows[0]["open_deals"], rows[0]["last_visit"]) == (0, 0, None)


def test_list_filters_and_limit(sd):
    for name in ("Acme", "Acorn", "Beta"):
        add(sd, name)
    sd("account", "edit", "Beta", "--owner", "bob", "--info-stage", "customer")
    assert [r["name"] for r in sd("account", "list", "ac", "--json").json()] == ["Acme", "Acorn"]
    assert [r["name"] for r in sd("account", "list", "--owner", "bob", "--json").json()] == ["Beta"]
    assert [r["name"] for r in sd("account", "list", "--info-stage", "成交客户", "--json").json()] == ["Beta"]
    limited = sd("account", "list", "--limit", "2")
    assert "2 of 3 shown" in limited.stderr
    assert len(sd("account", "list", "-n", "1", "--json").json()) == 1
    assert len(sd("account", "list", "-n", "1", "--all", "--json").json()) == 3


def test_empty_list_says_how_to_add(sd):
    result = sd("account", "list")
    assert result.exit_code == 0
    assert "sd account add" in result.stderr
    assert sd("account", "list", "--json").json() == []


def test_show_table_lists_contacts_deals_visits_and_followups(sd):
    add(sd, "Acme", "--tier", "strategic")
    sd("contact", "add", "Zhang Wei", "--account", "Acme", "--title", "CTO")
    sd("deal", "add", "Expansion", "--account", "Acme", "--amount", "500000")
    sd("visit", "add", "--account", "Acme", "--summary", "Kick-off", "--follow-up", "fri")
    result = sd("account", "show", "Acme")
    assert result.exit_code == 0
    for text in ("#1 Acme", "Strategic account", "Zhang Wei", "CTO", "Expansion", "500,000", "Kick-off", "2026-11-27"):
        assert text in result.stdout, text
    shown = sd("account", "show", "Acme", "--json").json()
    assert [c["name"] for c in shown["contacts"]] == ["Zhang Wei"]
    assert [d["name"] for d in shown["deals"]] == ["Expansion"]
    assert shown["visit_count"] == 1 and shown["recent_visits"][0]["summary"] == "Kick-off"
    assert shown["open_followups"][0]["due"] == "2026-11-27"


def test_edit_changes_fields_and_says_what_changed(sd):
    add(sd, "Acme", "--region", "East", "--relation", "C")
    result = sd("account", "edit", "Acme", "--relation", "B", "--region", "North", "--name", "Acme Holdings")
    assert result.exit_code == 0, result.output
    assert "Updated account #1" in result.stderr and "relation: C → B" in result.stderr
    shown = sd("account", "show", "1", "--json").json()
    assert (shown["name"], shown["relation"], shown["region"]) == ("Acme Holdings", "B", "North")


def test_edit_with_an_empty_value_clears_a_field(sd):
    add(sd, "Acme", "--region", "East", "--info-stage", "prospect")
    assert sd("account", "edit", "Acme", "--region", "", "--info-stage", "").exit_code == 0
    shown = sd("account", "show", "Acme", "--json").json()
    assert shown["region"] is None
    assert shown["info_stage"] == "lead"  # the stage cannot be empty: back to the first one


def test_edit_nothing_changes_nothing(sd):
    add(sd, "Acme", "--region", "East")
    result = sd("account", "edit", "Acme", "--region", "East")
    assert result.exit_code == 0 and "Nothing changed" in result.stderr


def test_rename_onto_another_account_is_a_conflict(sd):
    add(sd, "Acme")
    add(sd, "Beta")
    result = sd("account", "edit", "Acme", "--name", "BETA Ltd")
    assert result.exit_code == 1 and "already reported as account #2" in result.stderr
    assert sd("account", "show", "1", "--json").json()["name"] == "Acme"
    # a new spelling of its own name is fine
    assert sd("account", "edit", "Acme", "--name", "ACME Ltd").exit_code == 0


def test_rm_an_empty_account(sd):
    add(sd, "Acme")
    result = sd("account", "rm", "Acme")
    assert result.exit_code == 0 and "Removed account #1" in result.stderr
    assert sd("account", "list", "--json").json() == []
    assert sd("account", "show", "1").exit_code == 1


def test_rm_refuses_an_account_with_records_unless_forced(sd):
    add(sd, "Acme")
    add(sd, "Beta")
    sd("contact", "add", "Zhang", "--account", "Acme")
    sd("deal", "add", "Expansion", "--account", "Acme")
    sd("visit", "add", "--account", "Acme", "--deal", "Expansion", "--contact", "Zhang", "--follow-up", "+3d")
    refused = sd("account", "rm", "Acme")
    assert refused.exit_code == 1
    assert "holds 1 contact, 1 deal, 1 visit;" in refused.stderr and "--force" in refused.stderr
    assert len(sd("contact", "list", "--json").json()) == 1
    forced = sd("account", "rm", "Acme", "--force")
    assert forced.exit_code == 0, forced.output
    for noun in ("contact", "visit", "followup"):
        assert sd(noun, "list", "--json").json() == [], noun
    assert sd("deal", "list", "--status", "all", "--json").json() == []
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["Beta"]


@pytest.mark.parametrize("lang_option", [("--lang", "zh"), ()])
def test_json_uses_keys_whatever_the_language(sd, lang_option):
    add(sd, "Acme", "--tier", "重要客户", "--mode", "single")
    shown = sd(*lang_option, "account", "show", "Acme", "--json").json()
    assert (shown["tier"], shown["purchase_mode"]) == ("important", "single")
