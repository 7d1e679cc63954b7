"""One record's health findings against `sd check --all`'s, on the bench's large journal.

    .venv/bin/python bench/findings_for.py                 # every deal and every account of bench/.data/large.sqlite
    .venv/bin/python bench/findings_for.py --sample 2000   # 2,000 deals and 2,000 accounts, spread over the ids
    .venv/bin/python bench/findings_for.py --journal PATH  # another journal (a copy is checked, never PATH itself)

The coach (`sd next`) shows each deal's findings through `Journal.findings_for(deal=…)`, which asks the rules'
queries of that one record. This runs `Journal.check(per_rule=None)` once (what `sd check --all --json` prints),
then `findings_for` for each record, and exits 1 at the first record whose findings differ (naming it). It prints
how long the full check and the per-record checks took (median and 95th percentile per record), so the cost of
one record's check can be compared with the full run's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", type=Path, default=ROOT / "bench" / ".data" / "large.sqlite")
    parser.add_argument("--sample", type=int, default=0, help="check this many deals and accounts (0: all)")
    parser.add_argument("--today", help="SD_TODAY (default: the journal's, from its .json, as bench/run.py sets it)")
    args = parser.parse_args(argv)
    if not args.journal.exists():
        print(f"{args.journal}: no such journal (python bench/generate.py makes it)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / args.journal.name
        shutil.copy(args.journal, copy)  # opening a journal may write to it (its WAL): never the shared one
        config = args.journal.parent / "config.toml"
        if config.exists():
            shutil.copy(config, Path(folder) / "config.toml")
        info = args.journal.with_suffix(".json")
        today = args.today or (json.loads(info.read_text(encoding="utf-8"))["today"] if info.exists() else "")
        os.environ.update({"SD_DB": str(copy), "SD_CONFIG": str(Path(folder) / "config.toml"), "SD_LANG": "en"})
        if today:
            os.environ["SD_TODAY"] = today
        return compare(copy, args.sample)


def compare(journal: Path, sample: int) -> int:
    from salesdiary.journal import Journal

    with Journal.open(journal) as j:
        started = time.perf_counter()
        everything = j.check(per_rule=None).as_json()
        full = time.perf_counter() - started
        by_record: dict[tuple[str, int], list[dict]] = {}
        for finding in everything:
            by_record.setdefault((finding["entity"], finding["id"]), []).append(finding)
        checked = 0
        took: list[float] = []
        for entity, table in (("deal", "deal"), ("account", "account")):
            ids = [row["id"] for row in j.reader.rows(f"SELECT id FROM {table} ORDER BY id")]
            if sample and sample < len(ids):
                step = len(ids) / sample
                ids = [ids[int(i * step)] for i in range(sample)]
            for record in ids:
                started = time.perf_counter()
                found = j.findings_for(**{entity: record}).as_json()
                took.append(time.perf_counter() - started)
                if found != by_record.get((entity, record), []):
                    print(f"{entity} {record}: findings_for differs from sd check --all", file=sys.stderr)
                    print(f"  findings_for: {found}\n  check --all:  {by_record.get((entity, record), [])}")
                    return 1
                checked += 1
    took.sort()
    print(
        f"{checked} records checked, each with exactly the findings of sd check --all ({len(everything)} in all)\n"
        f"full check: {full * 1000:.0f} ms; one record: median {statistics.median(took) * 1000:.2f} ms, "
        f"95th percentile {took[int(len(took) * 0.95)] * 1000:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
