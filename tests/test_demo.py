"""sd demo: a realistic bilingual journal for a new user, only ever into an empty one."""

from __future__ import annotations

import sqlite3


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
