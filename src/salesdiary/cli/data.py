"""sd export and sd import: data out to scripts and spreadsheets, data in from other systems."""

from __future__ import annotations

import sys
from typing import Any

import typer

from salesdiary.i18n import N_, _, ngettext

EXPORT_TABLES_HELP = N_("What to export: accounts, contacts, deals, visits, followups, stages, or all.")
IMPORT_TABLES_HELP = N_("What to import: accounts, contacts, deals, visits, or all (a whole-journal export).")
PROGRESS_FROM = 1000  # rows: smaller files import before a bar would be worth drawing


def register(root: typer.Typer) -> None:
    root.command("export")(export)
    root.command("import")(import_)


def export(
    table: str = typer.Argument(..., help=EXPORT_TABLES_HELP),
    fmt: str = typer.Option(None, "--format", "-f", help=N_("csv (default), json or jsonl; all is json.")),
    output: str | None = typer.Option(None, "--output", "-o", help=N_("Write to FILE instead of stdout.")),
    excel: bool = typer.Option(
        False, "--excel", help=N_("CSV for spreadsheets: UTF-8 with BOM, formulas shown as text.")
    ),
    include_personal: bool = typer.Option(
        False, "--include-personal", help=N_("Include contacts' personal files (birthday, family, hobbies…).")
    ),
    since: str = typer.Option(None, "--since", help=N_("Only records dated on or after this date.")),
    until: str = typer.Option(None, "--until", help=N_("Only records dated on or before this date.")),
    owner: str = typer.Option(None, "--owner", help=N_("Only this owner's records.")),
    account: str = typer.Option(None, "--account", "-A", help=N_("Only this account's records (id or name).")),
    stage: str = typer.Option(
        None, "--stage", help=N_("Only this stage (deals, stages; accounts: information stage).")
    ),
    status: str = typer.Option(None, "--status", help=N_("Deals: open, won, lost, dropped; follow-ups: open, done.")),
    playbook: str = typer.Option(None, "--playbook", help=N_("Only deals of this playbook (and read --stage in it).")),
) -> None:
    """Write records as CSV, JSON or JSON lines for scripts and spreadsheets (columns: see the README)."""
    from salesdiary.cli.common import journal, output_path
    from salesdiary.core.errors import BadInput
    from salesdiary.journal import export_table
    from salesdiary.render import writers

    output = output_path(output)
    if table.strip().lower() == "all":
        _export_all(fmt, output, excel, since, until, owner, account, stage, status, playbook)
        return
    table = export_table(table)
    fmt = _format(fmt or "csv")
    if excel and fmt != "csv":
        raise BadInput(_("--excel is for CSV; leave out --format or use --format csv."))
    found = journal().export(
        table,
        include_personal=include_personal,
        since=since,
        until=until,
        owner=owner,
        account=account,
        stage=stage,
        status=status,
        playbook=playbook,
    )
    columns, rows = found.columns, found.rows
    if output and output != "-" or not sys.stdout.isatty():  # a bar beside rows printed on the terminal: no
        from salesdiary.render.progress import with_progress

        rows = with_progress(rows, _("Exporting {table}").format(table=table))
    with _full_disk_said(output), writers.output(output, bom=excel) as stream:
        count = writers.write_rows(stream, fmt, columns, rows, excel=excel)
    if output and output != "-":
        from salesdiary.cli.common import done

        done(_("Wrote {n} {table} to {path}.").format(n=count, table=table, path=output))


def _full_disk_said(output: str | None) -> Any:
    """An export that runs out of room (ENOSPC, a quota, a file-size limit) says the disk is full, in one line."""
    import contextlib

    @contextlib.contextmanager
    def guard() -> Any:
        try:
            yield
        except OSError as exc:
            from salesdiary.core.errors import SdError, is_full_disk_errno

            if not is_full_disk_errno(exc.errno):
                raise
            if output and output != "-":
                message = _("The disk is full: {path} was not written; the journal is unchanged.").format(path=output)
            else:
                message = _("The disk is full: the export was cut short; the journal is unchanged.")
            raise SdError(message + " " + _("Free some space and export again.")) from None

    return guard()


def _format(fmt: str) -> str:
    from salesdiary.journal_data import file_format

    return file_format(fmt)


def _export_all(fmt: str | None, output: str | None, excel: bool, *filters: str | None) -> None:
    from salesdiary.cli.common import done, journal
    from salesdiary.core.errors import BadInput
    from salesdiary.render import writers
    from salesdiary.render.console import warning

    if _format(fmt or "json") != "json" or excel:
        raise BadInput(_("sd export all writes one JSON file: use --format json, without --excel."))
    if any(f is not None for f in filters):
        raise BadInput(_("sd export all writes the whole journal; filters apply to one table at a time."))
    dump = journal().dump()
    with _full_disk_said(output), writers.output(output) as stream:
        count = writers.write_dump(stream, dump.header, dump.tables)
    if output and output != "-":
        done(
            ngettext(
                "Wrote the whole journal ({n} row) to {path}.", "Wrote the whole journal ({n} rows) to {path}.", count
            ).format(n=count, path=output)
        )
    warning(_("The export holds everything, contacts' personal files included: keep it private."))


