"""Read queries for a deal's progress: ticked markers, evaluation answers, and what guided prompts offer.

Plain SQL with :named parameters (the read path never imports SQLModel), like store/reads/record_reads.py.
"""

from __future__ import annotations

from typing import Any

from salesdiary.store.connection import Reader


def ticked_markers(r: Reader, deal_id: int, stage: str) -> dict[str, str]:
    """Marker key → the date it was ticked, for one stage of a deal."""
    rows = r.rows(
        "SELECT marker, checked_on FROM deal_marker WHERE deal_id = :deal AND stage = :stage",
        {"deal": deal_id, "stage": stage},
    )
    return {row["marker"]: str(row["checked_on"])[:10] for row in rows}


def evaluation_answers(r: Reader, deal_id: int) -> dict[str, dict[str, Any]]:
    """Question key → {answer, note, answered_on} for a deal's 20-question evaluation."""
    rows = r.rows(
        "SELECT question, answer, note, answered_on FROM deal_evaluation WHERE deal_id = :deal",
        {"deal": deal_id},
    )
    return {
        row["question"]: {"answer": row["answer"], "note": row["note"], "answered_on": str(row["answered_on"])[:10]}
        for row in rows
    }


def account_choices(r: Reader, limit: int = 5000) -> list[dict[str, Any]]:
    """Accounts to offer when a rep types a name: the most recently active first."""
    return r.rows(
        "SELECT a.id, a.name FROM account a"
        " ORDER BY coalesce((SELECT max(v.date) FROM visit v WHERE v.account_id = a.id), '') DESC, a.name"
        " LIMIT :limit",
        {"limit": limit},
    )


def accounts_matching(r: Reader, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Accounts whose name contains TEXT (any case), shortest names first."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return r.rows(
        "SELECT id, name, owner FROM account WHERE lower(name) LIKE :pat ESCAPE '\\'"
        " ORDER BY length(name), name LIMIT :limit",
        {"pat": f"%{escaped}%", "limit": limit},
    )


def open_deals(r: Reader, account_id: int) -> list[dict[str, Any]]:
    """An account's open deals, the most urgent next step first."""
    return r.rows(
        "SELECT id, name, playbook, stage, amount, next_step, next_step_date FROM deal"
        " WHERE account_id = :account AND status = 'open'"
        " ORDER BY next_step_date IS NULL, next_step_date, id",
        {"account": account_id},
    )


def account_contacts(r: Reader, account_id: int) -> list[dict[str, Any]]:
    """The people at an account, by name."""
    return r.rows(
        "SELECT id, name, title, role, relationship FROM contact WHERE account_id = :account ORDER BY name, id",
        {"account": account_id},
    )


def contacts_by_id(r: Reader, ids: list[int]) -> list[dict[str, Any]]:
    if not ids:
        return []
    marks = ",".join(f":c{i}" for i in range(len(ids)))
    rows = r.rows(
        f"SELECT id, name, title, role, relationship FROM contact WHERE id IN ({marks})",
        {f"c{i}": cid for i, cid in enumerate(ids)},
    )
    by_id = {int(row["id"]): row for row in rows}
    return [by_id[i] for i in ids if i in by_id]
