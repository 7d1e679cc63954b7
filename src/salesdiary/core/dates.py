"""Reading and writing the dates a rep types: ISO, Chinese, relative and named days.

Pure stdlib and cheap to import: it sits on the start-up path of every command.

`parse_date` accepts, case-insensitively and ignoring surrounding whitespace
(full-width ASCII such as ``２０２６－１１－２２`` or ``＋３ｄ`` is read as ASCII):

Absolute
    ``2026-11-22``, ``2026/11/22``, ``2026.11.22``, ``20261122``; ``11-22`` (this
    year, month first as in ISO); ``2026年11月22日``, ``11月22日``, ``11月22号``
    (Chinese numerals work for month and day too: ``十一月二十二日``). Years need
    four digits (``11/22/26`` is refused).
Slash dates without the year first
    ``13/11/2026``, ``11/13/2026``, ``22/11``, ``11/22``: day and month in either
    order when only one order makes a date. When both do (``11/12``, ``1/5/2027``)
    the date is refused with its two readings, unless the order is set
    (`set_order`: ``--dates dmy|mdy|ymd`` or config ``dates.order``; ``ymd`` puts
    the month first, as ISO does).
Named days
    ``today`` ``tod`` ``now`` · ``tomorrow`` ``tmr`` ``tmrw`` · ``yesterday`` ``yday``;
    今天 今日 · 明天 明日 · 后天 (+2) · 大后天 (+3) · 昨天 昨日 · 前天 (-2) · 大前天 (-3).
Relative
    ``+3d`` ``-2w`` ``+1m`` ``+1y``, ``3d`` (= ``+3d``), ``+3 days``, ``in 3 days``,
    ``3 days ago``, ``in a week``, ``a month ago``. Units: d/day(s), w/wk(s)/week(s),
    m/mo(s)/month(s), y/yr(s)/year(s). Months and years are calendar months, the day
    clamped to the end of the month (Jan 31 + 1m = Feb 28 or 29; Feb 29 + 1y = Feb 28).
    Chinese: ``3天后`` ``3日后`` ``2周后`` ``2星期后`` ``2个礼拜后`` ``1个月后`` ``1年后``,
    ``…前`` for the past, ``以后/之后/以前/之前`` too; the number may be Chinese up to
    99 (一 二 两 三 … 十 十五 二十 九十九).
Weekdays (weeks start on Monday)
    ``fri`` / ``friday`` (also mon, tue, tues, wed, weds, thu, thur, thurs, sat, sun):
    the coming such day, strictly after today (1 to 7 days ahead). ``coming fri`` is
    the same. ``next fri``: the Friday of next week. ``last fri``: the most recent
    Friday strictly before today. ``this fri``: the Friday of this week (may be past).
    Chinese: 周五 / 星期五 / 礼拜五 (coming, strictly after today; 周日 星期日 星期天
    周天 礼拜天 are Sunday), 下周五 / 下星期五 / 下个礼拜五 (next week), 上周五
    (last week), 本周五 / 这周五 (this week, may be past).
Periods
    ``next week`` / 下周 / 下星期: Monday of next week; ``last week`` / 上周: Monday
    of last week; ``sow``: Monday of this week; ``eow`` / ``end of week``: **Sunday of
    this week** (today if today is Sunday); ``next month`` / 下个月 / 下月: the 1st of
    next month; ``last month`` / 上个月 / 上月: the 1st of last month; ``som`` /
    ``bom`` / ``start of month`` / 月初: the 1st of this month; ``eom`` / ``end of
    month`` / 月底 / 月末: the last day of this month; ``next year``: Jan 1 of next
    year; ``soy``: Jan 1 of this year; ``eoy`` / ``end of year`` / 年底 / 年末: Dec 31
    of this year; ``weekend`` / 周末 / 本周末: the coming Saturday, today if today is
    Saturday (on a Sunday that is the Saturday six days later).

Dates run from year 1 to 9999; a result outside that (``+100000y``, ``tomorrow``
when today is 9999-12-31) is a `BadInput`, as is anything unreadable — the message
shows the text as typed. Strings longer than 64 characters are refused unread.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _

DATE_ORDERS = ("dmy", "mdy", "ymd")
MAX_INPUT_LENGTH = 64
_SHOWN_WHEN_TOO_LONG = 40
_MAX_ORDINAL = date.max.toordinal()


# --- normalisation -----------------------------------------------------------------------------------


def _build_translation() -> dict[int, str]:
    table = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}  # full-width ASCII
    table[0x3000] = " "  # ideographic space
    table[0x2212] = "-"  # minus sign
    table[0x2013] = "-"  # en dash
    # Traditional forms of the few characters used below.
    for traditional, simplified in zip("後週禮個號這兩", "后周礼个号这两", strict=True):
        table[ord(traditional)] = simplified
    return table


_TRANSLATION = _build_translation()


# --- Chinese numerals --------------------------------------------------------------------------------

_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_NUMBER = "(?:[一二三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
_NUMBER = rf"(?:[0-9]+|{_ZH_NUMBER})"


def _number(text: str) -> int:
    """ASCII digits, or a Chinese numeral from 一 to 九十九 (already matched by _ZH_NUMBER)."""
    if text.isascii():
        return int(text)
    if "十" not in text:
        return _ZH_DIGITS[text]
    tens, _sep, units = text.partition("十")
    return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[units] if units else 0)


# --- patterns ----------------------------------------------------------------------------------------

_UNIT = r"(?P<unit>d|days?|w|wks?|weeks?|m|mos?|months?|y|yrs?|years?)"
_CJK = "\u3007\u4e00-\u9fff"

_WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


class _Grammar:
    """The patterns, each compiled on first use: compiling them all costs ~5 ms, too much for every start, and
    most dates (today, fri, 2026-12-01) need two or three of them."""

    _SOURCES = {
        "spaces": r"\s+",
        "space_next_to_cjk": rf" (?=[{_CJK}])|(?<=[{_CJK}]) ",
        "iso": r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})",
        "compact": r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})",
        "month_day": r"(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})",
        "slash": r"(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})(?:/(?P<y>[0-9]{4}))?",
        "zh_date": rf"(?:(?P<y>[0-9]{{4}})年)?(?P<m>{_NUMBER})月(?P<d>{_NUMBER})[日号]?",
        "relative": rf"(?P<sign>[+-]?) ?(?P<n>[0-9]+) ?{_UNIT}(?: from now| later)?",
        "relative_in": rf"in (?:(?P<n>[0-9]+) ?|(?P<a>an?) ){_UNIT}",
        "relative_ago": rf"(?:(?P<n>[0-9]+) ?|(?P<a>an?) ){_UNIT} ago",
        "zh_relative": rf"(?P<n>{_NUMBER})个?(?P<unit>天|日|周|星期|礼拜|月|年)(?P<dir>以?后|之后|以?前|之前)",
        "weekday": r"(?:(?P<pre>next|last|this|coming) )?(?P<day>[a-z]+)",
        "zh_weekday": r"(?:(?P<pre>[下上本这])个?)?(?:周|星期|礼拜)(?P<day>[一二三四五六日天])",
        "zh_week": r"(?P<pre>[下上])个?(?:周|星期|礼拜)",
    }

    def __getattr__(self, name: str) -> re.Pattern[str]:
        try:
            source = self._SOURCES[name]
        except KeyError:
            raise AttributeError(name) from None
        pattern = re.compile(source)
        setattr(self, name, pattern)
        return pattern


@functools.cache
def _grammar() -> _Grammar:
    return _Grammar()


# --- date arithmetic that never overflows ------------------------------------------------------------


class _OutOfRange(Exception):
    pass


class _NoSuchDay(Exception):
    pass


class _Ambiguous(Exception):
    def __init__(self, month_first: date, day_first: date) -> None:
        super().__init__()
        self.month_first, self.day_first = month_first, day_first


_order: str | None = None


def set_order(order: str | None) -> None:
    """How `parse_date` reads a slash date whose order is ambiguous (11/12): "dmy" (day first), "mdy" or
    "ymd" (month first), or None (refuse it, showing both readings). The CLI sets it once per run."""
    global _order
    if order is not None and order not in DATE_ORDERS:
        raise ValueError(order)
    _order = order


def _slash(a: int, b: int, year: int, order: str | None) -> date:
    """D/M or M/D (of YEAR): by ORDER when one is set, else the only order that makes a date."""
    if order is not None:
        return _ymd(year, b, a) if order == "dmy" else _ymd(year, a, b)
    readings = []
    for month, day in ((a, b), (b, a)):
        try:
            readings.append(_ymd(year, month, day))
        except _NoSuchDay:
            pass
    if not readings:
        raise _NoSuchDay
    if len(readings) == 2 and readings[0] != readings[1]:
        raise _Ambiguous(*readings)
    return readings[0]


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _ymd(year: int, month: int, day: int) -> date:
    if not 1 <= year <= 9999:
        raise _OutOfRange
    if not (1 <= month <= 12 and 1 <= day <= _days_in_month(year, month)):
        raise _NoSuchDay
    return date(year, month, day)


def _add_days(d: date, days: int) -> date:
    ordinal = d.toordinal() + days
    if not 1 <= ordinal <= _MAX_ORDINAL:
        raise _OutOfRange
    return date.fromordinal(ordinal)


def _add_months(d: date, months: int) -> date:
    year, month0 = divmod(d.year * 12 + d.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise _OutOfRange
    return date(year, month0 + 1, min(d.day, _days_in_month(year, month0 + 1)))


def _shift(d: date, n: int, unit: str) -> date:
    """Move `n` units; `unit` is anything starting d/w/m/y or 天日周星礼月年."""
    if unit[0] in "d天日":
        return _add_days(d, n)
    if unit[0] in "w周星礼":
        return _add_days(d, 7 * n)
    if unit[0] in "m月":
        return _add_months(d, n)
    return _add_months(d, 12 * n)


def _coming(d: date, weekday: int) -> date:
    """The next such weekday strictly after `d` (1 to 7 days ahead)."""
    return _add_days(d, (weekday - d.weekday() - 1) % 7 + 1)


def _previous(d: date, weekday: int) -> date:
    """The most recent such weekday strictly before `d` (1 to 7 days back)."""
    return _add_days(d, -((d.weekday() - weekday - 1) % 7 + 1))


def _in_week(d: date, weekday: int, weeks: int = 0) -> date:
    """That weekday of the Monday-based week `weeks` away from the week of `d`."""
    return _add_days(d, 7 * weeks - d.weekday() + weekday)


def _weekend(d: date) -> date:
    return _add_days(d, (5 - d.weekday()) % 7)


def _end_of_month(d: date) -> date:
    return d.replace(day=_days_in_month(d.year, d.month))


_OFFSETS = {
    "today": 0, "tod": 0, "now": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1, "yday": -1,
    "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
    "昨天": -1, "昨日": -1, "前天": -2, "大前天": -3,
}  # fmt: skip

_PERIODS: dict[str, Callable[[date], date]] = {
    "next week": lambda d: _in_week(d, 0, 1),
    "last week": lambda d: _in_week(d, 0, -1),
    "sow": lambda d: _in_week(d, 0),
    "eow": lambda d: _in_week(d, 6),
    "end of week": lambda d: _in_week(d, 6),
    "weekend": _weekend,
    "this weekend": _weekend,
    "周末": _weekend,
    "本周末": _weekend,
    "这周末": _weekend,
    "next month": lambda d: _add_months(d.replace(day=1), 1),
    "下个月": lambda d: _add_months(d.replace(day=1), 1),
    "下月": lambda d: _add_months(d.replace(day=1), 1),
    "last month": lambda d: _add_months(d.replace(day=1), -1),
    "上个月": lambda d: _add_months(d.replace(day=1), -1),
    "上月": lambda d: _add_months(d.replace(day=1), -1),
    "som": lambda d: d.replace(day=1),
    "bom": lambda d: d.replace(day=1),
    "start of month": lambda d: d.replace(day=1),
    "beginning of month": lambda d: d.replace(day=1),
    "月初": lambda d: d.replace(day=1),
    "eom": _end_of_month,
    "end of month": _end_of_month,
    "月底": _end_of_month,
    "月末": _end_of_month,
    "本月底": _end_of_month,
    "next year": lambda d: _ymd(d.year + 1, 1, 1),
    "soy": lambda d: _ymd(d.year, 1, 1),
    "eoy": lambda d: _ymd(d.year, 12, 31),
    "end of year": lambda d: _ymd(d.year, 12, 31),
    "年底": lambda d: _ymd(d.year, 12, 31),
    "年末": lambda d: _ymd(d.year, 12, 31),
}


# --- public API --------------------------------------------------------------------------------------


def today() -> date:
    """Today's date, or the ISO date in $SD_TODAY when that is set (else $SD_NOW's day: now()) (for tests and
    demos)."""
    value = os.environ.get("SD_TODAY", "").strip()
    if not value:
        return now().date() if os.environ.get("SD_NOW", "").strip() else date.today()
    digits = value[:4] + value[5:7] + value[8:]
    if len(value) == 10 and value[4] == value[7] == "-" and digits.isascii() and digits.isdigit():
        try:
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            pass
    raise BadInput(_("SD_TODAY must be a date like 2026-11-22, not {value}.").format(value=_show(value)))


def now() -> datetime:
    """The moment now, or the one in $SD_NOW (ISO, like 2026-11-27 17:45) when that is set; with only $SD_TODAY
    set, that day at the clock's time of day (for tests and demos: the plan deadlines read the time)."""
    value = os.environ.get("SD_NOW", "").strip()
    if value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise BadInput(
                _("SD_NOW must be a moment like 2026-11-27 17:45, not {value}.").format(value=_show(value))
            ) from None
    moment = datetime.now()
    return datetime.combine(today(), moment.time()) if os.environ.get("SD_TODAY", "").strip() else moment


