"""A sales team on one database: who owns what, first reporter owns, assists, reassigning, the manager's view,
and the database itself refusing what a rep may not do (row-level security on PostgreSQL).

The PostgreSQL tests need SD_TEST_DATABASE_URL (tests/pgtools.py): without it they skip and say how to
enable them; with CI=true they fail instead. Reps and the manager are login roles made for each test.
The figures of the concurrency tests are printed with -s; SD_STRESS=full runs issue 12's full load
(20 reps writing at once).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import pgtools
from conftest import SD_BIN, run_sd
from salesdiary.store.connection import PsycopgReader
from salesdiary.store.reads.kept_figures import disagreements
from salesdiary.store.version import SCHEMA_HEAD

FULL = os.environ.get("SD_STRESS") == "full"
REPS = int(os.environ.get("SD_STRESS_PROCS", "20" if FULL else "6"))
VISITS = int(os.environ.get("SD_STRESS_VISITS", "10" if FULL else "3"))


class Team:
    """A team database: its owner (who ran sd db upgrade), a manager and reps, each a login role."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, schema: str, owner_url: str) -> None:
        self.monkeypatch = monkeypatch
        self.schema = schema
        self.urls = {"owner": owner_url}
        self.names = {"owner": re.search(r"://([^:@]+)", owner_url).group(1)}
        self.made: list[str] = []

    def add(self, who: str, group: str = "sd_rep") -> str:
        name, password = pgtools.make_role(group, "mgr" if group == "sd_manager" else "rep")
        self.made.append(name)
        self.names[who] = name
        self.urls[who] = pgtools.with_login(pgtools.base_url(), name, password, self.schema)
        return name

    def sd(self, who: str, *args: str):  # noqa: ANN201
        self.monkeypatch.setenv("SD_DATABASE_URL", self.urls[who])
        return run_sd(*args)

    def ok(self, who: str, *args: str):  # noqa: ANN201
        result = self.sd(who, *args)
        assert result.exit_code == 0, (who, args, result.output)
        return result

    def env(self, who: str) -> dict[str, str]:
        return {**os.environ, "SD_DATABASE_URL": self.urls[who]}

    def raw(self, who: str):  # noqa: ANN201
        """A psycopg connection as WHO (autocommit): SQL typed by hand, past sd."""
        import psycopg

        return psycopg.connect(pgtools.libpq(self.urls[who]), autocommit=True)


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert run_sd("db", "upgrade").exit_code == 0
        t = Team(monkeypatch, schema, url)
        t.add("wang")
        t.add("li")
        t.add("boss", "sd_manager")
        try:
            yield t
        finally:
            pgtools.drop_roles(t.made)


def start(t: Team) -> None:
    """wang reports 华东电网 with a deal and a follow-up; li reports 南方电网."""
    t.ok("wang", "account", "add", "华东电网有限公司")
    t.ok("wang", "deal", "add", "调度中心网络改造", "--account", "华东", "--amount", "280万", "--stage", "2")
    t.ok("wang", "contact", "add", "李明", "--account", "华东", "--role", "influencer")
    t.ok("wang", "followup", "add", "送方案", "--account", "华东", "--due", "fri")
    t.ok("li", "account", "add", "南方电网")


# Who is who --------------------------------------------------------------------------------------------------


def test_each_rep_owns_what_they_report_and_lists_show_their_own_unless_asked(team):
    start(team)
    wang, li = team.names["wang"], team.names["li"]
    mine = team.ok("wang", "account", "list", "--json").json()
    assert [(a["name"], a["owner"], a["created_by"]) for a in mine] == [("华东电网有限公司", wang, wang)]
    everyone = team.ok("wang", "account", "list", "--owner", "all", "--json").json()
    assert {a["name"]: a["owner"] for a in everyone} == {"华东电网有限公司": wang, "南方电网": li}
    assert [a["name"] for a in team.ok("wang", "account", "list", "--owner", li, "--json").json()] == ["南方电网"]
    assert [a["name"] for a in team.ok("li", "account", "list", "--owner", "me", "--json").json()] == ["南方电网"]
    found = team.ok("li", "account", "list", "华东", "--json").json()  # a search looks at everyone's
    assert [(a["name"], a["owner"]) for a in found] == [("华东电网有限公司", wang)]
    assert team.ok("li", "deal", "list", "--json").json() == []
    assert [d["owner"] for d in team.ok("li", "deal", "list", "--owner", "all", "--json").json()] == [wang]
    # narrowed to one account, a list shows that account's records whoever owns them
    assert len(team.ok("li", "deal", "list", "--account", "华东", "--json").json()) == 1
    assert team.ok("li", "due", "--json").json()["items"] == []
    assert len(team.ok("wang", "due", "--json").json()["items"]) == 1
    status = team.ok("li", "db", "status", "--json").json()
    assert status["user"] == li and status["manager"] is False and status["roles"] == ["sd_rep"]
    assert team.ok("boss", "db", "status", "--json").json()["manager"] is True


