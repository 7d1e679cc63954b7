"""`sd next`: the method tells the rep what to do next — on one deal, on an account, or across the open deals."""

from __future__ import annotations

import pytest

from conftest import build

PLAN_KEYS = {"deal", "stage", "markers", "tips", "findings", "evaluation", "people", "actions"}


def _deal_ids(sd, status: str = "all") -> list[int]:  # noqa: ANN001
    result = sd("deal", "list", "--status", status, "--all", "--json")
    assert result.exit_code == 0, result.output
    return [int(d["id"]) for d in result.json()]


def test_next_deal_findings_equal_check_all_for_every_demo_deal(sd, demo):  # noqa: ANN001
    check = sd("check", "--all", "--json")
    assert check.exit_code == 1, check.output  # the demo has findings
    every = check.json()
    ids = _deal_ids(sd)
    assert len(ids) >= 12
    compared = 0
    for deal_id in ids:
        plan = sd("next", str(deal_id), "--json")
        assert plan.exit_code == 0, plan.output
        expected = [f for f in every if f["entity"] == "deal" and f["id"] == deal_id]
        got = plan.json()["findings"]
        if plan.json()["deal"]["status"] == "open":
            assert got == expected, deal_id
            compared += bool(expected)
        else:
            assert got == []  # `sd check` checks open deals only
    assert compared >= 5  # most demo deals have findings: the comparison is not empty


def test_next_deal_json_has_the_stable_keys_and_3_to_5_actions(sd, demo):  # noqa: ANN001
    data = sd("next", "1", "--json").json()
    assert PLAN_KEYS <= set(data)
    assert set(data["stage"]) == {"key", "number", "label", "goal"}
    assert data["stage"]["key"] == "standards_set" and data["stage"]["number"] == 6
    assert data["markers"] and all(set(m) == {"key", "label", "required", "met"} for m in data["markers"])
    required = [m["required"] for m in data["markers"]]
    assert required == sorted(required, reverse=True)  # required ones first
    assert 3 <= len(data["actions"]) <= 5
    for a in data["actions"]:
        assert set(a) == {"text", "why", "source"} and a["text"] and a["why"] and a["source"]
    assert any(a["source"] == "Ten-step method, step 6" for a in data["actions"])


def test_next_shows_the_current_stage_tips_not_the_next_ones(sd, demo):  # noqa: ANN001
    from salesdiary.core.playbook import load_playbook

    book = load_playbook("ten_step")
    data = sd("next", "1", "--json").json()
    assert data["tips"] == [t.en for t in book.stage("standards_set").tips]
    shown = sd("next", "1").stdout
    assert "Tips for this stage:" in shown
    assert book.stage("standards_set").tips[0].en in shown
    assert "Stage 6. Standards set — goal:" in shown


def test_ticking_a_required_marker_marks_it_met_and_drops_its_action(sd, demo):  # noqa: ANN001
    before = sd("next", "7", "--json").json()  # 1. Project information: nothing ticked
    first = before["markers"][0]
    assert first["required"] and not first["met"]
    assert any(first["label"] in a["text"] for a in before["actions"])
    assert sd("deal", "markers", "7", "--check", first["key"]).exit_code == 0
    after = sd("next", "7", "--json").json()
    assert next(m for m in after["markers"] if m["key"] == first["key"])["met"] is True
    assert not any(first["label"] in a["text"] for a in after["actions"])


def test_next_in_chinese_names_the_books(sd, demo):  # noqa: ANN001
    data = sd("--lang", "zh", "next", "1", "--json").json()
    sources = {a["source"] for a in data["actions"]}
    assert "《项目销售十步法》第 6 步" in sources, sources
    assert data["stage"]["label"] == "标准确立"
    plain = sd("--lang", "zh", "next", "1").stdout
    assert "目标：" in plain or "目标:" in plain
    assert "seed" not in plain


SIX = [
    ("2026-10-01", ("account", "add", "Sigma")),
    (
        "2026-10-01",
        ("contact", "add", "Ann", "--account", "Sigma", "--role", "decision_maker", "--relationship", "acquainted"),
    ),
    ("2026-10-01", ("contact", "add", "Bob", "--account", "Sigma", "--role", "user", "--relationship", "acquainted")),
    (
        "2026-10-01",
        (
            "deal",
            "add",
            "S1",
            "--account",
            "Sigma",
            "--playbook",
            "six_step",
            "--stage",
            "uncover_needs",
            "--amount",
            "100000",
            "--next",
            "Send the plan",
            "--next-date",
            "2026-12-01",
        ),
    ),
    ("2026-10-02", ("visit", "add", "--account", "Sigma", "--deal", "S1", "--contact", "Ann", "--kind", "call")),
]


