"""`sd check`: each health rule of the method finds exactly the records a rep would point at by hand."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from conftest import build

NEXT = ("--next", "Send the plan", "--next-date", "2026-12-01")
STEPS = [
    # Gamma: company relationship C, one contact (a user, acquainted), five visits, no coach.
    ("2026-10-01", ("account", "add", "Gamma", "--info-stage", "qualified", "--relation", "C")),
    ("2026-10-01", ("contact", "add", "甲", "--account", "Gamma", "--role", "user", "--relationship", "acquainted")),
    # G1: 300,000 at step 4, next step due 11-20 (5 days late), no decision maker, no analysis meeting.
    (
        "2026-10-01",
        (
            "deal",
            "add",
            "G1",
            "--account",
            "Gamma",
            "--amount",
            "300000",
            "--stage",
            "4",
            "--next",
            "Call the CIO",
            "--next-date",
            "2026-11-20",
        ),
    ),
    # G2: 100,000 at step 3 with no next step (too small for the analysis meeting rule).
    ("2026-10-01", ("deal", "add", "G2", "--account", "Gamma", "--amount", "100000", "--stage", "3")),
    ("2026-10-05", ("visit", "add", "--account", "Gamma")),
    ("2026-10-10", ("visit", "add", "--account", "Gamma")),
    ("2026-10-15", ("visit", "add", "--account", "Gamma", "--deal", "G1")),
    ("2026-10-20", ("visit", "add", "--account", "Gamma", "--deal", "G1")),
    ("2026-11-24", ("visit", "add", "--account", "Gamma")),  # an account visit: G1 and G2 are not stale
    # Delta: D1 at step 2 since 10-01 and never visited: stale (55 days).
    ("2026-10-01", ("account", "add", "Delta")),
    ("2026-10-01", ("deal", "add", "D1", "--account", "Delta", "--stage", "2", *NEXT)),
    # Beta: a prospect, company B, but the decision maker only at "dating" (C).
    ("2026-10-01", ("account", "add", "Beta", "--info-stage", "prospect", "--relation", "B")),
    (
        "2026-10-01",
        ("contact", "add", "乙", "--account", "Beta", "--role", "decision_maker", "--relationship", "dating"),
    ),
    ("2026-11-20", ("deal", "add", "B1", "--account", "Beta", "--amount", "150000", "--stage", "3", *NEXT)),
    # Omega: an opponent; O1 at step 7 (finding), O2 at step 6 (none yet).
    ("2026-10-01", ("account", "add", "Omega", "--info-stage", "customer", "--relation", "A")),
    ("2026-10-01", ("contact", "add", "丙", "--account", "Omega", "--role", "decision_maker", "--stance", "supporter")),
    (
        "2026-10-01",
        (
            "contact",
            "add",
            "丁",
            "--account",
            "Omega",
            "--role",
            "gatekeeper",
            "--stance",
            "opponent",
            "--title",
            "采购中心",
        ),
    ),
    ("2026-11-20", ("deal", "add", "O1", "--account", "Omega", "--amount", "150000", "--stage", "7", *NEXT)),
    ("2026-11-20", ("deal", "add", "O2", "--account", "Omega", "--amount", "150000", "--stage", "6", *NEXT)),
    # M1 left step 1 with 2 of its 4 required markers; M2 was forced out of step 1 with none.
    ("2026-11-01", ("deal", "add", "M1", "--account", "Omega", *NEXT)),
    ("2026-11-01", ("deal", "markers", "M1", "--check", "customer_name", "--check", "project_name")),
    ("2026-11-10", ("deal", "edit", "M1", "--stage", "2")),
    ("2026-11-01", ("deal", "add", "M2", "--account", "Omega", *NEXT)),
    ("2026-11-12", ("deal", "advance", "M2", "--force", "--reason", "customer in a hurry")),
    # M3 left step 1 with exactly its 4 required markers (health_queries.EXACT_MARKERS: met by one comparison)
    ("2026-11-01", ("deal", "add", "M3", "--account", "Omega", *NEXT)),
    (
        "2026-11-01",
        ("deal", "markers", "M3", *("--check", "customer_name", "--check", "project_name")),
    ),
    ("2026-11-01", ("deal", "markers", "M3", *("--check", "rough_need", "--check", "relationships"))),
    ("2026-11-10", ("deal", "edit", "M3", "--stage", "2")),
]

EXPECTED = {
    ("no_next_step", "G2"),
    ("next_step_overdue", "G1"),
    ("stale_deal", "D1"),
    ("no_coach", "Gamma"),
    ("prospect_below_b", "Beta"),
    ("still_at_c", "Gamma"),
    ("analysis_meeting", "G1"),
    ("no_decision_maker", "G1"),
    ("no_decision_maker", "G2"),
    ("opponent_late", "O1"),
    ("markers_unmet", "M1"),
    ("markers_unmet", "M2"),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("check") / "journal.sqlite"
    build(path, STEPS)
    return path


@pytest.fixture
def journal(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def findings(sd, *args: str) -> list[dict]:  # noqa: ANN001
    result = sd("check", "--json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.json()


def pairs(items: list[dict]) -> set[tuple[str, str]]:
    return {(f["rule"], f["name"]) for f in items}


def one(items: list[dict], rule: str, name: str) -> dict:
    return next(f for f in items if f["rule"] == rule and f["name"] == name)


# the rules this journal was built for (tests/test_rules.py builds the others' cases)
FIRST_RULES = {rule for rule, _name in EXPECTED}


def test_every_rule_finds_what_it_should(sd, journal):
    result = sd("check", "--json")
    assert result.exit_code == 1  # findings are a failed check
    items = [f for f in result.json() if f["rule"] in FIRST_RULES]
    assert pairs(items) == EXPECTED
    assert one(items, "next_step_overdue", "G1")["days_late"] == 5
    stale = one(items, "stale_deal", "D1")
    assert (stale["days_in_stage"], stale["limit_days"], stale["last_visit"]) == (55, 30, None)
    coach = one(items, "no_coach", "Gamma")
    assert (coach["visits"], coach["contacts"]) == (5, 1)
    assert one(items, "still_at_c", "Gamma")["visits"] == 5
    assert one(items, "prospect_below_b", "Beta")["best_key_relationship"] == "dating"
    meeting = one(items, "analysis_meeting", "G1")
    assert (meeting["amount"], meeting["director_leads"]) == (300_000, False)
    assert one(items, "opponent_late", "O1")["opponents"] == ["丁"]
    m1, m2 = one(items, "markers_unmet", "M1"), one(items, "markers_unmet", "M2")
    assert m1["stages"] == [{"stage": "project_info", "unmet": 2, "forced": False}]
    assert m2["stages"] == [{"stage": "project_info", "unmet": 4, "forced": True}]
    assert "customer in a hurry" in m2["detail"]
    assert ("markers_unmet", "M3") not in pairs(result.json())  # every required marker met: no finding


def test_each_finding_names_record_rule_and_the_methods_action(sd, journal):
    items = findings(sd)
    for f in items:
        assert f["id"] and f["name"] and f["rule_name"] and f["detail"] and f["action"]
        assert f["entity"] in ("deal", "account")
    assert "200,000" in one(items, "analysis_meeting", "G1")["action"]
    assert "three visits" in one(items, "no_coach", "Gamma")["action"]
    text = sd("check").stdout
    assert "No coach after 3 visits (1)" in text and "Still at C after 5 visits (1)" in text
    assert "→ Ask your office manager for help" in text
    assert "Call the CIO: due 2026-11-20, 5 days late" in text
    zh = sd("--lang", "zh", "check").stdout
    assert "拜访三次必须发展一个内线人" in zh and "拍板者" in zh


def test_fixing_the_record_clears_the_finding(sd, journal):
    sd("contact", "add", "戊", "--account", "Beta", "--role", "influencer", "--relationship", "trusting")
    sd("contact", "edit", "甲", "--coach")
    sd("deal", "edit", "G2", "--next", "Demo", "--next-date", "2026-11-30")
    sd("deal", "markers", "G1", "--stage", "4", "--check", "analysis_meeting")
    sd("contact", "edit", "丁", "--stance", "neutral")
    left = pairs(findings(sd))
    for gone in [
        ("prospect_below_b", "Beta"),
        ("no_coach", "Gamma"),
        ("no_next_step", "G2"),
        ("analysis_meeting", "G1"),
        ("opponent_late", "O1"),
    ]:
        assert gone not in left
    assert ("still_at_c", "Gamma") in left  # the coach is a user, not a key person


def test_a_role_in_the_deal_overrides_the_contacts_usual_role(sd, journal):
    assert ("no_decision_maker", "B1") not in pairs(findings(sd))
    con = sqlite3.connect(journal)
    with con:
        con.execute(
            "INSERT INTO deal_contact (deal_id, contact_id, role) SELECT d.id, c.id, 'influencer'"
            " FROM deal d, contact c WHERE d.name = 'B1' AND c.name = '乙'"
        )
    con.close()
    assert ("no_decision_maker", "B1") in pairs(findings(sd))


def test_thresholds_come_from_config(sd, journal, isolated):
    config = isolated / "config.toml"
    config.write_text(
        "[health]\nstale_days = 60\ncoach_after_visits = 6\nanalysis_meeting_amount = 350000\n"
        "decision_maker_by_stage = 4\nopponent_from_stage = 6\ndisabled = ['markers_unmet']\n",
        encoding="utf-8",
    )
    found = pairs(findings(sd))
    assert ("stale_deal", "D1") not in found
    assert ("no_coach", "Gamma") not in found
    assert ("analysis_meeting", "G1") not in found
    assert ("no_decision_maker", "G2") not in found and ("no_decision_maker", "G1") in found
    assert ("opponent_late", "O2") in found
    assert not [f for f in found if f[0] == "markers_unmet"]
    config.write_text("[health.stale_days]\ndefault = 90\nproject_confirmation = 50\n", encoding="utf-8")
    assert ("stale_deal", "D1") in pairs(findings(sd))
    config.write_text("[health]\nstale_days = 'soon'\n", encoding="utf-8")
    bad = sd("check")
    assert bad.exit_code == 2 and "health.stale_days" in bad.stderr and "Traceback" not in bad.output


def test_a_disabled_rule_runs_when_asked_for_by_name(sd, journal, isolated):
    from salesdiary.core.health import RULES

    config = isolated / "config.toml"
    config.write_text("[health]\ndisabled = ['no_coach']\n", encoding="utf-8")
    assert not [f for f in pairs(findings(sd, "--all")) if f[0] == "no_coach"]
    asked = findings(sd, "--rule", "no_coach", "--all")
    assert asked and {f["rule"] for f in asked} == {"no_coach"}  # that rule, and only that one
    every = ", ".join(f"'{key}'" for key in RULES)
    config.write_text(f"[health]\ndisabled = [{every}]\n", encoding="utf-8")
    none = sd("--lang", "en", "check")
    assert none.exit_code == 0, none.output
    assert "no findings (0 rules checked)" in none.stdout
    assert sd("check", "--json").json() == []


def test_rule_and_account_filters(sd, journal):
    assert pairs(findings(sd, "--rule", "stale_deal", "--rule", "no_coach")) == {
        ("stale_deal", "D1"),
        ("no_coach", "Gamma"),
    }
    omega = pairs(findings(sd, "--account", "Omega"))
    assert {name for rule, name in omega if rule in FIRST_RULES} == {"O1", "M1", "M2"}
    assert {name for _rule, name in omega} <= {"O1", "O2", "M1", "M2"}
    unknown = sd("check", "--rule", "no_such_rule")
    assert unknown.exit_code == 2 and "stale_deal" in unknown.stderr


def test_limit_per_rule_in_the_table(sd, journal):
    text = sd("check", "--rule", "no_decision_maker", "--limit", "1").output
    assert "1 of 2 shown" in text
    assert "1 of 2" not in sd("check", "--rule", "no_decision_maker", "--all").output


def test_the_tables_counts_are_the_json_findings_whatever_the_limit(sd, journal):
    import collections
    import re

    per_rule = collections.Counter(f["rule"] for f in sd("check", "--json", "--all").json())
    titles = {f["rule"]: f["rule_name"] for f in sd("check", "--json", "--all").json()}
    text = sd("check", "--limit", "1").stdout
    total = sum(per_rule.values())
    assert f"Pipeline health · {total} findings" in text
    for rule, n in per_rule.items():
        assert f"{titles[rule]} ({n})" in text
        if n > 1:
            assert re.search(rf"1 of {n} shown; use --rule {rule} --all", text)


def test_json_writes_the_same_first_findings_per_rule_and_says_how_many_it_left_out(sd, journal):
    everything = sd("check", "--json", "--all").json()
    first = sd("check", "--json", "--limit", "1")
    assert first.exit_code == 1
    expected = []
    for f in everything:  # each rule's first finding, in the order --all gives them
        if not any(g["rule"] == f["rule"] for g in expected):
            expected.append(f)
    assert first.json() == expected
    assert f"{len(expected)} of {len(everything)} findings written (1 per rule); --all writes them all." in first.stderr
    assert "--all" not in sd("check", "--json", "--all").stderr


def test_a_rule_with_findings_beyond_the_limit_still_fails_the_check(sd, journal):
    result = sd("check", "--rule", "no_decision_maker", "--limit", "1", "--json")
    assert result.exit_code == 1 and len(result.json()) == 1


SIDE_BY_SIDE_ARGS = [
    ("--json", "--all"),
    (),
    ("--limit", "1"),
    ("--rule", "markers_unmet", "--rule", "no_next_step", "--json"),
    ("--rule", "stale_deal"),
]


def test_the_passes_side_by_side_find_what_they_find_one_after_the_other(sd, journal, monkeypatch):
    from salesdiary.store import connection

    opened = []
    siblings = connection.SqliteReader.siblings

    def counted(self):  # noqa: ANN001, ANN202
        make = siblings(self)
        return lambda: opened.append(1) or make()

    monkeypatch.setattr(connection.SqliteReader, "siblings", counted)
    side_by_side = [sd("check", *args) for args in SIDE_BY_SIDE_ARGS]
    assert len(opened) == 4  # the second lane ran on a connection of its own (not with --rule stale_deal alone)
    monkeypatch.setattr(connection.SqliteReader, "siblings", lambda self: None)
    in_turn = [sd("check", *args) for args in SIDE_BY_SIDE_ARGS]
    assert [(r.exit_code, r.stdout, r.stderr) for r in side_by_side] == [
        (r.exit_code, r.stdout, r.stderr) for r in in_turn
    ]
    assert side_by_side[0].json() and side_by_side[0].exit_code == 1


def test_the_playbooks_of_the_open_deals_are_each_named_once(sd, journal):
    from salesdiary.store.connection import SqliteReader, connect_sqlite
    from salesdiary.store.reads.report_queries import Scope, open_playbooks

    def playbooks(scope: Scope = Scope()) -> list[str]:  # noqa: B008
        r = SqliteReader(connect_sqlite(str(journal)))
        try:
            return open_playbooks(r, scope)
        finally:
            r.close()

    assert playbooks() == ["ten_step"]
    for name in ("S1", "S2"):
        assert sd("deal", "add", name, "--account", "Gamma", "--playbook", "six_step").exit_code == 0
    assert playbooks() == ["six_step", "ten_step"]
    assert playbooks(Scope(owner="nobody")) == []
    assert sd("deal", "won", "S1").exit_code == 0
    assert playbooks() == ["six_step", "ten_step"]  # S2 is still open
    assert sd("deal", "lost", "S2").exit_code == 0
    assert playbooks() == ["ten_step"]


def test_an_error_in_a_pass_beside_is_the_commands_error(sd, journal, monkeypatch):
    from salesdiary.core.errors import Conflict
    from salesdiary.store.reads import health_queries

    def busy(*_args):  # noqa: ANN202
        raise Conflict("The journal is busy.")

    monkeypatch.setattr(health_queries, "_account_rules", busy)
    result = sd("check")
    assert result.exit_code == 1 and "The journal is busy." in result.stderr and "Traceback" not in result.stderr


def test_a_healthy_journal_passes(sd):
    result = sd("check")
    assert result.exit_code == 0
    assert "no findings" in result.stdout
    assert sd("check", "--json").json() == []


@pytest.mark.parametrize("width", [100, 60])
def test_reads_well_at_any_width(sd, journal, monkeypatch, width):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", str(width))
    out = sd("check").stdout
    assert max(cell_len(line.rstrip()) for line in out.splitlines()) <= width
    words = set(re.findall(r"[\w'.-]+", out))
    for phrase in ("Ask your office manager for help", "no visit yet, 55 days in the stage", "2026-11-20"):
        assert all(w in words for w in re.findall(r"[\w'.-]+", phrase)), (width, phrase)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_deal_in_another_currency_is_held_to_the_thresholds_at_the_configured_rate(sd, journal, isolated, lang):
    """The analysis-meeting amounts are in the base currency: 100,000 USD is too small as a figure, but 710,000
    at USD = 7.1, a director's meeting. Its finding names the currency."""
    assert (
        sd(
            "deal", "add", "U1", "--account", "Gamma", "--amount", "100000", "--currency", "USD", "--stage", "4"
        ).exit_code
        == 0
    )
    assert ("analysis_meeting", "U1") not in pairs(findings(sd))  # no rates: the figure as it is
    (isolated / "config.toml").write_text('[currency]\nbase = "CNY"\n[currency.rates]\nUSD = 7.1\n', encoding="utf-8")
    items = findings(sd, "--lang", lang)
    meeting = one(items, "analysis_meeting", "U1")
    assert (meeting["amount"], meeting["currency"], meeting["director_leads"]) == (100_000, "USD", True)
    assert "100,000 USD" in meeting["detail"]
    g1 = one(items, "analysis_meeting", "G1")
    assert g1["currency"] == "CNY" and "CNY" not in g1["detail"]  # the thresholds' own currency goes unsaid
    assert "100,000 USD" in sd("--lang", lang, "check").stdout


