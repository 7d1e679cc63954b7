"""sd receivable: amounts due on won deals, and collecting them (《摧龙六式》's collection matrix)."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Receivables: amounts due on won deals, grouped by collection action."), no_args_is_help=True)


@app.command("add")
def add(
    deal: str = typer.Argument(..., help=N_("The won deal (id or name).")),
    amount: str = typer.Option(None, "--amount", help=N_("Amount due, e.g. 300000 or 30万.")),
    due: str = typer.Option(None, "--due", help=N_("When it is due (any date form).")),
    note: str = typer.Option(None, "--note", help=N_("A note, e.g. which instalment.")),
    owner: str = typer.Option(None, "--owner", help=N_("Who collects it (default: the deal's owner).")),
) -> None:
    """Record an amount due on a won deal."""
    from salesdiary.cli.common import done, journal, require

    require(amount, "--amount")
    require(due, "--due")
    j = journal()
    new_id = j.receivables.add(deal, amount, due, note=note, owner=owner)
    added = j.last_values
    done(
        _("Added receivable #{id}: {amount} due {date}.").format(
            id=new_id, amount=f"{added['amount']:,.2f}", date=added["due"]
        )
    )


@app.command("list")
def list_(
    status: str = typer.Option("open", "--status", help=N_("open (default), paid or all.")),
    owner: str = typer.Option(None, "--owner", help=N_("Only this rep's receivables: a name, me or all.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account's receivables.")),
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """Receivables: overdue ones grouped by the collection action (days overdue × amount), then the rest."""
    from salesdiary.cli.common import journal, limit_of
    from salesdiary.render.reports import receivables_document

    data = (
        journal()
        .receivables.find(status=status, owner=owner, account=account, limit=limit_of(limit, show_all))
        .as_json()
    )
    if as_json:
        from salesdiary.render.data import print_json

        print_json(data)
        return
    from salesdiary.render.document import print_document

    print_document(receivables_document(data, shown_all=show_all))


@app.command("paid")
def paid(
    receivable: str = typer.Argument(..., help=N_("Receivable id.")),
    amount: str = typer.Option(None, "--amount", help=N_("Amount paid (default: all that is outstanding).")),
    on: str = typer.Option(None, "--date", help=N_("When it was paid (default today).")),
) -> None:
    """Record a payment (in full unless --amount says otherwise)."""
    from salesdiary.cli.common import done, journal

    result = journal().receivables.pay(receivable, amount=amount, on=on)
    rid = result["id"]
    if result["outstanding"] > 0:
        done(
            _("Receivable #{id}: {paid} paid, {left} still outstanding.").format(
                id=rid, paid=f"{result['paid']:,.2f}", left=f"{result['outstanding']:,.2f}"
            )
        )
    else:
        done(_("Receivable #{id} is paid in full.").format(id=rid))


@app.command("rm")
def rm(receivable: str = typer.Argument(..., help=N_("Receivable id."))) -> None:
    """Remove a receivable entered by mistake."""
    from salesdiary.cli.common import done, journal

    receivable_id = journal().receivables.remove(receivable)
    done(_("Removed receivable #{id}.").format(id=receivable_id))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="receivable")
