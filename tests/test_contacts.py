"""sd contact: the key people at an account, their roles and the org chart."""

from __future__ import annotations

import pytest

CONTACT_KEYS = {
    "id",
    "account_id",
    "name",
    "title",
    "department",
    "phone",
    "email",
    "level",
    "role",
    "relationship",
    "stance",
    "coach",
    "style",
    "attitude",
    "reports_to_id",
    "birthday",
    "hometown",
    "school",
    "family",
    "hobbies",
    "personal_notes",
    "notes",
    "created_at",
    "updated_at",
    "account",
    "reports_to",
}


pytestmark = pytest.mark.usefixtures("fresh_journal")


@pytest.fixture
def acme(sd):  # noqa: ANN001, ANN201
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("account", "add", "Beta").exit_code == 0
    return "Acme"


def add(sd, *args):  # noqa: ANN001, ANN201
    result = sd("contact", "add", *args)
    assert result.exit_code == 0, result.output
    return result


def test_every_contact_field_can_be_set_by_flag_and_comes_back_in_show_json(sd, acme):
    add(sd, "王总", "--account", "Acme")
    add(
        sd,
        "李明",
        "--account", "Acme",
        "--title", "信息中心主任",
        "--department", "IT",
        "--phone", "13800000000",
        "--email", "li@acme.example",
        "--level", "management",
        "--role", "influencer",
        "--relationship", "trusting",
        "--stance", "supporter",
        "--coach",
        "--style", "analytical",
        "--attitude", "visionary",
        "--reports-to", "王总",
        "--birthday", "1975-03-02",
        "--hometown", "湖南长沙",
        "--school", "清华大学",
        "--family", "married, one daughter",
        "--hobbies", "golf",
        "--personal-notes", "does not drink",
        "--notes", "our coach",
    )  # fmt: skip
    shown = sd("contact", "show", "李明", "--json").json()
    assert CONTACT_KEYS <= set(shown)
    expected = {
        "name": "李明",
        "account": "Acme",
        "title": "信息中心主任",
        "department": "IT",
        "phone": "13800000000",
        "email": "li@acme.example",
        "level": "management",
        "role": "influencer",
        "relationship": "trusting",
        "stance": "supporter",
        "coach": True,
        "style": "analytical",
        "attitude": "visionary",
        "reports_to_id": 1,
        "reports_to": "王总",
        "birthday": "1975-03-02",
        "hometown": "湖南长沙",
        "school": "清华大学",
        "family": "married, one daughter",
        "hobbies": "golf",
        "personal_notes": "does not drink",
        "notes": "our coach",
    }
    assert {k: shown[k] for k in expected} == expected
    assert shown["recent_visits"] == [] and shown["visit_count"] == 0


def test_roles_and_other_values_by_either_label_or_alias(sd, acme):
    add(sd, "王总", "-A", "Acme", "--role", "拍板者", "--level", "决策层", "--stance", "中立", "--style", "进取型")
    add(sd, "Chen", "-A", "Acme", "--role", "Expert / evaluator", "--relationship", "同盟", "--attitude", "保守求稳型")
    rows = {r["name"]: r for r in sd("contact", "list", "--json").json()}
    assert (rows["王总"]["role"], rows["王总"]["level"], rows["王总"]["stance"], rows["王总"]["style"]) == (
        "decision_maker",
        "executive",
        "neutral",
        "driver",
    )
    assert (rows["Chen"]["role"], rows["Chen"]["relationship"], rows["Chen"]["attitude"]) == (
        "evaluator",
        "allied",
        "conservative",
    )
    assert rows["Chen"]["coach"] is False


def test_show_table_uses_labels(sd, acme):
    add(sd, "王总", "-A", "Acme", "--role", "decision_maker", "--coach", "--relationship", "dating")
    result = sd("contact", "show", "王总")
    assert result.exit_code == 0
    for text in ("#1 王总", "Acme", "Decision maker", "Meeting socially", "Coach", "yes"):
        assert text in result.stdout, text


