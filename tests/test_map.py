"""`sd map ACCOUNT`: the decision map — people as a tree by reports-to, and the buying roles still unknown."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import build

A = "华东电网有限公司"
STEPS = [
    ("2026-11-01", ("account", "add", A, "--relation", "B", "--info-stage", "prospect")),
    ("2026-11-01", ("account", "add", "Other Co")),
    (
        "2026-11-01",
        (
            "contact",
            "add",
            "王建国",
            "--account",
            A,
            "--title",
            "副总经理",
            "--role",
            "decision_maker",
            "--stance",
            "neutral",
            "--relationship",
            "dating",
            "--style",
            "driver",
        ),
    ),
    (
        "2026-11-01",
        (
            "contact",
            "add",
            "李明",
            "--account",
            A,
            "--title",
            "信息中心主任",
            "--role",
            "influencer",
            "--stance",
            "supporter",
            "--relationship",
            "trusting",
            "--coach",
            "--style",
            "analytical",
            "--reports-to",
            "王建国",
        ),
    ),
    (
        "2026-11-01",
        (
            "contact",
            "add",
            "赵磊",
            "--account",
            A,
            "--title",
            "网络工程师",
            "--role",
            "user",
            "--relationship",
            "acquainted",
            "--reports-to",
            "李明",
        ),
    ),
    (
        "2026-11-01",
        (
            "contact",
            "add",
            "陈静",
            "--account",
            A,
            "--title",
            "采购部经理",
            "--role",
            "purchaser",
            "--reports-to",
            "王建国",
        ),
    ),
    ("2026-11-01", ("contact", "add", "孙丽", "--account", A, "--role", "evaluator")),
    ("2026-11-01", ("deal", "add", "调度中心网络改造", "--account", A, "--stage", "3")),
    ("2026-11-01", ("deal", "add", "变电站视频监控", "--account", A, "--stage", "5")),
    ("2026-11-01", ("deal", "add", "网点无线", "--account", A)),
    ("2026-11-10", ("deal", "won", "网点无线")),
    ("2026-11-01", ("deal", "add", "Elsewhere", "--account", "Other Co")),
    (
        "2026-11-20",
        ("visit", "add", "--account", A, "--deal", "调度中心网络改造", "--contact", "王建国", "--contact", "陈静"),
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("map") / "journal.sqlite"
    build(path, STEPS)
    return path


@pytest.fixture
def journal(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def shape(people: list[dict]) -> list:
    return [(p["name"], shape(p["reports"])) if p["reports"] else p["name"] for p in people]


def test_people_as_a_tree_by_reports_to(sd, journal):
    result = sd("map", "华东", "--json")
    assert result.exit_code == 0, result.output
    data = result.json()
    assert data["account"]["name"] == A and data["account"]["relation"] == "B"
    assert shape(data["contacts"]) == [("王建国", [("李明", ["赵磊"]), "陈静"]), "孙丽"]
    boss = data["contacts"][0]
    assert (boss["role"], boss["stance"], boss["relationship"], boss["style"], boss["coach"]) == (
        "decision_maker",
        "neutral",
        "dating",
        "driver",
        False,
    )
    assert boss["reports"][0]["coach"] is True
    assert boss["times_met"] == 1


def test_roles_still_unknown_for_each_open_deal(sd, journal):
    deals = sd("map", A, "--json").json()["deals"]
    assert [d["name"] for d in deals] == ["调度中心网络改造", "变电站视频监控"]  # the won deal is not open
    for d in deals:
        assert d["unknown_roles"] == ["gatekeeper"]
        assert d["known_roles"] == ["decision_maker", "evaluator", "influencer", "purchaser", "user"]


def test_a_deal_shows_each_persons_role_and_stance_in_it(sd, journal):
    con = sqlite3.connect(journal)
    with con:
        con.execute(
            "UPDATE deal_contact SET role = 'gatekeeper' WHERE contact_id = (SELECT id FROM contact"
            " WHERE name = '陈静')"
        )
        con.execute(
            "UPDATE deal_contact SET stance = 'opponent' WHERE contact_id = (SELECT id FROM contact"
            " WHERE name = '王建国')"
        )
    con.close()
    data = sd("map", A, "--deal", "调度", "--json").json()
    boss = data["contacts"][0]
    assert (boss["stance"], boss["in_deal"]) == ("opponent", True)
    chen = boss["reports"][1]
    assert (chen["name"], chen["role"], chen["in_deal"]) == ("陈静", "gatekeeper", True)
    assert boss["reports"][0]["in_deal"] is False
    assert [(d["name"], d["unknown_roles"]) for d in data["deals"]] == [("调度中心网络改造", ["purchaser"])]
    # the other deal still sees the usual roles
    assert sd("map", A, "--deal", "变电站", "--json").json()["deals"][0]["unknown_roles"] == ["gatekeeper"]


def test_text_tree(sd, journal):
    out = sd("map", A).stdout
    order = [out.index(name) for name in ("王建国", "李明", "赵磊", "陈静", "孙丽")]
    assert order == sorted(order)
    assert "★coach" in out.split("李明", 1)[1].splitlines()[0]
    assert "Decision maker · Neutral · Meeting socially · Driver" in out
    assert "├──" in out and "└──" in out
    assert "roles still unknown: Gatekeeper" in out
    zh = sd("--lang", "zh", "map", A).stdout
    assert "决策者 · 中立 · 约会 · 进取型" in zh


def test_roles_to_look_for_come_from_config(sd, journal, isolated):
    (isolated / "config.toml").write_text("[map]\nroles = ['decision_maker', 'designer']\n", encoding="utf-8")
    assert sd("map", A, "--json").json()["deals"][0]["unknown_roles"] == ["designer"]
    (isolated / "config.toml").write_text("[map]\nroles = ['boss']\n", encoding="utf-8")
    assert sd("map", A).exit_code == 2


def test_errors(sd, journal):
    assert sd("map", "Nobody Inc").exit_code == 1
    wrong = sd("map", A, "--deal", "Elsewhere")
    assert wrong.exit_code in (1, 2) and "Traceback" not in wrong.output
    empty = sd("map", "Other Co")
    assert empty.exit_code == 0 and "No contacts yet" in empty.stdout


@pytest.mark.parametrize("width", [100, 60])
def test_reads_well_at_any_width(sd, journal, monkeypatch, width):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", str(width))
    out = sd("map", A).stdout
    assert max(cell_len(line.rstrip()) for line in out.splitlines()) <= width
    for whole in ("王建国 副总经理", "李明 信息中心主任 ★coach", "Influencer · Supporter · Trusting"):
        assert whole in out, (width, whole)