def test_first_reporter_owns_a_name_in_any_spelling_whoever_tries(team):
    start(team)
    for name in ("华东电网", "华东电网集团有限公司", "华 东-电网"):
        refused = team.sd("li", "account", "add", name)
        assert refused.exit_code == 1
        wang = team.names["wang"]
        expected = rf"is already reported as account #1 '华东电网有限公司', owned by {wang} since \d{{4}}-\d\d-\d\d"
        assert re.search(expected, refused.stderr), refused.stderr
    assert len(team.ok("boss", "account", "list", "--owner", "all", "--json").json()) == 2


# What the database itself refuses ---------------------------------------------------------------------------


def test_a_rep_cannot_change_another_reps_deal_even_with_raw_sql(team):
    import psycopg

    start(team)
    wang = team.names["wang"]
    with team.raw("li") as con:
        assert con.execute("SELECT amount, owner FROM deal WHERE id = 1").fetchone() == (2800000.0, wang)  # sees it
        assert con.execute("UPDATE deal SET amount = 1 WHERE id = 1").rowcount == 0
        assert con.execute("UPDATE deal SET owner = current_user WHERE id = 1").rowcount == 0
        assert con.execute("UPDATE account SET owner = current_user").rowcount == 1  # only li's own account
        assert con.execute("DELETE FROM deal WHERE id = 1").rowcount == 0
        assert con.execute("DELETE FROM contact").rowcount == 0
        assert con.execute("UPDATE followup SET done_on = '2026-11-25'").rowcount == 0
        refused = [
            "INSERT INTO deal (account_id, name, currency, playbook, stage, stage_entered_on, status, owner,"
            f" created_by, created_at, updated_at) VALUES (1, 'x', 'CNY', 'ten_step', 'x', '2026-11-25', 'open',"
            f" '{wang}', '{wang}', now(), now())",
            "INSERT INTO contact (account_id, name, coach, created_at, updated_at)"
            " VALUES (1, 'x', false, now(), now())",
            "INSERT INTO deal_marker (deal_id, stage, marker, checked_on) VALUES (1, 'x', 'y', '2026-11-25')",
            "INSERT INTO changeset (at, command, \"user\") VALUES (now(), 'forged', 'someone_else')",
            "INSERT INTO history (changeset_id, seq, entity, entity_id, action, changes)"
            " VALUES (1, 99, 'deal', '1', 'update', '{}')",  # changeset 1 is wang's
            "UPDATE history SET changes = '{}'",
            "DELETE FROM history",
            "UPDATE alembic_version SET version_num = '0001'",
        ]
        for sql in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(sql)
    deal = team.ok("wang", "deal", "show", "1", "--json").json()
    assert (deal["amount"], deal["owner"]) == (2800000.0, wang)
    assert [c["name"] for c in team.ok("wang", "contact", "list", "--json").json()] == ["李明"]


def test_sd_says_plainly_what_a_rep_may_not_change(team):
    start(team)
    wang = team.names["wang"]
    for args in (
        ("deal", "edit", "1", "--amount", "5"),
        ("deal", "advance", "1", "--force", "--reason", "x"),
        ("deal", "won", "1"),
        ("deal", "rm", "1"),
        ("deal", "add", "Another", "--account", "华东"),
        ("account", "edit", "华东", "--region", "South"),
        ("account", "rm", "华东", "--force"),
        ("contact", "add", "王五", "--account", "华东"),
        ("contact", "edit", "李明", "--title", "x"),
        ("followup", "done", "1"),
    ):
        refused = team.sd("li", *args)
        assert refused.exit_code == 1, (args, refused.output)
        assert f"belongs to {wang}: only {wang} or a manager can change it" in refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.output
    refused = team.sd("li", "account", "add", "西北电网", "--owner", wang)
    assert refused.exit_code == 1 and "Only a manager can make records owned by someone else" in refused.stderr
    team.ok("li", "account", "add", "西北电网", "--owner", "me")
    team.ok("boss", "account", "add", "东北电网", "--owner", wang)  # a manager may report one for a rep
    refused = team.sd("wang", "account", "edit", "华东", "--owner", team.names["li"])
    assert refused.exit_code == 1 and "Only a manager can give" in refused.stderr
    assert team.ok("wang", "deal", "show", "1", "--json").json()["amount"] == 2800000.0


