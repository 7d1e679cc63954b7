"""`sd` feels like the terminal tools people love: one error style, words in the rep's language, plurals."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (("funel",), "sd: error: No such command 'funel'. Did you mean 'funnel'?"),
        (("account", "ad", "x"), "sd: error: No such command 'ad'. Did you mean 'add'?"),
        (("account", "add"), "sd: error: Missing argument 'NAME'."),
        (("account", "list", "--bogus"), "sd: error: No such option: --bogus"),
        (("account", "list", "-n", "x"), "sd: error: Invalid value for '--limit' / '-n': a whole number is needed"),
    ],
)
def test_usage_errors_are_one_line_in_sds_own_style(sd, args, shows):
    result = sd(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(shows), result.stderr
    assert result.stderr.count("\n") == 1 and "╭" not in result.stderr and "Usage:" not in result.stderr


def test_usage_errors_in_chinese_keep_the_style(sd):
    result = sd("--lang", "zh", "funel")
    assert result.exit_code == 2
    assert result.stderr.startswith("sd：错误：没有命令 'funel'") and "funnel" in result.stderr


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("account", "add", ""), "NAME"),
        (("deal", "add", " ", "--account", "x"), "NAME"),
        (("contact", "add", "", "--account", "x"), "NAME"),
        (("followup", "add", "", "--account", "x", "--due", "fri"), "ACTION"),
    ],
)
def test_an_argument_is_named_as_the_usage_line_shows_it(sd, args, name):
    result = sd(*args)
    assert result.exit_code == 2
    assert f"{name}:" in result.stderr and "--name" not in result.stderr, result.stderr


def test_an_option_is_still_named_as_the_option(sd):
    assert sd("account", "add", "Foo").exit_code == 0
    result = sd("account", "edit", "Foo", "--name", "")
    assert result.exit_code == 2 and "--name" in result.stderr


def test_no_double_period_after_a_name_ending_in_one(sd):
    result = sd("account", "add", "Northwind Logistics Ltd.")
    assert result.exit_code == 0
    assert result.stderr.strip().endswith("Northwind Logistics Ltd."), result.stderr
    assert ".." not in result.stderr
    dup = sd("account", "add", "Northwind Logistics Ltd.")
    assert dup.exit_code == 1 and "Ltd.." not in dup.stderr


@pytest.mark.parametrize(
    ("args", "one", "many"),
    [
        (("funnel",), "1 open deal\n", "2 open deals"),
    ],
)
def test_plurals_in_english(sd, args, one, many):
    assert sd("account", "add", "Foo").exit_code == 0
    assert sd("deal", "add", "D1", "--account", "Foo", "--amount", "100").exit_code == 0
    assert one in sd(*args).stdout
    assert sd("deal", "add", "D2", "--account", "Foo", "--amount", "100").exit_code == 0
    assert many in sd(*args).stdout
