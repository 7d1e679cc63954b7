"""The funnel's figures: what `sd funnel` and `Journal.funnel()` show, computed in one place.

The database counts and sums (store/reads/report_queries.py funnel); this module turns those sums into the report's
figures — money per currency, each stage's conversion, the coverage forecast of 《销售业务手册》 (so many qualified
accounts make one prospect, so many prospects one customer) — in the stable, JSON-ready shape that `--json`
prints and render/reports.py draws. render/ never computes a figure of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from salesdiary.core import enums

if TYPE_CHECKING:
    from salesdiary.core.currency import Rates
    from salesdiary.core.playbook import Playbook

DEFAULT_QUALIFIED_PER_PROSPECT = 15
DEFAULT_PROSPECTS_PER_CUSTOMER = 3


def conversion_pct(advanced: int, entered: int) -> float | None:
    """The share of the deals that reached a stage and got past it (or were won), in percent; None when none
    reached it."""
    return None if entered == 0 else round(100.0 * advanced / entered, 1)


def coverage_ratio(get: Callable[[str, Any], Any], key: str, default: float) -> float:
    """A coverage ratio from the config (funnel.qualified_per_prospect, funnel.prospects_per_customer): a number
    above zero, else BadInput."""
    from salesdiary.core.errors import BadInput
    from salesdiary.i18n import _

    value = get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise BadInput(_("Config {key} must be a number above zero.").format(key=key))
    return float(value)


def coverage_forecast(coverage: dict[str, int], per_prospect: float, per_customer: float) -> dict[str, Any]:
    """Accounts by information stage and what they should become: expected prospects from the qualified
    accounts, expected customers from the prospects and those expected prospects."""
    qualified = coverage.get("qualified", 0)
    prospects = coverage.get("prospect", 0)
    return {
        "leads": coverage.get("lead", 0),
        "qualified": qualified,
        "prospects": prospects,
        "customers": coverage.get("customer", 0),
        "qualified_per_prospect": per_prospect,
        "prospects_per_customer": per_customer,
        "expected_prospects": round(qualified / per_prospect, 1),
        "expected_customers": round((prospects + qualified / per_prospect) / per_customer, 1),
    }


def funnel_figures(
    raw: dict[str, Any],
    book: Playbook,
    *,
    since: dt.date | None,
    stale_days: int,
    coverage: dict[str, int] | None,
    per_prospect: float,
    per_customer: float,
    rates: Rates | None = None,
) -> dict[str, Any]:
    """The funnel for programs and people. Money: each figure per currency (`amount_by_currency`,
    `weighted_by_currency`); `amount`/`weighted` are the plain figures in `currency` — the one currency present,
    or the base one when the config's rates convert a mix — and null when currencies are mixed unconverted."""
    from salesdiary.core import currency

    plan = currency.plan(raw.get("currencies", ()), rates or currency.Rates())
    by_key = {s.key: s for s in book.stages}
    stages = []
    for row in raw["stages"]:
        stage = by_key.get(row["stage"])
        stages.append(
            {
                "stage": row["stage"],
                "number": row["number"],
                "label": str(stage.label) if stage else row["stage"],
                "probability": row["probability"],
                "deals": row["deals"],
                **_money(row, plan),
                "avg_days_in_stage": None if row["avg_days"] is None else round(row["avg_days"], 1),
                "stale": row["stale"],
                "entered": row["entered"],
                "advanced": row["advanced"],
                "conversion_pct": conversion_pct(row["advanced"], row["entered"]),
            }
        )
    t = raw["totals"]
    totals = {
        "deals": t["deals"],
        **_money(t, plan),
        "avg_days_in_stage": None if t["avg_days"] is None else round(t["avg_days"], 1),
        "stale": t["stale"],
    }
    closed = [
        {
            "status": c["status"],
            "label": enums.DEAL_STATUS.label(c["status"]),
            "deals": int(c["deals"]),
            "amount": plan.total(c["amount_by_currency"]),
            "amount_by_currency": currency.per_currency(c["amount_by_currency"]),
        }
        for c in raw["closed"]
    ]
    data: dict[str, Any] = {
        "playbook": book.name,
        "playbook_label": str(book.label),
        "since": since.isoformat() if since else None,
        "stale_days": stale_days,
        **plan.describe(),
        "stages": stages,
        "totals": totals,
        "closed": closed,
        "other_playbooks": [{"playbook": o["playbook"], "deals": int(o["deals"])} for o in raw["other_playbooks"]],
    }
    if coverage is not None:
        data["coverage"] = coverage_forecast(coverage, per_prospect, per_customer)
    return data


def _money(row: dict[str, Any], plan: Any) -> dict[str, Any]:
    """A funnel row's money for JSON (funnel_figures' docstring)."""
    from salesdiary.core.currency import per_currency

    return {
        "amount": plan.total(row["amount_by_currency"]),
        "weighted": plan.total(row["weighted_by_currency"]),
        "amount_by_currency": per_currency(row["amount_by_currency"]),
        "weighted_by_currency": per_currency(row["weighted_by_currency"]),
    }
