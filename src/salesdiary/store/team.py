"""Who is who: the current user, managers, and whose records a list or report shows.

On PostgreSQL (a team database) the current user is the database role sd connects as (`current_user`):
the row-level security policies compare owners with it, so nothing else may stand in for it. On SQLite
(one person's journal) it is `user.name` in the config, else the OS user.

A manager is a member of the group role `sd_manager` (or the owner of the tables, who is not bound by
the policies). On SQLite whoever writes the file counts as the manager of it.

Plain SQL over a Reader: lists use it without importing SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _
from salesdiary.store.connection import Reader
from salesdiary.store.paths import Target, current_user, own_names

# What --owner accepts besides a name.
ALL_WORDS = frozenset({"all", "*", "everyone", "team", "全部", "所有", "所有人", "全员"})
ME_WORDS = frozenset({"me", "mine", "myself", "我", "自己"})

MANAGER_SQL = (
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sd_manager')"
    " THEN pg_has_role(current_user, 'sd_manager', 'MEMBER') ELSE false END"
    " OR COALESCE((SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c"
    " WHERE c.oid = to_regclass('account')), false) AS manager"
)


def is_team(r: Reader) -> bool:
    """A team database (shared by reps): PostgreSQL."""
    return r.dialect == "postgresql"


def whoami(r: Reader) -> str:
    if is_team(r):
        return str(r.rows("SELECT current_user AS who")[0]["who"])
    return current_user()


def undo_users(r: Reader) -> tuple[str, ...]:
    """Whose commands `sd undo` reverses: the login on a team database; in a journal of one's own, the names
    one's commands are recorded under (paths.own_names)."""
    if is_team(r):
        return (whoami(r),)
    return own_names()


def is_manager(r: Reader) -> bool:
    if not is_team(r):
        return True
    return bool(r.rows(MANAGER_SQL)[0]["manager"])


def owner_filter(r: Reader, text: str | None, *, narrowed: bool = False) -> str | None:
    """The owner whose records to show for --owner TEXT (NAME, me or all); None shows everyone's.

    Without --owner: yours in a team database, everyone's in a journal of your own; and everyone's when the
    list is NARROWED to one account, deal or contact already (`sd deal list --account X` shows X's deals).
    """
    if text is None:
        return whoami(r) if is_team(r) and not narrowed else None
    word = " ".join(text.split())
    if not word:
        raise BadInput(_("--owner needs a name, me or all."))
    if word.lower() in ALL_WORDS:
        return None
    if word.lower() in ME_WORDS:
        return whoami(r)
    return word


def role_exists(r: Reader, name: str) -> bool:
    """On PostgreSQL: whether NAME is a role that can log in (a rep); elsewhere any name will do."""
    if not is_team(r):
        return True
    return bool(r.rows("SELECT 1 AS x FROM pg_roles WHERE rolname = :name AND rolcanlogin", {"name": name}))


def status(r: Reader) -> dict[str, Any]:
    """Who you are on this database and what you may do (for `sd db status`)."""
    info: dict[str, Any] = {"user": whoami(r), "team": is_team(r), "manager": is_manager(r)}
    if is_team(r):
        info["owner"] = bool(
            r.rows(
                "SELECT COALESCE((SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c"
                " WHERE c.oid = to_regclass('account')), false) AS owner"
            )[0]["owner"]
        )
        info["roles"] = [
            row["rolname"]
            for row in r.rows(
                "SELECT g.rolname FROM pg_roles g WHERE g.rolname IN ('sd_rep', 'sd_manager')"
                " AND pg_has_role(current_user, g.oid, 'MEMBER') ORDER BY g.rolname"
            )
        ]
    return info


