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
    from salesdiary.cli.common import done, journal, require

    require(due, "--due")
    j = journal()
    new_id = j.followups.add(account, action, due, deal=deal, contact=contact, kind=kind, owner=owner)
    done(_("Added follow-up #{id}, due {date}.").format(id=new_id, date=j.last_values["due"]))


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
    from salesdiary.cli.common import emit_rows, journal, limit_of
    from salesdiary.render.views import followup_columns

    found = journal().followups.find(
        account=account, deal=deal, status=status, owner=owner, limit=limit_of(limit, show_all), count=not as_json
    )
    emit_rows(found.rows, found.total, followup_columns(), as_json=as_json, empty=_("No follow-ups here."))


@app.command("done")
def done_(
    followups: list[str] = typer.Argument(..., help=N_("Follow-up ids.")),
    undo: bool = typer.Option(False, "--undo", help=N_("Mark as not done again.")),
) -> None:
    """Mark follow-ups as done."""
    from salesdiary.cli.common import done, journal

    for fid in journal().followups.done(*followups, undo=undo):
        done((_("Follow-up #{id} is open again.") if undo else _("Follow-up #{id} is done.")).format(id=fid))


@app.command("rm")
def rm(followup: str = typer.Argument(..., help=N_("Follow-up id."))) -> None:
    """Remove a follow-up."""
    from salesdiary.cli.common import done, journal

    followup_id = journal().followups.remove(followup)
    done(_("Removed follow-up #{id}.").format(id=followup_id))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="followup")
