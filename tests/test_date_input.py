"""Dates as a rep types them on the command line: an ambiguous slash date is refused unless the order is
said (--dates, config dates.order), and a follow-up or due date in the past is kept with a warning (issue 23)."""

from __future__ import annotations

import pytest


@pytest.fixture
def account(sd):  # noqa: ANN001, ANN201
    assert sd("account", "add", "华东电网有限公司").exit_code == 0
    return "华东"


def dues(sd) -> list[str]:  # noqa: ANN001
    return [row["due"] for row in sd("followup", "list", "--all", "--json").json()]


def test_an_ambiguous_slash_date_is_refused_with_both_readings(sd, account):
    result = sd("followup", "add", "回访", "-A", account, "--due", "11/12")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line
    assert "--due" in line and "2026-11-12" in line and "2026-12-11" in line and "--dates" in line
    assert dues(sd) == []  # nothing written


def test_the_refusal_in_chinese(sd, account):
    result = sd("--lang", "zh", "followup", "add", "回访", "-A", account, "--due", "11/12")
    assert result.exit_code == 2
    assert "2026-11-12" in result.stderr and "2026-12-11" in result.stderr and "两种" in result.stderr


@pytest.mark.parametrize(
    ("where", "order", "expected"),
    [("before", "dmy", "2026-12-11"), ("after", "dmy", "2026-12-11"), ("after", "mdy", "2026-11-12")],
)
def test_dates_option_before_or_after_the_command(sd, account, where, order, expected):
    args = ["followup", "add", "回访", "-A", account, "--due", "11/12"]
    args = ["--dates", order, *args] if where == "before" else [*args, f"--dates={order}"]
    result = sd(*args)
    assert result.exit_code == 0, result.output
    assert dues(sd) == [expected]


def test_config_says_the_order_and_the_option_wins(sd, account):
    assert sd("config", "set", "dates.order", "dmy").exit_code == 0
    assert sd("followup", "add", "回访", "-A", account, "--due", "1/12").exit_code == 0
    assert sd("followup", "add", "再访", "-A", account, "--due", "1/12", "--dates", "mdy").exit_code == 0
    assert sorted(dues(sd)) == ["2026-01-12", "2026-12-01"]


def test_unambiguous_slash_dates_still_work(sd, account):
    for text in ("13/12/2026", "2026/12/14", "12/15/2026", "16/12"):
        assert sd("followup", "add", text, "-A", account, "--due", text).exit_code == 0, text
    assert sorted(dues(sd)) == ["2026-12-13", "2026-12-14", "2026-12-15", "2026-12-16"]


def test_a_bad_dates_option(sd):
    result = sd("--dates", "ydm", "due")
    assert result.exit_code == 2
    assert "--dates must be dmy, mdy or ymd" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_import_keeps_its_own_dates_option(sd, account, tmp_path, where):
    path = tmp_path / "f.csv"
    path.write_text("account,date,summary\n华东电网有限公司,05/01/2026,见面\n", encoding="utf-8")
    args = ["import", "visits", str(path)]
    args = ["--dates", "dmy", *args] if where == "before" else [*args, "--dates", "dmy"]
    result = sd(*args)
    assert result.exit_code == 0, result.output
    assert [v["date"] for v in sd("visit", "list", "--json").json()] == ["2026-01-05"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["followup", "add", "回访", "-A", "华东", "--due", "2026-11-20"], "--due"),
        (["visit", "add", "-A", "华东", "--summary", "见面", "--follow-up", "2026-11-20"], "--follow-up"),
        (["deal", "add", "调度中心", "-A", "华东", "--next", "交方案", "--next-date", "2026-11-20"], "--next-date"),
    ],
)
def test_a_past_follow_up_or_due_date_is_kept_with_one_warning(sd, account, args, option):
    result = sd(*args)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "in the past" in line]
    assert warnings == [f"{option}: 2026-11-20 is in the past (5 days ago); kept as given."]
    assert "2026-11-20" in sd("followup", "list", "--all", "--json").stdout or option == "--next-date"


def test_the_past_date_warning_in_chinese(sd, account):
    result = sd("--lang", "zh", "followup", "add", "回访", "-A", account, "--due", "yesterday")
    assert result.exit_code == 0
    assert "--due：2026-11-24 已经过去（1 天前）" in result.stderr
    assert dues(sd) == ["2026-11-24"]


def test_no_warning_for_today_or_later(sd, account):
    result = sd("followup", "add", "回访", "-A", account, "--due", "today")
    assert result.exit_code == 0 and "past" not in result.stderr
