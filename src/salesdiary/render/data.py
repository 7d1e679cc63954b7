"""Output for programs: stable JSON, no colour, on stdout."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=_default)


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
        write(json.dumps(row, ensure_ascii=False, default=_default))
        first = False
    write("\n]\n" if not first else "]\n")
    sys.stdout.flush()
