"""Shell completion: scripts in completions/ match the app; Tab offers commands, options, values and names."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlmodel", "sqlalchemy", "alembic", "questionary")


@pytest.fixture
def complete(sd, monkeypatch):  # noqa: ANN001, ANN201
    """complete("sd deal list --account 华") → what bash is offered for the last word."""

    def run(line: str, *, shell: str = "bash") -> list[str]:
        words = line.split(" ")
        monkeypatch.setenv("_SD_COMPLETE", f"complete_{shell}")
        if shell == "bash":
            monkeypatch.setenv("COMP_WORDS", line)
            monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
        else:
            monkeypatch.setenv("_TYPER_COMPLETE_ARGS", line)
            monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
        try:
            result = sd()
        finally:
            monkeypatch.delenv("_SD_COMPLETE")
        assert result.exit_code == 0, result.output
        return [line for line in result.stdout.splitlines() if line]

    return run


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_match_the_app(sd, shell):
    """completions/ holds what the app generates; regenerate with `sd completion SHELL > completions/sd.SHELL`."""
    from salesdiary.cli.completion import completion_script

    stored = (ROOT / "completions" / f"sd.{shell}").read_text(encoding="utf-8")
    assert stored == completion_script(shell), f"completions/sd.{shell} is stale: run sd completion {shell}"
    printed = sd("completion", shell)
    assert printed.exit_code == 0 and printed.stdout == stored
    assert "_SD_COMPLETE" in stored


def test_completion_command_refuses_other_shells(sd):
    result = sd("completion", "tcsh")
    assert result.exit_code == 2 and "bash, zsh or fish" in result.stderr


def test_subcommands_and_options(complete):
    assert {"deal", "demo"} <= set(complete("sd de"))
    assert {"add", "list", "show"} <= set(complete("sd deal "))
    assert {"--account", "--stage", "--json"} <= set(complete("sd deal list --"))


def test_enum_values_by_key_or_label(complete):
    assert complete("sd contact add Li --role ") == [
        "decision_maker", "influencer", "gatekeeper", "user", "purchaser", "evaluator", "initiator", "designer"
    ]  # fmt: skip
    assert complete("sd contact add Li --role de") == ["decision_maker", "designer"]
    assert complete("sd contact add Li --role 拍") == ["拍板者"]
    assert complete("sd account add X --mode ") == ["single", "group", "strategic"]
    assert complete("sd visit add --kind tech") == ["tech_exchange"]
    assert complete("sd followup add call --kind ") == ["todo", "visit", "call"]
    assert "all" in complete("sd deal list --status ")
    assert complete("sd --lang ") == ["zh", "en"]


def test_stages_of_the_playbook_on_the_line(complete):
    assert complete("sd deal list --stage cust") == ["customer_analysis"]
    assert complete("sd deal list --stage 客户") == ["客户分析", "客户初步认可"]
    six = complete("sd deal list --playbook six_step --stage ")
    assert six[0] == "customer_analysis" and "build_trust" in six and "project_info" not in six
    assert complete("sd deal add X --playbook ") == ["ten_step", "six_step"]


def test_names_from_the_journal(complete, demo):
    assert complete("sd deal list --account 华") == ["华东电网有限公司"]
    assert "华东电网有限公司" in complete("sd account show ")
    deals = complete("sd deal show ")
    assert "调度中心网络改造" in deals and "变电站视频监控二期" in deals
    assert complete("sd visit add --contact 王") == ["王建国"]
    assert complete("sd account list --owner ") != []


def test_names_with_spaces_are_escaped_for_bash(complete, demo):
    names = complete("sd deal show Plant")
    assert names == ["Plant\\ network\\ segmentation"]


def test_zsh_and_fish_show_hints(complete, demo):
    zsh = "\n".join(complete("sd deal show 调度", shell="zsh"))
    assert "调度中心网络改造" in zsh and "华东电网有限公司" in zsh  # the deal, with its account as hint
    fish = complete("sd account show 华", shell="fish")
    assert fish and fish[0].startswith("华东电网有限公司\t")


def test_the_journal_named_on_the_line_is_used(complete, demo, tmp_path, sd):
    other = tmp_path / "other.sqlite"
    assert sd("--db", str(other), "account", "add", "Other Co").exit_code == 0
    assert complete(f"sd --db {other} account show ") == ["Other\\ Co"]


def test_no_journal_no_names_and_nothing_created(complete, isolated):
    assert complete("sd account show ") == []
    assert not (isolated / "journal.sqlite").exists()


def test_every_option_of_a_known_name_completes(sd):
    """New commands get completion from the option's name; this catches a table that lost an entry."""
    import typer.main

    from salesdiary.cli.app import build_app
    from salesdiary.cli.completion import NAME_OPTIONS, VOCABULARY_OPTIONS, attach_completion
    from salesdiary.cli.localise import walk

    command = attach_completion(typer.main.get_command(build_app()))
    missing = [
        (cmd.name, param.opts)
        for cmd in walk(command)
        for param in cmd.params
        if set(param.opts) & (set(NAME_OPTIONS) | set(VOCABULARY_OPTIONS))
        and getattr(param, "_custom_shell_complete", None) is None
    ]
    assert not missing


def test_completing_a_name_does_not_import_the_write_stack(sd, demo):
    """Completion is a read: stdlib sqlite3 only, never SQLModel, SQLAlchemy, alembic or questionary."""
    code = (
        "import sys\n"
        "from salesdiary.cli.app import main\n"
        "code = main([])\n"
        f"print(json.dumps([code, sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})]), file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "_SD_COMPLETE": "complete_bash",
        "COMP_WORDS": "sd deal list --account 华",
        "COMP_CWORD": "4",
    }
    proc = subprocess.run(
        [sys.executable, "-c", "import json\n" + code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.stdout.split() == ["华东电网有限公司"], proc.stderr
    exit_code, heavy = json.loads(proc.stderr.strip().splitlines()[-1])
    assert exit_code == 0 and heavy == []


def test_installed_sd_completes(sd_process, demo):
    env = {"_SD_COMPLETE": "complete_bash", "COMP_WORDS": "sd deal show 调度", "COMP_CWORD": "3"}
    result = sd_process(env=env)
    assert result.exit_code == 0 and result.stdout.split() == ["调度中心网络改造"]
