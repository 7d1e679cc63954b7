"""What `sd check` keeps between runs (store/health_memo.py, migration 0012): the same findings as a check that
asks every rule afresh, after any write — by sd or by raw SQL — and never a wait or an error of its own."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time

import pytest

from conftest import query

FRESH = {"SD_NO_HEALTH_MEMO": "1"}


def check(sd, monkeypatch: pytest.MonkeyPatch, *args: str, fresh: bool = False) -> str:
    """`sd check --all --json ARGS` (FRESH: every rule asked of every record, nothing kept read or written)."""
    with monkeypatch.context() as m:
        if fresh:
            m.setenv("SD_NO_HEALTH_MEMO", "1")
        else:
            m.delenv("SD_NO_HEALTH_MEMO", raising=False)
        result = sd("check", "--all", "--json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def same_as_fresh(sd, monkeypatch: pytest.MonkeyPatch, *args: str) -> str:
    kept = check(sd, monkeypatch, *args)
    fresh = check(sd, monkeypatch, *args, fresh=True)
    assert json.loads(kept) == json.loads(fresh)
    assert kept == fresh
    return kept


def test_a_check_keeps_one_row_per_open_deal_and_account_and_finds_the_same(sd, demo, isolated, monkeypatch):
    journal = isolated / "journal.sqlite"
    assert query(journal, "SELECT COUNT(*) FROM deal_health") == [(0,)]
    first = same_as_fresh(sd, monkeypatch)
    assert len(json.loads(first)) > 5, "the demo journal has findings to compare"
    open_deals = query(journal, "SELECT id FROM deal WHERE status = 'open' ORDER BY id")
    assert query(journal, "SELECT deal_id FROM deal_health ORDER BY deal_id") == open_deals
    prospects = query(journal, "SELECT id FROM account WHERE info_stage <> 'customer' ORDER BY id")
    assert query(journal, "SELECT account_id FROM account_health ORDER BY account_id") == prospects
    assert {kind for (kind,) in query(journal, "SELECT kind FROM health_key")} == {"deal", "account"}
    # the default view, the text and a scope read the same rows
    for args in ((), ("--owner", "all")):
        with monkeypatch.context() as m:
            m.setenv("SD_NO_HEALTH_MEMO", "1")
            fresh = sd("check", *args)
        assert sd("check", *args).stdout == fresh.stdout


def test_a_write_forgets_only_the_rows_it_may_change(sd, demo, isolated, monkeypatch):
    journal = isolated / "journal.sqlite"
    check(sd, monkeypatch)
    deal_id, account_id = query(journal, "SELECT id, account_id FROM deal WHERE status = 'open' ORDER BY id LIMIT 1")[0]
    before = len(query(journal, "SELECT deal_id FROM deal_health"))
    con = sqlite3.connect(journal)
    con.execute(
        "INSERT INTO deal_marker (deal_id, stage, marker, checked_on) VALUES (?, 'x', 'y', '2026-11-01')", (deal_id,)
    )
    con.commit()
    con.close()
    kept = {d for (d,) in query(journal, "SELECT deal_id FROM deal_health")}
    assert deal_id not in kept and len(kept) == before - 1
    # a person of the account: every deal of the account and the account's own row
    con = sqlite3.connect(journal)
    con.execute("UPDATE contact SET stance = 'opponent' WHERE account_id = ?", (account_id,))
    con.commit()
    con.close()
    theirs = {d for (d,) in query(journal, "SELECT id FROM deal WHERE account_id = ?", (account_id,))}
    kept = {d for (d,) in query(journal, "SELECT deal_id FROM deal_health")}
    assert not theirs & kept and kept
    assert query(journal, "SELECT COUNT(*) FROM account_health WHERE account_id = ?", (account_id,)) == [(0,)]
    same_as_fresh(sd, monkeypatch)


def _ten_and_six_step_stages() -> dict[str, list[str]]:
    from salesdiary.journal import configured_playbook

    return {name: [s.key for s in configured_playbook(name).stages] for name in ("ten_step", "six_step")}


def _markers() -> list[tuple[str, str]]:
    from salesdiary.journal import configured_playbook

    pairs = []
    for name in ("ten_step", "six_step"):
        for stage in configured_playbook(name).stages:
            pairs += [(stage.key, key) for key in stage.marker_keys]
    return pairs


def _raw_write(con: sqlite3.Connection, rng: random.Random, stages: dict[str, list[str]], markers: list) -> str:
    """One change a teammate's script might make by hand, on a random record; what it did."""
    from salesdiary.core.evaluation import QUESTIONS

    deals = [d for (d,) in con.execute("SELECT id FROM deal ORDER BY id")]
    contacts = [c for (c,) in con.execute("SELECT id FROM contact ORDER BY id")]
    accounts = [a for (a,) in con.execute("SELECT id FROM account ORDER BY id")]
    roles = ("decision_maker", "evaluator", "influencer", "user", "purchaser", None)
    stances = ("supporter", "neutral", "non_supporter", "opponent", None)
    relationships = ("acquainted", "dating", "trusting", "allied", None)
    deal, contact, account = rng.choice(deals), rng.choice(contacts), rng.choice(accounts)
    kind = rng.randrange(12)
    if kind == 0:
        sql, params = (
            "UPDATE contact SET role = ?, stance = ? WHERE id = ?",
            (rng.choice(roles), rng.choice(stances[:4]), contact),
        )
    elif kind == 1:
        sql, params = (
            "UPDATE contact SET coach = ?, relationship = ? WHERE id = ?",
            (rng.randrange(2), rng.choice(relationships), contact),
        )
    elif kind == 2:
        sql = "INSERT OR REPLACE INTO deal_contact (deal_id, contact_id, role, stance) VALUES (?, ?, ?, ?)"
        params = (deal, contact, rng.choice(roles), rng.choice(stances))
    elif kind == 3:
        sql, params = "DELETE FROM deal_contact WHERE deal_id = ?", (deal,)
    elif kind == 4:
        stage, marker = rng.choice(markers)
        sql = "INSERT OR IGNORE INTO deal_marker (deal_id, stage, marker, checked_on) VALUES (?, ?, ?, '2026-11-02')"
        params = (deal, stage, marker)
    elif kind == 5:
        sql, params = "DELETE FROM deal_marker WHERE deal_id = ? AND marker = ?", (deal, rng.choice(markers)[1])
    elif kind == 6:
        playbook = rng.choice(sorted(stages))
        sql = "UPDATE deal SET playbook = ?, stage = ?, amount = ?, status = ? WHERE id = ?"
        amount = rng.choice((50_000, 250_000, 600_000, 9_000_000))
        params = (playbook, rng.choice(stages[playbook]), amount, rng.choice(("open", "open", "open", "won")), deal)
    elif kind == 7:
        sql = (
            "INSERT OR REPLACE INTO deal_evaluation (deal_id, question, answer, answered_on)"
            " VALUES (?, ?, ?, '2026-11-03')"
        )
        params = (deal, rng.choice(QUESTIONS).key, rng.choice(("yes", "partly", "no", "unknown")))
    elif kind == 8:
        sql = "UPDATE account SET info_stage = ?, relation = ? WHERE id = ?"
        params = (rng.choice(("lead", "qualified", "prospect", "customer")), rng.choice(("A", "B", "C", None)), account)
    elif kind == 9:
        sql, params = "UPDATE contact SET account_id = ? WHERE id = ?", (account, contact)
    elif kind == 10:
        sql = (
            "INSERT INTO visit (account_id, deal_id, date, kind, assist, owner, created_by, created_at, updated_at)"
            " SELECT account_id, id, '2026-11-10', 'tech_exchange', 0, owner, owner, '2026-11-10', '2026-11-10'"
            " FROM deal WHERE id = ?"
        )
        params = (deal,)
    else:
        sql, params = "DELETE FROM visit WHERE id = (SELECT MAX(id) FROM visit WHERE deal_id = ?)", (deal,)
    con.execute(sql, params)
    return f"{sql} {params}"


