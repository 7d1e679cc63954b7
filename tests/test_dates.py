"""Tests for salesdiary.core.dates: every accepted form, errors, SD_TODAY, properties."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from salesdiary.core.dates import days_between, format_date, parse_date, today
from salesdiary.core.errors import BadInput

WED = date(2026, 11, 25)  # a Wednesday
SUN = date(2026, 11, 29)  # a Sunday
EOM = date(2026, 1, 31)  # a Saturday at the end of a month


def fullwidth(text: str) -> str:
    """ASCII typed with a Chinese IME in full-width mode."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


CASES: list[tuple[date, str, str]] = [
    # --- absolute --------------------------------------------------------------
    (WED, "2026-11-22", "2026-11-22"),
    (WED, "2026/11/22", "2026-11-22"),
    (WED, "2026.11.22", "2026-11-22"),
    (WED, "20261122", "2026-11-22"),
    (WED, "2026-1-5", "2026-01-05"),
    (WED, "1999-12-31", "1999-12-31"),
    (WED, "0001-01-01", "0001-01-01"),
    (WED, "9999-12-31", "9999-12-31"),
    (WED, "11-22", "2026-11-22"),
    (WED, "11/22", "2026-11-22"),
    (WED, "1/15", "2026-01-15"),
    (WED, "22/11", "2026-11-22"),
    (WED, "13/11/2026", "2026-11-13"),
    (WED, "11/13/2026", "2026-11-13"),
    (WED, "22/11/2026", "2026-11-22"),
    (WED, "11/11", "2026-11-11"),
    (EOM, "11-22", "2026-11-22"),
    (WED, "2026年11月22日", "2026-11-22"),
    (WED, "2027年2月3日", "2027-02-03"),
    (WED, "2026年11月22号", "2026-11-22"),
    (WED, "11月22日", "2026-11-22"),
    (WED, "11月22号", "2026-11-22"),
    (WED, "11月22", "2026-11-22"),
    (WED, "十一月二十二日", "2026-11-22"),
    (WED, "三月五号", "2026-03-05"),
    (WED, "  2026-11-22\t", "2026-11-22"),
    (WED, fullwidth("2026-11-22"), "2026-11-22"),
    (WED, "\u30002026年11月22日\u3000", "2026-11-22"),
    # --- named days ------------------------------------------------------------
    (WED, "today", "2026-11-25"),
    (WED, "TODAY", "2026-11-25"),
    (WED, "tod", "2026-11-25"),
    (WED, "now", "2026-11-25"),
    (WED, "Now", "2026-11-25"),
    (WED, "tomorrow", "2026-11-26"),
    (WED, "Tomorrow ", "2026-11-26"),
    (WED, "tmr", "2026-11-26"),
    (WED, "yesterday", "2026-11-24"),
    (WED, "今天", "2026-11-25"),
    (WED, "今日", "2026-11-25"),
    (WED, "明天", "2026-11-26"),
    (WED, "明日", "2026-11-26"),
    (WED, "后天", "2026-11-27"),
    (WED, "大后天", "2026-11-28"),
    (WED, "昨天", "2026-11-24"),
    (WED, "前天", "2026-11-23"),
    (EOM, "tomorrow", "2026-02-01"),
    (EOM, "yesterday", "2026-01-30"),
    (EOM, "明天", "2026-02-01"),
    # --- relative --------------------------------------------------------------
    (WED, "+3d", "2026-11-28"),
    (WED, "+0d", "2026-11-25"),
    (WED, "+10d", "2026-12-05"),
    (WED, "-2w", "2026-11-11"),
    (WED, "+1m", "2026-12-25"),
    (WED, "-1m", "2026-10-25"),
    (WED, "+1y", "2027-11-25"),
    (WED, "+1Y", "2027-11-25"),
    (WED, "3d", "2026-11-28"),
    (WED, "+3 days", "2026-11-28"),
    (WED, "+ 3 days", "2026-11-28"),
    (WED, "+1 day", "2026-11-26"),
    (WED, "+2 months", "2027-01-25"),
    (WED, "in 3 days", "2026-11-28"),
    (WED, "In 3  Days", "2026-11-28"),
    (WED, "in 2 weeks", "2026-12-09"),
    (WED, "in a week", "2026-12-02"),
    (WED, "3 days ago", "2026-11-22"),
    (WED, "2 weeks ago", "2026-11-11"),
    (WED, "a month ago", "2026-10-25"),
    (WED, "1 year ago", "2025-11-25"),
    (WED, fullwidth("+3d"), "2026-11-28"),
    (EOM, "+1m", "2026-02-28"),
    (EOM, "+2m", "2026-03-31"),
    (EOM, "-1m", "2025-12-31"),
    (EOM, "in 1 month", "2026-02-28"),
    (EOM, "+1y", "2027-01-31"),
    (EOM, "+3d", "2026-02-03"),
    (d("2028-01-31"), "+1m", "2028-02-29"),
    (d("2028-02-29"), "+1y", "2029-02-28"),
    (d("2026-03-31"), "-1m", "2026-02-28"),
    (WED, "3天后", "2026-11-28"),
    (WED, "3日后", "2026-11-28"),
    (WED, "3 天后", "2026-11-28"),
    (WED, "2周后", "2026-12-09"),
    (WED, "2星期后", "2026-12-09"),
    (WED, "2个礼拜后", "2026-12-09"),
    (WED, "1个月后", "2026-12-25"),
    (WED, "1年后", "2027-11-25"),
    (WED, "3天前", "2026-11-22"),
    (WED, "2周前", "2026-11-11"),
    (WED, "1个月前", "2026-10-25"),
    (WED, "3天以后", "2026-11-28"),
    (WED, "3天之前", "2026-11-22"),
    (WED, "一周后", "2026-12-02"),
    (WED, "两天后", "2026-11-27"),
    (WED, "三天前", "2026-11-22"),
    (WED, "十天后", "2026-12-05"),
    (WED, "十五天后", "2026-12-10"),
    (WED, "二十天前", "2026-11-05"),
    (WED, "九十九天后", "2027-03-04"),
    (EOM, "1个月后", "2026-02-28"),
    # --- weekdays, today a Wednesday --------------------------------------------
    (WED, "mon", "2026-11-30"),
    (WED, "monday", "2026-11-30"),
    (WED, "tue", "2026-12-01"),
    (WED, "tues", "2026-12-01"),
    (WED, "tuesday", "2026-12-01"),
    (WED, "wed", "2026-12-02"),  # strictly after today
    (WED, "wednesday", "2026-12-02"),
    (WED, "thu", "2026-11-26"),
    (WED, "thur", "2026-11-26"),
    (WED, "thurs", "2026-11-26"),
    (WED, "Thursday", "2026-11-26"),
    (WED, "fri", "2026-11-27"),
    (WED, "FRI", "2026-11-27"),
    (WED, "friday", "2026-11-27"),
    (WED, "sat", "2026-11-28"),
    (WED, "saturday", "2026-11-28"),
    (WED, "sun", "2026-11-29"),
    (WED, "sunday", "2026-11-29"),
    (WED, "next fri", "2026-12-04"),
    (WED, "next  Friday", "2026-12-04"),
    (WED, "next mon", "2026-11-30"),
    (WED, "next wed", "2026-12-02"),
    (WED, "next sun", "2026-12-06"),
    (WED, "last fri", "2026-11-20"),
    (WED, "last wed", "2026-11-18"),
    (WED, "last tue", "2026-11-24"),
    (WED, "this mon", "2026-11-23"),
    (WED, "this fri", "2026-11-27"),
    (WED, "周五", "2026-11-27"),
    (WED, "星期五", "2026-11-27"),
    (WED, "礼拜五", "2026-11-27"),
    (WED, "周一", "2026-11-30"),
    (WED, "周三", "2026-12-02"),
    (WED, "周日", "2026-11-29"),
    (WED, "星期日", "2026-11-29"),
    (WED, "星期天", "2026-11-29"),
    (WED, "周天", "2026-11-29"),
    (WED, "礼拜天", "2026-11-29"),
    (WED, "下周一", "2026-11-30"),
    (WED, "下周五", "2026-12-04"),
    (WED, "下星期一", "2026-11-30"),
    (WED, "下个礼拜三", "2026-12-02"),
    (WED, "下周日", "2026-12-06"),
    (WED, "上周五", "2026-11-20"),
    (WED, "上周一", "2026-11-16"),
    (WED, "上周三", "2026-11-18"),
    (WED, "本周五", "2026-11-27"),
    (WED, "这周五", "2026-11-27"),
    (WED, "本周一", "2026-11-23"),
    # --- weekdays, today a Sunday ----------------------------------------------
    (SUN, "mon", "2026-11-30"),
    (SUN, "fri", "2026-12-04"),
    (SUN, "sat", "2026-12-05"),
    (SUN, "sun", "2026-12-06"),
    (SUN, "next mon", "2026-11-30"),
    (SUN, "next fri", "2026-12-04"),
    (SUN, "next sun", "2026-12-06"),
    (SUN, "last sun", "2026-11-22"),
    (SUN, "last sat", "2026-11-28"),
    (SUN, "this fri", "2026-11-27"),
    (SUN, "周日", "2026-12-06"),
    (SUN, "周一", "2026-11-30"),
    (SUN, "下周一", "2026-11-30"),
    (SUN, "下周日", "2026-12-06"),
    (SUN, "上周五", "2026-11-20"),
    (SUN, "上周日", "2026-11-22"),
    (SUN, "本周五", "2026-11-27"),
    (SUN, "本周日", "2026-11-29"),
    # --- weekdays, today a Saturday at month end ----------------------------------
    (EOM, "sat", "2026-02-07"),
    (EOM, "sun", "2026-02-01"),
    (EOM, "mon", "2026-02-02"),
    (EOM, "last sat", "2026-01-24"),
    (EOM, "next mon", "2026-02-02"),
    (EOM, "周六", "2026-02-07"),
    # --- periods ---------------------------------------------------------------
    (WED, "next week", "2026-11-30"),
    (WED, "Next Week", "2026-11-30"),
    (WED, "last week", "2026-11-16"),
    (WED, "sow", "2026-11-23"),
    (WED, "next month", "2026-12-01"),
    (WED, "last month", "2026-10-01"),
    (WED, "next year", "2027-01-01"),
    (WED, "eow", "2026-11-29"),
    (WED, "end of week", "2026-11-29"),
    (WED, "eom", "2026-11-30"),
    (WED, "EOM", "2026-11-30"),
    (WED, "end of month", "2026-11-30"),
    (WED, "eoy", "2026-12-31"),
    (WED, "soy", "2026-01-01"),
    (WED, "som", "2026-11-01"),
    (WED, "bom", "2026-11-01"),
    (WED, "weekend", "2026-11-28"),
    (WED, "下周", "2026-11-30"),
    (WED, "下星期", "2026-11-30"),
    (WED, "上周", "2026-11-16"),
    (WED, "下个月", "2026-12-01"),
    (WED, "下月", "2026-12-01"),
    (WED, "上个月", "2026-10-01"),
    (WED, "月底", "2026-11-30"),
    (WED, "月末", "2026-11-30"),
    (WED, "月初", "2026-11-01"),
    (WED, "周末", "2026-11-28"),
    (WED, "年底", "2026-12-31"),
    (WED, "年末", "2026-12-31"),
    (SUN, "next week", "2026-11-30"),
    (SUN, "last week", "2026-11-16"),
    (SUN, "eow", "2026-11-29"),  # Sunday: end of week is today
    (SUN, "周末", "2026-12-05"),  # Sunday: the coming Saturday
    (SUN, "下周", "2026-11-30"),
    (EOM, "eow", "2026-02-01"),
    (EOM, "eom", "2026-01-31"),
    (EOM, "月底", "2026-01-31"),
    (EOM, "som", "2026-01-01"),
    (EOM, "next month", "2026-02-01"),
    (EOM, "下个月", "2026-02-01"),
    (EOM, "last month", "2025-12-01"),
    (EOM, "next week", "2026-02-02"),
    (EOM, "last week", "2026-01-19"),
    (EOM, "周末", "2026-01-31"),  # Saturday: today
    (EOM, "weekend", "2026-01-31"),
    (EOM, "eoy", "2026-12-31"),
    (d("2028-02-10"), "eom", "2028-02-29"),
    (d("2026-02-10"), "eom", "2026-02-28"),
]