def import_(
    table: str = typer.Argument(..., help=IMPORT_TABLES_HELP),
    file: str = typer.Argument(..., help=N_("CSV, JSON or JSON-lines file ('-' reads stdin).")),
    mapping: list[str] = typer.Option(
        None, "--map", help=N_("SOURCE=FIELD: read the column SOURCE into FIELD (SOURCE= leaves it out). Repeatable.")
    ),
    stage_map: list[str] = typer.Option(
        None,
        "--stage-map",
        help=N_('The file\'s stages, e.g. "Won=won,Engaging=3": a stage key, number or label, or won/lost/dropped.'),
    ),
    default: list[str] = typer.Option(
        None, "--default", help=N_("FIELD=VALUE for rows that leave FIELD empty (e.g. currency=USD). Repeatable.")
    ),
    playbook: str = typer.Option(None, "--playbook", help=N_("Playbook of new deals (default from config).")),
    dates: str = typer.Option("ymd", "--dates", help=N_("Date order of the file: ymd (ISO, default), dmy or mdy.")),
    create_accounts: bool = typer.Option(
        False, "--create-accounts", help=N_("Create the accounts that rows name and the journal lacks.")
    ),
    fmt: str = typer.Option(None, "--format", "-f", help=N_("csv, json or jsonl (default: from the file).")),
    encoding: str = typer.Option(None, "--encoding", help=N_("The file's encoding (default: detected).")),
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("Report what would change; write nothing.")),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help=N_("Import the valid rows, leave out the rest.")),
    as_json: bool = typer.Option(False, "--json", help=N_("Print the report as JSON on stdout.")),
) -> None:
    """Import records from CSV or JSON lines, matching existing ones on their natural keys."""
    from salesdiary.cli.common import journal
    from salesdiary.core.errors import BadInput, SdError
    from salesdiary.journal_data import refused_report

    table = table.strip().lower()
    if table == "all":
        if mapping or stage_map or default or playbook or create_accounts or skip_invalid or fmt:
            raise BadInput(_("sd import all restores a whole-journal export as it is; it takes no mapping options."))
        _import_all(file, encoding, dry_run=dry_run, as_json=as_json)
        return
    try:
        report = journal().data.import_table(
            table,
            file,
            mapping=mapping or [],
            stage_map=stage_map or [],
            defaults=default or [],
            playbook=playbook,
            dates=dates,
            create_accounts=create_accounts,
            fmt=fmt,
            encoding=encoding,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=_progress,
        )
    except SdError as exc:
        refused = refused_report(exc)
        if refused is None:
            raise
        _print_report(refused, file, as_json, refused=not dry_run)
        if dry_run:
            raise BadInput(
                ngettext(
                    "{n} row is invalid: a real import would write nothing (or the rest with --skip-invalid).",
                    "{n} rows are invalid: a real import would write nothing (or the rest with --skip-invalid).",
                    refused.invalid_rows,
                ).format(n=refused.invalid_rows)
            ) from None
        raise
    _print_report(report, file, as_json)


class _Bar:
    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    def __call__(self, done: int) -> None:
        if done % 200 == 0:
            self.progress.update(self.task, completed=done)


def _progress(total: int) -> Any:
    """A progress bar on stderr when it is a terminal and the file is large; else nothing."""
    import contextlib
    import sys

    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar() -> Any:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from salesdiary.render.console import err

        columns = (TextColumn(_("Importing")), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=err(), transient=True) as progress:
            task = progress.add_task("import", total=total)
            yield _Bar(progress, task)

    return bar()


def _print_report(report: Any, file: str, as_json: bool, refused: bool = False) -> None:
    from salesdiary.render.console import message, success, warning

    if as_json:
        from salesdiary.render.data import print_json

        print_json(report.as_json())
        return
    counts = _(
        "{rows} rows: {created} created, {updated} updated, {skipped} skipped (unchanged), {invalid} invalid."
    ).format(
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        skipped=report.skipped,
        invalid=report.invalid_rows,
    )
    if report.dry_run:
        head = _("Dry run, nothing written")
    elif refused:
        head = _("Not imported, nothing written")
    else:
        head = _("Imported")
    line = _("{head} — {table} from {file} ({encoding}): {counts}").format(
        head=head, table=report.table, file=file, encoding=report.encoding, counts=counts
    )
    (message if report.dry_run or report.invalid else success)(line)
    if report.accounts_created:
        message(
            ngettext(
                "{n} new account was named in the file and created with it.",
                "{n} new accounts were named in the file and created with it.",
                report.accounts_created,
            ).format(n=report.accounts_created)
        )
    if report.unknown_columns:
        warning(
            _(
                "Columns not imported: {columns}. Map them with --map COLUMN=FIELD, or leave them out: --map COLUMN=."
            ).format(columns=", ".join(report.unknown_columns))
        )
    shown = 20
    for p in report.invalid[:shown]:
        where = (
            _("row {row}, {column}").format(row=p.row, column=p.column)
            if p.column
            else _("row {row}").format(row=p.row)
        )
        warning(f"  {where}: {p.reason}")
    if len(report.invalid) > shown:
        more = len(report.invalid) - shown
        warning(
            ngettext(
                "  … and {n} more problem (all of them with --json).",
                "  … and {n} more problems (all of them with --json).",
                more,
            ).format(n=more)
        )


def _import_all(file: str, encoding: str | None, *, dry_run: bool, as_json: bool) -> None:
    from salesdiary.cli.common import done, journal

    restored = journal().data.import_all(file, encoding=encoding, dry_run=dry_run)
    if as_json:
        from salesdiary.render.data import print_json

        print_json(restored.as_json())
        return
    counts = restored.tables
    total = sum(counts.values())
    if dry_run:
        from salesdiary.render.console import message

        message(
            _("Dry run, nothing written: {n} rows in {tables} tables would be restored.").format(
                n=total, tables=len(counts)
            )
        )
    else:
        done(_("Restored {n} rows in {tables} tables from {file}.").format(n=total, tables=len(counts), file=file))
