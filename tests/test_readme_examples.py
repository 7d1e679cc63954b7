"""The README's examples work for a stranger, from a clone of the project alone."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def readme_block(marker: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return text.split(f"<!-- {marker} -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]


def sd_commands(block: str) -> list[list[str]]:
    lines = block.replace("\\\n", " ").splitlines()
    commands = [shlex.split(line, comments=True) for line in lines if line.strip()]
    return [c[1:] for c in commands if c and c[0] == "sd"]


def test_the_readme_needs_nothing_outside_the_project():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for block in text.split("```sh\n")[1:]:
        code = block.split("```", 1)[0]
        for line in code.splitlines():
            if "../shared" in line:
                assert "bench/run.py" in line or "floor" in line, line


def test_the_import_example_imports_the_shipped_export(sd, monkeypatch):
    monkeypatch.chdir(REPO)
    commands = sd_commands(readme_block("import-example"))
    assert [c[:2] for c in commands] == [["import", "accounts"], ["import", "deals"], ["funnel", "--owner"]]
    for command in commands:
        result = sd(*command)
        assert result.exit_code == 0, (command, result.output)
        assert not result.stdout.startswith("Imported 0")
    accounts = {a["name"]: a for a in sd("account", "list", "--all", "--owner", "all", "--json").json()}
    assert len(accounts) == 7  # six and the one that holds the opportunities without an account
    assert accounts["Lumen Grid Services"]["industry"] == "energy"
    deals = sd("export", "deals", "-f", "json").json()
    assert len(deals) == 12
    seen = {(d["external_id"], d["stage"], d["status"]) for d in deals}
    assert ("EX01HB7Q", "order_payment", "won") in seen and ("EX04NP2C", "project_info", "lost") in seen
    assert ("EX02KM4D", "customer_analysis", "open") in seen and ("EX05OB6T", "project_info", "open") in seen
    assert {d["owner"] for d in deals} == {"Mira Okafor", "Jonas Weber", "Ana Ruiz"}
    assert sum(1 for d in deals if d["account"] == "Unassigned") == 2
    first = next(d for d in deals if d["external_id"] == "EX01HB7Q")
    assert (first["stage_entered_on"], first["closed_on"], first["amount"]) == ("2026-02-03", "2026-05-14", 48200)
    again = sd(*commands[1], "--json")
    assert again.exit_code == 0 and (again.json()["created"], again.json()["updated"]) == (0, 0)


@pytest.mark.parametrize("marker", ["setup", "test"])
def test_the_setup_commands_are_one_line_each(marker):
    assert len([line for line in readme_block(marker).splitlines() if line.strip()]) == 1


def test_the_python_api_example_runs(tmp_path):
    """The README's Python API example, as a stranger would run it: a fresh process, its own temp folder."""
    import os
    import subprocess
    import sys

    text = (REPO / "README.md").read_text(encoding="utf-8")
    code = text.split("<!-- python-api -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    env = {**os.environ, "SD_CONFIG": str(tmp_path / "config.toml"), "SD_TODAY": "2026-11-25"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "1 open deal, weighted 60,000",
        "visit #1; due next: Send the quote on 2026-11-28",
        "14号线通信系统: Quote by Friday; 1 visit; 0 due",
    ]
