"""The team database computes each account's name key itself (issue 25, first reporter owns).

On PostgreSQL a rep typing SQL by hand cannot choose an account's name_key: a trigger sets it to
sd_account_key(name), the database's copy of core.naming.account_key, built by migration 0009 from the same data
files (core/data/name_rules.json and name_tables.json). So a forged key is replaced and the unique index refuses
a second account of a reported company in any spelling. sd and the database must agree on every name: the tests
compare them on the demo's names, the fixtures', the public sample's and a few hundred generated ones.
Migration 0009 recomputes the keys of an existing journal, keeping both accounts of a pair that now collides.

The PostgreSQL tests need SD_TEST_DATABASE_URL (tests/pgtools.py): without it they skip; with CI=true they fail.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pgtools
from conftest import SD_BIN, run_sd
from salesdiary.core.naming import account_key, the_fold
from salesdiary.store.version import SCHEMA_HEAD, SCHEMA_VERSION

TESTS = Path(__file__).resolve().parent
REALDATA = TESTS.parent.parent / "shared" / "realdata" / "accounts.csv"
ATTACKS = {  # a company a rep reported, and spellings another rep tries to take it with
    "华东电网有限公司": ("華東電網有限公司", "华东電网", "華東電網股份有限公司", "华东电网集团", "華東電網"),
    "Contoso": ("Сontoso", "CONTOSО", "ＣＯＮＴＯＳＯ", "Contoso GmbH & Co. KG", "Contoso GmbH und Co. KG"),
    "Nova Systems": ("ΝΟVΑ SYSTEMS", "Nova Systems S.A.", "Nova Systems Sp. z o.o.", "ｎｏｖａ ｓｙｓｔｅｍｓ"),
    "Toyota": ("Toyota K.K.", "株式会社Toyota", "TOYOTA A/S"),
}
INSERT = (
    "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
    " VALUES (%s, %s, 'lead', current_user, current_user, now(), now(), now())"
)


# PostgreSQL: the key comes from the database ------------------------------------------------------------------


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


def test_a_reps_raw_insert_with_a_forged_key_gets_the_computed_key_and_is_refused(team):
    import psycopg

    for name in ATTACKS:
        team.ok("wang", "account", "add", name)
    with team.raw("li") as con:
        for spellings in ATTACKS.values():
            for spelling in spellings:
                for forged in ("x", f"forged {spelling}", ""):
                    with pytest.raises(psycopg.errors.UniqueViolation):
                        con.execute(INSERT, (spelling, forged))
        con.execute(INSERT, ("華南電力有限公司", "x"))  # a new company: in, under its own key, not the forged one
        row = con.execute("SELECT name_key FROM account WHERE name = '華南電力有限公司'").fetchone()
    assert row == ("华南电力",)
    assert team.sd("wang", "account", "add", "华南电力").exit_code == 1
    with pgtools.admin() as con:
        names = sorted(n for (n,) in con.execute(f"SELECT name FROM {team.schema}.account"))
    assert names == sorted([*ATTACKS, "華南電力有限公司"])


def test_the_first_reporter_by_raw_sql_owns_the_name_for_sd_too(team):
    with team.raw("li") as con:
        con.execute(INSERT, ("華東電網有限公司", "not-a-key"))
    refused = team.sd("wang", "account", "add", "华东电网")
    assert refused.exit_code == 1, refused.output
    assert f"owned by {team.names['li']}" in refused.stderr


def test_a_raw_update_of_the_key_alone_is_overridden_and_a_rename_recomputes_it(team):
    import psycopg

    team.ok("wang", "account", "add", "华东电网有限公司")
    team.ok("li", "account", "add", "南方电网")
    with team.raw("li") as con:
        con.execute("UPDATE account SET name_key = 'x' WHERE name = '南方电网'")
        assert con.execute("SELECT name_key FROM account WHERE name = '南方电网'").fetchone() == ("南方电网",)
        con.execute("UPDATE account SET name_key = '华东电网' || 'x', region = 'south' WHERE name = '南方电网'")
        assert con.execute("SELECT name_key FROM account WHERE name = '南方电网'").fetchone() == ("南方电网",)
        with pytest.raises(psycopg.errors.UniqueViolation):  # renamed to a spelling of wang's company
            con.execute("UPDATE account SET name = '華東電網', name_key = 'y' WHERE name = '南方电网'")
        con.execute("UPDATE account SET name = '南方電網股份有限公司', name_key = 'z' WHERE name = '南方电网'")
        assert con.execute("SELECT name_key FROM account WHERE name = '南方電網股份有限公司'").fetchone() == (
            "南方电网",
        )


def test_a_rep_cannot_remove_the_trigger_or_replace_the_function(team):
    import psycopg

    with team.raw("li") as con:
        for sql in (
            "ALTER TABLE account DISABLE TRIGGER sd_account_key",
            "DROP TRIGGER sd_account_key ON account",
            "CREATE OR REPLACE FUNCTION sd_account_key(name text) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(sql)
    with pgtools.admin() as con:
        settings_ = con.execute(
            "SELECT p.proname, p.proconfig, p.provolatile, p.prosecdef FROM pg_proc p JOIN pg_namespace n"
            " ON n.oid = p.pronamespace WHERE n.nspname = %s ORDER BY p.proname",
            (team.schema,),
        ).fetchall()
    found = {name: (config, volatile, definer) for name, config, volatile, definer in settings_}
    assert found["sd_account_key"] == (["search_path=pg_catalog, pg_temp"], "i", False)
    assert found["sd_account_key_kept"][0] == ["search_path=pg_catalog, pg_temp"]


def test_a_function_of_a_reps_own_schema_named_like_a_builtin_is_never_called(team):
    """search_path pinned: a rep's schema first in their path, with a translate() of their own, changes no key."""
    with pgtools.admin() as con:
        con.execute(f"GRANT CREATE ON SCHEMA {team.schema} TO {team.names['li']}")  # the worst case
    with team.raw("li") as con:
        con.execute("CREATE FUNCTION translate(text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$")
        con.execute("CREATE FUNCTION btrim(text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'x' $$")
        try:
            con.execute(INSERT, ("Contoso GmbH", "x"))
            assert con.execute("SELECT name_key FROM account").fetchone() == ("contoso",)
        finally:  # li's functions, or li's role could not be dropped
            con.execute(f"DROP FUNCTION {team.schema}.translate(text, text, text), {team.schema}.btrim(text, text)")
    with pgtools.admin() as con:
        con.execute(f"REVOKE CREATE ON SCHEMA {team.schema} FROM {team.names['li']}")


