"""sd forecast: what will close this month or quarter, and how far the past forecasts were to be trusted."""

from __future__ import annotations

from typing import Any

import typer

from salesdiary.cli.common import AllOpt, JsonOpt
from salesdiary.i18n import N_, _

app = typer.Typer(
    help=N_("The forecast of a month or a quarter: expected, weighted, commit, best case, won, slipped."),
    invoke_without_command=True,
)

MonthOpt = typer.Option(None, "--month", help=N_("The month: 2026-12 or any date of it (default: this month)."))
QuarterOpt = typer.Option(None, "--quarter", help=N_("The quarter: 2026Q4 or any date of it."))
OwnerOpt = typer.Option(
    None, "--owner", help=N_("Whose deals: a rep's name, me or all (default: yours in a team database).")
)


@app.callback()
def forecast(
    ctx: typer.Context,
    month: str = MonthOpt,
    quarter: str = QuarterOpt,
    owner: str = OwnerOpt,
    as_json: bool = JsonOpt,
    fmt: str = typer.Option(None, "--format", help=N_("table, json or csv.")),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=2**31 - 1, help=N_("Show at most N deals a table.")),
    show_all: bool = AllOpt,
) -> None:
    """The open deals expected to close in the period (amount, weighted, category), won and lost so far, the
    forecast, slipped deals and each snapshot's accuracy. The first run of a week records a snapshot."""
    if ctx.invoked_subcommand is not None:
        return
    from salesdiary.cli.common import journal, limit_of
    from salesdiary.core.errors import BadInput

    chosen = "json" if as_json else (fmt or "table").strip().lower()
    if chosen not in ("table", "json", "csv"):
        raise BadInput(_("--format must be one of: {choices}.").format(choices="table, json, csv"))
    ready: list[Any] = [lambda: None]

    def start_renderer() -> None:  # Rich's imports run while the database works (cli.common.render_ready)
        from salesdiary.cli.common import render_ready

        ready[0] = render_ready(chosen == "table")

    report = journal(on_query=start_renderer).forecast(month=month, quarter=quarter, owner=owner, weekly_snapshot=True)
    data = report.data
    from salesdiary.render.console import message

    if data["snapshot_skipped"]:
        message(_("This week's forecast snapshot was not recorded: {reason}").format(reason=data["snapshot_skipped"]))
    if chosen == "json":
        from salesdiary.render.data import print_json

        print_json(data)
    elif chosen == "csv":
        _print_csv(data)
    else:
        ready[0]()
        from salesdiary.render.document import print_document
        from salesdiary.render.forecast import forecast_document

        print_document(forecast_document(data, limit_of(limit, show_all)))


def _print_csv(data: dict[str, Any]) -> None:
    import csv
    import sys

    from salesdiary.render.console import message
    from salesdiary.render.forecast import forecast_csv_rows

    rows = forecast_csv_rows(data)
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows if data["deals"] else []:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    sys.stdout.flush()
    if data["currency_note"]:
        message(data["currency_note"])  # on stderr: the rows stay data


@app.command("snapshot")
def snapshot(
    month: str = MonthOpt,
    quarter: str = QuarterOpt,
    owner: str = OwnerOpt,
    listing: bool = typer.Option(False, "--list", help=N_("List the snapshots taken instead of taking one.")),
    as_json: bool = JsonOpt,
) -> None:
    """Record the period's forecast deal by deal as of today (one taken today of the same deals is replaced)."""
    from salesdiary.cli.common import journal

    j = journal()
    if listing:
        rows = j.forecast_snapshots(owner=owner)
        if as_json:
            from salesdiary.render.data import print_json

            print_json(rows)
            return
        from salesdiary.render.document import print_document
        from salesdiary.render.forecast import snapshots_document

        print_document(snapshots_document(rows))
        return
    taken = j.forecast_snapshot(month=month, quarter=quarter, owner=owner).as_json()
    if as_json:
        from salesdiary.render.data import print_json

        print_json(taken)
        return
    from salesdiary.cli.common import done
    from salesdiary.render.document import print_document
    from salesdiary.render.forecast import snapshot_document

    print_document(snapshot_document(taken))
    done(
        _("Recorded the forecast of {period} on {day}: {n} deals.").format(
            period=taken["period"], day=taken["taken_on"], n=len(taken["deals"])
        )
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="forecast")