_today = today


def parse_date(text: str, today: date | None = None) -> date:
    """Read a date typed by a user, relative to `today` (default: `today()`). See the module doc."""
    if not isinstance(text, str):
        raise BadInput(_unreadable(repr(text)))
    if len(text) > MAX_INPUT_LENGTH:
        raise BadInput(_too_long(_show(text[:_SHOWN_WHEN_TOO_LONG])))
    base = _today() if today is None else today
    if isinstance(base, datetime):
        base = base.date()
    g = _grammar()
    key = g.spaces.sub(" ", text.translate(_TRANSLATION).strip().lower())
    key = g.space_next_to_cjk.sub("", key)
    try:
        result = _interpret(key, base)
    except _NoSuchDay:
        raise BadInput(
            _("Cannot read the date {text}: there is no such day in the calendar.").format(text=_show(text))
        ) from None
    except _Ambiguous as both:
        raise BadInput(
            _(
                "The date {text} can be read two ways: {month_first} (month first) or {day_first} (day first). "
                "Write it as 2026-11-22, or say the order with --dates mdy or --dates dmy "
                "(or sd config set dates.order dmy)."
            ).format(text=_show(text), month_first=both.month_first.isoformat(), day_first=both.day_first.isoformat())
        ) from None
    except (_OutOfRange, OverflowError, ValueError):
        raise BadInput(_("The date {text} falls outside the years 1 to 9999.").format(text=_show(text))) from None
    if result is None:
        raise BadInput(_unreadable(_show(text)))
    return result