# Python and PostgreSQL agree ------------------------------------------------------------------------------------


def _demo_names() -> list[str]:
    from salesdiary.store.writes.demo import ACCOUNTS

    return [row[0] for row in ACCOUNTS]


def _fixture_names() -> list[str]:
    spec = importlib.util.spec_from_file_location("make_v1_journal", TESTS / "data" / "make_v1_journal.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = [values["name"] for table, values in module.ROWS if table == "account"]
    return names + [name for first, spellings in ATTACKS.items() for name in (first, *spellings)]


def _sample_names() -> list[str]:
    if not REALDATA.exists():
        return []
    with REALDATA.open(encoding="utf-8", newline="") as file:
        return [row["account"] for row in csv.DictReader(file)]


@pytest.fixture(scope="module")
def database_keys():  # noqa: ANN201
    """sd_account_key as a function of one call: a schema upgraded once for the module."""
    pgtools.base_url()
    with pgtools.schema() as (schema, url):
        proc = subprocess.run(
            [str(SD_BIN), "db", "upgrade"],
            env={**os.environ, "SD_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr

        def keys(names: list[str]) -> dict[str, str]:
            with pgtools.admin() as con:
                con.execute(f"SET search_path = {schema}")
                return dict(con.execute("SELECT n, sd_account_key(n) FROM unnest(%s::text[]) AS n", (names,)))

        yield keys


@pytest.mark.parametrize("source", ["demo", "fixtures", "sample"])
def test_python_and_postgresql_fold_every_known_account_name_alike(database_keys, source):
    names = {"demo": _demo_names, "fixtures": _fixture_names, "sample": _sample_names}[source]()
    if not names:
        pytest.skip(f"{REALDATA} is absent")
    in_db = database_keys(names)
    assert {n: in_db[n] for n in names} == {n: account_key(n) for n in names}


LEGAL = ["Ltd.", "GmbH & Co. KG", "S.A.", "K.K.", "Sp. z o.o.", "有限公司", "股份有限公司", "株式会社", "集團", "und"]
PIECES = st.one_of(
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=4),  # CJK
    st.sampled_from(list("華東電網為國際發展們")),  # traditional characters that convert
    st.text(st.characters(min_codepoint=0x41, max_codepoint=0x7A), min_size=1, max_size=6),  # Latin
    st.text(st.characters(min_codepoint=0x400, max_codepoint=0x4FF), min_size=1, max_size=5),  # Cyrillic
    st.text(st.characters(min_codepoint=0x370, max_codepoint=0x3FF), min_size=1, max_size=5),  # Greek
    st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), min_size=1, max_size=5),  # full width
    st.text(st.sampled_from(list(" .,&/-_()'’・、。　\t]^\\[ßİﬁẞΣς")), min_size=1, max_size=3),  # punctuation…
    st.sampled_from(LEGAL),
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1, max_size=3),  # any
)
NAMES = st.lists(PIECES, min_size=1, max_size=6).map("".join)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(NAMES, min_size=150, max_size=150, unique=True))
def test_python_and_postgresql_fold_generated_mixed_names_alike(database_keys, names):
    in_db = database_keys(names)
    assert {n: in_db[n] for n in names} == {n: account_key(n) for n in names}


