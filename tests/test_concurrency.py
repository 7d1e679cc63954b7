"""Many `sd` processes writing one SQLite journal at once: every write lands, none fails, no lock error shows.

CI runs small counts. The full run of issue 10 (20 processes × 50 `sd visit add` = 1,000 visits) is:

    SD_STRESS=full .venv/bin/python -m pytest tests/test_concurrency.py tests/test_crash.py -s

(SD_STRESS_PROCS and SD_STRESS_VISITS override the counts.) With -s the measured figures are printed.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import SD_BIN

FULL = os.environ.get("SD_STRESS") == "full"
PROCS = int(os.environ.get("SD_STRESS_PROCS", "20" if FULL else "4"))
VISITS = int(os.environ.get("SD_STRESS_VISITS", "50" if FULL else "3"))


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(SD_BIN), *args], capture_output=True, text=True, env=env, timeout=300)


def test_many_processes_add_visits_at_once(sd, isolated):
    journal = isolated / "journal.sqlite"
    assert sd("account", "add", "华东电网有限公司").exit_code == 0
    assert sd("deal", "add", "调度中心网络改造", "--account", "1").exit_code == 0
    env = {**os.environ}

    def worker(n: int) -> list[subprocess.CompletedProcess]:
        results = []
        for i in range(VISITS):
            args = ["visit", "add", "--deal", "1", "--summary", f"worker {n} visit {i}", "--follow-up", "+3d"]
            results.append(run(args, env))
        return results

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=PROCS) as pool:
        done = [r for batch in pool.map(worker, range(PROCS)) for r in batch]
    elapsed = time.monotonic() - start

    errors = [r for r in done if r.returncode != 0]
    locked = [r for r in done if "locked" in r.stderr.lower() or "busy" in r.stderr.lower()]
    con = sqlite3.connect(journal)
    visits = con.execute("SELECT count(*) FROM visit").fetchone()[0]
    followups = con.execute("SELECT count(*) FROM followup").fetchone()[0]
    summaries = con.execute("SELECT count(DISTINCT summary) FROM visit").fetchone()[0]
    check = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    print(
        f"\nconcurrency: {PROCS} processes x {VISITS} `sd visit add` = {len(done)} runs in {elapsed:.1f} s;"
        f" {visits} visits, {len(errors)} errors, {len(locked)} lock messages, integrity {check}"
    )
    assert not errors, errors[0].stderr
    assert not locked
    assert visits == followups == summaries == PROCS * VISITS
    assert check == "ok"


def test_processes_racing_to_create_a_new_journal(isolated):
    """The first commands on a journal that does not exist yet all create it together."""
    journal = isolated / "fresh" / "journal.sqlite"
    env = {**os.environ, "SD_DB": str(journal)}
    count = PROCS
    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(lambda i: run(["account", "add", f"Account {i}"], env), range(count)))
    errors = [r.stderr for r in results if r.returncode != 0]
    assert not errors, errors[0]
    con = sqlite3.connect(journal)
    assert con.execute("SELECT count(*) FROM account").fetchone()[0] == count
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    assert Path(journal).stat().st_mode & 0o077 == 0


def test_undo_and_writes_at_once(sd, isolated):
    """Undo runs in its own write transaction too: undos racing with writes leave a consistent journal."""
    assert sd("account", "add", "华东电网有限公司").exit_code == 0
    env = {**os.environ}
    for i in range(3):
        assert sd("visit", "add", "--account", "1", "--summary", f"before {i}").exit_code == 0

    jobs = [["undo"]] * 3 + [["visit", "add", "--account", "1", "--summary", f"during {i}"] for i in range(3)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda args: run(args, env), jobs))
    for r in results:
        assert r.returncode in (0, 1), r.stderr
        assert "locked" not in r.stderr.lower() and "Traceback" not in r.stderr
    con = sqlite3.connect(isolated / "journal.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
