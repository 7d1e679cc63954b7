"""What changed and taking it back: sd history, undo and redo."""

from __future__ import annotations

from typing import Any

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _, ngettext

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


def register(root: typer.Typer) -> None:
    root.command("history")(history)
    root.command("undo")(undo)
    root.command("redo")(redo)


# sd history -------------------------------------------------------------------------------------------


def history(
    kind: str = typer.Argument(None, help=N_("account, contact, deal, visit or followup (or a record's name).")),
    record: str = typer.Argument(None, help=N_("The record: id or name.")),
    as_json: bool = JsonOpt,
    limit: int = LimitOpt,
    show_all: bool = AllOpt,
) -> None:
    """Every change, newest first: when, which command, which record, each field's old → new value."""
    from salesdiary.cli.common import limit_of, reader
    from salesdiary.store.history_reads import HistoryQuery, list_history

    r = reader()
    entity, entity_id = _which_record(r, kind, record)
    rows, total = list_history(r, HistoryQuery(entity=entity, entity_id=entity_id, limit=limit_of(limit, show_all)))
    if as_json:
        from salesdiary.render.data import print_json_rows

        print_json_rows(_history_json(row) for row in rows)
        return
    from salesdiary.render.tables import Column, print_table

    previous: list[Any] = [None]

    def first_of_changeset(row: dict[str, Any]) -> bool:
        first = row["changeset_id"] != previous[0]
        previous[0] = row["changeset_id"]
        return first

    for row in rows:
        row["_first"] = first_of_changeset(row)
    columns = [
        Column("#", lambda row: row["changeset_id"] if row["_first"] else "", justify="right", style="dim"),
        Column(_("When"), lambda row: _local_time(row["at"]) if row["_first"] else "", no_wrap=True),
        Column(_("Command"), lambda row: _command_cell(row) if row["_first"] else "", max_width=40),
        Column(_("Record"), _record_cell, max_width=36),
        Column(_("Change"), _change_cell, max_width=70),
    ]
    print_table(rows, columns, total=total, empty=_("No changes recorded yet."))


def _which_record(r: Any, kind: str | None, record: str | None) -> tuple[str | None, int | None]:
    """KIND RECORD, or a lone name: the entity and id whose history to show (None, None for all)."""
    from salesdiary.cli.common import resolve
    from salesdiary.core.errors import BadInput, NotFound
    from salesdiary.core.validate import clean_text, show

    if kind is None:
        return None, None
    kind_text = clean_text(kind, _("KIND"), max_len=200, multiline=False) or ""
    entity = KINDS.get(kind_text.lower())
    if entity is not None:
        if record is None:
            raise BadInput(_("Name the {kind}: sd history {kind} ID-OR-NAME.").format(kind=entity))
        name = clean_text(record, _("RECORD"), max_len=200, multiline=False) or ""
        return entity, resolve(r, entity, name)
    if record is not None:
        raise BadInput(
            _("{kind!r} is not a kind of record: use account, contact, deal, visit or followup.").format(
                kind=show(kind_text)
            )
        )
    found = []
    for candidate in ("account", "deal", "contact"):
        try:
            found.append((candidate, resolve(r, candidate, kind_text)))
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


def _history_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "changeset": row["changeset_id"],
        "at": _iso_utc(row["at"]),
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


def _iso_utc(value: Any) -> str:
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def _local_time(value: Any) -> str:
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)[:16]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _short(value: Any, width: int = 30) -> str:
    from salesdiary.core.validate import show

    if value is None or value == "":
        return "∅"
    return show(str(value), width)


def _command_cell(row: dict[str, Any]) -> str:
    text = _short(row["command"], 60)
    if row.get("undoes"):
        text += " " + _("(reverses #{id})").format(id=row["undoes"])
    if row.get("undone_by"):
        text += " " + _("(undone by #{id})").format(id=row["undone_by"])
    return text


