"""sd followup: dated next actions."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Follow-ups: dated next actions."), no_args_is_help=True)


@app.command("add")
def add(
    action: str = typer.Argument(..., help=N_("What to do.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Account (id or name).")),
    due: str = typer.Option(None, "--due", help=N_("When (any date form: 2026-12-01, fri, +3d, 明天).")),
    deal: str = typer.Option(None, "--deal", "-D", help=N_("The deal it is for.")),
    contact: str = typer.Option(None, "--contact", "-C", help=N_("The person it concerns.")),
    kind: str = typer.Option(None, "--kind", help=N_("todo, visit (a planned visit) or call.")),
    owner: str = typer.Option(None, "--owner", help=N_("Who should do it (default: you).")),
) -> None:
    """Add a follow-up."""
    from salesdiary.cli.common import account_for, done, reader, require, resolve, today, warn_past_dates, write
    from salesdiary.core import fields
    from salesdiary.store import records

    require(due, "--due")
    values = fields.convert_all(
        fields.FOLLOWUP, {"action": action, "due": due, "kind": kind, "owner": owner}, today(), ("action",)
    )
    warn_past_dates(values)
    r = reader()
    account_id = account_for(r, account, deal)
    account_id = require(account_id, "--account")
    deal_id = resolve(r, "deal", deal, account_id) if deal else None
    contact_id = resolve(r, "contact", contact, account_id) if contact else None
    new_id = write(lambda tx: records.add_followup(tx, account_id, values, deal_id=deal_id, contact_id=contact_id))
    done(_("Added follow-up #{id}, due {date}.").format(id=new_id, date=values["due"]))


@app.command("list")
def list_(
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account's follow-ups.")),
    deal: str = typer.Option(None, "--deal", "-D", help=N_("Only this deal's follow-ups.")),
    status: str = typer.Option("open", "--status", help=N_("open, done or all.")),
    owner: str = typer.Option(None, "--owner", help=N_("Only this rep's follow-ups: a name, me or all.")),
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """List follow-ups, the earliest first."""
    from salesdiary.cli.common import emit_rows, limit_of, reader, resolve
    from salesdiary.cli.views import followup_columns
    from salesdiary.core.errors import BadInput
    from salesdiary.store.reads import ListQuery, list_followups
    from salesdiary.store.team import owner_filter

    if status not in ("open", "done", "all"):
        raise BadInput(_("--status must be open, done or all."))
    r = reader()
    account_id = resolve(r, "account", account) if account else None
    q = ListQuery(
        account_id=account_id,
        deal_id=resolve(r, "deal", deal, account_id) if deal else None,
        status=status,
        owner=owner_filter(r, owner, narrowed=bool(account or deal)),
        limit=limit_of(limit, show_all),
        count=not as_json,
    )
    rows, total = list_followups(r, q)
    emit_rows(rows, total, followup_columns(), as_json=as_json, empty=_("No follow-ups here."))


@app.command("done")
def done_(
    followups: list[str] = typer.Argument(..., help=N_("Follow-up ids.")),
    undo: bool = typer.Option(False, "--undo", help=N_("Mark as not done again.")),
) -> None:
    """Mark follow-ups as done."""
    from salesdiary.cli.common import done, reader, resolve, write
    from salesdiary.store import records

    r = reader()
    ids = list(dict.fromkeys(resolve(r, "followup", f) for f in followups))  # `done 1 1` is one follow-up

    def complete(tx):  # noqa: ANN001, ANN202
        for fid in ids:
            records.complete_followup(tx, fid, undo=undo)

    write(complete)
    for fid in ids:
        done((_("Follow-up #{id} is open again.") if undo else _("Follow-up #{id} is done.")).format(id=fid))


@app.command("rm")
def rm(followup: str = typer.Argument(..., help=N_("Follow-up id."))) -> None:
    """Remove a follow-up."""
    from salesdiary.cli.common import done, reader, resolve, write
    from salesdiary.store import records

    followup_id = resolve(reader(), "followup", followup)
    write(lambda tx: records.remove_followup(tx, followup_id))
    done(_("Removed follow-up #{id}.").format(id=followup_id))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="followup")
