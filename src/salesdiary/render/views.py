"""How records look: table columns and `show` layouts for each noun, drawn from the `Listing` and `Record` the
journal gives (salesdiary/journal.py). A stage is shown by the label the journal gives for it
(`Listing.stage_label`, `Record.stage_label`): nothing here reads a playbook or the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from salesdiary.core import enums, fields
from salesdiary.i18n import _, ngettext, pgettext, series
from salesdiary.render.tables import Column, print_record, sub_table

if TYPE_CHECKING:
    from salesdiary.core.playbook import StageLabel
    from salesdiary.journal import Record


def _status(row: dict[str, Any]) -> str:
    return enums.DEAL_STATUS.label(row.get("status"))


def _deal_stage(row: dict[str, Any], stage_label: StageLabel) -> str:
    if row.get("status") not in (None, "open"):
        return _status(row)
    return stage_label(row.get("playbook"), row.get("stage"))


def _amount(row: dict[str, Any]) -> str:
    value = row.get("amount")
    if value is None:
        return ""
    return f"{float(value):,.0f}" if float(value).is_integer() else f"{float(value):,.2f}"


def _names(items: list[dict[str, Any]] | None) -> str:
    return series(i["name"] for i in items or [])


def _late(row: dict[str, Any]) -> str:
    from salesdiary.core.dates import today

    if row.get("done_on"):
        return _("done {date}").format(date=row["done_on"])
    days = (today() - _as_date(row["due"])).days
    if days > 0:
        return ngettext("{n} day late", "{n} days late", days).format(n=days)
    if days == 0:
        return _("today")
    return ngettext("in {n} day", "in {n} days", -days).format(n=-days)


def _as_date(value: Any) -> Any:
    import datetime as dt

    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


# How wide a name column stays (whole names up to this many cells) before it wraps between words; the columns
# with `drop` are left out first (the highest number first) when a terminal is too narrow for every column.
NAME_WIDTH = 24
SHORT_NAME_WIDTH = 16


def account_columns() -> list[Column]:
    """The columns of `sd account list`, headed in the language of this run."""
    return [
        Column(_("ID"), lambda r: r["id"], justify="right", style="dim", no_wrap=True),
        Column(_("Name"), lambda r: r["name"], style="bold", min_width=NAME_WIDTH),
        Column(_("Owner"), lambda r: r["owner"], drop=5),
        Column(_("Stage"), lambda r: enums.INFO_STAGE.label(r["info_stage"])),
        Column(_("Rel."), lambda r: r["relation"]),
        Column(_("Tier"), lambda r: enums.TIER.label(r["tier"]), drop=4),
        Column(_("Contacts"), lambda r: r["contacts"], justify="right", drop=3),
        Column(_("Open deals"), lambda r: r["open_deals"], justify="right", drop=1),
        Column(_("Last visit"), lambda r: r["last_visit"], no_wrap=True, drop=2),
    ]


def contact_columns() -> list[Column]:
    """The columns of `sd contact list`, headed in the language of this run."""
    return [
        Column(_("ID"), lambda r: r["id"], justify="right", style="dim", no_wrap=True),
        Column(pgettext("person", "Name"), lambda r: r["name"], style="bold", min_width=SHORT_NAME_WIDTH),
        Column(_("Account"), lambda r: r["account"], min_width=SHORT_NAME_WIDTH),
        Column(_("Title"), lambda r: r["title"], squeeze=True, drop=2),
        Column(_("Role"), lambda r: enums.ROLE.label(r["role"])),
        Column(_("Relationship"), lambda r: enums.RELATIONSHIP.label(r["relationship"]), drop=3),
        Column(_("Stance"), lambda r: enums.STANCE.label(r["stance"])),
        Column(_("Coach"), lambda r: "✓" if r["coach"] else "", justify="center", drop=1),
    ]


def deal_columns(stage_label: StageLabel) -> list[Column]:
    """The columns of `sd deal list`, headed in the language of this run; STAGE_LABEL: the Listing's (or
    Record's) `stage_label`."""
    return [
        Column(_("ID"), lambda r: r["id"], justify="right", style="dim", no_wrap=True),
        Column(_("Deal"), lambda r: r["name"], style="bold", min_width=SHORT_NAME_WIDTH),
        Column(_("Account"), lambda r: r["account"], min_width=SHORT_NAME_WIDTH, drop=1),
        Column(_("Stage"), lambda r: _deal_stage(r, stage_label)),
        Column(_("Amount"), _amount, justify="right", no_wrap=True, drop=2),
        Column(_("Close"), lambda r: r["expected_close"], no_wrap=True, drop=4),
        Column(_("Next step"), lambda r: r["next_step"], max_width=30, squeeze=True),
        Column(_("Due"), lambda r: r["next_step_date"], no_wrap=True, drop=3),
    ]