@pytest.fixture
def six(isolated):  # noqa: ANN001, ANN201
    build(isolated / "journal.sqlite", SIX)


def test_six_step_deal_gets_its_own_stage_and_the_relationship_ladder(sd, six):  # noqa: ANN001
    data = sd("next", "S1", "--json").json()
    assert data["stage"] == {
        "key": "uncover_needs",
        "number": 3,
        "label": "Uncover needs",
        "goal": data["stage"]["goal"],
    }
    assert any(a["source"].startswith("Six-step method") for a in data["actions"])
    ann = next(p for p in data["people"] if p["name"] == "Ann")
    assert ann["next_relationship"] == "dating" and "Technical exchange" in ann["activities"]
    # stage 3 (40 %) needs key people at "dating": Ann, the decision maker, is only acquainted
    assert any("Ann" in a["text"] and "Technical exchange" in a["text"] for a in data["actions"])
    zh = sd("--lang", "zh", "next", "S1", "--json").json()
    assert any(a["source"].startswith("《摧龙六式》") for a in zh["actions"])


def test_a_key_person_at_the_needed_relationship_gets_no_ladder_action(sd, six):  # noqa: ANN001
    assert sd("contact", "edit", "Ann", "--relationship", "dating").exit_code == 0
    data = sd("next", "S1", "--json").json()
    assert not any("Ann" in a["text"] for a in data["actions"])
    assert data["gaps"]["below"] == []


def test_evaluation_not_answered_then_a_weak_verdict(sd, six):  # noqa: ANN001
    data = sd("next", "S1", "--json").json()
    assert data["evaluation"]["answered"] == 0 and data["evaluation"]["asked"] is True
    assert any("sd qualify" in a["text"] for a in data["actions"])
    answers = [a for n in range(1, 6) for a in ("--answer", f"{n}=no")]
    assert sd("qualify", "S1", *answers).exit_code == 0
    data = sd("next", "S1", "--json").json()
    assert data["evaluation"]["verdict"]["key"] == "not_real"
    assert not any("sd qualify" in a["text"] for a in data["actions"])
    assert any(a["source"] == "Key-account management" for a in data["actions"])


def test_next_account_lists_its_rules_and_each_open_deal(sd, demo):  # noqa: ANN001
    data = sd("next", "华东电网", "--json").json()
    assert data["account"]["name"] == "华东电网有限公司"
    names = {d["deal"]["name"] for d in data["deals"]}
    assert names == {"调度中心网络改造", "变电站视频监控二期"}
    assert all(d["action"]["text"] for d in data["deals"])
    shown = sd("next", "华东电网").stdout
    assert "Open deals, the top action of each:" in shown


def test_next_account_shows_the_account_rules(sd, isolated):  # noqa: ANN001
    steps = [("2026-10-01", ("account", "add", "Gamma", "--info-stage", "qualified"))] + [
        (f"2026-10-0{d}", ("visit", "add", "--account", "Gamma")) for d in (2, 3, 4)
    ]
    build(isolated / "journal.sqlite", steps)
    data = sd("next", "Gamma", "--json").json()
    # a qualified account without an insider also misses its information stage's criteria
    assert [f["rule"] for f in data["findings"]] == ["no_coach", "info_stage_unmet"]
    assert data["actions"][0]["source"] == "Sales handbook"


def test_next_alone_orders_overdue_first_and_limits(sd, demo):  # noqa: ANN001
    data = sd("next", "--json").json()
    assert data["total"] == 12 and len(data["items"]) == 10
    late = [i["days_late"] for i in data["items"]]
    assert late[0] == max(late) > 0
    assert late == sorted(late, reverse=True)
    assert len(sd("next", "--all", "--json").json()["items"]) == 12
    assert len(sd("next", "--limit", "3", "--json").json()["items"]) == 3
    shown = sd("next")
    assert shown.exit_code == 0
    assert "10 of 12 open deals shown" in shown.stderr


def test_next_on_a_closed_deal_says_so_and_what_is_owed(sd, demo):  # noqa: ANN001
    shown = sd("next", "13")
    assert shown.exit_code == 0
    assert "This deal is closed (Won)." in shown.stdout
    assert "Nothing is left to do" in shown.stdout
    assert sd("receivable", "add", "13", "--amount", "100000", "--due", "2026-12-31").exit_code == 0
    data = sd("next", "13", "--json").json()
    assert [a["text"] for a in data["actions"]] == ["Collect the 100,000 still owed on this deal."]


def test_next_unknown_name_is_one_line_and_non_zero(sd, demo):  # noqa: ANN001
    result = sd("next", "no such thing at all")
    assert result.exit_code == 1  # not found (CLI.md)
    assert result.stderr == "sd: error: No deal or account matches 'no such thing at all'.\n"
    assert sd("next", "--limit", "0").exit_code == 2


