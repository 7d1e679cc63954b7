"""sd visit: what happened with the customer — calls, visits, demos, dinners, tenders."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import _

app = typer.Typer(help=_("Visits: log what you did with the customer and what comes next."), no_args_is_help=True)

DealOpt = typer.Option(None, "--deal", "-D", help=_("The deal this was about (id or name)."))
ContactOpt = typer.Option(None, "--contact", "-C", help=_("A contact met (id or name); repeat for several."))
KindOpt = typer.Option(None, "--kind", help=_("Activity: call, visit, demo, tech_exchange, meal, tour, proposal, …"))
DateOpt = typer.Option(None, "--date", help=_("When it happened (default today)."))
PurposeOpt = typer.Option(None, "--purpose", help=_("What the visit was for."))
SummaryOpt = typer.Option(None, "--summary", help=_("What happened."))
FeedbackOpt = typer.Option(None, "--feedback", help=_("What the customer said."))
NextOpt = typer.Option(None, "--next", help=_("The next step."))
FollowOpt = typer.Option(None, "--follow-up", help=_("When to follow up; creates a follow-up."))
OwnerOpt = typer.Option(None, "--owner", help=_("Who did it (default: you)."))


def _values(**raw: object) -> dict[str, object]:
    from salesdiary.cli.common import today
    from salesdiary.core import fields

    names = {"next": "next_step", "follow_up": "follow_up_date"}
    return fields.convert_all(fields.VISIT, {names.get(k, k): v for k, v in raw.items()}, today())


@app.command("add")
def add(
    account: str = typer.Option(None, "--account", "-A", help=_("Account (id or name).")),
    deal: str = DealOpt,
    contact: list[str] = ContactOpt,
    kind: str = KindOpt,
    date: str = DateOpt,
    purpose: str = PurposeOpt,
    summary: str = SummaryOpt,
    feedback: str = FeedbackOpt,
    next_step: str = NextOpt,
    follow_up: str = FollowOpt,
    owner: str = OwnerOpt,
) -> None:
    """Log a visit or any other activity with a customer."""
    from salesdiary.cli.common import done, reader, require, resolve, write
    from salesdiary.store import records

    values = _values(
        kind=kind,
        date=date,
        purpose=purpose,
        summary=summary,
        feedback=feedback,
        next=next_step,
        follow_up=follow_up,
        owner=owner,
    )
    r = reader()
    account_id = _account_for(r, account, deal)
    deal_id = resolve(r, "deal", deal, account_id) if deal else None
    contact_ids = [resolve(r, "contact", c, account_id) for c in contact or []]
    require(account_id, "--account")
    visit_id, followup_id = write(
        lambda tx: records.add_visit(tx, account_id, values, deal_id=deal_id, contact_ids=contact_ids)
    )
    done(_("Logged visit #{id}.").format(id=visit_id))
    if followup_id:
        done(_("Follow-up #{id} is due {date}.").format(id=followup_id, date=values["follow_up_date"]))


def _account_for(r, account: str | None, deal: str | None) -> int | None:  # noqa: ANN001
    """The account given, or else the account of the deal given."""
    from salesdiary.cli.common import resolve
    from salesdiary.store.reads import one

    if account:
        return resolve(r, "account", account)
    if deal:
        return int(one(r, "deal", resolve(r, "deal", deal))["account_id"])
    return None


@app.command("list")
def list_(
    account: str = typer.Option(None, "--account", "-A", help=_("Only this account's visits.")),
    deal: str = DealOpt,
    contact: str = typer.Option(None, "--contact", "-C", help=_("Only visits where this contact was met.")),
    since: str = typer.Option(None, "--since", help=_("From this date.")),
    until: str = typer.Option(None, "--until", help=_("Up to this date.")),
    owner: str = typer.Option(None, "--owner", help=_("Only this rep's visits.")),
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """List visits, newest first."""
    from salesdiary.cli.common import emit_rows, limit_of, parse_date_opt, reader, resolve
    from salesdiary.cli.views import VISIT_COLUMNS
    from salesdiary.store.reads import ListQuery, list_visits

    r = reader()
    account_id = resolve(r, "account", account) if account else None
    start, end = parse_date_opt(since, "--since"), parse_date_opt(until, "--until")
    q = ListQuery(
        account_id=account_id,
        deal_id=resolve(r, "deal", deal, account_id) if deal else None,
        contact_id=resolve(r, "contact", contact, account_id) if contact else None,
        since=start.isoformat() if start else None,
        until=end.isoformat() if end else None,
        owner=owner,
        limit=limit_of(limit, show_all),
    )
    rows, total = list_visits(r, q)
    emit_rows(
        rows,
        total,
        VISIT_COLUMNS,
        as_json=as_json,
        empty=_("No visits here. Log one with: sd visit add --account ACCOUNT"),
    )


@app.command("show")
def show(visit: str = typer.Argument(..., help=_("Visit id.")), as_json: bool = JsonOpt) -> None:
    """Show one visit."""
    from salesdiary.cli.common import reader, resolve
    from salesdiary.cli.views import show_visit

    r = reader()
    show_visit(r, resolve(r, "visit", visit), as_json=as_json)


@app.command("edit")
def edit(
    visit: str = typer.Argument(..., help=_("Visit id.")),
    deal: str = typer.Option(None, "--deal", "-D", help=_("The deal it was about ('' for none).")),
    contact: list[str] = typer.Option(None, "--contact", "-C", help=_("Contacts met (replaces the list).")),
    kind: str = KindOpt,
    date: str = DateOpt,
    purpose: str = PurposeOpt,
    summary: str = SummaryOpt,
    feedback: str = FeedbackOpt,
    next_step: str = NextOpt,
    follow_up: str = FollowOpt,
    owner: str = OwnerOpt,
) -> None:
    """Change a visit (an empty value clears a field)."""
    from salesdiary.cli.common import reader, resolve, write
    from salesdiary.cli.views import report_changes
    from salesdiary.store import records
    from salesdiary.store.reads import one

    r = reader()
    visit_id = resolve(r, "visit", visit)
    account_id = int(one(r, "visit", visit_id)["account_id"])
    values = _values(
        kind=kind,
        date=date,
        purpose=purpose,
        summary=summary,
        feedback=feedback,
        next=next_step,
        follow_up=follow_up,
        owner=owner,
    )
    deal_id: int | None | bool = False
    if deal is not None:
        deal_id = resolve(r, "deal", deal, account_id) if deal.strip() else None
    contact_ids = [resolve(r, "contact", c, account_id) for c in contact] if contact else None
    changes = write(lambda tx: records.edit_visit(tx, visit_id, values, deal_id=deal_id, contact_ids=contact_ids))
    report_changes(_("visit"), visit_id, changes)


@app.command("rm")
def rm(visit: str = typer.Argument(..., help=_("Visit id."))) -> None:
    """Remove a visit."""
    from salesdiary.cli.common import done, reader, resolve, write
    from salesdiary.store import records

    visit_id = resolve(reader(), "visit", visit)
    write(lambda tx: records.remove_visit(tx, visit_id))
    done(_("Removed visit #{id}.").format(id=visit_id))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="visit")
