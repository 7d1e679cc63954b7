"""What a command changed in a record, as one line a person reads: `region: East → North, tier: ∅ → A`.

One home for `sd … edit`'s "Updated deal #1: …" line and `sd history`'s change column: in Chinese a field is
named by its label (金额, not amount) and values are shown as `show` shows them (an enum's label, an amount
with its thousands), joined by the language's one separator (，in Chinese); in English, by its field name.
"""

from __future__ import annotations

from typing import Any

from salesdiary.core import fields
from salesdiary.i18n import _, current_language, pgettext

SPECS = {
    "account": fields.ACCOUNT,
    "contact": fields.CONTACT,
    "deal": fields.DEAL,
    "visit": fields.VISIT,
    "followup": fields.FOLLOWUP,
}
EVERY_SPEC = fields.ACCOUNT + fields.CONTACT + fields.DEAL + fields.VISIT + fields.FOLLOWUP


def specs_of(entity: str | None) -> tuple[fields.FieldSpec, ...]:
    """The fields of the table ENTITY (every entity's when it is not one of the five)."""
    return SPECS.get(entity or "", EVERY_SPEC)


# Columns history shows that are no field a rep sets by an option: a deal's stage, the stage history, links.
OTHER_LABELS = {
    "stage": "阶段",
    "stage_entered_on": "进入阶段日期",
    "entered_on": "进入日期",
    "left_on": "离开日期",
    "forced": "强制推进",
    "reason": "原因",
    "playbook": "方法",
    "deal_id": "项目",
    "account_id": "客户",
    "contact_id": "关键人",
    "visit_id": "拜访",
    "marker": "进展标志",
    "question": "问题",
    "answer": "回答",
    "markers": "进展标志",
    "done_on": "完成日期",
    "paid_on": "回款日期",
    "status": "状态",
    "closed_on": "关闭日期",
}


def field_name(specs: tuple[fields.FieldSpec, ...], name: str) -> str:
    """A changed field as the person knows it: the option name in English (`relation`), its label in Chinese."""
    if current_language() == "en":
        return name
    found = next((f for f in specs if f.name == name), None)
    return str(found.label) if found is not None else OTHER_LABELS.get(name, name)


def field_value(specs: tuple[fields.FieldSpec, ...], name: str, value: Any, width: int = 30) -> str:
    """VALUE as `show` displays it (an enum's label in the current language, yes/no for a flag), shortened."""
    from salesdiary.core.validate import show

    found = next((f for f in specs if f.name == name), None)
    if value is None or value == "":
        return "∅"
    if name == "stage" and found is None:
        text: Any = stage_label(str(value))
    elif isinstance(value, bool) and found is None:
        text = _("yes") if value else _("no")
    else:
        text = found.display(value) if found is not None else value
    return show(str(text), width)


def stage_label(key: str) -> str:
    """A stage key as the rep reads it (the label of the playbook stage of that key), or the key itself."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import list_playbooks

    try:
        books = list_playbooks()
    except SdError:
        return key
    for book in books:
        for stage in book.stages:
            if stage.key == key:
                return str(stage.label)
    return key


def changed_fields(specs: tuple[fields.FieldSpec, ...], changes: dict[str, list[Any]], separator: str) -> str:
    """Each field's old → new value."""
    # TRANSLATORS: one changed field in "Updated account #1: region: East → North"
    template = _("{field}: {old} → {new}")
    return separator.join(
        template.format(field=field_name(specs, k), old=field_value(specs, k, v[0]), new=field_value(specs, k, v[1]))
        for k, v in changes.items()
        if len(v) == 2
    )


def listed_fields(specs: tuple[fields.FieldSpec, ...], values: dict[str, Any], separator: str) -> str:
    """Each field with its value, for a record added or removed: `action=Call back, due=2026-12-04`."""
    return separator.join(f"{field_name(specs, k)}={field_value(specs, k, v)}" for k, v in values.items())


def history_separator() -> str:
    # TRANSLATORS: between two fields in a row of `sd history` (English keeps "; " as values may hold commas)
    return pgettext("history", "; ")
