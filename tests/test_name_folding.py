"""First reporter owns a company, whatever the spelling (issue 25).

Traditional or mixed Chinese, a look-alike Cyrillic or Greek letter, full-width letters or another legal form
at the end name the same organisation: the account is refused, naming its owner. Names that only share a legal
form are different organisations. Lookups by name fold the same way, and migration 0008 recomputes the keys of
an existing journal without losing an account when two now collide.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

import pgtools
from conftest import run_sd
from salesdiary.store.version import SCHEMA_VERSION

FIRST = {
    "华东电网有限公司": ("華東電網有限公司", "华东電网", "華東電網股份有限公司", "华东电网集团", "華東電網"),
    "Contoso": ("Сontoso", "CONTOSО", "Contoso GmbH & Co. KG", "Contoso GmbH und Co. KG", "ＣＯＮＴＯＳＯ Ltd."),
    "Nova Systems": ("ΝΟVΑ SYSTEMS", "Nova Systems S.A.", "Nova Systems Sp. z o.o.", "Nova Systems Pty Ltd"),
    "Toyota": ("Toyota K.K.", "株式会社Toyota", "Toyota KK", "TOYOTA A/S"),
}


def add(*args: str):  # noqa: ANN201
    result = run_sd("account", "add", *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.usefixtures("fresh_journal")
@pytest.mark.parametrize("first", list(FIRST))
def test_each_other_spelling_of_a_reported_company_is_refused_naming_its_owner(sd, first):
    add(first, "--owner", "alice")
    for spelling in FIRST[first]:
        result = sd("account", "add", spelling, "--owner", "mallory")
        assert result.exit_code == 1, (spelling, result.output)
        assert f"already reported as account #1 {first!r}, owned by alice" in result.stderr, spelling
        assert "Traceback" not in result.output
    assert [a["name"] for a in sd("account", "list", "--json").json()] == [first]


@pytest.mark.usefixtures("fresh_journal")
def test_renaming_another_account_to_a_look_alike_spelling_is_refused_too(sd):
    add("华东电网有限公司", "--owner", "alice")
    add("南方电网", "--owner", "mallory")
    result = sd("account", "edit", "南方", "--name", "華東電網")
    assert result.exit_code == 1 and "owned by alice" in result.stderr
    assert sorted(a["name"] for a in sd("account", "list", "--json").json()) == ["华东电网有限公司", "南方电网"]


@pytest.mark.usefixtures("fresh_journal")
def test_names_that_only_share_a_legal_form_or_a_word_are_different_companies(sd):
    names = [
        "Acme GmbH",
        "Bolt GmbH",
        "AG Bank",
        "Bank AG",  # a legal form at the start is a word of the name, at the end it is the form
        "Plan A S.A.",
        "Plan S.A.",
        "Vitamin E",
        "Vitamin",
        "华东电网有限公司",
        "华东电建有限公司",
        "Contoso Manufacturing",
        "Contoso",
        "Ελλάδα",  # a real Greek name is not a Latin one
    ]
    for name in names:
        add(name)
    assert len(sd("account", "list", "--json", "--all").json()) == len(names)


@pytest.mark.usefixtures("fresh_journal")
def test_a_rep_typing_simplified_or_latin_finds_the_account_spelt_otherwise(sd):
    add("華東電網有限公司")
    add("Сontoso Manufacturing")  # a Cyrillic С
    add("南方电网")
    shown = sd("account", "show", "华东电网", "--json")
    assert shown.exit_code == 0, shown.output
    assert shown.json()["name"] == "華東電網有限公司"
    assert sd("account", "show", "Contoso", "--json").json()["id"] == 2
    deal = sd("deal", "add", "调度中心网络改造", "--account", "华东电网")
    assert deal.exit_code == 0, deal.output
    assert sd("deal", "show", "调度", "--json").json()["account"] == "華東電網有限公司"


@pytest.mark.usefixtures("fresh_journal")
def test_an_exact_spelling_wins_over_an_account_only_equal_folded(sd, isolated):
    add("华东电网")
    con = sqlite3.connect(isolated / "journal.sqlite")  # as migration 0008 leaves a pair it found
    con.execute(
        "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
        " VALUES ('華東電網', '华东电网#2', 'lead', 'bob', 'bob', '2026-01-02', '2026-01-02', '2026-01-02')"
    )
    con.commit()
    con.close()
    assert sd("account", "show", "華東電網", "--json").json()["id"] == 2
    assert sd("account", "show", "华东电网", "--json").json()["id"] == 1


def test_a_read_command_naming_nothing_chinese_does_not_load_the_converter(sd_process, isolated):
    assert sd_process("account", "add", "Acme").exit_code == 0
    code = (
        "import sys; from salesdiary.cli.app import main; code = main(['account', 'show', 'Acme', '--json']);"
        " print('opencc' in sys.modules, file=sys.stderr); sys.exit(code)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "False"


# Migration 0008 ---------------------------------------------------------------------------------------------------


def _journal_at_0006(path) -> None:  # noqa: ANN001
    """A journal as sd wrote it before the fold grew: schema 0006, keys by the old account_key."""
    from alembic import command
    from sqlalchemy import create_engine

    from salesdiary.store.engine import dispose_all
    from salesdiary.store.migrate import alembic_config
    from salesdiary.store.version import APPLICATION_ID

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0006")
        connection.exec_driver_sql("PRAGMA user_version = 6")
        connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
    engine.dispose()
    dispose_all()
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO account (id, name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
        " VALUES (?, ?, ?, 'lead', ?, ?, ?, ?, ?)",
        [
            (1, "華東電網有限公司", "華東電網", "alice", "alice", *["2026-01-05 09:00:00"] * 3),
            (2, "华东电网", "华东电网", "bob", "bob", *["2026-01-03 09:00:00"] * 3),  # reported first
            (3, "Contoso Manufacturing", "contoso manufacturing", "alice", "alice", *["2026-01-01 09:00:00"] * 3),
            (4, "Сontoso GmbH", "сontoso", "bob", "bob", *["2026-01-02 09:00:00"] * 3),
        ],
    )
    con.execute(
        "INSERT INTO deal (id, account_id, name, currency, playbook, stage, stage_entered_on, status, owner,"
        " created_by, created_at, updated_at) VALUES (1, 1, '调度中心', 'CNY', 'ten_step', 'project_info',"
        " '2026-01-05', 'open', 'alice', 'alice', '2026-01-05', '2026-01-05')"
    )
    con.commit()
    con.close()


def test_migration_0008_recomputes_keys_and_keeps_both_accounts_of_a_pair_for_doctor_to_report(sd, isolated):
    path = isolated / "journal.sqlite"
    _journal_at_0006(path)

    listed = sd("account", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert sorted(a["id"] for a in listed.json()) == [1, 2, 3, 4]  # nothing lost
    con = sqlite3.connect(path)
    keys = dict(con.execute("SELECT id, name_key FROM account"))
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("SELECT account_id FROM deal WHERE id = 1").fetchone() == (1,)
    con.close()
    assert keys == {
        2: "华东电网",
        1: "华东电网#1",
        3: "contosomanufacturing",
        4: "contoso",
    }  # the first reporter keeps it
    assert list((isolated / "backups").glob("journal-*-before-migration-v6.sqlite"))

    doctor = sd("doctor")
    assert "#2 '华东电网' = #1 '華東電網有限公司'" in doctor.output, doctor.output
    assert "Contoso" not in doctor.output.split("account names", 1)[1].split("\n")[0]

    refused = sd("account", "add", "華東電網", "--owner", "mallory")  # the index holds for the new spelling
    assert refused.exit_code == 1 and "account #2 '华东电网', owned by bob" in refused.stderr
    renamed = sd("account", "edit", "1", "--name", "华东电网输变电")  # the way out doctor advises
    assert renamed.exit_code == 0, renamed.output
    assert "each organisation is reported once" in sd("doctor").output


# PostgreSQL: the team database, where squatting matters ----------------------------------------------------------


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    from test_team import Team

    with pgtools.schema() as (schema, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert run_sd("db", "upgrade").exit_code == 0
        t = Team(monkeypatch, schema, url)
        t.add("wang")
        t.add("li")
        try:
            yield t
        finally:
            pgtools.drop_roles(t.made)


def test_on_postgresql_a_second_rep_cannot_take_a_reported_company_by_another_spelling(team):
    import psycopg

    from salesdiary.core.naming import account_key

    wang = team.names["wang"]
    team.ok("wang", "account", "add", "华东电网有限公司")
    team.ok("wang", "account", "add", "Contoso")
    for spelling in ("華東電網有限公司", "华东電网", "Сontoso", "Contoso GmbH & Co. KG"):
        refused = team.sd("li", "account", "add", spelling)
        assert refused.exit_code == 1, (spelling, refused.output)
        assert f"owned by {wang}" in refused.stderr
    with team.raw("li") as con:  # SQL typed by hand, with the key sd computes: the unique index refuses
        for spelling in ("華東電網有限公司", "Сontoso"):
            with pytest.raises(psycopg.errors.UniqueViolation):
                con.execute(
                    "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at,"
                    " updated_at) VALUES (%s, %s, 'lead', current_user, current_user, now(), now(), now())",
                    (spelling, account_key(spelling)),
                )
    names = [a["name"] for a in team.ok("wang", "account", "list", "--json").json()]
    assert sorted(names) == ["Contoso", "华东电网有限公司"]
    assert team.ok("li", "account", "show", "華東電網", "--json").json()["owner"] == wang


def test_on_postgresql_sd_db_upgrade_recomputes_keys_keeping_a_colliding_pair(team):
    with pgtools.admin() as con:
        schema = team.schema
        con.execute(f"SET search_path = {schema}")
        con.execute("UPDATE alembic_version SET version_num = '0007'")  # the revision before 0008
        con.execute("ALTER TABLE account DISABLE TRIGGER sd_account_key")  # keys as sd sent them before 0009
        for name, key, when in (("華東電網", "華東電網", "2026-01-02"), ("华东电网", "华东电网", "2026-01-01")):
            con.execute(
                "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at,"
                " updated_at) VALUES (%s, %s, 'lead', current_user, current_user, %s, %s, %s)",
                (name, key, when, when, when),
            )
    from salesdiary.store.engine import dispose_all

    dispose_all()
    upgraded = team.sd("owner", "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    with pgtools.admin() as con:
        rows = con.execute(f"SELECT name, name_key FROM {team.schema}.account ORDER BY id").fetchall()
    assert rows == [("華東電網", "华东电网#1"), ("华东电网", "华东电网")]
    doctor = team.sd("owner", "doctor")
    assert "#2 '华东电网' = #1 '華東電網'" in doctor.output, doctor.output
