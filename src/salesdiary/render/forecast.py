"""`sd forecast` drawn for people (a Document) and for programs (CSV rows); the figures come ready from
core/forecast.py. Money in several currencies stays apart: one row per currency, and a converted total row only
when the config's rates convert them."""

from __future__ import annotations

from typing import Any

from salesdiary.i18n import _
from salesdiary.render.document import Col, Document, Section, Table


def _money(value: float | None) -> str:
    from salesdiary.render.reports import money

    return money(value)


def _percent(value: float | None) -> str:
    from salesdiary.render.reports import percent

    return percent(value)


def _deal_money(value: float | None, code: str, data: dict[str, Any]) -> str:
    if value is None:
        return ""
    return _money(value) if len(data.get("currencies") or ()) < 2 else f"{_money(value)} {code}"


def _per_currency_rows(data: dict[str, Any], figures: list[tuple[dict[str, float], float | None]]) -> list[list[str]]:
    """One row per currency (its code, then each figure), and the converted total row when there is one."""
    rows = [[code, *(_money(per.get(code, 0.0)) for per, _total in figures)] for code in data["currencies"]]
    if data.get("converted"):
        rows.append([_("Total ({code})").format(code=data["currency"]), *(_money(total) for _per, total in figures)])
    return rows


def _cut(rows: list[dict[str, Any]], limit: int | None) -> tuple[list[dict[str, Any]], list[str]]:
    """The first LIMIT ROWS (None: all; they come largest first) and the line saying how many are left out."""
    if limit is None or len(rows) <= limit:
        return rows, []
    return rows[:limit], [
        _("{shown} of {total} shown; use --limit N or --all to see more.").format(shown=limit, total=len(rows))
    ]


