"""sd demo: a realistic bilingual journal for a new user, only ever into an empty one."""

from __future__ import annotations

import sqlite3

import pytest


def dump(path) -> str:  # noqa: ANN001
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


def test_demo_fills_an_empty_journal_with_a_realistic_set(sd, isolated):
    result = sd("demo")
    assert result.exit_code == 0, result.output
    assert "Demo journal ready" in result.stderr and str(isolated / "journal.sqlite") in result.stderr

    accounts = sd("account", "list", "--all", "--json").json()
    assert len(accounts) == 12
    names = [a["name"] for a in accounts]
    assert any(n.isascii() for n in names) and any(not n.isascii() for n in names)  # bilingual
    assert {a["purchase_mode"] for a in accounts} == {"single", "group", "strategic"}
    assert {"lead", "qualified", "prospect", "customer"} <= {a["info_stage"] for a in accounts}

    contacts = sd("contact", "list", "--all", "--json").json()
    assert len(contacts) >= 12
    assert {"decision_maker", "influencer"} <= {c["role"] for c in contacts}
    assert any(c["coach"] for c in contacts) and any(c["reports_to_id"] for c in contacts)

    deals = sd("deal", "list", "--all", "--json").json()
    assert len(deals) >= 10 and all(d["status"] == "open" for d in deals)
    assert len({d["stage"] for d in deals}) >= 4  # across the stages
    assert all(d["amount"] and d["next_step"] and d["next_step_date"] for d in deals)

    visits = sd("visit", "list", "--all", "--json").json()
    assert len(visits) >= 20
    assert all(v["date"] <= "2026-11-25" for v in visits)  # logged in the past
    assert any(v["contacts"] for v in visits)

    followups = sd("followup", "list", "--all", "--json").json()
    assert any(f["due"] < "2026-11-25" for f in followups), "some follow-ups are overdue"
    assert "days late" in sd("followup", "list", "--all").stdout


def test_demo_refuses_a_journal_that_has_data(sd, isolated):
    assert sd("account", "add", "My real customer").exit_code == 0
    before = dump(isolated / "journal.sqlite")
    result = sd("demo")
    assert result.exit_code == 1
    assert "not empty" in result.stderr and result.stderr.count("\n") == 1
    assert dump(isolated / "journal.sqlite") == before


def test_demo_twice_is_refused(sd, demo, isolated):
    before = dump(isolated / "journal.sqlite")
    assert sd("demo").exit_code == 1
    assert dump(isolated / "journal.sqlite") == before


def test_if_empty_skips_quietly_when_there_is_data(sd, isolated):
    assert sd("account", "add", "My real customer").exit_code == 0
    before = dump(isolated / "journal.sqlite")
    result = sd("demo", "--if-empty")
    assert result.exit_code == 0
    assert "skipped" in result.stderr
    assert dump(isolated / "journal.sqlite") == before


def test_if_empty_fills_an_empty_journal(sd):
    assert sd("demo", "--if-empty").exit_code == 0
    assert len(sd("account", "list", "--json").json()) == 12


def test_demo_into_another_file(sd, isolated):
    other = isolated / "demo.sqlite"
    assert sd("account", "add", "My real customer").exit_code == 0
    result = sd("demo", "--db", str(other))
    assert result.exit_code == 0, result.output
    assert len(sd("--db", str(other), "account", "list", "--json").json()) == 12
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["My real customer"]


def _counts(sd) -> tuple[int, int, int]:
    return tuple(len(sd(noun, "list", "--all", "--json").json()) for noun in ("account", "deal", "visit"))


def test_demo_remove_takes_out_only_the_demos_records(sd, isolated):
    assert sd("demo").exit_code == 0
    assert sd("account", "add", "My Own Customer").exit_code == 0
    assert sd("deal", "add", "My Deal", "--account", "My Own Customer").exit_code == 0
    result = sd("demo", "--remove")
    assert result.exit_code == 0, result.output
    assert "sd redo" in result.stderr
    assert [a["name"] for a in sd("account", "list", "--all", "--json").json()] == ["My Own Customer"]
    assert [d["name"] for d in sd("deal", "list", "--all", "--json").json()] == ["My Deal"]
    assert sd("visit", "list", "--all", "--json").json() == []
    con = sqlite3.connect(isolated / "journal.sqlite")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    again = sd("demo", "--remove")
    assert again.exit_code == 1 and "no demo data" in again.stderr
    assert sd("redo").exit_code == 0  # the demo comes back
    assert _counts(sd)[0] == 13


@pytest.mark.parametrize(
    "mine",
    [
        ("visit", "add", "--account", "华东电网有限公司", "--summary", "my own visit"),
        ("deal", "edit", "调度中心网络改造", "--amount", "300万"),
        ("contact", "add", "新朋友", "--account", "华东电网有限公司"),
    ],
)
def test_demo_remove_refuses_when_the_reps_work_hangs_on_it(sd, mine):
    assert sd("demo").exit_code == 0
    assert sd(*mine).exit_code == 0
    before = _counts(sd)
    result = sd("demo", "--remove")
    assert result.exit_code == 1
    assert "not removed" in result.stderr or "Cannot undo" in result.stderr
    assert _counts(sd) == before


def test_undo_of_a_command_that_refers_to_the_removed_demo_says_so(sd):
    assert sd("demo").exit_code == 0
    assert sd("receivable", "add", "网点无线", "--amount", "50万", "--due", "2026-12-31").exit_code == 0
    assert sd("receivable", "rm", "1").exit_code == 0
    assert sd("demo", "--remove").exit_code == 0
    result = sd("undo")
    assert result.exit_code == 1 and "refers to one removed since" in result.stderr, result.output
    assert "FOREIGN KEY" not in result.stderr
