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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _row(obj: SQLModel) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in obj.model_dump().items()}


class Tx:
    """The open transaction a write function works in."""

    def __init__(self, session: Session, command: str) -> None:
        self.session = session
        self.command = _storable(command)
        self.user = current_user()
        self.today = today_date()
        self.reader = SqlAlchemyReader(session.connection())
        self._changeset: ChangeSet | None = None
        self._seq = 0

    def _open_changeset(self) -> int:
        if self._changeset is None:
            self._changeset = ChangeSet(at=now(), command=self.command[:2000], user=self.user)
            self.session.add(self._changeset)
            self.session.flush()
        return self._changeset.id  # type: ignore[return-value]

    def changeset_id(self) -> int:
        """The id of this command's changeset (created on first use)."""
        return self._open_changeset()

    def record(self, entity: str, entity_id: str, action: str, changes: dict[str, list[Any]]) -> None:
        """Record a change to a row written without the ORM (e.g. by undo) in this command's changeset."""
        changeset_id = self._open_changeset()
        self._seq += 1
        self.session.add(
            History(
                changeset_id=changeset_id,
                seq=self._seq,
                entity=entity,
                entity_id=entity_id,
                action=action,
                changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
            )
        )

    def _record(self, obj: SQLModel, action: str, changes: dict[str, list[Any]]) -> None:
        self._open_changeset()
        self._seq += 1
        key = _key(obj)
        self.session.add(
            History(
                changeset_id=self._changeset.id,  # type: ignore[arg-type]
                seq=self._seq,
                entity=obj.__tablename__,  # type: ignore[attr-defined]
                entity_id=key,
                action=action,
                changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
            )
        )

    def insert(self, obj: SQLModel) -> Any:
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
        from sqlalchemy import insert

        if not rows:
            return []
        table = model.__table__  # type: ignore[attr-defined]
        defaults = {c.name: c.default.arg for c in table.columns if c.default is not None and c.default.is_scalar}
        given = dict.fromkeys(name for row in rows for name in row)
        full = [{**defaults, **dict.fromkeys(given), **row} for row in rows]  # one set of keys for every row
        pk = [c.name for c in table.primary_key.columns]
        if len(pk) == 1 and all(r.get(pk[0]) is None for r in full):
            for r in full:
                r.pop(pk[0], None)
            stmt = insert(table).returning(table.c[pk[0]], sort_by_parameter_order=True)
            for r, (new_key,) in zip(full, self.session.execute(stmt, full), strict=True):
                r[pk[0]] = new_key
        else:
            self.session.execute(insert(table), full)
        changeset_id = self._open_changeset()
        history = []
        for r in full:
            self._seq += 1
            changes = {k: [None, _jsonable(v)] for k, v in r.items() if v is not None}
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

    def update(self, obj: SQLModel, values: dict[str, Any]) -> dict[str, list[Any]]:
        before = _row(obj)
        for name, value in values.items():
            setattr(obj, name, value)
        after = _row(obj)
        changes = {k: [before[k], after[k]] for k in after if before.get(k) != after[k] and k != "updated_at"}
        if changes:
            recorded = dict(changes)
            if hasattr(obj, "updated_at"):
                obj.updated_at = now()  # type: ignore[attr-defined]
                # kept in history (and not shown) so that undo puts the record back exactly as it was
                recorded["updated_at"] = [before.get("updated_at"), _jsonable(obj.updated_at)]  # type: ignore[attr-defined]
            self.session.add(obj)
            self.session.flush()
            self._record(obj, "update", recorded)
        return changes

    def delete(self, obj: SQLModel) -> None:
        self._record(obj, "delete", {k: [v, None] for k, v in _row(obj).items() if v is not None})
        self.session.delete(obj)
        self.session.flush()

    def get(self, model: type[T], key: Any) -> T | None:
        return self.session.get(model, key)


def _storable(text: str) -> str:
    """TEXT as typed, but storable: bytes that were not UTF-8 (e.g. a GBK folder in --db) become \\xNN escapes."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _key(obj: SQLModel) -> str:
    pk = [c.name for c in obj.__table__.primary_key.columns]  # type: ignore[attr-defined]
    return "/".join(str(getattr(obj, name)) for name in pk)




def run_write(target: Target, fn: Callable[[Tx], T], command: str | None = None) -> T:
    """Run FN in one transaction; retry when another process holds the lock."""
    engine = engine_for(target)
    delay = 0.05
    for attempt in range(RETRIES):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return fn(Tx(session, command or command_line()))
        except OperationalError as exc:
            message = str(exc.orig)
            if "locked" in message or "busy" in message:
                if attempt < RETRIES - 1:
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise Conflict(_("The journal is busy with another sd; nothing was written. Try again.")) from None
            if "disk is full" in message or "disk I/O" in message:
                raise SdError(_("The disk is full: nothing was written, the journal is intact.")) from None
            raise SdError(
                _("The database refused the write ({error}); nothing was written.").format(error=message)
            ) from None
        except IntegrityError as exc:
            raise Conflict(
                _("The change conflicts with what is stored ({error}); nothing was written.").format(error=exc.orig)
            ) from None
    raise AssertionError("unreachable")
