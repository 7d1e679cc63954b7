"""what `sd check` found, kept between runs: deal_health, account_health, health_key (used on SQLite)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 01:00:00

`sd check` asks 24 rules of every open deal and every account not yet a customer; on the huge journal of bench/
(100,000 deals, 1,000,000 visits) that is about a second of queries, each time, although between two checks a
rep changes a handful of records. The rules that depend on the records alone (not on the day: the people, the
markers, the 20 questions, the technical exchanges …) now keep their answer per record, as bits:

- deal_health (deal_id, bits): one row per open deal whose answers are known;
- account_health (account_id, bits): one row per account not yet a customer whose answers are known;
- health_key (kind, fingerprint): the fingerprint of the rules' SQL the rows were computed with (thresholds,
  playbooks, sd's own rules), so that a change of any of them starts afresh (store/health_memo.py).

`sd check` computes and stores the rows that are missing; the triggers below delete a record's row in the
transaction that changes anything its rules read — its deal row, its people in the deal, markers, stages,
answers, visits; any person of its account (whose people every deal rule of the account reads); the account's
row and visits for the account's own row — whoever writes, sd or raw SQL. So a row is always what the rules
would answer now, and the rows are always a subset of the open deals (a deal's update deletes its row; only open
deals are stored), which lets `sd check` see with two counts that none is missing.

On PostgreSQL the tables are created (the schema is one for both) and stay empty: a team database computes
every check afresh, and no group role is granted them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → the statements that forget what its row ROW (NEW or OLD) may change: a deal's answers, an account's
_DEAL = "DELETE FROM deal_health WHERE deal_id = {row}.{column};"
_ACCOUNT = "DELETE FROM account_health WHERE account_id = {row}.{column};"
_ACCOUNT_DEALS = (
    "DELETE FROM deal_health WHERE deal_id IN (SELECT d.id FROM deal d WHERE d.account_id = {row}.{column});"
)
FORGETS = {
    "deal": [(_DEAL, "id")],
    "deal_contact": [(_DEAL, "deal_id")],
    "deal_marker": [(_DEAL, "deal_id")],
    "stage_history": [(_DEAL, "deal_id")],
    "deal_evaluation": [(_DEAL, "deal_id")],
    "visit": [(_DEAL, "deal_id"), (_ACCOUNT, "account_id")],
    "contact": [(_ACCOUNT_DEALS, "account_id"), (_ACCOUNT, "account_id")],
    "account": [(_ACCOUNT, "id")],
}
EVENTS = {"added": ("INSERT", ("NEW",)), "removed": ("DELETE", ("OLD",)), "changed": ("UPDATE", ("OLD", "NEW"))}


def sqlite_triggers() -> dict[str, str]:
    """Trigger name → its body (after CREATE TRIGGER name)."""
    triggers = {}
    for table, forgets in FORGETS.items():
        for event, (verb, rows) in EVENTS.items():
            body = " ".join(statement.format(row=row, column=column) for row in rows for statement, column in forgets)
            triggers[f"sd_health_{table}_{event}"] = f"AFTER {verb} ON {table} BEGIN {body} END"
    return triggers


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    # idempotent, like 0008–0011: a database whose revision was set back runs it again
    op.create_table(
        "deal_health",
        sa.Column("deal_id", sa.Integer(), primary_key=True),
        sa.Column("bits", sa.Integer(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "account_health",
        sa.Column("account_id", sa.Integer(), primary_key=True),
        sa.Column("bits", sa.Integer(), nullable=False),
        if_not_exists=True,
    )
    op.create_table(
        "health_key",
        sa.Column("kind", sa.String(), primary_key=True),
        sa.Column("fingerprint", sa.String(), nullable=False),
        if_not_exists=True,
    )
    if _postgresql():
        return
    for name, body in sqlite_triggers().items():
        op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def downgrade() -> None:
    if not _postgresql():
        for name in sqlite_triggers():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("health_key", if_exists=True)
    op.drop_table("account_health", if_exists=True)
    op.drop_table("deal_health", if_exists=True)