def visit_columns() -> list[Column]:
    """The columns of `sd visit list`, headed in the language of this run."""
    return [
        Column(_("ID"), lambda r: r["id"], justify="right", style="dim", no_wrap=True),
        Column(_("Date"), lambda r: r["date"], no_wrap=True),
        Column(_("Account"), lambda r: r["account"], style="bold", min_width=SHORT_NAME_WIDTH),
        Column(_("Deal"), lambda r: r["deal"], min_width=SHORT_NAME_WIDTH, drop=1),
        Column(_("Activity"), lambda r: enums.VISIT_KIND.label(r["kind"]), drop=3),
        Column(_("Met"), lambda r: _names(r.get("contacts")), drop=2),
        Column(_("What happened"), lambda r: r["summary"] or r["purpose"], max_width=40, squeeze=True),
        Column(_("Next"), lambda r: r["follow_up_date"], no_wrap=True, drop=4),
    ]


def followup_columns() -> list[Column]:
    """The columns of `sd followup list`, headed in the language of this run."""
    return [
        Column(_("ID"), lambda r: r["id"], justify="right", style="dim", no_wrap=True),
        Column(_("Due"), lambda r: r["due"], no_wrap=True, drop=3),
        Column(_("When"), _late, no_wrap=True),
        Column(_("Account"), lambda r: r["account"], style="bold", min_width=SHORT_NAME_WIDTH),
        Column(_("Deal"), lambda r: r["deal"], min_width=SHORT_NAME_WIDTH, drop=1),
        Column(_("Contact"), lambda r: r["contact"], drop=2),
        Column(_("What to do"), lambda r: r["action"], max_width=40, squeeze=True),
    ]


def _field_rows(specs: tuple[fields.FieldSpec, ...], row: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(str(f.label), f.display(row.get(f.name))) for f in specs if f.name != "name"]


def _emit_json(record: Record) -> None:
    from salesdiary.render.data import print_json

    print_json(record.as_json())


def show_account(record: Record, *, as_json: bool) -> None:
    """Draw `sd account show` (or print its JSON) from the Record Journal.accounts.show() gives."""
    if as_json:
        _emit_json(record)
        return
    row = record.data
    contacts, deals, followups = row["contacts"], row["deals"], row["open_followups"]
    visits, visit_count = row["recent_visits"], row["visit_count"]
    info = _field_rows(fields.ACCOUNT, row) + [(_("Reported"), str(row["reported_at"])[:10])]
    sections = []
    if contacts:
        sections.append(
            (_("Contacts"), sub_table(contacts, [c for c in contact_columns() if c.header != _("Account")]))
        )
    if deals:
        sections.append(
            (_("Deals"), sub_table(deals, [c for c in deal_columns(record.stage_label) if c.header != _("Account")]))
        )
    if visits:
        sections.append(
            (
                _("Recent visits ({shown} of {total})").format(shown=len(visits), total=visit_count),
                sub_table(visits, [c for c in visit_columns() if c.header != _("Account")]),
            )
        )
    if followups:
        sections.append(
            (_("Open follow-ups"), sub_table(followups, [c for c in followup_columns() if c.header != _("Account")]))
        )
    print_record(f"#{row['id']} {row['name']}", info, sections=sections)


def show_contact(record: Record, *, as_json: bool) -> None:
    """Draw `sd contact show` (or print its JSON) from the Record Journal.contacts.show() gives."""
    if as_json:
        _emit_json(record)
        return
    row = record.data
    visits, total = row["recent_visits"], row["visit_count"]
    info = [(_("Account"), row["account"]), (_("Reports to"), row["reports_to"])] + _field_rows(fields.CONTACT, row)
    sections = []
    if visits:
        sections.append(
            (
                _("Recent visits ({shown} of {total})").format(shown=len(visits), total=total),
                sub_table(visits, visit_columns()),
            )
        )
    print_record(f"#{row['id']} {row['name']}", info, sections=sections)


