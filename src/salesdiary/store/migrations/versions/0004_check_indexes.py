"""indexes for `sd check`'s unmet-marker test and for the playbooks of the open deals

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:00:00

- stage_history (deal_id, playbook, left_on, stage) replaces (deal_id): `sd check` asks, for every open deal, for
  the stages of its playbook it has left; (deal_id) found the deal's history rows, but each row's playbook,
  left_on and stage had to be read from the table. With them in the index the lookup reads the index alone (on
  the huge journal of bench/, the unmet-marker pass ≈ 300 → 255 ms). Lookups by deal alone use its prefix.
- deal (status, playbook): `sd check` first asks which playbooks the open deals follow (to know which to load);
  a scan of the deal table (≈ 20 ms on 100,000 deals) becomes a walk of this index's open entries (≈ 3 ms).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORY_LEFT = ["deal_id", "playbook", "left_on", "stage"]


def upgrade() -> None:
    op.create_index("ix_stage_history_deal_left", "stage_history", HISTORY_LEFT, unique=False)
    op.drop_index("ix_stage_history_deal_id", table_name="stage_history")
    op.create_index("ix_deal_status_playbook", "deal", ["status", "playbook"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_deal_status_playbook", table_name="deal")
    op.create_index("ix_stage_history_deal_id", "stage_history", ["deal_id"], unique=False)
    op.drop_index("ix_stage_history_deal_left", table_name="stage_history")