@pytest.mark.parametrize(("base", "text", "expected"), CASES, ids=[f"{b}:{t}" for b, t, _ in CASES])
def test_forms(base: date, text: str, expected: str) -> None:
    assert parse_date(text, today=base) == date.fromisoformat(expected)


def test_datetime_as_today_is_read_as_its_date() -> None:
    assert parse_date("tomorrow", today=datetime(2026, 11, 25, 23, 59)) == date(2026, 11, 26)
    assert type(parse_date("tomorrow", today=datetime(2026, 11, 25, 23, 59))) is date


# --- errors -------------------------------------------------------------------------------------------

UNREADABLE = [
    "flurb",
    "",
    "   ",
    "next",
    "3",
    "22",
    "+d",
    "3x",
    "2026-11",
    "2026-11-22T10:00",
    "11/22/26",
    "26-11-22",
    "2026-11/22",
    "+3 days ago",
    "in -3 days",
    "in +3 days",
    "mond",
    "fri day",
    "next next fri",
    "十一",
    "一百天后",
    "两十天后",
    "周八",
    "下下周",
    "tomorrow\x00",
    "\x1b[31m",
    "to\u200bday",
    "\ud800",
    "today\udcff",
    "١٢-٢٢",  # Arabic-Indic digits are not read as digits
]


