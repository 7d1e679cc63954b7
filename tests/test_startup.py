"""Start-up shortcuts change nothing a user sees (not timed).

`sd` builds only the command module a run needs, lists a group's commands
without building their options, leaves Typer's Rich help module unloaded
until help or an error is printed, and completes without pydantic. Each
shortcut must give the same output as building everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _full_tree_output(args: list[str], lang: str) -> str:
    """What `sd ARGS` prints when every command module is built whole (the way without shortcuts)."""
    import contextlib
    import io

    import typer.main

    from salesdiary.cli.app import build_app
    from salesdiary.cli.completion import attach_completion
    from salesdiary.cli.localise import localise
    from salesdiary.i18n import set_language
    from salesdiary.render.console import reset

    set_language(lang)
    reset()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            attach_completion(localise(typer.main.get_command(build_app()))).main(args=args, prog_name="sd")
        except SystemExit:
            pass
    return out.getvalue()


def _group_names() -> list[str]:
    import typer.main

    from salesdiary.cli.app import build_app

    command = typer.main.get_command(build_app())
    return sorted(name for name, sub in command.commands.items() if hasattr(sub, "commands"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_help_listings_are_those_of_the_whole_app(sd, lang: str) -> None:
    for args in ([], ["--help"], *([g, "--help"] for g in _group_names()), *([g] for g in _group_names())):
        shown = sd("--lang", lang, *args)
        assert shown.stdout == _full_tree_output(args, lang), args


def test_every_top_level_command_is_found_where_modules_for_looks() -> None:
    """A command COMMAND_HOME misses still works (everything is built then), but loses the shortcut."""
    import typer
    import typer.main

    from salesdiary.cli.app import COMMAND_MODULES, modules_for

    for module in COMMAND_MODULES:
        app = typer.Typer()

        @app.callback()
        def _root() -> None: ...

        __import__(f"salesdiary.cli.{module}", fromlist=["register"]).register(app)
        for name in typer.main.get_command(app).commands:
            assert modules_for([name]) == (module,), f"`sd {name}` is registered by cli/{module}.py"


def test_a_process_that_showed_help_still_runs_commands(sd, demo) -> None:
    """Help listings use copies: the command modules' own Typer apps stay whole for the next run."""
    assert sd("--help").exit_code == 0
    assert sd("deal", "--help").exit_code == 0
    assert sd("deal").exit_code in (0, 2)
    listed = sd("deal", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert listed.json()


PROBE = """
import contextlib, io, json, sys
from salesdiary.cli.app import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(json.loads(sys.argv[1]))
watched = json.loads(sys.argv[2]) if len(sys.argv) > 2 else ("pydantic", "typer.rich_utils")
print(json.dumps({"code": code, "loaded": sorted(m for m in watched if m in sys.modules)}))
"""


def _loaded(args: list[str], watched: tuple[str, ...] | None = None, **env: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), *([json.dumps(watched)] if watched else [])],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_group_help_does_not_load_pydantic(demo) -> None:
    assert _loaded(["deal", "--help"]) == {"code": 0, "loaded": []}  # typer_compat draws it: no typer.rich_utils


def test_a_command_that_prints_no_help_does_not_load_typers_rich_help(demo) -> None:
    assert "typer.rich_utils" not in _loaded(["deal", "show", "1"])["loaded"]
    assert "typer.rich_utils" not in _loaded(["account", "list", "--json"])["loaded"]


def test_a_report_written_to_a_pipe_does_not_load_rich(demo) -> None:
    """The pager is for a terminal: output going elsewhere does not import Rich for it (an HTML or JSON report
    draws nothing with it); the terminal's text still does."""
    for fmt in ("html", "json", "markdown"):
        assert _loaded(["report", "week", "--format", fmt], ("rich.console",)) == {"code": 0, "loaded": []}, fmt
    assert _loaded(["report", "week"], ("rich.console",)) == {"code": 0, "loaded": ["rich.console"]}


def test_completion_does_not_load_pydantic(demo) -> None:
    found = _loaded([], _SD_COMPLETE="complete_bash", COMP_WORDS="sd account show 华东", COMP_CWORD="3")
    assert found == {"code": 0, "loaded": []}


GC_PROBE = """
import contextlib, gc, io, json, sys
from salesdiary.cli.loading import loading
from salesdiary.cli.app import main
loading()  # as run() does
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "collecting": gc.isenabled(), "frozen": gc.get_freeze_count() > 0}))
"""


@pytest.mark.parametrize(
    ("args", "collecting"),
    [
        (["account", "list", "--json"], True),  # a read: collection is back on for the command's work
        (["visit", "list", "--json"], True),
        (["export", "visits", "--format", "csv"], True),  # a long stream is collected as usual
        (["followup", "add", "Call back", "--account", "1", "--due", "tomorrow", "--no-input"], True),  # a write
        (["--help"], False),  # never reaches the journal: a short run, collection stays off
    ],
)
def test_collection_is_off_while_loading_and_on_for_the_work(demo, args: list[str], collecting: bool) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", GC_PROBE, json.dumps(args)], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found == {"code": 0, "collecting": collecting, "frozen": collecting}
