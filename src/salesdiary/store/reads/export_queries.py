"""Streaming SELECTs for `sd export`: one query per table, rows handed on one at a time.

Plain SQL over a Reader (stdlib sqlite3 on the default), so exporting never loads
SQLModel; the cursor is iterated, never fetched whole, so memory stays flat however
many rows there are. Each query's column aliases are the export column names of
core/tabular.py, in that order (tests/test_export_streaming.py holds them together);
rows go on as tuples (tabular.Rows), which the writers read without a dict per row.

The people met at a visit come from one ordered join (a row per visit and person,
in id order, met_id and met_name last) folded here into the visit's contact_ids and
contacts: two sub-queries per visit cost several times as much on a large journal.
An unfiltered export of visits takes the names of accounts, deals and contacts from
maps read once (_visits_with_names) rather than by three look-ups per row.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from typing import Any

from salesdiary.core import tabular
from salesdiary.core.errors import BadInput
from salesdiary.i18n import _
from salesdiary.store.connection import Reader

DUMP_FORMAT = "salesdiary"
DUMP_VERSION = 1
# tables the database fills itself, not records: figures its triggers keep (migration 0005) and what `sd check`
# keeps between runs (0012; computed again at the next check)
KEPT_TABLES = ("account_visits", "deal_last_visit", "deal_health", "account_health", "health_key")
# facts about the file itself, written by the journal that gets the dump, and the kept tables
NOT_DUMPED = ("alembic_version", "sd_meta", *KEPT_TABLES)
KEPT_COLUMNS = {"stage_history": ("markers",)}  # computed by triggers (migration 0005): not dumped, not restored


def stored_columns(table: Any) -> list[Any]:
    """The columns of TABLE (an SQLAlchemy Table) that writes carry: all but KEPT_COLUMNS (its triggers set them)."""
    kept = KEPT_COLUMNS.get(table.name, ())
    return [c for c in table.columns if c.name not in kept]


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
    order: str = "1"
    people_met: bool = False  # one row per visit and person met (met_id, met_name last): _fold_people_met


def _queries(include_personal: bool) -> dict[str, _Query]:
    personal = "".join(f", c.{c.name}" for c in tabular.COLUMNS["contacts"] if c.personal) if include_personal else ""
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
            " v.purpose, v.summary, v.feedback, v.next_step, v.follow_up_date, v.assist, v.owner,"
            " c.id AS met_id, c.name AS met_name"
            " FROM visit v JOIN account a ON a.id = v.account_id LEFT JOIN deal d ON d.id = v.deal_id"
            " LEFT JOIN visit_contact vc ON vc.visit_id = v.id LEFT JOIN contact c ON c.id = vc.contact_id",
            date="v.date",
            owner="v.owner",
            account="v.account_id",
            order="v.id, vc.contact_id",
            people_met=True,
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
    q = _queries(False)[table]
    return ("since", "until", "owner", "account", *(n for n in ("stage", "status", "playbook") if getattr(q, n)))


def export_rows(r: Reader, table: str, where: ExportFilter, *, include_personal: bool = False) -> tabular.Rows:
    """The rows of TABLE as the export writes them, streamed in id order (iterating gives dicts)."""
    if table not in tabular.EXPORT_TABLES:
        raise BadInput(
            _("Cannot export {table!r}; tables: {tables}.").format(table=table, tables=", ".join(tabular.EXPORT_TABLES))
        )
    names = [c.name for c in tabular.export_columns(table, include_personal=include_personal)]
    if table == "visits" and where == ExportFilter() and os.environ.get("SD_NO_NAME_MAPS", "") in ("", "0"):
        return tabular.Rows(names, _visits_with_names(r))
    sql, params = export_sql(table, where, include_personal=include_personal)
    rows = _tuples(r, sql, params)
    return tabular.Rows(names, _fold_people_met(rows) if _queries(include_personal)[table].people_met else rows)


def export_sql(table: str, where: ExportFilter, *, include_personal: bool = False) -> tuple[str, dict[str, Any]]:
    """The SELECT (with its parameters) that export_rows runs for TABLE."""
    q = _queries(include_personal)[table]
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
    return q.select + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY " + q.order, params


def _tuples(r: Reader, sql: str, params: Mapping[str, Any]) -> Iterator[tuple[Any, ...]]:
    tuples = getattr(r, "tuples", None)  # every reader of store/connection.py; a stand-in may have only stream
    if tuples is not None:
        return tuples(sql, params)
    return (tuple(row.values()) for row in r.stream(sql, params))


_MET_AT = [c.name for c in tabular.COLUMNS["visits"]].index("contact_ids")  # then "contacts"


def _fold_people_met(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Rows of a visit per person met (visit id first, met_id and met_name last, in the order of the people's
    ids) as one row per visit, the ids and the names each in one cell joined by the list separator (None when
    no one is recorded), as an aggregate would give them."""
    separator = tabular.LIST_SEPARATOR
    rows = iter(rows)
    row = next(rows, None)
    while row is not None:
        first = row
        visit = row[0]
        ids: list[str] = []
        names: list[str] = []
        while row is not None and row[0] == visit:
            if row[-2] is not None:
                ids.append(str(row[-2]))
                names.append(str(row[-1]))
            row = next(rows, None)
        met = (separator.join(ids), separator.join(names)) if ids else (None, None)
        yield first[:_MET_AT] + met + first[_MET_AT:-2]


