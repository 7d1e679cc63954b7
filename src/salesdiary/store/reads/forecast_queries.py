"""The forecast's reads (plain SQL over the Reader, SQLite and PostgreSQL) and its one write, the snapshot.

Reads return deal rows for core/forecast.py: the deals of a period are few (those expected to close in a month or a
quarter, and those closed in it), so the figures are computed from them in Python, by one definition. The snapshot
is written through the store's transactions (store/tx.py), so it has its history and `sd undo` takes it back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from salesdiary.store.connection import Reader
from salesdiary.store.sql import scan

if TYPE_CHECKING:
    from salesdiary.core.forecast import Period
    from salesdiary.store.paths import Target
    from salesdiary.store.tx import Tx

_DEAL_COLUMNS = (
    "d.id AS id, d.name AS name, a.name AS account, d.owner AS owner, d.playbook AS playbook, d.stage AS stage,"
    " d.status AS status, d.amount AS amount, d.currency AS currency, d.expected_close AS expected_close,"
    " d.closed_on AS closed_on, d.forecast_category AS forecast_category"
)


def _owner(owner: str | None, alias: str) -> tuple[str, dict[str, Any]]:
    return (f" AND {alias}.owner = :owner", {"owner": owner}) if owner else ("", {})


def period_deals(r: Reader, period: Period, owner: str | None = None) -> list[dict[str, Any]]:
    """The open deals expected to close in PERIOD, and the deals won or lost in it (of OWNER; None: everyone's),
    largest first."""
    where, params = _owner(owner, "d")
    return r.rows(
        f"SELECT {_DEAL_COLUMNS} FROM deal d JOIN account a ON a.id = d.account_id"
        f" WHERE ((({scan(r, 'd.status')} = 'open' AND d.expected_close BETWEEN :start AND :end))"
        f" OR (d.status IN ('won', 'lost') AND d.closed_on BETWEEN :start AND :end)){where}"
        " ORDER BY d.status DESC, COALESCE(d.amount, 0) DESC, d.id",
        {"start": period.start.isoformat(), "end": period.end.isoformat(), **params},
    )


def moved_out(r: Reader, period: Period, owner: str | None = None) -> list[dict[str, Any]]:
    """Open deals a snapshot of PERIOD expected in it (open then) whose expected close is now after it, or unset."""
    where, params = _owner(owner, "d")
    return r.rows(
        f"SELECT {_DEAL_COLUMNS} FROM deal d JOIN account a ON a.id = d.account_id"
        " WHERE d.id IN (SELECT s.deal_id FROM forecast_snapshot s WHERE s.period = :period AND s.status = 'open')"
        f" AND d.status = 'open' AND (d.expected_close IS NULL OR d.expected_close > :end){where}"
        " ORDER BY COALESCE(d.amount, 0) DESC, d.id",
        {"period": period.key, "end": period.end.isoformat(), **params},
    )


def snapshots(r: Reader, period: Period, owner: str | None = None) -> list[dict[str, Any]]:
    """The rows of PERIOD's snapshots (of OWNER's deals; None: everyone's), oldest first."""
    where, params = _owner(owner, "s")
    return r.rows(
        "SELECT s.taken_on AS taken_on, s.deal_id AS deal_id, s.name AS name, s.status AS status, s.stage AS stage,"
        " s.probability AS probability, s.category AS category, s.amount AS amount, s.currency AS currency,"
        " s.expected_close AS expected_close, s.owner AS owner"
        f" FROM forecast_snapshot s WHERE s.period = :period{where} ORDER BY s.taken_on, s.id",
        {"period": period.key, **params},
    )


def snapshot_days(r: Reader, owner: str | None = None) -> list[dict[str, Any]]:
    """Every snapshot (of OWNER's deals; None: everyone's): period, day taken and how many deals, newest first."""
    where, params = _owner(owner, "s")
    return r.rows(
        "SELECT s.period AS period, s.period_start AS period_start, s.period_end AS period_end,"
        " s.taken_on AS taken_on, COUNT(*) AS deals FROM forecast_snapshot s WHERE 1 = 1"
        f"{where} GROUP BY s.period, s.period_start, s.period_end, s.taken_on ORDER BY s.taken_on DESC, s.period",
        params,
    )


def has_snapshot(r: Reader, period: Period, first: dt.date, last: dt.date, owner: str | None = None) -> bool:
    """Whether a snapshot of PERIOD (of OWNER's deals) was taken from FIRST to LAST (a week): one index seek."""
    where, params = _owner(owner, "s")
    return bool(
        r.rows(
            "SELECT 1 AS found FROM forecast_snapshot s WHERE s.period = :period"
            f" AND s.taken_on BETWEEN :first AND :last{where} LIMIT 1",
            {"period": period.key, "first": first.isoformat(), "last": last.isoformat(), **params},
        )
    )


def take_snapshot(
    tx: Tx, period: Period, rows: Sequence[dict[str, Any]], owners: Sequence[str] | None, taken_on: dt.date
) -> int:
    """Record ROWS (core.forecast.snapshot_rows) as PERIOD's snapshot of TAKEN_ON (today), replacing one taken that
    day of the same deals' owners (OWNERS; None: everyone's), each change in history. Returns how many deals it
    keeps."""
    from sqlmodel import col, select

    from salesdiary.store.models import ForecastSnapshot
    from salesdiary.store.tx import now

    if tx.team and not tx.is_manager:
        others = sorted({str(row["owner"]) for row in rows} - {tx.user})
        if others:
            from salesdiary.core.errors import Conflict
            from salesdiary.i18n import _

            raise Conflict(
                _(
                    "Deals of {owners} are in this forecast: only a manager records a snapshot of other reps' deals. "
                    "Nothing was written."
                ).format(owners=", ".join(others))
            )
    query = select(ForecastSnapshot).where(ForecastSnapshot.period == period.key, ForecastSnapshot.taken_on == taken_on)
    if owners is not None:
        query = query.where(col(ForecastSnapshot.owner).in_(list(owners)))
    for old in tx.session.exec(query).all():
        tx.delete(old)
    at = now()
    values = [
        {
            **row,
            "expected_close": None if row["expected_close"] is None else dt.date.fromisoformat(row["expected_close"]),
            "taken_on": taken_on,
            "period": period.key,
            "period_start": period.start,
            "period_end": period.end,
            "created_by": tx.user,
            "created_at": at,
        }
        for row in rows
    ]
    tx.insert_many(ForecastSnapshot, values)
    return len(values)


def writable_now(target: Target) -> bool:
    """Whether a write to TARGET would start now, without waiting: on SQLite, a journal that is read-only or that
    another program is writing to (its lock held) is not (one BEGIN IMMEDIATE that does not wait, rolled back at
    once); a database server is (its own lock timeout bounds a wait)."""
    import sqlite3

    if not target.is_sqlite_file:
        return True
    assert target.path is not None
    try:
        con = sqlite3.connect(str(target.path), timeout=0, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return True
    except sqlite3.Error:
        return False
    finally:
        con.close()
