"""What changed and taking it back: sd history, undo and redo (the API: journal_history.History)."""

from __future__ import annotations

import typer

from salesdiary.cli.common import AllOpt, JsonOpt, LimitOpt
from salesdiary.i18n import N_, _, ngettext


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
    from salesdiary.cli.common import journal, limit_of

    found = journal().history.find(kind, record, limit=limit_of(limit, show_all))
    if as_json:
        from salesdiary.render.data import print_json_rows

        print_json_rows(found.as_json())
        return
    from salesdiary.render.history import print_history

    print_history(found)


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
    from salesdiary.render.history import local_time, short

    done = journal().undo()
    success(
        ngettext(
            "Undone: “{command}” (#{id}, {at}): {n} change reversed. `sd redo` puts it back.",
            "Undone: “{command}” (#{id}, {at}): {n} changes reversed. `sd redo` puts it back.",
            done.changes,
        ).format(command=short(done.original_command, 80), id=done.reversed_id, at=local_time(done.at), n=done.changes)
    )


def redo() -> None:
    """Put back what the last `sd undo` reversed (as long as you ran no other command since)."""
    from salesdiary.cli.common import journal
    from salesdiary.render.console import success
    from salesdiary.render.history import short

    done = journal().redo()
    success(
        ngettext(
            "Redone: “{command}”: {n} change put back.", "Redone: “{command}”: {n} changes put back.", done.changes
        ).format(command=short(done.original_command, 80), n=done.changes)
    )


def _show_pending(*, as_json: bool) -> None:
    from salesdiary.cli.common import journal

    pending = journal().history.pending()
    if as_json:
        from salesdiary.render.data import print_json

        print_json(None if pending is None else pending.as_json())
    if pending is None:
        from salesdiary.render.console import message

        message(_("Nothing to undo: you have no command left that changed the journal."))
        return
    if not as_json:
        from salesdiary.render.history import print_pending

        print_pending(pending)
