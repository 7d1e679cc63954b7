"""The installed `sd` in a real pseudo-terminal: a rep logs a visit through the guided questions.

A small expect loop over the standard library's pty: wait for each question to appear on the
screen, then type the answer, as a person would. The terminal's answers to cursor-position
requests are given too, as a real terminal gives them.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from conftest import CTRL_C, DOWN, ENTER, SPACE, Terminal, run_sd

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")


@pytest.fixture
def contoso(sd):  # noqa: ANN001, ANN201
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
        assert sd(*args).exit_code == 0


def test_guided_visit_end_to_end_in_a_terminal(contoso, isolated):
    term = Terminal("visit", "add")
    term.answer("Account (type to search; a new name creates it):", "conto", ENTER)
    term.answer("Which account?", ENTER)
    term.answer("Which deal was it about?", ENTER)
    term.answer("Who did you meet?", SPACE, ENTER)
    term.answer("Did you meet someone new?", "y")
    term.answer("Their name:", "Wang Fang", ENTER)
    term.answer("Their title (Enter to skip):", "Purchasing manager", ENTER)
    term.answer("Their buying role:", "purch", ENTER)
    term.answer("Did you meet someone else new?", "n")
    term.answer("What kind of activity?", "tech", ENTER)
    term.answer("When was it?", ENTER)
    term.answer("What was it for?", "Walk the IT team through the design", ENTER)
    term.answer("What happened?", "They want redundancy in the core", ENTER)
    term.answer("What did the customer say?", "Budget is approved for Q1", ENTER)
    term.expect("Stage 1. Project information (5%) — goal: Collect project information")
    term.answer("Which of these are now true?", SPACE, DOWN, SPACE, ENTER)
    term.expect("Next stage 2. Project confirmation (10%)")
    term.answer("Advance the deal to 2. Project confirmation (10%)?", ENTER)
    term.answer("Did your relationship with Priya Shah move? (now: Acquainted)", ENTER)
    term.answer("Where does your relationship with Wang Fang stand?", ENTER)
    term.answer("Next step (Enter to skip):", "Send the revised proposal", ENTER)
    term.answer("When?", ENTER)
    term.expect("Visit to save")
    term.answer("Save this visit?", ENTER)
    term.expect("Logged visit #1.")
    assert term.wait() == 0, term.text[-2000:]
    screen = term.text
    assert "Added contact #3 Wang Fang." in screen and "Deal #1 moved to 2. Project confirmation (10%)." in screen

    con = sqlite3.connect(isolated / "journal.sqlite")
    assert con.execute("SELECT stage, next_step, next_step_date FROM deal").fetchone() == (
        "project_confirmation",
        "Send the revised proposal",
        "2026-12-02",
    )
    assert con.execute("SELECT kind, feedback FROM visit").fetchone() == ("tech_exchange", "Budget is approved for Q1")
    people = dict(con.execute("SELECT name, relationship FROM contact"))
    assert people == {"Priya Shah": "dating", "Tom Lee": None, "Wang Fang": "dating"}
    assert con.execute("SELECT role, title FROM contact WHERE name = 'Wang Fang'").fetchone() == (
        "purchaser",
        "Purchasing manager",
    )
    if os.environ.get("SD_PTY_TRANSCRIPT"):  # keep what the rep saw, for the docs
        Path(os.environ["SD_PTY_TRANSCRIPT"]).write_text(screen, encoding="utf-8")


def test_ctrl_c_in_a_terminal_leaves_the_journal_as_it_was(contoso, isolated):
    con = sqlite3.connect(isolated / "journal.sqlite")
    before = con.execute("SELECT count(*) FROM changeset").fetchone()[0]
    term = Terminal("visit", "add", "--account", "Contoso")
    term.answer("Which deal was it about?", ENTER)
    term.answer("Who did you meet?", SPACE, ENTER)
    term.answer("Did you meet someone new?", CTRL_C)
    term.expect("Cancelled; nothing was written.")
    assert term.wait() == 130
    assert con.execute("SELECT count(*) FROM changeset").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM visit").fetchone()[0] == 0


def test_no_input_in_a_terminal_asks_nothing(contoso):
    term = Terminal("--no-input", "visit", "add", "--kind", "call")
    term.expect("Missing --account")
    assert term.wait() == 2
    assert "?" not in term.text.split("Missing")[0]  # no question was drawn first


def test_the_questions_own_words_are_chinese_in_chinese(contoso, isolated):
    """questionary writes its answers and hints in English ("Yes", "No", "(y/N)", "done"); in Chinese they are
    Chinese too."""
    term = Terminal("--lang", "zh", "visit", "add", "--account", "Contoso", "--kind", "call")
    term.answer("和哪个项目有关？", ENTER)
    term.answer("见了谁？", ENTER)  # nobody ticked: questionary says "done"
    term.expect("完成")
    term.expect("（Y 是 / n 否）")
    term.type("n")
    term.expect("否")
    term.answer("什么时候？", CTRL_C)
    assert term.wait() == 130
    screen = term.text
    for english in ("done", "(y/N)", "(Y/n)", " No\n", " Yes\n"):
        assert english not in screen, (english, screen[-1500:])


@pytest.mark.parametrize(
    ("args", "paged"),
    [
        (("history",), True),
        (("account", "list", "--all"), True),
        (("--no-pager", "history"), False),
        (("history", "--limit", "1"), False),  # fits on the screen: printed as it is
    ],
)
def test_long_output_goes_through_the_pager_on_a_terminal(contoso, isolated, monkeypatch, args, paged):
    got = isolated / "paged.txt"
    monkeypatch.setenv("SD_PAGER", f"cat > {got}")
    for i in range(30):
        assert run_sd("account", "add", f"Account {i:02d}").exit_code == 0
    term = Terminal(*args, rows=20)
    assert term.wait() == 0
    if paged:
        assert got.exists() and "Account 29" in got.read_text()
        assert "Account 29" not in term.text
    else:
        assert not got.exists()
        assert term.text.strip()


def test_piped_output_never_goes_through_a_pager(contoso, isolated, monkeypatch):
    got = isolated / "paged.txt"
    monkeypatch.setenv("SD_PAGER", f"cat > {got}")
    for i in range(30):
        assert run_sd("account", "add", f"Account {i:02d}").exit_code == 0
    result = run_sd("history")
    assert result.exit_code == 0 and "Account 29" in result.stdout and not got.exists()