def test_visit_add_with_flags_ends_with_next_lines_for_its_deal(sd, demo):  # noqa: ANN001
    result = sd("visit", "add", "--deal", "7", "--summary", "Met the CIO")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Next: ")]
    assert lines == [
        "Next: Reach this progress marker: The customer organisation's exact name is known. (Ten-step method, step 1)",
        "Next: Reach this progress marker: The project name is known. (Ten-step method, step 1)",
    ]
    assert sd("deal", "markers", "7", "--check", "customer_name", "--check", "project_name").exit_code == 0
    again = sd("visit", "add", "--deal", "7", "--summary", "Again")
    assert "Next: Reach this progress marker: The rough need is known." in again.stderr


def test_visit_add_on_an_account_without_open_deals_says_no_next(sd, isolated):  # noqa: ANN001
    assert sd("account", "add", "Quiet").exit_code == 0
    result = sd("visit", "add", "--account", "Quiet", "--summary", "Coffee")
    assert result.exit_code == 0, result.output
    assert "Next:" not in result.output
    assert sd("deal", "add", "Q1", "--account", "Quiet").exit_code == 0
    result = sd("visit", "add", "--account", "Quiet", "--summary", "Coffee")
    assert "Next: Reach this progress marker" in result.stderr


def test_deal_show_has_the_goal_the_markers_still_needed_and_the_top_actions(sd, demo):  # noqa: ANN001
    shown = sd("deal", "show", "7")
    assert shown.exit_code == 0, shown.output
    assert "Goal" in shown.stdout and "Collect project information" in shown.stdout
    assert "[ ] The customer organisation's exact name is known" in shown.stdout
    assert "Next actions (sd next 7 for the whole plan)" in shown.stdout
    data = sd("deal", "show", "7", "--json").json()
    assert data["coach"]["goal"] == "Collect project information"
    assert data["coach"]["unmet_required"][0] == "The customer organisation's exact name is known"
    assert 1 <= len(data["coach"]["actions"]) <= 3
    assert sd("deal", "markers", "7", "--check", "customer_name").exit_code == 0
    data = sd("deal", "show", "7", "--json").json()
    assert "The customer organisation's exact name is known" not in data["coach"]["unmet_required"]
    closed = sd("deal", "show", "13", "--json").json()
    assert closed["coach"] is None
    assert "Next actions" not in sd("deal", "show", "13").stdout


def test_next_alone_gives_each_deal_the_same_action_checked_one_by_one_or_all_at_once(sd, demo):  # noqa: ANN001
    few = sd("next", "--limit", "5", "--json").json()["items"]  # deals checked one by one
    every = {i["deal"]["id"]: i for i in sd("next", "--all", "--json").json()["items"]}  # one whole check
    assert len(few) == 5
    for item in few:
        assert item["action"] == every[item["deal"]["id"]]["action"]
    assert [i["deal"]["id"] for i in few] == list(every)[:5]  # the same order


@pytest.fixture
def team(monkeypatch):  # noqa: ANN001, ANN201
    """SD_DATABASE_URL → a fresh PostgreSQL schema filled by `sd demo` (tests/pgtools.py)."""
    import pgtools

    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        for args in (("db", "upgrade"), ("demo",)):
            result = sd_run(*args)
            assert result.exit_code == 0, result.output
        yield url


def sd_run(*args: str):  # noqa: ANN201
    from conftest import run_sd

    return run_sd(*args)


def test_next_on_postgresql_gives_the_plans_and_the_findings_of_check(team):  # noqa: ANN001
    every = sd_run("check", "--all", "--owner", "all", "--json").json()
    for deal_id in (1, 4, 6, 11):
        plan = sd_run("next", str(deal_id), "--json")
        assert plan.exit_code == 0, plan.output
        data = plan.json()
        assert data["findings"] == [f for f in every if f["entity"] == "deal" and f["id"] == deal_id]
        assert 3 <= len(data["actions"]) <= 5
    agenda = sd_run("next", "--owner", "all", "--json").json()
    assert agenda["total"] == 12 and agenda["items"][0]["days_late"] > 0
    assert sd_run("next", "华东电网", "--json").json()["account"]["name"] == "华东电网有限公司"
    shown = sd_run("deal", "show", "6", "--json").json()
    assert shown["coach"]["actions"]


def test_a_threshold_of_the_wrong_type_is_exit_2_naming_the_key(sd, demo, isolated):  # noqa: ANN001
    from salesdiary.store.paths import load_config

    (isolated / "config.toml").write_text("[health]\nkey_roles = 5\n", encoding="utf-8")
    load_config.cache_clear()
    result = sd("next", "1")
    assert result.exit_code == 2
    assert "health.key_roles" in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1
