"""The schema version this code writes, readable without importing SQLModel.

SQLite keeps it in `PRAGMA user_version` (one cheap call on open); the alembic
revision of the same schema is SCHEMA_HEAD, and SCHEMA_VERSION is its number
(revision "0002" is user_version 2), so a journal whose user_version matches
also has the head revision. A test checks they agree with the migrations folder.
Revision 0002 (team roles and row-level security) changes nothing on SQLite:
an SQLite journal at version 1 is moved to 2 (after a backup) without any table change.
Revision 0003 gives visit, contact and stage_history covering indexes (the funnel's and the health rules' lookups).
Revision 0004 gives stage_history and deal the indexes of `sd check`'s unmet-marker test and open playbooks.
Revision 0005 has the database keep each account's visits, each deal's last visit and each stage's markers
(triggers).
Revision 0006 gives deal_contact an index by deal and role (`sd check`'s decision-maker test).
Revision 0007 has a team database (PostgreSQL) keep its rules for raw SQL too (no cascade across owners, owners
are people, rows hang on a teammate's only as sd allows, history about one's own records); nothing on SQLite.
Revision 0008 recomputes account.name_key with the fold of traditional Chinese, look-alike letters and legal forms.
Revision 0009 has PostgreSQL compute account.name_key itself (sd_account_key() and a trigger); keys recomputed.
Revision 0010 gives deal a forecast category and adds forecast_snapshot (`sd forecast`; row-level security on
PostgreSQL).
Revision 0011 gives account.name_key a text_pattern_ops index on PostgreSQL (`sd log`'s prefix lookups under any
collation); nothing on SQLite.
Revision 0012 keeps what `sd check`'s record rules found per open deal and account (deal_health,
account_health, health_key; triggers forget a record's row when it changes); on PostgreSQL the tables stay empty.
PostgreSQL has no user_version: the alembic revision is read instead.
"""

SCHEMA_VERSION = 12
SCHEMA_HEAD = "0012"
APPLICATION_ID = 0x53444A31  # "SDJ1": marks an SQLite file as an sd journal


def known_revisions() -> set[str]:
    """The alembic revisions this sd ships (read from the migration file names, without importing alembic)."""
    from pathlib import Path

    folder = Path(__file__).parent / "migrations" / "versions"
    found = {p.name.split("_", 1)[0] for p in folder.glob("*.py") if p.name[:1].isdigit()}
    return found | {SCHEMA_HEAD}
