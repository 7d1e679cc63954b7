"""The team database refuses through raw SQL what `sd` refuses (issue 25): a careful teammate with psql.

Each test is an attack by a rep (a login role in sd_rep) typing SQL by hand with psycopg, past sd, and what
the database (migration 0007) does about it; and what sd itself says for the same thing. PostgreSQL only
(SD_TEST_DATABASE_URL, tests/pgtools.py): without it they skip, with CI=true they fail.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

import pgtools
from conftest import run_sd
from salesdiary.store.version import SCHEMA_HEAD
from test_team import Team

psycopg = pytest.importorskip("psycopg")
Refused = psycopg.errors.InsufficientPrivilege


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    """wang and li (reps) and boss (a manager). wang reports 华东电网 (account 1) with deal 1; li reports 南方电网
    (account 2) with deal 2."""
    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert run_sd("db", "upgrade").exit_code == 0
        t = Team(monkeypatch, schema, url)
        t.add("wang")
        t.add("li")
        t.add("boss", "sd_manager")
        try:
            t.ok("wang", "account", "add", "华东电网有限公司")
            t.ok("wang", "deal", "add", "调度中心网络改造", "--account", "华东", "--amount", "280万")
            t.ok("li", "account", "add", "南方电网")
            t.ok("li", "deal", "add", "南网配电自动化", "--account", "南方", "--amount", "90万")
            yield t
        finally:
            pgtools.drop_roles(t.made)


def counts(team: Team) -> dict[str, int]:
    with pgtools.admin() as con:
        con.execute(f"SET search_path = {team.schema}")
        return {
            table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("account", "deal", "visit", "followup", "receivable", "history")
        }


def as_admin(team: Team, sql: str, params: tuple = ()) -> list[tuple]:
    with pgtools.admin() as con:
        con.execute(f"SET search_path = {team.schema}")
        cur = con.execute(sql, params)
        return cur.fetchall() if cur.description else []


def with_role_option(url: str, role: str) -> str:
    """URL with `-crole=ROLE` added to its options: the session acts as ROLE from the start."""
    return url + quote(f" -crole={role}")


ACCOUNT = (
    "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
    " VALUES (%s, %s, 'lead', %s, %s, now(), now(), now())"
)
VISIT = (
    "INSERT INTO visit (account_id, deal_id, date, kind, assist, owner, created_by, created_at, updated_at)"
    " VALUES (%s, %s, %s, 'visit', %s, current_user, current_user, now(), now())"
)


# 1. No cascade crosses owners ----------------------------------------------------------------------------------


def wang_on_lis_account(team: Team) -> None:
    """wang's records on li's account: an assist visit on li's deal (with a follow-up), and a won deal with a
    receivable that the manager made for wang there."""
    wang = team.names["wang"]
    team.ok("wang", "visit", "add", "--account", "南方", "--deal", "2", "--assist", "--follow-up", "+2d")
    team.ok("boss", "deal", "add", "备件框架协议", "--account", "南方", "--owner", wang, "--amount", "10万")
    team.ok("boss", "deal", "won", "3")
    team.ok("boss", "receivable", "add", "3", "--amount", "10万", "--due", "+30d")


def test_a_rep_deleting_their_own_account_cannot_take_a_teammates_records_with_it(team):
    wang_on_lis_account(team)
    before = counts(team)
    wang = team.names["wang"]
    with team.raw("li") as con:
        with pytest.raises(Refused, match=f"belongs to {wang}"):
            con.execute("DELETE FROM account WHERE id = 2")
        with pytest.raises(Refused, match=f"belongs to {wang}"):
            con.execute("DELETE FROM deal WHERE id = 2")  # would take wang's assist visit off the deal
    assert counts(team) == before
    refused = team.sd("li", "account", "rm", "南方", "--force")
    assert refused.exit_code == 1, refused.output
    assert "Traceback" not in refused.output and len(refused.stderr.strip().splitlines()) == 1
    assert "account #2 “南方电网” holds records of other reps:" in refused.stderr
    assert f"deal #3 ({wang})" in refused.stderr and f"visit #1 ({wang})" in refused.stderr
    assert f"receivable #1 ({wang})" in refused.stderr and f"follow-up #1 ({wang})" in refused.stderr
    refused = team.sd("li", "deal", "rm", "2")
    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert f"deal #2 “南网配电自动化” holds records of other reps: visit #1 ({wang})" in refused.stderr
    assert counts(team) == before
    # what is only li's still goes, with its own (raw SQL: as the cascade always did)
    team.ok("li", "account", "add", "西北电网")
    team.ok("li", "visit", "add", "--account", "西北", "--follow-up", "+1d")
    with team.raw("li") as con:
        assert con.execute("DELETE FROM account WHERE name = '西北电网'").rowcount == 1
    # nor does a rep's own contact take a teammate's visit's people with it (li was at 南方 with wang's visit)
    team.ok("li", "contact", "add", "张工", "--account", "南方")
    team.ok("wang", "visit", "edit", "1", "--contact", "张工")
    with team.raw("li") as con:
        with pytest.raises(Refused, match=f"visit #1 belongs to {wang}"):
            con.execute("DELETE FROM contact WHERE name = '张工'")
    assert as_admin(team, "SELECT count(*) FROM visit_contact WHERE visit_id = 1") == [(1,)]
    # and a manager removes li's account with everything on it, kept in history
    team.ok("boss", "account", "rm", "南方", "--force")
    assert counts(team)["account"] == 1 and counts(team)["deal"] == 1


# 2. The person, not a role they can switch to -----------------------------------------------------------------


def test_a_rep_acting_as_the_group_role_can_neither_own_nor_change_anything(team):
    wang, li = team.names["wang"], team.names["li"]
    before = counts(team)
    with team.raw("li") as con:
        con.execute("SET ROLE sd_rep")
        for owner in ("sd_rep", "sd_manager", wang):
            with pytest.raises(Refused):
                con.execute(ACCOUNT, ("占名公司", "占名公司", owner, "sd_rep"))
        with pytest.raises(Refused):
            con.execute(ACCOUNT, ("占名公司", "占名公司", "sd_rep", li))
        assert con.execute("UPDATE deal SET amount = 1").rowcount == 1  # li's own deal only, as li
        with pytest.raises(Refused):
            con.execute("UPDATE deal SET owner = 'sd_rep' WHERE id = 2")
    with team.raw("li") as con:
        with pytest.raises(Refused):  # owners are people: li cannot give her deal to the group role either
            con.execute("UPDATE deal SET owner = 'sd_rep' WHERE id = 2")
        with pytest.raises(Refused):
            con.execute("""INSERT INTO changeset (at, command, "user") VALUES (now(), 'x', 'sd_rep')""")
    # a record some role switch made before 0007 (owned by the group role) is no rep's to change
    as_admin(team, ACCOUNT, ("旧占名", "旧占名", "sd_rep", "sd_rep"))
    with team.raw("li") as con:
        con.execute("SET ROLE sd_rep")
        assert con.execute("UPDATE account SET region = 'x' WHERE owner = 'sd_rep'").rowcount == 0
        assert con.execute("DELETE FROM account WHERE owner = 'sd_rep'").rowcount == 0
    # the role in the connection's options: sd writes nothing as the group role
    team.urls["li_as_group"] = with_role_option(team.urls["li"], "sd_rep")
    refused = team.sd("li_as_group", "account", "add", "占名公司")
    assert refused.exit_code == 1 and "Traceback" not in refused.output, refused.output
    assert counts(team)["account"] == before["account"] + 1
    # a manager too: records belong to people, not to sd_manager or sd_rep
    with team.raw("boss") as con:
        con.execute("SET ROLE sd_manager")
        for owner in ("sd_manager", "sd_rep", "nobody_at_all"):
            with pytest.raises(Refused, match="not a person of the team"):
                con.execute(ACCOUNT, ("经理占名", "经理占名", owner, team.names["boss"]))
        con.execute(ACCOUNT, ("给王的客户", "给王的客户", wang, team.names["boss"]))  # for a rep: fine
    assert team.ok("wang", "account", "show", "给王的客户", "--json").json()["owner"] == wang


# 3. Rows hang on a teammate's account or deal only as sd allows -----------------------------------------------


def test_a_rep_cannot_hang_rows_on_a_teammates_account_or_deal(team):
    li = team.names["li"]
    team.ok("wang", "visit", "add", "--deal", "1", "--date", "2026-12-01")
    team.ok("wang", "contact", "add", "李明", "--account", "华东")
    wangs_contact = as_admin(team, "SELECT id FROM contact WHERE name = '李明'")[0][0]
    team.ok("boss", "deal", "won", "1")
    last_visit = as_admin(team, "SELECT last_visit_on FROM deal_last_visit WHERE deal_id = 1")
    before = counts(team)
    attacks = [
        "INSERT INTO deal (account_id, name, currency, playbook, stage, stage_entered_on, status, owner, created_by,"
        " created_at, updated_at) VALUES (1, 'x', 'CNY', 'ten_step', 'project_info', '2026-11-25', 'open',"
        " current_user, current_user, now(), now())",
        "INSERT INTO followup (account_id, due, action, kind, owner, created_by, created_at, updated_at)"
        " VALUES (1, '2026-12-24', 'x', 'todo', current_user, current_user, now(), now())",
        "INSERT INTO followup (account_id, deal_id, due, action, kind, owner, created_by, created_at, updated_at)"
        " VALUES (2, 1, '2026-12-24', 'x', 'todo', current_user, current_user, now(), now())",
        "INSERT INTO receivable (deal_id, amount, due, paid_amount, owner, created_by, created_at, updated_at)"
        " VALUES (1, 1, '2026-12-24', 0, current_user, current_user, now(), now())",
        "UPDATE deal SET account_id = 1 WHERE id = 2",
    ]
    with team.raw("li") as con:
        for sql in attacks:
            with pytest.raises(Refused):
                con.execute(sql)
        with pytest.raises(Refused, match="assist"):
            con.execute(VISIT, (1, 1, "2026-12-02", False))
        for date in ("9999-12-31", "1066-10-14", dt.date.today() + dt.timedelta(days=10)):
            with pytest.raises(Refused, match="dated"):
                con.execute(VISIT, (1, 1, date, True))
        # li's own visit, moved onto wang's account without saying it is an assist
        con.execute(VISIT, (2, None, "2026-12-02", False))
        with pytest.raises(Refused, match="assist"):
            con.execute("UPDATE visit SET account_id = 1 WHERE owner = current_user")
        # people are linked within one account: not wang's 李明 to li's deal, visit or contact
        lis_visit = con.execute("SELECT id FROM visit WHERE owner = current_user").fetchone()[0]
        boss_of = "INSERT INTO contact (account_id, name, coach, reports_to_id, created_at, updated_at)"
        for sql, params in (
            ("INSERT INTO deal_contact (deal_id, contact_id) VALUES (2, %s)", (wangs_contact,)),
            ("INSERT INTO visit_contact (visit_id, contact_id) VALUES (%s, %s)", (lis_visit, wangs_contact)),
            (boss_of + " VALUES (2, 'x', false, %s, now(), now())", (wangs_contact,)),
        ):
            with pytest.raises(Refused, match="does not work at"):
                con.execute(sql, params)
    assert counts(team) == {**before, "visit": before["visit"] + 1}
    assert as_admin(team, "SELECT last_visit_on FROM deal_last_visit WHERE deal_id = 1") == last_visit
    # what sd allows still works by hand: an assist visit, dated sensibly, and its follow-up
    with team.raw("li") as con:
        visit = con.execute(VISIT + " RETURNING id", (1, 1, dt.date.today(), True)).fetchone()[0]
        con.execute(
            "INSERT INTO followup (account_id, deal_id, visit_id, due, action, kind, owner, created_by, created_at,"
            " updated_at) VALUES (1, 1, %s, '2026-12-24', 'x', 'todo', current_user, current_user, now(), now())",
            (visit,),
        )
    # and sd says it in one line, before the database has to
    wang = team.names["wang"]
    for args, code, says in (
        (("followup", "add", "送资料", "--account", "华东", "--due", "fri"), 1, f"account #1 is {wang}'s"),
        (("followup", "add", "送资料", "--deal", "1", "--due", "fri"), 1, "--assist --follow-up"),
        (("receivable", "add", "1", "--amount", "1", "--due", "fri", "--owner", li), 1, f"belongs to {wang}"),
        (("visit", "add", "--account", "华东", "--assist", "--date", "2099-01-01"), 2, "not 2099-01-01"),
    ):
        refused = team.sd("li", *args)
        assert refused.exit_code == code, (args, refused.output)
        assert len(refused.stderr.strip().splitlines()) == 1 and says in refused.stderr, (args, refused.stderr)
        assert "database refused" not in refused.stderr
    team.ok("li", "visit", "add", "--account", "华东", "--assist", "--follow-up", "+3d")  # as sd allows
    # on li's own account a visit is li's, also about a deal the manager made there for wang; but not "forever"
    team.ok("boss", "deal", "add", "备件框架协议", "--account", "南方", "--owner", wang)
    team.ok("li", "visit", "add", "--account", "南方", "--deal", "备件", "--summary", "顺便问了备件")
    spare = as_admin(team, "SELECT id FROM deal WHERE name = '备件框架协议'")[0][0]
    with team.raw("li") as con:
        with pytest.raises(Refused, match="dated"):
            con.execute(VISIT, (2, spare, "9999-12-31", False))


# 4. History about what the writer may change ------------------------------------------------------------------


def test_a_rep_cannot_forge_history_about_a_teammates_record_and_old_forgeries_do_not_block_undo(team):
    li = team.names["li"]
    team.ok("wang", "deal", "edit", "1", "--amount", "300万")
    with team.raw("li") as con:
        cid = con.execute(
            """INSERT INTO changeset (at, command, "user") VALUES (now(), 'forged', current_user) RETURNING id"""
        ).fetchone()[0]
        for entity, key in (("deal", "1"), ("account", "1"), ("deal_marker", "1/project_info/x"), ("sd_meta", "k")):
            with pytest.raises(Refused, match="history"):
                con.execute(
                    "INSERT INTO history (changeset_id, seq, entity, entity_id, action, changes)"
                    " VALUES (%s, 1, %s, %s, 'update', '{}')",
                    (cid, entity, key),
                )
        con.execute(  # about her own deal: fine
            "INSERT INTO history (changeset_id, seq, entity, entity_id, action, changes)"
            " VALUES (%s, 1, 'deal', '2', 'update', '{}')",
            (cid,),
        )
    # an entry forged before 0007 (put here by the owner of the tables) does not block wang's undo
    forged = as_admin(
        team, """INSERT INTO changeset (at, command, "user") VALUES (now(), 'sd deal edit 1', %s) RETURNING id""", (li,)
    )[0][0]
    as_admin(
        team,
        "INSERT INTO history (changeset_id, seq, entity, entity_id, action, changes)"
        """ VALUES (%s, 1, 'deal', '1', 'update', '{"amount": [3000000.0, 1.0]}')""",
        (forged,),
    )
    undone = team.sd("wang", "undo")
    assert undone.exit_code == 0, undone.output
    assert team.ok("wang", "deal", "show", "1", "--json").json()["amount"] == 2800000.0
    # a manager's later change still blocks it, as before
    team.ok("wang", "redo")
    team.ok("boss", "deal", "edit", "1", "--next", "约技术交流")
    blocked = team.sd("wang", "undo")
    assert blocked.exit_code == 1 and "was changed later" in blocked.stderr
    # nor does one forged about a record gone since: wang's removed visit comes back
    team.ok("wang", "visit", "add", "--account", "华东", "--summary", "拜访")
    team.ok("wang", "visit", "rm", "1")
    forged = as_admin(
        team, """INSERT INTO changeset (at, command, "user") VALUES (now(), 'sd visit rm 1', %s) RETURNING id""", (li,)
    )[0][0]
    as_admin(
        team,
        "INSERT INTO history (changeset_id, seq, entity, entity_id, action, changes)"
        """ VALUES (%s, 1, 'visit', '1', 'delete', '{}')""",
        (forged,),
    )
    undone = team.sd("wang", "undo")
    assert undone.exit_code == 0, undone.output
    assert team.ok("wang", "visit", "show", "1", "--json").json()["summary"] == "拜访"


# The migration -------------------------------------------------------------------------------------------------


def test_a_0006_team_database_is_upgraded_and_then_keeps_the_rules(monkeypatch):
    from alembic import command
    from sqlalchemy import create_engine

    from salesdiary.store.migrate import alembic_config
    from salesdiary.store.pg import sqlalchemy_url

    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        engine = create_engine(sqlalchemy_url(url))
        with engine.begin() as connection:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "0006")
        engine.dispose()
        t = Team(monkeypatch, schema, url)
        try:
            wang, li = t.add("wang"), t.add("li")
            as_admin(t, ACCOUNT, ("华东电网", "华东电网", wang, wang))
            with t.raw("li") as con:  # 0006: li, acting as the group role, squats a name
                con.execute("SET ROLE sd_rep")
                con.execute(ACCOUNT, ("南方电网", "南方电网", "sd_rep", "sd_rep"))
            upgraded = run_sd("db", "upgrade")
            assert upgraded.exit_code == 0 and f"from schema 0006 to {SCHEMA_HEAD}" in upgraded.stderr, upgraded.output
            with t.raw("li") as con:
                con.execute("SET ROLE sd_rep")
                with pytest.raises(Refused):
                    con.execute(ACCOUNT, ("西北电网", "西北电网", "sd_rep", "sd_rep"))
            assert [a["owner"] for a in t.ok("wang", "account", "list", "--json").json()] == [wang]
            t.ok("li", "account", "add", "东北电网")
            engine = create_engine(sqlalchemy_url(url))
            with engine.begin() as connection:  # and it goes back down cleanly
                cfg = alembic_config()
                cfg.attributes["connection"] = connection
                command.downgrade(cfg, "0006")
                command.upgrade(cfg, "head")
            engine.dispose()
            assert li in {a["owner"] for a in t.ok("li", "account", "list", "--owner", "all", "--json").json()}
        finally:
            pgtools.drop_roles(t.made)


def test_a_rep_cannot_rewrite_changesets_nor_write_history_ahead_of_a_record(team):
    """Review findings: a rep rewrote their own changeset's undone_by/command/at (which changed what a teammate's
    undo and redo did), and wrote history about an account id before it existed."""
    team.ok("li", "account", "add", "Beta")
    team.ok("li", "account", "edit", "Beta", "--region", "East")
    with team.raw("wang") as con:
        own = con.execute('SELECT id FROM changeset WHERE "user" = current_user ORDER BY id LIMIT 1').fetchone()[0]
        lis = con.execute('SELECT max(id) FROM changeset WHERE "user" <> current_user').fetchone()[0]
        for sql in (
            f"UPDATE changeset SET undone_by = {lis} WHERE id = {own}",
            f"UPDATE changeset SET command = 'sd account rm Beta' WHERE id = {own}",
            f"UPDATE changeset SET at = '2001-01-01' WHERE id = {own}",
        ):
            with pytest.raises(Refused, match="changeset"):
                con.execute(sql)
        cid = con.execute(
            """INSERT INTO changeset (at, command, "user") VALUES (now(), 'ahead', current_user) RETURNING id"""
        ).fetchone()[0]
        with pytest.raises(Refused, match="does not exist"):
            con.execute(
                "INSERT INTO history (changeset_id, seq, entity, entity_id, action, changes)"
                """ VALUES (%s, 1, 'account', '999', 'update', '{"name": ["x", "Gamma"]}')""",
                (cid,),
            )
    undone = team.sd("li", "undo")  # li's own undo and redo still work, links written by sd
    assert undone.exit_code == 0, undone.output
    assert team.sd("li", "redo").exit_code == 0
    assert team.ok("li", "account", "show", "Beta", "--json").json()["region"] == "East"


def test_a_rep_cannot_clear_the_assist_visit_a_follow_up_on_a_teammates_account_rests_on(team):
    team.ok("li", "visit", "add", "--account", "华东", "--summary", "陪同", "--assist")
    with team.raw("li") as con:
        visit = con.execute("SELECT id FROM visit WHERE owner = current_user").fetchone()[0]
        con.execute(
            "INSERT INTO followup (account_id, visit_id, action, due, kind, owner, created_by, created_at, updated_at)"
            " VALUES (1, %s, 'call', current_date + 3, 'todo', current_user, current_user, now(), now())",
            (visit,),
        )
        with pytest.raises(Refused, match="own visit"):
            con.execute("UPDATE followup SET visit_id = NULL WHERE visit_id = %s", (visit,))


def test_the_functions_that_read_past_row_security_answer_the_team_only(team):
    rows = as_admin(
        team,
        "SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s"
        " AND p.proname IN ('sd_is_person', 'sd_is_manager', 'sd_record_owner')",
        (team.schema,),
    )
    assert len(rows) == 3 and not any(public for _name, public in rows), rows
