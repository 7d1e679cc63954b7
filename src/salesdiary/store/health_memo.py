"""What `sd check` found, kept between runs (migration 0012): the answers of the rules that depend on the records
alone, one row of bits per open deal (deal_health) and per account not yet a customer (account_health).

Why: on the bench's huge journal (100,000 deals, 1,000,000 visits) asking every rule of every record costs about
a second of queries at each `sd check`, while between two checks a rep changes a few records. The triggers of
migration 0012 delete a record's row in the very transaction that changes what its rules read (sd or raw SQL
alike), so a stored row is the rules' answer on the records as they are now; `ready()` computes the rows that
are missing and stores them; health_queries reads a record's bits from its row, or computes them in the query
when the row is not there (a write between the two: the answer is never stale, only computed).

Which rules: those whose SQL does not depend on the day (health_queries.DEAL_TODAY and ACCOUNT_TODAY are
computed at every run). The rows of a kind are valid for one fingerprint of the rules' SQL and parameters (the
thresholds, the playbooks, sd's own code): another fingerprint empties them first. The rows are always a subset
of the open deals / the accounts not yet customers (stored only for those; any change of the record deletes its
row), so two counts tell that none is missing, without a write.

SQLite only: a team database on PostgreSQL computes every check afresh (its tables stay empty). A journal that
cannot be written (a read-only file) or that another program is writing to (no wait: the lock is tried once)
is checked without storing anything. `SD_NO_HEALTH_MEMO=1` switches all of it off: every rule asked of every
record, as before (tests/test_health_memo.py compares the two).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from salesdiary.store.connection import Reader, side_by_side

# the triggers of migration 0012 (8 tables × insert, delete, update): without all of them the rows are not read
TRIGGERS = 24
# bump when the meaning of a stored bit changes without the SQL changing (it is part of every fingerprint)
VERSION = "1"


def switched_off() -> bool:
    return os.environ.get("SD_NO_HEALTH_MEMO", "") not in ("", "0")


def usable(r: Reader) -> bool:
    """Whether the check may read and keep rows on R's journal (SQLite, not switched off)."""
    return r.dialect == "sqlite" and not switched_off() and hasattr(r, "con")


@dataclass(frozen=True)
class Kind:
    """One table of rows: deal_health over the open deals, account_health over the accounts not yet customers."""

    name: str  # "deal" | "account": health_key.kind
    table: str  # deal_health | account_health
    key: str  # its id column
    source: str  # SQL: the records' table and its alias (d, a)
    where: str  # SQL: the records that have a row

    @property
    def alias(self) -> str:
        return self.source.split()[-1]


DEALS = Kind("deal", "deal_health", "deal_id", "deal d", "d.status = 'open'")
ACCOUNTS = Kind("account", "account_health", "account_id", "account a", "a.info_stage <> 'customer'")


def fingerprint(sql: str, params: dict[str, Any]) -> str:
    """The rows' validity: SQL and the parameters it names (not the others: `today` is given to every pass)."""
    named = sorted(set(re.findall(r":([A-Za-z_]\w*)", sql)))
    used = {name: params.get(name) for name in named}
    text = json.dumps([VERSION, sql, used], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Job:
    """A kind's rows to keep: the SQL of a record's bits (over the alias of KIND.records, from the pieces of
    PARTS, each a part of the bits computed in a pass of its own, OR-ed), its parameters, and JOIN (a join the
    bits need, e.g. the account's visits)."""

    kind: Kind
    parts: tuple[str, ...]  # SQL expressions, each a sum of bits
    params: dict[str, Any]
    join: str = ""

    @property
    def bits(self) -> str:
        return " + ".join(f"({part})" for part in self.parts) if self.parts else "0"

    @property
    def fingerprint(self) -> str:
        return fingerprint(f"{self.join} | {self.bits}", self.params)


def ready(r: Reader, jobs: Sequence[Job], *, fill: bool = True) -> dict[str, bool]:
    """For each job's kind: whether its stored rows may be read (their fingerprint is the job's), after the
    missing rows were computed and stored (FILL) when the journal let us write. A kind whose rows are not readable
    is computed in the query, record by record, as without the memo. Without FILL (a check of one account: a few
    records, computed in the query) the rows kept are read as they are."""
    if not jobs or not usable(r):
        return {job.kind.name: False for job in jobs}
    con: sqlite3.Connection = r.con  # type: ignore[attr-defined]
    wanted = {job.kind.name: job.fingerprint for job in jobs}
    try:
        state = _state(con, jobs)
    except sqlite3.Error:  # a journal older than migration 0012 is migrated before a read; anything else: no memo
        return {name: False for name in wanted}
    if not fill or con.in_transaction or all(state[name] == (fp, True) for name, fp in wanted.items()):
        return {name: state[name][0] == fp for name, fp in wanted.items()}  # the usual run: no lock taken
    try:
        return _fill(r, con, jobs, wanted)
    except sqlite3.Error:  # read-only, locked by a writer, full disk: check without storing
        state = _state(con, jobs)
        return {name: state[name][0] == fp for name, fp in wanted.items()}


def _state(con: sqlite3.Connection, jobs: Sequence[Job]) -> dict[str, tuple[str | None, bool]]:
    """Per kind: (its stored fingerprint, whether every record has its row). No fingerprint when the triggers
    that keep the rows true are not all there (dropped by hand): the rows are then never read."""
    triggers = _triggers(con)
    keys = _fingerprints(con) if triggers == TRIGGERS else {}
    state = {}
    for job in jobs:
        k = job.kind
        stored, records = con.execute(
            f"SELECT (SELECT COUNT(*) FROM {k.table}), (SELECT COUNT(*) FROM {k.source} WHERE {k.where})"
        ).fetchone()
        state[k.name] = (keys.get(k.name), stored == records)
    return state


def _triggers(con: sqlite3.Connection) -> int:
    return int(
        con.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'sd_health_*'").fetchone()[
            0
        ]
    )


