"""Shell completion: scripts in completions/ match the app; Tab offers commands, options, values and names."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("sqlmodel", "sqlalchemy", "alembic", "questionary")


@pytest.fixture
def complete(sd, monkeypatch):  # noqa: ANN001, ANN201
    """complete("sd deal list --account 华") → what the shell is offered for the last word: the reply to the
    scripts of completions/ (shell="bash0", "zsh0", "fish0": NUL-ended fields) or to Typer's (bash, zsh, fish)."""

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
        if shell.endswith("0"):
            assert result.stdout == "" or result.stdout.endswith("\0")
            return result.stdout.split("\0")[:-1]
        return [line for line in result.stdout.splitlines() if line]

    return run


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_ship_with_the_package_and_match_completions(sd, shell):
    """The scripts are package data (`sd completion install` works from a wheel); completions/ at the root is the
    same text; `sd completion show SHELL` (and the bare `sd completion SHELL` of before) print it."""
    from importlib.resources import files

    packaged = (files("salesdiary") / "completions" / f"sd.{shell}").read_text(encoding="utf-8")
    stored = (ROOT / "completions" / f"sd.{shell}").read_text(encoding="utf-8")
    assert stored == packaged, f"completions/sd.{shell} differs from src/salesdiary/completions/sd.{shell}"
    for args in (("completion", "show", shell), ("completion", shell)):
        printed = sd(*args)
        assert printed.exit_code == 0 and printed.stdout == packaged
    assert f"_SD_COMPLETE=complete_{shell}0" in packaged


def test_the_scripts_never_evaluate_what_sd_prints():
    """No eval, no unquoted expansion of sd's reply: it is read as NUL-ended data (issue 23)."""
    zsh = (ROOT / "completions" / "sd.zsh").read_text(encoding="utf-8")
    bash = (ROOT / "completions" / "sd.bash").read_text(encoding="utf-8")
    fish = (ROOT / "completions" / "sd.fish").read_text(encoding="utf-8")
    for script in (zsh, bash, fish):
        code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
        assert not re.search(r"\beval\b", code) and "_arguments" not in code
    assert '"${(@0)out}"' in zsh and "compadd -l -d shown -a values" in zsh and "-Q" not in zsh
    assert "mapfile -d '' -t found" in bash and "printf -v quoted '%q'" in bash
    assert "string split0" in fish


def test_completion_show_refuses_other_shells(sd):
    result = sd("completion", "show", "tcsh")
    assert result.exit_code == 2 and "bash, zsh or fish" in result.stderr
    assert sd("completion", "install", "tcsh").exit_code == 2


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
    zsh = complete("sd deal show 调度", shell="zsh0")
    assert zsh == ["调度中心网络改造", "华东电网有限公司"]  # the deal, then its account as hint
    fish = complete("sd account show 华", shell="fish0")
    assert fish and fish[0].startswith("华东电网有限公司\t")
    assert complete("sd deal show 调度", shell="bash0") == ["调度中心网络改造"]


HOSTILE = ("X$(touch /tmp/owned)", "Y`id`", "Z';id;'", '"quoted"', "back\\slash", "Foo:Bar baz", "A\nB", "华东 电网")


def _hostile_journal(sd) -> None:  # noqa: ANN001
    import sqlite3

    for name in HOSTILE:
        assert sd("account", "add", name.replace("\n", " ")).exit_code == 0
    con = sqlite3.connect(os.environ["SD_DB"])  # a journal written by another tool may hold a line break
    with con:
        con.execute("UPDATE account SET name = ? WHERE name = 'A B'", ("A\nB",))
    con.close()


@pytest.mark.parametrize("shell", ["bash0", "zsh0", "fish0"])
def test_hostile_names_come_as_the_text_they_are(complete, sd, shell):
    """Every name reaches the shell byte for byte (each field NUL-ended), never escaped for an eval."""
    _hostile_journal(sd)
    got = complete("sd account show ", shell=shell)
    values = got[::2] if shell == "zsh0" else [g.split("\t")[0] for g in got]
    assert sorted(values) == sorted(HOSTILE)
    assert complete("sd account show X", shell=shell)[0] == "X$(touch /tmp/owned)"
    assert complete("sd account show 'back\\", shell=shell)[0] == "back\\slash"


def test_typers_zsh_script_gets_a_message_and_no_candidate(complete, sd):
    """An old script (Typer's, `eval $(sd)`) still installed gets a fixed, safe instruction to update: no name."""
    _hostile_journal(sd)
    reply = complete("sd account show X", shell="zsh")
    assert reply == [
        "_message -r 'sd: this zsh completion script is unsafe and out of date; run: sd completion install zsh'"
    ]


def test_a_name_holding_a_tab_is_left_out_for_fish(complete, sd):
    import sqlite3

    assert sd("account", "add", "Tab Alpha").exit_code == 0
    assert sd("account", "add", "Tab Beta").exit_code == 0
    con = sqlite3.connect(os.environ["SD_DB"])
    with con:
        con.execute("UPDATE account SET name = ? WHERE name = 'Tab Alpha'", ("Tab\tCo",))
    con.close()
    assert complete("sd account show Tab", shell="fish0") == ["Tab Beta"]
    assert complete("sd account show Tab", shell="zsh0")[::2] == ["Tab\tCo", "Tab Beta"]


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


