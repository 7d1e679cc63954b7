"""What a guided `sd visit add` writes, as plain data: the answers, once confirmed, become one `VisitPlan` that
`Journal.visits.log_plan` writes in one transaction (store/writes/progress.py `log_visit`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class MetContact:
    """A contact met on a visit: an existing one (contact_id) or a new one (values), and where the
    relationship now stands (None: unchanged)."""

    contact_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    relationship: str | None = None


@dataclass
class VisitPlan:
    """Everything a guided `sd visit add` writes, in one transaction."""

    account_id: int | None = None
    new_account: dict[str, Any] | None = None  # values for records.add_account
    deal_id: int | None = None
    new_deal: dict[str, Any] | None = None  # values for records.add_deal
    contacts: list[MetContact] = field(default_factory=list)
    visit: dict[str, Any] = field(default_factory=dict)  # values for records.add_visit
    ticks: list[str] = field(default_factory=list)  # markers of the deal's current stage now met
    advance: bool = False
