"""sd visit: what happened with the customer — calls, visits, demos, dinners, tenders."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Visits: log what you did with the customer and what comes next."), no_args_is_help=True)

DealOpt = typer.Option(None, "--deal", "-D", help=N_("The deal this was about (id or name)."))
ContactOpt = typer.Option(None, "--contact", "-C", help=N_("A contact met (id or name); repeat for several."))
KindOpt = typer.Option(None, "--kind", help=N_("Activity: call, visit, demo, tech_exchange, meal, tour, proposal, …"))
DateOpt = typer.Option(None, "--date", help=N_("When it happened (default today)."))
PurposeOpt = typer.Option(None, "--purpose", help=N_("What the visit was for."))
SummaryOpt = typer.Option(None, "--summary", help=N_("What happened."))
FeedbackOpt = typer.Option(None, "--feedback", help=N_("What the customer said."))
NextOpt = typer.Option(None, "--next", help=N_("The next step."))
FollowOpt = typer.Option(None, "--follow-up", help=N_("When to follow up; creates a follow-up."))
OwnerOpt = typer.Option(None, "--owner", help=N_("Who did it (default: you)."))


def _values(**raw: object) -> dict[str, object]:
    from salesdiary.cli.common import today, warn_past_dates
    from salesdiary.core import fields

    names = {"next": "next_step", "follow_up": "follow_up_date"}
    values = fields.convert_all(fields.VISIT, {names.get(k, k): v for k, v in raw.items()}, today())
    warn_past_dates(values)
    return values


@app.command("add")
def add(
    account: str = typer.Option(None, "--account", "-A", help=N_("Account (id or name).")),
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
    assist: bool = typer.Option(
        False, "--assist", help=N_("You were helping on another rep's account (needed to log a visit there).")
    ),
) -> None:
    """Log a visit or any other activity with a customer (on a terminal, it asks for what is missing)."""
    from salesdiary.cli.common import done, journal, require
    from salesdiary.cli.state import can_prompt

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
    if assist:
        values["assist"] = True
    if can_prompt():
        _guided_add(account, deal, contact or [], values)
        return
    require(account or deal, "--account")
    j = journal()
    logged = j.visits.log(account, deal, contact or [], values)
    done(_("Logged visit #{id}.").format(id=logged.id))
    if logged.followup_id:
        done(_("Follow-up #{id} is due {date}.").format(id=logged.followup_id, date=values["follow_up_date"]))
    _say_next(j, logged.deal_id, logged.account_id)


def _say_next(j, deal_id: int | None, account_id: int | None) -> None:  # noqa: ANN001
    """One or two `Next:` lines after a visit: the top actions on its deal (or its account's most urgent open
    deal), without the checks, so the write stays quick. A coaching line never fails a visit already saved."""
    from salesdiary.core.errors import SdError
    from salesdiary.render.coach import next_lines
    from salesdiary.render.console import message

    try:
        actions = j.quick_next(deal=deal_id, account=account_id)
    except SdError:
        return
    for line in next_lines(actions):
        message(line)


def _guided_add(account: str | None, deal: str | None, contacts: list[str], values: dict) -> None:
    """`sd visit add` on a terminal: ask what the flags did not say, show a summary, write once confirmed."""
    from salesdiary.cli.common import guided, journal
    from salesdiary.prompts import ask
    from salesdiary.prompts.visit import ContactMet, NotYourAccount, VisitAnswers, guided_visit
    from salesdiary.render.console import message
    from salesdiary.render.views import print_visit_to_save

    j = journal()
    lookups = j.visit_lookups(values.get("owner"))
    given = lookups.given(account, deal, contacts)
    a = VisitAnswers()
    if given.account is not None:
        a.account_id, a.account_name = int(given.account["id"]), str(given.account["name"])
    if given.deal is not None:
        row = given.deal
        a.deal_id, a.deal_name = int(row["id"]), str(row["name"])
        a.deal_playbook, a.deal_stage, a.deal_open = row["playbook"], row["stage"], row["status"] == "open"
        a.given.add("deal")
    if contacts:
        a.contacts = [
            ContactMet(int(p["id"]), p["name"], p["title"], p["role"], p["relationship"]) for p in given.contacts
        ]
        a.given.add("contacts")
    for name, key in (("kind", "kind"), ("purpose", "purpose"), ("summary", "summary"), ("feedback", "feedback")):
        if key in values:
            setattr(a, name, values[key])
            a.given.add(name)
    if values.get("date") is not None:
        a.date = values["date"]
        a.given.add("date")
    if "next_step" in values:
        a.next_step = values["next_step"]
        a.given.add("next_step")
    if "follow_up_date" in values:
        a.follow_up = values["follow_up_date"]
        a.given.add("follow_up")
    a.assist = bool(values.get("assist"))
    with guided():
        try:
            guided_visit(lookups, a)
        except NotYourAccount as exc:
            message(_("Only {owner} (or a manager) logs visits there; nothing was written.").format(owner=exc.args[0]))
            raise typer.Exit(1) from None
        if "follow_up_date" not in values and a.follow_up is not None:
            from salesdiary.cli.common import warn_past_dates

            warn_past_dates({"follow_up_date": a.follow_up})  # answered to the prompt
        marker_labels = {}
        if a.ticks or a.advance_to is not None:
            book = lookups.playbook(a.deal_playbook)  # the stage the markers were asked for (prompts/visit.py)
            stage = book.stage(a.deal_stage or book.first_stage.key)
            marker_labels = {m.key: str(m.label) for m in stage.markers}
        print_visit_to_save(a, a.date or lookups.today, marker_labels)
        if not ask.confirm(_("Save this visit?"), default=True):
            message(_("Not saved; nothing was written."))
            raise typer.Exit(1)
    logged = j.visits.log_plan(_plan(a, values))
    _report_logged(a, logged)
    _say_next(j, logged.deal_id, logged.account_id)


def _plan(a, values: dict):  # noqa: ANN001, ANN202
    """The answers as the one write the store makes of them."""
    from salesdiary.core.visit_plan import MetContact, VisitPlan

    visit = {k: v for k, v in values.items() if k in ("date", "owner")}
    if a.date is not None:
        visit["date"] = a.date
    if a.assist:
        visit["assist"] = True
    visit.update(kind=a.kind, purpose=a.purpose, summary=a.summary, feedback=a.feedback)
    visit.update(next_step=a.next_step, follow_up_date=a.follow_up)
    return VisitPlan(
        account_id=a.account_id,
        new_account=None if a.account_id is not None else {"name": a.account_name},
        deal_id=a.deal_id,
        new_deal={"name": a.deal_name, "amount": a.deal_amount} if a.new_deal else None,
        contacts=[MetContact(c.id, {"name": c.name, "title": c.title, "role": c.role}, c.moved_to) for c in a.contacts],
        visit={k: v for k, v in visit.items() if v is not None},
        ticks=list(a.ticks),
        advance=a.advance_to is not None,
    )


def _report_logged(a, logged) -> None:  # noqa: ANN001
    from salesdiary.cli.common import done

    done(_("Logged visit #{id}.").format(id=logged.visit_id))
    if a.new_account:
        done(_("Added account #{id} {name}.").format(id=logged.account_id, name=a.account_name))
    if a.new_deal:
        done(_("Added deal #{id} {name}.").format(id=logged.deal_id, name=a.deal_name))
    for c, cid in zip(a.contacts, logged.contact_ids, strict=True):
        if c.id is None:
            done(_("Added contact #{id} {name}.").format(id=cid, name=c.name))
    if logged.followup_id:
        done(_("Follow-up #{id} is due {date}.").format(id=logged.followup_id, date=a.follow_up))
    if logged.advanced is not None:
        moved = logged.advanced
        done(
            _("Deal #{id} moved to {stage}.").format(
                id=moved.deal_id, stage=f"{moved.new.number}. {moved.new.label} ({moved.new.probability}%)"
            )
        )


@app.command("list")
def list_(
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account's visits.")),
    deal: str = DealOpt,
    contact: str = typer.Option(None, "--contact", "-C", help=N_("Only visits where this contact was met.")),
    since: str = typer.Option(None, "--since", help=N_("From this date.")),
    until: str = typer.Option(None, "--until", help=N_("Up to this date.")),
    owner: str = typer.Option(None, "--owner", help=N_("Only this rep's visits: a name, me or all.")),
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """List visits, newest first."""
    from salesdiary.cli.common import emit_rows, journal, limit_of
    from salesdiary.render.views import visit_columns

    found = journal().visits.find(
        account=account,
        deal=deal,
        contact=contact,
        since=since,
        until=until,
        owner=owner,
        limit=limit_of(limit, show_all),
        count=not as_json,
    )
    emit_rows(
        found.rows,
        found.total,
        visit_columns(),
        as_json=as_json,
        empty=_("No visits here. Log one with: sd visit add --account ACCOUNT"),
    )


@app.command("show")
def show(visit: str = typer.Argument(..., help=N_("Visit id.")), as_json: bool = JsonOpt) -> None:
    """Show one visit."""
    from salesdiary.cli.common import journal
    from salesdiary.render.views import show_visit

    show_visit(journal().visits.show(visit), as_json=as_json)


@app.command("edit")
def edit(
    visit: str = typer.Argument(..., help=N_("Visit id.")),
    deal: str = typer.Option(None, "--deal", "-D", help=N_("The deal it was about ('' for none).")),
    contact: list[str] = typer.Option(None, "--contact", "-C", help=N_("Contacts met (replaces the list).")),
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
    from salesdiary.cli.common import journal
    from salesdiary.render.views import report_changes

    edited = journal().visits.edit(
        visit,
        deal=deal,
        contacts=contact,
        kind=kind,
        date=date,
        purpose=purpose,
        summary=summary,
        feedback=feedback,
        next_step=next_step,
        follow_up_date=follow_up,
        owner=owner,
    )
    report_changes(_("visit"), edited.id, edited.changes)


@app.command("rm")
def rm(visit: str = typer.Argument(..., help=N_("Visit id."))) -> None:
    """Remove a visit."""
    from salesdiary.cli.common import done, journal

    visit_id = journal().visits.remove(visit)
    done(_("Removed visit #{id}.").format(id=visit_id))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="visit")