def test_a_manager_changes_any_record_and_reassigns_accounts_kept_in_history(team):
    start(team)
    wang, li = team.names["wang"], team.names["li"]
    team.ok("boss", "deal", "edit", "1", "--amount", "300万")
    refused = team.sd("li", "account", "reassign", "华东", "--to", li, "--reason", "mine now")
    assert refused.exit_code == 1 and "Only a manager can reassign" in refused.stderr
    refused = team.sd("boss", "account", "reassign", "华东", "--to", "nobody_here", "--reason", "x")
    assert refused.exit_code == 2 and "not a database role" in refused.stderr
    moved = team.ok("boss", "account", "reassign", "华东", "--to", li, "--reason", "王 moved to the Beijing office")
    assert f"from {wang} to {li}, with 1 open deals and 1 open follow-ups" in moved.stderr
    assert team.ok("li", "account", "show", "华东", "--json").json()["owner"] == li
    assert team.ok("li", "deal", "show", "1", "--json").json()["owner"] == li
    assert [f["owner"] for f in team.ok("li", "followup", "list", "--json").json()] == [li]
    team.ok("li", "deal", "edit", "1", "--next", "见李明")  # the new owner works on it…
    refused = team.sd("wang", "deal", "edit", "1", "--amount", "1")  # …the old one no longer can
    assert refused.exit_code == 1 and f"belongs to {li}" in refused.stderr
    history = team.ok("wang", "history", "account", "1", "--json").json()
    change = next(h for h in history if h["command"].startswith("sd account reassign"))
    assert change["user"] == team.names["boss"]
    assert change["changes"]["owner"] == [wang, li]
    assert change["changes"]["reason"] == [None, "王 moved to the Beijing office"]
    assert "reassign" in team.ok("boss", "history", "account", "1").stdout


def test_a_visit_on_another_reps_account_needs_assist_and_leaves_their_deal_alone(team):
    start(team)
    wang, li = team.names["wang"], team.names["li"]
    args = ("visit", "add", "--deal", "1", "--contact", "李明", "--summary", "陪同技术交流", "--next", "回电")
    refused = team.sd("li", *args)
    assert refused.exit_code == 1
    assert f"is {wang}'s" in refused.stderr and "--assist" in refused.stderr
    team.ok("li", *args, "--follow-up", "+2d", "--assist")
    visit = team.ok("wang", "visit", "show", "1", "--json").json()
    assert (visit["owner"], visit["created_by"], visit["assist"]) == (li, li, True)
    assert [f["owner"] for f in team.ok("li", "followup", "list", "--json").json()] == [li]
    assert team.ok("wang", "deal", "show", "1", "--json").json()["next_step"] is None  # still wang's to set
    # the figures the database keeps followed li's visit on wang's account and deal (row security kept li out)
    con = team.raw("li")
    try:
        assert set(disagreements(PsycopgReader(con)).values()) == {0}
        assert con.execute("SELECT visits FROM account_visits WHERE account_id = 1").fetchone()[0] == 1
        assert con.execute("SELECT last_visit_on FROM deal_last_visit WHERE deal_id = 1").fetchone()[0] is not None
    finally:
        con.close()
    team.ok("wang", "visit", "add", "--deal", "1", "--summary", "own visit", "--assist")
    assert team.ok("wang", "visit", "show", "2", "--json").json()["assist"] is False  # not an assist there
    exported = team.ok("boss", "export", "visits", "--format", "json").json()
    assert [(v["owner"], v["assist"]) for v in exported] == [(li, True), (wang, False)]


