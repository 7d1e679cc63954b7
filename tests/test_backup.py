"""sd backup / sd restore: consistent private copies, rotated; a restore checks the file before replacing anything."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from conftest import SD_BIN


def integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def count(path: Path, table: str = "visit") -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def backups(isolated: Path) -> list[Path]:
    folder = isolated / "backups"
    return sorted(folder.glob("journal-*.sqlite")) if folder.exists() else []


def test_backup_makes_a_private_consistent_copy_beside_the_journal(sd, demo, isolated):
    result = sd("backup")
    assert result.exit_code == 0, result.output
    [copy] = backups(isolated)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert integrity(copy) == "ok"
    assert count(copy) == count(isolated / "journal.sqlite") == 41
    assert not Path(str(copy) + "-wal").exists()  # one self-contained file
    assert str(copy) in result.stderr


def test_backup_to_a_file_refuses_to_overwrite_without_force(sd, demo, isolated):
    target = isolated / "copy.sqlite"
    assert sd("backup", str(target)).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    result = sd("backup", str(target))
    assert result.exit_code == 1
    assert "--force" in result.stderr
    assert sd("backup", str(target), "--force").exit_code == 0
    result = sd("backup", str(isolated / "journal.sqlite"), "--force")
    assert result.exit_code == 2
    assert "journal itself" in result.stderr
    assert integrity(isolated / "journal.sqlite") == "ok"


def test_backup_into_a_missing_folder_says_so_in_one_line(sd, demo, isolated):
    result = sd("backup", str(isolated / "no" / "such" / "dir" / "x.sqlite"))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_backups_are_rotated_as_configured(sd, demo, isolated):
    (isolated / "config.toml").write_text("[backup]\nkeep = 3\n", encoding="utf-8")
    made = []
    for _ in range(5):
        assert sd("backup").exit_code == 0
        made.append(backups(isolated)[-1])
    assert backups(isolated) == made[-3:]


def test_backup_while_another_process_writes(sd, demo, isolated):
    """The online backup API: a copy taken during writes is consistent (integrity ok, whole transactions)."""
    journal = isolated / "journal.sqlite"
    code = (
        "import subprocess, sys\n"
        "for i in range(int(sys.argv[2])):\n"
        "    subprocess.run([sys.argv[1], 'visit', 'add', '--account', '1', '--summary', f'w{i}',"
        " '--follow-up', '+3d'], check=True, capture_output=True)\n"
    )
    writes = 4
    writer = subprocess.Popen([sys.executable, "-c", code, str(SD_BIN), str(writes)])
    copies = 0
    try:
        while writer.poll() is None:
            result = sd("backup")
            assert result.exit_code == 0, result.output
            copy = backups(isolated)[-1]
            assert integrity(copy) == "ok"
            # every visit with a follow-up date came with its follow-up, in the same transaction
            con = sqlite3.connect(copy)
            orphans = con.execute(
                "SELECT count(*) FROM visit v WHERE v.follow_up_date IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM followup f WHERE f.visit_id = v.id)"
            ).fetchone()[0]
            con.close()
            assert orphans == 0
            copies += 1
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert copies
    assert count(journal) == 41 + writes


def test_restore_replaces_the_journal_and_keeps_the_old_one(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    saved = isolated / "saved.sqlite"
    assert sd("backup", str(saved)).exit_code == 0
    assert sd("visit", "add", "--account", "1", "--summary", "after the backup").exit_code == 0
    assert count(journal) == 42
    result = sd("restore", str(saved))
    assert result.exit_code == 0, result.output
    assert "41 visits" in result.stderr
    assert count(journal) == 41
    assert integrity(journal) == "ok"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    [kept] = [p for p in backups(isolated) if "before-restore" in p.name]
    assert count(kept) == 42
    assert str(kept) in result.stderr
    # the journal works as before, history and undo included
    assert sd("visit", "add", "--account", "1", "--summary", "again").exit_code == 0
    assert sd("undo").exit_code == 0
    assert count(journal) == 41


def test_restore_checks_the_file_before_touching_anything(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    before = journal.read_bytes()

    text_file = isolated / "notes.txt"
    text_file.write_text("not a database", encoding="utf-8")
    other_db = isolated / "other.sqlite"
    con = sqlite3.connect(other_db)
    con.execute("CREATE TABLE t(x)")
    con.close()
    newer = isolated / "newer.sqlite"
    assert sd("backup", str(newer)).exit_code == 0
    con = sqlite3.connect(newer)
    con.execute("PRAGMA user_version = 99")
    con.close()
    damaged = isolated / "damaged.sqlite"
    assert sd("backup", str(damaged)).exit_code == 0
    data = bytearray(damaged.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096):  # scribble over the b-tree pages, keep the header
        data[offset + 8 : offset + 64] = os.urandom(56)
    damaged.write_bytes(bytes(data))

    cases = [
        (isolated / "missing.sqlite", "no file"),
        (text_file, "not an SQLite file"),
        (other_db, "not an sd journal"),
        (newer, "newer sd"),
        (damaged, "damaged"),
    ]
    for path, words in cases:
        result = sd("restore", str(path))
        assert result.exit_code == 1, (path, result.output)
        assert words in result.stderr, (path, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    assert journal.read_bytes() == before or integrity(journal) == "ok"
    assert count(journal) == 41
    assert not [p for p in backups(isolated) if "before-restore" in p.name]


def test_restore_over_a_damaged_journal(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    saved = isolated / "saved.sqlite"
    assert sd("backup", str(saved)).exit_code == 0
    from salesdiary.store.engine import dispose_all

    dispose_all()
    for suffix in ("-wal", "-shm"):
        Path(str(journal) + suffix).unlink(missing_ok=True)
    journal.write_bytes(b"garbage" * 1000)
    result = sd("restore", str(saved))
    assert result.exit_code == 0, result.output
    assert integrity(journal) == "ok" and count(journal) == 41
    kept = [p for p in backups(isolated) if "before-restore" in p.name]
    assert kept and kept[0].read_bytes().startswith(b"garbage")


def test_a_migration_is_preceded_by_a_backup(sd, demo, isolated):
    """A journal whose stored schema version is older than the code's is copied before it is upgraded."""
    journal = isolated / "journal.sqlite"
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(journal)
    con.execute("PRAGMA user_version = 0")
    con.close()
    assert sd("account", "list").exit_code == 0
    copies = [p for p in backups(isolated) if "before-migration" in p.name]
    assert len(copies) == 1
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600
    assert count(copies[0]) == 41


