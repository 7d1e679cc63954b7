"""sd visit: log what happened with the customer, and what comes next."""

from __future__ import annotations

import pytest

VISIT_KEYS = {
    "id",
    "account_id",
    "deal_id",
    "date",
    "kind",
    "purpose",
    "summary",
    "feedback",
    "next_step",
    "follow_up_date",
    "assist",
    "owner",
    "created_by",
    "created_at",
    "updated_at",
    "account",
    "deal",
    "contacts",
}


pytestmark = pytest.mark.usefixtures("fresh_journal")


@pytest.fixture
def journal(sd):  # noqa: ANN001, ANN201
    for args in (
        ("account", "add", "华为技术有限公司"),
        ("account", "add", "Acme"),
        ("contact", "add", "王总", "--account", "华为"),
        ("contact", "add", "李工", "--account", "华为"),
        ("contact", "add", "Smith", "--account", "Acme"),
        ("deal", "add", "Core network", "--account", "华为", "--next", "old step", "--next-date", "2026-12-20"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output


def add(sd, *args):  # noqa: ANN001, ANN201
    result = sd("visit", "add", *args)
    assert result.exit_code == 0, result.output
    return result


def test_every_visit_field_can_be_set_by_flag_and_comes_back_in_show_json(sd, journal):
    result = add(
        sd,
        "--account", "华为",
        "--deal", "Core",
        "--contact", "王总",
        "--contact", "李工",
        "--kind", "技术交流",
        "--date", "yesterday",
        "--purpose", "Present the architecture",
        "--summary", "Two hours with the IT team",
        "--feedback", "They like the redundancy",
        "--next", "Send the quote",
        "--follow-up", "fri",
        "--owner", "bob",
    )  # fmt: skip
    assert "Logged visit #1." in result.stderr and "Follow-up #1 is due 2026-11-27." in result.stderr
    shown = sd("visit", "show", "1", "--json").json()
    expected = {
        "account": "华为技术有限公司",
        "deal": "Core network",
        "kind": "tech_exchange",
        "date": "2026-11-24",
        "purpose": "Present the architecture",
        "summary": "Two hours with the IT team",
        "feedback": "They like the redundancy",
        "next_step": "Send the quote",
        "follow_up_date": "2026-11-27",
        "owner": "bob",
        "assist": False,
    }
    assert {k: shown[k] for k in expected} == expected
    assert sorted(c["name"] for c in shown["contacts"]) == ["李工", "王总"]
    assert set(shown) == VISIT_KEYS


def test_a_visit_with_a_follow_up_date_creates_a_follow_up_that_done_completes(sd, journal):
    add(sd, "-A", "华为", "-D", "Core", "-C", "王总", "--next", "Send the quote", "--follow-up", "fri")
    followups = sd("followup", "list", "--json").json()
    assert len(followups) == 1
    f = followups[0]
    assert (f["due"], f["action"], f["visit_id"], f["deal"], f["contact"], f["done_on"]) == (
        "2026-11-27",
        "Send the quote",
        1,
        "Core network",
        "王总",
        None,
    )
    done = sd("followup", "done", str(f["id"]))
    assert done.exit_code == 0 and "is done" in done.stderr
    assert sd("followup", "list", "--json").json() == []
    assert sd("followup", "list", "--status", "done", "--json").json()[0]["done_on"] == "2026-11-25"


def test_a_follow_up_date_without_a_next_step_still_says_what_to_do(sd, journal):
    add(sd, "-A", "Acme", "--date", "2026-11-20", "--follow-up", "+3d")
    f = sd("followup", "list", "--json").json()[0]
    assert f["due"] == "2026-11-28"
    assert "2026-11-20" in f["action"]


def test_the_deals_next_step_follows_the_visit(sd, journal):
    add(sd, "-D", "Core network", "--next", "Workshop with the CIO", "--follow-up", "明天")
    deal = sd("deal", "show", "Core", "--json").json()
    assert (deal["next_step"], deal["next_step_date"]) == ("Workshop with the CIO", "2026-11-26")
    assert deal["visit_count"] == 1
    # a visit without a next step leaves the deal's next step alone
    add(sd, "-D", "Core network", "--summary", "Coffee")
    deal = sd("deal", "show", "Core", "--json").json()
    assert (deal["next_step"], deal["next_step_date"]) == ("Workshop with the CIO", "2026-11-26")


def test_the_account_comes_from_the_deal(sd, journal):
    add(sd, "--deal", "Core network", "--summary", "Call")
    assert sd("visit", "show", "1", "--json").json()["account"] == "华为技术有限公司"


def test_contacts_met_join_the_deal(sd, journal):
    add(sd, "-D", "Core", "-C", "李工")
    assert [p["name"] for p in sd("deal", "show", "Core", "--json").json()["contacts"]] == ["李工"]


def test_contacts_are_looked_up_at_the_visits_account(sd, journal):
    result = sd("visit", "add", "-A", "Acme", "-C", "王总")
    assert result.exit_code == 1 and "王总" in result.stderr
    assert sd("visit", "list", "--json").json() == []


def test_a_visit_without_a_date_is_today_and_a_plain_visit(sd, journal):
    add(sd, "-A", "Acme")
    shown = sd("visit", "show", "1", "--json").json()
    assert (shown["date"], shown["kind"], shown["follow_up_date"]) == ("2026-11-25", "visit", None)
    assert sd("followup", "list", "--json").json() == []


@pytest.mark.parametrize(
    ("typed", "date"),
    [
        ("fri", "2026-11-27"),
        ("明天", "2026-11-26"),
        ("后天", "2026-11-27"),
        ("+3d", "2026-11-28"),
        ("3天后", "2026-11-28"),
        ("next week", "2026-11-30"),
        ("下周一", "2026-11-30"),
        ("eom", "2026-11-30"),
        ("2026-12-24", "2026-12-24"),
        ("tomorrow", "2026-11-26"),
    ],
)
def test_date_forms_in_the_follow_up_option(sd, journal, typed, date):
    add(sd, "-A", "Acme", "--follow-up", typed)
    assert sd("visit", "show", "1", "--json").json()["follow_up_date"] == date
    assert sd("followup", "list", "--json").json()[0]["due"] == date


@pytest.mark.parametrize(("typed", "date"), [("today", "2026-11-25"), ("-1w", "2026-11-18"), ("昨天", "2026-11-24")])
def test_date_forms_in_the_date_option(sd, journal, typed, date):
    add(sd, "-A", "Acme", "--date", typed)
    assert sd("visit", "show", "1", "--json").json()["date"] == date


@pytest.mark.parametrize("option", ["--date", "--follow-up"])
def test_a_date_that_cannot_be_read_is_shown(sd, journal, option):
    result = sd("visit", "add", "-A", "Acme", option, "next blursday")
    assert result.exit_code == 2
    assert "next blursday" in result.stderr and option in result.stderr
    assert "Traceback" not in result.output
    assert sd("visit", "list", "--json").json() == []


def test_list_table_json_and_filters(sd, journal):
    add(sd, "-A", "华为", "-D", "Core", "-C", "王总", "--date", "2026-11-20", "--summary", "First meeting")
    add(sd, "-A", "华为", "-C", "李工", "--date", "2026-11-23", "--kind", "call", "--purpose", "Check budget")
    add(sd, "-A", "Acme", "--date", "2026-11-24", "--kind", "meal", "--owner", "bob")
    table = sd("visit", "list")
    assert table.exit_code == 0
    for text in ("First meeting", "Check budget", "Phone call", "Meal or tea", "王总", "Core network"):
        assert text in table.stdout, text
    rows = sd("visit", "list", "--json").json()
    assert [r["date"] for r in rows] == ["2026-11-24", "2026-11-23", "2026-11-20"]  # newest first
    assert set(rows[0]) == VISIT_KEYS
    ids = lambda *args: [r["id"] for r in sd("visit", "list", "--json", *args).json()]  # noqa: E731
    assert ids("--account", "华为") == [2, 1]
    assert ids("--deal", "Core") == [1]
    assert ids("--contact", "李工") == [2]
    assert ids("--since", "2026-11-21") == [3, 2]
    assert ids("--until", "2026-11-21") == [1]
    assert ids("--since", "-3d", "--until", "yesterday") == [3, 2]
    assert ids("--owner", "bob") == [3]
    assert ids("-n", "1") == [3]


def test_show_table(sd, journal):
    add(sd, "-D", "Core", "-C", "王总", "--kind", "demo", "--summary", "Demo went well", "--feedback", "OK")
    result = sd("visit", "show", "1")
    assert result.exit_code == 0
    for text in ("Visit #1", "华为技术有限公司", "Core network", "王总", "Demo / test", "Demo went well"):
        assert text in result.stdout, text


def test_edit_fields_contacts_and_deal(sd, journal):
    add(sd, "-A", "华为", "-D", "Core", "-C", "王总", "--summary", "draft")
    result = sd("visit", "edit", "1", "--summary", "Final notes", "--kind", "negotiation", "-C", "李工", "--deal", "")
    assert result.exit_code == 0, result.output
    assert "Updated visit #1" in result.stderr
    shown = sd("visit", "show", "1", "--json").json()
    assert (shown["summary"], shown["kind"], shown["deal_id"]) == ("Final notes", "negotiation", None)
    assert [c["name"] for c in shown["contacts"]] == ["李工"]


def test_edit_the_follow_up_date_moves_the_open_follow_up(sd, journal):
    add(sd, "-A", "Acme", "--next", "Call back", "--follow-up", "fri")
    assert sd("visit", "edit", "1", "--follow-up", "2026-12-03").exit_code == 0
    followups = sd("followup", "list", "--json").json()
    assert [(f["due"], f["action"]) for f in followups] == [("2026-12-03", "Call back")]


def test_edit_adding_a_follow_up_date_creates_the_follow_up(sd, journal):
    add(sd, "-A", "Acme", "--next", "Send brochure")
    assert sd("followup", "list", "--json").json() == []
    assert sd("visit", "edit", "1", "--follow-up", "+2d").exit_code == 0
    followups = sd("followup", "list", "--json").json()
    assert [(f["due"], f["action"], f["visit_id"]) for f in followups] == [("2026-11-27", "Send brochure", 1)]


def test_edit_cannot_remove_the_date(sd, journal):
    add(sd, "-A", "Acme")
    result = sd("visit", "edit", "1", "--date", "")
    assert result.exit_code == 2 and "--date" in result.stderr


def test_rm_keeps_the_follow_up(sd, journal):
    add(sd, "-A", "Acme", "--follow-up", "fri")
    result = sd("visit", "rm", "1")
    assert result.exit_code == 0 and "Removed visit #1" in result.stderr
    assert sd("visit", "list", "--json").json() == []
    assert sd("followup", "list", "--json").json()[0]["visit_id"] is None


def test_visits_are_named_by_id(sd, journal):
    add(sd, "-A", "Acme")
    assert sd("visit", "show", "#1", "--json").json()["id"] == 1
    result = sd("visit", "show", "Acme")
    assert result.exit_code == 1 and "id" in result.stderr


def test_add_without_an_account_names_the_flag(sd, journal):
    result = sd("visit", "add", "--summary", "x")
    assert result.exit_code == 2 and "--account" in result.stderr
