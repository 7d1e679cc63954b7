"""Undo and redo: one command's changeset reversed (or put back) as one new changeset, itself recorded.

`sd undo` reverses the user's latest command still in effect: the inverse of each of its history rows, in
reverse order, inside one transaction (an insert is deleted, a delete re-inserted with its old values, an
update given its old values back, `updated_at` included). The new changeset is linked to the one it
reversed (`changeset.undone_by`), so `sd redo` reverses the undo the same way. Undo refuses, naming the
record, when a later change still in effect touched a record of the command, or when a record no longer
holds what the command left in it.

Undo and redo run one at a time per user: on PostgreSQL each first takes a transaction-scoped advisory lock keyed
by the user (two `sd undo` at once would otherwise both pick the same command and reverse it twice); on SQLite
the write transaction itself (BEGIN IMMEDIATE) already lets one writer in at a time. The second waits, then
picks the next command, or stops after database.lock_timeout saying who holds the lock.

Rows are written with SQLAlchemy Core (no ORM objects): undoing a 50,000-row import stays quick.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric, Table, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator

from salesdiary.core.errors import Conflict
from salesdiary.i18n import _
from salesdiary.store import models
from salesdiary.store.reads import history_reads as hr
from salesdiary.store.reads.export_queries import stored_columns
from salesdiary.store.tx import Tx, jsonable


@dataclass
class Reversal:
    """What undo or redo did."""

    reversed_id: int  # the changeset reversed
    command: str  # its command line
    at: str
    changes: int  # how many record changes were reversed
    changeset_id: int  # the new changeset (the undo or redo itself)
    original_command: str  # for a redo: the command it puts back


def _tables() -> dict[str, Table]:
    tables = {}
    for value in vars(models).values():
        table = getattr(value, "__table__", None)
        if isinstance(table, Table) and getattr(value, "__tablename__", None):
            tables[table.name] = table
    return tables


# The advisory lock space of undo and redo (two int4 keys: this, and the user's name hashed).
UNDO_LOCK_SPACE = 0x53445544  # "SDUD"


def _one_at_a_time(tx: Tx) -> None:
    """Wait until no other undo or redo of the same user runs (PostgreSQL; SQLite: the transaction already does),
    so the target read next is the one in effect once the other has committed."""
    if tx.reader.dialect == "postgresql":
        tx.reader.rows(
            "SELECT 1 AS locked FROM pg_advisory_xact_lock(:space, hashtext(:user))",
            {"space": UNDO_LOCK_SPACE, "user": tx.user},
        )


def undo_last(tx: Tx) -> Reversal:
    _one_at_a_time(tx)
    target = hr.undo_target(tx.reader, _users(tx))
    if target is None:
        raise Conflict(_("Nothing to undo: you have no command left that changed the journal."))
    return _reverse(tx, target, redo=False)


def redo_last(tx: Tx) -> Reversal:
    _one_at_a_time(tx)
    target = hr.redo_target(tx.reader, _users(tx))
    if target is None:
        raise Conflict(_("Nothing to redo: there is no undo since your last command."))
    return _reverse(tx, target, redo=True)


def _users(tx: Tx) -> tuple[str, ...]:
    """Whose commands undo and redo reverse: the login on a team database; in a journal of one's own, every
    name one's commands were recorded under (user.name, and the OS user from before it was set)."""
    from salesdiary.store.paths import own_names

    return (tx.user,) if tx.team else own_names()


def _reverse(tx: Tx, target: dict[str, Any], *, redo: bool) -> Reversal:
    cid = int(target["id"])
    command = hr.original_command(tx.reader, target)
    verb = _("redo") if redo else _("undo")
    later = hr.later_changes(tx.reader, cid)
    if later:
        first = later[0]
        raise Conflict(
            _(
                "Cannot {verb} “{command}”: {record} was changed later by “{later}” ({user}, {at}). "
                "Undo that first, or change the record by hand."
            ).format(
                verb=verb,
                command=_short(command),
                record=_label(tx, first["entity"], first["entity_id"]),
                later=_short(str(first["command"])),
                user=first["user"],
                at=str(first["at"])[:16],
            )
        )
    rows = hr.changes_of(tx.reader, cid)
    reverser = _Reverser(tx, _tables(), verb, command)
    reverser.prefetch(rows)
    try:
        for row in reversed(rows):
            reverser.apply_inverse(row)
        reverser.finish()
    except IntegrityError:  # it would put back a record whose account or deal was removed since
        raise Conflict(
            _(
                "Cannot {verb} “{command}”: a record it would put back refers to one removed since "
                "(e.g. by sd demo --remove or another rm). Nothing was changed."
            ).format(verb=verb, command=_short(command))
        ) from None
    new_id = tx.changeset_id()
    changesets = reverser.tables["changeset"]
    reverser.conn.execute(update(changesets).where(changesets.c.id == cid).values(undone_by=new_id))
    return Reversal(
        reversed_id=cid,
        command=str(target["command"]),
        at=str(target["at"]),
        changes=len(rows),
        changeset_id=new_id,
        original_command=command,
    )


