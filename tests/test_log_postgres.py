"""sd log on a team database (PostgreSQL): names found by prefix there too, the note written and undone.

Needs a server: SD_TEST_DATABASE_URL (see tests/pgtools.py); without it this skips (fails under CI=true)."""

from __future__ import annotations

import pytest

import pgtools
from conftest import run_sd


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        result = run_sd("db", "upgrade")
        assert result.exit_code == 0, result.output
        yield url


def test_a_note_on_a_team_database(sd, team) -> None:  # noqa: ANN001
    for args in (
        ("account", "add", "华为技术有限公司"),
        ("account", "add", "华润集团"),
        ("contact", "add", "张伟", "--account", "华为技术", "--title", "技术总监"),
        ("contact", "add", "Priya Shah", "--account", "华为技术"),
        ("deal", "add", "数据中心网络改造", "--account", "华为技术"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output
    parsed = sd("log", "拜访了华为张总和Priya，下周三回电", "--json").json()
    assert parsed["account"]["name"] == "华为技术有限公司" and parsed["deal"]["name"] == "数据中心网络改造"
    assert [c["name"] for c in parsed["contacts"]] == ["张伟", "Priya Shah"]
    assert sd("log", "@华为 见了张伟", "--json").json()["account"]["name"] == "华为技术有限公司"
    result = sd("log", "拜访了华为张伟，下周三回电", "--yes")
    assert result.exit_code == 0, result.output
    assert len(sd("visit", "list", "--json").json()) == 1
    assert sd("undo").exit_code == 0
    assert sd("visit", "list", "--json").json() == []


def _plan(con, sql: str, *params: str) -> str:  # noqa: ANN001
    return "\n".join(row[0] for row in con.execute("EXPLAIN " + sql, params).fetchall())


def test_name_prefix_lookups_use_an_index_whatever_the_collation(sd, team) -> None:  # noqa: ANN001
    """`LIKE 'text%'` is answered by an index, not by reading every row, also where the database's collation is
    not C (the test server's is C.UTF-8): account.name_key by migration 0011's text_pattern_ops index,
    contact.name (COLLATE "C") by its own index."""
    import psycopg

    with psycopg.connect(pgtools.libpq(team), autocommit=True) as con:
        defs = dict(con.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"))
        assert "text_pattern_ops" in defs["ix_account_name_key_prefix"]
        # a journal as large as the bench's: 10,000 accounts (name_key set by the database), a person each
        con.execute(
            "INSERT INTO account (name, name_key, owner, created_by, info_stage, reported_at, created_at, updated_at)"
            " SELECT '华为技术' || g || '公司', '', current_user, current_user, 'lead', now(), now(), now()"
            " FROM generate_series(1, 10000) AS g"
        )
        con.execute(
            "INSERT INTO contact (account_id, name, coach, created_at, updated_at)"
            " SELECT id, 'Priya ' || id, false, now(), now() FROM account"
        )
        con.execute("ANALYZE account")
        con.execute("ANALYZE contact")
        # the lookups as store/reads/capture_reads.py makes them (a prefix, escaped, as a parameter)
        accounts = _plan(
            con,
            "SELECT id, name, name_key FROM account WHERE name_key LIKE %s ESCAPE '\\' ORDER BY name_key LIMIT 30",
            "华为技术123%",
        )
        assert "ix_account_name_key_prefix" in accounts and "Seq Scan" not in accounts, accounts
        people = _plan(
            con, "SELECT id, name, account_id, title FROM contact WHERE name LIKE %s ESCAPE '\\' LIMIT 50", "Priya 12%"
        )
        assert "Index" in people and "Seq Scan" not in people, people
    assert sd("account", "add", "上海申通地铁集团有限公司").exit_code == 0
    assert sd("log", "拜访了上海申通", "--json").json()["account"]["name"] == "上海申通地铁集团有限公司"