def funnel_by_owner(
    r: Reader, probabilities: dict[tuple[str, str], int], since: str | None = None, until: str | None = None
) -> list[dict]:
    """The team's pipeline, one row per owner: open deals, amount and weighted amount; won and lost deals.

    PROBABILITIES maps (playbook, stage key) to the stage's probability in percent (the playbooks of the
    open deals); a stage no playbook knows weighs 0. SINCE and UNTIL (ISO dates) limit won and lost to those
    closed from, and up to, those days.
    """
    import re

    safe = re.compile(r"^[a-z][a-z0-9_]*$")
    whens = " ".join(
        f"WHEN d.playbook = '{book}' AND d.stage = '{stage}' THEN {int(p)}"
        for (book, stage), p in sorted(probabilities.items())
        if safe.match(book) and safe.match(stage)
    )
    probability = f"CASE {whens} ELSE 0 END" if whens else "0"
    params: dict[str, Any] = {}
    closed_since = ""
    if since:
        closed_since = " AND d.closed_on >= :since"
        params["since"] = since
    if until:
        closed_since += " AND d.closed_on <= :until"
        params["until"] = until
    rows = r.rows(
        "WITH o AS (SELECT owner FROM account UNION SELECT owner FROM deal),"
        " n AS (SELECT a.owner AS owner, COUNT(*) AS accounts FROM account a GROUP BY a.owner),"
        " x AS (SELECT d.owner AS owner, d.currency AS currency,"
        " SUM(CASE WHEN d.status = 'open' THEN 1 ELSE 0 END) AS open_deals,"
        " SUM(CASE WHEN d.status = 'open' THEN d.amount END) AS amount,"
        f" SUM(CASE WHEN d.status = 'open' THEN d.amount * {probability} END) / 100.0 AS weighted,"
        f" SUM(CASE WHEN d.status = 'won'{closed_since} THEN 1 ELSE 0 END) AS won,"
        f" SUM(CASE WHEN d.status = 'won'{closed_since} THEN d.amount END) AS won_amount,"
        f" SUM(CASE WHEN d.status = 'lost'{closed_since} THEN 1 ELSE 0 END) AS lost"
        " FROM deal d GROUP BY d.owner, d.currency)"
        " SELECT o.owner AS owner, n.accounts AS accounts, x.currency AS currency, x.open_deals AS open_deals,"
        " x.amount AS amount, x.weighted AS weighted, x.won AS won, x.won_amount AS won_amount, x.lost AS lost"
        " FROM o LEFT JOIN n ON n.owner = o.owner LEFT JOIN x ON x.owner = o.owner"
        " ORDER BY o.owner, x.currency",
        params,
    )
    # one row per owner: counts added over the currencies, money kept per currency (amounts in different
    # currencies are never added here; the report decides what a mix shows: core/currency.py)
    owners: dict[str, dict[str, Any]] = {}
    for row in rows:
        o = owners.setdefault(
            row["owner"],
            {
                "owner": row["owner"],
                "accounts": int(row["accounts"] or 0),
                "open_deals": 0,
                "won": 0,
                "lost": 0,
                "amount_by_currency": {},
                "weighted_by_currency": {},
                "won_amount_by_currency": {},
            },
        )
        for key in ("open_deals", "won", "lost"):
            o[key] += int(row[key] or 0)
        code = row["currency"]
        for key, value in (("amount", row["amount"]), ("weighted", row["weighted"]), ("won_amount", row["won_amount"])):
            if code is not None and value is not None:
                o[f"{key}_by_currency"][code] = round(float(value), 2)
    return list(owners.values())