class _Reverser:
    """Applies inverses row by row, with the rows' current values cached and deletes sent in batches."""

    CHUNK = 500

    def __init__(self, tx: Tx, tables: dict[str, Table], verb: str, command: str) -> None:
        self.tx, self.tables, self.verb, self.command = tx, tables, verb, command
        self.conn = tx.session.connection()
        self.current: dict[tuple[str, tuple[Any, ...]], dict[str, Any] | None] = {}
        self.recorded: list[tuple[str, str, str, dict[str, list[Any]]]] = []
        self.pending: tuple[str, Table | None, list[Any]] = ("", None, [])  # ("delete" | "insert", table, items)

    def table(self, entity: str) -> Table:
        table = self.tables.get(entity)
        if table is None:
            raise Conflict(
                _("Cannot {verb} “{command}”: it changed {entity}, which this sd does not know.").format(
                    verb=self.verb, command=_short(self.command), entity=entity
                )
            )
        return table

    def prefetch(self, rows: list[dict[str, Any]]) -> None:
        """Read the current rows of single-key tables in chunks (a large import is one changeset)."""
        wanted: dict[str, set[Any]] = {}
        for row in rows:
            table = self.tables.get(row["entity"])
            if table is None or len(table.primary_key.columns) != 1:
                continue
            key = _key_values(table, str(row["entity_id"]), row["changes"], row["action"])
            wanted.setdefault(table.name, set()).update(key.values())
        for name, keys in wanted.items():
            table = self.tables[name]
            column = next(iter(table.primary_key.columns))
            ordered = sorted(keys, key=repr)
            for start in range(0, len(ordered), self.CHUNK):
                chunk = ordered[start : start + self.CHUNK]
                for key in chunk:
                    self.current[(name, (key,))] = None
                for found in self.conn.execute(_stored(table).where(column.in_(chunk))).mappings():
                    self.current[(name, (found[column.name],))] = dict(found)

    def row_now(self, table: Table, key: dict[str, Any]) -> dict[str, Any] | None:
        cache_key = (table.name, tuple(key.values()))
        if cache_key not in self.current:
            where = and_(*(table.c[name] == value for name, value in key.items()))
            found = self.conn.execute(_stored(table).where(where)).mappings().first()
            self.current[cache_key] = dict(found) if found is not None else None
        return self.current[cache_key]

    def refuse(self, entity: str, entity_id: str, reason: str) -> Conflict:
        self.flush()
        return Conflict(
            _("Cannot {verb} “{command}”: {record} {reason}").format(
                verb=self.verb,
                command=_short(self.command),
                record=_label(self.tx, entity, entity_id),
                reason=reason,
            )
        )

    def apply_inverse(self, row: dict[str, Any]) -> None:
        changes: dict[str, list[Any]] = row["changes"]
        entity, entity_id, action = row["entity"], str(row["entity_id"]), row["action"]
        table = self.table(entity)
        key = _key_values(table, entity_id, changes, action)
        cache_key = (table.name, tuple(key.values()))
        current = self.row_now(table, key)
        if action == "insert":
            if current is None:
                raise self.refuse(entity, entity_id, _("no longer exists."))
            self.delete(table, key)
            self.recorded.append(
                (entity, entity_id, "delete", {k: [jsonable(v), None] for k, v in current.items() if v is not None})
            )
            self.current[cache_key] = None
        elif action == "delete":
            if current is not None:
                raise self.refuse(entity, entity_id, _("exists again (made by a later command)."))
            values: dict[str, Any] = {c.name: None for c in stored_columns(table)}
            values.update({name: _typed(table, name, pair[0]) for name, pair in changes.items() if name in table.c})
            self.batch("insert", table, values)
            self.recorded.append(
                (entity, entity_id, "insert", {k: [None, jsonable(v)] for k, v in values.items() if v is not None})
            )
            self.current[cache_key] = values
        elif action == "update":
            if current is None:
                raise self.refuse(entity, entity_id, _("no longer exists."))
            restore: dict[str, Any] = {}
            recorded: dict[str, list[Any]] = {}
            for name, pair in changes.items():
                if name not in table.c or not isinstance(pair, list) or len(pair) != 2:
                    continue
                old, new = pair
                now_value = jsonable(current[name])
                if not _same(now_value, new):
                    raise self.refuse(
                        entity,
                        entity_id,
                        _("has changed since: its {field} is now {value}.").format(
                            field=name, value=_short(str(now_value))
                        ),
                    )
                restore[name] = _typed(table, name, old)
                recorded[name] = [now_value, old]
            if restore:
                self.flush()
                where = and_(*(table.c[name] == value for name, value in key.items()))
                self.conn.execute(update(table).where(where).values(restore))
                self.recorded.append((entity, entity_id, "update", recorded))
                current.update(restore)
        else:
            raise self.refuse(entity, entity_id, _("has a change sd cannot reverse ({action}).").format(action=action))

    def delete(self, table: Table, key: dict[str, Any]) -> None:
        if len(key) != 1:
            where = and_(*(table.c[name] == value for name, value in key.items()))
            self.flush()
            self.conn.execute(delete(table).where(where))
            return
        self.batch("delete", table, next(iter(key.values())))

    def batch(self, kind: str, table: Table, item: Any) -> None:
        """Queue a delete (by key) or an insert (values); runs of the same kind and table go out together."""
        pending_kind, pending_table, items = self.pending
        if pending_kind != kind or pending_table is not table:
            self.flush()
            items = []
            self.pending = (kind, table, items)
        items.append(item)

    def flush(self) -> None:
        kind, table, items = self.pending
        self.pending = ("", None, [])
        if table is None or not items:
            return
        if kind == "insert":
            self.conn.execute(insert(table), items)
            return
        column = next(iter(table.primary_key.columns))
        for start in range(0, len(items), self.CHUNK):
            self.conn.execute(delete(table).where(column.in_(items[start : start + self.CHUNK])))

    def finish(self) -> None:
        self.flush()
        self.tx.record_many(self.recorded)


