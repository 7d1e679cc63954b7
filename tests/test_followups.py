"""sd followup: dated next actions — add, list, done, rm."""

from __future__ import annotations

import pytest

FOLLOWUP_KEYS = {
    "id",
    "account_id",
    "deal_id",
    "contact_id",
    "visit_id",
    "due",
    "action",
    "kind",
    "done_on",
    "owner",
    "created_by",
    "created_at",
    "updated_at",
    "account",
    "deal",
    "contact",
}


pytestmark = pytest.mark.usefixtures("fresh_journal")


@pytest.fixture
def journal(sd):  # noqa: ANN001, ANN201
    for args in (
        ("account", "add", "Acme"),
        ("account", "add", "Beta"),
        ("contact", "add", "Li", "--account", "Acme"),
        ("deal", "add", "Expansion", "--account", "Acme"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output


def add(sd, *args):  # noqa: ANN001, ANN201
    result = sd("followup", "add", *args)
    assert result.exit_code == 0, result.output
    return result


def test_add_with_every_option(sd, journal):
    result = add(sd, "Call about the budget", "--account", "Acme", "--due", "fri", "--deal", "Expansion",
                 "--contact", "Li", "--kind", "call", "--owner", "bob")  # fmt: skip
    assert "Added follow-up #1, due 2026-11-27." in result.stderr
    rows = sd("followup", "list", "--json").json()
    assert set(rows[0]) == FOLLOWUP_KEYS
    expected = {
        "action": "Call about the budget",
        "due": "2026-11-27",
        "account": "Acme",
        "deal": "Expansion",
        "contact": "Li",
        "kind": "call",
        "owner": "bob",
        "done_on": None,
        "visit_id": None,
    }
    assert {k: rows[0][k] for k in expected} == expected


def test_the_account_comes_from_the_deal_and_kind_defaults_to_todo(sd, journal):
    add(sd, "Send quote", "--deal", "Expansion", "--due", "明天")
    f = sd("followup", "list", "--json").json()[0]
    assert (f["account"], f["due"], f["kind"]) == ("Acme", "2026-11-26", "todo")


def test_add_needs_a_due_date_and_an_account(sd, journal):
    no_due = sd("followup", "add", "x", "--account", "Acme")
    assert no_due.exit_code == 2 and "--due" in no_due.stderr
    no_account = sd("followup", "add", "x", "--due", "fri")
    assert no_account.exit_code == 2 and "--account" in no_account.stderr
    assert sd("followup", "list", "--status", "all", "--json").json() == []


def test_list_earliest_first_with_lateness_in_the_table(sd, journal):
    add(sd, "Late one", "-A", "Acme", "--due", "2026-11-20")
    add(sd, "Today's", "-A", "Beta", "--due", "today")
    add(sd, "Later", "-A", "Acme", "--due", "+3d")
    rows = sd("followup", "list", "--json").json()
    assert [r["action"] for r in rows] == ["Late one", "Today's", "Later"]
    table = sd("followup", "list")
    assert table.exit_code == 0
    for text in ("5 days late", "today", "in 3 days", "Late one", "Beta"):
        assert text in table.stdout, text
    assert [r["action"] for r in sd("followup", "list", "--account", "Beta", "--json").json()] == ["Today's"]
    assert [r["action"] for r in sd("followup", "list", "-n", "1", "--json").json()] == ["Late one"]


def test_done_undo_and_status_filters(sd, journal):
    add(sd, "One", "-A", "Acme", "--due", "fri")
    add(sd, "Two", "-A", "Acme", "--due", "fri")
    add(sd, "Three", "-A", "Acme", "--due", "fri")
    result = sd("followup", "done", "1", "#2")
    assert result.exit_code == 0
    assert "Follow-up #1 is done." in result.stderr and "Follow-up #2 is done." in result.stderr
    assert [r["action"] for r in sd("followup", "list", "--json").json()] == ["Three"]
    done = sd("followup", "list", "--status", "done", "--json").json()
    assert [(r["action"], r["done_on"]) for r in done] == [("One", "2026-11-25"), ("Two", "2026-11-25")]
    assert len(sd("followup", "list", "--status", "all", "--json").json()) == 3
    assert "done 2026-11-25" in sd("followup", "list", "--status", "done").stdout
    again = sd("followup", "done", "1")
    assert again.exit_code == 1 and "already done" in again.stderr
    undo = sd("followup", "done", "1", "--undo")
    assert undo.exit_code == 0 and "open again" in undo.stderr
    assert [r["action"] for r in sd("followup", "list", "--json").json()] == ["One", "Three"]


def test_done_is_all_or_nothing(sd, journal):
    add(sd, "One", "-A", "Acme", "--due", "fri")
    add(sd, "Two", "-A", "Acme", "--due", "fri")
    sd("followup", "done", "2")
    result = sd("followup", "done", "1", "2")  # 2 is already done: 1 stays open too
    assert result.exit_code == 1
    assert [r["action"] for r in sd("followup", "list", "--json").json()] == ["One"]
    missing = sd("followup", "done", "1", "99")
    assert missing.exit_code == 1 and "#99" in missing.stderr
    assert [r["action"] for r in sd("followup", "list", "--json").json()] == ["One"]


def test_done_twice_on_one_command_line_is_fine(sd, journal):
    add(sd, "One", "-A", "Acme", "--due", "fri")
    assert sd("followup", "done", "1", "1").exit_code == 0
    assert sd("followup", "list", "--json").json() == []


def test_rm(sd, journal):
    add(sd, "One", "-A", "Acme", "--due", "fri")
    result = sd("followup", "rm", "1")
    assert result.exit_code == 0 and "Removed follow-up #1." in result.stderr
    assert sd("followup", "list", "--status", "all", "--json").json() == []
    assert sd("followup", "rm", "1").exit_code == 1


def test_contact_must_work_at_the_account(sd, journal):
    result = sd("followup", "add", "x", "-A", "Beta", "--due", "fri", "--contact", "Li")
    assert result.exit_code == 1 and "Li" in result.stderr
    assert sd("followup", "list", "--json").json() == []
