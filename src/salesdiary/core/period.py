"""The weekly or monthly report's figures (`sd report week|month`, Journal.report): the store's rows of the
period (store/reads/report_queries.py period_report) made into the report as `--json` prints it — the summary, the
stage moves named (new, moved, forced, reopened) and labelled, money per currency (core/currency.py).
render/reports.py period_document draws the very same dict."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.core.currency import Rates
    from salesdiary.core.playbook import StageLabel


def period_data(
    raw: dict[str, Any],
    *,
    kind: str,
    start: dt.date,
    end: dt.date,
    asof: dt.date,
    next_start: dt.date,
    next_end: dt.date,
    stage_label: StageLabel,
    rates: Rates | None = None,
) -> dict[str, Any]:
    """The weekly or monthly report. Money as in the funnel: `won_amount` and `overdue_receivable_amount` are in
    `currency` (null when currencies are mixed and not converted), with `…_by_currency` beside them; each deal
    row carries its `currency`."""
    from salesdiary.core import currency

    won = next((c for c in raw["closed_totals"] if c["status"] == "won"), None)
    won_per = won["amount_by_currency"] if won else {}
    receivable_per = raw["overdue_receivables"]["outstanding_by_currency"]
    plan = currency.plan(
        [
            *(c for t in raw["closed_totals"] for c in t["amount_by_currency"]),
            *receivable_per,
            *(m["currency"] for m in [*raw["stage_moves"], *raw["closed"]] if m["amount"] is not None),
        ],
        rates or currency.Rates(),
    )
    moves = []
    for m in raw["stage_moves"]:
        if m["from_stage"] is None:
            how = "new"
        elif m["from_stage"] == m["stage"]:
            how = "reopened"
        else:
            how = "forced" if m["forced"] else "moved"
        moves.append(
            {
                "deal_id": m["id"],
                "deal": m["name"],
                "account": m["account"],
                "amount": m["amount"],
                "currency": m["currency"],
                "date": str(m["entered_on"]),
                "from_stage": m["from_stage"],
                "from_label": stage_label(m["playbook"], m["from_stage"]) if m["from_stage"] else None,
                "to_stage": m["stage"],
                "to_label": stage_label(m["playbook"], m["stage"]),
                "how": how,
                "reason": m["reason"],
            }
        )
    plan_totals = raw["plan_totals"]
    fu = raw["followup_totals"]
    return {
        "kind": kind,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "asof": asof.isoformat(),
        "next_start": next_start.isoformat(),
        "next_end": next_end.isoformat(),
        **plan.describe(),
        "summary": {
            "new_accounts": len(raw["new_accounts"]),
            "visits": raw["visit_totals"]["visits"],
            "accounts_visited": raw["visit_totals"]["accounts"],
            "stage_moves": len(moves),
            "won": next((c["deals"] for c in raw["closed_totals"] if c["status"] == "won"), 0),
            "won_amount": plan.total(won_per),
            "won_amount_by_currency": currency.per_currency(won_per),
            "lost": next((c["deals"] for c in raw["closed_totals"] if c["status"] == "lost"), 0),
            "planned_visits": plan_totals["planned"],
            "planned_visits_done": plan_totals["planned_done"],
            "followups_due": fu["due"],
            "followups_done": fu["done"],
            "overdue": len(raw["overdue"]),
            "overdue_receivables": raw["overdue_receivables"]["receivables"],
            "overdue_receivable_amount": plan.total(receivable_per),
            "overdue_receivable_amount_by_currency": currency.per_currency(receivable_per),
        },
        "new_accounts": [
            {
                k: a[k]
                for k in (
                    "id",
                    "name",
                    "source",
                    "purchase_mode",
                    "info_stage",
                    "relation",
                    "industry",
                    "owner",
                    "reported_at",
                    "first_contact",
                )
            }
            for a in raw["new_accounts"]
        ],
        "visit_kinds": raw["visit_kinds"],
        "visits": [
            {
                "id": v["id"],
                "date": str(v["date"]),
                "kind": v["kind"],
                "account": v["account"],
                "deal": v["deal"],
                "contacts": v["contacts"],
                "purpose": v["purpose"],
                "summary": v["summary"],
                "feedback": v["feedback"],
                "next_step": v["next_step"],
                "follow_up_date": v["follow_up_date"],
            }
            for v in raw["visits"]
        ],
        "stage_moves": moves,
        "closed": [{**c, "closed_on": str(c["closed_on"])} for c in raw["closed"]],
        "plan": raw["plan"],
        "plan_totals": plan_totals,
        "next_plan": [
            {k: f[k] for k in ("id", "due", "kind", "account", "deal", "contact", "action")} for f in raw["next_plan"]
        ],
        "overdue": [
            {k: f[k] for k in ("id", "due", "days_late", "kind", "account", "deal", "contact", "action")}
            for f in raw["overdue"]
        ],
        "overdue_receivables": {
            "receivables": raw["overdue_receivables"]["receivables"],
            "outstanding": plan.total(receivable_per),
            "outstanding_by_currency": currency.per_currency(receivable_per),
        },
    }
