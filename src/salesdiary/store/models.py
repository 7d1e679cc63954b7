"""The schema, defined once: SQLModel tables for writes and migrations.

Read queries (store/reads/record_reads.py) use plain SQL over these same tables so that the
read path does not import SQLModel. Dates are stored as ISO dates, times as ISO
timestamps (UTC); enum fields hold their keys (core/enums.py).
"""

import datetime as dt
from typing import Literal

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from salesdiary.store.version import SCHEMA_VERSION  # noqa: E402,F401  (re-exported for migrations)


def _fk(
    target: str,
    ondelete: Literal["CASCADE", "SET NULL", "RESTRICT"] = "CASCADE",
    index: bool = True,
    nullable: bool = False,
):  # noqa: ANN202
    return Field(default=None, foreign_key=target, ondelete=ondelete, index=index, nullable=nullable)


class _Table(SQLModel):
    """Every table's base. Writes go through SQLAlchemy Core on `__table__` and never validate a model,
    so pydantic builds a model's validators when it is first used rather than when this module is
    imported (~40 ms of every write otherwise). No `from __future__ import annotations` here either:
    string annotations would make pydantic evaluate each one again."""

    model_config = {"defer_build": True}


class Account(_Table, table=True):
    __tablename__ = "account"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    name_key: str = Field(unique=True)  # core.naming.account_key: the normalised name
    purchase_mode: str | None = None
    source: str | None = None
    industry: str | None = None
    region: str | None = None
    address: str | None = None
    phone: str | None = None
    website: str | None = None
    info_stage: str = "lead"
    relation: str | None = None
    tier: str | None = None
    lifecycle: str | None = None
    notes: str | None = Field(default=None, sa_column=Column(Text))
    owner: str
    created_by: str
    reported_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


