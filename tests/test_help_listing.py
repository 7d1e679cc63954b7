"""Group listings (`sd`, `sd --help`, `sd deal -h`) are drawn by cli/typer_compat/listing without typer.rich_utils:
the output must be exactly what Typer's own Rich help draws, for every group, in both languages,
with and without colour."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import run_sd

GROUPS = ["account", "contact", "deal", "visit", "followup", "receivable", "playbook", "db", "config"]


def typer_drawn(*args: str):  # noqa: ANN201
    from salesdiary.cli import typer_compat

    original = typer_compat._list_without_rich_utils
    typer_compat._list_without_rich_utils = lambda command, args: None
    try:
        return run_sd(*args)
    finally:
        typer_compat._list_without_rich_utils = original


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("path", [[], *([g] for g in GROUPS)])
def test_listing_is_what_typer_draws(monkeypatch, lang, colour, path):
    import typer.rich_utils

    monkeypatch.setenv("SD_LANG", lang)
    monkeypatch.setenv("COLUMNS", "90")
    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setattr(typer.rich_utils, "FORCE_TERMINAL", True)
    else:
        monkeypatch.delenv("FORCE_COLOR", raising=False)
        monkeypatch.setattr(typer.rich_utils, "FORCE_TERMINAL", None)
    for args in ([*path, "--help"], [*path, "-h"], path):
        ours, typers = run_sd(*args), typer_drawn(*args)
        assert (ours.exit_code, ours.stdout, ours.stderr) == (typers.exit_code, typers.stdout, typers.stderr), args
        assert "Usage" in ours.output or "用法" in ours.output
        if colour:
            assert "\x1b[" in ours.output


def test_a_listing_does_not_import_typers_rich_help():
    code = (
        "import sys; from salesdiary.cli.app import main; main(['--help']); main(['deal', '--help']);"
        " assert main([]) == 2 and main(['deal']) == 2;"
        " sys.exit(1 if 'typer.rich_utils' in sys.modules else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "deal" in done.stdout and "add" in done.stdout


def test_a_commands_own_help_is_still_typers():
    result = run_sd("deal", "add", "--help")
    assert result.exit_code == 0
    assert "--amount" in result.stdout