def format_date(d: date | None) -> str:
    """ISO `YYYY-MM-DD`, or "" for no date."""
    if d is None:
        return ""
    if isinstance(d, datetime):
        d = d.date()
    return d.isoformat()


def days_between(a: date, b: date) -> int:
    """Days from `a` to `b`: positive when `b` is later."""
    return b.toordinal() - a.toordinal()


# --- internals ---------------------------------------------------------------------------------------


def _show(text: str) -> str:
    """The text quoted, with control characters and lone surrogates escaped (safe to print)."""
    return repr(text)


def _too_long(shown: str) -> str:
    return _(
        "Cannot read the date {text}… (too long). Use 2026-11-22, today, +3d, fri, next week, eom or 明天."
    ).format(text=shown)


def _unreadable(shown: str) -> str:
    return _("Cannot read the date {text}. Use 2026-11-22, today, +3d, fri, next week, eom or 明天.").format(text=shown)


def _interpret(s: str, base: date) -> date | None:
    g = _grammar()
    if s in _OFFSETS:
        return _add_days(base, _OFFSETS[s])
    if s in _PERIODS:
        return _PERIODS[s](base)

    if m := g.iso.fullmatch(s) or g.compact.fullmatch(s):
        return _ymd(int(m["y"]), int(m["m"]), int(m["d"]))
    if m := g.slash.fullmatch(s):
        return _slash(int(m["a"]), int(m["b"]), int(m["y"]) if m["y"] else base.year, _order)
    if m := g.month_day.fullmatch(s):
        return _ymd(base.year, int(m["m"]), int(m["d"]))
    if m := g.zh_date.fullmatch(s):
        return _ymd(int(m["y"]) if m["y"] else base.year, _number(m["m"]), _number(m["d"]))

    if m := g.relative.fullmatch(s):
        n = int(m["n"])
        return _shift(base, -n if m["sign"] == "-" else n, m["unit"])
    if m := g.relative_in.fullmatch(s):
        return _shift(base, int(m["n"]) if m["n"] else 1, m["unit"])
    if m := g.relative_ago.fullmatch(s):
        return _shift(base, -(int(m["n"]) if m["n"] else 1), m["unit"])
    if m := g.zh_relative.fullmatch(s):
        n = _number(m["n"])
        return _shift(base, -n if m["dir"].endswith("前") else n, m["unit"])

    if (m := g.weekday.fullmatch(s)) and m["day"] in _WEEKDAYS:
        return _weekday(base, _WEEKDAYS[m["day"]], m["pre"])
    if m := g.zh_weekday.fullmatch(s):
        # 上周五 is the Friday of last week (unlike "last fri", the most recent Friday).
        prefix = {"下": "next", "上": "week before", "本": "this", "这": "this"}.get(m["pre"] or "")
        return _weekday(base, _ZH_WEEKDAYS[m["day"]], prefix)
    if m := g.zh_week.fullmatch(s):
        return _in_week(base, 0, 1 if m["pre"] == "下" else -1)
    return None


