"""Data into a journal: `Journal.data` (`sd import`, `sd import all`, `sd demo`).

    with Journal.open("~/sales.sqlite") as j:
        report = j.data.import_table("accounts", "crm.csv", mapping=["Firma=name"], dry_run=True)
        print(report.as_json())                            # what `sd import accounts crm.csv --json` prints
        j.data.import_all("export.json")                   # a whole-journal export (`sd export all`), as it was
        j.data.fill_demo(if_empty=True)                    # `sd demo --if-empty`

Each write is one changeset, as every other write of the API, so `sd history` shows it and `sd undo` takes it
back. Like journal.py, importing this module costs nothing: every import is inside a method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.journal import Journal
    from salesdiary.store.writes.importer import ImportReport

# Told the number of rows to import, a progress display: a context whose value is called with the rows done so
# far (None: no display).
Progress = Callable[[int], AbstractContextManager[Callable[[int], None] | None]]


@dataclass
class DumpRestored:
    """`sd import all`: the rows restored per table (TABLES), or that would be on a DRY_RUN."""

    dry_run: bool
    tables: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "tables": self.tables}


@dataclass
class DemoFilled:
    """`sd demo`: the records made (accounts, contacts, deals, visits, followups) and where (DATABASE)."""

    database: str
    counts: dict[str, int]


def file_format(fmt: str) -> str:
    """--format as given: csv, json or jsonl (BadInput otherwise)."""
    from salesdiary.core.errors import BadInput
    from salesdiary.i18n import _

    fmt = fmt.strip().lower()
    if fmt not in ("csv", "json", "jsonl"):
        raise BadInput(_("--format must be csv, json or jsonl, not {fmt!r}.").format(fmt=fmt))
    return fmt


def refused_report(exc: BaseException) -> ImportReport | None:
    """The report of an import that refused invalid rows and wrote nothing (an SdError `import_table` raised),
    else None: a caller may show which rows were wrong before the error."""
    from salesdiary.store.writes.importer import ImportRefused

    return exc.report if isinstance(exc, ImportRefused) else None


class DataIn:
    """`Journal.data`: records from files and the demo journal."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def import_table(
        self,
        table: str,
        file: str | Path,
        *,
        mapping: Iterable[str] = (),
        stage_map: Iterable[str] = (),
        defaults: Iterable[str] = (),
        playbook: str | None = None,
        dates: str = "ymd",
        create_accounts: bool = False,
        fmt: str | None = None,
        encoding: str | None = None,
        dry_run: bool = False,
        skip_invalid: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Import TABLE (accounts, contacts, deals, visits) from FILE (CSV, JSON or JSON lines; '-': stdin),
        matching existing records on their natural keys, as `sd import` does: MAPPING "SOURCE=FIELD" reads a
        column into a field ("SOURCE=" leaves it out), STAGE_MAP "Won=won" reads the file's stages, DEFAULTS
        "FIELD=VALUE" fill empty cells; DATES the file's date order (ymd, dmy, mdy). Invalid rows refuse the
        whole import (an SdError; `refused_report` gives its report) unless SKIP_INVALID; a DRY_RUN writes
        nothing. A SQLite journal is backed up first."""
        from salesdiary.core import tabular
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.writes import importer

        table = table.strip().lower()
        if table not in tabular.IMPORT_TABLES:
            raise BadInput(
                _("Cannot import {table!r}; choose one of: {tables}, all.").format(
                    table=table, tables=", ".join(tabular.IMPORT_TABLES)
                )
            )
        if (playbook or stage_map) and table != "deals":
            option = "playbook" if playbook else "stage-map"
            raise BadInput(_("--{option} does not apply to {table}.").format(option=option, table=table))
        if dates not in tabular.DATE_ORDERS:
            raise BadInput(_("--dates must be ymd, dmy or mdy, not {value!r}.").format(value=dates))
        options = importer.ImportOptions(
            mapping=tabular.parse_assignments(mapping, "--map", allow_empty=True),
            stage_map=tabular.parse_assignments(stage_map, "--stage-map"),
            defaults=tabular.parse_assignments(defaults, "--default"),
            playbook=playbook,
            date_order=dates,
            create_accounts=create_accounts,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
        )
        source = importer.read_source(str(file), file_format(fmt) if fmt else None, encoding)
        command = self._journal.command_for("data.import_table")
        if progress is None:
            return importer.import_file(self._journal.target, table, source, options, None, command)
        with progress(len(source.rows)) as tick:
            return importer.import_file(self._journal.target, table, source, options, tick, command)

    def import_all(self, file: str | Path, *, encoding: str | None = None, dry_run: bool = False) -> DumpRestored:
        """Restore a whole-journal export (`sd export all`, `Journal.dump`) from FILE as it is, as `sd import all`
        does; a DRY_RUN counts the rows and writes nothing."""
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.writes.importer import json_problem, read_text
        from salesdiary.store.writes.restore import DryRun, restore

        text, _encoding = read_text(str(file), encoding)
        parsed = json_problem(text)
        if isinstance(parsed, str):
            raise BadInput(_("{file} is not valid JSON: {error}").format(file=file, error=parsed))
        dump = parsed[0]
        try:
            counts = self._journal.write("data.import_all", lambda tx: restore(tx, dump, dry_run=dry_run))
        except DryRun as finished:
            counts = finished.counts
        return DumpRestored(dry_run, counts)

    def is_empty(self) -> bool:
        """The journal has no account yet."""
        from salesdiary.store.reads.record_reads import is_empty

        return is_empty(self._journal.reader)

    def fill_demo(self, *, if_empty: bool = False) -> DemoFilled | None:
        """Fill an empty journal with realistic sample data (bilingual accounts, people, deals, visits), as
        `sd demo`; a journal with data is refused (Conflict), or with IF_EMPTY left alone (None)."""
        from salesdiary.core.errors import Conflict
        from salesdiary.i18n import _
        from salesdiary.store.writes.demo import fill_demo

        if not self.is_empty():
            if if_empty:
                return None
            raise Conflict(_("The journal is not empty; the demo only fills an empty one (use --db to pick another)."))
        counts = self._journal.write("data.fill_demo", fill_demo)
        return DemoFilled(self._journal.target.describe(), counts)

    def remove_demo(self) -> int:
        """Take the demo's records out again (yours stay; redo puts them back). Returns the changes made."""
        from salesdiary.store.writes.demo import remove_demo

        return self._journal.write("data.remove_demo", remove_demo)
