"""`sd import all`: put a whole-journal dump (`sd export all --format json`) back into an empty journal.

The dump is a copy, not a new story: every table comes back as it was — ids, history
and change sets included — so nothing new is recorded in history. It goes in one
transaction (store/tx.run_write); a journal that already holds records is refused,
so a restore can never mix two journals.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from salesdiary.core.errors import BadInput, Conflict
from salesdiary.i18n import _
from salesdiary.store.reads.export_queries import DUMP_FORMAT, DUMP_VERSION, KEPT_COLUMNS, NOT_DUMPED, stored_columns
from salesdiary.store.version import SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlalchemy import Table

    from salesdiary.store.tx import Tx


class DryRun(Exception):
    """Raised at the end of a dry run so that the transaction rolls back."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__("dry run")
        self.counts = counts


# the schemas whose exports this sd restores: their exported tables and columns are this schema's (migrations 0002
# to 0006 changed none of them: roles, indexes, figures the database computes). A migration that changes an
# exported column must narrow this.
READABLE_SCHEMAS = range(1, SCHEMA_VERSION + 1)


def check_header(dump: Any) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(dump, dict) or dump.get("format") != DUMP_FORMAT or not isinstance(dump.get("tables"), dict):
        raise BadInput(_("This file is not a whole-journal export; make one with: sd export all --format json"))
    if dump.get("version") != DUMP_VERSION or dump.get("schema_version") not in READABLE_SCHEMAS:
        raise BadInput(
            _("The export was written for journal schema {found}; this sd restores schema {known}.").format(
                found=dump.get("schema_version"), known=SCHEMA_VERSION
            )
        )
    return dump["tables"]


def _converter(column: Any) -> Any:
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, TypeDecorator

    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, DateTime):
        return _timestamp
    if isinstance(kind, Date):
        return lambda v: dt.date.fromisoformat(str(v)[:10])
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Integer):
        return int
    if isinstance(kind, Float):
        return float
    return str


def _timestamp(value: Any) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(str(value))
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)  # stored as UTC without an offset


def _rows(table: Table, rows: Any) -> list[dict[str, Any]]:
    if not isinstance(rows, list):
        raise BadInput(_("Table {table} in the export is not a list of rows.").format(table=table.name))
    kept = set(KEPT_COLUMNS.get(table.name, ()))  # the triggers compute them: ignored if a dump has them
    converters = {c.name: _converter(c) for c in stored_columns(table)}
    out = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or set(row) - set(converters) - kept:
            raise BadInput(
                _("Row {number} of table {table} does not fit the schema ({columns}).").format(
                    number=number,
                    table=table.name,
                    columns=", ".join(sorted(set(row) - set(converters))) if isinstance(row, dict) else "-",
                )
            )
        try:
            out.append(
                {name: None if row.get(name) is None else convert(row[name]) for name, convert in converters.items()}
            )
        except (TypeError, ValueError) as exc:
            raise BadInput(
                _("Row {number} of table {table} has a value that cannot be read: {error}").format(
                    number=number, table=table.name, error=exc
                )
            ) from None
    return out


def restore(tx: Tx, dump: Any, *, dry_run: bool = False) -> dict[str, int]:
    """Insert every row of DUMP as it was; return the rows per table."""
    from sqlalchemy import bindparam, insert, text, update
    from sqlmodel import SQLModel

    import salesdiary.store.models  # noqa: F401  (registers the tables)

    tables = check_header(dump)
    known = {t.name: t for t in SQLModel.metadata.sorted_tables if t.name not in NOT_DUMPED}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise BadInput(_("The export holds tables this sd does not know: {tables}.").format(tables=", ".join(unknown)))
    busy = [name for name in known if tx.reader.rows(f'SELECT 1 AS x FROM "{name}" LIMIT 1')]
    if busy:
        raise Conflict(
            _("The journal is not empty ({tables} hold records); restore into a new one with --db NEWFILE.").format(
                tables=", ".join(busy)
            )
        )
    counts: dict[str, int] = {}
    session = tx.session
    for name, table in known.items():
        rows = _rows(table, tables.get(name, []))
        counts[name] = len(rows)
        if not rows:
            continue
        pk = [c.name for c in table.primary_key.columns]
        own = [c.name for c in table.columns if any(fk.column.table is table for fk in c.foreign_keys)]
        later = [
            {**{f"_{k}": r[k] for k in pk}, **{f"v_{c}": r[c] for c in own}} for r in rows if any(r[c] for c in own)
        ]
        session.execute(insert(table), [{**r, **dict.fromkeys(own)} for r in rows] if later else rows)
        if later:  # a row may point at a later row of its own table (a boss, an undo): link once all are in
            where = [table.c[k] == bindparam(f"_{k}") for k in pk]
            session.execute(update(table).where(*where).values({c: bindparam(f"v_{c}") for c in own}), later)
        if session.get_bind().dialect.name == "postgresql" and pk == ["id"]:
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))")
            )
    if dry_run:
        raise DryRun(counts)
    return counts