def test_undo_on_a_team_database_undoes_your_own_last_command(team):
    start(team)
    team.ok("li", "account", "edit", "南方", "--region", "广州")
    team.ok("wang", "account", "edit", "华东", "--region", "上海")
    undone = team.ok("li", "undo")
    assert "sd account edit" in undone.stderr
    everyone = {a["name"]: a["region"] for a in team.ok("boss", "account", "list", "--owner", "all", "--json").json()}
    assert everyone == {"华东电网有限公司": "上海", "南方电网": None}
    assert team.ok("li", "redo").exit_code == 0
    assert team.ok("li", "account", "show", "南方", "--json").json()["region"] == "广州"


def test_the_manager_sees_the_team_by_owner(team):
    start(team)
    wang, li = team.names["wang"], team.names["li"]
    team.ok("li", "deal", "add", "配网自动化", "--account", "南方", "--amount", "100万")
    team.ok("li", "visit", "add", "--account", "南方", "--summary", "拜访")
    team.ok("wang", "visit", "add", "--account", "华东", "--summary", "拜访")
    team.ok("wang", "visit", "add", "--account", "华东", "--summary", "再拜访")
    rows = team.ok("boss", "funnel", "--by", "owner", "--json").json()["owners"]
    by = {r["owner"]: r for r in rows}
    assert set(by) == {wang, li}
    assert (by[wang]["open_deals"], by[wang]["amount"], by[wang]["accounts"]) == (1, 2800000.0, 1)
    assert (by[li]["open_deals"], by[li]["amount"]) == (1, 1000000.0)
    assert by[wang]["weighted"] > 0
    table = team.ok("boss", "funnel", "--by", "owner")
    assert wang in table.stdout and li in table.stdout
    week = team.ok("boss", "report", "week", "--owner", "all", "--format", "json").json()
    assert {r["owner"]: r["visits"] for r in week["by_owner"]} == {wang: 2, li: 1}
    assert len(week["visits"]) == 3
    mine = team.ok("wang", "report", "week", "--format", "json").json()
    assert "by_owner" not in mine and len(mine["visits"]) == 2
    assert "By rep" in team.ok("boss", "report", "week", "--owner", "all").stdout
    # the per-rep table: accounts visited, new deals (a stage move each), the weighted open pipeline
    rep = {r["owner"]: r for r in week["by_owner"]}
    assert (rep[wang]["accounts_visited"], rep[wang]["new_deals"], rep[wang]["stage_moves"]) == (1, 1, 1)
    assert (rep[li]["accounts_visited"], rep[li]["new_deals"], rep[li]["overdue"]) == (1, 1, 0)
    assert rep[wang]["weighted"] == by[wang]["weighted"] and rep[li]["weighted"] == by[li]["weighted"]
    assert {p["owner"]: p["open_deals"] for p in week["pipeline_by_owner"]} == {wang: 1, li: 1}
    for fmt, marker in (("markdown", "| Rep | New accounts | Visits | Accounts visited |"), ("html", "<th")):
        out = team.ok("boss", "report", "week", "--owner", "all", "--format", fmt).stdout
        assert marker in out and wang in out and li in out and "Pipeline by rep" in out


# At the same moment ------------------------------------------------------------------------------------------


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(SD_BIN), *args], capture_output=True, text=True, env=env, timeout=300)


