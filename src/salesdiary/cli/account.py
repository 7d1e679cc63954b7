"""sd account: the customer organisations a rep reports and owns."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Accounts: the customer organisations you report and own."), no_args_is_help=True)

ModeOpt = typer.Option(None, "--mode", help=N_("Purchase mode: single, group or strategic."))
SourceOpt = typer.Option(None, "--source", help=N_("Where the lead came from, e.g. referral, exhibition, tender."))
IndustryOpt = typer.Option(None, "--industry", help=N_("Industry."))
RegionOpt = typer.Option(None, "--region", help=N_("Region."))
AddressOpt = typer.Option(None, "--address", help=N_("Address."))
PhoneOpt = typer.Option(None, "--phone", help=N_("Switchboard phone."))
WebsiteOpt = typer.Option(None, "--website", help=N_("Website."))
InfoStageOpt = typer.Option(None, "--info-stage", help=N_("Information stage: lead, qualified, prospect, customer."))
RelationOpt = typer.Option(None, "--relation", help=N_("Company relationship grade: C, B or A."))
TierOpt = typer.Option(None, "--tier", help=N_("Value tier: strategic, important, ordinary."))
LifecycleOpt = typer.Option(
    None, "--lifecycle", help=N_("Lifecycle: potential, new, growing, stable, declining, lost.")
)
OwnerOpt = typer.Option(None, "--owner", help=N_("Owner (default: you)."))
NotesOpt = typer.Option(None, "--notes", help=N_("Notes."))


@app.command("add")
def add(
    name: str = typer.Argument(..., help=N_("The organisation's name.")),
    mode: str = ModeOpt,
    source: str = SourceOpt,
    industry: str = IndustryOpt,
    region: str = RegionOpt,
    address: str = AddressOpt,
    phone: str = PhoneOpt,
    website: str = WebsiteOpt,
    info_stage: str = InfoStageOpt,
    relation: str = RelationOpt,
    tier: str = TierOpt,
    lifecycle: str = LifecycleOpt,
    owner: str = OwnerOpt,
    notes: str = NotesOpt,
) -> None:
    """Report a new account (the first to report an account owns it)."""
    from salesdiary.cli.common import done, journal

    j = journal()
    new_id = j.accounts.add(
        name,
        purchase_mode=mode,
        source=source,
        industry=industry,
        region=region,
        address=address,
        phone=phone,
        website=website,
        info_stage=info_stage,
        relation=relation,
        tier=tier,
        lifecycle=lifecycle,
        owner=owner,
        notes=notes,
    )
    done(_("Added account #{id} {name}.").format(id=new_id, name=j.last_values["name"]))


@app.command("list")
def list_(
    search: str = typer.Argument(None, help=N_("Only accounts whose name contains this.")),
    owner: str = typer.Option(None, "--owner", help=N_("Only this owner's accounts: a name, me or all.")),
    info_stage: str = InfoStageOpt,
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """List accounts (in a team database, yours unless --owner says whose)."""
    from salesdiary.cli.common import emit_rows, journal, limit_of
    from salesdiary.render.views import account_columns

    found = journal().accounts.find(
        search, owner=owner, info_stage=info_stage, limit=limit_of(limit, show_all), count=not as_json
    )
    emit_rows(
        found.rows,
        found.total,
        account_columns(),
        as_json=as_json,
        empty=_("No accounts yet. Add one with: sd account add NAME"),
    )


@app.command("show")
def show(
    account: str = typer.Argument(..., help=N_("Account id or name.")),
    as_json: bool = JsonOpt,
) -> None:
    """Show an account with its contacts, deals, recent visits and open follow-ups."""
    from salesdiary.cli.common import journal
    from salesdiary.render.views import show_account

    show_account(journal().accounts.show(account), as_json=as_json)


@app.command("edit")
def edit(
    account: str = typer.Argument(..., help=N_("Account id or name.")),
    name: str = typer.Option(None, "--name", help=N_("New name.")),
    mode: str = ModeOpt,
    source: str = SourceOpt,
    industry: str = IndustryOpt,
    region: str = RegionOpt,
    address: str = AddressOpt,
    phone: str = PhoneOpt,
    website: str = WebsiteOpt,
    info_stage: str = InfoStageOpt,
    relation: str = RelationOpt,
    tier: str = TierOpt,
    lifecycle: str = LifecycleOpt,
    owner: str = OwnerOpt,
    notes: str = NotesOpt,
) -> None:
    """Change an account's fields (an empty value clears a field)."""
    from salesdiary.cli.common import journal
    from salesdiary.render.views import report_changes

    edited = journal().accounts.edit(
        account,
        name=name,
        purchase_mode=mode,
        source=source,
        industry=industry,
        region=region,
        address=address,
        phone=phone,
        website=website,
        info_stage=info_stage,
        relation=relation,
        tier=tier,
        lifecycle=lifecycle,
        owner=owner,
        notes=notes,
    )
    report_changes(_("account"), edited.id, edited.changes)


@app.command("rm")
def rm(
    account: str = typer.Argument(..., help=N_("Account id or name.")),
    force: bool = typer.Option(False, "--force", help=N_("Also remove its contacts, deals, visits and follow-ups.")),
) -> None:
    """Remove an account."""
    from salesdiary.cli.common import done, journal

    account_id = journal().accounts.remove(account, force=force)
    done(_("Removed account #{id}.").format(id=account_id))


@app.command("reassign")
def reassign(
    account: str = typer.Argument(..., help=N_("Account id or name.")),
    to: str = typer.Option(..., "--to", help=N_("The rep who takes it over (their database role in a team).")),
    reason: str = typer.Option(..., "--reason", help=N_("Why (kept in the history).")),
) -> None:
    """Give an account, with its open deals and follow-ups, to another rep (a manager's command)."""
    from salesdiary.cli.common import done, journal

    moved = journal().accounts.reassign(account, to, reason)
    done(
        _("Account #{id} moved from {old} to {new}, with {deals} open deals and {followups} open follow-ups.").format(
            id=moved["id"], old=moved["from"], new=moved["to"], deals=moved["deals"], followups=moved["followups"]
        )
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="account")
