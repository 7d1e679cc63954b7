"""The journal's own files (issue 25): the journal file alone holds every committed change, a restore leaves no
stale -wal/-shm, a read-only journal leaves nothing that blocks a later write, and a restore through a symbolic
link restores the file it points at.

Permission tests run `sd` as a user whom file modes bind: as root (this sandbox, many CI runners) the child drops
the capabilities that let root ignore them (setpriv), so a 0400 file is read-only to it as to any user.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import SD_BIN


def count(path: Path, table: str = "visit") -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def alone(journal: Path, where: Path) -> Path:
    """A `cp` of the journal file by itself (what a user copies, or a sync tool picks up)."""
    where.mkdir(exist_ok=True)
    copy = where / journal.name
    shutil.copyfile(journal, copy)
    return copy


def close_engines() -> None:
    from salesdiary.store.engine import dispose_all

    dispose_all()


def as_a_user() -> list[str]:
    """The command prefix that runs a child bound by file modes."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot bind the child")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search"]


def run(*args: str, user: bool = False) -> subprocess.CompletedProcess:
    prefix = as_a_user() if user else []
    return subprocess.run([*prefix, str(SD_BIN), *args], capture_output=True, text=True, timeout=120)


def test_after_a_write_the_journal_file_alone_holds_it(sd, demo, isolated):
    """Issue 25: after every write the last change lived only in journal.sqlite-wal; a cp of the journal missed it."""
    journal = isolated / "journal.sqlite"
    result = run("visit", "add", "--account", "1", "--summary", "in the file itself")
    assert result.returncode == 0, result.stderr
    assert count(alone(journal, isolated / "copy")) == 42
    wal = Path(f"{journal}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    # in one process too (the write's connection stays in its pool)
    assert sd("visit", "add", "--account", "1", "--summary", "and again").exit_code == 0
    assert count(alone(journal, isolated / "copy2")) == 43


def test_a_cp_restore_beside_the_log_of_later_writes_restores_the_copy(sd, demo, isolated):
    """Issue 25: a `cp` restore beside a stale -wal came back mixed with the log's frames (or corrupt)."""
    journal = isolated / "journal.sqlite"
    close_engines()
    saved = alone(journal, isolated / "saved")  # the user's own copy of the file
    for n in range(3):
        result = run("visit", "add", "--account", "1", "--summary", f"after the copy {n}")
        assert result.returncode == 0, result.stderr
    shutil.copyfile(saved, journal)  # restored by hand; the -wal and -shm of the writes are still beside it
    assert integrity(journal) == "ok"
    assert count(journal) == 41
    assert run("doctor").returncode == 0


def test_a_restore_leaves_no_stale_log_beside_the_journal(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    saved = isolated / "saved.sqlite"
    assert sd("backup", str(saved)).exit_code == 0
    assert sd("visit", "add", "--account", "1", "--summary", "after the backup").exit_code == 0
    other = sqlite3.connect(journal)  # another sd has the journal open: closing ours is not the last close
    try:
        assert other.execute("SELECT count(*) FROM visit").fetchone()[0] == 42
        result = sd("restore", str(saved))
        assert result.exit_code == 0, result.output
        assert count(alone(journal, isolated / "copy")) == 41
        wal = Path(f"{journal}-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        assert other.execute("SELECT count(*) FROM visit").fetchone()[0] == 41
    finally:
        other.close()


def test_a_read_of_a_read_only_journal_leaves_nothing_that_blocks_a_later_write(sd, demo, isolated):
    """Issue 25: a journal once read while read-only left a 0400 -shm that blocked every later write."""
    journal = isolated / "journal.sqlite"
    close_engines()
    for suffix in ("-wal", "-shm"):
        Path(f"{journal}{suffix}").unlink(missing_ok=True)
    os.chmod(journal, 0o400)
    read = run("account", "list", user=True)
    assert read.returncode == 0, read.stderr
    for suffix in ("-wal", "-shm"):
        side = Path(f"{journal}{suffix}")
        if side.exists():
            assert side.stat().st_mode & stat.S_IWUSR, (side, stat.filemode(side.stat().st_mode))
    os.chmod(journal, 0o600)
    write = run("visit", "add", "--account", "1", "--summary", "writable again", user=True)
    assert write.returncode == 0, write.stderr
    assert count(journal) == 42
    assert run("doctor", user=True).returncode == 0


def test_restore_through_a_symlink_restores_the_file_it_points_at(sd, demo, isolated):
    """Issue 25: sd restore replaced a symlinked journal instead of its target."""
    real_dir = isolated / "synced"
    real_dir.mkdir(mode=0o700)
    real = real_dir / "journal.sqlite"
    close_engines()
    os.replace(isolated / "journal.sqlite", real)
    for suffix in ("-wal", "-shm"):
        Path(f"{isolated / 'journal.sqlite'}{suffix}").unlink(missing_ok=True)
    link = isolated / "journal.sqlite"
    link.symlink_to(real)
    saved = isolated / "saved.sqlite"
    assert sd("backup", str(saved)).exit_code == 0
    assert sd("visit", "add", "--account", "1", "--summary", "after the backup").exit_code == 0
    result = sd("restore", str(saved))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert count(real) == 41
    # a damaged target is replaced where it is, too (the link stays)
    close_engines()
    for suffix in ("-wal", "-shm"):
        Path(f"{real}{suffix}").unlink(missing_ok=True)
    real.write_bytes(b"garbage" * 1000)
    result = sd("restore", str(saved))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real
    assert integrity(real) == "ok" and count(real) == 41
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