def period_by_owner(r: Reader, start: str, end: str, after_end: str, asof: str) -> list[dict[str, Any]]:
    """The team's week or month, one row per rep: new accounts, visits and the accounts they were at, new deals
    (a deal's first stage entered in the period), stage moves (new deals included, as in the report's summary),
    won and lost deals, follow-ups due and done in the period, and follow-ups overdue as of ASOF (ISO dates;
    AFTER_END is the day after END)."""
    from salesdiary.store.sql import scan

    p = {"start": start, "end": end, "after_end": after_end, "asof": asof}
    rows = r.rows(
        "SELECT x.owner AS owner, SUM(x.new_accounts) AS new_accounts, SUM(x.visits) AS visits,"
        " SUM(x.new_deals) AS new_deals, SUM(x.stage_moves) AS stage_moves,"
        " SUM(x.won) AS won, SUM(x.won_amount) AS won_amount, SUM(x.lost) AS lost,"
        " SUM(x.followups_due) AS followups_due, SUM(x.followups_done) AS followups_done, SUM(x.overdue) AS overdue"
        " FROM (SELECT a.owner AS owner, 1 AS new_accounts, 0 AS visits, 0 AS new_deals, 0 AS stage_moves,"
        " 0 AS won, 0 AS won_amount, 0 AS lost, 0 AS followups_due, 0 AS followups_done, 0 AS overdue FROM account a"
        " WHERE a.reported_at >= :start AND a.reported_at < :after_end"
        " UNION ALL SELECT v.owner, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 FROM visit v WHERE v.date >= :start AND v.date <= :end"
        " UNION ALL SELECT d.owner, 0, 0, CASE WHEN NOT EXISTS (SELECT 1 FROM stage_history p"
        " WHERE p.deal_id = sh.deal_id AND p.id < sh.id) THEN 1 ELSE 0 END, 1, 0, 0, 0, 0, 0, 0"
        " FROM stage_history sh JOIN deal d ON d.id = sh.deal_id"
        " WHERE sh.entered_on >= :start AND sh.entered_on <= :end"
        " UNION ALL SELECT d.owner, 0, 0, 0, 0, CASE WHEN d.status = 'won' THEN 1 ELSE 0 END,"
        " CASE WHEN d.status = 'won' THEN COALESCE(d.amount, 0) ELSE 0 END,"
        " CASE WHEN d.status = 'lost' THEN 1 ELSE 0 END, 0, 0, 0 FROM deal d"
        " WHERE d.status <> 'open' AND d.closed_on >= :start AND d.closed_on <= :end"
        " UNION ALL SELECT f.owner, 0, 0, 0, 0, 0, 0, 0, 1,"
        " CASE WHEN f.done_on IS NOT NULL AND f.done_on <= :end THEN 1 ELSE 0 END, 0 FROM followup f"
        " WHERE f.due >= :start AND f.due <= :end"
        " UNION ALL SELECT f.owner, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 FROM followup f"
        f" WHERE {scan(r, 'f.due')} < :asof AND (f.done_on IS NULL OR f.done_on >= :asof)) x"  # the open ones' index
        " GROUP BY x.owner ORDER BY x.owner",
        p,
    )
    visited = {
        row["owner"]: int(row["accounts"] or 0)
        for row in r.rows(
            "SELECT v.owner AS owner, COUNT(DISTINCT v.account_id) AS accounts FROM visit v"
            " WHERE v.date >= :start AND v.date <= :end GROUP BY v.owner",
            p,
        )
    }
    won = r.rows(  # the won amounts per currency (never added across currencies)
        "SELECT d.owner AS owner, d.currency AS currency, SUM(COALESCE(d.amount, 0)) AS amount FROM deal d"
        " WHERE d.status = 'won' AND d.closed_on >= :start AND d.closed_on <= :end GROUP BY d.owner, d.currency",
        {"start": start, "end": end},
    )
    by_currency: dict[str, dict[str, float]] = {}
    for row in won:
        if row["currency"] is not None:
            by_currency.setdefault(row["owner"], {})[row["currency"]] = round(float(row["amount"] or 0), 2)
    return [
        {
            "owner": row["owner"],
            "new_accounts": int(row["new_accounts"] or 0),
            "visits": int(row["visits"] or 0),
            "accounts_visited": visited.get(row["owner"], 0),
            "new_deals": int(row["new_deals"] or 0),
            "stage_moves": int(row["stage_moves"] or 0),
            **{k: int(row[k] or 0) for k in ("won", "lost", "followups_due", "followups_done", "overdue")},
            "won_amount": float(row["won_amount"] or 0),
            "won_amount_by_currency": by_currency.get(row["owner"], {}),
        }
        for row in rows
    ]


def database_status(where: Target) -> dict[str, Any]:
    """What `sd db status` shows: the database, its schema and state, who you are on it, your role and the
    write timeouts (PostgreSQL), or the journal file's schema and user (SQLite)."""
    from salesdiary.store import pg
    from salesdiary.store.version import SCHEMA_HEAD

    info: dict[str, Any] = {"database": where.describe(), "sd_schema": SCHEMA_HEAD}
    if pg.is_postgres_url(where.url):
        from salesdiary.store.connection import PsycopgReader

        assert where.url is not None
        con = pg.connect(where.url)
        try:
            revision = pg.revision_of(con)
            info.update(kind="postgresql", schema=revision, state=pg.state_of(revision))
            info.update(status(PsycopgReader(con)))
        finally:
            con.close()
        from salesdiary.store.paths import timeout_seconds

        info.update(
            lock_timeout=timeout_seconds("database.lock_timeout"),
            statement_timeout=timeout_seconds("database.statement_timeout"),
        )
    elif where.is_sqlite_file:
        from salesdiary.store.paths import current_user

        assert where.path is not None
        version = None
        if where.path.exists():
            import sqlite3

            from salesdiary.core.errors import Conflict
            from salesdiary.store.connection import connect_sqlite, schema_version

            try:
                con = connect_sqlite(str(where.path))
                try:
                    version = schema_version(con)
                finally:
                    con.close()
            except sqlite3.DatabaseError as exc:
                raise Conflict(
                    _("{path} is not a journal sd can read: {error}").format(path=where.path, error=exc)
                ) from None
        schema = str(version).zfill(4) if version else None
        state = "empty" if not version else pg.state_of(schema)
        info.update(kind="sqlite", schema=schema, state=state, user=current_user(), team=False, manager=True)
    else:
        info.update(kind=where.sqlalchemy_url.split(":", 1)[0])
    return info