# Migration 0009 -------------------------------------------------------------------------------------------------


def test_migration_0009_recomputes_the_keys_of_a_0008_team_database(team):
    with pgtools.admin() as con:  # as 0008 left it: no function, no trigger, keys as clients sent them
        con.execute(f"SET search_path = {team.schema}")
        con.execute("DROP TRIGGER sd_account_key ON account")
        con.execute("DROP FUNCTION sd_account_key_kept()")
        con.execute("DROP FUNCTION sd_account_key(text)")
        con.execute("UPDATE alembic_version SET version_num = '0008'")
        for name, key, when in (
            ("華東電網有限公司", "x", "2026-01-02"),  # a forged key
            ("华东电网", "华东电网", "2026-01-01"),  # reported first
            ("Contoso GmbH", "y", "2026-01-03"),
        ):
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
        version = con.execute(f"SELECT version_num FROM {team.schema}.alembic_version").fetchone()
    assert rows == [("華東電網有限公司", "华东电网#1"), ("华东电网", "华东电网"), ("Contoso GmbH", "contoso")]
    assert version == (SCHEMA_HEAD,)
    doctor = team.sd("owner", "doctor")
    assert "#2 '华东电网' = #1 '華東電網有限公司'" in doctor.output, doctor.output
    with team.raw("li") as con:  # the trigger is back
        con.execute(INSERT, ("Acme", "forged"))
        assert con.execute("SELECT name_key FROM account WHERE name = 'Acme'").fetchone() == ("acme",)


def test_on_sqlite_migration_0009_recomputes_keys_with_the_character_tables(sd, isolated):
    assert sd("account", "add", "Acme").exit_code == 0
    path = isolated / "journal.sqlite"
    con = sqlite3.connect(path)
    con.execute("UPDATE account SET name_key = 'stale' WHERE id = 1")
    con.execute(
        "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
        " SELECT '乾隆有限公司', '乾隆', info_stage, owner, created_by, reported_at, created_at, updated_at"
        " FROM account WHERE id = 1"
    )
    con.execute("DELETE FROM alembic_version")
    con.execute("INSERT INTO alembic_version VALUES ('0008')")
    con.execute("PRAGMA user_version = 8")
    con.commit()
    con.close()
    assert sd("account", "list", "--json").exit_code == 0
    con = sqlite3.connect(path)
    # OpenCC's phrases kept 乾隆 (0008's key); one character at a time, as the database converts, 乾 is 干
    assert dict(con.execute("SELECT id, name_key FROM account")) == {1: "acme", 2: "干隆"}
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


# The fold's data ------------------------------------------------------------------------------------------------


def test_the_case_space_and_word_tables_are_this_pythons_unicode_data():
    tables = the_fold().tables
    if tables["unidata_version"] != unicodedata.unidata_version:
        pytest.skip(f"tables of Unicode {tables['unidata_version']}, this Python has {unicodedata.unidata_version}")
    sample = [chr(c) for c in range(1, 0x3134F, 7) if not 0xD800 <= c < 0xE000]
    fold = the_fold()
    assert all(c.translate(fold.casefold) == c.casefold() for c in sample)
    assert {c for c in sample if c.isspace()} == {c for c in sample if c in tables["spaces"]}
    assert all((c.translate(fold.separators) == c) == c.isalnum() for c in sample)


def test_the_chinese_table_is_opencc_one_character_at_a_time():
    opencc = pytest.importorskip("opencc")
    hk2s, tw2s = opencc.OpenCC("hk2s"), opencc.OpenCC("tw2s")
    t2s = the_fold().tables["t2s"]
    assert len(t2s["from"]) == len(t2s["to"]) > 4000
    for c, s in list(zip(t2s["from"], t2s["to"], strict=True))[::50]:
        assert tw2s.convert(hk2s.convert(c)) == s


def test_account_keys_need_no_opencc(tmp_path):
    """The character table replaces the OpenCC dependency: keys of Chinese names without it installed."""
    code = (
        "import sys; sys.modules['opencc'] = None; from salesdiary.core.naming import account_key;"
        " print(json.dumps([account_key(n) for n in ['華東電網有限公司', '华东電网', '株式会社東芝']]))"
    )
    proc = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["华东电网", "华东电网", "东芝"]
