"""Checks on typed values before anything is written: text, numbers, names."""

from __future__ import annotations

import math
import re

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _

NAME_MAX = 200
TEXT_MAX = 20_000
MAX_AMOUNT = 10**15
CONFIG_INT_MAX = 36_500  # a count or a number of days in config: a hundred years at most


def show(value: str, width: int = 40) -> str:
    """A value as it may be printed in a message: escaped, shortened."""
    shown = value[:width].encode("utf-8", "backslashreplace").decode("utf-8")
    shown = "".join(c if c.isprintable() and c not in BIDI_CONTROLS else repr(c)[1:-1] for c in shown)
    return shown + ("…" if len(value) > width else "")


# Characters a terminal acts on instead of showing: C0 and C1 controls (ESC starts colour, cursor and title
# sequences; CSI U+009B does in one byte) and the bidirectional overrides and isolates, which reorder what is
# shown around them (a name can then read as another). None of them belongs in a name or a label.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ESCAPES = {
    **{code: f"\\x{code:02x}" for code in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))},
    **{ord(c): f"\\u{ord(c):04x}" for c in sorted(BIDI_CONTROLS)},
}  # for str.translate; a line feed and a tab are kept
_ESCAPED = re.compile("[" + "".join(re.escape(chr(code)) for code in ESCAPES) + "]")


def visible(text: str) -> str:
    """TEXT as a terminal may show it: controls and bidi overrides written out (ESC as \\x1b, U+202E as
    \\u202e), so text stored before they were refused cannot act on the terminal. (A search first: a long
    report holds none, and finding that is far quicker than translating it character by character.)"""
    return text.translate(ESCAPES) if _ESCAPED.search(text) else text


def control_in(value: str, allowed: str = "") -> str | None:
    """The first control character (Unicode Cc) or bidi override in VALUE, other than a line feed or tab
    named in ALLOWED; None when there is none. A regular expression: labels and names are checked often."""
    found = (_CONTROL_OR_TAB if "\t" not in allowed else _CONTROL).search(value)
    if found is None and "\n" not in allowed:
        found = _LINE_FEED.search(value)
    return found.group() if found else None


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_TAB = re.compile("[\x00-\x08\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_FEED = re.compile("\n")


def clean_text(value: str | None, field: str, *, max_len: int = TEXT_MAX, multiline: bool = True) -> str | None:
    """Strip VALUE; refuse undecodable bytes, control characters and oversized text. Empty → None."""
    if value is None:
        return None
    value = value.strip()
    if len(value) > max_len:  # first: scanning a huge argument character by character takes a while
        raise BadInput(
            _("{field}: the value is too long ({length} characters, at most {max}).").format(
                field=field, length=len(value), max=max_len
            )
        )
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise BadInput(_("{field}: the value is not valid UTF-8 text.").format(field=field))
    c = control_in(value, "\n\t" if multiline else "")
    if c is not None:
        raise BadInput(
            _("{field}: control character {char} is not allowed in '{value}'.").format(
                field=field, char=repr(c), value=show(value)
            )
        )
    return value or None


def clean_name(value: str | None, field: str) -> str:
    """A required one-line name."""
    name = clean_text(value, field, max_len=NAME_MAX, multiline=False)
    if not name:
        raise BadInput(_("{field}: a name cannot be empty.").format(field=field))
    return name


_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?\s*(亿|万|[kKmM])?")


def parse_amount(text: str | float | int | None, field: str = "--amount") -> float | None:
    """A non-negative money amount: '1200000', '1,200,000', '120万', '1.2m'."""
    if text is None or text == "":
        return None
    raw = str(text).strip()
    if re.search(r"[,，]", raw) and not _THOUSANDS.fullmatch(raw.replace("，", ",").lstrip("-")):
        # 1,2 is 1.2 in much of Europe and 12 with the commas dropped: a comma only groups thousands
        raise BadInput(
            _("{field}: cannot read the amount {value!r}: a comma only groups thousands (1,234,567).").format(
                field=field, value=show(str(text))
            )
        )
    raw = raw.replace(",", "").replace("，", "").replace("_", "")
    factor = 1.0
    lowered = raw.lower()
    for suffix, mult in (("亿", 1e8), ("万", 1e4), ("k", 1e3), ("m", 1e6)):
        if lowered.endswith(suffix):
            raw, factor = raw[: -len(suffix)], mult
            break
    try:
        amount = float(raw) * factor
    except ValueError:
        raise BadInput(
            _("{field}: cannot read the amount {value!r}.").format(field=field, value=show(str(text)))
        ) from None
    if math.isnan(amount) or math.isinf(amount):
        raise BadInput(_("{field}: the amount must be a finite number.").format(field=field))
    if amount < 0:
        raise BadInput(_("{field}: the amount cannot be negative.").format(field=field))
    if amount > MAX_AMOUNT:
        raise BadInput(_("{field}: the amount is too large.").format(field=field))
    return round(amount, 2) + 0.0  # + 0.0 turns -0.0 into 0.0
