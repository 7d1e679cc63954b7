"""Read queries: plain SQL with :named parameters, for sqlite3 and SQLAlchemy alike.

Kept together here so the read path never imports SQLModel. Each list query
returns (rows, total) so a command can say how many rows it did not show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesdiary.core.errors import BadInput, NotFound
from salesdiary.i18n import _
from salesdiary.store.connection import Reader

if TYPE_CHECKING:
    from salesdiary.core.naming import Candidate

ENTITY_TABLE = {"account": "account", "contact": "contact", "deal": "deal", "visit": "visit", "followup": "followup"}


# Columns SQLite returns as 0/1: shown as true/false so JSON is the same on every database.
BOOL_COLUMNS = ("coach", "forced", "assist")


def _bools(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        for name in BOOL_COLUMNS:
            if name in row and row[name] is not None:
                row[name] = bool(row[name])
    return rows


def _typed(text: str, what: str) -> str | None:
    """What a person typed to name or search records: one line of valid text, not huge. Blank → None."""
    from salesdiary.core.validate import NAME_MAX, clean_text

    return clean_text(text, what, max_len=NAME_MAX, multiline=False)


def _like(text: str) -> str:
    text = _typed(text, _("search text")) or ""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_NAMED = {
    "account": ("SELECT a.id, a.name, a.owner AS detail FROM account a", None),
    "contact": ("SELECT c.id, c.name, a.name AS detail FROM contact c JOIN account a ON a.id = c.account_id", "c"),
    "deal": ("SELECT d.id, d.name, a.name AS detail FROM deal d JOIN account a ON a.id = d.account_id", "d"),
}


def entity_label(entity: str) -> str:
    return {
        "account": _("account"),
        "contact": _("contact"),
        "deal": _("deal"),
        "visit": _("visit"),
        "followup": _("follow-up"),
    }[entity]


def resolve(
    r: Reader,
    entity: str,
    text: str,
    *,
    account_id: int | None = None,
    taken: Callable[[str, Candidate], None] | None = None,
) -> int:
    """The id of the ENTITY record TEXT names: an id, or a name (exact, prefix, substring, close).

    TAKEN, when given, hears of a close match (a part of a name, a near spelling): (what TEXT was, the record)."""
    from salesdiary.core.naming import Candidate, account_key, match  # here: the queries that name nothing skip it

    what = entity_label(entity)
    raw = _typed(text, what)
    if raw is None:
        raise BadInput(_("An empty value names no {what}: give its id or name.").format(what=what))
    if raw.lstrip("#").isdigit() and len(raw) < 19:
        rows = r.rows(f"SELECT id FROM {ENTITY_TABLE[entity]} WHERE id = :id", {"id": int(raw.lstrip("#"))})
        if rows:
            return int(rows[0]["id"])
        if entity not in _NAMED or raw.startswith("#"):
            raise NotFound(_("There is no {what} #{id}.").format(what=what, id=raw.lstrip("#")))
    if entity not in _NAMED:
        raise NotFound(_("A {what} is named by its id (a number), not {text!r}.").format(what=what, text=raw))
    base, alias = _NAMED[entity]
    scope = f" AND {alias}.account_id = :account" if alias and account_id is not None else ""
    params: dict[str, Any] = {"pat": _like(raw), "account": account_id}
    where = "WHERE (lower(" + ("a" if alias is None else alias) + ".name) LIKE :pat ESCAPE '\\'"
    if entity == "account":  # also by the key: 华东电网 finds 華東電網, "Contoso" finds "Сontoso"
        where += " OR a.name_key LIKE :key ESCAPE '\\'"
        params["key"] = _like(account_key(raw))
    where += ")"
    rows = r.rows(f"{base} {where}{scope} ORDER BY 1 LIMIT 500", params)
    if not rows:
        where_all = f"WHERE {alias}.account_id = :account" if scope else ""
        rows = r.rows(f"{base} {where_all} ORDER BY 1 LIMIT 50000", params)
    candidates = [Candidate(int(row["id"]), row["name"], row["detail"] or "") for row in rows]
    found, close = match(raw, candidates, what)
    if close and taken is not None:
        taken(raw, found)
    return found.id


@dataclass
class ListQuery:
    """Filters shared by the list commands."""

    account_id: int | None = None
    deal_id: int | None = None
    contact_id: int | None = None
    owner: str | None = None
    status: str | None = None
    stage: str | None = None
    since: str | None = None
    until: str | None = None
    role: str | None = None
    search: str | None = None
    limit: int | None = 50
    count: bool = True  # False: the total is not shown (JSON), so not counted
    extra: dict[str, Any] = field(default_factory=dict)


def _page(
    r: Reader,
    select: str,
    count: str,
    where: list[str],
    params: dict[str, Any],
    order: str,
    limit: int | None,
    counted: bool = True,
) -> tuple[list[dict[str, Any]], int]:
    """A page of rows and how many there are in all. The count is a query of its own only when the page is full
    and COUNTED (a table's "50 of N" line); data for programs (counted=False) does not say it."""
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    sql = select + clause + " ORDER BY " + order
    if limit is not None:
        sql += " LIMIT :limit"
    rows = _bools(r.rows(sql, {**params, "limit": limit} if limit is not None else params))
    if limit is None or len(rows) < limit or not counted:
        return rows, len(rows)
    return rows, int(r.rows(count + clause, params)[0]["n"])


def list_accounts(r: Reader, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if q.owner:
        where.append("a.owner = :owner")
        params["owner"] = q.owner
    if q.stage:
        where.append("a.info_stage = :stage")
        params["stage"] = q.stage
    if q.search:
        where.append("lower(a.name) LIKE :pat ESCAPE '\\'")
        params["pat"] = _like(q.search)
    select = (
        "SELECT a.*,"
        " (SELECT count(*) FROM contact c WHERE c.account_id = a.id) AS contacts,"
        " (SELECT count(*) FROM deal d WHERE d.account_id = a.id AND d.status = 'open') AS open_deals,"
        " (SELECT max(v.date) FROM visit v WHERE v.account_id = a.id) AS last_visit"
        " FROM account a"
    )
    return _page(r, select, "SELECT count(*) AS n FROM account a", where, params, "a.name, a.id", q.limit, q.count)


def list_contacts(r: Reader, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if q.account_id is not None:
        where.append("c.account_id = :account")
        params["account"] = q.account_id
    if q.role:
        where.append("c.role = :role")
        params["role"] = q.role
    if q.search:
        where.append("lower(c.name) LIKE :pat ESCAPE '\\'")
        params["pat"] = _like(q.search)
    select = (
        "SELECT c.*, a.name AS account, b.name AS reports_to FROM contact c"
        " JOIN account a ON a.id = c.account_id LEFT JOIN contact b ON b.id = c.reports_to_id"
    )
    count = "SELECT count(*) AS n FROM contact c"
    return _page(r, select, count, where, params, "a.name, c.name, c.id", q.limit, q.count)


def list_deals(r: Reader, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if q.account_id is not None:
        where.append("d.account_id = :account")
        params["account"] = q.account_id
    if q.status and q.status != "all":
        where.append("d.status = :status")
        params["status"] = q.status
    if q.stage:
        where.append("d.stage = :stage")
        params["stage"] = q.stage
    if q.owner:
        where.append("d.owner = :owner")
        params["owner"] = q.owner
    if q.extra.get("playbook"):
        where.append("d.playbook = :playbook")
        params["playbook"] = q.extra["playbook"]
    select = "SELECT d.*, a.name AS account FROM deal d JOIN account a ON a.id = d.account_id"
    count = "SELECT count(*) AS n FROM deal d"
    return _page(
        r, select, count, where, params, "d.status, d.next_step_date IS NULL, d.next_step_date, d.id", q.limit, q.count
    )


def list_visits(r: Reader, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if q.account_id is not None:
        where.append("v.account_id = :account")
        params["account"] = q.account_id
    if q.deal_id is not None:
        where.append("v.deal_id = :deal")
        params["deal"] = q.deal_id
    if q.contact_id is not None:
        where.append("v.id IN (SELECT visit_id FROM visit_contact WHERE contact_id = :contact)")
        params["contact"] = q.contact_id
    if q.since:
        where.append("v.date >= :since")
        params["since"] = q.since
    if q.until:
        where.append("v.date <= :until")
        params["until"] = q.until
    if q.owner:
        where.append("v.owner = :owner")
        params["owner"] = q.owner
    select = (
        "SELECT v.*, a.name AS account, d.name AS deal FROM visit v"
        " JOIN account a ON a.id = v.account_id LEFT JOIN deal d ON d.id = v.deal_id"
    )
    count = "SELECT count(*) AS n FROM visit v"
    rows, total = _page(r, select, count, where, params, "v.date DESC, v.id DESC", q.limit, q.count)
    attach_contacts(r, rows)
    return rows, total


def attach_contacts(r: Reader, visits: list[dict[str, Any]], among: tuple[str, dict[str, Any]] | None = None) -> None:
    """Add the contacts met ({id, name}, by name) to each visit row (one query for all). AMONG: a SELECT of
    visit ids holding every one of VISITS, and its parameters, to find them by rather than by a list of their
    ids (a week of the bench's large journal: 877 ids, whose SQL and parameters cost ≈ 8 ms more)."""
    if not visits:
        return
    ids = {int(v["id"]): v for v in visits}
    for v in visits:
        v["contacts"] = []
    if among is not None:
        chosen, params = among
    else:
        chosen = ",".join(f":v{i}" for i in range(len(ids)))
        params = {f"v{i}": vid for i, vid in enumerate(ids)}
    for row in r.rows(
        "SELECT vc.visit_id, c.id, c.name FROM visit_contact vc JOIN contact c ON c.id = vc.contact_id"
        f" WHERE vc.visit_id IN ({chosen}) ORDER BY c.name",
        params,
    ):
        visit = ids.get(int(row["visit_id"]))
        if visit is not None:  # (AMONG may hold more)
            visit["contacts"].append({"id": row["id"], "name": row["name"]})


def list_followups(r: Reader, q: ListQuery) -> tuple[list[dict[str, Any]], int]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if q.status in (None, "open"):
        where.append("f.done_on IS NULL")
    elif q.status == "done":
        where.append("f.done_on IS NOT NULL")
    if q.account_id is not None:
        where.append("f.account_id = :account")
        params["account"] = q.account_id
    if q.deal_id is not None:
        where.append("f.deal_id = :deal")
        params["deal"] = q.deal_id
    if q.owner:
        where.append("f.owner = :owner")
        params["owner"] = q.owner
    if q.until:
        where.append("f.due <= :until")
        params["until"] = q.until
    select = (
        "SELECT f.*, a.name AS account, d.name AS deal, c.name AS contact FROM followup f"
        " JOIN account a ON a.id = f.account_id LEFT JOIN deal d ON d.id = f.deal_id"
        " LEFT JOIN contact c ON c.id = f.contact_id"
    )
    count = "SELECT count(*) AS n FROM followup f"
    return _page(r, select, count, where, params, "f.due, f.id", q.limit, q.count)


def one(r: Reader, entity: str, record_id: int) -> dict[str, Any]:
    """The record with its account (and deal) names, or NotFound."""
    queries = {
        "account": "SELECT a.* FROM account a WHERE a.id = :id",
        "contact": (
            "SELECT c.*, a.name AS account, b.name AS reports_to FROM contact c JOIN account a ON a.id = c.account_id"
            " LEFT JOIN contact b ON b.id = c.reports_to_id WHERE c.id = :id"
        ),
        "deal": "SELECT d.*, a.name AS account FROM deal d JOIN account a ON a.id = d.account_id WHERE d.id = :id",
        "visit": (
            "SELECT v.*, a.name AS account, d.name AS deal FROM visit v JOIN account a ON a.id = v.account_id"
            " LEFT JOIN deal d ON d.id = v.deal_id WHERE v.id = :id"
        ),
        "followup": (
            "SELECT f.*, a.name AS account, d.name AS deal, c.name AS contact FROM followup f"
            " JOIN account a ON a.id = f.account_id LEFT JOIN deal d ON d.id = f.deal_id"
            " LEFT JOIN contact c ON c.id = f.contact_id WHERE f.id = :id"
        ),
    }
    rows = r.rows(queries[entity], {"id": record_id})
    if not rows:
        raise NotFound(_("There is no {what} #{id}.").format(what=entity_label(entity), id=record_id))
    row = _bools(rows)[0]
    if entity == "visit":
        attach_contacts(r, [row])
    return row


def deal_contacts(r: Reader, deal_id: int) -> list[dict[str, Any]]:
    return r.rows(
        "SELECT c.id, c.name, c.title, coalesce(dc.role, c.role) AS role, coalesce(dc.stance, c.stance) AS stance"
        " FROM deal_contact dc JOIN contact c ON c.id = dc.contact_id WHERE dc.deal_id = :id ORDER BY c.name",
        {"id": deal_id},
    )


def stage_history(r: Reader, deal_id: int) -> list[dict[str, Any]]:
    return _bools(
        r.rows(
            "SELECT stage, playbook, entered_on, left_on, forced, reason FROM stage_history"
            " WHERE deal_id = :id ORDER BY entered_on, id",
            {"id": deal_id},
        )
    )


def is_empty(r: Reader) -> bool:
    return not r.rows("SELECT 1 AS x FROM account LIMIT 1")


def account_by_key(r: Reader, key: str) -> dict[str, Any] | None:
    rows = r.rows("SELECT id, name, owner, reported_at FROM account WHERE name_key = :k", {"k": key})
    return rows[0] if rows else None


def default_playbook() -> str:
    """The playbook new deals follow: `playbook` in config, else the ten-step method."""
    from salesdiary.store.paths import config_value

    return str(config_value("playbook", "ten_step"))


def playbook_name(playbook: str) -> str:
    """The name PLAYBOOK is stored under (`Six-Step` → `six_step`); NotFound when there is no such playbook."""
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store.paths import config_dir

    return load_playbook(playbook, config_dir()).name


def stage_key(playbook: str, stage: str | None) -> str:
    """The key of STAGE (key, number or label) in PLAYBOOK; its first stage when STAGE is None.

    Here rather than in records.py so that read commands (`deal list --stage`) need no SQLModel.
    """
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store.paths import config_dir

    book = load_playbook(playbook, config_dir())
    return book.stage(stage).key if stage else book.stages[0].key


# Names offered by shell completion: the name, and a hint shown beside it (zsh, fish).
COMPLETION_SQL = {
    "account": "SELECT name, region AS hint FROM account WHERE substr(name, 1, length(:prefix)) = :prefix "
    "ORDER BY name LIMIT :limit",
    "deal": "SELECT d.name AS name, a.name AS hint FROM deal d JOIN account a ON a.id = d.account_id "
    "WHERE substr(d.name, 1, length(:prefix)) = :prefix ORDER BY d.status <> 'open', d.name LIMIT :limit",
    "contact": "SELECT c.name AS name, a.name AS hint FROM contact c JOIN account a ON a.id = c.account_id "
    "WHERE substr(c.name, 1, length(:prefix)) = :prefix ORDER BY c.name LIMIT :limit",
    "owner": "SELECT DISTINCT owner AS name, NULL AS hint"
    " FROM (SELECT owner FROM account UNION SELECT owner FROM deal) AS o"
    " WHERE substr(owner, 1, length(:prefix)) = :prefix ORDER BY owner LIMIT :limit",
}


def completion_names(r: Reader, entity: str, prefix: str, limit: int = 100) -> list[tuple[str, str]]:
    """Names of ENTITY records starting with PREFIX, each with a hint (for shell completion)."""
    rows = r.rows(COMPLETION_SQL[entity], {"prefix": prefix, "limit": limit})
    return [(str(row["name"]), str(row["hint"] or "")) for row in rows if row["name"]]
