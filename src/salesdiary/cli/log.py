"""sd log: one line of notes into a visit — `sd log "拜访了华为张伟，下周三回电"`.

The note is read by core/capture.py (through `Journal.capture`), shown, and written on confirmation as one
changeset (`Journal.log`): the visit, its follow-up and, when asked, its new people; one `sd undo` takes it back.
"""

from __future__ import annotations

import typer

from salesdiary.cli.common import JsonOpt
from salesdiary.i18n import N_, _


def register(root: typer.Typer) -> None:
    root.command("log")(log)


def log(
    text: list[str] = typer.Argument(
        None,
        help=N_(
            'The note, e.g. "met Priya at Contoso, call back next Wed" (@account and #deal name them). '
            "Without it: notes from stdin, one a line, or $VISUAL/$EDITOR."
        ),
        show_default=False,
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help=N_("Write without asking.")),
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("Show what the note was read as; write nothing.")),
    as_json: bool = JsonOpt,
    create: bool = typer.Option(
        False, "--create", help=N_("Add the unknown people a note names as new contacts of its account.")
    ),
    assist: bool = typer.Option(
        False, "--assist", help=N_("You were helping on another rep's account (needed to log a visit there).")
    ),
) -> None:
    """Log a visit from one line of notes: account, people, deal, kind, date and follow-up read from the text."""
    from salesdiary.cli.common import done, journal
    from salesdiary.cli.state import can_prompt
    from salesdiary.core.errors import BadInput

    interactive = can_prompt() and not yes and not dry_run and not as_json
    notes = [" ".join(text)] if text else _notes_from_input()
    if not notes:
        raise BadInput(_("No note to log: give it as an argument, or one a line on stdin."))
    j = journal()
    caps = [j.capture(note) for note in notes]
    if as_json:
        import json

        shown = [c.as_json() for c in caps]
        print(json.dumps(shown[0] if text else shown, ensure_ascii=False, indent=2))
        if not yes:
            return
    elif dry_run or not yes:
        from salesdiary.render.capture import print_note

        for n, cap in enumerate(caps, 1):
            title = _("Note {n}: {text}").format(n=n, text=cap.text) if len(caps) > 1 else None
            print_note(cap, adds_people=create or interactive, title=title)
    if dry_run:
        return
    if interactive:
        _confirm(j, caps)
    logged = j.log(caps, create=create or interactive, assist=assist)
    for cap, note in zip(caps, logged, strict=True):
        done(
            _("Logged visit #{id} at {account}.").format(
                id=note.visit_id, account=cap.account.name if cap.account else ""
            )
        )
        if note.followup_id:
            when = cap.follow_up_date.isoformat() if cap.follow_up_date else ""
            done(_("Follow-up #{id} is due {date}.").format(id=note.followup_id, date=when))
        if note.new_contact_ids:
            ids = ", ".join(f"#{i}" for i in note.new_contact_ids)
            done(_("Added new contacts {ids}: {names}.").format(ids=ids, names=", ".join(cap.new_contacts)))
    if not create and not interactive:
        left = [name for cap in caps for name in cap.new_contacts]
        if left:
            from salesdiary.render.console import warning

            warning(_("Not added as contacts (pass --create to add them): {names}.").format(names=", ".join(left)))


TEMPLATE = N_(
    "# One note a line, as you would say it; lines starting with # are left out.\n"
    "#   拜访了华为张伟，下周三回电\n"
    "#   met Priya at Contoso yesterday, send the quote by Friday\n"
    "# @name names an account, #name a deal. Save and close to log them; an empty file logs nothing.\n"
)


def _notes_from_input() -> list[str]:
    """The notes on stdin (one a line), or, on a terminal with nothing piped, those written in $VISUAL/$EDITOR."""
    import sys

    from salesdiary.cli.state import can_prompt

    if can_prompt():
        lines = _edited(_(TEMPLATE)).splitlines()
    else:
        lines = sys.stdin.read().splitlines()
    return [line.strip() for line in lines if line.strip() and not _comment(line.strip())]


def _edited(template: str) -> str:
    """TEMPLATE as the rep leaves it in $VISUAL, else $EDITOR, else vi (as `git commit` does). An editor that
    fails (exit status not 0) logs nothing."""
    import os
    import shlex
    import subprocess
    import tempfile

    from salesdiary.core.errors import BadInput

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    fd, path = tempfile.mkstemp(prefix="sd-log-", suffix=".txt")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(template)
        try:
            status = subprocess.call([*shlex.split(editor), path])
        except OSError as exc:
            raise BadInput(
                _("Cannot start the editor {editor!r}: {error}.").format(editor=editor, error=exc.strerror)
            ) from None
        if status != 0:
            raise BadInput(
                _("The editor {editor!r} failed (exit {code}); nothing was logged.").format(editor=editor, code=status)
            )
        with open(path, encoding="utf-8") as file:
            return file.read()
    finally:
        os.unlink(path)


def _comment(line: str) -> bool:
    """A line of comment: "#" alone or followed by a space or another "#" (#14号线 names a deal)."""
    return line == "#" or line.startswith(("# ", "##", "#\t"))


def _confirm(j, caps) -> None:  # noqa: ANN001
    """Each note previewed until the rep writes it (Enter) or cancels (Esc, Ctrl-C: nothing is written)."""
    from salesdiary.cli.common import guided
    from salesdiary.prompts import capture as flow
    from salesdiary.render.capture import print_note

    lookups = j.note_lookups()
    with guided():
        for cap in caps:
            while True:
                if cap.missing:
                    from salesdiary.render.console import warning

                    for what in cap.missing.values():
                        warning(_("Missing: {what}").format(what=what))
                if flow.decide(cap) == flow.WRITE:
                    break
                flow.edit(lookups, cap)
                print_note(cap, adds_people=True)