def test_each_finding_names_the_book_and_section_of_its_rule(sd, journal):
    """The rule's source as a person names it, in the language of the run; the rest of a finding unchanged."""
    items = findings(sd, "--all")
    sources = {f["rule"]: f["source"] for f in items}
    assert sources["analysis_meeting"] == "Ten-step method, step 4"
    assert sources["no_decision_maker"] == "Ten-step method, step 3"
    assert sources["no_coach"] == "Sales handbook §2.3.1.3"
    assert sources["still_at_c"] == "Sales handbook §2.4.1"
    assert all(f["source"] for f in items)
    zh = {f["rule"]: f["source"] for f in findings(sd, "--lang", "zh", "--all")}
    assert zh["analysis_meeting"] == "《项目销售十步法》第 4 步" and zh["no_coach"] == "《销售业务手册》§2.3.1.3"
    assert "seed" not in str(items) and "000 step" not in str(sources)


def test_each_rule_is_one_object_with_its_query_part_named_after_it():
    from salesdiary.core.health import RULES, STAGE_SETTINGS, Thresholds
    from salesdiary.store.reads import health_queries

    parts = {**health_queries.DEAL_TESTS, **health_queries.ACCOUNT_TESTS}
    assert set(parts) | set(health_queries.RECEIVABLE_RULES) | set(health_queries.PLAN_RULES) == set(RULES)
    for key, rule in RULES.items():
        if key in health_queries.PLAN_RULES:  # the rep's plan, not a record's: a pass of its own
            assert rule.entity == "plan" and callable(rule.build)
            continue
        if key in health_queries.RECEIVABLE_RULES:  # one pass over the receivables, a test each, by its key
            assert rule.entity == "deal"
            continue
        assert parts[key].__name__ == key
        assert (key in health_queries.DEAL_TESTS) == (rule.entity == "deal")
        assert str(rule.source) and callable(rule.build)
        assert all(hasattr(Thresholds(), name) or name in STAGE_SETTINGS for name in rule.settings)


