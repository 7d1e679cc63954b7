"""account keys recomputed with the fold that makes one organisation one key, whatever the spelling

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 15:40:00

The first reporter owns an account: the unique index on account.name_key refuses a second account whose name
normalises to the same key (core.naming.account_key). The key now also folds traditional Chinese to simplified,
look-alike Cyrillic and Greek letters to Latin ones, and more legal forms (GmbH & Co. KG, S.A., K.K./株式会社 …):
before, 華東電網有限公司 beside 华东电网, or "Contoso" with a Cyrillic С, made a second account. Every stored key
is recomputed here, so the index enforces the new fold on existing journals too.

Two existing accounts may now have the same key (one organisation, reported twice under two spellings). Both
are kept, with every record: the first reported (then the lower id) keeps the key, each later one gets the key
followed by "#" and its id (e.g. "华东电网#7"), a value no name folds to (a key has either no punctuation or
nothing else), so no one can take it and the index holds. `sd doctor` lists such pairs: rename the later one, or
move its records to the first and remove it.

Keys are written in two steps (a placeholder first) so that no row takes a key another row still has for a
moment: PostgreSQL checks the unique index on every row. Downgrading keeps the new keys (they still identify
each account; the old code reads them as they are).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def folded_keys(rows: Sequence[tuple[int, str, str]]) -> dict[int, str]:
    """Each account's new key, for ROWS (id, name, old key) in reporting order: later duplicates suffixed."""
    from salesdiary.core.naming import account_key

    taken: set[str] = set()
    keys: dict[int, str] = {}
    for account_id, name, _old in rows:
        key = account_key(name)
        if key in taken:
            key = f"{key}#{account_id}"
        taken.add(key)
        keys[account_id] = key
    return keys


def upgrade() -> None:
    bind = op.get_bind()
    rows = [
        (int(r[0]), str(r[1]), str(r[2]))
        for r in bind.execute(sa.text("SELECT id, name, name_key FROM account ORDER BY reported_at, id"))
    ]
    keys = folded_keys(rows)
    changed = [(account_id, keys[account_id]) for account_id, _name, old in rows if keys[account_id] != old]
    update = sa.text("UPDATE account SET name_key = :key WHERE id = :id")
    if changed:
        bind.execute(update, [{"id": i, "key": f"#{i}#migrating"} for i, _key in changed])
        bind.execute(update, [{"id": i, "key": key} for i, key in changed])


def downgrade() -> None:
    pass
