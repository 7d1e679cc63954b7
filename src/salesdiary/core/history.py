"""What a recorded change looks like to a person: the names of the tables and records `sd history` and
`sd undo` show, and the bookkeeping fields they leave out (store/ records the changes; render/ draws them)."""

from __future__ import annotations

from salesdiary.i18n import _

# Bookkeeping fields not shown to a person (they stay in --json).
HIDDEN_FIELDS = frozenset({"updated_at", "created_at", "name_key", "created_by", "reported_at"})


def table_label(entity: str) -> str:
    labels = {
        "account": _("account"),
        "contact": _("contact"),
        "deal": _("deal"),
        "visit": _("visit"),
        "followup": _("follow-up"),
        "deal_contact": _("deal contact"),
        "visit_contact": _("visit contact"),
        "deal_marker": _("deal marker"),
        "deal_evaluation": _("deal evaluation"),
        "stage_history": _("stage history"),
        "receivable": _("receivable"),
        "forecast_snapshot": _("forecast snapshot"),
        "sd_meta": _("journal setting"),
    }
    return labels.get(entity, entity)


def record_label(entity: str, entity_id: str, name: str | None = None) -> str:
    """A record as a person reads it: 'deal #12 “调度中心网络改造”'."""
    text = f"{table_label(entity)} #{entity_id}"
    if name:
        text += f" “{name}”"
    return text
