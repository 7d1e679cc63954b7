"""Read queries for the coach (`sd next`): a deal's people, its next follow-up, what is still owed on it, and the
open deals of a scope with the markers met in their current stage.

Plain SQL with :named parameters (the read path never imports SQLModel), like store/reads.py.
"""

from __future__ import annotations

from typing import Any

from salesdiary.store.connection import Reader
from salesdiary.store.report_queries import Scope


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


def open_deals(r: Reader, scope: Scope) -> list[dict[str, Any]]:
    """The open deals of SCOPE, with their account's name."""
    where, params = scope.deals("d")
    return r.rows(
        "SELECT d.id, d.name, d.account_id, a.name AS account, d.playbook, d.stage, d.amount, d.currency,"
        " d.next_step, d.next_step_date, d.owner FROM deal d JOIN account a ON a.id = d.account_id"
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
