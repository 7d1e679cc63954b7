"""The manager's view of a team: the pipeline and the week or month per rep (used by cli/reports.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from salesdiary.i18n import _

if TYPE_CHECKING:
    from salesdiary.render.document import Document
    from salesdiary.store.connection import Reader

D = TypeVar("D", bound="Document")


def funnel_by_owner(r: Reader, chosen: str, since: Any = None) -> None:
    """`sd funnel --by owner`: one row per rep (open deals, amount, weighted amount, won and lost)."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store import report_queries as rq
    from salesdiary.store.paths import config_dir
    from salesdiary.store.team import funnel_by_owner as query

    probabilities: dict[tuple[str, str], int] = {}
    for name in rq.open_playbooks(r, rq.Scope()):
        try:
            book = load_playbook(name, config_dir())
        except SdError:
            continue  # its deals weigh 0, as the funnel of their playbook would not show them either
        probabilities.update({(book.name, s.key): s.probability for s in book.stages})
    from salesdiary.core import currency
    from salesdiary.store.paths import config_value

    rates = currency.rates(config_value)
    rows = query(r, probabilities, since.isoformat() if since else None)
    money = currency.plan(
        {c for row in rows for key in ("amount", "weighted", "won_amount") for c in row[f"{key}_by_currency"]}, rates
    )
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


def with_team_section(document: Callable[[dict[str, Any]], D]) -> Callable[[dict[str, Any]], D]:
    """DOCUMENT (period_document) with a first section "By rep" built from data["by_owner"], when there."""

    def build(data: dict[str, Any]) -> D:
        doc = document(data)
        rows = data.get("by_owner")
        if rows is None:
            return doc
        from salesdiary.render.document import Col, Section, Table
        from salesdiary.render.reports import money, money_in

        t = Table(
            [
                Col(_("Rep"), style="bold", narrow="head"),
                Col(_("New accounts"), justify="right", labelled=True),
                Col(_("Visits"), justify="right", labelled=True),
                Col(_("Won"), justify="right", labelled=True),
                Col(_("Won amount"), justify="right", labelled=True),
                Col(_("Lost"), justify="right", labelled=True),
                Col(_("Follow-ups done / due"), justify="right", labelled=True),
                Col(_("Overdue"), justify="right", labelled=True),
            ]
        )
        for row in rows:
            t.add(
                row["owner"],
                row["new_accounts"],
                row["visits"],
                row["won"],
                money(row["won_amount"])
                if row["won_amount"] is not None
                else money_in(None, row["won_amount_by_currency"], True),
                row["lost"],
                f"{row['followups_done']} / {row['followups_due']}",
                row["overdue"],
            )
        doc.sections.insert(0, Section(title=_("By rep"), table=t, empty=_("Nothing this period.")))
        return doc

    return build


def add_by_owner(r: Reader, data: dict[str, Any], q: Any) -> None:
    """Put the per-rep rows of the period of Q (a PeriodQuery) into DATA["by_owner"]."""
    import datetime as dt

    from salesdiary.core import currency
    from salesdiary.store.paths import config_value
    from salesdiary.store.team import period_by_owner

    rows = period_by_owner(
        r,
        q.start.isoformat(),
        q.end.isoformat(),
        (q.end + dt.timedelta(days=1)).isoformat(),
        q.asof.isoformat(),
    )
    money = currency.plan({c for row in rows for c in row["won_amount_by_currency"]}, currency.rates(config_value))
    for row in rows:  # a rep's won amount: the one currency's, the converted sum, or None for a mix
        row["won_amount"] = money.total(row["won_amount_by_currency"])
    data["by_owner"] = rows
