"""What changed in a journal and what undo would take back: `Journal.history` (`sd history`, `sd undo --list`).

    with Journal.open("~/sales.sqlite") as j:
        for row in j.history.find("deal", "14号线").rows:   # newest first
            print(row["changeset_id"], row["command"], row["action"], row["changes"])
        pending = j.history.pending()                      # what `j.undo()` would reverse, or None
        if pending is not None and not pending.blocked_by:
            j.undo()

Like journal.py, importing this module costs nothing: every import is inside a method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.journal import Journal, Ref

# The words `sd history KIND RECORD` takes for a kind of record (English and Chinese).
KINDS = {
    "account": "account",
    "accounts": "account",
    "客户": "account",
    "contact": "contact",
    "contacts": "contact",
    "联系人": "contact",
    "关键人": "contact",
    "deal": "deal",
    "deals": "deal",
    "项目": "deal",
    "商机": "deal",
    "visit": "visit",
    "visits": "visit",
    "拜访": "visit",
    "followup": "followup",
    "follow-up": "followup",
    "followups": "followup",
    "跟进": "followup",
}


def iso_utc(value: Any) -> str:
    """A recorded time as ISO 8601 with its zone (times are recorded in UTC)."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


@dataclass
class HistoryList:
    """Changes, newest first, as `sd history` shows them: ROWS (one per changed record: changeset_id, at, user,
    command, undone_by, undoes, entity, entity_id, name, action, changes = {field: [old, new]}) and how many
    there are in all (TOTAL)."""

    rows: list[dict[str, Any]]
    total: int

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {
                "changeset": row["changeset_id"],
                "at": iso_utc(row["at"]),
                "user": row["user"],
                "command": row["command"],
                "undone_by": row["undone_by"],
                "undoes": row["undoes"],
                "entity": row["entity"],
                "entity_id": row["entity_id"],
                "name": row["name"],
                "action": row["action"],
                "changes": row["changes"],
            }
            for row in self.rows
        ]


@dataclass
class PendingUndo:
    """What the next undo would reverse (`sd undo --list`): changeset ID, recorded AT by USER for COMMAND, its
    CHANGES (rows as in HistoryList) and the later changes that stop it (BLOCKED_BY: entity, entity_id,
    changeset_id, command; empty when undo can go ahead)."""

    id: int
    at: Any
    user: str
    command: str
    changes: list[dict[str, Any]]
    blocked_by: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "changeset": self.id,
            "at": iso_utc(self.at),
            "user": self.user,
            "command": self.command,
            "changes": [
                {k: row[k] for k in ("entity", "entity_id", "name", "action", "changes")} for row in self.changes
            ],
            "blocked_by": [
                {
                    "entity": b["entity"],
                    "entity_id": b["entity_id"],
                    "changeset": b["changeset_id"],
                    "command": b["command"],
                }
                for b in self.blocked_by
            ],
        }


class History:
    """`Journal.history`: the journal's recorded changes (reads only; `Journal.undo/redo` write)."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def find(self, kind: str | None = None, record: Ref | None = None, *, limit: int | None = 50) -> HistoryList:
        """Every change, newest first (at most LIMIT; None: all), as `sd history [KIND] [RECORD]`: KIND is
        account, contact, deal, visit or followup (or a word of KINDS) and RECORD its id or name; a lone KIND
        that is no kind is taken as an account's, deal's or contact's name. A deal's or visit's history holds
        its links (people, markers, evaluation) too."""
        from salesdiary.store.reads.history_reads import HistoryQuery, list_history

        r = self._journal.reader
        entity, entity_id = self._which_record(kind, None if record is None else str(record))
        rows, total = list_history(r, HistoryQuery(entity=entity, entity_id=entity_id, limit=limit))
        return HistoryList(rows, total)

    def _which_record(self, kind: str | None, record: str | None) -> tuple[str | None, int | None]:
        """KIND RECORD, or a lone name: the entity and id whose history to show (None, None for all)."""
        from salesdiary.core.errors import BadInput, NotFound
        from salesdiary.core.validate import clean_text, show
        from salesdiary.i18n import _

        if kind is None:
            return None, None
        kind_text = clean_text(kind, _("KIND"), max_len=200, multiline=False) or ""
        entity = KINDS.get(kind_text.lower())
        if entity is not None:
            if record is None:
                raise BadInput(_("Name the {kind}: sd history {kind} ID-OR-NAME.").format(kind=entity))
            name = clean_text(record, _("RECORD"), max_len=200, multiline=False) or ""
            return entity, self._journal.resolve(entity, name)
        if record is not None:
            raise BadInput(
                _("{kind!r} is not a kind of record: use account, contact, deal, visit or followup.").format(
                    kind=show(kind_text)
                )
            )
        found = []
        for candidate in ("account", "deal", "contact"):
            try:
                found.append((candidate, self._journal.resolve(candidate, kind_text)))
            except (NotFound, BadInput):
                continue
        if len(found) == 1:
            return found[0]
        if not found:
            raise NotFound(_("No account, deal or contact is named {name!r}.").format(name=show(kind_text)))
        kinds = ", ".join(k for k, _id in found)
        raise BadInput(
            _("{name!r} could be a {kinds}; say which, e.g.: sd history {kind} {name}").format(
                name=show(kind_text), kinds=kinds, kind=found[0][0]
            )
        )

    def pending(self) -> PendingUndo | None:
        """What `Journal.undo()` would reverse now (your last changeset: on a team database, the login's), with
        the later changes that stop it; None when nothing is left to undo."""
        from salesdiary.store.reads import history_reads as hr
        from salesdiary.store.team import undo_users

        r = self._journal.reader
        found = hr.undo_target(r, undo_users(r))
        if found is None:
            return None
        cid = int(found["id"])
        rows = hr.changes_of(r, cid)
        for row in rows:
            row["changeset_id"] = cid
        names = hr.record_names(r, rows)
        for row in rows:
            row["name"] = names.get((row["entity"], row["entity_id"]))
        return PendingUndo(
            id=cid,
            at=found["at"],
            user=found["user"],
            command=hr.original_command(r, found),
            changes=rows,
            blocked_by=hr.later_changes(r, cid),
        )
