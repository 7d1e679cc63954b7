"""The SQL toolkit the read queries share: one spelling of each thing that differs between SQLite and
PostgreSQL (whole days between dates, a date parameter, keeping a column off its index), and playbook keys
and stage conditions written as SQL literals. Reports (report_queries) and health rules (health_queries) use
these; nothing here runs a query."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from salesdiary.core.playbook import Playbook
from salesdiary.store.connection import Reader

SAFE_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


# --- helpers -------------------------------------------------------------------------------------------


def lit(key: str) -> str:
    """A playbook key as an SQL literal (keys are snake_case by construction; checked again here)."""
    if not SAFE_KEY.match(key):
        raise ValueError(f"not a safe key: {key!r}")
    return f"'{key}'"


def days(r: Reader, later: str, earlier: str) -> str:
    """SQL for the whole days from EARLIER to LATER (two date expressions)."""
    if r.dialect == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"


def scan(r: Reader, expr: str) -> str:
    """EXPR kept off its index on SQLite (unary +): the planner does not seek by it. For the open deals (a third of
    the table): a scan reads each page once, the status index fetches every row by itself (3 × slower). For a
    column late in an index: one seek by the columns before it, then a look at the few entries there, rather than a
    seek per value of an IN list."""
    return f"+{expr}" if r.dialect == "sqlite" else expr


def date_param(r: Reader, name: str) -> str:
    """A date parameter where SQL cannot infer its type (a CASE result): PostgreSQL needs a cast, and
    SQLite must not get one (CAST AS DATE would make a number of it); dates are ISO text there."""
    return f":{name}" if r.dialect == "sqlite" else f"CAST(:{name} AS DATE)"


def stage_case(expr: str, pairs: Iterable[tuple[str, str]], default: str = "NULL") -> str:
    whens = " ".join(f"WHEN {lit(k)} THEN {v}" for k, v in pairs)
    return f"CASE {expr} {whens} ELSE {default} END" if whens else default


def stages_from(
    playbooks: Sequence[Playbook], number: int, alias: str = "d", *, exact: bool = False
) -> tuple[str, bool]:
    """A condition: the deal's stage is at number NUMBER or later in its playbook (or exactly it)."""
    parts = []
    for book in playbooks:
        keys = [s.key for s in book.stages if (s.number == number if exact else s.number >= number)]
        if keys:
            parts.append(f"({alias}.playbook = {lit(book.name)} AND {alias}.stage IN ({', '.join(map(lit, keys))}))")
    return ("(" + " OR ".join(parts) + ")", True) if parts else ("1 = 0", False)
