"""Compile the built-in playbooks: src/salesdiary/playbooks/NAME.toml → compiled/NAME.json.

    .venv/bin/python scripts/playbooks.py          # compile every built-in playbook
    .venv/bin/python scripts/playbooks.py check    # exit 1 when a compiled file is missing or out of date

The TOML files are the source (people edit them; a user's own playbooks are TOML only). sd reads a
built-in playbook from its compiled JSON when that JSON holds exactly the TOML's text, which is faster than
parsing the TOML (pure Python) at every run; otherwise it parses the TOML, so an edited playbook is never
shadowed by an older compilation. Run this after editing a built-in playbook; a test fails when it was not.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from salesdiary.core.playbook import builtin_dir, compiled_path  # noqa: E402


def compiled_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return json.dumps({"source": text, "data": tomllib.loads(text)}, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for path in sorted(builtin_dir().glob("*.toml")):
        target = compiled_path(path)
        wanted = compiled_text(path)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == wanted:
            continue
        if argv[:1] == ["check"]:
            stale.append(target)
            continue
        target.parent.mkdir(exist_ok=True)
        target.write_text(wanted, encoding="utf-8")
        print(f"{target.relative_to(ROOT)}: compiled")
    for target in stale:
        print(f"{target.relative_to(ROOT)}: missing or out of date; run scripts/playbooks.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
