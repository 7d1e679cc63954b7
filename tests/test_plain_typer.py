"""SD_PLAIN_TYPER=1 turns every Typer shortcut off (cli/typer_compat): `sd` runs on Typer as shipped, with the
same output but for the layout of help listings."""

from __future__ import annotations

import pytest

from conftest import run_process

COMMANDS = [
    ("account", "list", "--json"),
    ("deal", "list"),
    ("due",),
    ("funnel", "--json"),
    ("check", "--json"),
    ("deal", "show", "1"),
    ("visit", "list", "--limit", "3"),
    ("funel",),
    ("account", "list", "--limit", "x"),
    ("deal", "add", "--help"),
]


@pytest.fixture(scope="module")
def journal(tmp_path_factory):  # noqa: ANN001, ANN201
    path = tmp_path_factory.mktemp("plain") / "journal.sqlite"
    assert run_process("--db", str(path), "demo").exit_code == 0
    return path


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_the_output_is_the_same_on_typer_as_shipped(journal, args):
    env = {"SD_TODAY": "2026-11-25", "SD_LANG": "en", "NO_COLOR": "1", "COLUMNS": "120"}
    fast = run_process("--db", str(journal), *args, env=env)
    plain = run_process("--db", str(journal), *args, env={**env, "SD_PLAIN_TYPER": "1"})
    assert (plain.exit_code, plain.stdout, plain.stderr) == (fast.exit_code, fast.stdout, fast.stderr)


def test_the_switch_turns_the_shortcuts_off():
    code = (
        "import sys; from salesdiary.cli.app import main; main(['deal', '--help']);"
        " sys.exit(0 if 'typer.rich_utils' in sys.modules else 1)"
    )
    import os
    import subprocess
    import sys

    env = {**os.environ, "SD_PLAIN_TYPER": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr  # Typer's own help drawing, as shipped
