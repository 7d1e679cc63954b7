"""Consistent copies of a SQLite journal (the online backup API), kept private."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from salesdiary.store.paths import config_value


def backup_dir(journal: Path) -> Path:
    return journal.parent / "backups"


def backup_sqlite(journal: Path, dest: Path | None = None, reason: str = "manual") -> Path:
    """Copy JOURNAL to DEST (default: backups/ beside it), 0600, and rotate old automatic copies."""
    if dest is None:
        folder = backup_dir(journal)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        dest = folder / f"{journal.stem}-{stamp}-{reason}.sqlite"
    fd = os.open(dest, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(str(journal))
    target = sqlite3.connect(str(dest))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    os.chmod(dest, 0o600)
    _rotate(backup_dir(journal), journal.stem)
    return dest


def _rotate(folder: Path, stem: str) -> None:
    keep = int(config_value("backup.keep", 10))
    if not folder.exists():
        return
    copies = sorted(folder.glob(f"{stem}-*.sqlite"))
    for old in copies[: max(0, len(copies) - keep)]:
        old.unlink(missing_ok=True)