def _weekday(base: date, weekday: int, prefix: str | None) -> date:
    if prefix == "next":
        return _in_week(base, weekday, 1)
    if prefix == "last":
        return _previous(base, weekday)
    if prefix == "this":
        return _in_week(base, weekday)
    if prefix == "week before":
        return _in_week(base, weekday, -1)
    return _coming(base, weekday)


# --- dates inside a text (sd log) --------------------------------------------------------------------


_Day = date  # the type, for DateSpan's methods (its field `date` hides the name there)


@dataclass(frozen=True)
class DateSpan:
    """A date phrase found in a longer text: where it stands (TEXT[start:end]), what it says, and the date."""

    start: int
    end: int
    text: str
    date: date
    weekday: int | None = None  # a bare weekday (周一, Friday: no 下/上/本, next/last/this), 0 = Monday

    def in_the_past(self, today: _Day) -> DateSpan:
        """This bare weekday read as the day it last was (today included): "周一拜访了华为" typed on a Wednesday
        is this Monday, where the phrase alone reads as the coming Monday (`parse_date`). Who decides that a note
        tells the day in the past is the reader of the note (core/capture.py)."""
        assert self.weekday is not None
        return replace(self, date=_add_days(today, -((today.weekday() - self.weekday) % 7)))


# Words that are dates only as a whole phrase ("next sat"), never alone in a note: "we sat down", "the sun".
_NOT_ALONE = frozenset({"sat", "sun", "mon", "now", "tod", "som", "bom", "sow", "eow", "soy", "eom", "eoy"})
_STARTS = set("0123456789+-今明后大昨前上下本这周星礼月年一二两三四五六七八九十")
_LONGEST_PHRASE = 20


