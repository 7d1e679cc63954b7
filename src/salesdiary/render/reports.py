"""The reports drawn for people: each `*_document` function lays out the dict a report's data holds (the very
dict `--json` prints) for the terminal, Markdown or HTML, so the table and `--json` always show the same numbers.
Nothing here computes a figure: the data is made below the Python API — the funnel in core/funnel.py, the due
list in store/reads/report_queries.py due_list, the weekly and monthly report in core/period.py, the decision map in
core/decision_map.py, the receivables in core/collection.py. `funnel_csv_rows` only lays the funnel's figures out
as CSV rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from salesdiary.core import enums
from salesdiary.core.collection import ACTION_BY_KEY, URGENCY
from salesdiary.i18n import _, ngettext
from salesdiary.render.document import Col, Document, Section, Table

if TYPE_CHECKING:
    pass


# --- formatting ---------------------------------------------------------------------------------------


def money(value: float | int | None) -> str:
    if value is None:
        return ""
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.2f}"


def money_in(value: float | None, per: dict[str, float] | None, apart: bool) -> str:
    """An amount for a table: the plain figure, or (APART: currencies mixed and not converted) each currency's
    figure with its code, "1,000,000 CNY · 20,000 USD"."""
    if apart:
        parts = [f"{money(v)} {c}" for c, v in sorted((per or {}).items()) if v]
        return " · ".join(parts) if parts else money(0)
    return money(value)


def apart(data: dict[str, Any]) -> bool:
    """Whether a report's money is shown per currency: several currencies, not converted."""
    return len(data.get("currencies") or ()) > 1 and not data.get("converted")


def deal_money(value: float | None, code: str | None, data: dict[str, Any]) -> str:
    """One deal's amount in a table: with its currency when the report holds more than one."""
    if value is None or len(data.get("currencies") or ()) < 2:
        return money(value)
    return f"{money(value)} {code}"


