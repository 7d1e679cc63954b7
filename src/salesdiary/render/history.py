"""Drawing the history: `sd history`'s table and what `sd undo --list` would reverse (from journal_history)."""

from __future__ import annotations

from typing import Any

from salesdiary.i18n import _


def local_time(value: Any) -> str:
    """A recorded time (UTC) in the local zone, to the minute."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)[:16]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def short(value: Any, width: int = 30) -> str:
    """VALUE on one line, cut to WIDTH; ∅ for nothing."""
    from salesdiary.core.validate import show

    if value is None or value == "":
        return "∅"
    return show(str(value), width)


def print_history(found: Any) -> None:
    """`sd history` (FOUND: a journal_history.HistoryList): one row per changed record; a command's time and line
    on its first row only."""
    from salesdiary.render.tables import Column, print_table

    rows = found.rows
    previous: list[Any] = [None]

    def first_of_changeset(row: dict[str, Any]) -> bool:
        first = row["changeset_id"] != previous[0]
        previous[0] = row["changeset_id"]
        return first

    firsts = {id(row): first_of_changeset(row) for row in rows}
    columns = [
        Column("#", lambda row: row["changeset_id"] if firsts[id(row)] else "", justify="right", style="dim"),
        Column(_("When"), lambda row: local_time(row["at"]) if firsts[id(row)] else "", no_wrap=True),
        Column(_("Command"), lambda row: _command_cell(row) if firsts[id(row)] else "", max_width=40),
        Column(_("Record"), _record_cell, max_width=36),
        Column(_("Change"), _change_cell, max_width=70),
    ]
    print_table(rows, columns, total=found.total, empty=_("No changes recorded yet."))


def print_pending(pending: Any) -> None:
    """`sd undo --list` (PENDING: a journal_history.PendingUndo): the command the next undo reverses, its changes,
    and what stops it."""
    from salesdiary.core.history import record_label
    from salesdiary.render.console import message, warning
    from salesdiary.render.tables import Column, print_table

    message(
        _("`sd undo` would reverse “{command}” (#{id}, {at}, {user}):").format(
            command=short(pending.command, 80), id=pending.id, at=local_time(pending.at), user=pending.user
        )
    )
    print_table(
        list(reversed(pending.changes)),
        [Column(_("Record"), _record_cell, max_width=36), Column(_("Change"), _change_cell, max_width=80)],
    )
    if pending.blocked_by:
        b = pending.blocked_by[0]
        warning(
            _("It cannot now: {record} was changed later by “{later}” (#{id}).").format(
                record=record_label(b["entity"], str(b["entity_id"])),
                later=short(b["command"], 60),
                id=b["changeset_id"],
            )
        )


def _command_cell(row: dict[str, Any]) -> str:
    text = short(row["command"], 60)
    if row.get("undoes"):
        text += " " + _("(reverses #{id})").format(id=row["undoes"])
    if row.get("undone_by"):
        text += " " + _("(undone by #{id})").format(id=row["undone_by"])
    return text


def _record_cell(row: dict[str, Any]) -> str:
    from salesdiary.core.history import record_label

    return record_label(row["entity"], str(row["entity_id"]), short(row["name"], 30) if row.get("name") else None)


def _change_cell(row: dict[str, Any]) -> str:
    from salesdiary.core.history import HIDDEN_FIELDS
    from salesdiary.render.changes import changed_fields, history_separator, listed_fields, specs_of

    changes = row["changes"]
    shown = {k: v for k, v in changes.items() if k not in HIDDEN_FIELDS and k != "id" and isinstance(v, list)}
    specs, separator = specs_of(row["entity"]), history_separator()
    if row["action"] == "insert":
        body = listed_fields(specs, {k: v[1] for k, v in shown.items()}, separator)
        return _("added: {fields}").format(fields=body) if body else _("added")
    if row["action"] == "delete":
        body = listed_fields(specs, {k: v[0] for k, v in shown.items()}, separator)
        return _("removed: {fields}").format(fields=body) if body else _("removed")
    return changed_fields(specs, shown, separator)
