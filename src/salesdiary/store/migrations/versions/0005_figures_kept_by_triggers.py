"""figures the database keeps itself: each account's visits, each deal's last visit, the markers of each stage

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:10:00

`sd check` asked, for each of tens of thousands of open deals and accounts, for a deal's last visit (a walk of
the account's visits), an account's number of visits (a count of them), and for every stage a deal has left the
markers checked in it (a range of deal_marker per stage): on the huge journal of bench/ (1,000,000 visits,
2,800,000 markers) those lookups were most of its time. The database now keeps these figures up to date itself,
in the same transaction as the change they follow (triggers):

- account_visits (account_id, visits): one row per account;
- deal_last_visit (deal_id, last_visit_on): one row per deal, the last visit to its account about it or about
  no deal;
- stage_history.markers: the markers checked for the deal in that stage, as ",a,b,c," (sorted; "," for none).
  The index (deal_id, playbook, left_on, stage) takes the column, so the unmet-marker test reads that index alone.

A new account or deal gets its figures computed from the records; a visit added counts one more and may be the
deals' new last visit; a visit removed counts one less and, when it was a deal's last visit, the deal's last
visit is found again (a walk back through the account's newest visits); a moved visit is both. Work per write
stays small however many visits an account has (an import of 200,000 visits into one account stays linear).
A stage's markers are recomputed from its few deal_marker rows on every change to them or to the history row
(a value a write gives the column is replaced). Which markers a stage requires is left to the query:
playbooks are files the user may edit.

On PostgreSQL the trigger functions run as the owner of the tables (SECURITY DEFINER, with this schema, then
pg_temp, as their search path): a rep's visit to a teammate's account updates the teammate's figures, which
row-level security would not let the rep write. The tables are readable by both group roles and written only by
the triggers. Writers side by side take a row lock first (the account's figures row; the deal's row for its
history and markers), so that each computes with the other's rows. SQLite has one writer at a time.

A later migration that rebuilds one of these tables on SQLite (alembic's batch mode copies a table) must create
its triggers again: the copy has none (and one on visit fails while the triggers name it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = "sd_rep, sd_manager"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _last_visit(account: str, deal: str) -> str:
    return (
        f"(SELECT MAX(v.date) FROM visit v WHERE v.account_id = {account}"
        f" AND (v.deal_id = {deal} OR v.deal_id IS NULL))"
    )


def _visits(account: str) -> str:
    return f"(SELECT COUNT(*) FROM visit v WHERE v.account_id = {account})"


def _sqlite_markers(deal: str, stage: str) -> str:
    return (
        "COALESCE((SELECT ',' || group_concat(x.marker, ',') || ',' FROM (SELECT m.marker FROM deal_marker m"
        f" WHERE m.deal_id = {deal} AND m.stage = {stage} ORDER BY m.marker) x), ',')"
    )


def _deals_of(row: str) -> tuple[str, str]:
    """Conditions on deal_last_visit for the deals whose last visit a visit ROW (NEW or OLD) counts for: its deal
    (if of its account), or, for a visit about no deal, every deal of its account. Two conditions, each its own
    statement, so that a visit about a deal does not read the account's other deals."""
    return (
        f"{row}.deal_id IS NOT NULL AND deal_id = {row}.deal_id"
        f" AND EXISTS (SELECT 1 FROM deal d WHERE d.id = {row}.deal_id AND d.account_id = {row}.account_id)",
        f"{row}.deal_id IS NULL AND deal_id IN (SELECT d.id FROM deal d WHERE d.account_id = {row}.account_id)",
    )


def _visit_added(row: str) -> str:
    """Statements for a visit ROW that now counts: one more visit, and a later last visit for its deals."""
    return f"UPDATE account_visits SET visits = visits + 1 WHERE account_id = {row}.account_id;" + "".join(
        f" UPDATE deal_last_visit SET last_visit_on = {row}.date WHERE {deals}"
        f" AND (last_visit_on IS NULL OR last_visit_on < {row}.date);"
        for deals in _deals_of(row)
    )


def _visit_gone(row: str) -> str:
    """Statements for a visit ROW that no longer counts: one visit less, and the last visit found again for the
    deals whose last visit it was (a walk back through the account's newest visits)."""
    walk = _last_visit_walk(f"{row}.account_id", "deal_last_visit.deal_id")
    return f"UPDATE account_visits SET visits = visits - 1 WHERE account_id = {row}.account_id;" + "".join(
        f" UPDATE deal_last_visit SET last_visit_on = {walk} WHERE {deals} AND last_visit_on = {row}.date;"
        for deals in _deals_of(row)
    )


def _last_visit_walk(account: str, deal: str) -> str:
    return (
        f"(SELECT v.date FROM visit v WHERE v.account_id = {account} AND (v.deal_id = {deal} OR v.deal_id IS NULL)"
        " ORDER BY v.date DESC LIMIT 1)"
    )


