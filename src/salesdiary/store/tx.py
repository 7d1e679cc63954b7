"""One command's writes as one transaction, with every change recorded in history."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, SQLModel

from salesdiary.core.dates import today as today_date
from salesdiary.core.errors import Conflict, SdError
from salesdiary.i18n import _
from salesdiary.store.connection import SqlAlchemyReader
from salesdiary.store.engine import engine_for
from salesdiary.store.invocation import command_line
from salesdiary.store.models import ChangeSet, History
from salesdiary.store.paths import Target, current_user

T = TypeVar("T")
RETRIES = 6


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _row(obj: Any) -> dict[str, Any]:
    """OBJ's fields in the order the model declares them (model_dump follows the order the attributes were set
    or loaded in, which differs from one load to the next: history and "Updated …" would list changes in a
    different order each time)."""
    if isinstance(obj, RowRecord):
        return {k: jsonable(obj.values[k]) for k in obj.model.model_fields if k in obj.values}
    dumped = obj.model_dump()
    return {k: jsonable(dumped[k]) for k in type(obj).model_fields if k in dumped}


def rows_without_orm() -> bool:
    """Whether Tx.fetch and Tx.add read and write records as rows through SQLAlchemy Core rather than as ORM
    objects. A write that touches a few records (`sd visit add`, `sd log`) then configures no mapper and
    compiles no ORM statement: a visit's ORM work ≈ 80 → 17 ms in-process on the bench's large journal
    (bench/README.md, ninth pass). History records the same changes either way. SD_ORM_WRITES=1 turns it off."""
    return os.environ.get("SD_ORM_WRITES", "") != "1"


class RowRecord:
    """A record read or written as a row (Tx.fetch, Tx.add): its model's fields as attributes (`deal.owner`,
    `visit.id`), and the model's `__table__` and `__tablename__`, so the write functions and Tx.update treat it
    as they treat a model instance."""

    __slots__ = ("model", "values")

    def __init__(self, model: Any, values: dict[str, Any]) -> None:
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.model.model_fields:
            raise AttributeError(f"{self.model.__name__} has no field {name}")
        self.values[name] = value

    @property
    def __table__(self) -> Any:
        return self.model.__table__

    @property
    def __tablename__(self) -> str:
        return self.model.__tablename__

    def __repr__(self) -> str:
        return f"RowRecord({self.model.__name__}, {self.values!r})"


def _where_key(table: Any, record: Any) -> list[Any]:
    return [c == getattr(record, c.name) for c in table.primary_key.columns]


def _one_row(result: Any) -> None:
    """An UPDATE or DELETE of one record that matched none: in a team database, row-level security hid a
    teammate's record (the ORM raises the same error, which run_write turns into a clear refusal)."""
    if result.rowcount != 1:
        from sqlalchemy.orm.exc import StaleDataError

        raise StaleDataError(f"expected to change 1 row, changed {result.rowcount}")