def _record_cell(row: dict[str, Any]) -> str:
    from salesdiary.store.history_reads import record_label

    return record_label(row["entity"], str(row["entity_id"]), _short(row["name"], 30) if row.get("name") else None)


def _change_cell(row: dict[str, Any]) -> str:
    from salesdiary.render.changes import changed_fields, history_separator, listed_fields, specs_of
    from salesdiary.store.history_reads import HIDDEN_FIELDS

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


# sd undo / sd redo ------------------------------------------------------------------------------------


def undo(
    list_only: bool = typer.Option(False, "--list", "-l", help=N_("Show what would be undone; change nothing.")),
    as_json: bool = typer.Option(False, "--json", help=N_("With --list: print JSON for programs.")),
) -> None:
    """Undo your last command as a unit (everything it changed); `sd redo` puts it back."""

    if list_only:
        _show_pending(as_json=as_json)
        return
    from salesdiary.cli.common import journal
    from salesdiary.render.console import success

    done = journal().undo()
    success(
        ngettext(
            "Undone: “{command}” (#{id}, {at}): {n} change reversed. `sd redo` puts it back.",
            "Undone: “{command}” (#{id}, {at}): {n} changes reversed. `sd redo` puts it back.",
            done.changes,
        ).format(
            command=_short(done.original_command, 80), id=done.reversed_id, at=_local_time(done.at), n=done.changes
        )
    )


def redo() -> None:
    """Put back what the last `sd undo` reversed (as long as you ran no other command since)."""
    from salesdiary.cli.common import journal
    from salesdiary.render.console import success

    done = journal().redo()
    success(
        ngettext(
            "Redone: “{command}”: {n} change put back.", "Redone: “{command}”: {n} changes put back.", done.changes
        ).format(command=_short(done.original_command, 80), n=done.changes)
    )


def _show_pending(*, as_json: bool) -> None:
    from salesdiary.cli.common import reader
    from salesdiary.render.console import message, warning
    from salesdiary.store import history_reads as hr
    from salesdiary.store.team import undo_users

    r = reader()
    pending = hr.undo_target(r, undo_users(r))  # the names sd undo reverses (on a team database: the login)
    if pending is None:
        if as_json:
            from salesdiary.render.data import print_json

            print_json(None)
        message(_("Nothing to undo: you have no command left that changed the journal."))
        return
    cid = int(pending["id"])
    rows = hr.changes_of(r, cid)
    for row in rows:
        row["changeset_id"] = cid
    names = hr.record_names(r, rows)
    for row in rows:
        row["name"] = names.get((row["entity"], row["entity_id"]))
    blocked = hr.later_changes(r, cid)
    command = hr.original_command(r, pending)
    if as_json:
        from salesdiary.render.data import print_json

        print_json(
            {
                "changeset": cid,
                "at": _iso_utc(pending["at"]),
                "user": pending["user"],
                "command": command,
                "changes": [{k: row[k] for k in ("entity", "entity_id", "name", "action", "changes")} for row in rows],
                "blocked_by": [
                    {
                        "entity": b["entity"],
                        "entity_id": b["entity_id"],
                        "changeset": b["changeset_id"],
                        "command": b["command"],
                    }
                    for b in blocked
                ],
            }
        )
        return
    from salesdiary.render.tables import Column, print_table

    message(
        _("`sd undo` would reverse “{command}” (#{id}, {at}, {user}):").format(
            command=_short(command, 80), id=cid, at=_local_time(pending["at"]), user=pending["user"]
        )
    )
    print_table(
        list(reversed(rows)),
        [Column(_("Record"), _record_cell, max_width=36), Column(_("Change"), _change_cell, max_width=80)],
    )
    if blocked:
        b = blocked[0]
        warning(
            _("It cannot now: {record} was changed later by “{later}” (#{id}).").format(
                record=hr.record_label(b["entity"], str(b["entity_id"])),
                later=_short(b["command"], 60),
                id=b["changeset_id"],
            )
        )
