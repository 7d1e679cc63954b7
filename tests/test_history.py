"""sd history: every change, newest first — when, which command, which record, each field's old → new value."""

from __future__ import annotations

import subprocess
import sys


def test_history_lists_changes_newest_first_with_command_and_old_new(sd, demo):
    assert sd("deal", "edit", "调度", "--amount", "3000000").exit_code == 0
    rows = sd("history", "--json", "--limit", "3").json()
    newest = rows[0]
    assert newest["command"].startswith("sd deal edit")
    assert newest["entity"] == "deal" and newest["entity_id"] == "1"
    assert newest["name"] == "调度中心网络改造"
    assert newest["action"] == "update"
    assert newest["changes"]["amount"] == [2800000.0, 3000000.0]
    assert newest["at"].endswith("+00:00")
    changesets = [r["changeset"] for r in sd("history", "--json", "--all").json()]
    assert changesets == sorted(changesets, reverse=True)


def test_history_table_shows_old_and_new_values(sd, demo):
    sd("account", "edit", "华东", "--region", "杭州")
    result = sd("history", "-n", "1")
    assert result.exit_code == 0, result.output
    assert "sd account edit" in result.stdout
    assert "region: 上海 → 杭州" in result.stdout
    assert "updated_at" not in result.stdout  # bookkeeping stays out of the table


def test_history_of_one_record_only_shows_that_record_and_its_links(sd, demo):
    sd("visit", "add", "--account", "华东", "--deal", "调度", "--contact", "李明", "--summary", "讨论")
    rows = sd("history", "deal", "调度", "--json", "--all").json()
    assert rows
    assert {(r["entity"], r["entity_id"].split("/")[0]) for r in rows} <= {
        ("deal", "1"),
        ("deal_contact", "1"),
        ("deal_marker", "1"),
        ("deal_evaluation", "1"),
    }
    visit_rows = sd("history", "visit", "42", "--json").json()
    assert {r["entity"] for r in visit_rows} == {"visit", "visit_contact"}
    assert all(r["entity_id"].startswith("42") for r in visit_rows)


def test_a_lone_name_finds_the_record(sd, demo):
    by_name = sd("history", "招商银行", "--json", "--all").json()
    by_kind = sd("history", "account", "招商银行", "--json", "--all").json()
    assert by_name == by_kind and by_name


def test_unknown_record_and_kind_are_clear_errors(sd, demo):
    result = sd("history", "deal", "no such deal at all xyz")
    assert result.exit_code in (1, 2) and "Traceback" not in result.output
    result = sd("history", "planet", "3")
    assert result.exit_code == 2
    assert "not a kind of record" in result.stderr


def test_undo_is_recorded_in_history(sd, demo):
    sd("followup", "done", "1")
    assert sd("undo").exit_code == 0
    rows = sd("history", "--json", "-n", "5").json()
    assert rows[0]["command"] == "sd undo"
    assert rows[0]["undoes"] == rows[0]["changeset"] - 1
    assert rows[0]["changes"]["done_on"] == ["2026-11-25", None]
    undone = [r for r in rows if r["changeset"] == rows[0]["undoes"]]
    assert undone and undone[0]["undone_by"] == rows[0]["changeset"]
    table = sd("history", "-n", "3").stdout
    assert "undone by" in table and "reverses" in table


def test_empty_journal_has_no_history(sd):
    result = sd("history")
    assert result.exit_code == 0
    assert "No changes recorded yet" in result.stderr
    assert sd("history", "--json").json() == []


def test_history_and_undo_list_do_not_load_the_write_stack(sd, demo, isolated):
    """The read-path rule: history, undo --list and doctor run on sqlite3 alone."""
    code = (
        "import sys\n"
        "from salesdiary.cli.app import main\n"
        "codes = [main(args) for args in (['history'], ['history', 'deal', '1'], ['undo', '--list'], ['doctor'])]\n"
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'alembic', 'questionary') if m in sys.modules]\n"
        "print('CODES', codes)\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # every command ran to the end (a command that failed early would load nothing heavy, and prove nothing)
    assert "CODES [0, 0, 0, 0]" in proc.stdout, proc.stdout + proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
