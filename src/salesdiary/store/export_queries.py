"""Streaming SELECTs for `sd export`: one query per table, rows handed on one at a time.

Plain SQL over a Reader (stdlib sqlite3 on the default), so exporting never loads
SQLModel; the cursor is iterated, never fetched whole, so memory stays flat however
many rows there are. Each query's column aliases are the export column names of
core/tabular.py, in that order (a test holds them together).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from salesdiary.core import tabular
from salesdiary.core.errors import BadInput
from salesdiary.i18n import _
from salesdiary.store.connection import Reader

DUMP_FORMAT = "salesdiary"
DUMP_VERSION = 1
NOT_DUMPED = ("alembic_version", "sd_meta")  # facts about the file itself, written by the journal that gets the dump


@dataclass
class ExportFilter:
    """What an export keeps. Dates are ISO strings; stage and status are keys."""

    since: str | None = None
    until: str | None = None
    owner: str | None = None
    account_id: int | None = None
    stage: str | None = None
    status: str | None = None
    playbook: str | None = None


@dataclass(frozen=True)
class _Query:
    select: str  # SELECT … FROM … (aliases = export column names)
    date: str  # the column --since/--until compare
    owner: str | None
    account: str | None
    stage: str | None = None
    status: str | None = None
    playbook: str | None = None
    timestamp: bool = False  # the date column holds a time: compare with the day after --until


def _list(dialect: str, value: str, order: str, source: str) -> str:
    """An aggregate of VALUE in ORDER joined by the list separator, for one row of the outer query."""
    if dialect == "postgresql":
        return f"(SELECT string_agg(CAST({value} AS TEXT), chr(31) ORDER BY {order}) FROM {source})"
    return f"(SELECT group_concat(x, char(31)) FROM (SELECT {value} AS x FROM {source} ORDER BY {order}))"


def _queries(dialect: str, include_personal: bool) -> dict[str, _Query]:
    personal = "".join(f", c.{c.name}" for c in tabular.COLUMNS["contacts"] if c.personal) if include_personal else ""
    visit_people = "visit_contact vc JOIN contact c ON c.id = vc.contact_id WHERE vc.visit_id = v.id"
    return {
        "accounts": _Query(
            "SELECT a.id, a.name, a.purchase_mode, a.source, a.industry, a.region, a.address, a.phone, a.website,"
            " a.info_stage, a.relation, a.tier, a.lifecycle, a.owner, a.reported_at, a.notes FROM account a",
            date="a.reported_at",
            owner="a.owner",
            account="a.id",
            stage="a.info_stage",
            timestamp=True,
        ),
        "contacts": _Query(
            "SELECT c.id, c.name, c.account_id, a.name AS account, c.title, c.department, c.phone, c.email,"
            " c.level, c.role, c.relationship, c.stance, c.coach, c.style, c.attitude, c.reports_to_id,"
            f" b.name AS reports_to, c.notes{personal}"
            " FROM contact c JOIN account a ON a.id = c.account_id LEFT JOIN contact b ON b.id = c.reports_to_id",
            date="c.created_at",
            owner="a.owner",
            account="c.account_id",
            timestamp=True,
        ),
        "deals": _Query(
            "SELECT d.id, d.name, d.external_id, d.account_id, a.name AS account, d.playbook, d.stage, d.status,"
            " d.amount, d.currency, d.expected_close, d.stage_entered_on, d.closed_on, d.loss_reason, d.competitors,"
            " d.strategy, d.next_step, d.next_step_date, d.owner, d.notes"
            " FROM deal d JOIN account a ON a.id = d.account_id",
            date="d.created_at",
            owner="d.owner",
            account="d.account_id",
            stage="d.stage",
            status="d.status",
            playbook="d.playbook",
            timestamp=True,
        ),
        "visits": _Query(
            "SELECT v.id, v.date, v.kind, v.account_id, a.name AS account, v.deal_id, d.name AS deal,"
            f" {_list(dialect, 'vc.contact_id', 'vc.contact_id', visit_people)} AS contact_ids,"
            f" {_list(dialect, 'c.name', 'c.id', visit_people)} AS contacts,"
            " v.purpose, v.summary, v.feedback, v.next_step, v.follow_up_date, v.assist, v.owner"
            " FROM visit v JOIN account a ON a.id = v.account_id LEFT JOIN deal d ON d.id = v.deal_id",
            date="v.date",
            owner="v.owner",
            account="v.account_id",
        ),
        "followups": _Query(
            "SELECT f.id, f.due, f.action, f.kind, f.done_on, f.account_id, a.name AS account, f.deal_id,"
            " d.name AS deal, f.contact_id, c.name AS contact, f.visit_id, f.owner"
            " FROM followup f JOIN account a ON a.id = f.account_id LEFT JOIN deal d ON d.id = f.deal_id"
            " LEFT JOIN contact c ON c.id = f.contact_id",
            date="f.due",
            owner="f.owner",
            account="f.account_id",
            status="CASE WHEN f.done_on IS NULL THEN 'open' ELSE 'done' END",
        ),
        "stages": _Query(
            "SELECT s.id, s.deal_id, d.name AS deal, d.account_id, a.name AS account, s.playbook, s.stage,"
            " s.entered_on, s.left_on, s.forced, s.reason"
            " FROM stage_history s JOIN deal d ON d.id = s.deal_id JOIN account a ON a.id = d.account_id",
            date="s.entered_on",
            owner="d.owner",
            account="d.account_id",
            stage="s.stage",
            status="d.status",
            playbook="s.playbook",
        ),
    }


def filters_for(table: str) -> tuple[str, ...]:
    """The filter options that apply to TABLE (others are refused rather than ignored)."""
    q = _queries("sqlite", False)[table]
    return ("since", "until", "owner", "account", *(n for n in ("stage", "status", "playbook") if getattr(q, n)))


def export_rows(
    r: Reader, table: str, where: ExportFilter, *, include_personal: bool = False
) -> Iterator[dict[str, Any]]:
    """The rows of TABLE as the export writes them, streamed in id order."""
    if table not in tabular.EXPORT_TABLES:
        raise BadInput(
            _("Cannot export {table!r}; tables: {tables}.").format(table=table, tables=", ".join(tabular.EXPORT_TABLES))
        )
    q = _queries(r.dialect, include_personal)[table]
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if where.since:
        clauses.append(f"{q.date} >= :since")
        params["since"] = where.since
    if where.until:
        if q.timestamp:
            clauses.append(f"{q.date} < :until")
            params["until"] = (dt.date.fromisoformat(where.until) + dt.timedelta(days=1)).isoformat()
        else:
            clauses.append(f"{q.date} <= :until")
            params["until"] = where.until
    for name in ("owner", "account", "stage", "status", "playbook"):
        value = where.account_id if name == "account" else getattr(where, name)
        if value is None:
            continue
        column = getattr(q, name)
        if column is None:
            raise BadInput(_("--{option} does not apply to {table}.").format(option=name, table=table))
        clauses.append(f"{column} = :{name}")
        params[name] = value
    sql = q.select + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY 1"
    return r.stream(sql, params)


# Everything, for `sd export all` ------------------------------------------------------------------------


def dump_tables(r: Reader) -> list[str]:
    """Every table of the journal that a dump carries, parents before children where known."""
    if r.dialect == "sqlite":
        rows = r.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        rows = r.rows(
            "SELECT table_name AS name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
    names = {row["name"] for row in rows} - set(NOT_DUMPED)
    first = [name for name in DUMP_ORDER if name in names]
    return first + sorted(names - set(first))


DUMP_ORDER = (
    "account",
    "contact",
    "deal",
    "deal_contact",
    "stage_history",
    "deal_marker",
    "deal_evaluation",
    "visit",
    "visit_contact",
    "followup",
    "receivable",
    "changeset",
    "history",
)


def primary_key(r: Reader, table: str) -> list[str]:
    if r.dialect == "sqlite":
        cols = r.rows(f'SELECT name, pk FROM pragma_table_info("{table}") WHERE pk > 0 ORDER BY pk')
    else:
        cols = r.rows(
            "SELECT k.column_name AS name FROM information_schema.table_constraints t"
            " JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name"
            " AND k.table_schema = t.table_schema"
            " WHERE t.table_name = :t AND t.table_schema = current_schema() AND t.constraint_type = 'PRIMARY KEY'"
            " ORDER BY k.ordinal_position",
            {"t": table},
        )
    return [c["name"] for c in cols]


def dump_rows(r: Reader, table: str) -> Iterator[dict[str, Any]]:
    """Every row of TABLE as stored, in key order."""
    order = ", ".join(f'"{c}"' for c in primary_key(r, table)) or "1"
    return r.stream(f'SELECT * FROM "{table}" ORDER BY {order}')
