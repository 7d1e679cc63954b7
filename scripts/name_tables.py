"""Write src/salesdiary/core/data/name_tables.json: the character tables of the account-key fold.

    .venv/bin/python -m pip install opencc        # only this script needs it
    .venv/bin/python scripts/name_tables.py       # rewrite the tables
    .venv/bin/python scripts/name_tables.py check # exit 1 when the file is not what this script writes

core.naming.account_key (Python) and sd_account_key() (PostgreSQL, migration 0009) fold a name with the same
tables, so that both compute the same key for every name, whichever Python or PostgreSQL runs them:

- casefold: each character whose full case folding (str.casefold) is another text; one-character results in
  "from"/"to", longer ones (ß → ss) as pairs in "long". PostgreSQL's lower() depends on the server's locale.
- spaces: the characters str.split() splits on (the fold joins runs of them into one space).
- word: the ranges of characters that are letters or digits (str.isalnum, Python's \\w without "_"); every other
  character separates two words. PostgreSQL's \\w depends on the locale.
- t2s: traditional Chinese characters (mainland, Taiwan and Hong Kong forms) and their simplified character, from
  OpenCC's hk2s then tw2s conversion of each character alone: no phrase rules, so the key of a name is the keys
  of its characters and a single translate() computes it in SQL.

Each table is computed with this Python's Unicode data (unidata_version, written in the file). Changing the file
changes keys: ship it with a migration that re-creates sd_account_key and recomputes account.name_key.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "salesdiary" / "core" / "data" / "name_tables.json"
LAST = 0x3134F  # the last CJK ideograph (extension G) of Unicode 14


def characters():  # noqa: ANN201
    return (chr(cp) for cp in range(1, LAST + 1) if not 0xD800 <= cp < 0xE000)


def ranges(chars: list[str]) -> list[list[int]]:
    out: list[list[int]] = []
    for c in chars:
        if out and out[-1][1] == ord(c) - 1:
            out[-1][1] = ord(c)
        else:
            out.append([ord(c), ord(c)])
    return out


def tables() -> dict:
    import opencc

    hk2s, tw2s = opencc.OpenCC("hk2s"), opencc.OpenCC("tw2s")
    single: dict[str, str] = {}
    long: list[list[str]] = []
    t2s: dict[str, str] = {}
    spaces, word = [], []
    for c in characters():
        folded = c.casefold()
        if folded != c:
            assert folded.casefold() == folded, c  # one pass folds for good
            if len(folded) == 1:
                single[c] = folded
            else:
                long.append([c, folded])
        if c.isspace():
            spaces.append(c)
        if c.isalnum():
            word.append(c)
        simple = tw2s.convert(hk2s.convert(c))
        if simple != c and len(simple) == 1:
            t2s[c] = simple
    assert not any(s in t2s for s in t2s.values())  # one pass converts for good
    return {
        "about": "Written by scripts/name_tables.py (do not edit): the character tables of core.naming.account_key",
        "unidata_version": unicodedata.unidata_version,
        "casefold": {"from": "".join(single), "to": "".join(single.values()), "long": long},
        "spaces": "".join(spaces),
        "word": ranges(word),
        "t2s": {"from": "".join(t2s), "to": "".join(t2s.values())},
    }


def main(argv: list[str]) -> int:
    text = json.dumps(tables(), ensure_ascii=False, separators=(",", ":")) + "\n"
    if argv[1:] == ["check"]:
        same = OUT.read_text(encoding="utf-8") == text
        print("name_tables.json is up to date" if same else "name_tables.json differs: run scripts/name_tables.py")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
