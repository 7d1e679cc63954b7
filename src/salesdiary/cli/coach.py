"""sd next: what the method says to do next — on a deal, on an account, or across your open deals."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt
from salesdiary.i18n import N_, _


def register(root: typer.Typer) -> None:
    root.command("next")(next_)


def next_(
    record: str = typer.Argument(None, help=N_("A deal or an account (id or name); none: all your open deals.")),
    owner: str = typer.Option(None, "--owner", help=N_("Only this owner's deals: a name, me or all.")),
    as_json: bool = JsonOpt,
    limit: int = typer.Option(10, "--limit", "-n", min=1, max=2**31 - 1, help=N_("Show at most N deals.")),
    show_all: bool = AllOpt,
) -> None:
    """What to do next: the stage's goal, markers and tips, the findings, the people, and 3–5 ranked actions."""
    from salesdiary.cli.common import journal, limit_of
    from salesdiary.core.coach import AccountPlan, DealPlan

    plan = journal().next(record, owner=owner, limit=limit_of(limit, show_all))
    if as_json:
        from salesdiary.render.data import print_json

        print_json(plan.as_json())
        return
    from salesdiary.render import coach as draw

    if isinstance(plan, DealPlan):
        draw.print_deal_plan(plan)
    elif isinstance(plan, AccountPlan):
        draw.print_account_plan(plan)
    else:
        draw.print_agenda(plan)
        if len(plan.items) < plan.total:
            from salesdiary.render.console import message

            message(
                _("{shown} of {total} open deals shown; --all shows them all.").format(
                    shown=len(plan.items), total=plan.total
                )
            )