def test_an_import_is_preceded_by_a_backup(sd, demo, isolated):
    source = isolated / "accounts.csv"
    source.write_text("name,region\n新客户有限公司,上海\n", encoding="utf-8")
    assert sd("import", "accounts", str(source)).exit_code == 0
    [copy] = [p for p in backups(isolated) if "before-import" in p.name]
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert count(copy, "account") == 12 and count(isolated / "journal.sqlite", "account") == 13
    assert sd("import", "accounts", str(source), "--dry-run").exit_code == 0
    assert len([p for p in backups(isolated) if "before-import" in p.name]) == 1  # a dry run writes nothing


def scribble(path: Path) -> None:
    """Damage PATH's b-tree pages (the header stays, so it still opens as SQLite)."""
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096):
        data[offset + 8 : offset + 64] = os.urandom(56)
    path.write_bytes(bytes(data))


def test_a_damaged_journal_is_refused_and_the_good_backups_stay(sd, demo, isolated):
    """Issue 25: a backup of a corrupt journal succeeded and rotation deleted every good backup."""
    (isolated / "config.toml").write_text("[backup]\nkeep = 1\n", encoding="utf-8")
    assert sd("backup").exit_code == 0
    [good] = backups(isolated)
    scribble(isolated / "journal.sqlite")
    for _ in range(3):
        result = sd("backup")
        assert result.exit_code == 1, result.output
        assert len(result.stderr.strip().splitlines()) == 1
        assert "damaged" in result.stderr and "no backup was made" in result.stderr
        assert "sd export all" in result.stderr and ".recover" in result.stderr
        assert f"sd restore {good}" in result.stderr  # the last good backup, named
    assert backups(isolated) == [good]
    assert integrity(good) == "ok" and count(good) == 41
    assert not [p for p in (isolated / "backups").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_damaged_journal_names_the_last_good_backup_not_a_damaged_one(sd, demo, isolated):
    assert sd("backup").exit_code == 0
    [good] = backups(isolated)
    scribble(isolated / "journal.sqlite")
    bad = good.with_name(good.name.replace("-manual", "-before-import").replace(good.name[8:14], "99991231"))
    bad.write_bytes((isolated / "journal.sqlite").read_bytes())  # a newer copy, as damaged as the journal
    result = sd("backup")
    assert result.exit_code == 1
    assert str(good) in result.stderr and str(bad) not in result.stderr


def test_rotation_removes_only_the_copies_sd_made(sd, demo, isolated):
    """Issue 25: rotation deleted a foreign file in backups/."""
    (isolated / "config.toml").write_text("[backup]\nkeep = 1\n", encoding="utf-8")
    assert sd("backup").exit_code == 0
    folder = isolated / "backups"
    mine = folder / "journal-20200101-000000-000000-mine.sqlite"  # a name like sd's, a reason sd never writes
    mine.write_bytes(b"the user's own file")
    not_a_time = folder / "journal-20201399-999999-000000-manual.sqlite"
    not_a_time.write_bytes(b"not sd's either")
    elsewhere = isolated / "precious.sqlite"
    elsewhere.write_bytes(b"kept elsewhere")
    link = folder / "journal-20200101-000000-000001-manual.sqlite"
    link.symlink_to(elsewhere)
    assert sd("backup").exit_code == 0
    assert sd("backup").exit_code == 0
    assert mine.read_bytes() == b"the user's own file"
    assert not_a_time.exists() and link.is_symlink() and elsewhere.read_bytes() == b"kept elsewhere"
    [kept] = set(backups(isolated)) - {mine, not_a_time, link}  # keep = 1: the newest of its own copies
    assert kept.name.startswith("journal-2026")


def test_a_symlinked_backups_folder_is_refused(sd, demo, isolated):
    """Issue 25: a symlinked backups/ was trusted (copies go, and rotation deletes, wherever it points)."""
    elsewhere = isolated / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (isolated / "backups").symlink_to(elsewhere)
    result = sd("backup")
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(elsewhere.iterdir()) == []
    # a file named outright is the user's choice, and works
    assert sd("backup", str(isolated / "copy.sqlite")).exit_code == 0


def test_a_backups_folder_others_can_write_to_is_refused(sd, demo, isolated):
    folder = isolated / "backups"
    folder.mkdir()
    os.chmod(folder, 0o777)
    result = sd("backup")
    assert result.exit_code == 1, result.output
    assert "others can write" in result.stderr and "drwxrwxrwx" in result.stderr
    assert list(folder.iterdir()) == []
    os.chmod(folder, 0o700)
    assert sd("backup").exit_code == 0
