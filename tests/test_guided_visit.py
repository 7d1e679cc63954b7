"""The guided `sd visit add`: the rep answers questions on a terminal; one transaction after the summary.

The questions are real questionary prompts fed keystrokes through prompt_toolkit's pipe input (the
pattern of questionary's own tests). The pipe is closed after the keys, so a question the test did
not expect ends the run (end of input → cancelled, exit 130) instead of waiting forever.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from salesdiary.core import enums

ENTER, DOWN, SPACE, CTRL_C, ESC, CTRL_U = "\r", "\x1b[B", " ", "\x03", "\x1b", "\x15"


PAUSE = object()  # wait 1.5 s before the next keys (so that a lone Esc is read as Esc)


@pytest.fixture
def guided(sd, monkeypatch):  # noqa: ANN001, ANN201
    """Run `sd ARGS` as on a terminal, typing KEYS (a list of strings, PAUSE between bursts)."""
    from salesdiary.cli import state

    monkeypatch.setattr(state, "can_prompt", lambda: True)

    def run(*args: str, keys: list):  # noqa: ANN202
        bursts: list[list[str]] = [[]]
        for key in keys:
            if key is PAUSE:
                bursts.append([])
            else:
                bursts[-1].append(key)
        with create_pipe_input() as pipe:

            def type_keys() -> None:
                for i, burst in enumerate(bursts):
                    if i:
                        time.sleep(1.5)
                    pipe.send_text("".join(burst))
                pipe.close()

            typist = threading.Thread(target=type_keys)
            typist.start()
            try:
                with create_app_session(input=pipe, output=DummyOutput()):
                    return sd(*args)
            finally:
                typist.join()

    return run


def db(isolated) -> sqlite3.Connection:  # noqa: ANN001
    con = sqlite3.connect(isolated / "journal.sqlite")
    con.row_factory = sqlite3.Row
    return con


def count(isolated, table: str) -> int:  # noqa: ANN001
    return db(isolated).execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def contoso(sd):  # noqa: ANN001, ANN201
    """An account with two people and a deal at stage 1 whose first two markers are met."""
    for args in (
        ("account", "add", "Contoso Manufacturing"),
        (
            "contact",
            "add",
            "Priya Shah",
            "--account",
            "Contoso",
            "--title",
            "IT director",
            "--relationship",
            "acquainted",
        ),
        ("contact", "add", "Tom Lee", "--account", "Contoso"),
        ("deal", "add", "Plant segmentation", "--account", "Contoso", "--amount", "800000"),
        ("deal", "markers", "Plant segmentation", "--check", "customer_name", "--check", "project_name"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output


def test_new_account_deal_and_contact_with_markers_advance_and_next_step(guided, sd, isolated):
    sd("account", "list")  # creates the journal
    changesets = count(isolated, "changeset")
    result = guided(
        "visit",
        "add",
        keys=[
            "Acme Robotics" + ENTER,  # account: nothing matches
            "y",  # create it as a new account
            DOWN + ENTER,  # deal: "A new deal…"
            "Plant network" + ENTER + "120万" + ENTER,  # its name and amount
            "y",  # met someone new
            "Li Wei" + ENTER + "CTO" + ENTER + "decision" + ENTER,  # name, title, buying role (typed to filter)
            "n",  # nobody else
            "tech" + ENTER,  # activity: Technical exchange
            ENTER,  # when: today (the default)
            "Present the design" + ENTER,  # what it was for
            "Walked through the design" + ENTER,  # what happened
            "Wants a quote" + ENTER,  # the customer's feedback
            SPACE + DOWN + SPACE + DOWN + SPACE + DOWN + SPACE + ENTER,  # all four markers of stage 1 are now true
            ENTER,  # advance to stage 2 (default yes)
            ENTER,  # relationship with Li Wei: the suggestion (a technical exchange builds "dating")
            "Send the quote" + ENTER + ENTER,  # next step, due a week ahead (the default)
            ENTER,  # save
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Visit to save" in result.stdout
    assert "Every marker needed to leave 1. Project information (5%) is met." in result.stderr
    assert "Next stage 2. Project confirmation (10%) — goal: Confirm the project is real" in result.stderr
    assert "300,000 or more" in result.stderr  # the first tip of stage 2
    con = db(isolated)
    assert count(isolated, "changeset") == changesets + 1  # one transaction, one changeset
    account = con.execute("SELECT * FROM account").fetchone()
    assert account["name"] == "Acme Robotics"
    deal = con.execute("SELECT * FROM deal").fetchone()
    assert (deal["name"], deal["amount"], deal["stage"]) == ("Plant network", 1_200_000, "project_confirmation")
    assert (deal["next_step"], deal["next_step_date"]) == ("Send the quote", "2026-12-02")
    marks = {r["marker"] for r in con.execute("SELECT marker FROM deal_marker WHERE stage = 'project_info'")}
    assert marks == {"customer_name", "project_name", "rough_need", "relationships"}
    history = con.execute("SELECT stage, entered_on, left_on FROM stage_history ORDER BY id").fetchall()
    assert [tuple(h) for h in history] == [
        ("project_info", "2026-11-25", "2026-11-25"),
        ("project_confirmation", "2026-11-25", None),
    ]
    person = con.execute("SELECT * FROM contact").fetchone()
    assert (person["name"], person["title"], person["role"], person["relationship"]) == (
        "Li Wei",
        "CTO",
        "decision_maker",
        "dating",
    )
    visit = con.execute("SELECT * FROM visit").fetchone()
    assert (visit["kind"], visit["purpose"], visit["summary"], visit["feedback"]) == (
        "tech_exchange",
        "Present the design",
        "Walked through the design",
        "Wants a quote",
    )
    assert con.execute("SELECT contact_id FROM visit_contact").fetchone()[0] == person["id"]
    follow = con.execute("SELECT action, due, deal_id FROM followup").fetchone()
    assert tuple(follow) == ("Send the quote", "2026-12-02", deal["id"])


# what the activity builds, as 摧龙六式 says: a meal 约会; a banquet, our executives' visit or a valuable gift 信赖
@pytest.mark.parametrize(
    ("kind", "built"),
    [("meal", "dating"), ("social", "trusting"), ("executive_visit", "trusting"), ("贵重礼品", "trusting")],
)
def test_existing_account_found_by_typing_part_of_its_name(guided, sd, isolated, contoso, kind, built):
    result = guided(
        "visit",
        "add",
        "--kind",
        kind,
        "--purpose",
        "Dinner after the site survey",
        keys=[
            "conto" + ENTER,  # part of the name
            ENTER,  # the one account that matches
            ENTER,  # its open deal (first choice)
            SPACE + ENTER,  # met Priya Shah (first in the list)
            "n",  # nobody new
            ENTER,  # when: today
            "Talked about the budget" + ENTER + ENTER,  # what happened; no feedback
            SPACE + ENTER,  # the first unmet marker (rough need) is now true; one required is still unmet
            ENTER,  # Priya: what the activity builds — the suggestion
            ENTER,  # no next step
            ENTER,  # save
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Every marker needed" not in result.stderr  # "relationships" is still unmet: no offer to advance
    con = db(isolated)
    visit = con.execute("SELECT * FROM visit").fetchone()
    assert (visit["kind"], visit["purpose"], visit["summary"], visit["feedback"]) == (
        enums.VISIT_KIND.parse(kind),
        "Dinner after the site survey",
        "Talked about the budget",
        None,
    )
    priya = con.execute("SELECT relationship FROM contact WHERE name = 'Priya Shah'").fetchone()
    assert priya["relationship"] == built
    assert con.execute("SELECT stage FROM deal").fetchone()[0] == "project_info"
    marks = {r[0] for r in con.execute("SELECT marker FROM deal_marker")}
    assert marks == {"customer_name", "project_name", "rough_need"}
    assert count(isolated, "followup") == 0
    assert count(isolated, "account") == 1  # found, not created again


def test_flags_skip_their_questions(guided, sd, isolated, contoso):
    result = guided(
        "visit",
        "add",
        "--account",
        "Contoso",
        "--deal",
        "Plant",
        "--contact",
        "Priya",
        "--kind",
        "call",
        "--purpose",
        "Check the timeline",
        "--summary",
        "Budget approved",
        "--feedback",
        "Go ahead",
        "--next",
        "Send the plan",
        "--follow-up",
        "fri",
        keys=[
            ENTER,  # when: today
            ENTER,  # markers: none ticked
            ENTER,  # Priya: a call builds acquaintance, which she already has: no change (the default)
            ENTER,  # save
        ],
    )
    assert result.exit_code == 0, result.output
    con = db(isolated)
    visit = con.execute("SELECT kind, next_step, follow_up_date FROM visit").fetchone()
    assert tuple(visit) == ("call", "Send the plan", "2026-11-27")
    assert con.execute("SELECT relationship FROM contact WHERE name = 'Priya Shah'").fetchone()[0] == "acquainted"
    assert con.execute("SELECT due FROM followup").fetchone()[0] == "2026-11-27"


def test_contact_given_names_the_account(guided, sd, isolated, contoso):
    result = guided(
        "visit",
        "add",
        "--contact",
        "Tom Lee",
        "--kind",
        "visit",
        keys=[
            DOWN + ENTER,  # deal: none
            ENTER,  # when: today
            ENTER + ENTER + ENTER,  # purpose, what happened, feedback: skipped
            ENTER,  # Tom (relationship not recorded): a visit builds acquaintance — the suggestion
            ENTER + ENTER,  # no next step; save
        ],
    )
    assert result.exit_code == 0, result.output
    con = db(isolated)
    row = con.execute("SELECT v.deal_id, a.name FROM visit v JOIN account a ON a.id = v.account_id").fetchone()
    assert tuple(row) == (None, "Contoso Manufacturing")
    assert con.execute("SELECT relationship FROM contact WHERE name = 'Tom Lee'").fetchone()[0] == "acquainted"


def test_a_bad_date_is_asked_again(guided, sd, isolated, contoso):
    result = guided(
        "visit",
        "add",
        "--account",
        "Contoso",
        "--kind",
        "call",
        keys=[
            DOWN + ENTER,  # no deal
            ENTER + "n",  # met nobody listed, nobody new
            ENTER,  # when: today
            ENTER + ENTER + ENTER,  # purpose, summary, feedback
            "Call back" + ENTER,  # next step
            CTRL_U + "someday" + ENTER,  # not a date: the question stays
            CTRL_U + "+3d" + ENTER,  # three days ahead
            ENTER,  # save
        ],
    )
    assert result.exit_code == 0, result.output
    assert db(isolated).execute("SELECT due FROM followup").fetchone()[0] == "2026-11-28"


@pytest.mark.parametrize(
    ("cancel", "code"),
    [([CTRL_C], 130), ([ESC, PAUSE], 130), ([], 0)],
    ids=["ctrl-c", "esc", "not cancelled"],
)
def test_cancel_at_any_question_writes_nothing(guided, sd, isolated, contoso, cancel, code):
    before = {t: count(isolated, t) for t in ("account", "deal", "contact", "visit", "changeset")}
    result = guided(
        "visit",
        "add",
        keys=[
            "Brand New Co" + ENTER + "y",  # a new account…
            DOWN + ENTER + "New deal" + ENTER + ENTER,  # …and a new deal
            "n",  # nobody new
            *cancel,  # at the activity question
            ENTER + ENTER + ENTER + ENTER + ENTER + ENTER + ENTER + ENTER,  # what would finish and save the visit
        ],
    )
    assert result.exit_code == code, result.output
    after = {t: count(isolated, t) for t in before}
    if code == 130:
        assert result.stderr.strip().splitlines()[-1] == "Cancelled; nothing was written."
        assert after == before
    else:  # the same keys without the cancel do write: the test above would notice a cancel that did nothing
        assert after == {**before, "account": 2, "deal": 2, "visit": 1, "changeset": before["changeset"] + 1}


def test_saying_no_at_the_summary_writes_nothing(guided, sd, isolated, contoso):
    before = count(isolated, "changeset")
    result = guided(
        "visit",
        "add",
        "--account",
        "Contoso",
        "--kind",
        "call",
        keys=[DOWN, ENTER, ENTER, "n", ENTER, ENTER, ENTER, ENTER, ENTER, "n"],
    )
    assert result.exit_code == 1
    assert "Visit to save" in result.stdout
    assert "Not saved; nothing was written." in result.stderr
    assert count(isolated, "visit") == 0 and count(isolated, "changeset") == before


def test_without_a_terminal_nothing_prompts_and_the_flags_are_named(sd):
    result = sd("visit", "add", "--kind", "call")  # stdin is not a terminal
    assert result.exit_code == 2
    assert "--account" in result.stderr


def test_no_input_in_a_subprocess_fails_fast(sd_process):
    result = sd_process("--no-input", "visit", "add", "--summary", "x", timeout=30)
    assert result.exit_code == 2
    assert "Missing --account" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_guided_visit_asks_when_it_happened(guided, sd, isolated, contoso):
    result = guided(
        "visit",
        "add",
        "--account",
        "Contoso",
        "--kind",
        "call",
        keys=[
            DOWN + ENTER,  # no deal
            ENTER + "n",  # met nobody listed, nobody new
            "someday" + ENTER,  # not a date: asked again
            CTRL_U + "yesterday" + ENTER,  # when (the field starts empty: typed as is)
            ENTER + ENTER + ENTER,  # purpose, summary, feedback
            ENTER,  # no next step
            ENTER,  # save
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-24" in result.stdout  # the summary shows the date given
    assert db(isolated).execute("SELECT date FROM visit").fetchone()[0] == "2026-11-24"


def test_a_date_flag_skips_the_question(guided, sd, isolated, contoso):
    result = guided(
        "visit",
        "add",
        "--account",
        "Contoso",
        "--kind",
        "call",
        "--date",
        "2026-11-20",
        keys=[DOWN + ENTER, ENTER + "n", ENTER + ENTER + ENTER, ENTER, ENTER],
    )
    assert result.exit_code == 0, result.output
    assert db(isolated).execute("SELECT date FROM visit").fetchone()[0] == "2026-11-20"


def test_a_past_follow_up_date_answered_is_kept_with_a_warning(guided, sd, isolated, contoso):
    result = guided(
        "visit",
        "add",
        "--account",
        "Contoso",
        "--kind",
        "call",
        keys=[
            DOWN + ENTER,  # no deal
            ENTER + "n",  # met nobody listed, nobody new
            ENTER,  # when: today
            ENTER + ENTER + ENTER,  # purpose, summary, feedback
            "Call back" + ENTER,  # next step
            CTRL_U + "2026-11-20" + ENTER,  # in the past: kept
            ENTER,  # save
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-20 is in the past (5 days ago); kept as given." in result.stderr
    assert db(isolated).execute("SELECT due FROM followup").fetchone()[0] == "2026-11-20"


def test_the_guided_visit_shows_the_stage_goal_and_tips_before_the_markers_and_next_lines_after(
    guided, sd, isolated, contoso
):
    result = guided(
        "visit",
        "add",
        "--account",
        "Contoso",
        "--deal",
        "Plant",
        "--contact",
        "Priya",
        "--kind",
        "call",
        "--purpose",
        "Check the timeline",
        "--summary",
        "Budget approved",
        "--feedback",
        "Go ahead",
        "--next",
        "Send the plan",
        "--follow-up",
        "fri",
        keys=[ENTER, ENTER, ENTER, ENTER],  # today, no marker ticked, Priya unchanged, save
    )
    assert result.exit_code == 0, result.output
    err = result.stderr
    goal = err.index("Stage 1. Project information (5%) — goal: Collect project information")
    tips = err.index("Tips for this stage:")
    first_tip = err.index("Win the trust of supporters among customers in the industry")
    assert goal < tips < first_tip < err.index("Logged visit #")
    # after the save: the deal's top actions, its two unmet required markers of stage 1
    next_lines = [line for line in err.splitlines() if line.startswith("Next: ")]
    assert next_lines == [
        "Next: Reach this progress marker: The rough need is known. (Ten-step method, step 1)",
        "Next: Reach this progress marker: Personal connections into the customer are known. (Ten-step method, step 1)",
    ]