def forecast_document(data: dict[str, Any], limit: int | None = None) -> Document:
    """The forecast for people; each list of deals shows at most LIMIT rows (None: all), the largest first
    (a Rich table row costs about half a millisecond: a quarter of a large team holds thousands)."""
    t = data["totals"]
    kind = _("Month") if data["kind"] == "month" else _("Quarter")
    doc = Document(
        _("Forecast · {kind} {period} ({start} – {end})").format(
            kind=kind, period=data["period"], start=data["start"], end=data["end"]
        )
    )
    if data.get("owner"):
        doc.lines.append(_("Deals of {owner}.").format(owner=data["owner"]))
    if data["ended"]:
        doc.lines.append(_("The period has ended: what is still open slipped."))

    deals = Table(
        [
            Col(_("Deal"), min_width=8, narrow="head"),
            Col(_("Account"), min_width=8),
            Col(_("Stage"), min_width=6),
            Col(_("Prob."), "right", no_wrap=True),
            Col(_("Amount"), "right", no_wrap=True, narrow="head"),
            Col(_("Weighted"), "right", no_wrap=True),
            Col(_("Category"), no_wrap=True, labelled=True),
            Col(_("Close"), no_wrap=True, labelled=True),
        ]
    )
    shown, more = _cut(data["deals"], limit)
    for d in shown:
        deals.add(
            f"#{d['id']} {d['name']}",
            d["account"],
            d["stage_label"],
            f"{d['probability']}%",
            _deal_money(d["amount"], d["currency"], data),
            _deal_money(d["weighted"], d["currency"], data),
            d["category_label"] + ("" if d["category_chosen"] else " *"),
            d["expected_close"] or "",
            style="dim" if d["category"] == "omit" else "",
        )
    doc.sections.append(
        Section(
            _("Open deals expected to close ({n})").format(n=t["deals"]),
            table=deals if data["deals"] else None,
            empty=_("No open deal is expected to close in this period."),
            after=[
                *more,
                _(
                    "Weighted = amount × the stage's win probability. * = category from the stage's probability "
                    "(commit from {commit:g}%, best case from {best:g}%); set one with sd deal edit DEAL --forecast."
                ).format(commit=data["thresholds"]["commit_from"], best=data["thresholds"]["best_case_from"]),
            ]
            if data["deals"]
            else [],
        )
    )

    summary = Table(
        [
            Col(_("Currency"), no_wrap=True, narrow="head"),
            Col(_("Open"), "right", no_wrap=True),
            Col(_("Weighted"), "right", no_wrap=True),
            Col(_("Commit"), "right", no_wrap=True),
            Col(_("Best case"), "right", no_wrap=True),
            Col(_("Won"), "right", no_wrap=True),
            Col(_("Lost"), "right", no_wrap=True),
        ]
    )
    for row in _per_currency_rows(
        data,
        [
            (t["amount_by_currency"], t["amount"]),
            (t["weighted_by_currency"], t["weighted"]),
            (t["commit_by_currency"], t["commit"]),
            (t["best_case_by_currency"], t["best_case"]),
            (t["won_by_currency"], t["won"]),
            (t["lost_by_currency"], t["lost"]),
        ],
    ):
        summary.add(*row)
    fb = data["forecast_by_currency"]
    outlook = Table(
        [
            Col(_("Currency"), no_wrap=True, narrow="head"),
            Col(_("Weighted"), "right", no_wrap=True),
            Col(_("Commit"), "right", no_wrap=True),
            Col(_("Best case"), "right", no_wrap=True),
        ]
    )
    for row in _per_currency_rows(
        data,
        [
            (fb["weighted"], data["forecast"]["weighted"]),
            (fb["commit"], data["forecast"]["commit"]),
            (fb["best_case"], data["forecast"]["best_case"]),
        ],
    ):
        outlook.add(*row)
    doc.sections.append(
        Section(
            _("Summary: {won} won, {lost} lost so far").format(won=t["won_deals"], lost=t["lost_deals"]),
            table=summary if data["currencies"] else None,
            empty=_("Nothing expected, won or lost in this period."),
        )
    )
    if data["currencies"]:
        doc.sections.append(
            Section(
                _("Forecast"),
                table=outlook,
                after=[
                    _(
                        "Weighted = won + the weighted open deals; commit = won + commit deals; "
                        "best case = won + commit + best-case deals."
                    ),
                    *([data["currency_note"]] if data.get("currency_note") else []),
                ],
            )
        )
    if data["closed"]:
        closed = Table(
            [
                Col(_("Deal"), min_width=8, narrow="head"),
                Col(_("Account"), min_width=8),
                Col(_("Status"), no_wrap=True),
                Col(_("Amount"), "right", no_wrap=True),
                Col(_("Closed"), no_wrap=True),
            ]
        )
        shown, more = _cut(data["closed"], limit)
        for c in shown:
            closed.add(
                f"#{c['id']} {c['name']}",
                c["account"],
                _("Won") if c["status"] == "won" else _("Lost"),
                _deal_money(c["amount"], c["currency"], data),
                c["closed_on"] or "",
            )
        doc.sections.append(Section(_("Won and lost in the period"), table=closed, after=more))
    if data["slipped"]:
        slipped = Table(
            [
                Col(_("Deal"), min_width=8, narrow="head"),
                Col(_("Account"), min_width=8),
                Col(_("Amount"), "right", no_wrap=True),
                Col(_("Close"), no_wrap=True),
                Col(_("Why"), min_width=10),
            ]
        )
        shown, more = _cut(data["slipped"], limit)
        for s in shown:
            slipped.add(
                f"#{s['id']} {s['name']}",
                s["account"],
                _deal_money(s["amount"], s["currency"], data),
                s["expected_close"] or "",
                _("now expected after the period") if s["why"] == "moved" else _("still open after the period"),
            )
        doc.sections.append(Section(_("Slipped ({n})").format(n=len(data["slipped"])), table=slipped, after=more))
    if data["begun"]:
        doc.sections.append(_snapshot_section(data))
    recorded = data.get("recorded")
    if recorded:
        doc.lines.append(
            _("Recorded this week's forecast snapshot ({n} deals); sd undo takes it back.").format(n=recorded["deals"])
        )
    return doc


