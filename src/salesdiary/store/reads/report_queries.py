"""Report queries: funnel, due list, agenda, health rules, decision map, period reports, receivables.

Every figure is computed by the database (COUNT, SUM, AVG, date comparisons),
never by loading all rows into Python. Plain SQL with :named parameters over
the Reader, so the read path stays off SQLAlchemy on SQLite. The SQL is kept
portable between SQLite and PostgreSQL: dates are compared with ISO dates
passed in as parameters (cut-off dates are computed in Python from "today");
the only dialect-specific piece is the number of days between two dates
(`days`). Stage keys and marker keys of a playbook are inlined as literals
only after checking they are snake_case (the playbook loader guarantees it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salesdiary.core.collection import URGENCY
from salesdiary.core.playbook import Playbook
from salesdiary.store.connection import Reader, side_by_side
from salesdiary.store.sql import date_param, days, scan, stage_case


@dataclass(frozen=True)
class Scope:
    """Filters every report accepts: one rep's records, one account's."""

    owner: str | None = None
    account_id: int | None = None
    deal_id: int | None = None  # one deal (the health rules of one record: Journal.findings_for)

    def deals(self, alias: str = "d") -> tuple[str, dict[str, Any]]:
        where: list[str] = []
        params: dict[str, Any] = {}
        if self.deal_id is not None:
            where.append(f"{alias}.id = :deal")
            params["deal"] = self.deal_id
        if self.owner:
            where.append(f"{alias}.owner = :owner")
            params["owner"] = self.owner
        if self.account_id is not None:
            where.append(f"{alias}.account_id = :account")
            params["account"] = self.account_id
        return "".join(" AND " + w for w in where), params

    def accounts(self, alias: str = "a") -> tuple[str, dict[str, Any]]:
        where: list[str] = []
        params: dict[str, Any] = {}
        if self.owner:
            where.append(f"{alias}.owner = :owner")
            params["owner"] = self.owner
        if self.account_id is not None:
            where.append(f"{alias}.id = :account")
            params["account"] = self.account_id
        return "".join(" AND " + w for w in where), params


# --- funnel --------------------------------------------------------------------------------------------


@dataclass
class FunnelQuery:
    playbook: Playbook
    today: dt.date
    cutoffs: dict[str, str]  # stage key → ISO date: no visit after it means stale
    default_cutoff: str
    since: dt.date | None = None
    scope: Scope = field(default_factory=Scope)
    coverage: bool = False  # also count the accounts by information stage (coverage())


# the deal d's last visit: to its account, about it or about no deal (kept by the database, migration 0005)
LAST_VISIT = "(SELECT x.last_visit_on FROM deal_last_visit x WHERE x.deal_id = d.id)"


def stale_sql(cutoff: str) -> str:
    """SQL: the deal d has been in its stage since CUTOFF (an SQL date) or before, and no visit came after it
    (the funnel's stale count and `sd check`'s stale rule)."""
    return f"d.stage_entered_on <= {cutoff} AND NOT COALESCE({LAST_VISIT} > {cutoff}, 1 = 0)"


def _funnel_rows(r: Reader, q: FunnelQuery) -> str:
    """One row per open deal: its stage, amount, weighted amount × 100, days in stage and whether it is stale."""
    book = q.playbook
    probability = stage_case("d.stage", ((s.key, str(s.probability)) for s in book.stages), "0")
    # only the stages whose cut-off is not the default are named (each WHEN is a test per open deal)
    cutoff = stage_case(
        "d.stage",
        (
            (s.key, date_param(r, f"cut_{i}"))
            for i, s in enumerate(book.stages)
            if q.cutoffs.get(s.key, q.default_cutoff) != q.default_cutoff
        ),
        date_param(r, "cut_default"),
    )
    stale = f"CASE WHEN {stale_sql(cutoff)} THEN 1 ELSE 0 END"
    scope_sql, _params = q.scope.deals()
    return (
        f"SELECT d.stage AS stage, d.currency AS currency, d.amount AS amount, d.amount * {probability} AS weighted100,"
        f" {days(r, ':today', 'd.stage_entered_on')} AS days, {stale} AS stale"
        f" FROM deal d WHERE {scan(r, 'd.status')} = 'open' AND d.playbook = :pb{scope_sql}"
    )


FUNNEL_SIBLINGS = 3  # the connections funnel() opens besides its reader's: its four reads run side by side

_FUNNEL_AGGREGATES = (
    "COUNT(*) AS deals, COUNT(x.amount) AS with_amount, COALESCE(SUM(x.amount), 0) AS amount,"
    " COALESCE(SUM(x.weighted100), 0) / 100.0 AS weighted, AVG(x.days) AS avg_days, COALESCE(SUM(x.stale), 0) AS stale"
)


def _funnel_params(q: FunnelQuery) -> dict[str, Any]:
    params: dict[str, Any] = {"today": q.today.isoformat(), "pb": q.playbook.name, "cut_default": q.default_cutoff}
    for i, s in enumerate(q.playbook.stages):
        params[f"cut_{i}"] = q.cutoffs.get(s.key, q.default_cutoff)
    return params


def funnel(r: Reader, q: FunnelQuery) -> dict[str, Any]:
    """The open pipeline of one playbook by stage, its totals, conversion, closed deals (and coverage when asked).

    The totals are aggregated by the database over all the open deals (the row whose stage is NULL),
    not summed from the per-stage rows, so a test can hold one against the other.
    """
    scope_sql, scope_params = q.scope.deals()
    params = {**_funnel_params(q), **scope_params}

    def by_stage(r: Reader) -> list[dict[str, Any]]:
        return r.rows(
            f"WITH x AS ({_funnel_rows(r, q)})"
            f" SELECT x.stage AS stage, x.currency AS currency, {_FUNNEL_AGGREGATES} FROM x"
            " GROUP BY x.stage, x.currency"
            f" UNION ALL SELECT NULL, x.currency, {_FUNNEL_AGGREGATES} FROM x GROUP BY x.currency",
            params,
        )

    def closed_and_others(r: Reader) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, int] | None]:
        closed_params = {"pb": q.playbook.name, **scope_params}
        since_sql = ""
        if q.since:
            since_sql = " AND d.closed_on >= :since"
            closed_params["since"] = q.since.isoformat()
        # grouped by a scan of the table: grouping by the status index would fetch every deal's row by itself
        status = scan(r, "d.status")
        closed = r.rows(
            "SELECT d.status AS status, d.currency AS currency, COUNT(*) AS deals, COUNT(d.amount) AS with_amount,"
            " COALESCE(SUM(d.amount), 0) AS amount FROM deal d"
            f" WHERE {status} <> 'open' AND d.playbook = :pb{scope_sql}{since_sql} GROUP BY {status}, d.currency",
            closed_params,
        )
        others = r.rows(
            "SELECT d.playbook AS playbook, COUNT(*) AS deals FROM deal d"
            f" WHERE {status} = 'open' AND d.playbook <> :pb{scope_sql}"
            " GROUP BY d.playbook ORDER BY d.playbook",
            {"pb": q.playbook.name, **scope_params},
        )
        return closed, others, coverage(r, q.scope) if q.coverage else None

    # independent reads, side by side (connection.side_by_side; FUNNEL_SIBLINGS connections besides R's). The
    # conversion's pass over the stage history is the longest: it is read in two halves of the deal ids (each
    # deal's history is in one of them, so the figures add up)
    half = (int(r.rows("SELECT MAX(d.id) AS n FROM deal d")[0]["n"] or 0) + 1) // 2
    passes: list[Callable[[Reader], Any]] = [
        by_stage,
        closed_and_others,
        lambda r: _conversion(r, q, (None, half)),
        lambda r: _conversion(r, q, (half, None)),
    ]
    assert len(passes) == FUNNEL_SIBLINGS + 1, "FUNNEL_SIBLINGS: the connections a command opens early for these"
    rows, (closed, others, accounts), low, high = side_by_side(r, passes)
    conversion = {key: {name: low[key][name] + high[key][name] for name in ("entered", "advanced")} for key in low}
    currencies = {row["currency"] for row in [*rows, *closed] if row["with_amount"]}
    grouped = _by_currency(rows, "stage")
    totals = grouped.pop(None, None) or _clean([])
    stages: list[dict[str, Any]] = []
    for s in q.playbook.stages:
        row = grouped.pop(s.key, None) or _clean([])
        conv = conversion.get(s.key, {"entered": 0, "advanced": 0})
        stages.append({"stage": s.key, "number": s.number, "probability": s.probability, **row, **conv})
    for key, row in sorted(grouped.items()):  # stages the playbook no longer has
        stages.append({"stage": key, "number": None, "probability": 0, **row, "entered": 0, "advanced": 0})
    order = {"won": 0, "lost": 1, "dropped": 2}
    closed_rows = [{"status": k, **v} for k, v in _by_currency(closed, "status").items()]
    closed_rows.sort(key=lambda c: (order.get(c["status"], 9), c["status"]))
    return {
        "stages": stages,
        "totals": totals,
        "closed": [
            {
                "status": c["status"],
                "deals": c["deals"],
                "amount": c["amount"],
                "amount_by_currency": c["amount_by_currency"],
            }
            for c in closed_rows
        ],
        "currencies": sorted(currencies),
        "other_playbooks": others,
        "coverage": accounts,
    }


def _by_currency(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    """Rows the database grouped by KEY and currency, folded per KEY (_clean): counts added, money kept apart."""
    parts: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        parts.setdefault(row[key], []).append(row)
    return {k: _clean(v) for k, v in parts.items()}


def _clean(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One group's figures from its rows, one per currency: deals, stale and days over them all; the amount and the
    weighted amount per currency (only currencies with an amount), with `amount`/`weighted` their plain sum for the
    one-currency case (the report decides what a mix shows: core/currency.py)."""
    deals = sum(int(row["deals"] or 0) for row in rows)
    days = [(float(row["avg_days"]), int(row["deals"] or 0)) for row in rows if row.get("avg_days") is not None]
    amounts = {row["currency"]: float(row["amount"] or 0) for row in rows if row.get("with_amount")}
    weighted = {row["currency"]: float(row.get("weighted") or 0) for row in rows if row.get("with_amount")}
    return {
        "deals": deals,
        "with_amount": sum(int(row.get("with_amount") or 0) for row in rows),
        "amount": sum(amounts.values()),
        "weighted": sum(weighted.values()),
        "amount_by_currency": amounts,
        "weighted_by_currency": weighted,
        "avg_days": sum(a * n for a, n in days) / sum(n for _a, n in days)
        if days and sum(n for _a, n in days)
        else None,
        "stale": sum(int(row.get("stale") or 0) for row in rows),
    }


