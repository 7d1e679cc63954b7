"""Writes for receivables (回款): amounts due on won deals, and the payments against them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesdiary.core.errors import BadInput, Conflict, NotFound
from salesdiary.i18n import _
from salesdiary.store.models import Deal, Receivable
from salesdiary.store.tx import Tx, now

CENT = 0.005


def _receivable(tx: Tx, receivable_id: int) -> Receivable:
    found = tx.get(Receivable, receivable_id)
    if found is None:
        raise NotFound(_("There is no receivable #{id}.").format(id=receivable_id))
    return found


def add_receivable(
    tx: Tx, deal_id: int, amount: float, due: dt.date, *, note: str | None = None, owner: str | None = None
) -> int:
    """Record AMOUNT due on DUE for a won deal."""
    deal = tx.get(Deal, deal_id)
    if deal is None:
        raise NotFound(_("There is no deal #{id}.").format(id=deal_id))
    tx.check_owner(deal)  # a deal's money is its owner's (or a manager's) to record
    if deal.status != "won":
        raise Conflict(
            _("Deal #{id} {name} is {status}, not won; receivables are for won deals (sd deal won {id}).").format(
                id=deal_id, name=deal.name, status=deal.status
            )
        )
    if amount <= 0:
        raise BadInput(_("--amount: a receivable must be more than zero."))
    stamp = now()
    item = Receivable(
        deal_id=deal_id,
        amount=amount,
        due=due,
        note=note,
        owner=owner or deal.owner,
        created_by=tx.user,
        created_at=stamp,
        updated_at=stamp,
    )
    return tx.insert(item).id


def record_payment(tx: Tx, receivable_id: int, amount: float | None, on: dt.date | None) -> dict[str, Any]:
    """Record a payment (the whole outstanding amount when AMOUNT is None). Returns what is left."""
    item = _receivable(tx, receivable_id)
    outstanding = round(item.amount - item.paid_amount, 2)
    if outstanding <= CENT:
        raise Conflict(
            _("Receivable #{id} is already paid in full (on {date}).").format(
                id=receivable_id, date=item.paid_on.isoformat() if item.paid_on else "?"
            )
        )
    pay = outstanding if amount is None else amount
    if pay <= 0:
        raise BadInput(_("--amount: a payment must be more than zero."))
    if pay > outstanding + CENT:
        raise BadInput(
            _("--amount: {paid} is more than the {outstanding} still outstanding on receivable #{id}.").format(
                paid=f"{pay:,.2f}", outstanding=f"{outstanding:,.2f}", id=receivable_id
            )
        )
    paid_total = round(item.paid_amount + pay, 2)
    tx.update(item, {"paid_amount": paid_total, "paid_on": on or tx.today})
    return {"id": receivable_id, "paid": pay, "outstanding": round(item.amount - paid_total, 2)}


def remove_receivable(tx: Tx, receivable_id: int) -> None:
    tx.delete(_receivable(tx, receivable_id))