def one_decimal(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".removesuffix(".0")


def percent(value: float | None) -> str:
    return "–" if value is None else one_decimal(value) + "%"


def late_text(section: str, days_late: int) -> str:
    if section == "overdue" or days_late > 0:
        return ngettext("{n} day late", "{n} days late", days_late).format(n=days_late)
    if days_late == 0:
        return _("today")
    return ngettext("in {n} day", "in {n} days", -days_late).format(n=-days_late)


# --- funnel -------------------------------------------------------------------------------------------


def _per_currency_cells(row: dict[str, Any], currencies: Sequence[str]) -> dict[str, Any]:
    """CSV cells amount_CNY, weighted_CNY, … of a funnel row (when several currencies are present)."""
    out: dict[str, Any] = {}
    for code in currencies:
        out[f"amount_{code}"] = (row.get("amount_by_currency") or {}).get(code, 0.0)
        if "weighted_by_currency" in row:
            out[f"weighted_{code}"] = row["weighted_by_currency"].get(code, 0.0)
    return out


def funnel_csv_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The funnel as flat rows: each stage, the total, then won/lost. Several currencies: amount and weighted are
    empty unless converted, and columns amount_CODE and weighted_CODE give each currency's figures."""
    several = data["currencies"] if len(data["currencies"]) > 1 else []
    extra = [f"{kind}_{code}" for code in several for kind in ("amount", "weighted")]
    keys = (
        "stage",
        "number",
        "label",
        "probability",
        "deals",
        "amount",
        "weighted",
        "avg_days_in_stage",
        "stale",
        "entered",
        "advanced",
        "conversion_pct",
    )
    blank = dict.fromkeys([*keys, *extra])
    rows = [{**blank, **{k: s[k] for k in keys}, **_per_currency_cells(s, several)} for s in data["stages"]]
    totals = {k: v for k, v in data["totals"].items() if k in blank}
    rows.append(
        {**blank, "stage": "total", "label": _("Total"), **totals, **_per_currency_cells(data["totals"], several)}
    )
    for c in data["closed"]:
        rows.append(
            {
                **blank,
                "stage": c["status"],
                "label": c["label"],
                "deals": c["deals"],
                "amount": c["amount"],
                **{k: v for k, v in _per_currency_cells(c, several).items() if k.startswith("amount_")},
            }
        )
    return rows


def funnel_document(data: dict[str, Any]) -> Document:
    stages = data["stages"]
    t = data["totals"]
    title = ngettext("Funnel · {playbook} · {n} open deal", "Funnel · {playbook} · {n} open deals", t["deals"]).format(
        playbook=data["playbook_label"], n=t["deals"]
    )
    doc = Document(title)
    if data["since"]:
        doc.lines.append(_("Won, lost and conversion since {date}.").format(date=data["since"]))
    table = Table(
        [
            Col(_("Stage"), min_width=10),
            Col(_("Deals"), "right", no_wrap=True),
            Col(_("Amount"), "right", no_wrap=True),
            Col(_("Weighted"), "right", no_wrap=True),
            Col(_("Days"), "right", no_wrap=True),
            Col(_("Stale"), "right", no_wrap=True),
            Col(_("Conv."), "right", no_wrap=True),
        ],
        narrow="split",
        split_at=(4,),
    )
    plan = apart(data)
    values = [float(st["amount"] or 0) for st in stages]
    if not any(values):
        values = [float(st["deals"]) for st in stages]
    biggest = max(values, default=0.0)

    def label(s: dict[str, Any]) -> str:
        return f"{s['number']}. {s['label']}" if s["number"] else s["label"]

    for s, value in zip(stages, values, strict=True):
        table.add(
            label(s),
            s["deals"],
            money_in(s["amount"], s["amount_by_currency"], plan),
            money_in(s["weighted"], s["weighted_by_currency"], plan),
            one_decimal(s["avg_days_in_stage"]) if s["deals"] else "",
            s["stale"] or ("" if not s["deals"] else "0"),
            percent(s["conversion_pct"]),
            style="dim" if not s["deals"] else "",
            bar=value / biggest if biggest else 0.0,
        )
    table.add(
        _("Total"),
        t["deals"],
        money_in(t["amount"], t["amount_by_currency"], plan),
        money_in(t["weighted"], t["weighted_by_currency"], plan),
        one_decimal(t["avg_days_in_stage"]) if t["deals"] else "",
        t["stale"],
        "",
        style="bold",
        separator=True,
    )
    for i, c in enumerate(data["closed"]):
        table.add(
            c["label"],
            c["deals"],
            money_in(c["amount"], c["amount_by_currency"], plan),
            "",
            "",
            "",
            "",
            separator=i == 0,
        )
    notes = [
        *([data["currency_note"]] if data.get("currency_note") else []),
        _("Weighted = amount × the stage's win probability. Days = average days in the stage."),
        _(
            "Stale = no visit for {n} days or more. Conv. = share of the deals that reached a stage and got past it or "
            "were won."
        ).format(n=data["stale_days"]),
    ]
    cov = data.get("coverage")
    if cov:
        notes.append(
            _(
                "Coverage (《销售业务手册》, the sales handbook: about {q} qualified leads make 1 prospect, "
                "{p} prospects make 1 customer): "
                "{qualified} qualified and {prospects} prospects ≈ {expected} new customers."
            ).format(
                q=one_decimal(cov["qualified_per_prospect"]),
                p=one_decimal(cov["prospects_per_customer"]),
                qualified=cov["qualified"],
                prospects=cov["prospects"],
                expected=one_decimal(cov["expected_customers"]),
            )
        )
    notes.extend(other_playbooks_lines(data))
    doc.sections.append(Section(table=table, after=notes))
    return doc


def other_playbooks_lines(data: dict[str, Any]) -> list[str]:
    """The open deals a funnel leaves out because they follow another playbook, and how to see them."""
    return [
        ngettext(
            "{n} more open deal follows playbook {playbook}: sd funnel --playbook {playbook}",
            "{n} more open deals follow playbook {playbook}: sd funnel --playbook {playbook}",
            o["deals"],
        ).format(n=o["deals"], playbook=o["playbook"])
        for o in data["other_playbooks"]
    ]


# --- due list and agenda --------------------------------------------------------------------------------


def due_document(data: dict[str, Any], *, days: int) -> Document:
    counts = data["counts"]
    doc = Document(_("Follow-ups due · {date}").format(date=data["today"]))
    doc.lines.append(
        _("{overdue} overdue · {today} today · {upcoming} in the next {days} days").format(days=days, **counts)
    )
    titles = {
        "overdue": _("Overdue ({n})"),
        "today": _("Today ({n})"),
        "upcoming": _("Next {days} days ({n})"),
    }
    empties = {
        "overdue": _("Nothing overdue."),
        "today": _("Nothing due today."),
        "upcoming": _("Nothing in the next {days} days.").format(days=days),
    }
    for section in ("overdue", "today", "upcoming"):
        items = [i for i in data["items"] if i["section"] == section]
        table = Table(
            [
                Col(_("ID"), "right", no_wrap=True, style="dim", narrow="head"),
                Col(_("When"), no_wrap=True, style="red" if section == "overdue" else "", narrow="head"),
                Col(_("Account"), style="bold", min_width=8, narrow="head"),
                Col(_("Deal"), min_width=8),
                Col(_("Contact"), min_width=6),
                Col(_("What to do"), min_width=16),
            ]
        )
        for i in items:
            when = late_text(section, i["days_late"])
            table.add(i["id"], when, i["account"], i["deal"], i["contact"], i["action"])
        after = []
        shown, total = len(items), counts.get(section, 0)
        if total > shown:
            after.append(
                _("{shown} of {total} shown; use --limit N or --all to see more.").format(shown=shown, total=total)
            )
        doc.sections.append(
            Section(
                title=titles[section].format(n=total, days=days),
                table=table,
                empty=empties[section] if total == 0 else None,
                after=after,
            )
        )
    return doc


def _weekday(iso: str) -> str:
    names = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
    return names[dt.date.fromisoformat(iso[:10]).weekday()]


def agenda_document(data: dict[str, Any]) -> Document:
    day = dt.date.fromisoformat(data["date"])
    doc = Document(_("Today · {weekday} {date}").format(weekday=_weekday(data["date"]), date=day.isoformat()))
    table = Table(
        [
            Col(_("ID"), "right", no_wrap=True, style="dim", narrow="head"),
            Col(_("Kind"), no_wrap=True, narrow="head"),
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Deal"), min_width=8),
            Col(_("Contact"), min_width=6),
            Col(_("What to do"), min_width=16),
            Col(_("Done"), no_wrap=True, narrow="head"),
        ]
    )
    for f in data["followups"]:
        table.add(
            f["id"],
            enums.FOLLOWUP_KIND.label(f["kind"]),
            f["account"],
            f["deal"],
            f["contact"],
            f["action"],
            "✓" if f.get("done_on") else "",
        )
    doc.sections.append(
        Section(
            title=_("Follow-ups and planned visits ({n})").format(n=len(data["followups"])),
            table=table,
            empty=_("Nothing planned for today."),
        )
    )
    visits = Table(
        [
            Col(_("ID"), "right", no_wrap=True, style="dim", narrow="head"),
            Col(_("Activity"), no_wrap=True, narrow="head"),
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Deal"), min_width=8),
            Col(_("Met"), min_width=6),
            Col(_("What happened"), min_width=16),
        ]
    )
    for v in data["visits"]:
        visits.add(
            v["id"],
            enums.VISIT_KIND.label(v["kind"]),
            v["account"],
            v["deal"],
            ", ".join(v["contacts"]),
            v["summary"] or v["purpose"],
        )
    doc.sections.append(
        Section(title=_("Logged today ({n})").format(n=len(data["visits"])), table=visits, empty=_("No visit yet."))
    )
    if data["overdue"]:
        doc.sections.append(
            Section(
                lines=[
                    ngettext(
                        "{n} follow-up is overdue: sd due", "{n} follow-ups are overdue: sd due", data["overdue"]
                    ).format(n=data["overdue"])
                ]
            )
        )
    return doc


# --- health ---------------------------------------------------------------------------------------------


def check_document(findings: Sequence[Any], *, per_rule: int | None, checked: int, counts: dict[str, int]) -> Document:
    """The findings by rule, PER_RULE of each at most (FINDINGS may hold only those); COUNTS gives each rule's
    total."""
    n = sum(counts.values())
    if n == 0:
        title = _("Pipeline health · no findings ({rules} rules checked)").format(rules=checked)
    else:
        title = ngettext("Pipeline health · {n} finding", "Pipeline health · {n} findings", n).format(n=n)
    doc = Document(title)
    by_rule: dict[str, list[Any]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    for rule, items in by_rule.items():
        first = items[0]
        deal_rule, plan_rule = first.entity == "deal", first.entity == "plan"  # a plan: no record, no ID
        cols = [] if plan_rule else [Col(_("ID"), "right", no_wrap=True, style="dim", narrow="head")]
        named = _("Deal") if deal_rule else _("Plan") if plan_rule else _("Account")
        cols.append(Col(named, style="bold", min_width=8, narrow="head"))
        if deal_rule:
            cols.append(Col(_("Account"), min_width=8, narrow="head"))
        cols.append(Col(_("Finding"), min_width=30))
        table = Table(cols)
        shown = items if per_rule is None else items[:per_rule]
        total = counts[rule]
        for f in shown:
            cells = ([] if plan_rule else [f.record_id]) + [f.name] + ([f.account] if deal_rule else []) + [f.detail]
            table.add(*cells)
        after = []
        if len(shown) < total:
            after.append(
                _("{shown} of {total} shown; use --rule {rule} --all to see them all.").format(
                    shown=len(shown), total=total, rule=rule
                )
            )
        doc.sections.append(
            Section(
                title=f"{first.rule_name} ({total})",
                lead=first.action,
                table=table,
                after=after,
            )
        )
    return doc


# --- decision map ---------------------------------------------------------------------------------------


def _person_line(p: dict[str, Any]) -> Any:
    from rich.text import Text

    line = Text()
    line.append(p["name"], style="bold")
    if p["title"]:
        line.append(f" {p['title']}")
    if p["coach"]:
        line.append(" ★" + _("coach"), style="green")
    facts = [
        enums.ROLE.label(p["role"]) or _("role?"),
        enums.STANCE.label(p["stance"]) or _("stance?"),
        enums.RELATIONSHIP.label(p["relationship"]) or _("relationship?"),
    ]
    if p["style"]:
        facts.append(enums.STYLE.label(p["style"]))
    stance_style = {"supporter": "green", "opponent": "red", "non_supporter": "yellow"}.get(p["stance"] or "", "")
    line.append("\n")
    line.append(" · ".join(facts[:1]))
    line.append(" · ")
    line.append(facts[1], style=stance_style)
    line.append(" · " + " · ".join(facts[2:]))
    return line


def map_document(data: dict[str, Any], *, for_deal: bool) -> Document:
    from rich.tree import Tree

    a = data["account"]
    doc = Document(_("Decision map · {name}").format(name=a["name"]))
    doc.lines.append(
        _("Company relationship {grade} · {stage}").format(
            grade=a["relation"] or "–", stage=enums.INFO_STAGE.label(a["info_stage"]) or "–"
        )
    )
    root = Tree(a["name"], guide_style="dim", hide_root=True)

    def add(branch: Any, people: list[dict[str, Any]]) -> None:
        for p in people:
            add(branch.add(_person_line(p)), p["reports"])

    add(root, data["contacts"])
    if data["contacts"]:
        doc.sections.append(Section(renderable=root))
    else:
        doc.sections.append(
            Section(lines=[_("No contacts yet: sd contact add NAME --account {id}").format(id=a["id"])])
        )
    if data["deals"]:
        lines = []
        for d in data["deals"]:
            unknown = ", ".join(enums.ROLE.label(r) for r in d["unknown_roles"]) or _("none")
            lines.append(
                _("#{id} {name} ({stage}): roles still unknown: {roles}").format(
                    id=d["id"], name=d["name"], stage=d["stage_label"], roles=unknown
                )
            )
        doc.sections.append(Section(title=_("Deal") if for_deal else _("Open deals"), lines=lines))
    return doc


# --- weekly / monthly report ----------------------------------------------------------------------------


def period_document(data: dict[str, Any]) -> Document:
    s = data["summary"]
    weekly = data["kind"] == "week"
    title = (_("Weekly report · {start} – {end}") if weekly else _("Monthly report · {start} – {end}")).format(
        start=data["start"], end=data["end"]
    )
    doc = Document(title)
    doc.lines.append(
        " · ".join(
            [
                ngettext("{n} new account", "{n} new accounts", s["new_accounts"]).format(n=s["new_accounts"]),
                ngettext("{n} visit", "{n} visits", s["visits"]).format(n=s["visits"])
                + " "
                + ngettext("at {n} account", "at {n} accounts", s["accounts_visited"]).format(n=s["accounts_visited"]),
                ngettext("{n} stage move", "{n} stage moves", s["stage_moves"]).format(n=s["stage_moves"]),
                _("{n} won ({amount})").format(
                    n=s["won"], amount=money_in(s["won_amount"], s["won_amount_by_currency"], apart(data))
                ),
                _("{n} lost").format(n=s["lost"]),
            ]
        )
    )
    doc.lines.append(
        _("Plan: {done} of {planned} planned visits done; {fdone} of {fdue} follow-ups due were done.").format(
            done=s["planned_visits_done"],
            planned=s["planned_visits"],
            fdone=s["followups_done"],
            fdue=s["followups_due"],
        )
    )
    if data.get("currency_note"):
        doc.lines.append(data["currency_note"])

    # 1. New accounts (《销售业务手册》 table 3)
    t = Table(
        [
            Col(_("Reported"), no_wrap=True, narrow="head"),
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Source"), min_width=6, labelled=True),
            Col(_("Mode"), min_width=6, labelled=True),
            Col(_("Stage"), min_width=6, labelled=True),
            Col(_("Contact"), min_width=6),
        ]
    )
    for a in data["new_accounts"]:
        t.add(
            a["reported_at"],
            a["name"],
            enums.SOURCE.label(a["source"]),
            enums.PURCHASE_MODE.label(a["purchase_mode"]),
            enums.INFO_STAGE.label(a["info_stage"]),
            a["first_contact"],
        )
    doc.sections.append(
        Section(title=_("New accounts ({n})").format(n=s["new_accounts"]), table=t, empty=_("No new accounts."))
    )

    # 2. Visits
    t = Table(
        [
            Col(_("Date"), no_wrap=True, narrow="head"),
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Deal"), min_width=8),
            Col(_("Activity"), min_width=6, narrow="head"),
            Col(_("Met"), min_width=6),
            Col(_("What happened"), min_width=16),
        ]
    )
    for v in data["visits"]:
        t.add(
            v["date"],
            v["account"],
            v["deal"],
            enums.VISIT_KIND.label(v["kind"]),
            ", ".join(v["contacts"]),
            v["summary"] or v["purpose"],
        )
    kinds = " · ".join(f"{enums.VISIT_KIND.label(k['kind'])} {k['visits']}" for k in data["visit_kinds"])
    doc.sections.append(
        Section(
            title=_("Visits ({n})").format(n=s["visits"]),
            lines=[kinds] if kinds else [],
            table=t,
            empty=_("No visits logged."),
        )
    )

    # 3. Deals that moved
    t = Table(
        [
            Col(_("Date"), no_wrap=True, narrow="head"),
            Col(_("Deal"), style="bold", min_width=8, narrow="head"),
            Col(_("Account"), min_width=8),
            Col(_("Move"), min_width=20),
            Col(_("Amount"), "right", no_wrap=True, narrow="head"),
        ]
    )
    for m in data["stage_moves"]:
        if m["how"] == "new":
            move = _("new at {stage}").format(stage=m["to_label"])
        elif m["how"] == "reopened":
            move = _("reopened at {stage}").format(stage=m["to_label"])
        else:
            move = f"{m['from_label']} → {m['to_label']}"
            if m["how"] == "forced":
                move += " " + _("(forced: {reason})").format(reason=m["reason"] or "–")
        t.add(m["date"], m["deal"], m["account"], move, deal_money(m["amount"], m["currency"], data))
    for c in data["closed"]:
        status = enums.DEAL_STATUS.label(c["status"])
        move = status + (f" ({c['loss_reason']})" if c.get("loss_reason") else "")
        t.add(c["closed_on"], c["name"], c["account"], move, deal_money(c["amount"], c["currency"], data))
    doc.sections.append(
        Section(
            title=_("Deals that moved ({n})").format(n=len(data["stage_moves"]) + len(data["closed"])),
            table=t,
            empty=_("No deal changed stage."),
        )
    )

    # 4. Plan versus actual (《销售业务手册》 table 4)
    t = Table(
        [
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Planned"), "right", no_wrap=True, narrow="head"),
            Col(_("Done"), "right", no_wrap=True, narrow="head"),
            Col(_("Visits"), "right", no_wrap=True, narrow="head"),
        ]
    )
    for p in data["plan"]:
        t.add(p["account"], p["planned"], p["planned_done"], p["visits"])
    pt = data["plan_totals"]
    if data["plan"]:
        t.add(_("Total"), pt["planned"], pt["planned_done"], pt["visits"], style="bold", separator=True)
    doc.sections.append(
        Section(
            title=_("Plan versus actual"),
            table=t,
            empty=_("No visits planned or logged."),
            after=[
                _(
                    "Planned = follow-ups of kind visit due in the period; Done = those marked done; "
                    "Visits = activities logged."
                )
            ],
        )
    )

    # 5. Next period's plan
    t = Table(
        [
            Col(_("Due"), no_wrap=True, narrow="head"),
            Col(_("Kind"), no_wrap=True, narrow="head"),
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Deal"), min_width=8),
            Col(_("Contact"), min_width=6),
            Col(_("What to do"), min_width=16),
        ]
    )
    for f in data["next_plan"]:
        t.add(str(f["due"]), enums.FOLLOWUP_KIND.label(f["kind"]), f["account"], f["deal"], f["contact"], f["action"])
    doc.sections.append(
        Section(
            title=(
                _("Plan for next week ({start} – {end})") if weekly else _("Plan for next month ({start} – {end})")
            ).format(start=data["next_start"], end=data["next_end"]),
            table=t,
            empty=_("Nothing planned yet: sd followup add … --kind visit"),
        )
    )

    # 6. Overdue
    t = Table(
        [
            Col(_("Late"), no_wrap=True, style="red", narrow="head"),
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Deal"), min_width=8),
            Col(_("Contact"), min_width=6),
            Col(_("What to do"), min_width=16),
        ]
    )
    for f in data["overdue"]:
        t.add(late_text("overdue", f["days_late"]), f["account"], f["deal"], f["contact"], f["action"])
    after = []
    rec = data["overdue_receivables"]
    if rec["receivables"]:
        after.append(
            ngettext(
                "{n} receivable overdue, {amount} outstanding: sd receivable list",
                "{n} receivables overdue, {amount} outstanding: sd receivable list",
                rec["receivables"],
            ).format(
                n=rec["receivables"], amount=money_in(rec["outstanding"], rec["outstanding_by_currency"], apart(data))
            )
        )
    doc.sections.append(
        Section(
            title=_("Overdue on {date} ({n})").format(date=data["asof"], n=len(data["overdue"])),
            table=t,
            empty=_("Nothing overdue."),
            after=after,
        )
    )
    if data.get("by_owner") is not None:  # the team's report: the reps first, as the Monday meeting reads it
        doc.sections[0:0] = team_sections(data)
    return doc


def _amount(value: float | None, per: dict[str, float] | None) -> str:
    """An amount of a rep's row: the figure, or each currency's when they are mixed and not converted."""
    return money(value) if value is not None else money_in(None, per, True)


def team_sections(data: dict[str, Any]) -> list[Section]:
    """The team's report's sections: the period per rep (data["by_owner"]) and the pipeline per rep
    (data["pipeline_by_owner"])."""
    t = Table(
        [
            Col(_("Rep"), style="bold", narrow="head"),
            Col(_("New accounts"), justify="right", labelled=True),
            Col(_("Visits"), justify="right", labelled=True),
            Col(_("Accounts visited"), justify="right", labelled=True),
            Col(_("New deals"), justify="right", labelled=True),
            Col(_("Stage moves"), justify="right", labelled=True),
            Col(_("Won"), justify="right", labelled=True),
            Col(_("Won amount"), justify="right", labelled=True),
            Col(_("Lost"), justify="right", labelled=True),
            Col(_("Weighted pipeline"), justify="right", labelled=True),
            Col(_("Follow-ups done / due"), justify="right", labelled=True),
            Col(_("Overdue"), justify="right", labelled=True),
        ]
    )
    for row in data["by_owner"]:
        t.add(
            row["owner"],
            row["new_accounts"],
            row["visits"],
            row["accounts_visited"],
            row["new_deals"],
            row["stage_moves"],
            row["won"],
            _amount(row["won_amount"], row["won_amount_by_currency"]),
            row["lost"],
            _amount(row["weighted"], row["weighted_by_currency"]),
            f"{row['followups_done']} / {row['followups_due']}",
            row["overdue"],
        )
    p = Table(
        [
            Col(_("Rep"), style="bold", narrow="head"),
            Col(_("Open deals"), justify="right", labelled=True),
            Col(_("Amount"), justify="right", labelled=True),
            Col(_("Weighted"), justify="right", labelled=True),
            Col(_("Won"), justify="right", labelled=True),
            Col(_("Won amount"), justify="right", labelled=True),
            Col(_("Lost"), justify="right", labelled=True),
        ]
    )
    for row in data.get("pipeline_by_owner") or []:
        p.add(
            row["owner"],
            row["open_deals"],
            _amount(row["amount"], row["amount_by_currency"]),
            _amount(row["weighted"], row["weighted_by_currency"]),
            row["won"],
            _amount(row["won_amount"], row["won_amount_by_currency"]),
            row["lost"],
        )
    return [
        Section(title=_("By rep"), table=t, empty=_("Nothing this period.")),
        Section(
            title=_("Pipeline by rep"),
            table=p,
            empty=_("No open deals."),
            after=[
                _("Open deals as of today; won and lost in the period. Weighted = amount × the stage's probability.")
            ],
        ),
    ]


# --- receivables ----------------------------------------------------------------------------------------


def receivables_document(data: dict[str, Any], *, shown_all: bool) -> Document:
    tot = data["totals"]
    doc = Document(
        _("Receivables · {n} · {outstanding} outstanding").format(
            n=tot["receivables"], outstanding=money_in(tot["outstanding"], tot["outstanding_by_currency"], apart(data))
        )
    )
    if data.get("currency_note"):
        doc.lines.append(data["currency_note"])
    doc.lines.append(
        _("The Six-step method's matrix: overdue {days} days or more is long; {amount} or more is large.").format(
            days=data["long_days"], amount=money(data["large_amount"])
        )
    )
    group_totals = {(g["state"], g["action"]): g for g in data["groups"]}

    def table(days: bool) -> Table:
        cols = [
            Col(_("ID"), "right", no_wrap=True, style="dim", narrow="head"),
            Col(_("Account"), style="bold", min_width=8, narrow="head"),
            Col(_("Deal"), min_width=8),
            Col(_("Outstanding"), "right", no_wrap=True, narrow="head"),
            Col(_("Due"), no_wrap=True, narrow="head"),
        ]
        if days:
            cols.append(Col(_("Late"), "right", no_wrap=True, style="red", narrow="head"))
        return Table(cols)

    for key in URGENCY:
        items = [i for i in data["items"] if i["state"] == "overdue" and i["action"] == key]
        g = group_totals.get(("overdue", key))
        if not g:
            continue
        t = table(True)
        for i in items:
            t.add(
                i["id"],
                i["account"],
                i["deal"],
                deal_money(i["outstanding"], i["currency"], data),
                i["due"],
                ngettext("{n} day", "{n} days", i["days_overdue"]).format(n=i["days_overdue"]),
            )
        doc.sections.append(
            Section(
                title=f"{ACTION_BY_KEY[key].label} ({g['receivables']} · {_group_money(g, data)})",
                table=t,
                after=_more(len(items), g["receivables"], shown_all),
            )
        )
    for state, title in (("due", _("Not yet due")), ("paid", _("Paid"))):
        g = group_totals.get((state, None))
        if not g:
            continue
        items = [i for i in data["items"] if i["state"] == state]
        t = table(False)
        for i in items:
            t.add(
                i["id"],
                i["account"],
                i["deal"],
                deal_money(i["outstanding"] if state == "due" else i["paid_amount"], i["currency"], data),
                i["due"],
            )
        doc.sections.append(
            Section(
                title=f"{title} ({g['receivables']} · {_group_money(g, data)})",
                table=t,
                after=_more(len(items), g["receivables"], shown_all),
            )
        )
    if not data["groups"]:
        doc.sections.append(
            Section(lines=[_("No receivables here. Add one with: sd receivable add DEAL --amount N --due DATE")])
        )
    return doc


def _group_money(group: dict[str, Any], data: dict[str, Any]) -> str:
    return money_in(group["outstanding"], group["outstanding_by_currency"], apart(data))


def _more(shown: int, total: int, shown_all: bool) -> list[str]:
    if shown < total and not shown_all:
        return [_("{shown} of {total} shown; use --limit N or --all to see more.").format(shown=shown, total=total)]
    return []


def period_text(data: dict[str, Any], fmt: str) -> str:
    """The weekly or monthly report DATA as a file's text: "json", "markdown", "html" or "text" (the terminal's
    tables, 110 columns, no colour). No control character from a stored name reaches a terminal or a mail."""
    from salesdiary.core.validate import visible

    if fmt == "json":
        from salesdiary.render.data import dumps

        return dumps(data) + "\n"
    if fmt == "markdown":
        from salesdiary.render.document import to_markdown

        return visible(to_markdown(period_document(data)))
    if fmt == "html":
        from salesdiary.i18n import current_language
        from salesdiary.render.html import period_html

        return visible(period_html(data, lang=current_language()))
    import io

    from rich.console import Console

    from salesdiary.render.document import print_document

    buffer = io.StringIO()
    console = Console(file=buffer, width=110, no_color=True, highlight=False, emoji=False)
    print_document(period_document(data), console)
    return buffer.getvalue()
