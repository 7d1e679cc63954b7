"""Checks on typed values before anything is written: text, numbers, names."""

from __future__ import annotations

import math
import unicodedata

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _

NAME_MAX = 200
TEXT_MAX = 20_000
MAX_AMOUNT = 10**15
CONFIG_INT_MAX = 36_500  # a count or a number of days in config: a hundred years at most


def show(value: str, width: int = 40) -> str:
    """A value as it may be printed in a message: escaped, shortened."""
    shown = value[:width].encode("utf-8", "backslashreplace").decode("utf-8")
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)
    return shown + ("…" if len(value) > width else "")


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
    allowed = "\n\t" if multiline else ""
    for c in value:
        if c not in allowed and unicodedata.category(c) == "Cc":
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


def parse_amount(text: str | float | int | None, field: str = "--amount") -> float | None:
    """A non-negative money amount: '1200000', '1,200,000', '120万', '1.2m'."""
    if text is None or text == "":
        return None
    raw = str(text).strip().replace(",", "").replace("，", "").replace("_", "")
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
