"""`sd check` as a rep meets it, on a copy of a bench journal: warm, right after a write, cold, and keeping nothing.

    .venv/bin/python bench/check_kept.py                 # the huge journal (bench/.data/huge.sqlite), 7 rounds
    .venv/bin/python bench/check_kept.py --size large --rounds 9

Each round times whole processes, interleaved, beside the floor's `table` (../shared/bench/floor.py):
- warm: a check after a check (every answer of the record rules kept: store/health_memo.py);
- after write: a check right after an `sd visit add` on an open deal (its deal's and account's rows recomputed);
- cold: a check after the kept rows were emptied (as the first check after an upgrade or a change of thresholds);
- nothing kept: SD_NO_HEALTH_MEMO=1 (every rule asked of every record, nothing stored).
The journal is copied first (the visits added stay in the copy). Prints a Markdown table: medians, ratios to the
floor, CPU (user + system) and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DATA_DIR  # noqa: E402
from run import FLOOR, SD, base_env  # noqa: E402  (the runner's floor, sd and environment)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and peak KiB of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # sd check exits 1 when it has findings
        raise SystemExit(f"{' '.join(argv)} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="huge", choices=("large", "huge"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args()
    journal = args.data_dir / f"{args.size}.sqlite"
    if not journal.exists():
        raise SystemExit(f"{journal} is missing: make it with bench/generate.py --size {args.size}")
    today = json.loads((args.data_dir / f"{args.size}.json").read_text(encoding="utf-8"))["today"]
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "journal.sqlite"
        con = sqlite3.connect(journal)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        shutil.copyfile(journal, copy)
        env = base_env(copy, today, "zh")  # as bench/run.py runs sd: the bench user's config, SD_DB the copy
        con = sqlite3.connect(copy)
        account, deal = con.execute(
            "SELECT a.name, d.id FROM deal d JOIN account a ON a.id = d.account_id WHERE d.status = 'open'"
            " ORDER BY d.id LIMIT 1"
        ).fetchone()
        con.close()
        results: dict[str, list[tuple[float, float, int]]] = {
            k: [] for k in ("floor table", "warm", "after write", "cold", "nothing kept")
        }
        timed([str(SD), "check"], env)  # the rows stored once before the first round
        for i in range(args.rounds):
            results["floor table"].append(timed([sys.executable, str(FLOOR), "table", str(copy)], env))
            results["warm"].append(timed([str(SD), "check"], env))
            visit = ["visit", "add", "--account", account, "--deal", str(deal), "--kind", "call", "--summary", f"#{i}"]
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            subprocess.run([str(SD), *visit, "--no-input"], env=env, check=True, **quiet)
            results["after write"].append(timed([str(SD), "check"], env))
            con = sqlite3.connect(copy)
            con.execute("DELETE FROM deal_health")
            con.execute("DELETE FROM account_health")
            con.commit()
            con.close()
            results["cold"].append(timed([str(SD), "check"], env))
            results["nothing kept"].append(timed([str(SD), "check"], {**env, "SD_NO_HEALTH_MEMO": "1"}))
    floor_wall = statistics.median(r[0] for r in results["floor table"])
    floor_cpu = statistics.median(r[1] for r in results["floor table"])
    print(f"`sd check`, {args.size} journal, {args.rounds} rounds interleaved\n")
    print("| case | median ms | × floor | cpu ms | cpu × floor | peak MB |\n|---|--:|--:|--:|--:|--:|")
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs) / 1024
        ratios = f"{wall / floor_wall:.2f} | {cpu * 1000:.0f} | {cpu / floor_cpu:.2f}"
        print(f"| {name} | {wall * 1000:.0f} | {ratios} | {peak:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