def test_a_six_step_deal_is_held_to_its_own_stages(sd, journal, isolated):
    """The opponent and decision-maker rules name a stage of each playbook: a 9,000,000 six-step deal at its
    stage 5 with an opposing decision maker is a finding (the ten-step method's stage 7 does not exist there),
    and so is its missing analysis meeting before the bid."""
    assert sd("account", "add", "Sigma").exit_code == 0
    assert (
        sd("contact", "add", "庚", "--account", "Sigma", "--role", "decision_maker", "--stance", "opponent").exit_code
        == 0
    )
    for name, stage in (("S5", "5"), ("S3", "3")):
        assert (
            sd(
                "deal",
                "add",
                name,
                "--account",
                "Sigma",
                "--playbook",
                "six_step",
                "--amount",
                "9000000",
                "--stage",
                stage,
                *NEXT,
            ).exit_code
            == 0
        )
    found = pairs(findings(sd, "--all"))
    assert ("opponent_late", "S5") in found and ("opponent_late", "S3") not in found
    assert ("analysis_meeting", "S5") in found and ("analysis_meeting", "S3") not in found
    assert sd("deal", "markers", "S5", "--stage", "present_value", "--check", "analysis_meeting").exit_code == 0
    assert ("analysis_meeting", "S5") not in pairs(findings(sd, "--all"))
    # the config's number still counts, for the ten-step playbook only
    (isolated / "config.toml").write_text("[health]\nopponent_from_stage = 6\n", encoding="utf-8")
    found = pairs(findings(sd, "--all"))
    assert ("opponent_late", "O2") in found and ("opponent_late", "S5") in found


def test_a_playbooks_rules_table_names_its_own_stages(tmp_path):
    import tomllib

    from salesdiary.core.errors import BadInput
    from salesdiary.core.playbook import builtin_dir, parse_playbook

    data = tomllib.loads((builtin_dir() / "six_step.toml").read_text(encoding="utf-8"))
    book = parse_playbook(data, "six_step.toml")
    assert book.rule_stage("opponent_from_stage").number == 4 and book.rule_stage("nothing") is None
    data["rules"] = {"opponent_from_stage": "alliance_built"}  # a ten-step stage
    with pytest.raises(BadInput, match="rules.opponent_from_stage must name a stage of the playbook"):
        parse_playbook(data, "six_step.toml")
