"""`sd playbook list|show`: the methods as a rep reads them, the user's own playbooks, and the read-path rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from salesdiary.core.playbook import builtin_dir, load_playbook

HEAVY = ("sqlmodel", "sqlalchemy", "alembic", "questionary", "salesdiary.prompts")


def user_playbooks(isolated: Path) -> Path:
    folder = isolated / "config" / "salesdiary" / "playbooks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def my_method(name: str = "my_method") -> str:
    """A small user playbook: the six-step file, renamed."""
    text = (builtin_dir() / "six_step.toml").read_text(encoding="utf-8")
    return text.replace('name = "six_step"', f'name = "{name}"')


def test_list_shows_the_shipped_playbooks_default_first(sd):
    result = sd("playbook", "list")
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if "shipped with sd" in line]
    assert "ten_step *" in lines[0] and "Ten-step project sales" in lines[0] and "10" in lines[0]
    assert "six_step" in lines[1] and "6" in lines[1]
    data = sd("playbook", "list", "--json").json()
    assert [(p["name"], p["default"], p["builtin"], p["stages"]) for p in data] == [
        ("ten_step", True, True, 10),
        ("six_step", False, True, 6),
    ]
    assert data[0]["label_zh"] == "项目销售十步法"


def test_show_prints_stages_probabilities_goals_and_markers(sd):
    result = sd("playbook", "show", "ten_step")
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())  # long lines are wrapped to the terminal
    book = load_playbook("ten_step")
    for stage in book.stages:
        assert f"{stage.number}. {stage.label.en} {stage.probability}%" in out
        assert " ".join(f"Goal: {stage.goal.en}".split()) in out
        for marker in stage.markers:
            assert " ".join(f"{'*' if marker.required else '-'} {marker.label.en} {marker.key}".split()) in out
    assert "Tips:" not in out


def test_show_one_stage_with_its_tips(sd):
    result = sd("playbook", "show", "ten_step", "--stage", "客户分析")
    assert result.exit_code == 0
    assert "3. Customer analysis  25%" in result.stdout and "2. Project confirmation" not in result.stdout
    tips = load_playbook("ten_step").stage("customer_analysis").tips
    assert "Tips:" in result.stdout and tips[0].en[:40] in result.stdout


def test_show_in_chinese(sd):
    result = sd("--lang", "zh", "playbook", "show", "six_step")
    assert result.exit_code == 0
    assert "摧龙六式" in result.stdout and "1. 客户分析  10%" in result.stdout


def test_show_json_carries_both_languages(sd):
    data = sd("playbook", "show", "ten_step", "--json").json()
    assert data["name"] == "ten_step" and len(data["stages"]) == 10
    step1 = data["stages"][0]
    assert step1["label"] == {"en": "Project information", "zh": "获得项目信息"}
    assert step1["markers"][0] == {
        "key": "customer_name",
        "required": True,
        "en": "The customer organisation's exact name is known",
        "zh": "获得用户单位具体名称",
    }
    assert step1["tips"] and {"en", "zh"} == set(step1["tips"][0])


def test_show_defaults_to_the_configured_playbook(sd, isolated):
    (isolated / "config.toml").write_text('playbook = "six_step"\n', encoding="utf-8")
    assert sd("playbook", "show", "--json").json()["name"] == "six_step"
    assert [p["name"] for p in sd("playbook", "list", "--json").json() if p["default"]] == ["six_step"]


def test_unknown_playbook(sd):
    result = sd("playbook", "show", "eleven_step")
    assert result.exit_code == 1
    assert "Unknown playbook 'eleven_step'" in result.stderr and "ten_step" in result.stderr


def test_a_users_own_playbook_is_listed_shown_and_usable(sd, isolated):
    (user_playbooks(isolated) / "my_method.toml").write_text(my_method(), encoding="utf-8")
    listed = {p["name"]: p for p in sd("playbook", "list", "--json").json()}
    assert not listed["my_method"]["builtin"] and listed["my_method"]["path"].endswith("my_method.toml")
    assert "1. Customer analysis  10%" in sd("playbook", "show", "my_method").stdout
    sd("account", "add", "Fabrikam")
    assert sd("deal", "add", "Fleet tracking", "--account", "Fabrikam", "--playbook", "my_method").exit_code == 0
    assert sd("deal", "markers", "Fleet tracking", "--check", "opportunity_found").exit_code == 0
    assert sd("deal", "advance", "Fleet tracking").exit_code == 0


def test_a_malformed_playbook_names_the_file_the_stage_and_the_problem(sd, isolated):
    bad = my_method("broken").replace("probability = 25", "probability = 5", 1)
    (user_playbooks(isolated) / "broken.toml").write_text(bad, encoding="utf-8")
    listed = sd("playbook", "list")
    assert listed.exit_code == 1
    assert "ten_step" in listed.stdout  # the good ones are still listed
    assert "broken.toml" in listed.stderr and "stage build_trust" in listed.stderr
    assert "lower than the previous stage's 10" in listed.stderr
    shown = sd("playbook", "show", "broken")
    assert shown.exit_code == 2 and "broken.toml: stage build_trust: probability 5" in shown.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("playbook", "list"),
        ("playbook", "show", "ten_step", "--tips"),
        ("deal", "markers", "1"),
        ("deal", "markers", "1", "--json"),
        ("qualify", "1"),
    ],
)
def test_read_commands_stay_light(sd, demo, args):
    """Reading markers, evaluations and playbooks must not load SQLModel, SQLAlchemy, alembic or questionary."""
    code = (
        "import sys\n"
        "from salesdiary.cli.app import main\n"
        f"rc = main({list(args)!r})\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY', heavy, 'RC', rc, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY [] RC 0" in proc.stderr, proc.stderr[-2000:]


def test_the_readme_steps_for_an_own_playbook_work_as_written(sd, isolated):
    """README: copy a shipped file to playbooks/MINE.toml, set name = "MINE", use it with --playbook MINE or the
    config. Upper case in the file name and in `name` is the playbook `mine`, and what the list shows is what
    --playbook takes."""
    shipped = next(p["path"] for p in sd("playbook", "list", "--json").json() if p["name"] == "ten_step")
    text = Path(shipped).read_text(encoding="utf-8").replace('name = "ten_step"', 'name = "MINE"')
    (user_playbooks(isolated) / "MINE.toml").write_text(text, encoding="utf-8")
    listed = sd("playbook", "list", "--json")
    assert listed.exit_code == 0 and "must be snake_case" not in listed.stderr
    names = [p["name"] for p in listed.json()]
    assert "mine" in names
    assert sd("account", "add", "Foo").exit_code == 0
    for i, spelling in enumerate(names + ["MINE", "Mine"]):
        result = sd("deal", "add", f"D{i}", "--account", "Foo", "--playbook", spelling)
        assert result.exit_code == 0, (spelling, result.output)
    assert sd("config", "set", "playbook", "MINE").exit_code == 0
    assert sd("deal", "add", "Dx", "--account", "Foo").exit_code == 0
    deals = {d["name"]: d["playbook"] for d in sd("deal", "list", "--json").json()}
    assert deals["Dx"] == "mine" and deals["D3"] == "mine"
    default = [p["name"] for p in sd("playbook", "list", "--json").json() if p["default"]]
    assert default == ["mine"]
