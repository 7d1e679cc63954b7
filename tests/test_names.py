"""Naming records: by id, or by name — exact, unique prefix, close match; never a guess."""

from __future__ import annotations

import shutil
import sqlite3

import pytest


@pytest.fixture(scope="module")
def empty_journal(tmp_path_factory):  # noqa: ANN001, ANN201
    """A freshly migrated journal, made once: copying it is much faster than migrating for every test."""
    from salesdiary.store.engine import dispose_all
    from salesdiary.store.migrate import ensure_schema
    from salesdiary.store.paths import Target

    path = tmp_path_factory.mktemp("template") / "journal.sqlite"
    ensure_schema(Target(path=path))
    dispose_all()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture(autouse=True)
def journal(sd, isolated, empty_journal):  # noqa: ANN001
    shutil.copyfile(empty_journal, isolated / "journal.sqlite")
    for args in (
        ("account", "add", "华为技术有限公司"),  # 1
        ("account", "add", "华润置地"),  # 2
        ("account", "add", "Acme Manufacturing"),  # 3
        ("account", "add", "Acme Logistics"),  # 4
        ("account", "add", "Northwind Traders"),  # 5
        ("account", "add", "360"),  # 6: a name that looks like an id
        ("contact", "add", "Zhang Wei", "--account", "华为"),  # 1
        ("contact", "add", "Zhang Wei", "--account", "Northwind"),  # 2: same name, other account
        ("contact", "add", "Li Na", "--account", "Northwind"),  # 3
        ("deal", "add", "Core network", "--account", "华为"),  # 1
    ):
        result = sd(*args)
        assert result.exit_code == 0, (args, result.output)


def account_id(sd, text: str) -> int:  # noqa: ANN001
    result = sd("account", "show", text, "--json")
    assert result.exit_code == 0, result.output
    return result.json()["id"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3", 3),  # id
        ("#3", 3),  # id with a hash
        ("Acme Logistics", 4),  # exact
        ("acme logistics", 4),  # exact, any case
        ("ＡＣＭＥ ＬＯＧＩＳＴＩＣＳ", 4),  # full-width letters
        ("North", 5),  # unique prefix
        ("wind", 5),  # unique part of the name
        ("Northwnd Traders", 5),  # close match (a typo)
        ("华为", 1),  # Chinese prefix
        ("技术", 1),  # Chinese part
        ("华润", 2),
        ("360", 6),  # no account #360: the name
    ],
)
def test_an_account_is_named_by_id_or_name(sd, typed, expected):
    assert account_id(sd, typed) == expected


def test_chinese_name_in_an_option(sd):
    result = sd("visit", "add", "--account", "华为", "--summary", "拜访王总")
    assert result.exit_code == 0, result.output
    assert sd("visit", "show", "1", "--json").json()["account"] == "华为技术有限公司"


@pytest.mark.parametrize(("typed", "candidates"), [("Acme", ("#3 Acme Manufacturing", "#4 Acme Logistics")),
                                                   ("华", ("#1 华为技术有限公司", "#2 华润置地"))])  # fmt: skip
def test_an_ambiguous_name_is_an_error_that_lists_the_candidates(sd, typed, candidates):
    for command in (("account", "show", typed), ("contact", "add", "X", "--account", typed)):
        result = sd(*command)
        assert result.exit_code == 2, result.output
        assert "more than one account" in result.stderr
        for candidate in candidates:
            assert candidate in result.stderr
        assert result.stderr.count("\n") == 1
    assert len(sd("contact", "list", "--json").json()) == 3  # nothing was added


def test_the_same_contact_name_at_two_accounts(sd):
    result = sd("contact", "show", "Zhang Wei")
    assert result.exit_code == 2
    assert "#1 Zhang Wei (华为技术有限公司)" in result.stderr and "#2 Zhang Wei (Northwind Traders)" in result.stderr
    scoped = sd("contact", "show", "Zhang Wei", "--account", "Northwind", "--json")
    assert scoped.json()["id"] == 2
    visit = sd("visit", "add", "--account", "华为", "--contact", "Zhang")
    assert visit.exit_code == 0, visit.output
    assert sd("visit", "show", "1", "--json").json()["contacts"] == [{"id": 1, "name": "Zhang Wei"}]


@pytest.mark.parametrize(
    "command",
    [
        ("account", "show", "Globex"),
        ("account", "show", "#99"),
        ("contact", "show", "Nobody"),
        ("deal", "show", "Satellite"),
        ("deal", "add", "X", "--account", "Globex"),
        ("visit", "add", "--account", "Globex"),
        ("visit", "show", "99"),
        ("followup", "done", "99"),
    ],
)
def test_an_unknown_name_is_not_found(sd, command):
    result = sd(*command)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("sd: error: ") and result.stderr.count("\n") == 1
    assert command[-1].lstrip("#") in result.stderr


def test_wildcards_in_a_name_are_plain_characters(sd):
    assert sd("account", "add", "A_B Trading").exit_code == 0  # 7
    assert sd("account", "add", "AXB Trading").exit_code == 0  # 8
    assert sd("account", "add", "100% Fresh").exit_code == 0  # 9
    assert account_id(sd, "A_B") == 7
    assert account_id(sd, "100%") == 9
    assert sd("account", "show", "%").exit_code == 0  # only "100% Fresh" has a % in its name


def test_deals_are_named_by_name_too(sd):
    assert sd("deal", "show", "core", "--json").json()["id"] == 1
    assert sd("deal", "won", "Core network").exit_code == 0


def test_an_empty_name_names_nothing(sd):
    for command in (("account", "show", ""), ("account", "rm", " "), ("deal", "add", "X", "--account", " ")):
        result = sd(*command)
        assert result.exit_code == 2, (command, result.output)
        assert "empty" in result.stderr
    missing = sd("contact", "add", "X", "--account", "")
    assert missing.exit_code == 2 and "--account" in missing.stderr
    assert len(sd("account", "list", "--json").json()) == 6


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    ("command", "typed"),
    [
        (("deal", "edit", "{}", "--amount", "1000"), "network"),  # a part of the deal's name
        (("deal", "edit", "{}", "--amount", "1000"), "Core netwrk"),  # a typo
        (("visit", "add", "--account", "{}", "--summary", "met"), "Northwnd Traders"),
    ],
)
def test_a_close_match_on_a_write_command_says_what_it_took(sd, command, typed, lang):
    result = sd("--lang", lang, *(typed if part == "{}" else part for part in command))
    assert result.exit_code == 0, result.output
    took = "#1 Core network" if command[0] == "deal" else "#5 Northwind Traders"
    line = next(ln for ln in result.stderr.splitlines() if took in ln)
    assert repr(typed) in line
    assert ("taken as" in line) == (lang == "en") and ("按" in line) == (lang == "zh")


def test_an_exact_or_prefix_name_or_a_read_command_says_nothing_more(sd):
    for args in (("deal", "edit", "Core network", "--amount", "5"), ("deal", "edit", "core", "--amount", "6")):
        result = sd(*args)
        assert result.exit_code == 0 and "taken as" not in result.stderr, result.output
    shown = sd("deal", "show", "network", "--json")
    assert shown.json()["id"] == 1 and shown.stderr == ""