def _stored(table: Table) -> Any:
    """SELECT of TABLE's columns but those the database computes itself (its triggers set them)."""
    return select(*stored_columns(table))


def _same(a: Any, b: Any) -> bool:
    if a == b:
        return True
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    return False


def _key_values(table: Table, entity_id: str, changes: dict[str, list[Any]], action: str) -> dict[str, Any]:
    """The primary key of the row a history row is about: from its values when recorded, else from entity_id."""
    names = [c.name for c in table.primary_key.columns]
    side = 1 if action == "insert" else 0
    if action in ("insert", "delete") and all(name in changes and changes[name][side] is not None for name in names):
        return {name: _typed(table, name, changes[name][side]) for name in names}
    parts = entity_id.split("/", len(names) - 1) if len(names) > 1 else [entity_id]
    if len(parts) != len(names):
        raise Conflict(
            _("History names the {entity} record {key!r}, which sd cannot read.").format(
                entity=table.name, key=entity_id
            )
        )
    return {name: _typed(table, name, part) for name, part in zip(names, parts, strict=True)}


def _typed(table: Table, name: str, value: Any) -> Any:
    """A value from history's JSON as the column takes it (dates and times back from their ISO text)."""
    if value is None:
        return None
    kind = table.c[name].type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        if isinstance(kind, DateTime):
            moment = dt.datetime.fromisoformat(str(value))
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        if isinstance(kind, Date):
            return dt.date.fromisoformat(str(value)[:10])
        if isinstance(kind, Boolean):
            return bool(value)
        if isinstance(kind, Integer):
            return int(value)
        if isinstance(kind, Float | Numeric):
            return float(value)
    except (TypeError, ValueError):
        raise Conflict(
            _("History holds {value!r} for {table}.{field}, which sd cannot put back.").format(
                value=_short(str(value)), table=table.name, field=name
            )
        ) from None
    return value


def _label(tx: Tx, entity: str, entity_id: str) -> str:
    name = None
    if entity in hr.NAMED_TABLES and entity_id.isdigit():
        rows = tx.reader.rows(f"SELECT name FROM {entity} WHERE id = :id", {"id": int(entity_id)})
        name = rows[0]["name"] if rows else None
    from salesdiary.core.history import record_label

    return record_label(entity, entity_id, name)


def _short(text: str, width: int = 60) -> str:
    from salesdiary.core.validate import show

    return show(text, width)


def undo_changeset(tx: Tx, changeset: dict[str, Any]) -> Reversal:
    """Reverse one given changeset (not necessarily the user's last), as `sd undo` reverses the last: refused,
    naming the record, when a later change still in effect touched one of its records."""
    return _reverse(tx, changeset, redo=False)


def record_name(tx: Tx, entity: str, entity_id: str) -> str:
    """A record as a person reads it, with its name where it has one: 'deal #12 “调度中心网络改造”'."""
    return _label(tx, entity, entity_id)