def _fill(r: Reader, con: sqlite3.Connection, jobs: Sequence[Job], wanted: dict[str, str]) -> dict[str, bool]:
    """Store the missing rows. Rows of another fingerprint are deleted first, in a transaction of their own (the
    siblings below read what is committed); then the missing rows are computed and stored in one write
    transaction: while it is held no other program writes, so the rows computed (by this connection and its
    siblings) are those of the records as they stay until the commit. Each transaction is taken at once or not
    at all, and any error rolls it back whole. WANTED: each kind's fingerprint."""
    if _triggers(con) != TRIGGERS:
        raise sqlite3.OperationalError("the triggers of migration 0012 are missing")
    stored = _fingerprints(con)
    stale = [job.kind for job in jobs if stored.get(job.kind.name) != wanted[job.kind.name]]
    if stale:
        with _writing(con):
            for k in stale:
                con.execute(f"DELETE FROM {k.table}")
                con.execute(
                    "INSERT INTO health_key (kind, fingerprint) VALUES (?, ?)"
                    " ON CONFLICT (kind) DO UPDATE SET fingerprint = excluded.fingerprint",
                    (k.name, wanted[k.name]),
                )
    with _writing(con):
        stored = _fingerprints(con)
        if any(stored.get(name) != fingerprint for name, fingerprint in wanted.items()):
            raise sqlite3.OperationalError("another sd changed the rules' fingerprint meanwhile")
        _store(r, con, jobs)
    return {job.kind.name: True for job in jobs}


def _fingerprints(con: sqlite3.Connection) -> dict[str, str]:
    return dict(con.execute("SELECT kind, fingerprint FROM health_key").fetchall())


@contextmanager
def _writing(con: sqlite3.Connection) -> Iterator[None]:
    """A write transaction taken at once (a writer at work: an error rather than a wait), committed at the end,
    rolled back on any error."""
    timeout = con.execute("PRAGMA busy_timeout").fetchone()[0]
    con.execute("PRAGMA busy_timeout = 0")
    try:
        con.execute("BEGIN IMMEDIATE")
    finally:
        con.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _store(r: Reader, con: sqlite3.Connection, jobs: Sequence[Job]) -> None:
    """Compute the rows the records lack, in two lanes of about equal length (the first part of the first job
    alone in one, the rest in the other: the deals' people rules are the costliest part), and store them."""
    passes = [(job, part) for job in jobs for part in job.parts]
    lanes = [passes[:1], passes[1:]] if len(passes) > 1 else [passes]
    # each lane's rows as one JSON array of [id, bits], written here without a Python object per record (the
    # parts of one record OR-ed by the upsert)
    for results in side_by_side(r, [_lane(lane) for lane in lanes if lane]):
        for k, pairs in results:
            con.execute(
                f"INSERT INTO {k.table} ({k.key}, bits) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')"
                f" FROM json_each(?) WHERE 1 ON CONFLICT ({k.key}) DO UPDATE SET bits = bits | excluded.bits",
                (pairs,),
            )


def _lane(lane: Sequence[tuple[Job, str]]) -> Callable[[Reader], list[tuple[Kind, str]]]:
    def run(reader: Reader) -> list[tuple[Kind, str]]:
        out = []
        for job, part in lane:
            k = job.kind
            # the records without a row (a scan, each looked up in the rows kept), as one row of JSON: rows fetched
            # one by one hand Python's lock from thread to thread (health_queries._by_rule says why)
            sql = (
                f"SELECT json_group_array(json_array({k.alias}.id, {part})) AS pairs FROM {k.source}{job.join}"
                f" LEFT JOIN {k.table} m ON m.{k.key} = {k.alias}.id WHERE +{k.where} AND m.{k.key} IS NULL"
            )
            rows = reader.rows(sql, job.params)
            out.append((k, str(rows[0]["pairs"] or "[]")))
        return out

    return run
