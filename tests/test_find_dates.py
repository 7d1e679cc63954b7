"""core.dates.find_dates: the date phrases inside a note, read by the journal's own date rules (sd log)."""

from __future__ import annotations

import datetime as dt

import pytest

from salesdiary.core.dates import find_dates, parse_date

TODAY = dt.date(2026, 12, 9)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("拜访了华为张伟，下周三回电", [("下周三", "2026-12-16")]),  # the longest phrase: not 下周
        ("周五前发技术方案", [("周五", "2026-12-11")]),
        ("月底前出方案", [("月底", "2026-12-31")]),
        ("3天后再联系", [("3天后", "2026-12-12")]),
        ("上周五见了李主任，三天后回电", [("上周五", "2026-12-04"), ("三天后", "2026-12-12")]),
        ("１２月１日去了国网浙江", [("１２月１日", "2026-12-01")]),
        ("call back next Wed", [("next Wed", "2026-12-16")]),
        ("send the quote by Friday", [("Friday", "2026-12-11")]),
        ("follow up in 3 days", [("in 3 days", "2026-12-12")]),
        ("met them yesterday at 2026-12-01", [("yesterday", "2026-12-08"), ("2026-12-01", "2026-12-01")]),
    ],
)
def test_date_phrases_in_a_note(text: str, phrases: list[tuple[str, str]]) -> None:
    found = find_dates(text, TODAY)
    assert [(s.text, s.date.isoformat()) for s in found] == phrases
    for s in found:  # where they stand, and the same date parse_date gives the phrase alone
        assert text[s.start : s.end] == s.text
        assert parse_date(s.text, TODAY) == s.date


@pytest.mark.parametrize(
    "text",
    [
        "we sat down with the money people",  # sat, mon inside words or alone: not dates
        "the sun was out, now what",
        "a 3m budget, 20 units",  # an amount, a number
        "demo 11/12 went well",  # 11/12 reads two ways: not taken
        "mondays are busy",  # the word goes on past monday
    ],
)
def test_words_that_are_not_dates(text: str) -> None:
    assert find_dates(text, TODAY) == []


def test_a_weekday_phrase_with_its_prefix_is_a_date() -> None:
    assert [s.date.isoformat() for s in find_dates("see you next sat", TODAY)] == ["2026-12-19"]


def test_a_bare_weekday_is_marked_and_can_be_read_as_the_day_it_last_was() -> None:
    found = find_dates("周一拜访了 下周一 上周五 Friday next Fri 星期天", TODAY)
    assert [(s.text, s.weekday) for s in found] == [
        ("周一", 0),
        ("下周一", None),
        ("上周五", None),
        ("Friday", 4),
        ("next Fri", None),
        ("星期天", 6),
    ]
    past = [s.in_the_past(TODAY).date.isoformat() for s in found if s.weekday is not None]
    assert past == ["2026-12-07", "2026-12-04", "2026-12-06"]
    assert find_dates("周三", TODAY)[0].in_the_past(TODAY).date == TODAY  # today's weekday: today
