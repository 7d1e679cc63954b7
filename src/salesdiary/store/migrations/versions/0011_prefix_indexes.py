"""name-prefix indexes for `sd log` under any collation (PostgreSQL only)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 19:20:00

`sd log` finds the records a note names by prefix (store/reads/capture_reads.py): accounts whose account.name_key
starts with a few characters of the note, contacts whose name starts with a first name and a space. On
PostgreSQL that is `LIKE 'text%'`, which a plain btree index answers only when the column's collation is C.
contact.name is COLLATE "C" (names sort by code point, as on SQLite), so ix_contact_name answers it; but
account.name_key has the database's collation, and on a team database made with a language collation
(en_US.UTF-8, zh_CN.UTF-8, C.UTF-8) every lookup read the whole account table. An index with the
`text_pattern_ops` operator class (character by character, whatever the collation) answers the prefix there:
ix_account_name_key_prefix. (The unique index on name_key stays: it keeps one account per key.)

On SQLite nothing changes but the revision: the lookups are ranges (`>= p AND < p || U+10FFFF`) on binary
order, which the existing indexes answer.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# index name → (table, column probed by prefix under the database's collation)
INDEXES = {"ix_account_name_key_prefix": ("account", "name_key")}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _postgresql():
        return
    for name, (table, column) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} text_pattern_ops)")


def downgrade() -> None:
    if not _postgresql():
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