@pytest.mark.parametrize("shell", ["bash0", "zsh0", "fish0"])
def test_the_scripts_reply_loads_nothing_heavy(demo, shell):
    """The reply to the scripts of completions/ stays on the fast path: no write stack, no pydantic, no Rich help."""
    code = (
        "import json, sys\n"
        "from salesdiary.cli.app import main\n"
        "code = main([])\n"
        "heavy = {'sqlmodel', 'sqlalchemy', 'alembic', 'questionary', 'pydantic'}\n"
        "found = sorted(m for m in sys.modules if m.split('.')[0] in heavy or m == 'typer.rich_utils')\n"
        "print(json.dumps([code, found]), file=sys.stderr)\n"
    )
    env = {**os.environ, "_SD_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": "sd deal list --account 华"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.stdout.split("\0")[0].split("\t")[0] == "华东电网有限公司", proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == [0, []]


def test_installed_sd_completes(sd_process, demo):
    env = {"_SD_COMPLETE": "complete_bash", "COMP_WORDS": "sd deal show 调度", "COMP_CWORD": "3"}
    result = sd_process(env=env)
    assert result.exit_code == 0 and result.stdout.split() == ["调度中心网络改造"]


# sd completion install --------------------------------------------------------------------------------------


@pytest.fixture
def home(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("ZDOTDIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home


@pytest.mark.parametrize(
    ("shell", "where"),
    [
        ("bash", ".local/share/bash-completion/completions/sd"),
        ("zsh", ".zfunc/_sd"),
        ("fish", ".config/fish/completions/sd.fish"),
    ],
)
def test_install_writes_the_script_privately_and_once(sd, home, shell, where):
    from salesdiary.cli.completion import completion_script

    first = sd("completion", "install", shell)
    assert first.exit_code == 0, first.output
    path = home / where
    assert path.read_text(encoding="utf-8") == completion_script(shell)
    assert path.stat().st_mode & 0o777 == 0o600
    assert f"Installed the {shell} completion for sd at {path}." in first.stderr
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temporary file left
    again = sd("completion", "install", shell)
    assert again.exit_code == 0 and f"already installed at {path}" in again.stderr
    assert first.stdout == again.stdout == ""


def test_install_replaces_an_old_script_and_says_so(sd, home):
    old = home / ".zfunc" / "_sd"
    old.parent.mkdir()
    old.write_text("#compdef sd\n_sd_completion() {\n  eval $(env _SD_COMPLETE=complete_zsh sd)\n}\n")
    result = sd("completion", "install", "zsh")
    assert result.exit_code == 0 and f"Updated the zsh completion for sd at {old}." in result.stderr
    assert "eval $(" not in old.read_text(encoding="utf-8")


def test_install_zsh_names_the_lines_to_add_unless_zshrc_has_them(sd, home):
    told = sd("completion", "install", "zsh").stderr
    assert "fpath=(~/.zfunc $fpath)" in told and "autoload -Uz compinit && compinit" in told
    assert str(home / ".zshrc") in told
    (home / ".zshrc").write_text("fpath=(~/.zfunc $fpath)\nautoload -Uz compinit && compinit\n", encoding="utf-8")
    told = sd("completion", "install", "zsh").stderr
    assert "fpath=" not in told and "new zsh" in told


def test_install_bash_names_the_line_for_a_shell_without_bash_completion(sd, home):
    told = sd("completion", "install", "bash").stderr
    assert f"source {home}/.local/share/bash-completion/completions/sd" in told


def test_install_takes_the_shell_from_SHELL(sd, home, monkeypatch):
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    assert sd("completion", "install").exit_code == 0
    assert (home / ".config" / "fish" / "completions" / "sd.fish").is_file()
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    result = sd("completion", "install")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "bash|zsh|fish" in result.stderr


def test_install_that_cannot_write_says_why_in_one_line(sd, home):
    (home / ".zfunc").write_text("a file where the folder should be", encoding="utf-8")
    result = sd("completion", "install", "zsh")
    assert result.exit_code == 1 and result.stderr.startswith("sd: error: Could not write ")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert (home / ".zfunc").read_text(encoding="utf-8") == "a file where the folder should be"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_click_source_instruction_prints_our_script_not_typers(sd, monkeypatch, shell):
    """`eval "$(_SD_COMPLETE=source_zsh sd)"` (click's documented way) must not set up Typer's eval-ing script."""
    from salesdiary.cli.completion import completion_script

    monkeypatch.setenv("_SD_COMPLETE", f"source_{shell}")
    result = sd()
    assert result.exit_code == 0 and result.stdout == completion_script(shell) + "\n"


def test_next_completes_deals_then_accounts(complete, demo):
    names = complete("sd next ")
    assert "调度中心网络改造" in names and "华东电网有限公司" in names
    assert names.index("调度中心网络改造") < names.index("华东电网有限公司")
    assert complete("sd next 华东") == ["华东电网有限公司"]
    assert complete("sd next 调度") == ["调度中心网络改造"]
