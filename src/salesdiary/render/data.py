"""Output for programs: stable JSON, no colour, on stdout."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import Any


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# What json writes as it is and a terminal showing the JSON would obey: C1 controls and bidi overrides
# (core/validate.ESCAPES; json escapes the C0 controls itself).
_UNSAFE = re.compile("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(text: str) -> str:
    """JSON TEXT with those characters as JSON escapes: the same value, safe to look at."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps(value: Any) -> str:
    return _escaped(json.dumps(value, ensure_ascii=False, indent=2, default=_default))


def print_json(value: Any) -> None:
    sys.stdout.write(dumps(value) + "\n")
    sys.stdout.flush()


def print_json_rows(rows: Iterable[dict[str, Any]]) -> None:
    """A JSON array written row by row, so long lists stream."""
    write = sys.stdout.write
    first = True
    write("[")
    for row in rows:
        write("\n  " if first else ",\n  ")
        write(_escaped(json.dumps(row, ensure_ascii=False, default=_default)))
        first = False
    write("\n]\n" if not first else "]\n")
    sys.stdout.flush()
