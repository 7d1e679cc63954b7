"""the team database computes each account's name key itself, whatever the client sends

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 16:00:00

First reporter owns an account: the unique index on account.name_key refuses a second account whose name folds
to the same key. Until now sd computed the key and sent it: a rep typing SQL by hand (psql) could insert
華東電網有限公司 with the key 'x', and the index let a second account of the same company in. On PostgreSQL the
database now computes the key:

- sd_account_key(name) is the fold of core.naming.account_key in PL/pgSQL, built here from the same data
  (core/data/name_rules.json and name_tables.json: case folding, spaces, letters and digits, look-alike letters,
  traditional → simplified characters, legal forms), so sd and the database agree on every name. The two big
  character maps (case folding, 1,500 characters; traditional → simplified, 5,100) are jsonb literals in its
  body, each character one look-up (translate() over them cost 2 ms a name): the function is a constant of the
  schema, IMMUTABLE, and only its owner may replace it. Only NFKC comes from each side's own Unicode data
  (PostgreSQL's normalize() and Python's unicodedata: Unicode 14 on PostgreSQL 15 and
  Python 3.11; a newer server may differ on characters assigned since). Its search path is pinned to
  pg_catalog, pg_temp: a rep's own function or operator named like one it uses is never found.
- a BEFORE INSERT OR UPDATE trigger on account sets name_key: sd_account_key(name) when a row is inserted or its
  name changes, the key it had when an update leaves the name alone, whatever the client wrote. Only the owner
  of the table may drop or disable the trigger; a rep cannot.

Every key is recomputed (here by the database's function), as 0008 did: the Python fold now converts Chinese one
character at a time (OpenCC's character tables, shipped as data) instead of OpenCC's phrases, which may change a
few keys. A collision keeps both accounts: the first reported keeps the key, a later one gets "key#id", which
`sd doctor` reports. On SQLite (a personal journal, no teammates) sd computes the key as before; the keys are
recomputed with it. Downgrading drops the trigger and the functions and keeps the keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _literal(text: str) -> str:
    """TEXT as an SQL string literal (standard strings: a quote doubled; backslashes are plain characters)."""
    assert "\x00" not in text
    return "'" + text.replace("'", "''") + "'"


def _array(texts: Sequence[str]) -> str:
    return "ARRAY[" + ", ".join(_literal(t) for t in texts) + "]::text[]"


def _bracket(chars: str) -> str:
    """A regular-expression bracket of the characters CHARS (PostgreSQL's advanced regular expressions: inside a
    bracket, only ], \\, ^ and - mean something; each is written as an escape)."""
    return "".join(f"\\u{ord(c):04x}" if c in "]\\^-[" else c for c in chars)


def _by_map(mapping: dict[str, str]) -> str:
    """FOLDED with each character as MAPPING has it (the character itself when absent). MAPPING is a jsonb
    literal, parsed once per session (PL/pgSQL keeps the statement's plan), and each character one look-up in it:
    translate() would scan its 5,000 characters for each character of the name (2 ms a name)."""
    literal = _literal(json.dumps(mapping, ensure_ascii=False, separators=(",", ":")))
    return (
        f"(SELECT coalesce(string_agg(coalesce({literal}::jsonb ->> c.ch, c.ch), '' ORDER BY c.i), '')"
        " FROM unnest(string_to_array(folded, NULL)) WITH ORDINALITY AS c (ch, i))"
    )


def key_function_sql(schema: str) -> str:
    """CREATE FUNCTION sd_account_key, built from the fold's data (core.naming.the_fold())."""
    from salesdiary.core.naming import the_fold

    f = the_fold()
    rules, tables = f.rules, f.tables
    pairs = " ".join(rules["lookalikes"]["pairs"]).split()
    spaces = _bracket(tables["spaces"])
    word = "".join(f"{_bracket(chr(lo))}-{_bracket(chr(hi))}" for lo, hi in tables["word"])
    casefold = dict(zip(tables["casefold"]["from"], tables["casefold"]["to"], strict=True))
    casefold.update(dict(tables["casefold"]["long"]))
    t2s = dict(zip(tables["t2s"]["from"], tables["t2s"]["to"], strict=True))
    return f"""
CREATE OR REPLACE FUNCTION {schema}.sd_account_key(name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $sd_key$
DECLARE
    folded text;
    key text;
    words text[];
    kept text[] := '{{}}';
    n integer;
    i integer;
    k integer;
    f text;
    form text;
    last text;
    changed boolean;
    stripped boolean;
    legal text[] := {_array(sorted(f.legal_forms))};
    joiners text[] := {_array(sorted(f.joiners))};
    cjk text[] := {_array(f.cjk_forms)};
    cjk_leading text[] := {_array(f.cjk_leading)};
BEGIN
    -- name_fold: NFKC, case folded, runs of spaces as one, look-alike letters, simplified characters
    folded := normalize(translate(name, {_literal(rules["before_nfkc"]["from"])},
                                        {_literal(rules["before_nfkc"]["to"])}), NFKC);
    folded := {_by_map(casefold)};
    folded := regexp_replace(folded, '[{spaces}]+', ' ', 'g');
    folded := btrim(folded, ' ');
    folded := translate(folded, {_literal("".join(p[0] for p in pairs))}, {_literal("".join(p[1] for p in pairs))});
    folded := {_by_map(t2s)};
    -- words: runs of letters and digits; a joiner between two words is dropped
    words := array_remove(regexp_split_to_array(folded, '[^{word}]+'), '');
    n := coalesce(array_length(words, 1), 0);
    FOR i IN 1 .. n LOOP
        IF NOT (i > 1 AND i < n AND words[i] = ANY (joiners)) THEN
            kept := kept || words[i];
        END IF;
    END LOOP;
    words := kept;
    -- legal forms at the end, the shortest first, until none is left (never the first word)
    changed := true;
    WHILE changed AND coalesce(array_length(words, 1), 0) > 1 LOOP
        changed := false;
        stripped := false;
        n := array_length(words, 1);
        FOR k IN 1 .. least(n - 1, 4) LOOP
            IF array_to_string(words[n - k + 1 : n], '') = ANY (legal) THEN
                words := words[1 : n - k];
                changed := true;
                stripped := true;
                EXIT;
            END IF;
        END LOOP;
        IF NOT stripped THEN
            last := words[n];
            form := NULL;
            FOREACH f IN ARRAY cjk LOOP
                IF right(last, length(f)) = f THEN
                    form := f;
                    EXIT;
                END IF;
            END LOOP;
            IF form IS NOT NULL AND length(last) > length(form) THEN
                words[n] := left(last, length(last) - length(form));
                changed := true;
            ELSIF form IS NOT NULL THEN
                words := words[1 : n - 1];
                changed := true;
            END IF;
        END IF;
    END LOOP;
    key := array_to_string(words, '');
    changed := true;
    WHILE changed LOOP
        changed := false;
        FOREACH f IN ARRAY cjk LOOP
            IF length(key) > length(f) AND right(key, length(f)) = f THEN
                key := left(key, length(key) - length(f));
                changed := true;
            END IF;
        END LOOP;
        FOREACH f IN ARRAY cjk_leading LOOP
            IF length(key) > length(f) AND left(key, length(f)) = f THEN
                key := substr(key, length(f) + 1);
                changed := true;
            END IF;
        END LOOP;
    END LOOP;
    IF key = '' THEN
        RETURN folded;
    END IF;
    RETURN key;
END
$sd_key$"""


def trigger_function_sql(schema: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {schema}.sd_account_key_kept() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $sd_kept$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.name IS NOT DISTINCT FROM OLD.name THEN
        NEW.name_key := OLD.name_key;
    ELSE
        NEW.name_key := {schema}.sd_account_key(NEW.name);
    END IF;
    RETURN NEW;
END
$sd_kept$"""


def folded_keys(rows: Sequence[tuple[int, str]]) -> dict[int, str]:
    """Each account's new key, for ROWS (id, computed key) in reporting order: later duplicates suffixed."""
    taken: set[str] = set()
    keys: dict[int, str] = {}
    for account_id, key in rows:
        if key in taken:
            key = f"{key}#{account_id}"
        taken.add(key)
        keys[account_id] = key
    return keys


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        schema = str(bind.execute(sa.text("SELECT quote_ident(current_schema())")).scalar())
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS sd_account_key ON {schema}.account")
        bind.exec_driver_sql(key_function_sql(schema))
        computed = f"{schema}.sd_account_key(name)"
    else:
        computed = "name"
    rows = [
        (int(r[0]), str(r[1]), str(r[2]))
        for r in bind.execute(sa.text(f"SELECT id, {computed}, name_key FROM account ORDER BY reported_at, id"))
    ]
    if not postgresql:
        from salesdiary.core.naming import account_key

        rows = [(i, account_key(name), old) for i, name, old in rows]
    keys = folded_keys([(i, key) for i, key, _old in rows])
    changed = [(i, keys[i]) for i, _key, old in rows if keys[i] != old]
    update = sa.text("UPDATE account SET name_key = :key WHERE id = :id")
    if changed:  # a placeholder first: no row takes a key another row still has for a moment
        bind.execute(update, [{"id": i, "key": f"#{i}#migrating"} for i, _key in changed])
        bind.execute(update, [{"id": i, "key": key} for i, key in changed])
    if postgresql:
        bind.exec_driver_sql(trigger_function_sql(schema))
        bind.exec_driver_sql(
            f"CREATE TRIGGER sd_account_key BEFORE INSERT OR UPDATE ON {schema}.account"
            f" FOR EACH ROW EXECUTE FUNCTION {schema}.sd_account_key_kept()"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        schema = str(bind.execute(sa.text("SELECT quote_ident(current_schema())")).scalar())
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS sd_account_key ON {schema}.account")
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {schema}.sd_account_key_kept()")
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {schema}.sd_account_key(text)")
