"""Read queries for the coach (`sd next`): a deal's people, its next follow-up, what is still owed on it, and the
open deals of a scope with the markers met in their current stage.

Plain SQL with :named parameters (the read path never imports SQLModel), like store/reads/record_reads.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.store.connection import Reader
    from salesdiary.store.reads.report_queries import Scope


def deal_people(r: Reader, deal_id: int) -> list[dict[str, Any]]:
    """The people of a deal with their role and stance in it, their relationship and whether they coach us."""
    return r.rows(
        "SELECT c.id, c.name, c.title, coalesce(dc.role, c.role) AS role, coalesce(dc.stance, c.stance) AS stance,"
        " c.relationship, c.coach FROM deal_contact dc JOIN contact c ON c.id = dc.contact_id"
        " WHERE dc.deal_id = :id ORDER BY c.name, c.id",
        {"id": deal_id},
    )


def next_followup(r: Reader, deal_id: int) -> dict[str, Any] | None:
    """The deal's earliest open follow-up (None without one)."""
    rows = r.rows(
        "SELECT id, due, action, kind FROM followup WHERE deal_id = :id AND done_on IS NULL ORDER BY due, id LIMIT 1",
        {"id": deal_id},
    )
    return rows[0] if rows else None


def owed(r: Reader, deal_id: int) -> float:
    """What the deal's receivables still wait for."""
    rows = r.rows(
        "SELECT coalesce(sum(amount - paid_amount), 0) AS owed FROM receivable WHERE deal_id = :id"
        " AND paid_amount < amount",
        {"id": deal_id},
    )
    return float(rows[0]["owed"] or 0) if rows else 0.0


_DEAL_COLUMNS = (
    "d.id, d.name, d.account_id, a.name AS account, d.playbook, d.stage, d.amount, d.currency,"
    " d.next_step, d.next_step_date, d.owner"
)


def agenda_deals(
    r: Reader, scope: Scope, today: dt.date, probabilities: Mapping[tuple[str, str], int], limit: int | None
) -> tuple[list[dict[str, Any]], int]:
    """The open deals of SCOPE in the agenda's order — overdue next step first (the earliest date first), then
    the weighted amount (amount × the stage's probability in PROBABILITIES) — at most LIMIT; and how many there
    are in all. Each row has `weighted`."""
    where, params = scope.deals("d")
    params = {**params, "today": today.isoformat()}
    cases = []
    for i, ((book, stage), pct) in enumerate(sorted(probabilities.items())):
        cases.append(f" WHEN d.playbook = :pb{i} AND d.stage = :st{i} THEN {int(pct)}")
        params[f"pb{i}"], params[f"st{i}"] = book, stage
    probability = f"(CASE{''.join(cases)} ELSE 0 END)" if cases else "0"
    weighted = f"coalesce(d.amount, 0) * {probability} / 100.0"
    overdue = "d.next_step_date IS NOT NULL AND d.next_step_date < :today"
    sql = (
        f"SELECT {_DEAL_COLUMNS}, {weighted} AS weighted FROM deal d JOIN account a ON a.id = d.account_id"
        f" WHERE d.status = 'open'{where}"
        f" ORDER BY CASE WHEN {overdue} THEN 0 ELSE 1 END, CASE WHEN {overdue} THEN d.next_step_date END,"
        " weighted DESC, d.id"
    )
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    rows = r.rows(sql, params)
    count_params = {k: v for k, v in params.items() if k in ("owner", "account")}
    total = r.rows(f"SELECT count(*) AS n FROM deal d WHERE d.status = 'open'{where}", count_params)[0]["n"]
    return rows, int(total)


def markers_of(r: Reader, deal_ids: Sequence[int]) -> dict[int, set[str]]:
    """Deal id → the markers met in its current stage, for DEAL_IDS."""
    out: dict[int, set[str]] = {}
    if not deal_ids:
        return out
    marks = ",".join(f":d{i}" for i in range(len(deal_ids)))
    rows = r.rows(
        "SELECT m.deal_id, m.marker FROM deal d JOIN deal_marker m ON m.deal_id = d.id AND m.stage = d.stage"
        f" WHERE d.id IN ({marks})",
        {f"d{i}": deal_id for i, deal_id in enumerate(deal_ids)},
    )
    for row in rows:
        out.setdefault(int(row["deal_id"]), set()).add(str(row["marker"]))
    return out


def open_deals(r: Reader, scope: Scope) -> list[dict[str, Any]]:
    """The open deals of SCOPE, with their account's name."""
    where, params = scope.deals("d")
    return r.rows(
        f"SELECT {_DEAL_COLUMNS} FROM deal d JOIN account a ON a.id = d.account_id"
        f" WHERE d.status = 'open'{where} ORDER BY d.id",
        params,
    )


def current_markers(r: Reader, scope: Scope) -> dict[int, set[str]]:
    """Deal id → the markers met in its current stage, for the open deals of SCOPE."""
    where, params = scope.deals("d")
    rows = r.rows(
        "SELECT m.deal_id, m.marker FROM deal d JOIN deal_marker m ON m.deal_id = d.id AND m.stage = d.stage"
        f" WHERE d.status = 'open'{where}",
        params,
    )
    out: dict[int, set[str]] = {}
    for row in rows:
        out.setdefault(int(row["deal_id"]), set()).add(str(row["marker"]))
    return out