def test_raw_sql_on_any_table_a_rule_reads_leaves_the_findings_of_a_fresh_check(sd, demo, isolated, monkeypatch):
    journal = isolated / "journal.sqlite"
    stages, markers = _ten_and_six_step_stages(), _markers()
    rng = random.Random(20261208)
    same_as_fresh(sd, monkeypatch)
    for step in range(40):
        con = sqlite3.connect(journal)
        con.execute("PRAGMA foreign_keys = ON")
        done = [_raw_write(con, rng, stages, markers) for _ in range(rng.randrange(1, 4))]
        con.commit()
        con.close()
        try:
            same_as_fresh(sd, monkeypatch)
        except AssertionError:
            pytest.fail(f"step {step}: after {done} the kept answers differ from a fresh check")


def test_sd_writes_leave_the_findings_of_a_fresh_check(sd, demo, isolated, monkeypatch):
    same_as_fresh(sd, monkeypatch)
    journal = isolated / "journal.sqlite"
    deal_name, account_name = query(
        journal,
        "SELECT d.name, a.name FROM deal d JOIN account a ON a.id = d.account_id WHERE d.status = 'open' LIMIT 1",
    )[0]
    person = query(
        journal, "SELECT c.name FROM contact c JOIN account a ON a.id = c.account_id WHERE a.name = ?", (account_name,)
    )
    writes = [
        (
            "visit",
            "add",
            "--account",
            account_name,
            "--deal",
            deal_name,
            "--kind",
            "tech_exchange",
            "--date",
            "2026-11-20",
        ),
        ("deal", "edit", deal_name, "--amount", "900000"),
        ("deal", "advance", deal_name, "--force", "--reason", "test"),
    ]
    if person:
        writes.append(("contact", "edit", person[0][0], "--stance", "opponent", "--role", "decision_maker"))
    for args in writes:
        result = sd(*args, "--no-input")
        assert result.exit_code == 0, (args, result.output)
        same_as_fresh(sd, monkeypatch)
    assert sd("undo").exit_code == 0
    same_as_fresh(sd, monkeypatch)