def _conversion(
    r: Reader, q: FunnelQuery, deals: tuple[int | None, int | None] = (None, None)
) -> dict[str, dict[str, int]]:
    """Per stage: the deals that reached it (in the window) and how many of them got past it or were won.

    A deal reached every stage from the earliest to the furthest one its stage history shows (in the window,
    when there is one): a deal that skipped a stage is counted as having gone through it, as in the classic
    funnel. The database groups the deals by (earliest, furthest, won) — a few dozen rows, one pass over the
    stage history in deal order (the index on playbook, deal, stage) — and those rows are folded into the
    stages here. DEALS (from, below) limits it to a range of deal ids: the figures of two ranges add up.
    """
    book = q.playbook
    number = stage_case("sh.stage", ((s.key, str(s.number)) for s in book.stages))
    scope_sql, params = q.scope.deals()
    params = {**params, "pb": book.name}
    where_sql = ""
    if q.since:
        where_sql = " AND sh.entered_on >= :since"
        params["since"] = q.since.isoformat()
    if deals[0] is not None:
        where_sql += " AND sh.deal_id >= :from_deal"
        params["from_deal"] = deals[0]
    if deals[1] is not None:
        where_sql += " AND sh.deal_id < :below_deal"
        params["below_deal"] = deals[1]
    rows = r.rows(
        f"WITH p AS (SELECT sh.deal_id AS deal_id, MIN({number}) AS lo, MAX({number}) AS hi FROM stage_history sh"
        f" WHERE sh.playbook = :pb{where_sql} GROUP BY sh.deal_id)"
        " SELECT p.lo AS lo, p.hi AS hi, CASE WHEN d.status = 'won' THEN 1 ELSE 0 END AS won, COUNT(*) AS n"
        f" FROM p JOIN deal d ON d.id = p.deal_id WHERE p.hi IS NOT NULL{scope_sql}"
        " GROUP BY p.lo, p.hi, CASE WHEN d.status = 'won' THEN 1 ELSE 0 END",
        params,
    )
    out = {s.key: {"entered": 0, "advanced": 0} for s in book.stages}
    for row in rows:
        lo, hi, won, n = int(row["lo"]), int(row["hi"]), bool(row["won"]), int(row["n"])
        for s in book.stages:
            if lo <= s.number <= hi:
                out[s.key]["entered"] += n
                if s.number < hi or won:
                    out[s.key]["advanced"] += n
    return out


