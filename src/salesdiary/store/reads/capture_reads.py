"""The names `sd log` looks up while it reads a note (core/capture.py's Directory), each from an index.

Plain SQL over the DB-API reader (no SQLModel on the read path). Accounts are found by the normalised name
(account.name_key, unique index) starting with a few characters of the note, a bounded range per probe; people
by contact.name (index) or among one account's people (ix_contact_account_people); deals among one account's
open deals (ix_deal_account_status). Nothing reads every account name into Python. On PostgreSQL a prefix is
LIKE 'text%', answered by an index under any collation: account.name_key's text_pattern_ops index (migration
0011), contact.name's own (the column is COLLATE "C").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from salesdiary.core.capture import Found
from salesdiary.core.errors import Ambiguous, NotFound
from salesdiary.i18n import _
from salesdiary.store.connection import Reader

PER_PROBE = 30  # accounts read per probe (the note's next characters narrow the rest)
PROBES_PER_QUERY = 200  # probes asked in one query
_TOP = "\U0010ffff"  # after every character: [p, p + _TOP) is every text starting with p


class JournalNames:
    """core.capture.Directory over one journal's reader."""

    def __init__(self, r: Reader) -> None:
        self.r = r

    def account(self, ref: str) -> Found:
        from salesdiary.core.naming import Candidate, account_key, match

        raw = ref.strip()
        if raw.isdigit() and len(raw) < 19:
            rows = self.r.rows("SELECT id, name, name_key FROM account WHERE id = :id", {"id": int(raw)})
            if rows:
                return _account(rows[0])
        key = account_key(raw)
        rows = self.r.rows(
            f"SELECT id, name, name_key FROM account WHERE {self._starts('name_key', 0)} ORDER BY name_key LIMIT 50",
            self._prefix(key, 0),
        )
        if not rows:
            escaped = raw.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            rows = self.r.rows(
                "SELECT id, name, name_key FROM account WHERE lower(name) LIKE :pat ESCAPE '\\' ORDER BY id LIMIT 50",
                {"pat": f"%{escaped}%"},
            )
        if not rows:
            raise NotFound(_("No account matches {text!r}.").format(text=raw))
        exact = [row for row in rows if row["name_key"] == key]
        if len(exact) == 1:
            return _account(exact[0])
        found, _close = match(raw, [Candidate(int(row["id"]), str(row["name"])) for row in rows], _("account"))
        row = next(row for row in rows if int(row["id"]) == found.id)
        return _account(row)

    def _starts(self, column: str, i: int) -> str:
        """COLUMN starts with the text of parameters _prefix(…, I) gives: a range on SQLite (binary order: the
        column's index answers it); LIKE 'text%' on PostgreSQL, whose collation may not order a range so."""
        if self.r.dialect == "sqlite":
            return f"{column} >= :lo{i} AND {column} < :hi{i}"
        return f"{column} LIKE :like{i} ESCAPE '\\'"

    def _prefix(self, text: str, i: int) -> dict[str, str]:
        if self.r.dialect == "sqlite":
            return {f"lo{i}": text, f"hi{i}": text + _TOP}
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return {f"like{i}": escaped + "%"}

    def accounts_starting(self, probes: Sequence[str]) -> list[Found]:
        seen: dict[int, Found] = {}
        for at in range(0, len(probes), PROBES_PER_QUERY):  # SQLite allows 500 terms in one compound SELECT
            parts = []
            params: dict[str, Any] = {}
            for i, probe in enumerate(probes[at : at + PROBES_PER_QUERY]):
                parts.append(
                    f"SELECT * FROM (SELECT id, name, name_key FROM account WHERE {self._starts('name_key', i)}"
                    f" ORDER BY name_key LIMIT {PER_PROBE}) AS p{i}"
                )
                params.update(self._prefix(probe, i))
            for row in self.r.rows(" UNION ALL ".join(parts), params):
                seen.setdefault(int(row["id"]), _account(row))
        return list(seen.values())

    def people_named(self, names: Sequence[str], first_names: Sequence[str]) -> list[Found]:
        parts = []
        params: dict[str, Any] = {}
        if names:
            marks = ",".join(f":n{i}" for i in range(len(names)))
            parts.append(f"SELECT id, name, account_id, title FROM contact WHERE name IN ({marks})")
            params.update({f"n{i}": n for i, n in enumerate(names)})
        for i, first in enumerate(first_names):
            parts.append(
                f"SELECT * FROM (SELECT id, name, account_id, title FROM contact"
                f" WHERE {self._starts('name', i)} LIMIT 50) AS f{i}"
            )
            params.update(self._prefix(first + " ", i))
        if not parts:
            return []
        rows = self.r.rows(" UNION ALL ".join(parts), params)
        return list({int(row["id"]): _person(row) for row in rows}.values())

    def people_of(self, account_id: int) -> list[Found]:
        rows = self.r.rows(
            "SELECT id, name, account_id, title FROM contact WHERE account_id = :a ORDER BY id", {"a": account_id}
        )
        return [_person(row) for row in rows]

    def deal(self, ref: str, account_id: int | None) -> Found:
        from salesdiary.store.reads.record_reads import resolve

        deal_id = resolve(self.r, "deal", ref, account_id=account_id)
        row = self.r.rows("SELECT id, name, account_id FROM deal WHERE id = :id", {"id": deal_id})[0]
        if account_id is not None and int(row["account_id"]) != account_id:
            raise Ambiguous(_("#{ref}: deal #{id} belongs to another account.").format(ref=ref, id=deal_id))
        return Found(int(row["id"]), str(row["name"]), int(row["account_id"]))

    def open_deals(self, account_id: int) -> list[Found]:
        rows = self.r.rows(
            "SELECT id, name, account_id FROM deal WHERE account_id = :a AND status = 'open' ORDER BY id",
            {"a": account_id},
        )
        return [Found(int(row["id"]), str(row["name"]), int(row["account_id"])) for row in rows]


def _account(row: dict[str, Any]) -> Found:
    return Found(int(row["id"]), str(row["name"]), None, str(row["name_key"] or ""))


def _person(row: dict[str, Any]) -> Found:
    return Found(int(row["id"]), str(row["name"]), int(row["account_id"]), str(row["title"] or ""))
