"""A visit, a follow-up and a one-line note are written as rows through SQLAlchemy Core (store/tx.py,
rows_without_orm): what they store and what history records must be exactly what the ORM path writes
(SD_ORM_WRITES=1), so that undo, `sd history` and a teammate's database see no difference."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

WRITES: list[tuple[str, ...]] = [
    # deal, two people (one already on the deal), next step and follow-up: visit, links, follow-up, deal update
    ("visit", "add", "--account", "1", "--deal", "1", "--contact", "1", "--contact", "2", "--kind", "tech_exchange",
     "--purpose", "p", "--summary", "s", "--feedback", "f", "--next", "Send the plan", "--follow-up", "fri"),
    ("visit", "add", "--account", "2", "--kind", "call", "--date", "yesterday", "--summary", "no deal"),
    ("visit", "add", "--account", "3", "--deal", "4", "--contact", "6", "--date", "2026-12-01",
     "--follow-up", "2026-12-20"),
    ("visit", "add", "--account", "3", "--deal", "4", "--date", "today", "--next", "only a next step"),
    ("log", "--yes", "拜访了中国移动江苏公司，技术交流，下周三回电"),
    ("undo",),
    ("log", "--yes", "拜访了中国移动江苏公司，演示，下周三回电"),
    ("followup", "add", "call them", "--account", "2", "--deal", "3", "--contact", "4", "--due", "fri"),
    ("followup", "done", "18"),
    ("undo",),
]  # fmt: skip

REFUSED: list[tuple[str, ...]] = [
    ("visit", "add", "--account", "1", "--deal", "3", "--summary", "wrong deal"),
    ("visit", "add", "--account", "1", "--contact", "4", "--summary", "wrong person"),
    ("followup", "add", "x", "--account", "1", "--deal", "3", "--due", "fri"),
]

TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00)?")


def _written(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables these writes touch, with the clock's times masked."""
    con = sqlite3.connect(path)
    try:
        tables = ["visit", "visit_contact", "followup", "deal", "deal_contact", "history", "changeset"]
        out: dict[str, list[tuple[object, ...]]] = {}
        for table in tables:
            rows = con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608
            out[table] = [tuple(TIME.sub("T", v) if isinstance(v, str) else v for v in row) for row in rows]
        return out
    finally:
        con.close()


def _journal(sd, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, orm: bool) -> Path:  # noqa: ANN001
    path = tmp_path / name / "journal.sqlite"
    path.parent.mkdir()
    monkeypatch.setenv("SD_DB", str(path))
    if orm:
        monkeypatch.setenv("SD_ORM_WRITES", "1")
    else:
        monkeypatch.delenv("SD_ORM_WRITES", raising=False)
    assert sd("demo").exit_code == 0
    for args in WRITES:
        result = sd(*args)
        assert result.exit_code == 0, (args, result.output)
    for args in REFUSED:
        result = sd(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "another account" in result.output
    from salesdiary.store.engine import dispose_all

    dispose_all()
    return path


def test_rows_and_orm_write_the_same_records_and_history(sd, monkeypatch, tmp_path) -> None:  # noqa: ANN001
    rows = _written(_journal(sd, monkeypatch, tmp_path, "rows", orm=False))
    orm = _written(_journal(sd, monkeypatch, tmp_path, "orm", orm=True))
    assert rows["visit"] and rows["followup"] and len(rows["history"]) > len(orm["history"]) // 2
    for table in rows:
        assert rows[table] == orm[table], table


def test_the_row_path_configures_no_mapper(sd, demo) -> None:  # noqa: ANN001
    """What saves the time: a visit written as rows never sets up the ORM's mappers."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from salesdiary.cli.app import main\n"
        "code = main(['visit', 'add', '--account', '1', '--deal', '1', '--contact', '1', '--next', 'x',"
        " '--follow-up', 'fri'])\n"
        "from sqlalchemy.orm import Mapper\n"
        "from salesdiary.store.models import Visit\n"
        "print(code, Visit.__mapper__.configured)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split()[-2:] == ["0", "False"], out
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "SD_ORM_WRITES": "1"},
    ).stdout
    assert out.split()[-2:] == ["0", "True"], out


def test_an_update_that_matches_no_row_is_refused_and_writes_nothing(sd, demo) -> None:  # noqa: ANN001
    """A record gone (or hidden by row-level security in a team database) between read and write: a clear
    refusal, nothing half-written."""
    from salesdiary.core.errors import Conflict
    from salesdiary.store.models import Deal
    from salesdiary.store.paths import resolve_target
    from salesdiary.store.tx import run_write

    before = sqlite3.connect(Path(__import__("os").environ["SD_DB"])).execute("SELECT count(*) FROM history")
    count = before.fetchone()[0]

    def vanish(tx):  # noqa: ANN001, ANN202
        deal = tx.fetch(Deal, 1)
        deal.values["id"] = 99999  # as if the row had gone: the UPDATE matches nothing
        return tx.update(deal, {"next_step": "lost in the void"})

    with pytest.raises(Conflict, match="refused the change"):
        run_write(resolve_target(), vanish)
    con = sqlite3.connect(Path(__import__("os").environ["SD_DB"]))
    assert con.execute("SELECT count(*) FROM history").fetchone()[0] == count
    assert con.execute("SELECT next_step FROM deal WHERE id = 1").fetchone()[0] != "lost in the void"