def test_list_table_json_and_filters(sd, acme):
    add(sd, "Zhang Wei", "-A", "Acme", "--role", "user", "--title", "Engineer")
    add(sd, "Li Na", "-A", "Acme", "--role", "decision_maker", "--coach")
    add(sd, "Wang", "-A", "Beta")
    table = sd("contact", "list")
    assert table.exit_code == 0
    assert all(name in table.stdout for name in ("Zhang Wei", "Li Na", "Wang", "Engineer", "Decision maker", "✓"))
    rows = sd("contact", "list", "--json").json()
    assert [r["name"] for r in rows] == ["Li Na", "Zhang Wei", "Wang"]  # by account, then name
    assert CONTACT_KEYS == set(rows[0])
    assert [r["name"] for r in sd("contact", "list", "--account", "Beta", "--json").json()] == ["Wang"]
    assert [r["name"] for r in sd("contact", "list", "--role", "决策者", "--json").json()] == ["Li Na"]
    assert [r["name"] for r in sd("contact", "list", "zhang", "--json").json()] == ["Zhang Wei"]
    assert "sd contact add" in sd("contact", "list", "nobody").stderr


def test_org_chart_rules(sd, acme):
    add(sd, "Boss", "-A", "Acme")
    add(sd, "Manager", "-A", "Acme", "--reports-to", "Boss")
    add(sd, "Engineer", "-A", "Acme", "--reports-to", "Manager")
    add(sd, "Outsider", "-A", "Beta")
    loop = sd("contact", "edit", "Boss", "--reports-to", "Engineer")
    assert loop.exit_code == 2 and "loop" in loop.stderr
    elsewhere = sd("contact", "edit", "Engineer", "--reports-to", "Outsider")
    assert elsewhere.exit_code == 2 and "another account" in elsewhere.stderr
    self_boss = sd("contact", "edit", "Boss", "--reports-to", "Boss")
    assert self_boss.exit_code == 2
    assert sd("contact", "edit", "Engineer", "--reports-to", "Boss").exit_code == 0
    assert sd("contact", "show", "Engineer", "--json").json()["reports_to"] == "Boss"
    assert sd("contact", "edit", "Engineer", "--reports-to", "").exit_code == 0
    assert sd("contact", "show", "Engineer", "--json").json()["reports_to_id"] is None


def test_edit_fields_coach_flag_and_clearing(sd, acme):
    add(sd, "Li", "-A", "Acme", "--coach", "--title", "CTO", "--stance", "supporter")
    result = sd("contact", "edit", "Li", "--no-coach", "--title", "", "--stance", "opponent", "--name", "Li Ming")
    assert result.exit_code == 0, result.output
    assert "Updated contact #1" in result.stderr
    shown = sd("contact", "show", "1", "--json").json()
    assert (shown["name"], shown["coach"], shown["title"], shown["stance"]) == ("Li Ming", False, None, "opponent")


def test_moving_a_contact_to_another_account_leaves_the_old_org_chart(sd, acme):
    add(sd, "Boss", "-A", "Acme")
    add(sd, "Li", "-A", "Acme", "--reports-to", "Boss")
    add(sd, "Junior", "-A", "Acme", "--reports-to", "Li")
    assert sd("contact", "edit", "Li", "--account", "Beta").exit_code == 0
    li = sd("contact", "show", "Li", "--json").json()
    assert (li["account"], li["reports_to_id"]) == ("Beta", None)
    assert sd("contact", "show", "Junior", "--json").json()["reports_to_id"] is None


def test_rm_keeps_visits_and_unlinks_reports(sd, acme):
    add(sd, "Boss", "-A", "Acme")
    add(sd, "Li", "-A", "Acme", "--reports-to", "Boss")
    sd("visit", "add", "-A", "Acme", "-C", "Boss", "-C", "Li", "--summary", "Lunch")
    result = sd("contact", "rm", "Boss")
    assert result.exit_code == 0 and "Removed contact #1" in result.stderr
    assert sd("contact", "show", "Li", "--json").json()["reports_to_id"] is None
    visit = sd("visit", "show", "1", "--json").json()
    assert [c["name"] for c in visit["contacts"]] == ["Li"]
    assert sd("contact", "show", "1").exit_code == 1


def test_add_without_account_is_an_error_naming_the_flag(sd, acme):
    result = sd("contact", "add", "Li")
    assert result.exit_code == 2
    assert "--account" in result.stderr
    assert sd("contact", "list", "--json").json() == []
