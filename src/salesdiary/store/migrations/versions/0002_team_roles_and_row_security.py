"""team roles and row-level security (PostgreSQL only)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:00:00

On PostgreSQL, the database itself enforces who may change what:

- two group roles (NOLOGIN), `sd_rep` and `sd_manager`; a rep's login role is made a member of `sd_rep`,
  a manager's of `sd_manager` (roles belong to the whole server, so every sd database on it shares them);
- both may read every row (a rep sees who owns an account before reporting it again);
- a rep inserts, changes and deletes only rows whose `owner` is the rep's own role (`current_user`), and
  only rows it creates as itself (`created_by`); rows without an owner follow their parent: a contact its
  account, a deal's contacts, markers, stage history and evaluation their deal, a visit's contacts their
  visit; a rep writes history only into its own changesets, and history is never changed or deleted;
- a manager changes every row.

Names and owners, which lists are sorted by, are compared by code point (COLLATE "C"), as on SQLite.

The owner of the tables (whoever ran `sd db upgrade`) is not subject to the policies.

On SQLite (one person's file) this migration does nothing.

A later migration that adds a table must grant it to sd_rep and sd_manager, enable row-level security on it
and give it policies like these (and grant its sequence), or reps cannot use it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("sd_rep", "sd_manager")
# Tables whose rows have an owner (and a creator).
OWNED = ("account", "deal", "visit", "followup", "receivable")
# Tables whose rows belong to the owner of a parent row: table → (parent table, the column naming it).
CHILDREN = {
    "contact": ("account", "account_id"),
    "deal_contact": ("deal", "deal_id"),
    "deal_marker": ("deal", "deal_id"),
    "stage_history": ("deal", "deal_id"),
    "deal_evaluation": ("deal", "deal_id"),
    "visit_contact": ("visit", "visit_id"),
}
READ_ONLY = ("alembic_version", "sd_meta")
# Text that lists are sorted by: compared by code point, as SQLite does, whatever the server's locale, so a
# list comes out in the same order on both databases.
SORTED_TEXT = {
    "account": ("name", "owner"),
    "contact": ("name",),
    "deal": ("name", "owner"),
    "visit": ("owner",),
    "followup": ("owner",),
}
EVERY_POLICY_TABLE = (*OWNED, *CHILDREN, "changeset", "history")
GROUPS = "sd_rep, sd_manager"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    for table, columns in SORTED_TEXT.items():
        changes = ", ".join(f'ALTER COLUMN {column} TYPE VARCHAR COLLATE "C"' for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
    op.execute(
        "DO $$ BEGIN"
        " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sd_rep') THEN CREATE ROLE sd_rep NOLOGIN; END IF;"
        " IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sd_manager') THEN CREATE ROLE sd_manager NOLOGIN;"
        " END IF; END $$"
    )
    op.execute(f"DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO {GROUPS}', current_schema()); END $$")
    op.execute(f"GRANT SELECT ON {', '.join(READ_ONLY)} TO {GROUPS}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join((*OWNED, *CHILDREN, 'changeset'))} TO {GROUPS}")
    op.execute(f"GRANT SELECT, INSERT ON history TO {GROUPS}")  # history is only ever added to
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO sd_rep, sd_manager',"
        " current_schema()); END $$"
    )
    for table in EVERY_POLICY_TABLE:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY sd_read ON {table} FOR SELECT TO {GROUPS} USING (true)")
        op.execute(f"CREATE POLICY sd_manager_all ON {table} FOR ALL TO sd_manager USING (true) WITH CHECK (true)")
    for table in OWNED:
        mine = f"{table}.owner = current_user"
        op.execute(
            f"CREATE POLICY sd_rep_insert ON {table} FOR INSERT TO sd_rep"
            f" WITH CHECK ({mine} AND {table}.created_by = current_user)"
        )
        op.execute(f"CREATE POLICY sd_rep_update ON {table} FOR UPDATE TO sd_rep USING ({mine}) WITH CHECK ({mine})")
        op.execute(f"CREATE POLICY sd_rep_delete ON {table} FOR DELETE TO sd_rep USING ({mine})")
    for table, (parent, column) in CHILDREN.items():
        mine = f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{column} AND p.owner = current_user)"
        op.execute(f"CREATE POLICY sd_rep_write ON {table} FOR ALL TO sd_rep USING ({mine}) WITH CHECK ({mine})")
    mine = 'changeset."user" = current_user'
    op.execute(f"CREATE POLICY sd_rep_insert ON changeset FOR INSERT TO sd_rep WITH CHECK ({mine})")
    # undo and redo mark the rep's own changeset as undone
    op.execute(f"CREATE POLICY sd_rep_update ON changeset FOR UPDATE TO sd_rep USING ({mine}) WITH CHECK ({mine})")
    op.execute(
        "CREATE POLICY sd_rep_insert ON history FOR INSERT TO sd_rep WITH CHECK (EXISTS (SELECT 1 FROM changeset c"
        ' WHERE c.id = history.changeset_id AND c."user" = current_user))'
    )


def downgrade() -> None:
    if not _postgresql():
        return
    for table in EVERY_POLICY_TABLE:
        for policy in ("sd_read", "sd_manager_all", "sd_rep_insert", "sd_rep_update", "sd_rep_delete", "sd_rep_write"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON {', '.join((*OWNED, *CHILDREN, 'changeset', 'history', *READ_ONLY))} FROM {GROUPS}")
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM sd_rep, sd_manager',"
        " current_schema()); EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM sd_rep, sd_manager', current_schema());"
        " END $$"
    )
    for table, columns in SORTED_TEXT.items():
        changes = ", ".join(f'ALTER COLUMN {column} TYPE VARCHAR COLLATE "default"' for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
    # the roles stay: they belong to the server, and other sd databases on it may use them
