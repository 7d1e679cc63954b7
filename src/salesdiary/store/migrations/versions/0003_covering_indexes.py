"""indexes that answer the funnel's and the health rules' lookups on their own

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:30:00

- visit (account_id, date, deal_id): the funnel and `sd check` ask, for every open deal, for the last visit
  to its account that was about the deal or about no deal. (account_id, date) found the account's visits
  newest first, but each one's deal had to be read from the table; with deal_id in the index the lookup
  reads the index alone (on 200,000 visits, the stale test of 8,000 open deals: ≈ 35 → 17 ms).
- contact (account_id, role, relationship, coach, stance): the health rules ask of each deal's or account's
  people whether one is the decision maker, a coach, a key person at "trusting" or better, an opponent; the
  contact rows are wide (notes, personal details), these five columns are what the rules read.
- stage_history (playbook, deal_id, stage, entered_on): the funnel's conversion reads a playbook's history deal
  by deal (earliest and furthest stage of each deal, in a `--since` window): from this index alone, in order.

The visit and contact indexes start with account_id and replace the indexes that were their prefixes
((account_id, date) and (account_id) on visit, (account_id) on contact): a visit written updates one index fewer
than before.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTACT_PEOPLE = ["account_id", "role", "relationship", "coach", "stance"]
HISTORY_BY_DEAL = ["playbook", "deal_id", "stage", "entered_on"]


def upgrade() -> None:
    op.create_index("ix_visit_account_date_deal", "visit", ["account_id", "date", "deal_id"], unique=False)
    op.drop_index("ix_visit_account_date", table_name="visit")
    op.drop_index("ix_visit_account_id", table_name="visit")
    op.create_index("ix_contact_account_people", "contact", CONTACT_PEOPLE, unique=False)
    op.drop_index("ix_contact_account_id", table_name="contact")
    op.create_index("ix_stage_history_playbook_deal", "stage_history", HISTORY_BY_DEAL, unique=False)


def downgrade() -> None:
    op.drop_index("ix_stage_history_playbook_deal", table_name="stage_history")
    op.create_index("ix_contact_account_id", "contact", ["account_id"], unique=False)
    op.drop_index("ix_contact_account_people", table_name="contact")
    op.create_index("ix_visit_account_id", "visit", ["account_id"], unique=False)
    op.create_index("ix_visit_account_date", "visit", ["account_id", "date"], unique=False)
    op.drop_index("ix_visit_account_date_deal", table_name="visit")
