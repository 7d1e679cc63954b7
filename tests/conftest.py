"""Shared fixtures: every test gets its own journal, config and a fixed "today".

`sd(*args)` runs the command in-process through the same entry point as the
installed `sd` (global options, error handling, exit codes) and returns its
exit code, stdout and stderr. stdin is never a terminal, so nothing prompts.
`sd_process(*args)` runs the installed `sd` in a real subprocess.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import CTRL_C, DOWN, ENTER, SPACE, Terminal, build, load_generator, measure, query  # noqa: F401  (shared)

TODAY = "2026-11-25"  # a Wednesday


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):  # noqa: ANN201
        return json.loads(self.stdout)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private journal, config and data folder for each test."""
    from salesdiary.store.paths import load_config

    monkeypatch.setenv("SD_DB", str(tmp_path / "journal.sqlite"))
    monkeypatch.setenv("SD_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("SD_TODAY", TODAY)
    monkeypatch.setenv("SD_LANG", "en")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("SD_DATABASE_URL", "SD_NO_INPUT", "SD_DEBUG", "LC_ALL", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    load_config.cache_clear()
    from salesdiary.i18n import set_language

    set_language("en")  # a test that ran `sd --lang zh` leaves no Chinese behind for library-level tests
    yield tmp_path
    load_config.cache_clear()
    from salesdiary.store.engine import dispose_all

    dispose_all()


@pytest.fixture(scope="session")
def migrated_journal(tmp_path_factory):  # noqa: ANN001, ANN201
    """A freshly migrated journal, made once: copying it is much faster than migrating for every test."""
    import sqlite3

    from salesdiary.store.engine import dispose_all
    from salesdiary.store.migrate import ensure_schema
    from salesdiary.store.paths import Target

    path = tmp_path_factory.mktemp("template") / "journal.sqlite"
    ensure_schema(Target(path=path))
    dispose_all()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def fresh_journal(isolated, migrated_journal):  # noqa: ANN001
    """Start the test from an empty, already migrated journal (opt in with usefixtures)."""
    import shutil

    shutil.copyfile(migrated_journal, isolated / "journal.sqlite")


def run_sd(*args: str, input: str | None = None) -> Result:
    from salesdiary.cli.app import main
    from salesdiary.store.paths import load_config

    load_config.cache_clear()
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(input or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def sd():  # noqa: ANN201
    return run_sd


@pytest.fixture
def demo(sd):  # noqa: ANN001, ANN201
    """A journal filled by `sd demo`."""
    result = sd("demo")
    assert result.exit_code == 0, result.output
    return result


SD_BIN = Path(sys.executable).parent / "sd"


def run_process(*args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 60) -> Result:
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [str(SD_BIN), *map(str, args)], input=input or "", capture_output=True, text=True, env=full_env, timeout=timeout
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def sd_process():  # noqa: ANN201
    return run_process
