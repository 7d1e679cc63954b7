"""The read path stays light: list, show and help never import SQLModel, SQLAlchemy, alembic or questionary.

Each command runs in a fresh Python process on an existing journal; afterwards the process reports which of
the heavy modules it had loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

HEAVY = ("sqlmodel", "sqlalchemy", "alembic", "questionary")

PROBE = """
import contextlib, io, json, sys
from salesdiary.cli.app import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "loaded": sorted(m for m in HEAVY if m in sys.modules)}))
""".replace("HEAVY", repr(HEAVY))


def run_fresh(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def demo_journal(tmp_path_factory):  # noqa: ANN001, ANN201
    """A journal filled by `sd demo`, made once for the module."""
    from conftest import TODAY, run_sd
    from salesdiary.store.engine import dispose_all
    from salesdiary.store.paths import load_config

    path = tmp_path_factory.mktemp("read_path") / "journal.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SD_DB", str(path))
        mp.setenv("SD_CONFIG", str(path.with_name("config.toml")))
        mp.setenv("SD_TODAY", TODAY)
        mp.setenv("SD_LANG", "en")
        result = run_sd("demo")
        assert result.exit_code == 0, result.output
        dispose_all()
        load_config.cache_clear()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def journal(isolated, demo_journal):  # noqa: ANN001
    shutil.copyfile(demo_journal, isolated / "journal.sqlite")


@pytest.mark.parametrize(
    "args",
    [
        ("account", "list"),
        ("deal", "show", "1"),
        ("visit", "list", "--json"),
        ("--help",),
        ("account", "show", "华东电网", "--json"),
        ("contact", "list", "--account", "1"),
        ("deal", "list", "--stage", "3", "--playbook", "ten_step"),
        ("followup", "list", "--status", "all"),
        ("visit", "show", "1"),
        ("deal", "add", "--help"),
        ("log", "拜访了华东电网王建国，下周三回电", "--dry-run"),  # sd log reads a note on the read path
        ("log", "met 王建国 at 华东电网 yesterday", "--json"),
        ("next", "1"),
        ("next", "--json"),
        ("next", "华东电网"),
    ],
    ids=lambda a: " ".join(a),
)
def test_read_commands_do_not_import_heavy_modules(journal, args):
    outcome = run_fresh(*args)
    assert outcome["code"] == 0
    assert outcome["loaded"] == [], f"sd {' '.join(args)} imported {outcome['loaded']}"


def test_the_probe_sees_heavy_imports_of_a_write(journal):
    """A write does load SQLAlchemy: proof that the probe above would notice a stray import."""
    outcome = run_fresh("account", "add", "Probe Co")
    assert outcome["code"] == 0
    assert "sqlalchemy" in outcome["loaded"]
