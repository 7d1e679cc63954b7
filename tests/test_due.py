"""`sd due` / `sd overdue` / `sd today`: what is late and what is next, and the iCalendar file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import build

# Today is Wednesday 2026-11-25.
STEPS = [
    ("2026-11-01", ("account", "add", "华东电网有限公司")),
    ("2026-11-01", ("account", "add", "Northwind Logistics Ltd.")),
    ("2026-11-01", ("contact", "add", "王建国", "--account", "华东电网有限公司", "--role", "decision_maker")),
    ("2026-11-01", ("deal", "add", "调度中心网络改造", "--account", "华东电网有限公司", "--amount", "2000000")),
    ("2026-11-01", ("deal", "add", "Small job", "--account", "华东电网有限公司", "--amount", "100000")),
    # 1: 5 days late, small deal   2: 5 days late, big deal   3: bob's, 3 days late
    (
        "2026-11-01",
        ("followup", "add", "Call back", "--account", "华东电网有限公司", "--deal", "Small job", "--due", "2026-11-20"),
    ),
    (
        "2026-11-01",
        (
            "followup",
            "add",
            "Send the proposal, then call",
            "--account",
            "华东电网有限公司",
            "--deal",
            "调度中心网络改造",
            "--contact",
            "王建国",
            "--due",
            "2026-11-20",
        ),
    ),
    (
        "2026-11-01",
        ("followup", "add", "Bob's errand", "--account", "Northwind", "--due", "2026-11-22", "--owner", "bob"),
    ),
    # 4: 1 day late   5: today (a call)   6: in 7 days   7: in 8 days   8: done (not listed)
    ("2026-11-01", ("followup", "add", "Send site survey report", "--account", "Northwind", "--due", "2026-11-24")),
    (
        "2026-11-01",
        ("followup", "add", "Ring the IT manager", "--account", "Northwind", "--due", "2026-11-25", "--kind", "call"),
    ),
    ("2026-11-01", ("followup", "add", "Workshop", "--account", "Northwind", "--due", "2026-12-02")),
    ("2026-11-01", ("followup", "add", "Quarterly review", "--account", "Northwind", "--due", "2026-12-03")),
    ("2026-11-01", ("followup", "add", "Old chore", "--account", "Northwind", "--due", "2026-11-10")),
    ("2026-11-12", ("followup", "done", "8")),
    # 9: a visit planned for today; and a visit logged today
    (
        "2026-11-01",
        ("followup", "add", "See the CIO", "--account", "华东电网有限公司", "--due", "2026-11-25", "--kind", "visit"),
    ),
    (
        "2026-11-25",
        (
            "visit",
            "add",
            "--account",
            "华东电网有限公司",
            "--contact",
            "王建国",
            "--kind",
            "tech_exchange",
            "--summary",
            "Discussed the migration plan",
        ),
    ),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("due") / "journal.sqlite"
    build(path, STEPS)
    return path


@pytest.fixture
def journal(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def test_overdue_first_most_late_then_largest_deal_then_today_then_next_days(sd, journal):
    result = sd("due", "--json")
    assert result.exit_code == 0, result.output
    data = result.json()
    assert data["counts"] == {"overdue": 4, "today": 2, "upcoming": 1}
    got = [(i["id"], i["section"], i["days_late"]) for i in data["items"]]
    assert got == [
        (2, "overdue", 5),  # same day as #1, the 2,000,000 deal first
        (1, "overdue", 5),
        (3, "overdue", 3),
        (4, "overdue", 1),
        (5, "today", 0),  # neither has a deal: in the order they were made
        (9, "today", 0),
        (6, "upcoming", -7),  # 12-02 is within 7 days; 12-03 is not
    ]
    first = data["items"][0]
    assert (first["account"], first["deal"], first["contact"], first["action"]) == (
        "华东电网有限公司",
        "调度中心网络改造",
        "王建国",
        "Send the proposal, then call",
    )


def test_days_window_owner_and_the_overdue_alias(sd, journal):
    assert [i["id"] for i in sd("due", "--days", "8", "--json").json()["items"]][-2:] == [6, 7]
    assert sd("due", "--days", "0", "--json").json()["counts"] == {"overdue": 4, "today": 2, "upcoming": 0}
    assert [i["id"] for i in sd("due", "--owner", "bob", "--json").json()["items"]] == [3]
    assert sd("overdue", "--json").stdout == sd("due", "--json").stdout
    assert sd("overdue").stdout == sd("due").stdout


def test_text_shows_the_same_items_as_json(sd, journal):
    data = sd("due", "--json").json()
    text = sd("due").stdout
    assert "4 overdue · 2 today · 1 in the next 7 days" in text
    assert "Overdue (4)" in text and "Today (2)" in text and "Next 7 days (1)" in text
    for item in data["items"]:
        line = next(ln for ln in text.splitlines() if f"| {item['id']:>2} |" in ln)
        late = {5: "5 days late", 3: "3 days late", 1: "1 day late", 0: "today", -7: "in 7 days"}[item["days_late"]]
        assert late in line and item["account"] in line
    assert text.index("| 2 |".replace("| 2", "|  2")) < text.index("|  1 |")


def test_limit_says_how_many_more(sd, journal):
    data = sd("due", "--limit", "2", "--json").json()
    assert [i["id"] for i in data["items"]] == [2, 1]
    assert data["counts"]["overdue"] == 4
    result = sd("due", "--limit", "2")
    assert "2 of 4 shown" in result.output
    assert len(sd("due", "--all", "--json").json()["items"]) == 7


def test_ics_file_for_a_phone_calendar(sd, journal, isolated):
    target = isolated / "due.ics"
    result = sd("due", "--ics", str(target))
    assert result.exit_code == 0, result.output
    assert "Wrote 7 follow-ups" in result.stderr
    raw = target.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    text = raw.decode("utf-8").replace("\r\n ", "")  # unfold
    assert text.count("BEGIN:VEVENT") == 7
    event = text.split("BEGIN:VEVENT")[1]  # the first: follow-up #2
    assert "UID:followup-2@salesdiary" in event
    assert "DTSTART;VALUE=DATE:20261120" in event and "DTEND;VALUE=DATE:20261121" in event
    assert "SUMMARY:Send the proposal\\, then call — 华东电网有限公司 · 调度中心网络改造" in event
    assert "Contact: 王建国" in event
    assert sd("due", "--ics", "-").stdout.count("BEGIN:VEVENT") == 7
    assert sd("due", "--ics", str(isolated / "no" / "such" / "dir.ics")).exit_code == 2


def test_today_agenda(sd, journal):
    data = sd("today", "--json").json()
    assert data["date"] == "2026-11-25"
    assert [(f["id"], f["kind"]) for f in data["followups"]] == [(9, "visit"), (5, "call")]
    assert [(v["kind"], v["contacts"]) for v in data["visits"]] == [("tech_exchange", ["王建国"])]
    assert data["overdue"] == 4
    text = sd("today").stdout + sd("today").stderr
    assert "Planned visit" in text and "See the CIO" in text and "Discussed the migration plan" in text
    assert "4 follow-ups are overdue: sd due" in text


def test_done_follow_ups_leave_the_list(sd, journal):
    assert sd("followup", "done", "2").exit_code == 0
    data = sd("due", "--json").json()
    assert data["counts"]["overdue"] == 3 and 2 not in [i["id"] for i in data["items"]]


@pytest.mark.parametrize("width", [100, 60])
def test_reads_well_at_any_width(sd, journal, monkeypatch, width):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", str(width))
    out = sd("due").stdout
    assert max(cell_len(line.rstrip()) for line in out.splitlines()) <= width
    for whole in ("华东电网有限公司", "调度中心网络改造", "王建国"):  # Chinese names are never broken
        assert any(whole in line for line in out.splitlines()), (width, whole)
    words = set(re.findall(r"[\w'.-]+", out))
    for phrase in ("Northwind Logistics Ltd.", "Send the proposal, then call", "Send site survey report"):
        assert all(w in words for w in re.findall(r"[\w'.-]+", phrase)), (width, phrase)  # wrapped, no word cut


def test_nothing_due(sd):
    data = sd("due", "--json").json()
    assert data["counts"] == {"overdue": 0, "today": 0, "upcoming": 0} and data["items"] == []
    assert "Nothing overdue." in sd("due").stdout
