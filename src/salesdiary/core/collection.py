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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salesdiary.core.errors import BadInput
from salesdiary.core.text import Label
from salesdiary.core.validate import CONFIG_INT_MAX, MAX_AMOUNT
from salesdiary.i18n import N_, _

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