def find_dates(text: str, today: date | None = None) -> list[DateSpan]:
    """The date phrases in TEXT (a note such as "拜访了华为张伟，下周三回电" or "call back next Wed"), left to
    right, each read by the same rules as `parse_date` (the module doc): at each place the longest phrase that
    reads as a date wins (下周三, not 下周). A phrase in Latin letters or digits stands as a whole word ("mon" in
    "money" is not Monday); a bare "sat", "sun", "mon" or "now" is not taken as a date (only "next sat" is), nor
    a bare "3m" (an amount more often than three months). An ambiguous slash date (11/12) is not taken."""
    base = _today() if today is None else today
    if isinstance(base, datetime):
        base = base.date()
    g = _grammar()
    lowered = [c.translate(_TRANSLATION).lower() for c in text]
    norm = "".join(c if len(c) == 1 else "\0" for c in lowered)  # one character for one: spans map back
    found: list[DateSpan] = []
    i = 0
    n = len(norm)
    while i < n:
        c = norm[i]
        ascii_start = c.isascii() and c.isalnum()
        if c not in _STARTS and not (ascii_start and c.isalpha()):
            i += 1
            continue
        if ascii_start and i > 0 and norm[i - 1].isascii() and norm[i - 1].isalnum():
            i += 1
            continue
        hit = _longest_date_at(norm, i, base, g)
        if hit is None:
            i += 1
            continue
        end, when = hit
        found.append(DateSpan(i, end, text[i:end], when, _bare_weekday(norm[i:end], g)))
        i = end
    return found


