"""Read queries over the history: what changed, which command changed it, what undo and redo would do.

Plain SQL over a Reader (the read path never imports SQLModel). Every write records one `changeset` row per
command and one `history` row per changed record (entity = table name, entity_id = its key, "3/7" for a
composite key; changes = JSON {field: [old, new]}).

Undo and redo are themselves changesets, linked by `changeset.undone_by`: when undo reverses changeset C
in changeset U, C.undone_by = U; when redo reverses U in changeset R, U.undone_by = R. So following the
links back from a changeset gives its depth: 0 for a command, 1 for an undo, 2 for a redo, 3 for an undo
of a redo… Even depths do something (they can be undone), odd depths undo something (they can be redone).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from salesdiary.store.connection import Reader

# The records a user names (`sd history deal 12`) and the link rows shown with them.
RECORD_TABLES = ("account", "contact", "deal", "visit", "followup")
LINKS_OF = {
    "deal": (("deal_contact", "first"), ("deal_marker", "first"), ("deal_evaluation", "first")),
    "visit": (("visit_contact", "first"),),
    "contact": (("deal_contact", "last"), ("visit_contact", "last")),
}
NAMED_TABLES = ("account", "contact", "deal")


@dataclass
class HistoryQuery:
    entity: str | None = None
    entity_id: int | None = None
    limit: int | None = 50


def _changes(row: Mapping[str, Any]) -> dict[str, list[Any]]:
    try:
        value = json.loads(row["changes"])
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# What happened ---------------------------------------------------------------------------------------


def list_history(r: Reader, q: HistoryQuery) -> tuple[list[dict[str, Any]], int]:
    """History rows, newest first, with their changeset (command, time, user, undone_by) and record names."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if q.entity is not None and q.entity_id is not None:
        alternatives = ["(h.entity = :entity AND h.entity_id = :key)"]
        params.update(entity=q.entity, key=str(q.entity_id))
        for i, (table, position) in enumerate(LINKS_OF.get(q.entity, ())):
            pattern = f"{q.entity_id}/%" if position == "first" else f"%/{q.entity_id}"
            alternatives.append(f"(h.entity = :link{i} AND h.entity_id LIKE :pat{i})")
            params[f"link{i}"] = table
            params[f"pat{i}"] = pattern
        where.append("(" + " OR ".join(alternatives) + ")")
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    total = int(r.rows("SELECT count(*) AS n FROM history h" + clause, params)[0]["n"])
    sql = (
        "SELECT h.id, h.changeset_id, h.seq, h.entity, h.entity_id, h.action, h.changes,"
        ' c.at, c.command, c."user", c.undone_by'
        " FROM history h JOIN changeset c ON c.id = h.changeset_id"
        + clause
        + " ORDER BY h.changeset_id DESC, h.seq DESC"
    )
    if q.limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = q.limit
    rows = r.rows(sql, params)
    undoes = undone_targets(r, [int(row["changeset_id"]) for row in rows])
    names = record_names(r, rows)
    for row in rows:
        row["changes"] = _changes(row)
        row["undoes"] = undoes.get(int(row["changeset_id"]))
        row["name"] = names.get((row["entity"], row["entity_id"]))
    return rows, total


def undone_targets(r: Reader, changeset_ids: list[int]) -> dict[int, int]:
    """For each of CHANGESET_IDS that undid (or redid) another changeset: that changeset's id."""
    ids = sorted(set(changeset_ids))
    found: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join(f":c{i}" for i in range(len(chunk)))
        params = {f"c{i}": cid for i, cid in enumerate(chunk)}
        for row in r.rows(f"SELECT id, undone_by FROM changeset WHERE undone_by IN ({marks})", params):
            found[int(row["undone_by"])] = int(row["id"])
    return found


