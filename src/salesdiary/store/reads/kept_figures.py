"""The figures the database keeps itself (migration 0005), compared with the records they come from.

Triggers keep account_visits, deal_last_visit and stage_history.markers up to date in the transaction that
changes a visit, a deal, an account, a marker or a history row. `sd doctor` asks here whether they still agree
(they can only disagree if something wrote the file with its triggers removed); the tests ask after every kind
of change.
"""

from __future__ import annotations

from salesdiary.store.connection import Reader

# the SQLite triggers of migration 0005 (sd doctor checks they are all there)
SQLITE_TRIGGERS = (
    "sd_account_added",
    "sd_deal_added",
    "sd_deal_moved",
    "sd_visit_added",
    "sd_visit_removed",
    "sd_visit_changed",
    "sd_marker_added",
    "sd_marker_removed",
    "sd_marker_changed",
    "sd_history_added",
    "sd_history_changed",
)


def _markers(r: Reader) -> str:
    if r.dialect == "sqlite":
        return (
            "COALESCE((SELECT ',' || group_concat(x.marker, ',') || ',' FROM (SELECT m.marker FROM deal_marker m"
            " WHERE m.deal_id = sh.deal_id AND m.stage = sh.stage ORDER BY m.marker) x), ',')"
        )
    return (
        "COALESCE((SELECT ',' || string_agg(m.marker, ',' ORDER BY m.marker) || ',' FROM deal_marker m"
        " WHERE m.deal_id = sh.deal_id AND m.stage = sh.stage), ',')"
    )


def disagreements(r: Reader) -> dict[str, int]:
    """How many kept figures differ from the records, per figure (zero everywhere when all is well); on SQLite,
    also how many of the triggers that keep them are missing."""
    visits = (
        "SELECT COUNT(*) AS n FROM account a LEFT JOIN account_visits x ON x.account_id = a.id"
        " WHERE x.visits IS NULL OR x.visits <> (SELECT COUNT(*) FROM visit v WHERE v.account_id = a.id)"
    )
    last = (
        "SELECT COUNT(*) AS n FROM deal d LEFT JOIN deal_last_visit x ON x.deal_id = d.id WHERE x.deal_id IS NULL"
        " OR COALESCE(CAST(x.last_visit_on AS VARCHAR), '') <> COALESCE(CAST((SELECT MAX(v.date) FROM visit v"
        " WHERE v.account_id = d.account_id AND (v.deal_id = d.id OR v.deal_id IS NULL)) AS VARCHAR), '')"
    )
    markers = f"SELECT COUNT(*) AS n FROM stage_history sh WHERE sh.markers <> {_markers(r)}"
    orphans = (
        "SELECT (SELECT COUNT(*) FROM account_visits x WHERE NOT EXISTS (SELECT 1 FROM account a"
        " WHERE a.id = x.account_id)) + (SELECT COUNT(*) FROM deal_last_visit x WHERE NOT EXISTS"
        " (SELECT 1 FROM deal d WHERE d.id = x.deal_id)) AS n"
    )
    found = {}
    if r.dialect == "sqlite":
        names = ", ".join(f"'{name}'" for name in SQLITE_TRIGGERS)
        present = r.rows(f"SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})")
        found["missing triggers"] = len(SQLITE_TRIGGERS) - int(present[0]["n"])
    for name, sql in (
        ("account visits", visits),
        ("deal last visit", last),
        ("stage markers", markers),
        ("figures of removed records", orphans),
    ):
        found[name] = int(r.rows(sql)[0]["n"])
    return found
