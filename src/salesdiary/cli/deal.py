"""sd deal: the sales a rep works on, moving through a playbook's stages."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _

app = typer.Typer(help=N_("Deals: each sale you work on, stage by stage."), no_args_is_help=True)

AmountOpt = typer.Option(None, "--amount", help=N_("Amount, e.g. 1200000, 1,200,000 or 120万."))
CurrencyOpt = typer.Option(None, "--currency", help=N_("Currency code (default CNY)."))
CloseOpt = typer.Option(None, "--close", help=N_("Expected close date."))
StageOpt = typer.Option(None, "--stage", help=N_("Stage: key, number or label (e.g. customer_analysis, 3, 客户分析)."))
PlaybookOpt = typer.Option(None, "--playbook", help=N_("Playbook: ten_step (default) or six_step."))
CompetitorsOpt = typer.Option(None, "--competitors", help=N_("Competitors, comma separated."))
StrategyOpt = typer.Option(None, "--strategy", help=N_("Competitive strategy: head_on, indirect, divide, delay."))
NextOpt = typer.Option(None, "--next", help=N_("The next step."))
NextDateOpt = typer.Option(None, "--next-date", help=N_("When the next step is due."))
ExternalOpt = typer.Option(None, "--external-id", help=N_("Id of the deal in another system."))
OwnerOpt = typer.Option(None, "--owner", help=N_("Owner (default: you)."))
NotesOpt = typer.Option(None, "--notes", help=N_("Notes."))


@app.command("add")
def add(
    name: str = typer.Argument(..., help=N_("The deal's name.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Account (id or name).")),
    amount: str = AmountOpt,
    currency: str = CurrencyOpt,
    close: str = CloseOpt,
    stage: str = StageOpt,
    playbook: str = PlaybookOpt,
    competitors: str = CompetitorsOpt,
    strategy: str = StrategyOpt,
    next_step: str = NextOpt,
    next_date: str = NextDateOpt,
    external_id: str = ExternalOpt,
    owner: str = OwnerOpt,
    notes: str = NotesOpt,
    allow_duplicate: bool = typer.Option(
        False, "--allow-duplicate", help=N_("Add it even when the account already has a deal of this name.")
    ),
) -> None:
    """Open a deal at an account."""
    from salesdiary.cli.common import done, journal, require

    require(account, "--account")
    j = journal()
    new_id = j.deals.add(
        account,
        name,
        playbook=playbook,
        stage=stage,
        allow_duplicate=allow_duplicate,
        amount=amount,
        currency=currency,
        expected_close=close,
        competitors=competitors,
        strategy=strategy,
        next_step=next_step,
        next_step_date=next_date,
        external_id=external_id,
        owner=owner,
        notes=notes,
    )
    done(_("Added deal #{id} {name}.").format(id=new_id, name=j.last_values["name"]))


@app.command("list")
def list_(
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account's deals.")),
    status: str = typer.Option("open", "--status", help=N_("open, won, lost, dropped or all.")),
    stage: str = StageOpt,
    playbook: str = PlaybookOpt,
    owner: str = typer.Option(None, "--owner", help=N_("Only this owner's deals: a name, me or all.")),
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """List deals (open ones by default), the most urgent next step first."""
    from salesdiary.cli.common import emit_rows, journal, limit_of
    from salesdiary.render.views import deal_columns

    found = journal().deals.find(
        account=account,
        status=status,
        stage=stage,
        playbook=playbook,
        owner=owner,
        limit=limit_of(limit, show_all),
        count=not as_json,
    )
    emit_rows(
        found.rows,
        found.total,
        deal_columns(found.stage_label),
        as_json=as_json,
        empty=_("No deals here. Open one with: sd deal add NAME --account ACCOUNT"),
    )


@app.command("show")
def show(
    deal: str = typer.Argument(..., help=N_("Deal id or name.")),
    as_json: bool = JsonOpt,
) -> None:
    """Show a deal with its stage's goal, the markers still needed, the next actions, its people, stage history
    and recent visits."""
    from salesdiary.cli.common import journal
    from salesdiary.render.views import show_deal

    show_deal(journal().deals.show(deal), as_json=as_json)


@app.command("edit")
def edit(
    deal: str = typer.Argument(..., help=N_("Deal id or name.")),
    name: str = typer.Option(None, "--name", help=N_("New name.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Move to this account.")),
    amount: str = AmountOpt,
    currency: str = CurrencyOpt,
    close: str = CloseOpt,
    stage: str = StageOpt,
    playbook: str = PlaybookOpt,
    competitors: str = CompetitorsOpt,
    strategy: str = StrategyOpt,
    next_step: str = NextOpt,
    next_date: str = NextDateOpt,
    external_id: str = ExternalOpt,
    owner: str = OwnerOpt,
    notes: str = NotesOpt,
    forecast: str = typer.Option(
        None,
        "--forecast",
        help=N_("Forecast category: commit, best_case, pipeline or omit (auto: from the stage's probability)."),
    ),
) -> None:
    """Change a deal's fields; --stage moves it (recorded in its stage history)."""
    from salesdiary.cli.common import journal
    from salesdiary.render.views import report_changes

    edited = journal().deals.edit(
        deal,
        account=account,
        stage=stage,
        playbook=playbook,
        name=name,
        amount=amount,
        currency=currency,
        expected_close=close,
        competitors=competitors,
        strategy=strategy,
        next_step=next_step,
        next_step_date=next_date,
        external_id=external_id,
        owner=owner,
        notes=notes,
        forecast_category="" if forecast is not None and forecast.strip().lower() in ("auto", "自动") else forecast,
    )
    report_changes(_("deal"), edited.id, edited.changes)


@app.command("won")
def won(
    deal: str = typer.Argument(..., help=N_("Deal id or name.")),
    amount: str = typer.Option(None, "--amount", help=N_("The final amount.")),
    on: str = typer.Option(None, "--date", help=N_("When it was won (default today).")),
) -> None:
    """Mark a deal as won."""
    from salesdiary.cli.common import done, journal
    from salesdiary.core.enums import DEAL_STATUS

    deal_id = journal().deals.win(deal, amount=amount, on=on)
    done(_("Deal #{id} is now {status}.").format(id=deal_id, status=DEAL_STATUS.label("won")))


@app.command("lost")
def lost(
    deal: str = typer.Argument(..., help=N_("Deal id or name.")),
    reason: str = typer.Option(None, "--reason", help=N_("Why it was lost.")),
    on: str = typer.Option(None, "--date", help=N_("When it was lost (default today).")),
) -> None:
    """Mark a deal as lost, with the reason."""
    from salesdiary.cli.common import done, journal
    from salesdiary.core.enums import DEAL_STATUS

    deal_id = journal().deals.lose(deal, reason=reason, on=on)
    done(_("Deal #{id} is now {status}.").format(id=deal_id, status=DEAL_STATUS.label("lost")))


@app.command("rm")
def rm(deal: str = typer.Argument(..., help=N_("Deal id or name."))) -> None:
    """Remove a deal (its visits stay, without the deal)."""
    from salesdiary.cli.common import done, journal

    deal_id = journal().deals.remove(deal)
    done(_("Removed deal #{id}.").format(id=deal_id))


def register(root: typer.Typer) -> None:
    from importlib import import_module

    import_module("salesdiary.cli.deal_progress")  # adds `deal advance` and `deal markers` to this app
    root.add_typer(app, name="deal")