class Contact(_Table, table=True):
    __tablename__ = "contact"
    # an account's people with what the health rules ask of them (decision maker, coach, key person at B,
    # opponent), read from the index alone (migration 0003); it also serves every lookup by account
    __table_args__ = (Index("ix_contact_account_people", "account_id", "role", "relationship", "coach", "stance"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("account.id", index=False)
    name: str = Field(index=True)
    title: str | None = None
    department: str | None = None
    phone: str | None = Field(default=None, index=True)
    email: str | None = Field(default=None, index=True)
    level: str | None = None
    role: str | None = None
    relationship: str | None = None
    stance: str | None = None
    coach: bool = False
    style: str | None = None
    attitude: str | None = None
    reports_to_id: int | None = _fk("contact.id", ondelete="SET NULL", nullable=True)
    birthday: str | None = None  # free form: "1975-03-02" or "03-02"
    hometown: str | None = None
    school: str | None = None
    family: str | None = None
    hobbies: str | None = None
    personal_notes: str | None = Field(default=None, sa_column=Column(Text))
    notes: str | None = Field(default=None, sa_column=Column(Text))
    created_at: dt.datetime
    updated_at: dt.datetime


class Deal(_Table, table=True):
    __tablename__ = "deal"
    __table_args__ = (
        Index("ix_deal_status_stage", "status", "stage"),
        # an account's open deals (account list counts them per row; without it SQLite walks every open deal)
        Index("ix_deal_account_status", "account_id", "status"),
        # the playbooks of the open deals (sd check loads those; migration 0004)
        Index("ix_deal_status_playbook", "status", "playbook"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("account.id")
    name: str = Field(index=True)
    external_id: str | None = Field(default=None, index=True)
    amount: float | None = None
    currency: str = "CNY"
    expected_close: dt.date | None = None
    playbook: str = "ten_step"
    stage: str
    stage_entered_on: dt.date
    status: str = "open"
    closed_on: dt.date | None = None
    loss_reason: str | None = None
    competitors: str | None = None
    strategy: str | None = None
    next_step: str | None = None
    next_step_date: dt.date | None = Field(default=None, index=True)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    owner: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    # the rep's forecast category (core/forecast.py CATEGORIES); None: from the stage's probability (migration 0010)
    forecast_category: str | None = None


class DealContact(_Table, table=True):
    """A contact's role and stance in one deal (may differ from deal to deal)."""

    __tablename__ = "deal_contact"
    # a deal's people by their role in it: `sd check`'s decision-maker test reads the index alone (migration 0006)
    __table_args__ = (Index("ix_deal_contact_deal_role", "deal_id", "role", "contact_id"),)
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", primary_key=True, index=True)
    role: str | None = None
    stance: str | None = None


class StageHistory(_Table, table=True):
    """When a deal entered and left each stage."""

    __tablename__ = "stage_history"
    # a playbook's history deal by deal, with the stage and the day: the funnel's conversion reads it alone
    # (migration 0003); a deal's stages left, with their markers, is the other index (below)
    __table_args__ = (Index("ix_stage_history_playbook_deal", "playbook", "deal_id", "stage", "entered_on"),)
    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = _fk("deal.id", index=False)
    playbook: str
    stage: str
    entered_on: dt.date
    left_on: dt.date | None = None
    forced: bool = False
    reason: str | None = None


class DealMarker(_Table, table=True):
    """A progress marker of the playbook that is met for a deal."""

    __tablename__ = "deal_marker"
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE", primary_key=True)
    stage: str = Field(primary_key=True)
    marker: str = Field(primary_key=True)
    checked_on: dt.date


class Visit(_Table, table=True):
    __tablename__ = "visit"
    # an account's recent visits and their deal: the funnel and `sd check` ask, for every open deal, for the
    # last visit to its account about the deal or about no deal, answered from this index alone (migration
    # 0003); it also serves every lookup by account, so account_id has no index of its own
    __table_args__ = (Index("ix_visit_account_date_deal", "account_id", "date", "deal_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("account.id", index=False)
    deal_id: int | None = _fk("deal.id", ondelete="SET NULL", nullable=True)
    date: dt.date = Field(index=True)
    kind: str = "visit"
    purpose: str | None = Field(default=None, sa_column=Column(Text))
    summary: str | None = Field(default=None, sa_column=Column(Text))
    feedback: str | None = Field(default=None, sa_column=Column(Text))
    next_step: str | None = None
    follow_up_date: dt.date | None = None
    assist: bool = False  # logged by a rep helping on another rep's account
    owner: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class VisitContact(_Table, table=True):
    __tablename__ = "visit_contact"
    visit_id: int = Field(foreign_key="visit.id", ondelete="CASCADE", primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE", primary_key=True, index=True)


class FollowUp(_Table, table=True):
    __tablename__ = "followup"
    __table_args__ = (Index("ix_followup_open_due", "done_on", "due"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = _fk("account.id")
    deal_id: int | None = _fk("deal.id", ondelete="SET NULL", nullable=True)
    contact_id: int | None = _fk("contact.id", ondelete="SET NULL", nullable=True)
    visit_id: int | None = _fk("visit.id", ondelete="SET NULL", nullable=True)
    due: dt.date = Field(index=True)
    action: str
    kind: str = "todo"
    done_on: dt.date | None = None
    owner: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class DealEvaluation(_Table, table=True):
    """An answer to one of the 20 opportunity-evaluation questions (《大客户销售管理》)."""

    __tablename__ = "deal_evaluation"
    deal_id: int = Field(foreign_key="deal.id", ondelete="CASCADE", primary_key=True)
    question: str = Field(primary_key=True)
    answer: str  # yes | partly | no | unknown
    note: str | None = None
    answered_on: dt.date


class Receivable(_Table, table=True):
    """An amount due on a won deal, and what has been paid."""

    __tablename__ = "receivable"
    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = _fk("deal.id")
    amount: float
    due: dt.date = Field(index=True)
    paid_amount: float = 0.0
    paid_on: dt.date | None = None
    note: str | None = None
    owner: str
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ForecastSnapshot(_Table, table=True):
    """One deal in a forecast snapshot (`sd forecast snapshot`): what was forecast for a period on a day.

    It keeps the deal's id and name but hangs on no deal: removing a deal does not rewrite the past (0010)."""

    __tablename__ = "forecast_snapshot"
    __table_args__ = (Index("ix_forecast_snapshot_period", "period", "taken_on", "owner"),)
    id: int | None = Field(default=None, primary_key=True)
    taken_on: dt.date
    period: str  # "2026-12" or "2026Q4"
    period_start: dt.date
    period_end: dt.date
    deal_id: int = Field(index=True)
    name: str
    status: str  # open | won (won in the period before the snapshot)
    stage: str | None = None
    probability: int
    category: str  # commit | best_case | pipeline | omit | won
    amount: float | None = None
    currency: str = "CNY"
    expected_close: dt.date | None = None
    owner: str
    created_by: str
    created_at: dt.datetime


class ChangeSet(_Table, table=True):
    """One command's writes, as a unit (what undo reverses)."""

    __tablename__ = "changeset"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    command: str
    user: str
    undone_by: int | None = Field(default=None, foreign_key="changeset.id", ondelete="SET NULL")


class History(_Table, table=True):
    """Every change to a record: old and new values of each field that changed."""

    __tablename__ = "history"
    __table_args__ = (Index("ix_history_record", "entity", "entity_id"), UniqueConstraint("changeset_id", "seq"))
    id: int | None = Field(default=None, primary_key=True)
    changeset_id: int = _fk("changeset.id")
    seq: int
    entity: str
    entity_id: str
    action: str  # insert | update | delete
    changes: str = Field(sa_column=Column(Text, nullable=False))  # JSON {field: [old, new]}


class Meta(_Table, table=True):
    """Facts about the journal itself (what made it, schema version)."""

    __tablename__ = "sd_meta"
    key: str = Field(primary_key=True)
    value: str


# --- figures the database keeps itself (migration 0005) ----------------------------------------------------
# Triggers keep them up to date in the transaction that changes the records: no command writes them, and
# the models above do not map them (a write never carries them, history never records them). `sd check` reads
# them instead of counting visits and markers for every account and deal.

# the markers checked for the deal in this stage, ",a,b,c," ("," for none)
StageHistory.__table__.append_column(Column("markers", String, nullable=False, server_default=","))  # type: ignore[attr-defined]
_history = StageHistory.__table__.c  # type: ignore[attr-defined]
# a deal's stages left, by playbook, with their markers: the unmet-marker test reads this index alone, and a
# deal's history is found by its prefix (migrations 0004, 0005)
Index(
    "ix_stage_history_deal_left",
    _history.deal_id,
    _history.playbook,
    _history.left_on,
    _history.stage,
    _history.markers,
)

account_visits = Table(
    "account_visits",
    SQLModel.metadata,
    Column("account_id", Integer, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("visits", Integer, nullable=False),
)
# the last visit to the deal's account about the deal or about no deal
deal_last_visit = Table(
    "deal_last_visit",
    SQLModel.metadata,
    Column("deal_id", Integer, ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True),
    Column("last_visit_on", Date),
)


# --- what `sd check` found, kept between runs (migration 0012; SQLite) -----------------------------------------
# The results of the health rules that depend on the records alone (not on the day), one row per open deal and per
# account not yet a customer, as bits (store/health_memo.py). Triggers delete a record's row in the transaction
# that changes anything its rules read, so a row is always the rules' answer on the records as they are; `sd
# check` computes the rows that are missing. Not records: never written by a command's Tx, never in history,
# dumps or backups' checks. On PostgreSQL the tables exist (one schema for both) but stay empty.
deal_health = Table(
    "deal_health",
    SQLModel.metadata,
    Column("deal_id", Integer, primary_key=True),
    Column("bits", Integer, nullable=False),
)
account_health = Table(
    "account_health",
    SQLModel.metadata,
    Column("account_id", Integer, primary_key=True),
    Column("bits", Integer, nullable=False),
)
# per table above, the fingerprint of the rules' SQL its rows were computed with (thresholds, playbooks, code)
health_key = Table(
    "health_key",
    SQLModel.metadata,
    Column("kind", String, primary_key=True),
    Column("fingerprint", String, nullable=False),
)
