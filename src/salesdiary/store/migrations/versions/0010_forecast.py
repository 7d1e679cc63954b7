"""the forecast: each deal's forecast category, and forecast snapshots taken deal by deal

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 18:10:00

`sd forecast` shows the open deals expected to close in a month or a quarter. A rep may put a deal in a forecast
category (`sd deal edit --forecast commit|best_case|pipeline|omit`): deal.forecast_category, NULL while the rep
has not chosen (the category then follows the stage's probability and the thresholds of the config).

`sd forecast snapshot` (and the first `sd forecast` of a week) records the period's forecast deal by deal in
forecast_snapshot: one row per deal, with the day it was taken, the period, and the deal's status, stage,
probability, category, amount and currency then. A snapshot is a record of the past: its rows keep the deal's id
and name but hang on no deal (no foreign key), so removing a deal does not rewrite what was forecast.

On PostgreSQL the snapshot rows are owned like records (owner, created_by): everyone of the team reads them, a
rep writes and removes only their own (row-level security comparing with session_user, as 0007), a manager
every row; owners and creators are people (0007's sd_row_rules and sd_owner_guard guard the table too), and a
rep's history entries may describe their own snapshot rows (sd_history_rules and sd_record_owner learn the new
table; the functions are 0007's with forecast_snapshot added).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = "sd_rep, sd_manager"
REFUSED = "insufficient_privilege"
ADMIN = "pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'MEMBER')"
PRIVILEGED = f"({ADMIN} OR pg_has_role(session_user, 'sd_manager', 'MEMBER'))"
# the tables a rep's history entry may describe (0007's, and the snapshots)
KNOWN = (
    "account",
    "deal",
    "visit",
    "followup",
    "receivable",
    "contact",
    "deal_contact",
    "deal_marker",
    "stage_history",
    "deal_evaluation",
    "visit_contact",
)


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _refuse(message: str, *args: str) -> str:
    values = "".join(f", {a}" for a in args)
    return f" RAISE EXCEPTION USING ERRCODE = '{REFUSED}', MESSAGE = format('{message}'{values});"


def _record_owner(schema: str, known: tuple[str, ...], with_snapshots: bool) -> str:
    """0007's sd_record_owner (the owner of the row a history entry describes), with the snapshots when asked."""
    definer = f"SECURITY DEFINER SET search_path = {schema}, pg_temp"
    deal_owner = "(SELECT d.owner FROM deal d WHERE d.id = k)"
    visit_owner = "(SELECT v.owner FROM visit v WHERE v.id = k)"
    snapshots = " WHEN 'forecast_snapshot' THEN (SELECT f.owner FROM forecast_snapshot f WHERE f.id = k)"
    return (
        f"CREATE OR REPLACE FUNCTION sd_record_owner(varchar, varchar) RETURNS varchar LANGUAGE plpgsql STABLE"
        f" {definer} AS $$ DECLARE k integer; BEGIN"
        " IF split_part($2, '/', 1) !~ '^[0-9]{1,9}$' THEN RETURN NULL; END IF;"
        " k := split_part($2, '/', 1)::integer;"
        " RETURN CASE $1"
        " WHEN 'account' THEN (SELECT a.owner FROM account a WHERE a.id = k)"
        f" WHEN 'deal' THEN {deal_owner}"
        f" WHEN 'visit' THEN {visit_owner}"
        " WHEN 'followup' THEN (SELECT f.owner FROM followup f WHERE f.id = k)"
        " WHEN 'receivable' THEN (SELECT r.owner FROM receivable r WHERE r.id = k)"
        " WHEN 'contact' THEN (SELECT a.owner FROM contact c JOIN account a ON a.id = c.account_id WHERE c.id = k)"
        " WHEN 'stage_history' THEN (SELECT d.owner FROM stage_history s JOIN deal d ON d.id = s.deal_id"
        " WHERE s.id = k)"
        f" WHEN 'deal_contact' THEN {deal_owner}"
        f" WHEN 'deal_marker' THEN {deal_owner}"
        f" WHEN 'deal_evaluation' THEN {deal_owner}"
        f" WHEN 'visit_contact' THEN {visit_owner}" + (snapshots if with_snapshots else "") + " END; END $$"
    )