def show_deal(record: Record, *, as_json: bool) -> None:
    """Draw `sd deal show` (or print its JSON) from the Record Journal.deals.show() gives; for an open deal, its
    stage's goal, the required markers still unmet and the top actions (`coach`)."""
    row = record.data
    if as_json:
        _emit_json(record)
        return
    coach = row.get("coach")
    unmet = coach["unmet_required"] if coach else []
    actions = coach["actions"] if coach else []
    people, stages = row["contacts"], row["stage_history"]
    visits, total = row["recent_visits"], row["visit_count"]
    info = [
        (_("Account"), row["account"]),
        (_("Stage"), _deal_stage(row, record.stage_label)),
        (_("Goal"), coach["goal"] if coach else None),
        (_("Markers still needed"), "\n".join(f"[ ] {label}" for label in unmet) if coach else None),
        (_("In stage since"), row["stage_entered_on"]),
        (_("Status"), _status(row)),
        (_("Closed"), row["closed_on"]),
        (_("Loss reason"), row["loss_reason"]),
    ] + _field_rows(fields.DEAL, row)
    sections = []
    if actions:
        sections.append(
            (
                _("Next actions (sd next {id} for the whole plan)").format(id=row["id"]),
                sub_table(
                    actions,
                    [
                        Column(_("Action"), lambda a: a["text"]),
                        Column(_("Why"), lambda a: a["why"]),
                        Column(_("Source"), lambda a: a["source"]),
                    ],
                ),
            )
        )
    if people:
        sections.append(
            (
                _("People"),
                sub_table(
                    people,
                    [
                        Column(_("ID"), lambda p: p["id"]),
                        Column(pgettext("person", "Name"), lambda p: p["name"]),
                        Column(_("Title"), lambda p: p["title"]),
                        Column(_("Role"), lambda p: enums.ROLE.label(p["role"])),
                        Column(_("Stance"), lambda p: enums.STANCE.label(p["stance"])),
                    ],
                ),
            )
        )
    if stages:
        sections.append(
            (
                _("Stage history"),
                sub_table(
                    stages,
                    [
                        Column(_("Stage"), lambda s: record.stage_label(s["playbook"], s["stage"])),
                        Column(_("Entered"), lambda s: s["entered_on"]),
                        Column(_("Left"), lambda s: s["left_on"]),
                        Column(_("Note"), lambda s: (_("forced: ") if s["forced"] else "") + (s["reason"] or "")),
                    ],
                ),
            )
        )
    if visits:
        sections.append(
            (
                _("Recent visits ({shown} of {total})").format(shown=len(visits), total=total),
                sub_table(visits, [c for c in visit_columns() if c.header != _("Deal")]),
            )
        )
    print_record(f"#{row['id']} {row['name']}", info, sections=sections)


def show_visit(record: Record, *, as_json: bool) -> None:
    """Draw `sd visit show` (or print its JSON) from the Record Journal.visits.show() gives."""
    row = record.data
    if as_json:
        _emit_json(record)
        return
    info = [(_("Account"), row["account"]), (_("Deal"), row["deal"]), (_("Met"), _names(row["contacts"]))]
    print_record(_("Visit #{id}").format(id=row["id"]), info + _field_rows(fields.VISIT, row))


def print_visit_to_save(a: Any, when: Any, marker_labels: dict[str, str]) -> None:
    """Draw the summary a guided `sd visit add` shows before it asks to save: A, the answers (prompts/visit.py
    VisitAnswers); WHEN, the day it happened; MARKER_LABELS, the deal's stage's markers by key."""
    new = _("(new)")
    people = []
    for c in a.contacts:
        notes = [_("new")] if c.id is None else []
        if c.moved_to:
            before = enums.RELATIONSHIP.label(c.relationship) + " → " if c.relationship else ""
            notes.append(before + enums.RELATIONSHIP.label(c.moved_to))
        people.append(c.name + (f" ({', '.join(notes)})" if notes else ""))
    deal = ""
    if a.deal_name:
        deal = a.deal_name + (f" {new}" if a.new_deal else "")
    lines = [
        (_("Account"), (a.account_name or "") + (f" {new}" if a.new_account else "")),
        (_("Assist"), _("yes: helping on a teammate's account") if a.assist else ""),
        (_("Deal"), deal),
        (_("Met"), series(people)),
        (_("Activity"), enums.VISIT_KIND.label(a.kind or "visit")),
        (_("Date"), str(when)),
        (_("Purpose"), a.purpose),
        (_("What happened"), a.summary),
        (_("Customer feedback"), a.feedback),
        (_("Markers now met"), series(marker_labels.get(k, k) for k in a.ticks)),
        (
            _("Advance to"),
            f"{a.advance_to.number}. {a.advance_to.label} ({a.advance_to.probability}%)" if a.advance_to else "",
        ),
        (_("Next step"), a.next_step),
        (_("Follow up on"), str(a.follow_up) if a.follow_up else ""),
    ]
    print_record(_("Visit to save"), lines)


def report_changes(what: str, record_id: int, changes: dict[str, list[Any]]) -> None:
    from salesdiary.render.changes import changed_fields
    from salesdiary.render.console import message, success

    if not changes:
        message(_("Nothing changed in {what} #{id}.").format(what=what, id=record_id))
        return
    # TRANSLATORS: what goes between two changed fields in "Updated account #1: region: East → North, …"
    shown = changed_fields(_specs_of(what), changes, _(", "))
    success(_("Updated {what} #{id}: {changes}").format(what=what, id=record_id, changes=shown))


def _specs_of(what: str) -> tuple[fields.FieldSpec, ...]:
    """The fields of the record WHAT (a translated noun) names; every entity's fields if none matches."""
    from salesdiary.render.changes import specs_of

    known = {_("account"): "account", _("contact"): "contact", _("deal"): "deal", _("visit"): "visit"}
    return specs_of(known.get(what))