def test_a_change_of_threshold_or_playbook_starts_afresh(sd, demo, isolated, monkeypatch):
    journal = isolated / "journal.sqlite"
    same_as_fresh(sd, monkeypatch)
    key = query(journal, "SELECT fingerprint FROM health_key WHERE kind = 'deal'")
    (isolated / "config.toml").write_text(
        "[health]\nanalysis_meeting_amount = 1\ntech_exchanges_min = 9\n", encoding="utf-8"
    )
    same_as_fresh(sd, monkeypatch)
    assert query(journal, "SELECT fingerprint FROM health_key WHERE kind = 'deal'") != key


def test_the_answers_kept_do_not_depend_on_the_day(sd, demo, isolated, monkeypatch):
    """A new day asks only the day's rules again (next step overdue, stale, close window, visit cadence)."""
    journal = isolated / "journal.sqlite"
    same_as_fresh(sd, monkeypatch)
    keys = query(journal, "SELECT kind, fingerprint FROM health_key ORDER BY kind")
    con = sqlite3.connect(journal)
    con.execute("UPDATE deal_health SET bits = bits")  # no change: rows stay
    con.close()
    for day in ("2027-01-15", "2027-06-30"):
        monkeypatch.setenv("SD_TODAY", day)
        same_as_fresh(sd, monkeypatch)
        assert query(journal, "SELECT kind, fingerprint FROM health_key ORDER BY kind") == keys


def test_a_read_only_journal_is_checked_without_storing_anything(sd, demo, isolated, monkeypatch):
    journal = isolated / "journal.sqlite"
    assert sd("account", "list").exit_code == 0
    con = sqlite3.connect(journal)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    os.chmod(journal, 0o400)
    try:
        if os.access(journal, os.W_OK):
            pytest.skip("running as a user who can write any file")
        same_as_fresh(sd, monkeypatch)
    finally:
        os.chmod(journal, 0o600)
    assert query(journal, "SELECT COUNT(*) FROM deal_health") == [(0,)]


def test_a_journal_another_program_is_writing_is_checked_at_once(sd, demo, isolated, monkeypatch):
    journal = isolated / "journal.sqlite"
    (isolated / "config.toml").write_text("[database]\nlock_timeout = 20\n", encoding="utf-8")
    fresh = check(sd, monkeypatch, fresh=True)
    writer = sqlite3.connect(journal, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        assert check(sd, monkeypatch) == fresh
        assert time.monotonic() - start < 20, "the check waited for the writer"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert query(journal, "SELECT COUNT(*) FROM deal_health") == [(0,)]
    same_as_fresh(sd, monkeypatch)  # the next check stores them
    assert query(journal, "SELECT COUNT(*) FROM deal_health") != [(0,)]


def test_rows_are_not_read_when_a_trigger_that_keeps_them_true_is_gone(sd, demo, isolated, monkeypatch):
    journal = isolated / "journal.sqlite"
    same_as_fresh(sd, monkeypatch)
    con = sqlite3.connect(journal)
    con.execute("DROP TRIGGER sd_health_contact_changed")
    con.execute("UPDATE deal_health SET bits = 0")  # wrong answers: must never be shown
    con.execute("UPDATE account_health SET bits = 0")
    con.commit()
    con.close()
    same_as_fresh(sd, monkeypatch)


def test_a_write_between_the_rows_kept_and_the_pass_is_computed_in_the_query(sd, demo, isolated, monkeypatch):
    """A row deleted after the check saw all rows there: the pass computes that record (never a missing answer)."""
    journal = isolated / "journal.sqlite"
    fresh = check(sd, monkeypatch, fresh=True)
    check(sd, monkeypatch)
    from salesdiary.store import health_memo

    real = health_memo.ready

    def then_a_write(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        answer = real(*args, **kwargs)
        con = sqlite3.connect(journal)
        con.execute("DELETE FROM deal_health WHERE deal_id IN (SELECT deal_id FROM deal_health LIMIT 3)")
        con.execute("DELETE FROM account_health WHERE account_id IN (SELECT account_id FROM account_health LIMIT 3)")
        con.commit()
        con.close()
        return answer

    monkeypatch.setattr(health_memo, "ready", then_a_write)
    assert check(sd, monkeypatch) == fresh


def test_a_journal_that_refuses_the_write_is_checked_without_storing(sd, demo, isolated, monkeypatch):
    """As a read-only file or a full disk would: the rows are not stored, the findings are a fresh check's."""
    from salesdiary.store import health_memo

    def refused(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(health_memo, "_store", refused)
    same_as_fresh(sd, monkeypatch)
    assert query(isolated / "journal.sqlite", "SELECT COUNT(*) FROM deal_health") == [(0,)]