def record_names(r: Reader, rows: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """The name of each named record (account, contact, deal) in ROWS: as it is now, or as history last saw it."""
    names: dict[tuple[str, str], str] = {}
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row["entity"] in NAMED_TABLES:
            changes = row["changes"] if isinstance(row["changes"], dict) else _changes(row)
            name = changes.get("name")
            if isinstance(name, list) and len(name) == 2:
                names.setdefault((row["entity"], row["entity_id"]), name[1] if name[1] is not None else name[0])
            if str(row["entity_id"]).isdigit():
                wanted.setdefault(row["entity"], set()).add(int(row["entity_id"]))
    for entity, ids in wanted.items():
        id_list = sorted(ids)
        for start in range(0, len(id_list), 500):
            chunk = id_list[start : start + 500]
            marks = ",".join(f":i{i}" for i in range(len(chunk)))
            params = {f"i{i}": rid for i, rid in enumerate(chunk)}
            for row in r.rows(f"SELECT id, name FROM {entity} WHERE id IN ({marks})", params):
                names[(entity, str(row["id"]))] = row["name"]
    return names


def changeset(r: Reader, changeset_id: int) -> dict[str, Any] | None:
    rows = r.rows('SELECT id, at, command, "user", undone_by FROM changeset WHERE id = :id', {"id": changeset_id})
    return rows[0] if rows else None


def changes_of(r: Reader, changeset_id: int) -> list[dict[str, Any]]:
    """The history rows of one changeset, in the order they were written."""
    rows = r.rows(
        "SELECT id, seq, entity, entity_id, action, changes FROM history WHERE changeset_id = :id ORDER BY seq",
        {"id": changeset_id},
    )
    for row in rows:
        row["changes"] = _changes(row)
    return rows


def count_changes(r: Reader, changeset_id: int) -> int:
    return int(r.rows("SELECT count(*) AS n FROM history WHERE changeset_id = :id", {"id": changeset_id})[0]["n"])


# What undo and redo would do --------------------------------------------------------------------------


def _links(r: Reader) -> dict[int, int]:
    """For every changeset that undid or redid another: undoer id → the id of the changeset it reversed."""
    if r.dialect == "sqlite":  # one person's file (whose name may have changed: user.name set later)
        rows = r.rows("SELECT id, undone_by FROM changeset WHERE undone_by IS NOT NULL")
    else:  # a team database: a link between two people's changesets is no undo (sd never writes one)
        rows = r.rows(
            "SELECT c.id AS id, c.undone_by AS undone_by FROM changeset c JOIN changeset u ON u.id = c.undone_by"
            ' WHERE u."user" = c."user"'
        )
    return {int(row["undone_by"]): int(row["id"]) for row in rows}


def _depths(undid: dict[int, int]) -> dict[int, int]:
    """The depth of every changeset in UNDID (commands, depth 0, are left out)."""
    depths: dict[int, int] = {}
    for start in undid:
        chain: list[int] = []
        node = start
        while node in undid and node not in depths and len(chain) <= len(undid):
            chain.append(node)
            node = undid[node]
        base = depths.get(node, 0)
        for offset, item in enumerate(reversed(chain), start=1):
            depths[item] = base + offset
    return depths


def _users(users: str | Sequence[str]) -> tuple[str, dict[str, str]]:
    """SQL for `"user" IN (…)` over USERS (one name or several), and its parameters."""
    names = (users,) if isinstance(users, str) else tuple(users)
    params = {f"user{i}": name for i, name in enumerate(names)}
    return '"user" IN (' + ", ".join(f":{p}" for p in params) + ")", params


def undo_target(r: Reader, user: str | Sequence[str]) -> dict[str, Any] | None:
    """The changeset `sd undo` reverses: the latest command (or redo) of USER (a name, or the several names
    one person's commands are recorded under) that is still in effect."""
    depths = _depths(_links(r))
    where, params = _users(user)
    for row in r.stream(
        f'SELECT id, at, command, "user", undone_by FROM changeset WHERE {where} AND undone_by IS NULL'
        " ORDER BY id DESC",
        params,
    ):
        if depths.get(int(row["id"]), 0) % 2 == 0:
            return row
    return None


def redo_target(r: Reader, user: str | Sequence[str]) -> dict[str, Any] | None:
    """The undo `sd redo` reverses: USER's latest undo still in effect, unless USER ran a new command since."""
    depths = _depths(_links(r))
    where, params = _users(user)
    sql = f'SELECT id, at, command, "user", undone_by FROM changeset WHERE {where} ORDER BY id DESC'
    for row in r.stream(sql, params):
        d = depths.get(int(row["id"]), 0)
        if d == 0:
            return None
        if d % 2 == 1 and row["undone_by"] is None:
            return row
    return None


def undone_by_target(r: Reader, changeset_id: int) -> dict[str, Any] | None:
    """The changeset that CHANGESET_ID undid (for an undo or redo), if any."""
    rows = r.rows(
        'SELECT id, at, command, "user", undone_by FROM changeset WHERE undone_by = :id', {"id": changeset_id}
    )
    return rows[0] if rows else None


def original_command(r: Reader, changeset: dict[str, Any]) -> str:
    """The command line a changeset finally goes back to (an undo or redo names the command it reversed)."""
    seen: set[int] = set()
    current = changeset
    while True:
        undid = undone_by_target(r, int(current["id"]))
        if undid is None or int(undid["id"]) in seen:
            return str(current["command"])
        seen.add(int(undid["id"]))
        current = undid


def later_changes(r: Reader, changeset_id: int) -> list[dict[str, Any]]:
    """Changes still in effect, made after CHANGESET_ID, to records CHANGESET_ID touched.

    Undo and redo make chains (a command, its undo, the redo of that undo…) of which only the last is in
    effect. The part of a chain made after CHANGESET_ID cancels out when it has an even number of links
    (a command and its undo); with an odd number its last link left a change (e.g. a redo).

    On a team database (PostgreSQL) an entry by another rep about a record that rep does not own does not
    count: the database has refused such entries since schema 0007, so an old one was forged by hand, not
    written by a change. Nor does one about a record gone since (its owner unknown): undo checks that each record
    still holds what the command left in it, and refuses, naming it, when it is gone.
    """
    forged = ""
    if r.dialect == "postgresql":
        forged = (
            ' AND (c."user" = (SELECT u."user" FROM changeset u WHERE u.id = :cid) OR sd_is_manager(c."user")'
            ' OR sd_record_owner(h.entity, h.entity_id) = c."user")'
        )
    rows = r.rows(
        'SELECT h.entity, h.entity_id, h.changeset_id, c.command, c."user", c.at'
        " FROM history h JOIN changeset c ON c.id = h.changeset_id"
        " WHERE h.changeset_id > :cid AND c.undone_by IS NULL"
        " AND EXISTS (SELECT 1 FROM history o WHERE o.changeset_id = :cid"
        f"             AND o.entity = h.entity AND o.entity_id = h.entity_id){forged}"
        " ORDER BY h.changeset_id, h.seq",
        {"cid": changeset_id},
    )
    if not rows:
        return rows
    undid = _links(r)

    def links_after(tip: int) -> int:
        count, node = 1, tip
        while node in undid and undid[node] > changeset_id and count <= len(undid):
            node = undid[node]
            count += 1
        return count

    return [row for row in rows if links_after(int(row["changeset_id"])) % 2 == 1]