def coverage(r: Reader, scope: Scope) -> dict[str, int]:
    """Accounts by information stage (《销售业务手册》's funnel of leads, qualified, prospects, customers)."""
    scope_sql, params = scope.accounts()
    rows = r.rows(
        f"SELECT a.info_stage AS stage, COUNT(*) AS n FROM account a WHERE 1 = 1{scope_sql} GROUP BY a.info_stage",
        params,
    )
    return {row["stage"]: int(row["n"]) for row in rows}


# --- follow-ups: due list and today's agenda ------------------------------------------------------------


_FOLLOWUP_SELECT = (
    "SELECT f.id AS id, f.due AS due, f.action AS action, f.kind AS kind, f.owner AS owner,"
    " f.account_id AS account_id, a.name AS account, f.deal_id AS deal_id, d.name AS deal, d.amount AS deal_amount,"
    " f.contact_id AS contact_id, c.name AS contact"
)
_FOLLOWUP_FROM = (
    " FROM followup f JOIN account a ON a.id = f.account_id LEFT JOIN deal d ON d.id = f.deal_id"
    " LEFT JOIN contact c ON c.id = f.contact_id"
)


def _section(today_param: str = ":today") -> str:
    return f"CASE WHEN f.due < {today_param} THEN 'overdue' WHEN f.due = {today_param} THEN 'today' ELSE 'upcoming' END"


