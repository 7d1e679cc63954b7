"""The confirmation of `sd log`: Enter writes the note as previewed, `e` changes a field through the guided
questions, Esc or Ctrl-C writes nothing (ask.Cancelled)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from salesdiary.core import enums
from salesdiary.core.capture import Capture, Found
from salesdiary.i18n import _
from salesdiary.prompts import ask

WRITE = "write"
EDIT = "edit"


class NoteJournal(Protocol):
    """What the flow reads from the journal: `Journal.note_lookups()` (salesdiary/lookups.py)."""

    today: dt.date

    def account_names(self) -> list[str]: ...

    def account(self, typed: str) -> Found: ...

    def open_deals(self, account_id: int) -> list[Found]: ...

    def people_of(self, account_id: int) -> list[Found]: ...


def decide(cap: Capture) -> str:
    """WRITE or EDIT (a note with something missing can only be edited)."""
    if cap.missing:
        return EDIT
    return ask.keys(_("Enter writes it, e edits a field, Esc writes nothing: "), {"e": EDIT}, enter=WRITE)


def edit(j: NoteJournal, cap: Capture) -> None:
    """Ask which field to change, then ask for it."""
    from salesdiary.core.dates import parse_date
    from salesdiary.core.errors import SdError
    from salesdiary.core.validate import clean_text

    fields = [
        ("account", _("Account")),
        ("deal", _("Deal")),
        ("contacts", _("People")),
        *([("new_contacts", _("New people"))] if cap.new_contacts else []),
        ("kind", _("Kind")),
        ("date", _("Date")),
        ("summary", _("Summary")),
        ("next_step", _("Next step")),
        ("follow_up_date", _("Follow-up")),
    ]
    default = next(iter(cap.missing), "account")
    name = ask.select(_("Which field?"), fields, default=default, search=False)
    if name == "account":
        while True:
            typed = ask.search(_("Account (type to search):"), j.account_names())
            try:
                found = j.account(typed)
            except SdError as exc:
                j_say(exc.message)
                continue
            break
        if cap.account is None or found.id != cap.account.id:
            cap.account = found
            cap.contacts = [c for c in cap.contacts if c.account_id == found.id]
            deals = j.open_deals(found.id)
            cap.deal = deals[0] if len(deals) == 1 else None
        cap.missing.pop("account", None)
        cap.unsure.pop("account", None)
    elif name == "deal" and cap.account is not None:
        deals = j.open_deals(cap.account.id)
        picked = ask.select(
            _("Which deal was it about?"),
            [(0, _("No deal"))] + [(d.id, d.name) for d in deals],
            default=cap.deal.id if cap.deal else 0,
            search=len(deals) > 6,
        )
        cap.deal = next((d for d in deals if d.id == picked), None)
        cap.missing.pop("deal", None)
        cap.unsure.pop("deal", None)
    elif name == "contacts" and cap.account is not None:
        people = j.people_of(cap.account.id)
        ticked = ask.checklist(
            _("Who did you meet?"),
            [(p.id, p.name + (f" — {p.detail}" if p.detail else "")) for p in people],
            checked=[c.id for c in cap.contacts],
        )
        cap.contacts = [p for p in people if p.id in ticked]
        cap.missing.pop("contacts", None)
        cap.unsure.pop("contacts", None)
    elif name == "new_contacts":
        cap.new_contacts = ask.checklist(
            _("Add them as new contacts?"), [(n, n) for n in cap.new_contacts], checked=cap.new_contacts
        )
    elif name == "kind":
        cap.kind = ask.select(
            _("What kind of activity?"), [(c.key, str(c.label)) for c in enums.VISIT_KIND.choices], default=cap.kind
        )
    elif name in ("date", "follow_up_date"):
        when = ask.text(
            _("When? (any date form: yesterday, fri, +3d, 下周一, 2026-12-01…; Enter for none)")
            if name == "follow_up_date"
            else _("When was it? (Enter for today; any date form: yesterday, -2d, 周一, 2026-12-01…)"),
            check=lambda t: parse_date(t, j.today) if t.strip() else None,
        )
        if name == "date":
            cap.date = parse_date(when, j.today) if when else j.today
        else:
            cap.follow_up_date = parse_date(when, j.today) if when else None
    elif name in ("summary", "next_step"):
        value = ask.text(
            _("Summary:") if name == "summary" else _("Next step (Enter for none):"),
            default=getattr(cap, name) or "",
            check=lambda t: clean_text(t, name, max_len=2000, multiline=False),
        )
        setattr(cap, name, value or (cap.summary if name == "summary" else None))


def j_say(text: str) -> None:
    from salesdiary.render.console import warning

    warning(text)
