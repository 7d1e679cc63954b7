"""sd doctor: integrity, foreign keys, schema, permissions, paths, size, last backup; exit 1 with what to do."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def statuses(result) -> dict[str, str]:  # noqa: ANN001
    return {c["name"]: c["status"] for c in result.json()}


def close_engines() -> None:
    from salesdiary.store.engine import dispose_all

    dispose_all()


def test_a_healthy_journal_passes(sd, demo, isolated):
    assert sd("backup").exit_code == 0
    result = sd("doctor", "--json")
    assert result.exit_code == 0, result.output
    found = statuses(result)
    assert set(found.values()) == {"ok"}, found
    for name in ("integrity", "foreign keys", "schema", "permissions", "backups", "size", "paths"):
        assert name in found
    checks = {c["name"]: c for c in result.json()}
    assert str(isolated / "journal.sqlite") in checks["paths"]["detail"]
    assert "41 visits" in checks["size"]["detail"]
    table = sd("doctor")
    assert table.exit_code == 0 and "integrity" in table.stdout


def test_no_backup_yet_is_a_warning_not_a_failure(sd, demo):
    result = sd("doctor", "--json")
    assert result.exit_code == 0
    checks = {c["name"]: c for c in result.json()}
    assert checks["backups"]["status"] == "warn"
    assert "sd backup" in checks["backups"]["advice"]


def test_no_journal_yet_is_fine_and_nothing_is_created(sd, isolated):
    result = sd("doctor")
    assert result.exit_code == 0, result.output
    assert "No journal yet" in result.stdout
    assert not (isolated / "journal.sqlite").exists()


def test_a_journal_others_can_read_fails_with_the_fix(sd, demo, isolated):
    os.chmod(isolated / "journal.sqlite", 0o644)
    result = sd("doctor", "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in result.json()}
    assert checks["permissions"]["status"] == "fail"
    assert "chmod 600" in checks["permissions"]["advice"]
    assert "sd doctor found problems" in result.stderr


def test_broken_references_fail_the_foreign_key_check(sd, demo, isolated):
    close_engines()
    con = sqlite3.connect(isolated / "journal.sqlite")
    con.execute("PRAGMA foreign_keys = OFF")
    con.execute("UPDATE visit SET account_id = 999 WHERE id = 1")
    con.commit()
    con.close()
    result = sd("doctor", "--json")
    assert result.exit_code == 1
    assert statuses(result)["foreign keys"] == "fail"


def test_a_damaged_journal_fails_and_points_at_restore(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    assert sd("backup").exit_code == 0
    close_engines()
    con = sqlite3.connect(journal)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(journal.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096):
        data[offset + 8 : offset + 64] = os.urandom(56)
    journal.write_bytes(bytes(data))
    result = sd("doctor", "--json")
    assert result.exit_code == 1, result.output
    failed = [c for c in result.json() if c["status"] == "fail"]
    assert failed
    assert any("sd restore" in c["advice"] for c in failed)
    assert "Traceback" not in result.output


def test_a_file_from_a_newer_sd_fails(sd, demo, isolated):
    close_engines()
    con = sqlite3.connect(isolated / "journal.sqlite")
    con.execute("PRAGMA user_version = 99")
    con.close()
    result = sd("doctor", "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in result.json()}
    assert checks["schema"]["status"] == "fail" and "Upgrade sd" in checks["schema"]["advice"]


def test_a_file_that_is_not_a_journal_fails(sd, isolated):
    other = isolated / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t(x)")
    con.close()
    result = sd("--db", str(other), "doctor", "--json")
    assert result.exit_code == 1
    assert statuses(result)["journal"] == "fail"
    text = isolated / "text.sqlite"
    text.write_text("hello " * 1000, encoding="utf-8")
    result = sd("--db", str(text), "doctor")
    assert result.exit_code == 1
    assert "not an SQLite file" in result.stdout


def test_a_broken_config_file_fails(sd, demo, isolated):
    Path(isolated / "config.toml").write_text("[backup\nkeep = ", encoding="utf-8")
    result = sd("doctor", "--json")
    assert result.exit_code == 1
    assert statuses(result)["config"] == "fail"


def test_a_backups_folder_that_is_a_symlink_or_open_to_others_fails(sd, demo, isolated):
    elsewhere = isolated / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (isolated / "backups").symlink_to(elsewhere)
    result = sd("doctor", "--json")
    assert result.exit_code == 1
    checks = {c["name"]: c for c in result.json()}
    assert checks["backups"]["status"] == "fail" and "symbolic link" in checks["backups"]["detail"]
    assert "mkdir -m 700" in checks["backups"]["advice"]
    (isolated / "backups").unlink()
    (isolated / "backups").mkdir()
    os.chmod(isolated / "backups", 0o773)
    checks = {c["name"]: c for c in sd("doctor", "--json").json()}
    assert checks["backups"]["status"] == "fail" and "others can write" in checks["backups"]["detail"]


def test_a_damaged_last_backup_fails_and_names_the_last_good_one(sd, demo, isolated):
    assert sd("backup").exit_code == 0
    assert sd("backup").exit_code == 0
    good, last = sorted((isolated / "backups").iterdir())
    data = bytearray(last.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096):
        data[offset + 8 : offset + 64] = os.urandom(56)
    last.write_bytes(bytes(data))
    result = sd("doctor", "--json")
    assert result.exit_code == 1, result.output
    checks = {c["name"]: c for c in result.json()}
    assert checks["backups"]["status"] == "fail"
    assert last.name in checks["backups"]["detail"] and "damaged" in checks["backups"]["detail"]
    assert str(good) in checks["backups"]["advice"]
    assert checks["integrity"]["status"] == "ok"  # the journal itself is fine


def test_a_read_only_shm_beside_the_journal_fails_with_the_fix(sd, demo, isolated):
    """Issue 25: a 0400 -shm left by a read of a read-only journal blocked every write while doctor said ok."""
    close_engines()
    shm = isolated / "journal.sqlite-shm"
    shm.write_bytes(b"\0" * 32768)
    os.chmod(shm, 0o400)
    result = sd("doctor", "--json")
    assert result.exit_code == 1, result.output
    checks = {c["name"]: c for c in result.json()}
    assert checks["journal files"]["status"] == "fail"
    assert str(shm) in checks["journal files"]["detail"]
    assert f"chmod 600 {shm}" in checks["journal files"]["advice"]