def _history_rules(schema: str, known: tuple[str, ...]) -> str:
    """0007's sd_history_rules: a rep's history entry describes only rows of KNOWN tables the rep may change."""
    definer = f"SECURITY DEFINER SET search_path = {schema}, pg_temp"
    me = "session_user::varchar"
    return (
        f"CREATE OR REPLACE FUNCTION sd_history_rules() RETURNS trigger LANGUAGE plpgsql {definer}"
        " AS $$ DECLARE kept_by varchar; BEGIN"
        f" IF {PRIVILEGED} THEN RETURN NEW; END IF;"
        f" IF NEW.entity NOT IN ({', '.join(repr(t) for t in known)}) THEN"
        + _refuse("history: sd keeps no records in %s", "quote_nullable(NEW.entity)")
        + " END IF;"
        " kept_by := sd_record_owner(NEW.entity, NEW.entity_id);"
        " IF kept_by IS NULL AND NEW.action <> 'delete' AND NEW.entity IN ('account', 'deal', 'visit', 'followup',"
        " 'receivable', 'contact', 'stage_history') THEN"
        + _refuse(
            "history: %s #%s does not exist: an entry is written with the change it describes",
            "NEW.entity",
            "NEW.entity_id",
        )
        + " END IF;"
        f" IF kept_by IS NOT NULL AND kept_by <> {me} THEN"
        + _refuse(
            "history: %s #%s belongs to %s: a rep records history only about their own records",
            "NEW.entity",
            "NEW.entity_id",
            "kept_by",
        )
        + " END IF; RETURN NEW; END $$"
    )


def upgrade() -> None:
    # each step only when still missing: a journal whose recorded revision is behind its tables (a restored
    # alembic_version, as the migration tests make) upgrades too
    inspector = sa.inspect(op.get_bind())
    if "forecast_category" not in {c["name"] for c in inspector.get_columns("deal")}:
        op.add_column("deal", sa.Column("forecast_category", sa.String(), nullable=True))
    if not inspector.has_table("forecast_snapshot"):
        _create_table()
    if not _postgresql():
        return
    _row_security()


def _create_table() -> None:
    op.create_table(
        "forecast_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=True),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    # a period's snapshots by day (whether this week has one; the accuracy table), and a deal's rows
    op.create_index("ix_forecast_snapshot_period", "forecast_snapshot", ["period", "taken_on", "owner"])
    op.create_index("ix_forecast_snapshot_deal_id", "forecast_snapshot", ["deal_id"])


def _row_security() -> None:
    bind = op.get_bind()
    schema = str(bind.execute(sa.text("SELECT quote_ident(current_schema())")).scalar())
    for policy in ("sd_read", "sd_manager_all", "sd_rep_insert", "sd_rep_update", "sd_rep_delete"):
        op.execute(f"DROP POLICY IF EXISTS {policy} ON forecast_snapshot")
    for trigger in ("sd_forecast_snapshot_owner_guard", "sd_forecast_snapshot_rules"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON forecast_snapshot")
    op.execute('ALTER TABLE forecast_snapshot ALTER COLUMN owner TYPE VARCHAR COLLATE "C"')
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON forecast_snapshot TO {GROUPS}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE forecast_snapshot_id_seq TO {GROUPS}")
    op.execute("ALTER TABLE forecast_snapshot ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY sd_read ON forecast_snapshot FOR SELECT TO {GROUPS} USING (true)")
    op.execute("CREATE POLICY sd_manager_all ON forecast_snapshot FOR ALL TO sd_manager USING (true) WITH CHECK (true)")
    mine = "forecast_snapshot.owner = session_user"
    op.execute(
        "CREATE POLICY sd_rep_insert ON forecast_snapshot FOR INSERT TO sd_rep"
        f" WITH CHECK ({mine} AND forecast_snapshot.created_by = session_user)"
    )
    op.execute(
        f"CREATE POLICY sd_rep_update ON forecast_snapshot FOR UPDATE TO sd_rep USING ({mine}) WITH CHECK ({mine})"
    )
    op.execute(f"CREATE POLICY sd_rep_delete ON forecast_snapshot FOR DELETE TO sd_rep USING ({mine})")
    owner = bind.execute(sa.text("SELECT relowner FROM pg_class WHERE oid = 'account'::regclass")).scalar()
    skip = f"WHEN (pg_has_role(session_user, {int(owner)}::oid, 'MEMBER') IS NOT TRUE)"  # type: ignore[arg-type]
    op.execute(
        f"CREATE TRIGGER sd_forecast_snapshot_owner_guard BEFORE UPDATE OR DELETE ON forecast_snapshot FOR EACH ROW"
        f" {skip} EXECUTE FUNCTION sd_owner_guard()"
    )
    op.execute(
        f"CREATE TRIGGER sd_forecast_snapshot_rules BEFORE INSERT OR UPDATE ON forecast_snapshot FOR EACH ROW"
        f" {skip} EXECUTE FUNCTION sd_row_rules()"
    )
    op.execute(_record_owner(schema, KNOWN, with_snapshots=True))
    op.execute(_history_rules(schema, (*KNOWN, "forecast_snapshot")))


def downgrade() -> None:
    if _postgresql():
        schema = str(op.get_bind().execute(sa.text("SELECT quote_ident(current_schema())")).scalar())
        op.execute(_history_rules(schema, KNOWN))
        op.execute(_record_owner(schema, KNOWN, with_snapshots=False))
    op.drop_index("ix_forecast_snapshot_deal_id", table_name="forecast_snapshot")
    op.drop_index("ix_forecast_snapshot_period", table_name="forecast_snapshot")
    op.drop_table("forecast_snapshot")
    with op.batch_alter_table("deal") as batch:
        batch.drop_column("forecast_category")