@pytest.mark.parametrize("text", UNREADABLE)
def test_unreadable_names_the_input(text: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_date(text, today=WED)
    assert err.value.exit_code == 2
    assert repr(text) in err.value.message
    assert err.value.message.startswith("Cannot read the date ")
    assert "Use 2026-11-22, today, +3d, fri, next week, eom or 明天." in err.value.message


def test_message_example() -> None:
    with pytest.raises(BadInput) as err:
        parse_date("flurb", today=WED)
    assert err.value.message == "Cannot read the date 'flurb'. Use 2026-11-22, today, +3d, fri, next week, eom or 明天."


def test_message_is_printable_for_control_characters_and_surrogates() -> None:
    for text in ("\x00\x07\x1b", "\ud800", "a\nb"):
        with pytest.raises(BadInput) as err:
            parse_date(text, today=WED)
        assert err.value.message.isprintable()
        err.value.message.encode("utf-8")  # no lone surrogate leaks into the message


@pytest.mark.parametrize("size", [65, 1000, 1_000_000])
def test_long_input_is_refused_quickly_showing_its_start(size: int) -> None:
    text = "+" + "1" * (size - 2) + "d"
    start = time.perf_counter()
    with pytest.raises(BadInput) as err:
        parse_date(text, today=WED)
    assert time.perf_counter() - start < 0.5
    assert repr(text[:40]) in err.value.message
    assert text[:41] not in err.value.message
    assert "too long" in err.value.message
    assert len(err.value.message) < 200


def test_64_characters_are_still_read() -> None:
    assert parse_date(" " * 60 + "+3d ", today=WED) == date(2026, 11, 28)


@pytest.mark.parametrize(
    ("base", "text"),
    [
        (WED, "2026-02-30"),
        (WED, "2026-13-01"),
        (WED, "2026-00-10"),
        (WED, "20261131"),
        (WED, "02-29"),  # 2026 is not a leap year
        (WED, "13-45"),
        (WED, "2月30日"),
        (WED, "十三月一日"),
    ],
)
def test_no_such_day(base: date, text: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_date(text, today=base)
    assert repr(text) in err.value.message
    assert "no such day" in err.value.message


def test_leap_day_this_year() -> None:
    assert parse_date("02-29", today=date(2028, 5, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("base", "text"),
    [
        (WED, "+100000y"),
        (WED, "+8000y"),
        (WED, "-2026y"),
        (WED, "+99999999999999999999999999999999999999999999999999d"),
        (WED, "-99999999999999999999999999999999999999999999999999w"),
        (WED, "+999999999999999m"),
        (WED, "in 3000000 days"),
        (WED, "100000 years ago"),
        (WED, "0000-01-01"),
        (date.max, "tomorrow"),
        (date.max, "明天"),
        (date.max, "+1d"),
        (date.max, "+1m"),
        (date.max, "sat"),  # 9999-12-31 is a Friday
        (date.max, "next week"),
        (date.max, "next month"),
        (date.max, "next year"),
        (date.max, "下周一"),
        (date.max, "周末"),
        (date.max, "eow"),
        (date.min, "yesterday"),
        (date.min, "-1d"),
        (date.min, "last fri"),  # 0001-01-01 is a Monday
        (date.min, "last week"),
        (date.min, "last month"),
        (date.min, "上周五"),
        (date.min, "前天"),
    ],
)
def test_out_of_range(base: date, text: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_date(text, today=base)
    assert repr(text) in err.value.message
    assert "outside the years 1 to 9999" in err.value.message


def test_edges_that_fit() -> None:
    assert parse_date("eom", today=date.max) == date.max
    assert parse_date("eoy", today=date.max) == date.max
    assert parse_date("fri", today=date(9999, 12, 30)) == date.max
    assert parse_date("this mon", today=date.min) == date.min
    assert parse_date("+7998y", today=date(2001, 12, 31)) == date.max
    assert parse_date("+7973y", today=WED) == date(9999, 11, 25)


# --- today() and SD_TODAY -----------------------------------------------------------------------------


def test_sd_today_stands_in_for_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SD_TODAY", "2026-11-25")
    assert today() == WED
    assert parse_date("tomorrow") == date(2026, 11, 26)
    assert parse_date("fri") == date(2026, 11, 27)
    assert parse_date("tomorrow", today=SUN) == date(2026, 11, 30)  # an explicit today wins


def test_sd_today_whitespace_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SD_TODAY", " 2026-01-31\n")
    assert today() == EOM


@pytest.mark.parametrize("value", [None, ""])
def test_without_sd_today_it_is_the_real_today(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("SD_TODAY", raising=False)
    else:
        monkeypatch.setenv("SD_TODAY", value)
    before = date.today()
    got = today()
    assert before <= got <= date.today()
    assert before <= parse_date("today") <= date.today()


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01", "2026-02-30", "20261125", "2026-11-25x", "11-25"])
def test_bad_sd_today(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SD_TODAY", value)
    with pytest.raises(BadInput) as err:
        today()
    assert "SD_TODAY" in err.value.message
    assert repr(value) in err.value.message
    with pytest.raises(BadInput, match="SD_TODAY"):
        parse_date("+3d")


# --- format_date and days_between ---------------------------------------------------------------------


def test_format_date() -> None:
    assert format_date(None) == ""
    assert format_date(WED) == "2026-11-25"
    assert format_date(date(1, 2, 3)) == "0001-02-03"
    assert format_date(datetime(2026, 11, 25, 10, 30)) == "2026-11-25"


def test_days_between() -> None:
    assert days_between(WED, SUN) == 4
    assert days_between(SUN, WED) == -4
    assert days_between(WED, WED) == 0
    assert days_between(date.min, date.max) == date.max.toordinal() - 1


# --- import cost --------------------------------------------------------------------------------------


def test_import_is_cheap() -> None:
    code = (
        "import sys, salesdiary.core.dates\n"
        "heavy = {'typer', 'rich', 'sqlalchemy', 'sqlmodel', 'alembic', 'questionary', 'platformdirs',"
        " 'calendar', 'unicodedata', 'dateutil', 'locale'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
        "print(salesdiary.core.dates._grammar.cache_info().currsize)\n"  # patterns compile on first use
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "0"]


# --- properties ---------------------------------------------------------------------------------------

TOKENS = [
    *"+-\u2013\u2212/. \t\u3000",
    *fullwidth("+-0123456789"),
    *"年月日号天周星期礼拜个后前以之下上本这今明昨大十百两一二三四五六七八九〇",
    *"0123456789",
    "99999999999999999999",
    "d", "w", "m", "y", "day", "days", "week", "weeks", "month", "months", "year", "years",
    "in ", " ago", "a ", "an ", "next ", "last ", "this ", "coming ", "mon", "fri", "sun", "thurs",
    "today", "tmr", "yesterday", "eow", "eom", "eoy", "som", "bom", "week", "end of ", "from now",
    "2026", "11", "22", "-", "9999", "0000", "12-31", "02-29",
]  # fmt: skip

any_char_text = st.text(st.characters(exclude_categories=()), max_size=80)
tokenised_text = st.lists(st.sampled_from(TOKENS), max_size=8).map("".join)


@given(text=st.one_of(any_char_text, tokenised_text), base=st.dates())
@example(text="+100000y", base=WED)
@example(text="\ud800", base=WED)
@example(text="tomorrow", base=date.max)
@example(text="上周五", base=date.min)
@example(text="x" * 1_000_000, base=WED)
def test_anything_parses_or_is_bad_input(text: str, base: date) -> None:
    try:
        result = parse_date(text, today=base)
    except BadInput as err:
        assert err.message
        assert err.exit_code == 2
    else:
        assert type(result) is date


@given(day=st.dates(), base=st.dates())
def test_iso_round_trip(day: date, base: date) -> None:
    iso = day.isoformat()
    assert format_date(parse_date(iso, today=base)) == iso
    assert parse_date(iso.replace("-", "/"), today=base) == day
    assert parse_date(iso.replace("-", ""), today=base) == day
    assert parse_date(f"{day.year:04d}年{day.month}月{day.day}日", today=base) == day


@given(n=st.integers(min_value=0, max_value=date.max.toordinal() - WED.toordinal()))
def test_plus_n_days(n: int) -> None:
    expected = date.fromordinal(WED.toordinal() + n)
    assert parse_date(f"+{n}d", today=WED) == expected
    assert parse_date(f"{n}d", today=WED) == expected
    assert parse_date(f"in {n} days", today=WED) == expected
    assert days_between(WED, parse_date(f"+{n}d", today=WED)) == n


@given(n=st.integers(min_value=0, max_value=WED.toordinal() - 1))
def test_minus_n_days(n: int) -> None:
    expected = date.fromordinal(WED.toordinal() - n)
    assert parse_date(f"-{n}d", today=WED) == expected
    assert parse_date(f"{n} days ago", today=WED) == expected


@given(n=st.integers(min_value=date.max.toordinal() - WED.toordinal() + 1, max_value=10**30))
def test_plus_n_days_past_9999_is_bad_input(n: int) -> None:
    with pytest.raises(BadInput, match="outside the years 1 to 9999"):
        parse_date(f"+{n}d", today=WED)


@given(
    base=st.dates(max_value=date(9998, 12, 1)),
    weekday=st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
)
def test_weekday_rules(base: date, weekday: str) -> None:
    coming = parse_date(weekday, today=base)
    assert 1 <= days_between(base, coming) <= 7
    assert coming.strftime("%a").lower() == weekday
    nxt = parse_date(f"next {weekday}", today=base)
    assert nxt.strftime("%a").lower() == weekday
    assert days_between(base, nxt) - (7 - base.weekday()) in range(7)  # inside next Mon..Sun
    if base > date(1, 1, 14):
        last = parse_date(f"last {weekday}", today=base)
        assert -7 <= days_between(base, last) <= -1
        assert last.strftime("%a").lower() == weekday


@given(base=st.dates(min_value=date(11, 1, 1), max_value=date(9989, 12, 31)), months=st.integers(-120, 120))
def test_months_clamp_to_month_end(base: date, months: int) -> None:
    got = parse_date(f"{months:+d}m", today=base)
    assert (got.year * 12 + got.month) - (base.year * 12 + base.month) == months
    month_end = (got + timedelta(days=1)).day == 1
    assert got.day == base.day or (got.day < base.day and month_end)


# --- slash dates whose order is ambiguous (issue 23) --------------------------------------------------


@pytest.fixture
def order():  # noqa: ANN201
    """Set the slash-date order for one test; put it back after."""
    from salesdiary.core import dates

    yield dates.set_order
    dates.set_order(None)


@pytest.mark.parametrize("text", ["11/12", "1/5", "11/12/2026", "5/1/2027"])
def test_ambiguous_slash_date_is_refused_with_both_readings(text: str) -> None:
    a, b, *year = (int(x) for x in text.split("/"))
    y = year[0] if year else WED.year
    with pytest.raises(BadInput) as err:
        parse_date(text, today=WED)
    message = err.value.message
    assert repr(text) in message
    assert date(y, a, b).isoformat() in message and date(y, b, a).isoformat() in message
    assert "--dates" in message


@pytest.mark.parametrize(
    ("setting", "text", "expected"),
    [
        ("dmy", "11/12", "2026-12-11"),
        ("mdy", "11/12", "2026-11-12"),
        ("ymd", "11/12", "2026-11-12"),
        ("dmy", "5/1/2027", "2027-01-05"),
        ("mdy", "5/1/2027", "2027-05-01"),
        ("dmy", "2026/11/12", "2026-11-12"),  # year first is ISO whatever the order
        ("dmy", "11-12", "2026-11-12"),  # dashes stay month first, as in ISO
    ],
)
def test_the_order_settles_a_slash_date(order, setting: str, text: str, expected: str) -> None:  # noqa: ANN001
    order(setting)
    assert parse_date(text, today=WED) == d(expected)


def test_a_set_order_refuses_what_it_cannot_read(order) -> None:  # noqa: ANN001
    order("mdy")
    with pytest.raises(BadInput) as err:
        parse_date("13/11/2026", today=WED)
    assert "no such day" in err.value.message


@given(a=st.integers(1, 31), b=st.integers(1, 31))
def test_slash_dates_are_read_one_way_or_refused(a: int, b: int) -> None:
    readings = set()
    for month, day in ((a, b), (b, a)):
        try:
            readings.add(date(2026, month, day))
        except ValueError:
            pass
    try:
        got = parse_date(f"{a}/{b}", today=WED)
    except BadInput as err:
        assert len(readings) != 1
        assert ("two ways" in err.message) == (len(readings) == 2)
    else:
        assert readings == {got}
