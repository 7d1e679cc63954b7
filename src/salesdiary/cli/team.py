"""The manager's view of a team: `sd funnel --by owner` (the figures: Journal.pipeline_by_owner)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from salesdiary.i18n import _

if TYPE_CHECKING:
    from salesdiary.journal import Journal


def funnel_by_owner(j: Journal, chosen: str, since: Any = None) -> None:
    """`sd funnel --by owner`: one row per rep (open deals, amount, weighted amount, won and lost)."""
    rows, money = j.pipeline_by_owner(since=since)
    order = ("owner", "accounts", "open_deals", "amount", "weighted", "won", "won_amount", "lost")
    for i, row in enumerate(rows):  # the plain totals: the one currency's, the converted sum, or None for a mix
        for key in ("amount", "weighted", "won_amount"):
            row[key] = money.total(row[f"{key}_by_currency"])
        rows[i] = {**{k: row[k] for k in order}, **{k: v for k, v in row.items() if k not in order}}
    rows.sort(key=lambda x: (-(x["weighted"] or 0), -(x["amount"] or 0), x["owner"]))
    if chosen == "json":
        from salesdiary.render.data import print_json

        print_json({"by": "owner", "since": since.isoformat() if since else None, **money.describe(), "owners": rows})
        return
    if chosen == "csv":
        import csv
        import sys

        codes = list(money.currencies) if money.mixed and not money.converted else []
        fields = ["owner", "accounts", "open_deals", "amount", "weighted", "won", "won_amount", "lost"]
        fields += [f"{key}_{c}" for key in ("amount", "weighted", "won_amount") for c in codes]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            extra = {f"{key}_{c}": row[f"{key}_by_currency"].get(c, 0) for key in ("amount", "weighted", "won_amount")
                     for c in codes}  # fmt: skip
            writer.writerow({**row, **extra})
        if money.note():
            from salesdiary.render.console import message

            message(money.note() or "")
        return
    from salesdiary.render.reports import money_in
    from salesdiary.render.tables import Column, print_table

    apart = money.mixed and not money.converted
    columns = [
        Column(_("Owner"), lambda x: x["owner"], style="bold"),
        Column(_("Accounts"), lambda x: x["accounts"], justify="right"),
        Column(_("Open deals"), lambda x: x["open_deals"], justify="right"),
        Column(_("Amount"), lambda x: money_in(x["amount"], x["amount_by_currency"], apart), justify="right"),
        Column(_("Weighted"), lambda x: money_in(x["weighted"], x["weighted_by_currency"], apart), justify="right"),
        Column(_("Won"), lambda x: x["won"], justify="right"),
        Column(
            _("Won amount"), lambda x: money_in(x["won_amount"], x["won_amount_by_currency"], apart), justify="right"
        ),
        Column(_("Lost"), lambda x: x["lost"], justify="right"),
    ]
    print_table(rows, columns, title=_("Pipeline by owner"), empty=_("No accounts or deals yet."))
    if money.note():
        from salesdiary.render.console import message

        message(money.note() or "")
