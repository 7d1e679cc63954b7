"""sd funnel, due/overdue, today, check, map, report: what the rep and the manager look at every day."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from salesdiary.cli.common import AllOpt, JsonOpt
from salesdiary.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from collections.abc import Callable

    from salesdiary.core.playbook import Playbook

OwnerOpt = typer.Option(
    None, "--owner", help=N_("Whose records: a rep's name, me or all (default: yours in a team database).")
)


def register(root: typer.Typer) -> None:
    root.command("funnel")(funnel)
    root.command("due")(due)
    root.command("overdue", help=N_("Same as sd due."))(due)
    root.command("today")(today)
    root.command("check")(check)
    root.command("map")(decision_map)
    root.command("report")(report)


# --- shared ------------------------------------------------------------------------------------------------


def _stage_labeller(books: dict[str, Playbook]) -> Any:
    """(playbook, stage key) → "3. 客户分析" (salesdiary.journal.stage_labeller)."""
    from salesdiary.journal import stage_labeller

    return stage_labeller(books)


class _Renderer:
    """render_ready(), started by the journal when a report's long queries start (Journal's on_query): Rich's
    imports then run while the database works, not while this thread still reads the config and the playbook
    (two threads of Python work only take turns). join() waits for it before drawing."""

    def __init__(self, wanted: bool) -> None:
        self.wanted = wanted
        self.join: Any = lambda: None

    def start(self) -> None:
        from salesdiary.cli.common import render_ready

        self.join = render_ready(self.wanted)


def _html_ready() -> Callable[[], None]:
    from salesdiary.render.html import ready

    return ready()


def _format(fmt: str | None, as_json: bool, allowed: tuple[str, ...]) -> str:
    from salesdiary.core.errors import BadInput

    chosen = "json" if as_json else (fmt or allowed[0]).strip().lower()
    if chosen not in allowed:
        raise BadInput(_("--format must be one of: {choices}.").format(choices=", ".join(allowed)))
    return chosen


def _write_text(path: str, text: str) -> None:
    """Write TEXT to PATH whole or not at all, private (render/writers.output_file), or to stdout for - (as
    writers.write_file does, without importing the exports' writers for it: ≈ 5 ms of a report)."""
    if path == "-":
        import sys

        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from salesdiary.render.writers import write_file

    write_file(path, text)


# --- funnel ------------------------------------------------------------------------------------------------


def funnel(
    owner: str = OwnerOpt,
    playbook: str = typer.Option(None, "--playbook", help=N_("Playbook whose stages to show (default from config).")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account's deals.")),
    since: str = typer.Option(None, "--since", help=N_("Conversion, won and lost from this date (default: all).")),
    as_json: bool = JsonOpt,
    fmt: str = typer.Option(None, "--format", help=N_("table, json, csv or html.")),
    by: str = typer.Option(None, "--by", help=N_("owner: the team's pipeline, one row per rep.")),
) -> None:
    """The pipeline by stage: deals, amount, weighted amount, days in stage, stale deals and conversion."""
    from salesdiary.cli.common import journal, parse_date_opt
    from salesdiary.render.reports import funnel_csv_rows, funnel_document

    chosen = _format(fmt, as_json, ("table", "json", "csv", "html"))
    renderer = _Renderer(chosen == "table")
    if chosen == "html":  # Jinja2's imports while the database works, as Rich's for the table
        renderer.start = lambda: setattr(renderer, "join", _html_ready())  # type: ignore[method-assign]
    j = journal(on_query=renderer.start)
    if by is not None:
        from salesdiary.cli.team import funnel_by_owner
        from salesdiary.core.errors import BadInput

        if by.strip().lower() not in ("owner", "rep", "负责人"):
            raise BadInput(_("--by can only be owner."))
        if chosen == "html":
            raise BadInput(_("--by owner shows a table, json or csv."))
        funnel_by_owner(j, chosen, parse_date_opt(since, "--since"))
        return
    start = parse_date_opt(since, "--since")
    data = j.funnel(owner=owner, playbook=playbook, account=account, since=start).data
    if chosen == "json":
        from salesdiary.render.data import print_json

        print_json(data)
    elif chosen == "csv":
        from salesdiary.render.console import message
        from salesdiary.render.reports import other_playbooks_lines

        _print_csv(funnel_csv_rows(data))
        for line in [*([data["currency_note"]] if data["currency_note"] else []), *other_playbooks_lines(data)]:
            message(line)  # on stderr: the rows stay data
    elif chosen == "html":
        renderer.join()
        from salesdiary.i18n import current_language
        from salesdiary.render.html import funnel_html

        _write_text("-", funnel_html(data, lang=current_language()))
    else:
        renderer.join()
        from salesdiary.render.document import print_document

        print_document(funnel_document(data))


def _print_csv(rows: list[dict[str, Any]]) -> None:
    import csv
    import sys

    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    sys.stdout.flush()


# --- due / overdue / today -------------------------------------------------------------------------------


def due(
    days: int = typer.Option(7, "--days", min=0, max=3660, help=N_("Also show what is due in the next N days.")),
    owner: str = OwnerOpt,
    ics: str = typer.Option(None, "--ics", help=N_("Write the follow-ups to this iCalendar file (- for stdout).")),
    as_json: bool = JsonOpt,
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=2**31 - 1, help=N_("Show at most N rows.")),
    show_all: bool = AllOpt,
) -> None:
    """Follow-ups: overdue first (most days late, then largest deal), then today's, then the next days."""
    from salesdiary.cli.common import journal, limit_of

    data = journal().due(days, owner=owner, limit=None if ics else limit_of(limit, show_all)).data
    if ics:
        _write_ics(ics, data)
        return
    if as_json:
        from salesdiary.render.data import print_json

        print_json(data)
        return
    from salesdiary.render.document import print_document
    from salesdiary.render.reports import due_document

    print_document(due_document(data, days=days))


def _write_ics(path: str, data: dict[str, Any]) -> None:
    import datetime as dt

    from salesdiary.cli.common import output_path

    path = output_path(path) or "-"

    from salesdiary.render.console import success
    from salesdiary.render.ics import Event, calendar

    events = []
    for i in data["items"]:
        where = " · ".join(x for x in (i["account"], i["deal"]) if x)
        details = [
            x
            for x in (
                _("Account: {name}").format(name=i["account"]),
                _("Deal: {name}").format(name=i["deal"]) if i["deal"] else "",
                _("Contact: {name}").format(name=i["contact"]) if i["contact"] else "",
                _("Mark it done: sd followup done {id}").format(id=i["id"]),
            )
            if x
        ]
        events.append(
            Event(
                uid=f"followup-{i['id']}@salesdiary",
                day=dt.date.fromisoformat(i["due"][:10]),
                summary=f"{i['action']} — {where}",
                description="\n".join(details),
                categories=i["kind"] or "",
            )
        )
    _write_text(path, calendar(events, name=_("sd follow-ups"), stamp=dt.datetime.now(dt.UTC)))
    if path != "-":
        success(
            ngettext("Wrote {n} follow-up to {path}.", "Wrote {n} follow-ups to {path}.", len(events)).format(
                n=len(events), path=path
            )
        )


def today(
    owner: str = OwnerOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Today's agenda: follow-ups and planned visits due today, and what you have logged."""
    from salesdiary.cli.common import journal
    from salesdiary.render.reports import agenda_document

    data = journal().agenda(owner=owner).as_json()
    if as_json:
        from salesdiary.render.data import print_json

        print_json(data)
        return
    from salesdiary.render.document import print_document

    print_document(agenda_document(data))


# --- check -------------------------------------------------------------------------------------------------


def check(
    owner: str = OwnerOpt,
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account.")),
    rule: list[str] = typer.Option(None, "--rule", help=N_("Only this rule (repeat for several).")),
    as_json: bool = JsonOpt,
    limit: int = typer.Option(5, "--limit", "-n", min=1, max=2**31 - 1, help=N_("Show at most N findings per rule.")),
    show_all: bool = AllOpt,
) -> None:
    """Pipeline health: every rule of the method, each finding with the suggested action. Exit 1 on findings."""
    from salesdiary.cli.common import journal, limit_of
    from salesdiary.render.console import warning

    per_rule = limit_of(limit, show_all)
    renderer = _Renderer(not as_json)
    found = journal(on_query=renderer.start).check(owner=owner, account=account, rules=rule or None, per_rule=per_rule)
    for line in found.warnings:
        warning(line)
    if as_json:
        from salesdiary.render.data import print_json_rows

        print_json_rows(found.as_json())
        total = sum(found.counts.values())
        if len(found.findings) < total:
            from salesdiary.render.console import message

            message(
                _("{shown} of {total} findings written ({limit} per rule); --all writes them all.").format(
                    shown=len(found.findings), total=total, limit=per_rule
                )
            )
    else:
        renderer.join()
        from salesdiary.render.document import print_document
        from salesdiary.render.reports import check_document

        print_document(check_document(found.findings, per_rule=per_rule, checked=len(found.rules), counts=found.counts))
    if found.found:  # a rule found something, shown or not
        raise typer.Exit(1)


# --- map ---------------------------------------------------------------------------------------------------


def decision_map(
    account: str = typer.Argument(..., help=N_("Account id or name.")),
    deal: str = typer.Option(None, "--deal", "-D", help=N_("Show roles and stances in this deal.")),
    as_json: bool = JsonOpt,
) -> None:
    """The decision map: the account's people as a tree by reports-to, and the roles still unknown."""
    from salesdiary.cli.common import journal
    from salesdiary.render.reports import map_document

    found = journal().decision_map(account, deal=deal)
    data = found.as_json()
    if as_json:
        from salesdiary.render.data import print_json

        print_json(data)
        return
    from salesdiary.render.document import print_document

    print_document(map_document(data, for_deal=found.deal_id is not None))


# --- periodic report ---------------------------------------------------------------------------------------


def report(
    period: str = typer.Argument(..., help=N_("week or month (周报 / 月报).")),
    on: str = typer.Option(None, "--date", help=N_("A day in the week or month to report (default today).")),
    owner: str = OwnerOpt,
    fmt: str = typer.Option(None, "--format", help=N_("text, markdown, html or json.")),
    as_json: bool = JsonOpt,
    output: str = typer.Option(None, "--output", "-o", help=N_("Write the report to this file.")),
) -> None:
    """The weekly or monthly report: new accounts, visits, deals that moved, plan versus actual, next plan."""
    from salesdiary.cli.common import journal, output_path, parse_date_opt, today
    from salesdiary.core.errors import BadInput
    from salesdiary.journal import PERIODS

    if PERIODS.get(period.strip().lower()) is None:  # before the other options: the first thing typed
        raise BadInput(_("The period must be week or month, not {period!r}.").format(period=period))
    chosen = _format(fmt, as_json, ("text", "markdown", "html", "json"))
    day = parse_date_opt(on, "--date")
    path = output_path(output)
    waits: list[Callable[[], None]] = []
    j = journal(on_query=(lambda: waits.append(_html_ready())) if chosen == "html" else None)
    data = j.report(period, on=day, owner=owner, today=today()).data
    for wait in waits:
        wait()
    if chosen == "text" and path is None:
        from salesdiary.render.document import print_document
        from salesdiary.render.reports import period_document

        print_document(period_document(data))
        return
    from salesdiary.render.reports import period_text

    _write_text(path or "-", period_text(data, chosen))
    if path is not None and path != "-":
        from salesdiary.render.console import success

        success(_("Wrote the report to {path}.").format(path=output))