# The visits' own columns and the ids of the people met (a row per visit and person, in the order of the
# "visits" query); the names come from _visits_with_names's maps.
_VISITS_BARE = (
    "SELECT v.id, v.date, v.kind, v.account_id, v.deal_id, v.purpose, v.summary, v.feedback, v.next_step,"
    " v.follow_up_date, v.assist, v.owner, vc.contact_id"
    " FROM visit v LEFT JOIN visit_contact vc ON vc.visit_id = v.id ORDER BY v.id, vc.contact_id"
)


def _visits_with_names(r: Reader) -> Iterator[tuple[Any, ...]]:
    """The rows of the unfiltered "visits" query folded as _fold_people_met folds them, the names of accounts,
    deals and contacts taken from maps read once before the visits (a SELECT per table, so one stream at a time
    on every reader) instead of three B-tree look-ups per row: on the large bench journal (200,000 visits) the
    SELECT costs ≈ 0.6 s instead of ≈ 1.5 s. Only for an export of every visit, which reads every name anyway
    (a filtered one reads just the names it needs, through the joins); SD_NO_NAME_MAPS=1 switches it off.
    Same rows as the joins: a visit whose account is gone is left out (JOIN), a deal or person gone is None
    (LEFT JOIN), and a person gone is not among the people met."""
    account_of = dict(_tuples(r, "SELECT id, name FROM account", {})).get
    deal_of = dict(_tuples(r, "SELECT id, name FROM deal", {})).get
    contact_of = dict(_tuples(r, "SELECT id, name FROM contact", {})).get
    separator = tabular.LIST_SEPARATOR
    no_one: tuple[str | None, str | None] = (None, None)
    # a visit's rows are read up to the first row of the next one; the last visit ends at END (id None)
    first: tuple[Any, ...] = _END[0]
    met: list[Any] = []
    for row in chain(_tuples(r, _VISITS_BARE, {}), _END):
        if row[0] == first[0]:
            met.append(row[12])
            continue
        if (account := account_of(first[3], _GONE)) is not _GONE:
            if not met:
                people = no_one
            elif len(met) == 1:
                name = contact_of(met[0])
                people = no_one if name is None else (str(met[0]), str(name))
            else:
                known = [(i, name) for i in met if (name := contact_of(i)) is not None]
                people = (
                    (separator.join([str(i) for i, _n in known]), separator.join([str(n) for _i, n in known]))
                    if known
                    else no_one
                )
            v = first
            yield (v[0], v[1], v[2], v[3], account, v[4], deal_of(v[4]), *people) + v[5:12]
        first = row
        met = [] if row[12] is None else [row[12]]


_END = ((None,) * 13,)
_GONE = object()


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
    "forecast_snapshot",
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
    """Every row of TABLE as stored, in key order (without the figures the database keeps itself)."""
    order = ", ".join(f'"{c}"' for c in primary_key(r, table)) or "1"
    rows = r.stream(f'SELECT * FROM "{table}" ORDER BY {order}')
    kept = KEPT_COLUMNS.get(table)
    if not kept:
        return rows
    return ({k: v for k, v in row.items() if k not in kept} for row in rows)