def due_followups(
    r: Reader, today: dt.date, until: dt.date, *, owner: str | None = None, limit: int | None = None
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Open follow-ups due up to UNTIL: overdue (most days late, then largest deal), today, upcoming.

    Returns the rows (at most LIMIT) and the count in each section.
    """
    params: dict[str, Any] = {"today": today.isoformat(), "until": until.isoformat()}
    where = " WHERE f.done_on IS NULL AND f.due <= :until"
    if owner:
        where += " AND f.owner = :owner"
        params["owner"] = owner
    sql = (
        f"{_FOLLOWUP_SELECT}, {_section()} AS section, {days(r, ':today', 'f.due')} AS days_late"
        f"{_FOLLOWUP_FROM}{where}"
        " ORDER BY f.due, CASE WHEN d.amount IS NULL THEN 1 ELSE 0 END, d.amount DESC, f.id"
    )
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    rows = r.rows(sql, params)
    for row in rows:
        row["days_late"] = int(row["days_late"])
    counts = {"overdue": 0, "today": 0, "upcoming": 0}
    count_params = {k: v for k, v in params.items() if k != "limit"}
    for row in r.rows(f"SELECT {_section()} AS section, COUNT(*) AS n FROM followup f{where} GROUP BY 1", count_params):
        counts[row["section"]] = int(row["n"])
    return rows, counts


def due_list(
    r: Reader, today: dt.date, until: dt.date, *, owner: str | None = None, limit: int | None = None
) -> dict[str, Any]:
    """`sd due --json`: the day, the last day looked at, the count in each section and the follow-ups
    (due_followups) in their stable shape."""
    rows, counts = due_followups(r, today, until, owner=owner, limit=limit)
    keys = ("id", "section", "due", "days_late", "account", "deal", "deal_amount", "contact", "action", "kind", "owner")
    items = [{k: str(row[k]) if k == "due" else row[k] for k in keys} for row in rows]
    return {"today": today.isoformat(), "until": until.isoformat(), "counts": counts, "items": items}


def agenda(r: Reader, day: dt.date, *, owner: str | None = None) -> dict[str, Any]:
    """One day: follow-ups due that day (planned visits among them), visits logged, and how many are overdue."""
    params: dict[str, Any] = {"day": day.isoformat()}
    owner_f = owner_v = ""
    if owner:
        params["owner"] = owner
        owner_f, owner_v = " AND f.owner = :owner", " AND v.owner = :owner"
    followups = r.rows(
        f"{_FOLLOWUP_SELECT}, f.done_on AS done_on{_FOLLOWUP_FROM}"
        f" WHERE f.due = :day AND (f.done_on IS NULL OR f.done_on >= :day){owner_f}"
        " ORDER BY CASE f.kind WHEN 'visit' THEN 0 WHEN 'call' THEN 1 ELSE 2 END,"
        " CASE WHEN d.amount IS NULL THEN 1 ELSE 0 END, d.amount DESC, f.id",
        params,
    )
    visits = r.rows(
        "SELECT v.id AS id, v.date AS date, v.kind AS kind, a.name AS account, d.name AS deal,"
        " v.purpose AS purpose, v.summary AS summary, v.next_step AS next_step, v.follow_up_date AS follow_up_date"
        " FROM visit v JOIN account a ON a.id = v.account_id LEFT JOIN deal d ON d.id = v.deal_id"
        f" WHERE v.date = :day{owner_v} ORDER BY v.id",
        params,
    )
    _attach_met(r, visits)
    overdue = r.rows("SELECT COUNT(*) AS n FROM followup f WHERE f.done_on IS NULL AND f.due < :day" + owner_f, params)[
        0
    ]["n"]
    return {"date": day.isoformat(), "followups": followups, "visits": visits, "overdue": int(overdue)}


def _attach_met(r: Reader, visits: list[dict[str, Any]], among: tuple[str, dict[str, Any]] | None = None) -> None:
    """Add the names of the contacts met to each visit row (one query for all; AMONG as for attach_contacts)."""
    from salesdiary.store.reads.record_reads import attach_contacts

    attach_contacts(r, visits, among)
    for v in visits:
        v["contacts"] = [c["name"] for c in v["contacts"]]


# --- the playbooks in use (health rules: store/reads/health_queries.py) ------------------------------------------


def open_playbooks(r: Reader, scope: Scope) -> list[str]:
    """The playbooks of the open deals, from the index on status and playbook: the first, then each one after the
    last found (a seek per playbook, where DISTINCT read every open deal's entry: 40,000 on the huge journal)."""
    scope_sql, params = scope.deals()
    if scope.deal_id is not None:  # one deal: its own row
        rows = r.rows(f"SELECT d.playbook AS playbook FROM deal d WHERE d.status = 'open'{scope_sql}", params)
        return [row["playbook"] for row in rows]
    first = f"SELECT MIN(d.playbook) FROM deal d WHERE d.status = 'open'{scope_sql}"
    rows = r.rows(
        f"WITH RECURSIVE pb(name) AS ({first} UNION ALL SELECT ({first} AND d.playbook > pb.name) FROM pb"
        " WHERE pb.name IS NOT NULL) SELECT name AS playbook FROM pb WHERE name IS NOT NULL ORDER BY 1",
        params,
    )
    return [row["playbook"] for row in rows]


# --- decision map --------------------------------------------------------------------------------------


def decision_map(r: Reader, account_id: int, deal_id: int | None = None) -> dict[str, Any]:
    """An account's people (with their role and stance in DEAL when given) and the roles each open deal knows."""
    account = r.rows(
        "SELECT a.id AS id, a.name AS name, a.relation AS relation, a.info_stage AS info_stage FROM account a"
        " WHERE a.id = :id",
        {"id": account_id},
    )[0]
    contacts = r.rows(
        "SELECT c.id AS id, c.name AS name, c.title AS title, c.department AS department, c.level AS level,"
        " COALESCE(dc.role, c.role) AS role, COALESCE(dc.stance, c.stance) AS stance,"
        " c.relationship AS relationship, c.coach AS coach, c.style AS style, c.attitude AS attitude,"
        " c.reports_to_id AS reports_to_id, CASE WHEN dc.deal_id IS NULL THEN 0 ELSE 1 END AS in_deal,"
        " (SELECT COUNT(*) FROM visit_contact vc WHERE vc.contact_id = c.id) AS times_met"
        " FROM contact c LEFT JOIN deal_contact dc ON dc.contact_id = c.id AND dc.deal_id = :deal"
        " WHERE c.account_id = :id ORDER BY c.id",
        {"id": account_id, "deal": deal_id if deal_id is not None else -1},
    )
    for c in contacts:
        c["coach"] = bool(c["coach"])
        c["in_deal"] = bool(c["in_deal"])
    deal_where = "d.id = :deal" if deal_id is not None else "d.account_id = :id AND d.status = 'open'"
    deals = r.rows(
        "SELECT d.id AS id, d.name AS name, d.playbook AS playbook, d.stage AS stage, d.status AS status"
        f" FROM deal d WHERE {deal_where} ORDER BY d.id",
        {"id": account_id, "deal": deal_id},
    )
    known: dict[int, set[str]] = {int(d["id"]): set() for d in deals}
    if deals:
        rows = r.rows(
            "SELECT DISTINCT d.id AS deal_id, COALESCE(dc.role, c.role) AS role FROM deal d"
            " JOIN contact c ON c.account_id = d.account_id"
            " LEFT JOIN deal_contact dc ON dc.deal_id = d.id AND dc.contact_id = c.id"
            f" WHERE {deal_where} AND COALESCE(dc.role, c.role) IS NOT NULL",
            {"id": account_id, "deal": deal_id},
        )
        for row in rows:
            known[int(row["deal_id"])].add(row["role"])
    for d in deals:
        d["known_roles"] = sorted(known[int(d["id"])])
    return {"account": account, "contacts": contacts, "deals": deals}


# --- periodic reports ----------------------------------------------------------------------------------


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The week (Monday–Sunday) or calendar month that holds DAY: (first day, last day)."""
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)


@dataclass
class PeriodQuery:
    start: dt.date
    end: dt.date
    next_start: dt.date
    next_end: dt.date
    asof: dt.date  # overdue is counted as of this day
    owner: str | None = None


def period_report(r: Reader, q: PeriodQuery) -> dict[str, Any]:
    """What the weekly or monthly report shows (《销售业务手册》, tables 3 and 4)."""
    p: dict[str, Any] = {
        "start": q.start.isoformat(),
        "end": q.end.isoformat(),
        "after_end": (q.end + dt.timedelta(days=1)).isoformat(),
        "next_start": q.next_start.isoformat(),
        "next_end": q.next_end.isoformat(),
        "asof": q.asof.isoformat(),
    }

    def own(alias: str) -> str:
        return f" AND {alias}.owner = :owner" if q.owner else ""

    if q.owner:
        p["owner"] = q.owner

    # Two passes side by side (connection.side_by_side: a second connection in a thread; one after the other
    # under SD_ONE_LANE): the visits and the plan, then the deals and the follow-ups. A week of the bench's
    # large journal: ≈ 200 ms of queries in one lane, ≈ 120 ms in two.
    def visits_pass(r: Reader) -> dict[str, Any]:
        new_accounts = r.rows(
            "SELECT a.id AS id, a.name AS name, a.source AS source, a.purchase_mode AS purchase_mode,"
            " a.info_stage AS info_stage, a.relation AS relation, a.industry AS industry, a.owner AS owner,"
            " a.reported_at AS reported_at,"
            " (SELECT c.name FROM contact c WHERE c.account_id = a.id ORDER BY c.id LIMIT 1) AS first_contact"
            f" FROM account a WHERE a.reported_at >= :start AND a.reported_at < :after_end{own('a')}"
            " ORDER BY a.reported_at, a.id",
            p,
        )
        for a in new_accounts:
            a["reported_at"] = str(a["reported_at"])[:10]
        visit_where = f" WHERE v.date >= :start AND v.date <= :end{own('v')}"
        visits = r.rows(
            "SELECT v.id AS id, v.date AS date, v.kind AS kind, a.name AS account, d.name AS deal,"
            " v.purpose AS purpose, v.summary AS summary, v.feedback AS feedback, v.next_step AS next_step,"
            " v.follow_up_date AS follow_up_date"
            " FROM visit v JOIN account a ON a.id = v.account_id LEFT JOIN deal d ON d.id = v.deal_id"
            f"{visit_where} ORDER BY v.date, v.id",
            p,
        )
        _attach_met(r, visits, (f"SELECT v.id FROM visit v{visit_where}", p))  # the same visits, by the same WHERE
        visit_kinds = r.rows(
            f"SELECT v.kind AS kind, COUNT(*) AS visits FROM visit v{visit_where} GROUP BY v.kind ORDER BY 2 DESC, 1", p
        )
        visit_totals = r.rows(
            "SELECT COUNT(*) AS visits, COUNT(DISTINCT v.account_id) AS accounts, COUNT(DISTINCT v.deal_id) AS deals"
            f" FROM visit v{visit_where}",
            p,
        )[0]
        plan_union = (
            "SELECT f.account_id AS account_id, 1 AS planned,"
            " CASE WHEN f.done_on IS NOT NULL THEN 1 ELSE 0 END AS done, 0 AS visits FROM followup f"
            f" WHERE f.kind = 'visit' AND f.due >= :start AND f.due <= :end{own('f')}"
            " UNION ALL SELECT v.account_id, 0, 0, 1 FROM visit v"
            f"{visit_where}"
        )
        plan_rows = r.rows(
            "SELECT a.id AS id, a.name AS account, SUM(x.planned) AS planned, SUM(x.done) AS planned_done,"
            f" SUM(x.visits) AS visits FROM ({plan_union}) x JOIN account a ON a.id = x.account_id"
            " GROUP BY a.id, a.name ORDER BY SUM(x.planned) DESC, SUM(x.visits) DESC, a.name",
            p,
        )
        plan_totals = r.rows(
            "SELECT COALESCE(SUM(x.planned), 0) AS planned, COALESCE(SUM(x.done), 0) AS planned_done,"
            f" COALESCE(SUM(x.visits), 0) AS visits FROM ({plan_union}) x",
            p,
        )[0]
        next_plan = r.rows(
            f"{_FOLLOWUP_SELECT}{_FOLLOWUP_FROM}"
            f" WHERE f.done_on IS NULL AND f.due >= :next_start AND f.due <= :next_end{own('f')}"
            " ORDER BY f.due, CASE f.kind WHEN 'visit' THEN 0 ELSE 1 END, f.id",
            p,
        )
        return {
            "new_accounts": new_accounts,
            "visits": visits,
            "visit_kinds": visit_kinds,
            "visit_totals": visit_totals,
            "plan_rows": plan_rows,
            "plan_totals": plan_totals,
            "next_plan": next_plan,
        }

    def deals_pass(r: Reader) -> dict[str, Any]:
        moves = r.rows(
            "SELECT sh.id AS history_id, d.id AS id, d.name AS name, a.name AS account, d.amount AS amount,"
            " d.currency AS currency,"
            " sh.playbook AS playbook, sh.stage AS stage, sh.entered_on AS entered_on, sh.forced AS forced,"
            " sh.reason AS reason,"
            " (SELECT p.stage FROM stage_history p WHERE p.deal_id = sh.deal_id AND p.id < sh.id"
            " ORDER BY p.id DESC LIMIT 1) AS from_stage"
            " FROM stage_history sh JOIN deal d ON d.id = sh.deal_id JOIN account a ON a.id = d.account_id"
            f" WHERE sh.entered_on >= :start AND sh.entered_on <= :end{own('d')} ORDER BY sh.entered_on, sh.id",
            p,
        )
        for m in moves:
            m["forced"] = bool(m["forced"])
        closed = r.rows(
            "SELECT d.id AS id, d.name AS name, a.name AS account, d.status AS status, d.amount AS amount,"
            " d.currency AS currency, d.closed_on AS closed_on, d.loss_reason AS loss_reason"
            " FROM deal d JOIN account a ON a.id = d.account_id"
            f" WHERE d.status <> 'open' AND d.closed_on >= :start AND d.closed_on <= :end{own('d')}"
            " ORDER BY d.closed_on, d.id",
            p,
        )
        # grouped by a scan of the table, as the rows above are read: grouping by the status index fetched each
        # closed deal's row by itself (≈ 12,000 on the large journal: 9 → 4 ms)
        status = scan(r, "d.status")
        closed_totals = r.rows(
            "SELECT d.status AS status, d.currency AS currency, COUNT(*) AS deals, COUNT(d.amount) AS with_amount,"
            " COALESCE(SUM(d.amount), 0) AS amount FROM deal d"
            f" WHERE {status} <> 'open' AND d.closed_on >= :start AND d.closed_on <= :end{own('d')}"
            f" GROUP BY {status}, d.currency",
            p,
        )
        followup_totals = r.rows(
            "SELECT COUNT(*) AS due,"
            " COALESCE(SUM(CASE WHEN f.done_on IS NOT NULL AND f.done_on <= :end THEN 1 ELSE 0 END), 0) AS done"
            f" FROM followup f WHERE f.due >= :start AND f.due <= :end{own('f')}",
            p,
        )[0]
        overdue = r.rows(
            f"{_FOLLOWUP_SELECT}, {days(r, ':asof', 'f.due')} AS days_late{_FOLLOWUP_FROM}"
            # by the open follow-ups' index (done_on, due), not by due alone: most follow-ups due before ASOF are done
            # long ago, and seeking them by due fetched every one of them (280 → 60 ms on the large journal)
            f" WHERE {scan(r, 'f.due')} < :asof AND (f.done_on IS NULL OR f.done_on >= :asof){own('f')}"
            " ORDER BY f.due, CASE WHEN d.amount IS NULL THEN 1 ELSE 0 END, d.amount DESC, f.id",
            p,
        )
        for o in overdue:
            o["days_late"] = int(o["days_late"])
        receivables_due = r.rows(
            "SELECT d.currency AS currency, COUNT(*) AS receivables, COALESCE(SUM(rc.amount - rc.paid_amount), 0)"
            " AS outstanding FROM receivable rc JOIN deal d ON d.id = rc.deal_id"
            f" WHERE rc.due < :asof AND rc.amount - rc.paid_amount > 0.005{own('rc')} GROUP BY d.currency",
            p,
        )
        return {
            "moves": moves,
            "closed": closed,
            "closed_totals": closed_totals,
            "followup_totals": followup_totals,
            "overdue": overdue,
            "receivables_due": receivables_due,
        }

    from salesdiary.store.connection import side_by_side

    first, second = side_by_side(r, [visits_pass, deals_pass])
    new_accounts, visits, visit_kinds = first["new_accounts"], first["visits"], first["visit_kinds"]
    visit_totals, plan_rows, plan_totals = first["visit_totals"], first["plan_rows"], first["plan_totals"]
    next_plan, moves, closed = first["next_plan"], second["moves"], second["closed"]
    closed_totals, followup_totals = second["closed_totals"], second["followup_totals"]
    overdue, receivables_due = second["overdue"], second["receivables_due"]
    return {
        "new_accounts": new_accounts,
        "visits": visits,
        "visit_kinds": [{"kind": k["kind"], "visits": int(k["visits"])} for k in visit_kinds],
        "visit_totals": {k: int(v) for k, v in visit_totals.items()},
        "stage_moves": moves,
        "closed": closed,
        "closed_totals": [
            {"status": k, "deals": v["deals"], "amount": v["amount"], "amount_by_currency": v["amount_by_currency"]}
            for k, v in _by_currency(closed_totals, "status").items()
        ],
        "plan": [{**row, **{k: int(row[k]) for k in ("planned", "planned_done", "visits")}} for row in plan_rows],
        "plan_totals": {k: int(v) for k, v in plan_totals.items()},
        "followup_totals": {k: int(v) for k, v in followup_totals.items()},
        "next_plan": next_plan,
        "overdue": overdue,
        "overdue_receivables": {
            "receivables": sum(int(row["receivables"]) for row in receivables_due),
            "outstanding": sum(float(row["outstanding"]) for row in receivables_due),
            "outstanding_by_currency": {row["currency"]: float(row["outstanding"]) for row in receivables_due},
        },
    }


# --- receivables ---------------------------------------------------------------------------------------


@dataclass
class ReceivableQuery:
    today: dt.date
    long_cutoff: dt.date  # overdue on or before this day counts as a long time
    large_amount: float
    status: str = "open"  # open | paid | all
    scope: Scope = field(default_factory=Scope)
    limit: int | None = None


def _receivable_base(r: Reader) -> str:
    outstanding = "(rc.amount - rc.paid_amount)"
    return (
        "SELECT rc.id AS id, rc.deal_id AS deal_id, d.name AS deal, d.account_id AS account_id, a.name AS account,"
        f" rc.amount AS amount, d.currency AS currency, rc.paid_amount AS paid_amount, {outstanding} AS outstanding,"
        " rc.due AS due,"
        " rc.paid_on AS paid_on, rc.note AS note, rc.owner AS owner,"
        f" CASE WHEN {outstanding} <= 0.005 THEN 'paid' WHEN rc.due < :today THEN 'overdue' ELSE 'due' END AS state,"
        f" CASE WHEN {outstanding} > 0.005 AND rc.due < :today THEN {days(r, ':today', 'rc.due')} ELSE 0 END"
        " AS days_overdue,"
        f" CASE WHEN {outstanding} <= 0.005 OR rc.due >= :today THEN NULL"
        f" WHEN rc.due <= :long_cutoff THEN CASE WHEN {outstanding} >= :large THEN 'special_arrangement'"
        " ELSE 'escalate_letters' END"
        f" ELSE CASE WHEN {outstanding} >= :large THEN 'rep_visit' ELSE 'finance_reminder' END END AS action"
        " FROM receivable rc JOIN deal d ON d.id = rc.deal_id JOIN account a ON a.id = d.account_id"
    )


def _receivable_where(q: ReceivableQuery) -> tuple[str, dict[str, Any]]:
    where = ["1 = 1"]
    params: dict[str, Any] = {
        "today": q.today.isoformat(),
        "long_cutoff": q.long_cutoff.isoformat(),
        "large": q.large_amount,
    }
    if q.status == "open":
        where.append("rc.amount - rc.paid_amount > 0.005")
    elif q.status == "paid":
        where.append("rc.amount - rc.paid_amount <= 0.005")
    if q.scope.owner:
        where.append("rc.owner = :owner")
        params["owner"] = q.scope.owner
    if q.scope.account_id is not None:
        where.append("d.account_id = :account")
        params["account"] = q.scope.account_id
    return " WHERE " + " AND ".join(where), params


ACTION_ORDER = URGENCY


def receivables(r: Reader, q: ReceivableQuery) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Receivables, overdue first (by collection action, most urgent first), and the totals per group."""
    where, params = _receivable_where(q)
    action_rank = " ".join(f"WHEN '{a}' THEN {i}" for i, a in enumerate(ACTION_ORDER))
    sql = (
        f"SELECT * FROM ({_receivable_base(r)}{where}) x"
        f" ORDER BY CASE x.state WHEN 'overdue' THEN 0 WHEN 'due' THEN 1 ELSE 2 END,"
        f" CASE x.action {action_rank} ELSE 9 END, x.days_overdue DESC, x.outstanding DESC, x.due, x.id"
    )
    if q.limit is not None:
        sql += " LIMIT :limit"
        params = {**params, "limit": q.limit}
    rows = r.rows(sql, params)
    for row in rows:
        row["days_overdue"] = int(row["days_overdue"])
        for k in ("amount", "paid_amount", "outstanding"):
            row[k] = round(float(row[k]), 2)
    totals_params = {k: v for k, v in params.items() if k != "limit"}
    # each figure per currency (a receivable is in its deal's currency): the report decides what a mix shows
    groups = r.rows(
        "SELECT x.state AS state, x.action AS action, x.currency AS currency, COUNT(*) AS receivables,"
        f" COALESCE(SUM(x.outstanding), 0) AS outstanding FROM ({_receivable_base(r)}{where}) x"
        " GROUP BY x.state, x.action, x.currency",
        totals_params,
    )
    totals = r.rows(
        "SELECT x.currency AS currency, COUNT(*) AS receivables, COALESCE(SUM(x.amount), 0) AS amount,"
        " COALESCE(SUM(x.paid_amount), 0) AS paid, COALESCE(SUM(x.outstanding), 0) AS outstanding"
        f" FROM ({_receivable_base(r)}{where}) x GROUP BY x.currency",
        totals_params,
    )
    folded: dict[tuple[str, str | None], dict[str, Any]] = {}
    for g in groups:
        group = folded.setdefault((g["state"], g["action"]), {"receivables": 0, "outstanding_by_currency": {}})
        group["receivables"] += int(g["receivables"])
        group["outstanding_by_currency"][g["currency"]] = round(float(g["outstanding"]), 2)
    summary = {
        "groups": [{"state": state, "action": action, **g} for (state, action), g in folded.items()],
        "receivables": sum(int(t["receivables"]) for t in totals),
        **{
            f"{k}_by_currency": {t["currency"]: round(float(t[k]), 2) for t in totals}
            for k in ("amount", "paid", "outstanding")
        },
    }
    return rows, summary


def receivable(r: Reader, receivable_id: int) -> dict[str, Any] | None:
    rows = r.rows(
        "SELECT rc.id AS id, rc.deal_id AS deal_id, rc.amount AS amount, rc.paid_amount AS paid_amount, rc.due AS due,"
        " d.name AS deal FROM receivable rc JOIN deal d ON d.id = rc.deal_id WHERE rc.id = :id",
        {"id": receivable_id},
    )
    return rows[0] if rows else None
