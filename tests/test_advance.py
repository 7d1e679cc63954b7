"""`sd deal advance` (the stage exit check) and `sd deal markers` (the progress markers), flags and guided."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

ENTER, DOWN, SPACE, CTRL_C = "\r", "\x1b[B", " ", "\x03"
STAGE1_REQUIRED = ["customer_name", "project_name", "rough_need", "relationships"]


@pytest.fixture
def guided(sd, monkeypatch):  # noqa: ANN001, ANN201
    """Run `sd ARGS` as on a terminal, typing KEYS (end of the keys = end of input)."""
    from salesdiary.cli import state

    monkeypatch.setattr(state, "can_prompt", lambda: True)

    def run(*args: str, keys: list[str]):  # noqa: ANN202
        with create_pipe_input() as pipe:
            typist = threading.Thread(target=lambda: (pipe.send_text("".join(keys)), pipe.close()))
            typist.start()
            try:
                with create_app_session(input=pipe, output=DummyOutput()):
                    return sd(*args)
            finally:
                typist.join()

    return run


@pytest.fixture
def deal(sd):  # noqa: ANN001, ANN201
    for args in (
        ("account", "add", "Contoso Manufacturing"),
        ("deal", "add", "Plant segmentation", "--account", "Contoso", "--amount", "800000"),
    ):
        assert sd(*args).exit_code == 0
    return "Plant segmentation"


def rows(isolated, sql: str) -> list[tuple]:  # noqa: ANN001
    return [tuple(r) for r in sqlite3.connect(isolated / "journal.sqlite").execute(sql)]


def stage_of(sd, deal: str) -> str:  # noqa: ANN001
    return sd("deal", "show", deal, "--json").json()["stage"]


# --- markers ------------------------------------------------------------------------------------------


def test_markers_list_the_current_stage_with_ticks(sd, deal):
    assert sd("deal", "markers", deal, "--check", "customer_name").exit_code == 0
    result = sd("deal", "markers", deal)
    assert result.exit_code == 0
    assert "stage 1. Project information (5%)" in result.stdout
    assert "Goal: Collect project information" in result.stdout
    lines = {line.split("|")[3].strip(): line for line in result.stdout.splitlines() if line.count("|") > 5}
    assert "✓" in lines["The customer organisation's exact name is known"]
    assert "✓" not in lines["The project name is known"]
    assert "1 of 4 needed markers met" in result.stderr


def test_markers_json(sd, deal):
    sd("deal", "markers", deal, "--check", "rough_need")
    data = sd("deal", "markers", deal, "--json").json()
    assert [m["key"] for m in data] == STAGE1_REQUIRED
    met = {m["key"]: m["met_on"] for m in data if m["met"]}
    assert met == {"rough_need": "2026-11-25"}
    assert data[0]["label_zh"] == "获得用户单位具体名称" and data[0]["required"] is True


@pytest.mark.parametrize("name", ["project_name", "The project name is known", "项目名称", "2", "Project-Name"])
def test_a_marker_is_named_by_key_label_or_number(sd, deal, name):
    assert sd("deal", "markers", deal, "--check", name).exit_code == 0
    assert [m["key"] for m in sd("deal", "markers", deal, "--json").json() if m["met"]] == ["project_name"]


def test_uncheck_and_repeat(sd, deal, isolated):
    assert sd("deal", "markers", deal, "--check", "1", "--check", "2", "--check", "3").exit_code == 0
    result = sd("deal", "markers", deal, "--uncheck", "project_name")
    assert result.exit_code == 0 and "Unticked: The project name is known" in result.stderr
    assert rows(isolated, "SELECT marker FROM deal_marker ORDER BY marker") == [("customer_name",), ("rough_need",)]
    again = sd("deal", "markers", deal, "--check", "customer_name")
    assert again.exit_code == 0 and "Nothing changed." in again.stderr


def test_unknown_marker_and_contradiction_are_refused(sd, deal, isolated):
    unknown = sd("deal", "markers", deal, "--check", "budget_approved")
    assert unknown.exit_code == 1
    assert "has no marker 'budget_approved'" in unknown.stderr and "customer_name" in unknown.stderr
    both = sd("deal", "markers", deal, "--check", "1", "--uncheck", "customer_name")
    assert both.exit_code == 2 and "customer_name" in both.stderr
    assert rows(isolated, "SELECT count(*) FROM deal_marker") == [(0,)]


def test_markers_of_another_stage(sd, deal):
    assert sd("deal", "markers", deal, "--stage", "2", "--check", "budget").exit_code == 0
    data = sd("deal", "markers", deal, "--stage", "project_confirmation", "--json").json()
    assert [m["key"] for m in data if m["met"]] == ["budget"]
    assert not [m for m in sd("deal", "markers", deal, "--json").json() if m["met"]]


def test_guided_markers_checklist(guided, sd, deal, isolated):
    sd("deal", "markers", deal, "--check", "customer_name")
    result = guided(
        "deal",
        "markers",
        deal,
        keys=[SPACE, DOWN, SPACE, DOWN, DOWN, SPACE, ENTER, ENTER],  # untick 1, tick 2 and 4; save
    )
    assert result.exit_code == 0, result.output
    assert "✗ no longer met: The customer organisation's exact name is known" in result.stderr
    assert rows(isolated, "SELECT marker FROM deal_marker ORDER BY marker") == [("project_name",), ("relationships",)]


def test_guided_markers_cancelled(guided, sd, deal, isolated):
    result = guided("deal", "markers", deal, keys=[SPACE, CTRL_C, ENTER, ENTER])
    assert result.exit_code == 130
    assert "Cancelled; nothing was written." in result.stderr
    assert rows(isolated, "SELECT count(*) FROM deal_marker") == [(0,)]


# --- advance ------------------------------------------------------------------------------------------


def test_advance_is_refused_while_required_markers_are_unmet(sd, deal, isolated):
    sd("deal", "markers", deal, "--check", "customer_name", "--check", "project_name")
    changesets = rows(isolated, "SELECT count(*) FROM changeset")
    result = sd("deal", "advance", deal)
    assert result.exit_code == 1
    assert "cannot leave stage 1. Project information: 2 required markers are not met" in result.stderr
    assert "  - rough_need: The rough need is known" in result.stderr
    assert "  - relationships: " in result.stderr
    assert "--force --reason" in result.stderr
    assert stage_of(sd, deal) == "project_info"
    assert rows(isolated, "SELECT count(*) FROM changeset") == changesets


def test_advance_when_the_markers_are_met(sd, deal):
    sd("deal", "markers", deal, *[a for key in STAGE1_REQUIRED for a in ("--check", key)])
    result = sd("deal", "advance", deal)
    assert result.exit_code == 0, result.output
    assert "moved from 1. Project information (5%) to 2. Project confirmation (10%)" in result.stderr
    assert "Next stage 2. Project confirmation (10%) — goal:" in result.stderr
    history = sd("deal", "show", deal, "--json").json()["stage_history"]
    assert [(h["stage"], h["entered_on"], h["left_on"], bool(h["forced"])) for h in history] == [
        ("project_info", "2026-11-25", "2026-11-25", False),
        ("project_confirmation", "2026-11-25", None, False),
    ]
    # the new stage starts with its own markers unmet
    assert sd("deal", "advance", deal).exit_code == 1


def test_force_needs_a_reason_and_records_it(sd, deal):
    missing = sd("deal", "advance", deal, "--force")
    assert missing.exit_code == 2 and "--reason" in missing.stderr
    assert stage_of(sd, deal) == "project_info"
    result = sd("deal", "advance", deal, "--force", "--reason", "Tender announced early")
    assert result.exit_code == 0, result.output
    assert "Recorded as forced" in result.stderr
    history = sd("deal", "show", deal, "--json").json()["stage_history"]
    assert (history[-1]["stage"], bool(history[-1]["forced"]), history[-1]["reason"]) == (
        "project_confirmation",
        True,
        "Tender announced early",
    )
    assert "forced: Tender announced early" in sd("deal", "show", deal).stdout


def test_the_last_stage_and_closed_deals_do_not_advance(sd, deal):
    assert sd("deal", "edit", deal, "--stage", "10").exit_code == 0
    last = sd("deal", "advance", deal, "--force", "--reason", "x")
    assert last.exit_code == 1 and "last stage" in last.stderr and "sd deal won" in last.stderr
    assert sd("deal", "lost", deal, "--reason", "price").exit_code == 0
    closed = sd("deal", "advance", deal)
    assert closed.exit_code == 1 and "closed" in closed.stderr


def test_six_step_deal_advances_through_its_own_playbook(sd):
    sd("account", "add", "Fabrikam")
    sd("deal", "add", "Fleet tracking", "--account", "Fabrikam", "--playbook", "six_step")
    assert sd("deal", "advance", "Fleet tracking").exit_code == 1
    assert sd("deal", "markers", "Fleet tracking", "--check", "opportunity_found").exit_code == 0
    assert sd("deal", "advance", "Fleet tracking").exit_code == 0
    assert stage_of(sd, "Fleet tracking") == "build_trust"


def test_six_step_start_marker_repeating_the_end_marker_is_met_on_entering(sd, isolated):
    sd("account", "add", "Fabrikam")
    sd("deal", "add", "Fleet tracking", "--account", "Fabrikam", "--playbook", "six_step")
    assert sd("deal", "markers", "Fleet tracking", "--check", "opportunity_found").exit_code == 0
    moved = sd("deal", "advance", "Fleet tracking")
    assert moved.exit_code == 0, moved.output
    assert "Met on entering 2." in moved.stderr
    met = [m["key"] for m in sd("deal", "markers", "Fleet tracking", "--json").json() if m["met"]]
    assert met == ["opportunity_found"]  # build_trust starts with the opportunity found: no second tick
    # one write: the move and the carried marker are one changeset, undone together
    assert rows(isolated, "SELECT stage FROM deal_marker ORDER BY stage") == [("build_trust",), ("customer_analysis",)]
    assert sd("undo").exit_code == 0
    assert stage_of(sd, "Fleet tracking") == "customer_analysis"
    assert rows(isolated, "SELECT stage FROM deal_marker") == [("customer_analysis",)]
    # a stage whose start marker is not the previous end marker starts unmet (stage 3 starts at 约会)
    sd("deal", "advance", "Fleet tracking")
    sd("deal", "markers", "Fleet tracking", "--check", "good_relationship")
    assert "Met on entering" not in sd("deal", "advance", "Fleet tracking").stderr
    assert not [m for m in sd("deal", "markers", "Fleet tracking", "--json").json() if m["met"]]


def test_a_forced_advance_carries_no_unmet_end_marker(sd, isolated):
    sd("account", "add", "Fabrikam")
    sd("deal", "add", "Fleet tracking", "--account", "Fabrikam", "--playbook", "six_step")
    result = sd("deal", "advance", "Fleet tracking", "--force", "--reason", "Tender out")
    assert result.exit_code == 0 and "Met on entering" not in result.stderr
    assert not [m for m in sd("deal", "markers", "Fleet tracking", "--json").json() if m["met"]]


def test_guided_advance_ticks_what_is_now_true_then_advances(guided, sd, deal, isolated):
    sd("deal", "markers", deal, "--check", "customer_name", "--check", "project_name")
    changesets = rows(isolated, "SELECT count(*) FROM changeset")[0][0]
    result = guided("deal", "advance", deal, keys=[SPACE, DOWN, SPACE, ENTER, ENTER])
    assert result.exit_code == 0, result.output
    assert "Needed to leave this stage and not yet met:" in result.stderr
    assert stage_of(sd, deal) == "project_confirmation"
    assert rows(isolated, "SELECT count(*) FROM deal_marker") == [(4,)]
    assert rows(isolated, "SELECT count(*) FROM changeset") == [(changesets + 1,)]  # ticks and move together
    assert not sd("deal", "show", deal, "--json").json()["stage_history"][-1]["forced"]


def test_guided_advance_forced_with_a_reason(guided, sd, deal):
    result = guided("deal", "advance", deal, keys=[ENTER, "y", "Customer asked for a quote now", ENTER, ENTER])
    assert result.exit_code == 0, result.output
    last = sd("deal", "show", deal, "--json").json()["stage_history"][-1]
    assert (last["stage"], bool(last["forced"]), last["reason"]) == (
        "project_confirmation",
        True,
        "Customer asked for a quote now",
    )


def test_guided_advance_declined_keeps_the_stage_and_may_save_ticks(guided, sd, deal, isolated):
    result = guided("deal", "advance", deal, keys=[SPACE, ENTER, "n", "y"])
    assert result.exit_code == 1
    assert "stays at 1. Project information" in result.stderr
    assert stage_of(sd, deal) == "project_info"
    assert rows(isolated, "SELECT marker FROM deal_marker") == [("customer_name",)]
