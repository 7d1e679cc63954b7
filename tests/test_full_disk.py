"""A write that runs out of space: one line says so, nothing is half-written, the journal stays intact.

The lack of space is simulated with a file-size limit in the child process (RLIMIT_FSIZE, with SIGXFSZ
ignored so that the write fails with an error instead of killing the process): SQLite's writes to the
write-ahead log beyond the limit fail just as they would on a full disk.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import SD_BIN

pytestmark = pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")

LIMIT = 64 * 1024  # bytes any one file of the child may reach


def limited(limit: int):  # noqa: ANN201
    def set_limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return set_limit


def run_limited(*args: str, limit: int = LIMIT) -> subprocess.CompletedProcess:
    return subprocess.run([str(SD_BIN), *args], capture_output=True, text=True, preexec_fn=limited(limit), timeout=120)


def settle(journal: Path) -> None:
    """Fold the write-ahead log into the journal, so the limited child starts with an empty log."""
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(journal)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def state(journal: Path) -> tuple[str, int, int]:
    con = sqlite3.connect(journal)
    try:
        return (
            con.execute("PRAGMA integrity_check").fetchone()[0],
            con.execute("SELECT count(*) FROM visit").fetchone()[0],
            con.execute("SELECT count(*) FROM history").fetchone()[0],
        )
    finally:
        con.close()


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def test_a_write_that_runs_out_of_space_changes_nothing(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    settle(journal)
    before = state(journal)
    assert journal.stat().st_size > LIMIT  # the journal itself is larger than the limit: only new writes fail
    summary = "讨论割接方案，客户担心停机窗口。" * 1100  # ≈ 50 KB of UTF-8, twice over with its history
    result = run_limited("visit", "add", "--account", "1", "--summary", summary)
    assert result.returncode == 1, result.stderr
    line = one_line(result)
    print(f"\nfull disk: exit {result.returncode}, stderr: {line}")
    assert "nothing was written" in line and "intact" in line
    assert state(journal) == before
    # with space again, the same write works
    assert sd("visit", "add", "--account", "1", "--summary", summary).exit_code == 0
    assert state(journal)[:2] == ("ok", before[1] + 1)


def test_a_large_import_that_runs_out_of_space_changes_nothing(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    source = isolated / "accounts.csv"
    source.write_text("name,region\n" + "".join(f"客户 {i:05d} 有限公司,上海\n" for i in range(3000)), encoding="utf-8")
    settle(journal)
    before = state(journal)
    # room for the copy taken before the import, not for the import's own writes
    limit = max(journal.stat().st_size, source.stat().st_size) + 64 * 1024
    result = run_limited("import", "accounts", str(source), limit=limit)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing was written" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    assert state(journal) == before


def test_a_backup_that_runs_out_of_space_leaves_no_partial_file(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    settle(journal)
    before = state(journal)
    result = run_limited("backup")
    assert result.returncode == 1
    line = one_line(result)
    assert "backup" in line.lower()
    folder = isolated / "backups"
    assert not folder.exists() or not [p for p in folder.iterdir()], list(folder.iterdir())
    assert state(journal) == before


def test_a_new_journal_that_cannot_be_created_says_so(isolated):
    journal = isolated / "new" / "journal.sqlite"
    result = run_limited("--db", str(journal), "account", "add", "Contoso", limit=8 * 1024)
    assert result.returncode == 1, result.stderr
    one_line(result)
    assert "internal error" not in result.stderr
    env = {**os.environ, "SD_DB": str(journal)}
    again = subprocess.run([str(SD_BIN), "account", "add", "Contoso"], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr


def test_a_backup_without_room_says_the_disk_is_full(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    settle(journal)
    result = run_limited("backup")
    line = one_line(result)
    assert result.returncode == 1
    assert "disk is full" in line and "journal is intact" in line
    assert "damaged" not in line


def test_a_full_disk_is_not_called_damage_by_doctor_or_the_commands(sd, demo, isolated):
    """Issue 25: a full disk was diagnosed as corruption, with advice to restore (throwing work away)."""
    journal = isolated / "journal.sqlite"
    assert sd("backup").exit_code == 0
    settle(journal)
    for suffix in ("-wal", "-shm"):
        Path(str(journal) + suffix).unlink(missing_ok=True)  # opening it must make a -shm: no room for it
    result = run_limited("doctor", "--json", limit=8 * 1024)
    assert result.returncode == 1, result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["disk"]["status"] == "fail" and "disk is full" in checks["disk"]["detail"]
    assert "not damaged" in checks["disk"]["advice"]
    assert "integrity" not in checks or checks["integrity"]["status"] == "ok"
    assert not any("sd restore" in c["advice"] for c in checks.values())
    for args in (("due",), ("account", "list"), ("export", "visits")):
        line = one_line(run_limited(*args, limit=8 * 1024))
        assert "disk is full" in line and "not a journal" not in line, (args, line)
    assert state(journal)[0] == "ok"


def test_an_export_without_room_says_the_disk_is_full(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    settle(journal)
    out = isolated / "all.json"
    result = run_limited("export", "all", "-o", str(out), limit=40 * 1024)  # room for the -shm, not the export
    assert result.returncode == 1, result.stderr
    line = one_line(result)
    assert "disk is full" in line and str(out) in line
    assert not out.exists() and not list(isolated.glob("all.json*"))