def _longest_date_at(norm: str, i: int, base: date, g: _Grammar) -> tuple[int, date] | None:
    for end in range(min(len(norm), i + _LONGEST_PHRASE), i, -1):
        phrase = norm[i:end]
        if phrase[-1] == " " or "\0" in phrase:
            continue
        last = phrase[-1]
        if last.isascii() and last.isalnum() and end < len(norm) and norm[end].isascii() and norm[end].isalnum():
            continue  # ends inside a word
        key = g.spaces.sub(" ", phrase)
        key = g.space_next_to_cjk.sub("", key)
        if key in _NOT_ALONE or re.fullmatch(r"[0-9]+ ?[dmwy]", key) or key.isdigit():
            continue
        try:
            when = _interpret(key, base)
        except (_NoSuchDay, _Ambiguous, _OutOfRange, OverflowError, ValueError):
            continue
        if when is not None:
            return end, when
    return None


def _bare_weekday(phrase: str, g: _Grammar) -> int | None:
    """The weekday PHRASE names without a 下/上/本/这 or next/last/this/coming before it (0 = Monday), else None."""
    key = g.space_next_to_cjk.sub("", g.spaces.sub(" ", phrase))
    if (m := g.weekday.fullmatch(key)) and m["day"] in _WEEKDAYS and not m["pre"]:
        return _WEEKDAYS[m["day"]]
    if (m := g.zh_weekday.fullmatch(key)) and not m["pre"]:
        return _ZH_WEEKDAYS[m["day"]]
    return None