class Tx:
    """The open transaction a write function works in."""

    def __init__(self, session: Session, command: str) -> None:
        self.session = session
        self.command = _storable(command)
        self.today = today_date()
        self.reader = SqlAlchemyReader(session.connection())
        # a team database (PostgreSQL): the user is the database role, whose rights the database enforces
        self.team = self.reader.dialect == "postgresql"
        self.user = self.reader.rows("SELECT current_user AS who")[0]["who"] if self.team else current_user()
        self._manager: bool | None = None
        self._changeset_id: int | None = None
        self._seq = 0
        self.rows = rows_without_orm()

    @property
    def is_manager(self) -> bool:
        """Whether the user may change every rep's records (always, in a journal of one's own)."""
        if self._manager is None:
            from salesdiary.store.team import is_manager

            self._manager = is_manager(self.reader)
        return self._manager

    def check_owner(self, obj: Any) -> None:
        """In a team database, refuse to change OBJ (or what hangs on it) unless it is the user's own or the
        user is a manager; the database would refuse it too (row-level security), less clearly."""
        if not self.team or "owner" not in obj.__table__.c:
            return
        owner = getattr(obj, "owner", None)
        if owner is None or owner == self.user or self.is_manager:
            return
        from salesdiary.core.history import record_label

        raise Conflict(
            _("{record} belongs to {owner}: only {owner} or a manager can change it. Nothing was written.").format(
                record=record_label(_entity(obj), record_key(obj), getattr(obj, "name", None)),
                owner=owner,
            )
        )

    def _open_changeset(self) -> int:
        if self._changeset_id is None:
            values: dict[str, Any] = {"at": now(), "command": self.command[:2000], "user": self.user}
            if self.rows:
                from sqlalchemy import insert

                table = ChangeSet.__table__  # type: ignore[attr-defined]
                self._changeset_id = self.session.execute(insert(table).returning(table.c.id), values).scalar_one()
            else:
                changeset = ChangeSet(**values)
                self.session.add(changeset)
                self.session.flush()
                self._changeset_id = changeset.id
        return self._changeset_id  # type: ignore[return-value]

    def changeset_id(self) -> int:
        """The id of this command's changeset (created on first use)."""
        return self._open_changeset()

    def record_many(self, entries: list[tuple[str, str, str, dict[str, list[Any]]]]) -> None:
        """Record many changes (entity, entity_id, action, changes) written without the ORM, in one INSERT."""
        from sqlalchemy import insert

        if not entries:
            return
        changeset_id = self._open_changeset()
        rows = []
        for entity, entity_id, action, changes in entries:
            self._seq += 1
            rows.append(
                {
                    "changeset_id": changeset_id,
                    "seq": self._seq,
                    "entity": entity,
                    "entity_id": entity_id,
                    "action": action,
                    "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True),
                }
            )
        self.session.execute(insert(History.__table__), rows)  # type: ignore[attr-defined]

    def _record(self, obj: Any, action: str, changes: dict[str, list[Any]]) -> None:
        if self.rows:
            self.record_many([(_entity(obj), record_key(obj), action, changes)])
            return
        changeset_id = self._open_changeset()
        self._seq += 1
        self.session.add(
            History(
                changeset_id=changeset_id,
                seq=self._seq,
                entity=_entity(obj),
                entity_id=record_key(obj),
                action=action,
                changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
            )
        )

    def fetch(self, model: Any, key: Any) -> Any:
        """The record of MODEL whose primary key is KEY (a tuple for a key of several columns), or None: a
        RowRecord (see rows_without_orm), else the ORM object as get() gives it."""
        if not self.rows:
            return self.get(model, key)
        from sqlalchemy import select

        table = model.__table__
        keys = key if isinstance(key, tuple) else (key,)
        stmt = select(*(table.c[name] for name in model.model_fields)).where(
            *(c == value for c, value in zip(table.primary_key.columns, keys, strict=True))
        )
        row = self.session.execute(stmt).mappings().first()
        return None if row is None else RowRecord(model, dict(row))

    def add(self, model: Any, values: dict[str, Any]) -> Any:
        """Insert a record of MODEL with VALUES (the model's defaults for the fields not given) and record it
        in history, as insert(MODEL(**VALUES)) does; returns it with its key (a RowRecord, see rows_without_orm)."""
        if not self.rows:
            return self.insert(model(**values))
        from pydantic_core import PydanticUndefined
        from sqlalchemy import insert

        fields = model.model_fields
        unknown = set(values) - set(fields)
        if unknown:
            raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        row = {
            name: values[name] if name in values else None if field.default is PydanticUndefined else field.default
            for name, field in fields.items()
        }
        record = RowRecord(model, row)
        self._may_make(record)
        table = model.__table__
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and row[pk[0].name] is None:
            given = {k: v for k, v in row.items() if k != pk[0].name}
            row[pk[0].name] = self.session.execute(insert(table).returning(pk[0]), given).scalar_one()
        else:
            self.session.execute(insert(table), row)
        self._record(record, "insert", {k: [None, v] for k, v in _row(record).items() if v is not None})
        return record

    def _may_make(self, obj: Any) -> None:
        """--owner me names the user; in a team database only a manager makes records owned by someone else."""
        if _means_me(getattr(obj, "owner", None)):
            obj.owner = self.user
        if self.team and getattr(obj, "owner", None) not in (None, self.user) and not self.is_manager:
            raise Conflict(
                _("Only a manager can make records owned by someone else ({owner}); nothing was written.").format(
                    owner=obj.owner
                )
            )

    def insert(self, obj: SQLModel) -> Any:
        self._may_make(obj)
        self.session.add(obj)
        self.session.flush()
        self._record(obj, "insert", {k: [None, v] for k, v in _row(obj).items() if v is not None})
        return obj

    def insert_many(self, model: type[SQLModel], rows: list[dict[str, Any]]) -> list[Any]:
        """Insert ROWS (column → value) of MODEL at once, each recorded in history as insert() records it.

        For large imports: one multi-row INSERT … RETURNING instead of a flush per object. Column defaults
        of the model apply; a single-column key missing from the rows is generated. Returns the keys in
        the order of ROWS.
        """
        from sqlalchemy import func, insert, select

        if not rows:
            return []
        table = model.__table__  # type: ignore[attr-defined]
        defaults = {c.name: c.default.arg for c in table.columns if c.default is not None and c.default.is_scalar}
        given = dict.fromkeys(name for row in rows for name in row)
        unknown = set(given) - set(table.c.keys())
        if unknown:
            raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
        full = [{**defaults, **dict.fromkeys(given), **row} for row in rows]  # one set of keys for every row
        pk = [c.name for c in table.primary_key.columns]
        if len(pk) == 1 and all(r.get(pk[0]) is None for r in full):
            key = table.c[pk[0]]
            if self.session.get_bind().dialect.name == "sqlite":
                # The transaction holds the write lock (BEGIN IMMEDIATE), so the next ids are known: the
                # batch goes in as one executemany, several times faster than INSERT … RETURNING row by row.
                start = self.session.execute(select(func.max(key))).scalar() or 0
                for offset, r in enumerate(full, start=1):
                    r[pk[0]] = start + offset
                self.session.execute(insert(table), full)
            else:
                for r in full:
                    r.pop(pk[0], None)
                stmt = insert(table).returning(key, sort_by_parameter_order=True)
                for r, (new_key,) in zip(full, self.session.execute(stmt, full), strict=True):
                    r[pk[0]] = new_key
        else:
            self.session.execute(insert(table), full)
        changeset_id = self._open_changeset()
        history = []
        for r in full:
            self._seq += 1
            changes = {k: [None, jsonable(v)] for k, v in r.items() if v is not None}
            history.append(
                {
                    "changeset_id": changeset_id,
                    "seq": self._seq,
                    "entity": table.name,
                    "entity_id": "/".join(str(r[name]) for name in pk),
                    "action": "insert",
                    "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True),
                }
            )
        self.session.execute(insert(History.__table__), history)  # type: ignore[attr-defined]
        return [r[pk[0]] if len(pk) == 1 else tuple(r[name] for name in pk) for r in full]

    def update(self, obj: Any, values: dict[str, Any], *, note: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """Set VALUES on OBJ and record what changed; NOTE (e.g. {"reason": …}) is recorded beside the changes."""
        self.check_owner(obj)
        if _means_me(values.get("owner")) and "owner" in obj.__table__.c:
            values = {**values, "owner": self.user}
        if self.team and "owner" in values and values["owner"] != getattr(obj, "owner", values["owner"]):
            if not self.is_manager:  # giving a record away is a manager's call (sd account reassign)
                from salesdiary.core.history import record_label

                raise Conflict(
                    _("Only a manager can give {record} to {owner}; nothing was written.").format(
                        record=record_label(_entity(obj), record_key(obj), getattr(obj, "name", None)),
                        owner=values["owner"],
                    )
                )
        before = _row(obj)
        for name, value in values.items():
            setattr(obj, name, value)
        after = _row(obj)
        changes = {k: [before[k], after[k]] for k in after if before.get(k) != after[k] and k != "updated_at"}
        if changes:
            recorded = dict(changes)
            if hasattr(obj, "updated_at"):
                obj.updated_at = now()
                # kept in history (and not shown) so that undo puts the record back exactly as it was
                recorded["updated_at"] = [before.get("updated_at"), jsonable(obj.updated_at)]
            for name, value in (note or {}).items():
                recorded[name] = [None, value]  # not a column: undo passes over it
            if isinstance(obj, RowRecord):
                from sqlalchemy import update

                names = [*changes, *(["updated_at"] if "updated_at" in recorded else [])]
                stmt = update(obj.__table__).where(*_where_key(obj.__table__, obj))
                _one_row(self.session.execute(stmt, {name: getattr(obj, name) for name in names}))
            else:
                self.session.add(obj)
                self.session.flush()
            self._record(obj, "update", recorded)
        return changes

    def delete(self, obj: Any) -> None:
        self.check_owner(obj)
        self._record(obj, "delete", {k: [v, None] for k, v in _row(obj).items() if v is not None})
        if isinstance(obj, RowRecord):
            from sqlalchemy import delete

            _one_row(self.session.execute(delete(obj.__table__).where(*_where_key(obj.__table__, obj))))
        else:
            self.session.delete(obj)
            self.session.flush()

    def get(self, model: type[T], key: Any) -> T | None:
        return self.session.get(model, key)


def _means_me(owner: Any) -> bool:
    """--owner me (or 我) names the user, as it does in lists."""
    from salesdiary.store.team import ME_WORDS

    return isinstance(owner, str) and owner.strip().lower() in ME_WORDS


def _storable(text: str) -> str:
    """TEXT as typed, but storable: bytes that were not UTF-8 (e.g. a GBK folder in --db) become \\xNN escapes."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _entity(obj: Any) -> str:
    """OBJ's table name (SQLModel types `__tablename__` as a name or a function making one; ours are names)."""
    name = obj.__tablename__
    if not isinstance(name, str):
        raise TypeError(f"{type(obj).__name__}.__tablename__ is not a name")
    return name


def record_key(obj: Any) -> str:
    pk = [c.name for c in obj.__table__.primary_key.columns]
    return "/".join(str(getattr(obj, name)) for name in pk)


def db_error_text(error: BaseException | None) -> str:
    """What the database said, in one sentence: PostgreSQL's primary message without its CONTEXT and DETAIL
    lines (which name the trigger functions, not anything a rep can act on)."""
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    text = str(primary) if primary else str(error)
    return text.split("\nCONTEXT:")[0].split("\nDETAIL:")[0].strip()


def run_write(target: Target, fn: Callable[[Tx], T], command: str | None = None) -> T:
    """Run FN in one transaction; retry when another process holds the lock."""
    from sqlalchemy.exc import ProgrammingError
    from sqlalchemy.orm.exc import StaleDataError

    from salesdiary.store.migrate import check_writable

    engine = engine_for(target)
    check_writable(target)
    delay = 0.05
    for attempt in range(RETRIES):
        started = time.monotonic()
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return fn(Tx(session, command or command_line()))
        except OperationalError as exc:
            message = db_error_text(exc.orig)
            sqlstate = getattr(exc.orig, "sqlstate", None)
            if target.url and not target.is_sqlite_file:  # PostgreSQL: a lock or statement timeout ran out
                from salesdiary.store import pg

                waited = pg.waited_too_long(target.url, exc)
                if waited is not None:
                    raise waited from None
            if sqlstate in ("40001", "40P01") and attempt < RETRIES - 1:  # PostgreSQL: serialization, deadlock
                time.sleep(delay)
                delay *= 2
                continue
            if target.url and (sqlstate is None or sqlstate.startswith("08")) and not target.is_sqlite_file:
                from salesdiary.store import pg

                raise pg.connection_error(target.url, exc) from None
            if "locked" in message or "busy" in message:
                from salesdiary.store.connection import busy_timeout_ms, journal_locked

                wait = busy_timeout_ms() / 1000
                # SQLite's busy wait ran out: say so (waiting again would double it); a lock error that came at
                # once (no busy wait, e.g. two processes switching a new journal to WAL) is tried again
                if attempt < RETRIES - 1 and time.monotonic() - started < wait * 0.8:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise journal_locked(target.path or target.describe(), wait) from None
            if "disk is full" in message or "disk I/O" in message:
                raise SdError(_("The disk is full: nothing was written, the journal is intact.")) from None
            raise SdError(
                _("The database refused the write ({error}); nothing was written.").format(error=message)
            ) from None
        except (ProgrammingError, StaleDataError) as exc:
            # row-level security: a change to another rep's record (0 rows matched, or a policy violated)
            if isinstance(exc, ProgrammingError) and getattr(exc.orig, "sqlstate", None) != "42501":
                raise
            detail = " ".join(db_error_text(getattr(exc, "orig", None) or exc).split())[:200]
            raise Conflict(
                _(
                    "The database refused the change ({error}): a rep may change only the records they own. "
                    "Nothing was written."
                ).format(error=detail)
            ) from None
        except IntegrityError as exc:
            raise Conflict(
                _("The change conflicts with what is stored ({error}); nothing was written.").format(
                    error=db_error_text(exc.orig)
                )
            ) from None
    raise AssertionError("unreachable")