def _sqlite_marker_refresh(row: str) -> str:
    return (
        f"UPDATE stage_history SET markers = {_sqlite_markers(f'{row}.deal_id', f'{row}.stage')}"
        f" WHERE deal_id = {row}.deal_id AND stage = {row}.stage;"
    )


SQLITE_TRIGGERS = {
    "sd_account_added": "AFTER INSERT ON account BEGIN INSERT OR REPLACE INTO account_visits (account_id, visits)"
    f" VALUES (NEW.id, {_visits('NEW.id')}); END",
    "sd_deal_added": "AFTER INSERT ON deal BEGIN INSERT OR REPLACE INTO deal_last_visit (deal_id, last_visit_on)"
    f" VALUES (NEW.id, {_last_visit('NEW.account_id', 'NEW.id')}); END",
    "sd_deal_moved": "AFTER UPDATE OF account_id ON deal BEGIN UPDATE deal_last_visit SET last_visit_on ="
    f" {_last_visit('NEW.account_id', 'NEW.id')} WHERE deal_id = NEW.id; END",
    "sd_visit_added": f"AFTER INSERT ON visit BEGIN {_visit_added('NEW')} END",
    "sd_visit_removed": f"AFTER DELETE ON visit BEGIN {_visit_gone('OLD')} END",
    "sd_visit_changed": "AFTER UPDATE OF account_id, deal_id, date ON visit BEGIN"
    f" {_visit_gone('OLD')} {_visit_added('NEW')} END",
    "sd_marker_added": f"AFTER INSERT ON deal_marker BEGIN {_sqlite_marker_refresh('NEW')} END",
    "sd_marker_removed": f"AFTER DELETE ON deal_marker BEGIN {_sqlite_marker_refresh('OLD')} END",
    "sd_marker_changed": "AFTER UPDATE ON deal_marker BEGIN"
    f" {_sqlite_marker_refresh('OLD')} {_sqlite_marker_refresh('NEW')} END",
    "sd_history_added": "AFTER INSERT ON stage_history BEGIN UPDATE stage_history SET markers ="
    f" {_sqlite_markers('NEW.deal_id', 'NEW.stage')} WHERE id = NEW.id; END",
    # (WHEN: its own update, were recursive triggers on, finds the markers right and stops there)
    "sd_history_changed": "AFTER UPDATE OF deal_id, stage, markers ON stage_history"
    f" WHEN NEW.markers IS NOT {_sqlite_markers('NEW.deal_id', 'NEW.stage')} BEGIN UPDATE stage_history"
    f" SET markers = {_sqlite_markers('NEW.deal_id', 'NEW.stage')} WHERE id = NEW.id; END",
}


def _postgresql_functions(schema: str) -> list[str]:
    # the owner's rights, this schema's tables: pg_temp last, or a rep's temporary table of the same name would be
    # found first (and its triggers run with the owner's rights)
    definer = f"SECURITY DEFINER SET search_path = {schema}, pg_temp"
    # a deal's history and markers change one transaction at a time (two, side by side, would each compute the
    # markers without the other's row): the deal's row is locked (a row lock lives in the row, so a load of
    # thousands of deals in one transaction takes no room in the server's lock table, as advisory locks would;
    # NO KEY: rows that merely point at the deal are still written meanwhile)
    deal_lock = "PERFORM 1 FROM deal WHERE id = {row}.deal_id FOR NO KEY UPDATE;"
    markers = (
        "COALESCE((SELECT ',' || string_agg(m.marker, ',' ORDER BY m.marker) || ',' FROM deal_marker m"
        " WHERE m.deal_id = $1 AND m.stage = $2), ',')"
    )
    return [
        f"CREATE FUNCTION sd_markers(integer, varchar) RETURNS varchar LANGUAGE sql STABLE {definer}"
        f" AS $$ SELECT {markers} $$",
        f"CREATE FUNCTION sd_account_figures() RETURNS trigger LANGUAGE plpgsql {definer} AS $$ BEGIN"
        f" INSERT INTO account_visits (account_id, visits) VALUES (NEW.id, {_visits('NEW.id')})"
        " ON CONFLICT (account_id) DO UPDATE SET visits = EXCLUDED.visits; RETURN NULL; END $$",
        # the account's figures row locked first: a visit logged there meanwhile waits (it takes the same lock)
        f"CREATE FUNCTION sd_deal_figures() RETURNS trigger LANGUAGE plpgsql {definer} AS $$ BEGIN"
        " PERFORM 1 FROM account_visits WHERE account_id = NEW.account_id FOR UPDATE;"
        " INSERT INTO deal_last_visit (deal_id, last_visit_on)"
        f" VALUES (NEW.id, {_last_visit('NEW.account_id', 'NEW.id')})"
        " ON CONFLICT (deal_id) DO UPDATE SET last_visit_on = EXCLUDED.last_visit_on; RETURN NULL; END $$",
        f"CREATE FUNCTION sd_visit_figures() RETURNS trigger LANGUAGE plpgsql {definer} AS $$ BEGIN"
        f" IF TG_OP <> 'INSERT' THEN {_visit_gone('OLD')} END IF;"
        f" IF TG_OP <> 'DELETE' THEN {_visit_added('NEW')} END IF; RETURN NULL; END $$",
        f"CREATE FUNCTION sd_marker_figures() RETURNS trigger LANGUAGE plpgsql {definer} AS $$ BEGIN"
        f" IF TG_OP <> 'INSERT' THEN {deal_lock.format(row='OLD')}"
        " UPDATE stage_history SET markers = sd_markers(OLD.deal_id, OLD.stage)"
        " WHERE deal_id = OLD.deal_id AND stage = OLD.stage; END IF;"
        f" IF TG_OP <> 'DELETE' THEN {deal_lock.format(row='NEW')}"
        " UPDATE stage_history SET markers = sd_markers(NEW.deal_id, NEW.stage)"
        " WHERE deal_id = NEW.deal_id AND stage = NEW.stage; END IF; RETURN NULL; END $$",
        f"CREATE FUNCTION sd_history_figures() RETURNS trigger LANGUAGE plpgsql {definer} AS $$ BEGIN"
        f" {deal_lock.format(row='NEW')} NEW.markers := sd_markers(NEW.deal_id, NEW.stage); RETURN NEW; END $$",
    ]


