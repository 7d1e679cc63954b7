"""sd undo / sd redo: a command is reversed as a unit, recorded, refused when a later change got in the way.

The property test at the end runs random sequences of commands (with undos and redos among them), then
undoes everything and finds the journal exactly as it began, row for row, `updated_at` included.
Its size follows SD_STRESS (CI: a few examples; `SD_STRESS=full`: many) or SD_UNDO_EXAMPLES.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FULL = os.environ.get("SD_STRESS") == "full"
EXAMPLES = int(os.environ.get("SD_UNDO_EXAMPLES", "150" if FULL else "12"))


# what `sd check` keeps between runs (store/health_memo.py): not records, forgotten by triggers, never undone
KEPT_BY_CHECK = ("deal_health", "account_health", "health_key")


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table that holds the journal's records (history itself left out)."""
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            if r[0] not in ("changeset", "history", "alembic_version", *KEPT_BY_CHECK)
            and not r[0].startswith("sqlite_")
        ]
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        con.close()


def write_user(isolated: Path, name: str) -> None:
    (isolated / "config.toml").write_text(f'[user]\nname = "{name}"\n', encoding="utf-8")


def test_undo_reverses_a_whole_command_and_redo_puts_it_back(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    before = snapshot(journal)
    result = sd(
        "visit", "add", "--account", "华东", "--deal", "调度", "--contact", "李明",
        "--summary", "讨论割接", "--next", "提交割接方案", "--follow-up", "fri",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = snapshot(journal)
    assert after != before

    pending = sd("undo", "--list", "--json").json()
    assert pending["command"].startswith("sd visit add")
    assert {c["entity"] for c in pending["changes"]} >= {"visit", "visit_contact", "followup", "deal"}
    assert snapshot(journal) == after  # --list changes nothing

    result = sd("undo")
    assert result.exit_code == 0, result.output
    assert "Undone" in result.stderr and "sd visit add" in result.stderr
    assert snapshot(journal) == before  # visit, its contact link, the follow-up and the deal's next step: all back

    result = sd("redo")
    assert result.exit_code == 0, result.output
    assert snapshot(journal) == after


def test_undo_twice_goes_further_back_and_redo_comes_forward_in_order(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    states = [snapshot(journal)]
    for region in ("杭州", "苏州"):
        assert sd("account", "edit", "华东", "--region", region).exit_code == 0
        states.append(snapshot(journal))
    assert sd("undo").exit_code == 0
    assert snapshot(journal) == states[1]
    assert sd("undo").exit_code == 0
    assert snapshot(journal) == states[0]
    assert sd("redo").exit_code == 0
    assert snapshot(journal) == states[1]
    assert sd("redo").exit_code == 0
    assert snapshot(journal) == states[2]
    result = sd("redo")
    assert result.exit_code == 1
    assert "Nothing to redo" in result.stderr


def test_a_new_command_after_undo_clears_redo(sd, demo):
    sd("account", "edit", "华东", "--region", "杭州")
    sd("undo")
    sd("account", "edit", "华东", "--industry", "能源")
    result = sd("redo")
    assert result.exit_code == 1
    assert "Nothing to redo" in result.stderr


def test_nothing_to_undo_on_an_empty_journal(sd):
    result = sd("undo")
    assert result.exit_code == 1
    assert "Nothing to undo" in result.stderr
    assert sd("undo", "--list").exit_code == 0


def test_undo_refuses_when_someone_changed_the_record_later(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    write_user(isolated, "wang")
    assert sd("deal", "edit", "调度", "--amount", "3000000").exit_code == 0
    write_user(isolated, "li")
    assert sd("deal", "edit", "调度", "--next", "约王总吃饭").exit_code == 0
    before = snapshot(journal)
    write_user(isolated, "wang")
    result = sd("undo")
    assert result.exit_code == 1
    assert "deal #1" in result.stderr and "调度中心网络改造" in result.stderr  # names the record
    assert "sd deal edit" in result.stderr and "li" in result.stderr  # and the later change
    assert "Traceback" not in result.output
    assert snapshot(journal) == before
    listed = sd("undo", "--list", "--json").json()
    assert listed["blocked_by"] and listed["blocked_by"][0]["entity"] == "deal"
    # li undoes her change first; then wang's undo goes through
    write_user(isolated, "li")
    assert sd("undo").exit_code == 0
    write_user(isolated, "wang")
    result = sd("undo")
    assert result.exit_code == 0, result.output
    assert sd("deal", "show", "1", "--json").json()["amount"] == 2800000.0


def test_undo_of_a_removal_puts_everything_back(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    before = snapshot(journal)
    assert sd("account", "rm", "华东", "--force").exit_code == 0
    assert sd("undo").exit_code == 0
    assert snapshot(journal) == before


def test_undo_of_undo_is_not_what_undo_does(sd, demo, isolated):
    """`sd undo` twice undoes two commands; it never undoes its own undo (that is redo)."""
    journal = isolated / "journal.sqlite"
    sd("followup", "done", "1")
    middle = snapshot(journal)
    sd("followup", "done", "2")
    sd("undo")
    assert snapshot(journal) == middle
    sd("undo")
    rows = sd("followup", "list", "--status", "done", "--json").json()
    assert [r["id"] for r in rows] == []


# The round trip ---------------------------------------------------------------------------------------

IDS = st.integers(1, 4).map(str)
ACCOUNTS = st.sampled_from(["甲方电力公司", "乙方集团", "Contoso", "Northwind Ltd"])
PEOPLE = st.sampled_from(["王总", "李工", "Alice", "Bob"])
TEXT = st.sampled_from(["讨论方案", "demo", "价格谈判", "a\nb"])
AMOUNTS = st.sampled_from(["100万", "250000", "1.5m", "0"])
STAGES = st.sampled_from(["1", "2", "3", "customer_analysis"])
DATES = st.sampled_from(["+3d", "fri", "2026-12-01", "明天"])

COMMANDS = st.one_of(
    st.builds(lambda n, r: ["account", "add", n, "--region", r], ACCOUNTS, TEXT),
    st.builds(lambda a, r: ["account", "edit", a, "--region", r], IDS, TEXT),
    st.builds(lambda a: ["account", "rm", a, "--force"], IDS),
    st.builds(lambda n, a: ["contact", "add", n, "--account", a, "--role", "influencer"], PEOPLE, IDS),
    st.builds(lambda c, t: ["contact", "edit", c, "--title", t], IDS, TEXT),
    st.builds(lambda c: ["contact", "rm", c], IDS),
    st.builds(
        lambda n, a, m, s: ["deal", "add", n, "--account", a, "--amount", m, "--stage", s], TEXT, IDS, AMOUNTS, STAGES
    ),
    st.builds(lambda d, m: ["deal", "edit", d, "--amount", m], IDS, AMOUNTS),
    st.builds(lambda d, s: ["deal", "edit", d, "--stage", s], IDS, STAGES),
    st.builds(lambda d: ["deal", "won", d], IDS),
    st.builds(lambda d, t: ["deal", "lost", d, "--reason", t], IDS, TEXT),
    st.builds(lambda d: ["deal", "rm", d], IDS),
    st.builds(
        lambda a, s, t, when: ["visit", "add", "--account", a, "--summary", s, "--next", t, "--follow-up", when],
        IDS, TEXT, TEXT, DATES,
    ),
    st.builds(lambda d, c, s: ["visit", "add", "--deal", d, "--contact", c, "--summary", s], IDS, IDS, TEXT),
    st.builds(lambda v, s: ["visit", "edit", v, "--summary", s], IDS, TEXT),
    st.builds(lambda v: ["visit", "rm", v], IDS),
    st.builds(lambda t, a, when: ["followup", "add", t, "--account", a, "--due", when], TEXT, IDS, DATES),
    st.builds(lambda f: ["followup", "done", f], IDS),
    st.builds(lambda f: ["followup", "rm", f], IDS),
    st.just(["undo"]),
    st.just(["redo"]),
)  # fmt: skip

BASE = [
    ["account", "add", "华东电网", "--region", "上海"],
    ["account", "add", "浙江大学", "--region", "杭州"],
    ["contact", "add", "李明", "--account", "1", "--coach"],
    ["contact", "add", "陈静", "--account", "2"],
    ["deal", "add", "调度中心", "--account", "1", "--amount", "280万", "--stage", "2"],
    ["visit", "add", "--deal", "1", "--contact", "1", "--summary", "初访", "--next", "方案", "--follow-up", "fri"],
]


_BASE_FILE: list[Path] = []


def copy_base(sd, journal: Path) -> None:  # noqa: ANN001
    """The journal made by BASE, built once per test session and copied (creating a schema takes a while)."""
    from salesdiary.store.engine import dispose_all

    if not _BASE_FILE:
        folder = Path(tempfile.mkdtemp(prefix="sd-undo-base-"))
        base = folder / "journal.sqlite"
        for args in BASE:
            result = sd("--db", str(base), *args)
            assert result.exit_code == 0, (args, result.output)
        dispose_all()
        _BASE_FILE.append(base)
    source, target = sqlite3.connect(_BASE_FILE[0]), sqlite3.connect(journal)
    try:
        source.backup(target)  # a consistent copy, whatever is still in the WAL
        target.execute("PRAGMA journal_mode = WAL")
    finally:
        source.close()
        target.close()


def _undo_target_id(journal: Path) -> int | None:
    from salesdiary.store.connection import SqliteReader, connect_sqlite
    from salesdiary.store.paths import current_user
    from salesdiary.store.reads import history_reads

    r = SqliteReader(connect_sqlite(str(journal)))
    try:
        row = history_reads.undo_target(r, current_user())
        return None if row is None else int(row["id"])
    finally:
        r.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(commands=st.lists(COMMANDS, min_size=1, max_size=10))
def test_random_commands_then_undo_all_gives_back_the_journal(sd, isolated, commands):
    from salesdiary.store.engine import dispose_all

    folder = Path(tempfile.mkdtemp(dir=isolated))
    journal = folder / "journal.sqlite"
    db = ["--db", str(journal)]
    try:
        copy_base(sd, journal)
        start = snapshot(journal)
        base_last = _undo_target_id(journal)
        for args in commands:
            if args == ["undo"] and (_undo_target_id(journal) or 0) <= (base_last or 0):
                continue  # the round trip starts after the base: undo stays within the random commands
            result = sd(*db, *args)
            assert result.exit_code in (0, 1, 2), (args, result.output)
            assert "Traceback" not in result.output and "internal error" not in result.output, (args, result.output)
        end = snapshot(journal)
        for _ in range(2 * len(commands) + 2):
            if _undo_target_id(journal) == base_last:
                break
            result = sd(*db, "undo")
            assert result.exit_code == 0, (commands, result.output)
        assert _undo_target_id(journal) == base_last
        assert snapshot(journal) == start, commands
        if not any(args[0] in ("undo", "redo") for args in commands):
            while sd(*db, "redo").exit_code == 0:
                pass
            assert snapshot(journal) == end, commands
    finally:
        dispose_all()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("count", [3])
def test_undo_restores_updated_at_exactly(sd, demo, isolated, count):
    journal = isolated / "journal.sqlite"
    before = snapshot(journal)["deal"]
    for i in range(count):
        sd("deal", "edit", "1", "--next", f"step {i}")
    for _ in range(count):
        assert sd("undo").exit_code == 0
    assert snapshot(journal)["deal"] == before


def test_undo_list_on_a_team_database_shows_your_own_last_command(sd, monkeypatch):
    """On PostgreSQL a write is recorded under the login role; `sd undo --list` looks for that same user."""
    import pgtools

    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert sd("db", "upgrade").exit_code == 0
        assert sd("account", "add", "华东电网有限公司").exit_code == 0
        assert sd("account", "edit", "华东", "--region", "上海").exit_code == 0
        pending = sd("undo", "--list", "--json").json()
        assert pending["command"].startswith("sd account edit"), pending
        assert sd("undo").exit_code == 0
        assert sd("account", "show", "华东", "--json").json()["region"] is None
        rows = sd("history", "account", "华东", "--json").json()
        assert rows[0]["command"] == "sd undo" and rows[0]["changes"]["region"] == ["上海", None]


def test_setting_user_name_keeps_undo_of_the_earlier_commands(sd):
    """Commands written before `user.name` was set are recorded under the OS user; they are still yours."""
    assert sd("account", "add", "华东电网有限公司").exit_code == 0
    assert sd("account", "edit", "华东", "--region", "上海").exit_code == 0
    assert sd("config", "set", "user.name", "小王").exit_code == 0
    pending = sd("undo", "--list", "--json").json()
    assert pending["command"].startswith("sd account edit"), pending
    result = sd("undo")
    assert result.exit_code == 0, result.output
    assert sd("account", "show", "华东", "--json").json()["region"] is None
    assert sd("redo").exit_code == 0
    assert sd("account", "show", "华东", "--json").json()["region"] == "上海"
    assert sd("undo").exit_code == 0 and sd("undo").exit_code == 0  # the edit, then the add
    assert sd("account", "list", "--json").json() == []