def _snapshot_section(data: dict[str, Any]) -> Section:
    """Each snapshot's forecast beside what was won, and the accuracy (one row per currency when kept apart)."""
    table = Table(
        [
            Col(_("Taken on"), no_wrap=True, narrow="head"),
            Col(_("Currency"), no_wrap=True),
            Col(_("Weighted"), "right", no_wrap=True),
            Col(_("Commit"), "right", no_wrap=True),
            Col(_("Best case"), "right", no_wrap=True),
            Col(_("Won"), "right", no_wrap=True),
            Col(_("Accuracy"), no_wrap=True, labelled=True),
        ]
    )
    plain = not (len(data.get("currencies") or ()) > 1 and not data.get("converted"))
    for s in data["snapshots"]:
        if plain:
            acc = s["accuracy"]
            table.add(
                s["taken_on"],
                data["currency"] or "",
                _money(s["weighted"]),
                _money(s["commit"]),
                _money(s["best_case"]),
                _money(s["won"]),
                " / ".join(_percent(acc[k]) for k in ("weighted", "commit", "best_case")),
            )
            continue
        for code, acc in s["accuracy_by_currency"].items():
            table.add(
                s["taken_on"],
                code,
                _money(s["weighted_by_currency"].get(code, 0.0)),
                _money(s["commit_by_currency"].get(code, 0.0)),
                _money(s["best_case_by_currency"].get(code, 0.0)),
                _money(s["won_by_currency"].get(code, 0.0)),
                " / ".join(_percent(acc[k]) for k in ("weighted", "commit", "best_case")),
            )
    return Section(
        _("Snapshots: forecast against won"),
        table=table if data["snapshots"] else None,
        empty=_("No snapshot of this period yet (sd forecast snapshot records one)."),
        after=[_("Accuracy = won ÷ forecast: weighted / commit / best case.")] if data["snapshots"] else [],
    )


def forecast_csv_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The open deals expected in the period, one CSV row each (what `--format csv` prints)."""
    keys = ("id", "name", "account", "owner", "stage", "probability", "amount", "currency", "weighted", "category",
            "expected_close")  # fmt: skip
    rows = [{k: d[k] for k in keys} for d in data["deals"]]
    return rows or [dict.fromkeys(keys)]


def snapshot_document(taken: dict[str, Any]) -> Document:
    """A snapshot just taken: the period, the day and its deals."""
    doc = Document(_("Forecast snapshot · {period} · {day}").format(period=taken["period"], day=taken["taken_on"]))
    table = Table(
        [
            Col(_("Deal"), min_width=8, narrow="head"),
            Col(_("Status"), no_wrap=True),
            Col(_("Prob."), "right", no_wrap=True),
            Col(_("Category"), no_wrap=True),
            Col(_("Amount"), "right", no_wrap=True),
            Col(_("Currency"), no_wrap=True),
        ]
    )
    from salesdiary.core.enums import FORECAST_CATEGORY

    for d in taken["deals"]:
        table.add(
            f"#{d['deal_id']} {d['name']}",
            _("Won") if d["status"] == "won" else _("Open"),
            f"{d['probability']}%",
            _("Won") if d["category"] == "won" else FORECAST_CATEGORY.label(d["category"]),
            _money(d["amount"]),
            d["currency"],
        )
    doc.sections.append(Section(None, table=table if taken["deals"] else None, empty=_("No deal to record.")))
    return doc


def snapshots_document(rows: list[dict[str, Any]]) -> Document:
    doc = Document(_("Forecast snapshots"))
    table = Table([Col(_("Period"), no_wrap=True), Col(_("Taken on"), no_wrap=True), Col(_("Deals"), "right")])
    for r in rows:
        table.add(r["period"], r["taken_on"], r["deals"])
    doc.sections.append(
        Section(None, table=table if rows else None, empty=_("No snapshot yet (sd forecast snapshot records one)."))
    )
    return doc