POSTGRESQL_TRIGGERS = {
    "sd_account_figures": "AFTER INSERT ON account FOR EACH ROW EXECUTE FUNCTION sd_account_figures()",
    # (a deal removed: the foreign key sets its visits' deal to none, which the visit trigger follows)
    "sd_deal_figures": "AFTER INSERT OR UPDATE OF account_id ON deal FOR EACH ROW EXECUTE FUNCTION sd_deal_figures()",
    "sd_visit_figures": "AFTER INSERT OR DELETE OR UPDATE OF account_id, deal_id, date ON visit FOR EACH ROW"
    " EXECUTE FUNCTION sd_visit_figures()",
    "sd_marker_figures": "AFTER INSERT OR DELETE OR UPDATE ON deal_marker FOR EACH ROW"
    " EXECUTE FUNCTION sd_marker_figures()",
    "sd_history_figures": "BEFORE INSERT OR UPDATE ON stage_history FOR EACH ROW EXECUTE FUNCTION sd_history_figures()",
}
POSTGRESQL_FUNCTIONS = (
    "sd_history_figures()",
    "sd_marker_figures()",
    "sd_visit_figures()",
    "sd_deal_figures()",
    "sd_account_figures()",
    "sd_markers(integer, varchar)",
)


def upgrade() -> None:
    op.create_table(
        "account_visits",
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("visits", sa.Integer(), nullable=False),
    )
    op.create_table(
        "deal_last_visit",
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deal.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
    )
    op.add_column("stage_history", sa.Column("markers", sa.String(), nullable=False, server_default=","))
    op.execute(f"INSERT INTO account_visits (account_id, visits) SELECT a.id, {_visits('a.id')} FROM account a")
    op.execute(
        "INSERT INTO deal_last_visit (deal_id, last_visit_on)"
        f" SELECT d.id, {_last_visit('d.account_id', 'd.id')} FROM deal d"
    )
    if _postgresql():
        op.execute(
            "UPDATE stage_history sh SET markers = COALESCE((SELECT ',' || string_agg(m.marker, ',' ORDER BY m.marker)"
            " || ',' FROM deal_marker m WHERE m.deal_id = sh.deal_id AND m.stage = sh.stage), ',')"
        )
        schema = op.get_bind().execute(sa.text("SELECT quote_ident(current_schema())")).scalar()
        for function in _postgresql_functions(str(schema)):
            op.execute(function)
        for name, body in POSTGRESQL_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute(f"GRANT SELECT ON account_visits, deal_last_visit TO {GROUPS}")
    else:
        op.execute(
            f"UPDATE stage_history SET markers = {_sqlite_markers('stage_history.deal_id', 'stage_history.stage')}"
        )
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.drop_index("ix_stage_history_deal_left", table_name="stage_history")
    op.create_index(
        "ix_stage_history_deal_left", "stage_history", ["deal_id", "playbook", "left_on", "stage", "markers"]
    )


def downgrade() -> None:
    op.drop_index("ix_stage_history_deal_left", table_name="stage_history")
    op.create_index("ix_stage_history_deal_left", "stage_history", ["deal_id", "playbook", "left_on", "stage"])
    if _postgresql():
        for name, body in POSTGRESQL_TRIGGERS.items():
            table = body.split(" ON ", 1)[1].split()[0]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("stage_history") as batch:
        batch.drop_column("markers")
    op.drop_table("deal_last_visit")
    op.drop_table("account_visits")
