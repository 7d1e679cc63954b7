"""Drawing the database itself: `sd db status` (journal_database.DatabaseStatus) and `sd doctor`'s checks
(journal_database.DoctorReport)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesdiary.i18n import _

if TYPE_CHECKING:
    from salesdiary.journal_database import DatabaseStatus, DoctorReport


def print_status(status: DatabaseStatus) -> None:
    """`sd db status`: the database, its schema and state, who you are, your role, how long writes wait."""
    from salesdiary.render.tables import print_record

    info = status.as_json()
    states = {
        "current": _("up to date"),
        "empty": _("no tables yet (sd db upgrade creates them)"),
        "older": _("older than this sd: run sd db upgrade"),
        "newer": _("newer than this sd: upgrade sd"),
    }
    rows = [(_("Database"), info["database"])]
    if "schema" in info:
        rows.append((_("Schema"), f"{info['schema'] or '-'} · {states.get(info['state'], info['state'])}"))
    if "user" in info:
        rows.append((_("You are"), str(info["user"])))
        role = _("manager: you may change every rep's records") if info["manager"] else _("rep: you change your own")
        if info.get("owner"):
            role += " (" + _("owner of the tables") + ")"
        elif info.get("team"):
            role += " (" + (", ".join(info.get("roles") or []) or _("no sd role: ask the manager")) + ")"
        rows.append((_("Role"), role))
    if "lock_timeout" in info:
        rows.append(
            (
                _("Writes wait"),
                _("{lock:g} s at most for a lock, {statement:g} s for a statement").format(
                    lock=info["lock_timeout"], statement=info["statement_timeout"]
                ),
            )
        )
    print_record(_("sd db status"), rows)


def print_doctor(report: DoctorReport) -> None:
    """`sd doctor`: one row per check — its name, ok / warning / FAILED, the detail and what to do."""
    from salesdiary.render.tables import Column, print_table

    marks = {"ok": _("ok"), "warn": _("warning"), "fail": _("FAILED")}
    print_table(
        report.as_json(),
        [
            Column(_("Check"), lambda c: c["name"], no_wrap=True),
            Column(_("Result"), lambda c: marks.get(c["status"], c["status"]), no_wrap=True),
            Column(_("Detail"), lambda c: c["detail"], max_width=70),
            Column(_("What to do"), lambda c: c["advice"], max_width=50),
        ],
    )
