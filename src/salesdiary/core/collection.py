"""Collecting receivables: 《摧龙六式》's matrix of days overdue × amount → who acts and how.

《摧龙六式》 (第六式 跟进服务, 回收账款): 对于逾期时间短金额少的客户,财务正常催收;对于逾期时间长金额少的客户,
升级信函催收层级;对于逾期时间短金额大的客户,销售人员上门催收;对于逾期时间长金额大的客户,
销售人员应与公司协商采取特殊的收款方式。

The book names the four cells but gives no numbers, so the two thresholds are ours and
configurable::

    [collection]
    long_days = 90          # overdue this many days or more is "long"
    large_amount = 200000   # an outstanding amount this large or larger is "large"

Pure: the caller passes a config getter (the CLI passes `store.paths.config_value`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from salesdiary.core.errors import BadInput
from salesdiary.core.text import Label
from salesdiary.core.validate import CONFIG_INT_MAX, MAX_AMOUNT
from salesdiary.i18n import N_, _

if TYPE_CHECKING:
    from salesdiary.core.currency import Rates

DEFAULT_LONG_DAYS = 90
DEFAULT_LARGE_AMOUNT = 200_000.0


@dataclass(frozen=True)
class CollectionAction:
    key: str
    label: Label
    long: bool
    large: bool


# In the order the book gives them.
ACTIONS: tuple[CollectionAction, ...] = (
    CollectionAction("finance_reminder", Label(N_("Finance sends the usual reminder"), "财务正常催收"), False, False),
    CollectionAction("escalate_letters", Label(N_("Escalate the collection letters"), "升级信函催收层级"), True, False),
    CollectionAction("rep_visit", Label(N_("The rep visits to collect"), "销售人员上门催收"), False, True),
    CollectionAction(
        "special_arrangement",
        Label(N_("Agree a special way of collecting with the company"), "与公司协商采取特殊的收款方式"),
        True,
        True,
    ),
)
ACTION_BY_KEY = {a.key: a for a in ACTIONS}
URGENCY = ("special_arrangement", "rep_visit", "escalate_letters", "finance_reminder")  # how `list` orders groups


@dataclass(frozen=True)
class CollectionRules:
    long_days: int = DEFAULT_LONG_DAYS
    large_amount: float = DEFAULT_LARGE_AMOUNT

    def long_cutoff(self, today: dt.date) -> dt.date:
        """A receivable due on or before this date is overdue for a long time."""
        return today - dt.timedelta(days=self.long_days)


def rules(get: Callable[[str, Any], Any]) -> CollectionRules:
    """The thresholds from config (GET(dotted_key, default)), with our defaults."""
    long_days = get("collection.long_days", DEFAULT_LONG_DAYS)
    if isinstance(long_days, bool) or not isinstance(long_days, int) or not 1 <= long_days <= CONFIG_INT_MAX:
        raise BadInput(
            _("Config collection.long_days must be a whole number of days from 1 to {high}.").format(
                high=CONFIG_INT_MAX
            )
        )
    large = get("collection.large_amount", DEFAULT_LARGE_AMOUNT)
    if isinstance(large, bool) or not isinstance(large, int | float) or not 0 <= large <= MAX_AMOUNT:
        raise BadInput(_("Config collection.large_amount must be a non-negative amount."))
    return CollectionRules(long_days=long_days, large_amount=float(large))


def action_for(days_overdue: int, outstanding: float, r: CollectionRules) -> CollectionAction | None:
    """The book's action for a receivable this many days overdue with this much outstanding (None: not overdue)."""
    if days_overdue <= 0 or outstanding <= 0:
        return None
    long = days_overdue >= r.long_days
    large = outstanding >= r.large_amount
    for a in ACTIONS:
        if a.long == long and a.large == large:
            return a
    raise AssertionError("the matrix covers every cell")


# --- the receivables list (`sd receivable list`, Journal.receivables.find) ------------------------------


def receivables_data(
    rows: Sequence[dict[str, Any]],
    summary: dict[str, Any],
    *,
    today: dt.date,
    long_days: int,
    large_amount: float,
    rates: Rates | None = None,
) -> dict[str, Any]:
    """Receivables for programs and people. Money as in the funnel: the totals' and groups' `amount`, `paid`,
    `outstanding` are in `currency` (null when currencies are mixed and not converted), with `…_by_currency`
    beside them; each item carries its deal's `currency`."""
    from salesdiary.core import currency

    plan = currency.plan(summary["outstanding_by_currency"], rates or currency.Rates())
    items = []
    for r in rows:
        action = ACTION_BY_KEY.get(r["action"]) if r["action"] else None
        items.append(
            {
                "id": r["id"],
                "deal_id": r["deal_id"],
                "deal": r["deal"],
                "account": r["account"],
                "amount": r["amount"],
                "currency": r["currency"],
                "paid_amount": r["paid_amount"],
                "outstanding": r["outstanding"],
                "due": str(r["due"]),
                "paid_on": r["paid_on"],
                "state": r["state"],
                "days_overdue": r["days_overdue"],
                "action": r["action"],
                "action_label": str(action.label) if action else None,
                "note": r["note"],
                "owner": r["owner"],
            }
        )
    groups = []
    for g in summary["groups"]:
        action = ACTION_BY_KEY.get(g["action"]) if g["action"] else None
        per = g["outstanding_by_currency"]
        groups.append(
            {
                "state": g["state"],
                "action": g["action"],
                "receivables": g["receivables"],
                "outstanding": plan.total(per),
                "outstanding_by_currency": currency.per_currency(per),
                "action_label": str(action.label) if action else None,
            }
        )
    totals: dict[str, Any] = {"receivables": summary["receivables"]}
    for k in ("amount", "paid", "outstanding"):
        totals[k] = plan.total(summary[f"{k}_by_currency"])
    for k in ("amount", "paid", "outstanding"):
        totals[f"{k}_by_currency"] = currency.per_currency(summary[f"{k}_by_currency"])
    return {
        "today": today.isoformat(),
        "long_days": long_days,
        "large_amount": large_amount,
        **plan.describe(),
        "totals": totals,
        "groups": groups,
        "items": items,
    }
