"""The preview of `sd log`: what a note was read as, one field a line, before anything is written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesdiary.i18n import _

if TYPE_CHECKING:
    from salesdiary.core.capture import Capture


def note_lines(cap: Capture, *, adds_people: bool) -> list[tuple[str, str]]:
    """(label, value) lines of the preview of CAP. ADDS_PEOPLE: whether writing it adds its new people (--create,
    or a confirmation); otherwise they are shown as left out."""
    from salesdiary.core import enums

    none = _("(none)")
    people = ", ".join(c.name for c in cap.contacts)
    lines = [
        (_("Account"), cap.account.name if cap.account else _("(not found)")),
        (_("Deal"), cap.deal.name if cap.deal else none),
        (_("People"), people or none),
    ]
    if cap.new_contacts:
        shown = ", ".join(cap.new_contacts)
        what = _("added as new contacts") if adds_people else _("not added: pass --create to add them")
        lines.append((_("New people"), f"{shown} ({what})"))
    lines += [
        (_("Kind"), enums.VISIT_KIND.label(cap.kind)),
        (_("Date"), cap.date.isoformat()),
        (_("Summary"), cap.summary),
        (_("Next step"), cap.next_step or none),
        (_("Follow-up"), cap.follow_up_date.isoformat() if cap.follow_up_date else none),
    ]
    for name, why in cap.unsure.items():
        lines.append((_("Unsure"), f"{name}: {why}"))
    return lines


def print_note(cap: Capture, *, adds_people: bool, title: str | None = None) -> None:
    """The preview on stdout: a plain aligned list (Rich only draws it on a terminal)."""
    import sys
    import unicodedata

    def display_width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    lines = note_lines(cap, adds_people=adds_people)
    width = max(display_width(label) for label, _value in lines)
    out = []
    if title:
        out.append(title)
    for label, value in lines:
        out.append(f"  {label}{' ' * (width - display_width(label))}  {value}")
    sys.stdout.write("\n".join(out) + "\n")
    sys.stdout.flush()
