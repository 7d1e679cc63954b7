"""One command's writes as one transaction, with every change recorded in history."""

from __future__ import annotations

import datetime as dt
import json
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


def _row(obj: SQLModel) -> dict[str, Any]:
    """OBJ's fields in the order the model declares them (model_dump follows the order the attributes were set
    or loaded in, which differs from one load to the next: history and "Updated …" would list changes in a
    different order each time)."""
    dumped = obj.model_dump()
    return {k: jsonable(dumped[k]) for k in type(obj).model_fields if k in dumped}


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
        self._changeset: ChangeSet | None = None
        self._seq = 0

    @property
    def is_manager(self) -> bool:
        """Whether the user may change every rep's records (always, in a journal of one's own)."""
        if self._manager is None:
            from salesdiary.store.team import is_manager

            self._manager = is_manager(self.reader)
        return self._manager

    def check_owner(self, obj: SQLModel) -> None:
        """In a team database, refuse to change OBJ (or what hangs on it) unless it is the user's own or the
        user is a manager; the database would refuse it too (row-level security), less clearly."""
        if not self.team or "owner" not in obj.__table__.c:  # type: ignore[attr-defined]
            return
        owner = getattr(obj, "owner", None)
        if owner is None or owner == self.user or self.is_manager:
            return
        from salesdiary.store.history_reads import record_label

        raise Conflict(
            _("{record} belongs to {owner}: only {owner} or a manager can change it. Nothing was written.").format(
                record=record_label(_entity(obj), record_key(obj), getattr(obj, "name", None)),
                owner=owner,
            )
        )

    def _open_changeset(self) -> int:
        if self._changeset is None:
            self._changeset = ChangeSet(at=now(), command=self.command[:2000], user=self.user)
            self.session.add(self._changeset)
            self.session.flush()
        return self._changeset.id  # type: ignore[return-value]

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

    def _record(self, obj: SQLModel, action: str, changes: dict[str, list[Any]]) -> None:
        changeset_id = self._open_changeset()
        self._seq += 1
        key = record_key(obj)
        self.session.add(
            History(
                changeset_id=changeset_id,
                seq=self._seq,
                entity=_entity(obj),
                entity_id=key,
                action=action,
                changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
            )
        )

    def insert(self, obj: SQLModel) -> Any:
        if _means_me(getattr(obj, "owner", None)):
            obj.owner = self.user
        if self.team and getattr(obj, "owner", None) not in (None, self.user) and not self.is_manager:
            raise Conflict(
                _("Only a manager can make records owned by someone else ({owner}); nothing was written.").format(
                    owner=obj.owner  # type: ignore[attr-defined]
                )
            )
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

    def update(
        self, obj: SQLModel, values: dict[str, Any], *, note: dict[str, Any] | None = None
    ) -> dict[str, list[Any]]:
        """Set VALUES on OBJ and record what changed; NOTE (e.g. {"reason": …}) is recorded beside the changes."""
        self.check_owner(obj)
        if _means_me(values.get("owner")) and "owner" in obj.__table__.c:  # type: ignore[attr-defined]
            values = {**values, "owner": self.user}
        if self.team and "owner" in values and values["owner"] != getattr(obj, "owner", values["owner"]):
            if not self.is_manager:  # giving a record away is a manager's call (sd account reassign)
                from salesdiary.store.history_reads import record_label

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
            self.session.add(obj)
            self.session.flush()
            self._record(obj, "update", recorded)
        return changes

    def delete(self, obj: SQLModel) -> None:
        self.check_owner(obj)
        self._record(obj, "delete", {k: [v, None] for k, v in _row(obj).items() if v is not None})
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


def _entity(obj: SQLModel) -> str:
    """OBJ's table name (SQLModel types `__tablename__` as a name or a function making one; ours are names)."""
    name = obj.__tablename__
    if not isinstance(name, str):
        raise TypeError(f"{type(obj).__name__}.__tablename__ is not a name")
    return name


def record_key(obj: SQLModel) -> str:
    pk = [c.name for c in obj.__table__.primary_key.columns]  # type: ignore[attr-defined]
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
