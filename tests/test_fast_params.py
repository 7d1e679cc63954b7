"""cli/fastparams lets values skip Typer's pydantic conversion only when the result is certain to be the same:
held here against Typer's own conversion for every parameter of every command, and shown to keep pydantic
out of the commands people run most."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

SAMPLES = [None, "", "abc", "华东电网", "12", "-3", "0", "5", "05", "+3", " 7", "1_0", "-0", "99999999999999999999"]
SAMPLES += ["2.5", "true", ("a", "b"), ["x"], (), 0, 1, 7, -1, 50, 2.5, 1e9]


def every_parameter():  # noqa: ANN201
    import typer.main
    from typer import core

    from salesdiary.cli.app import build_app
    from salesdiary.cli.localise import walk

    root = typer.main.get_command(build_app())
    for command in walk(root):
        for param in command.params:
            if isinstance(param, core._TyperParameter):
                yield command, param


def test_fast_values_are_exactly_typers():
    from typer._click import Context
    from typer._click.exceptions import BadParameter

    from salesdiary.cli.typer_compat.fast_params import SLOW, fast_value

    checked = fast = 0
    for command, param in every_parameter():
        ctx = Context(command)
        for value in SAMPLES:
            got = fast_value(param, value)
            if got is SLOW:
                continue
            fast += 1
            try:
                typers = param.get_runtime_param().coerce(value, param=param, ctx=ctx)
            except BadParameter as exc:
                pytest.fail(f"{command.name} {param.name}={value!r}: fast {got!r}, Typer refuses: {exc}")
            assert (got, type(got)) == (typers, type(typers)), (command.name, param.name, value)
        checked += 1
    assert checked > 300 and fast > 1000  # every command's parameters, most values taken the fast way


def test_values_typer_must_judge_still_go_to_typer():
    from salesdiary.cli.typer_compat.fast_params import SLOW, fast_value

    limits = [p for c, p in every_parameter() if c.name == "list" and p.name == "limit"]
    assert limits
    assert fast_value(limits[0], "5") == 5  # a whole number written plainly
    for typed in ("05", "+5", " 5", "5.0", "1_0", "0"):  # other spellings, and 0 below min=1: Typer judges
        assert fast_value(limits[0], typed) is SLOW, typed
    assert fast_value(limits[0], 0) is SLOW  # below its min=1: Typer's own message


def test_errors_and_conversions_are_still_typers(sd, demo):
    refused = sd("account", "list", "--limit", "0")
    assert refused.exit_code == 2 and "--limit" in refused.stderr
    assert len(sd("account", "list", "--limit", "3", "--json").json()) == 3


@pytest.mark.parametrize(
    "argv",
    [
        ["due"],
        ["funnel"],
        ["check"],
        ["account", "list"],
        ["deal", "show", "1"],
        ["map", "1"],
        ["funnel", "--json"],
        ["check", "-n", "5"],
        ["due", "--days", "30"],
    ],
)
def test_common_commands_do_not_import_pydantic(demo, argv):
    code = (
        "import sys, json; from salesdiary.cli.app import main; code = main(sys.argv[1:]);"
        " print(json.dumps({'code': code, 'pydantic': 'pydantic' in sys.modules}), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=os.environ, timeout=60
    )
    found = json.loads(done.stderr.strip().splitlines()[-1])
    assert found == {"code": found["code"], "pydantic": False} and found["code"] in (0, 1), done.stderr