def test_two_reps_adding_the_same_account_at_the_same_moment_exactly_one_wins(team):
    """li's insert waits on the unique index for wang's open transaction; when wang commits, li gets the
    same message as a late reporter, not a database error."""
    wang = team.names["wang"]
    with team.raw("wang") as con, con.transaction():
        wang_pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
        con.execute(
            "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
            " VALUES ('华东电网有限公司', '华东电网', 'lead', current_user, current_user, now(), now(), now())"
        )
        late = subprocess.Popen(
            [str(SD_BIN), "account", "add", "华东电网"],
            env=team.env("li"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with team.raw("owner") as watch:
            for _ in range(400):  # until li's sd waits for wang's row
                waiting = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (wang_pid,)
                ).fetchone()[0]
                if waiting or late.poll() is not None:
                    break
                time.sleep(0.05)
    out, err = late.communicate(timeout=60)  # wang has committed
    assert waiting == 1, err
    assert late.returncode == 1, err
    assert f"is already reported as account #1 '华东电网有限公司', owned by {wang}" in err
    assert "Traceback" not in err and "UNIQUE" not in err.upper().split("REPORTED")[0]
    assert len(team.ok("boss", "account", "list", "--owner", "all", "--json").json()) == 1


def test_many_reps_adding_the_same_new_account_at_once(team):
    reps = ["wang", "li"] + [f"rep{i}" for i in range(REPS - 2)]
    for who in reps[2:]:
        team.add(who)
    with ThreadPoolExecutor(max_workers=len(reps)) as pool:
        results = list(pool.map(lambda who: run(["account", "add", "西北电网有限公司"], team.env(who)), reps))
    won = [r for r in results if r.returncode == 0]
    lost = [r for r in results if r.returncode != 0]
    assert len(won) == 1, [r.stderr for r in results]
    for r in lost:
        assert r.returncode == 1 and "is already reported as account #1 '西北电网有限公司'" in r.stderr, r.stderr
    accounts = team.ok("boss", "account", "list", "--owner", "all", "--json").json()
    assert len(accounts) == 1


def test_many_reps_writing_at_once_lose_nothing(team):
    """REPS processes, each a different rep, log VISITS visits (each with a follow-up) on their own accounts."""
    reps = ["wang", "li"] + [f"rep{i}" for i in range(REPS - 2)]
    for who in reps[2:]:
        team.add(who)
    for who in reps:
        team.ok(who, "account", "add", f"{who} 客户")
        team.ok(who, "deal", "add", f"{who} 项目", "--account", f"{who} 客户")

    def worker(who: str) -> list[subprocess.CompletedProcess]:
        env = team.env(who)
        return [
            run(["visit", "add", "--deal", f"{who} 项目", "--summary", f"{who} {i}", "--follow-up", "+3d"], env)
            for i in range(VISITS)
        ]

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(reps)) as pool:
        results = [r for batch in pool.map(worker, reps) for r in batch]
    elapsed = time.monotonic() - began
    errors = [r.stderr for r in results if r.returncode != 0]
    with team.raw("owner") as con:
        visits, followups, summaries, changesets = con.execute(
            "SELECT (SELECT count(*) FROM visit), (SELECT count(*) FROM followup),"
            " (SELECT count(DISTINCT summary) FROM visit),"
            " (SELECT count(*) FROM changeset WHERE command LIKE 'sd visit add%')"
        ).fetchone()
        owners_ok = con.execute(
            "SELECT count(*) FROM visit v JOIN account a ON a.id = v.account_id WHERE v.owner = a.owner"
            " AND v.created_by = v.owner"
        ).fetchone()[0]
    print(
        f"\nteam concurrency: {len(reps)} reps x {VISITS} `sd visit add` = {len(results)} runs in {elapsed:.1f} s"
        f" ({len(results) / elapsed:.1f}/s); {visits} visits, {followups} follow-ups, {len(errors)} errors"
    )
    assert not errors, errors[0]
    assert visits == followups == summaries == changesets == owners_ok == len(reps) * VISITS


# The same rules in a journal of one's own (SQLite) --------------------------------------------------------------


def config_user(isolated: Path, name: str) -> None:
    from salesdiary.store.paths import load_config

    (isolated / "config.toml").write_text(f'[user]\nname = "{name}"\n', encoding="utf-8")
    load_config.cache_clear()


def test_on_sqlite_the_user_is_the_configured_name_and_lists_show_everyone(sd, isolated):
    config_user(isolated, "alice")
    assert sd("account", "add", "Acme").exit_code == 0
    config_user(isolated, "bob")
    assert sd("account", "add", "Globex").exit_code == 0
    assert [a["owner"] for a in sd("account", "list", "--json").json()] == ["alice", "bob"]
    assert [a["name"] for a in sd("account", "list", "--owner", "me", "--json").json()] == ["Globex"]
    assert [a["name"] for a in sd("account", "list", "--owner", "alice", "--json").json()] == ["Acme"]
    assert len(sd("account", "list", "--owner", "全部", "--json").json()) == 2
    refused = sd("account", "add", "ACME Co., Ltd.")
    assert refused.exit_code == 1 and "owned by alice since" in refused.stderr
    assert sd("account", "add", "Initech", "--owner", "me").exit_code == 0  # me is me when writing too
    assert sd("account", "show", "Initech", "--json").json()["owner"] == "bob"
    status = sd("db", "status", "--json").json()
    assert (status["user"], status["team"], status["schema"]) == ("bob", False, SCHEMA_HEAD)


def test_on_sqlite_a_visit_on_anothers_account_is_allowed_and_assist_is_recorded_as_given(sd, isolated):
    """One person's journal has no teammates to protect: owners there are labels (imports, records kept for
    others), so only a team database asks for --assist."""
    config_user(isolated, "alice")
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("deal", "add", "Router", "--account", "Acme").exit_code == 0
    config_user(isolated, "bob")
    assert sd("visit", "add", "--deal", "Router", "--summary", "mine", "--next", "call").exit_code == 0
    assert sd("visit", "add", "--account", "Acme", "--summary", "helped", "--assist").exit_code == 0
    assert [v["assist"] for v in sd("visit", "list", "--json").json()] == [True, False]
    assert sd("deal", "show", "Router", "--json").json()["next_step"] == "call"


def test_on_sqlite_reassigning_is_kept_in_history_and_can_be_undone(sd, isolated):
    config_user(isolated, "alice")
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("deal", "add", "Router", "--account", "Acme").exit_code == 0
    assert sd("deal", "add", "Old", "--account", "Acme").exit_code == 0
    assert sd("deal", "lost", "Old", "--reason", "price").exit_code == 0
    moved = sd("account", "reassign", "Acme", "--to", "bob", "--reason", "territories")
    assert moved.exit_code == 0, moved.output
    owners = {d["name"]: d["owner"] for d in sd("deal", "list", "--status", "all", "--json").json()}
    assert owners == {"Router": "bob", "Old": "alice"}  # a closed deal stays with who closed it
    again = sd("account", "reassign", "Acme", "--to", "bob", "--reason", "x")
    assert again.exit_code == 1 and "already owned by bob" in again.stderr
    missing = sd("account", "reassign", "Acme", "--to", "carol")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    history = sd("history", "account", "1", "--json").json()
    assert history[0]["changes"]["reason"] == [None, "territories"]
    assert sd("undo").exit_code == 0
    assert sd("account", "show", "Acme", "--json").json()["owner"] == "alice"


def test_on_sqlite_reps_adding_the_same_account_at_once_get_one_winner(isolated):
    env = {**os.environ}
    with ThreadPoolExecutor(max_workers=REPS) as pool:
        results = list(pool.map(lambda i: run(["account", "add", "西北电网有限公司"], env), range(REPS)))
    assert [r.returncode for r in results].count(0) == 1, [r.stderr for r in results]
    for r in results:
        assert r.returncode == 0 or "is already reported as account #1" in r.stderr, r.stderr


# The guided flow on another rep's account ---------------------------------------------------------------------


def guided_as(t: Team, who: str, monkeypatch, *args: str, keys: str):  # noqa: ANN001, ANN201
    """Run `sd ARGS` as WHO on a terminal, typing KEYS (questionary through prompt_toolkit's pipe input)."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    from salesdiary.cli import state

    monkeypatch.setattr(state, "can_prompt", lambda: True)
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()
        with create_app_session(input=pipe, output=DummyOutput()):
            return t.sd(who, *args)


def test_guided_visit_on_another_reps_account_asks_whether_it_was_an_assist(team, monkeypatch):
    start(team)
    wang = team.names["wang"]
    keys = "y" + "\r" + " \r" + "\r" + "\r\r\r" + "Send the drawings\r\r" + "\r"
    # helping? yes · the deal · meet 李明 (no "someone new": his account is wang's) · a visit · three skips ·
    # next step and its date · save. No markers, no advancing, no relationship question: wang's deal stays his.
    done = guided_as(team, "li", monkeypatch, "visit", "add", "--account", "华东", keys=keys)
    assert done.exit_code == 0, done.output
    assert "helping on a teammate's account" in done.stdout  # the summary says so
    visit = team.ok("li", "visit", "list", "--owner", "all", "--json").json()[0]
    assert (visit["assist"], visit["owner"], visit["deal"]) == (True, team.names["li"], "调度中心网络改造")
    assert team.ok("wang", "deal", "show", "1", "--json").json()["stage"] == "project_confirmation"

    refused = guided_as(team, "li", monkeypatch, "visit", "add", "--account", "华东", keys="n")
    assert refused.exit_code == 1
    assert f"Only {wang} (or a manager) logs visits there; nothing was written." in refused.output
    assert len(team.ok("boss", "visit", "list", "--owner", "all", "--json").json()) == 1
