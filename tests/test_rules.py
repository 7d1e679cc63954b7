"""The health rules as the coach asks them: one record's findings, the very ones `sd check --all` has for it."""

from __future__ import annotations

import pytest

from salesdiary.core.errors import BadInput, NotFound
from salesdiary.journal import Journal
from salesdiary.store.paths import load_config


def test_one_records_findings_are_those_sd_check_all_has_for_it(sd, demo):
    everything = sd("check", "--json", "--all").json()
    assert everything  # the demo journal has findings of both kinds
    assert {f["entity"] for f in everything} == {"deal", "account"}
    with Journal.open() as j:
        deals = [row["id"] for row in j.reader.rows("SELECT id FROM deal ORDER BY id")]
        accounts = [row["id"] for row in j.reader.rows("SELECT id FROM account ORDER BY id")]
        for entity, ids in (("deal", deals), ("account", accounts)):
            for record in ids:
                report = j.findings_for(**{entity: record})
                expected = [f for f in everything if f["entity"] == entity and f["id"] == record]
                assert report.as_json() == expected, (entity, record)
                assert report.found == bool(expected)
        named = j.findings_for(deal=str(deals[0]))  # a reference as sd takes it
        assert named.as_json() == j.findings_for(deal=deals[0]).as_json()


def test_one_records_findings_follow_the_config_like_sd_check(sd, demo, isolated):
    first = next(f for f in sd("check", "--json", "--all").json() if f["entity"] == "deal")
    (isolated / "config.toml").write_text(f"[health]\ndisabled = ['{first['rule']}']\n", encoding="utf-8")
    load_config.cache_clear()  # the config as a new process reads it
    with Journal.open() as j:
        assert first["rule"] not in {f.rule for f in j.findings_for(deal=first["id"]).findings}


def test_one_record_is_named_once(demo):
    with Journal.open() as j:
        with pytest.raises(BadInput):
            j.findings_for()
        with pytest.raises(BadInput):
            j.findings_for(deal=1, account=1)
        with pytest.raises(NotFound):
            j.findings_for(deal=999_999)


# --- the rules the books imply: each with a case that fires and one that does not ------------------------------


def ok(result) -> None:  # noqa: ANN001
    assert result.exit_code == 0, result.output


def found(sd, *args: str) -> set[tuple[str, str]]:  # noqa: ANN001
    result = sd("check", "--json", "--all", *args)
    assert result.exit_code in (0, 1), result.output
    return {(f["rule"], f["name"]) for f in result.json()}


def one(sd, rule: str, name: str) -> dict:  # noqa: ANN001
    return next(f for f in sd("check", "--json", "--all").json() if f["rule"] == rule and f["name"] == name)


NEXT = ("--next", "Call", "--next-date", "2026-12-01")


@pytest.fixture
def chain(sd, isolated):  # noqa: ANN001, ANN201
    """Acme: a decision maker (non-supporter), an evaluator who is our coach; deals at ten-step steps 4 and 5."""
    ok(sd("account", "add", "Acme"))
    ok(sd("contact", "add", "Boss", "--account", "Acme", "--role", "decision_maker", "--stance", "non_supporter"))
    ok(sd("contact", "add", "Expert", "--account", "Acme", "--role", "evaluator", "--coach"))
    for name, stage in (("Early", "4"), ("Late", "5")):
        ok(sd("deal", "add", name, "--account", "Acme", "--stage", stage, "--competitors", "Rival", *NEXT))
    return isolated


def test_step_5_the_decision_maker_is_neither_opponent_nor_non_supporter(sd, chain):
    rules = found(sd)
    assert ("decision_maker_against", "Late") in rules and ("decision_maker_against", "Early") not in rules
    finding = one(sd, "decision_maker_against", "Late")
    assert finding["people"] == [{"name": "Boss", "stance": "non_supporter"}]
    assert "Boss" in finding["detail"] and finding["source"] == "Ten-step method, step 5"
    ok(sd("contact", "edit", "Boss", "--stance", "neutral"))
    assert ("decision_maker_against", "Late") not in found(sd)


def test_step_5_a_coach_or_supporter_among_decision_makers_and_among_evaluators(sd, chain):
    finding = one(sd, "no_supporter_in_chain", "Late")
    assert (finding["lacks_decision_maker"], finding["lacks_evaluator"]) == (True, False)
    assert "among the decision makers" in finding["detail"] and "evaluators" not in finding["detail"]
    assert ("no_supporter_in_chain", "Early") not in found(sd)
    ok(sd("contact", "edit", "Boss", "--stance", "supporter"))
    assert ("no_supporter_in_chain", "Late") not in found(sd)


def test_the_20_questions_none_answered_by_the_stage_that_asks(sd, chain):
    rules = found(sd)
    assert ("not_evaluated", "Late") in rules and ("not_evaluated", "Early") not in rules
    ok(sd("qualify", "Late", "--answer", "1=yes"))
    assert ("not_evaluated", "Late") not in found(sd)


def test_the_20_questions_a_deal_advancing_against_its_verdict(sd, chain):
    real_no = [f"{n}=no" for n in range(1, 6)]
    ok(sd("qualify", "Late", *[a for pair in zip(["--answer"] * 5, real_no, strict=True) for a in pair]))
    assert sd("qualify", "Late", "--show", "--json").json()["verdict"]["key"] == "not_real"
    assert one(sd, "evaluation_blocks", "Late")["verdict"] == "not_real"
    ok(sd("qualify", "Early", *[a for pair in zip(["--answer"] * 5, real_no, strict=True) for a in pair]))
    assert ("evaluation_blocks", "Early") not in found(sd)  # step 4 asks them: not yet advancing against them
    real_yes = [a for n in range(1, 6) for a in ("--answer", f"{n}=yes")]
    ok(sd("qualify", "Late", *real_yes))
    assert ("evaluation_blocks", "Late") not in found(sd)


def test_step_2_a_large_project_closes_one_to_nine_months_out(sd, isolated):
    ok(sd("account", "add", "Acme"))
    cases = {"Soon": "2026-12-10", "Far": "2027-12-01", "Fine": "2027-03-01", "None": None}
    for name, close in cases.items():
        extra = ("--close", close) if close else ()
        ok(sd("deal", "add", name, "--account", "Acme", "--stage", "2", "--amount", "300000", *extra, *NEXT))
    ok(sd("deal", "add", "Small", "--account", "Acme", "--stage", "2", "--amount", "100000", "--close", "2026-12-01"))
    ok(sd("deal", "add", "Later", "--account", "Acme", "--stage", "3", "--amount", "900000", "--close", "2026-12-01"))
    rules = {name for rule, name in found(sd) if rule == "close_window"}
    assert rules == {"Soon", "Far", "None"}
    assert one(sd, "close_window", "Soon")["expected_close"] == "2026-12-10"
    assert "300,000" in one(sd, "close_window", "Far")["action"]
    (isolated / "config.toml").write_text("[health]\nclose_window_max_months = 13\n", encoding="utf-8")
    assert ("close_window", "Far") not in found(sd)


def test_steps_3_and_4_competitors_known_and_a_coach_on_the_deal(sd, isolated):
    ok(sd("account", "add", "Acme"))
    ok(sd("contact", "add", "Insider", "--account", "Acme", "--role", "user", "--coach"))
    ok(sd("deal", "add", "Blind", "--account", "Acme", "--stage", "3", *NEXT))
    ok(sd("deal", "add", "Young", "--account", "Acme", "--stage", "2", *NEXT))
    ok(sd("deal", "add", "Known", "--account", "Acme", "--stage", "4", "--competitors", "Rival", *NEXT))
    rules = found(sd)
    assert ("competitors_unknown", "Blind") in rules
    assert ("competitors_unknown", "Young") not in rules and ("competitors_unknown", "Known") not in rules
    assert ("no_coach_on_deal", "Blind") in rules and ("no_coach_on_deal", "Known") in rules
    assert ("no_coach_on_deal", "Young") not in rules
    ok(sd("visit", "add", "--account", "Acme", "--deal", "Known", "--contact", "Insider"))  # the coach joins it
    assert ("no_coach_on_deal", "Known") not in found(sd)


def test_step_5_three_technical_exchanges_before_the_solution_is_settled(sd, isolated):
    ok(sd("account", "add", "Acme"))
    ok(sd("deal", "add", "Settled", "--account", "Acme", "--stage", "6", *NEXT))
    ok(sd("deal", "add", "Open", "--account", "Acme", "--stage", "5", *NEXT))
    for _ in range(2):
        ok(sd("visit", "add", "--account", "Acme", "--deal", "Settled", "--kind", "tech_exchange"))
    ok(sd("visit", "add", "--account", "Acme", "--deal", "Settled", "--kind", "demo"))
    rules = found(sd)
    assert ("few_tech_exchanges", "Settled") in rules and ("few_tech_exchanges", "Open") not in rules
    finding = one(sd, "few_tech_exchanges", "Settled")
    assert finding["tech_exchanges"] == 2 and finding["rule_name"] == "Fewer than 3 technical exchanges"
    ok(sd("visit", "add", "--account", "Acme", "--deal", "Settled", "--kind", "tech_exchange"))
    assert ("few_tech_exchanges", "Settled") not in found(sd)


def test_six_step_from_its_stage_3_a_key_person_at_meeting_socially_or_better(sd, isolated):
    ok(sd("account", "add", "Acme"))
    ok(sd("contact", "add", "Chief", "--account", "Acme", "--role", "decision_maker", "--relationship", "acquainted"))
    for name, stage in (("Needs", "3"), ("Trust", "2")):
        ok(sd("deal", "add", name, "--account", "Acme", "--playbook", "six_step", "--stage", stage, *NEXT))
    rules = found(sd)
    assert ("key_person_below_dating", "Needs") in rules and ("key_person_below_dating", "Trust") not in rules
    finding = one(sd, "key_person_below_dating", "Needs")
    assert finding["best_key_relationship"] == "acquainted" and finding["source"] == "Six-step method, step 3"
    ok(sd("contact", "edit", "Chief", "--relationship", "dating"))
    assert ("key_person_below_dating", "Needs") not in found(sd)


def test_the_new_rules_can_be_disabled_and_their_thresholds_are_checked(sd, chain):
    (chain / "config.toml").write_text("[health]\ndisabled = ['decision_maker_against']\n", encoding="utf-8")
    assert not [r for r in found(sd) if r[0] == "decision_maker_against"]
    (chain / "config.toml").write_text("[health]\ntech_exchanges_min = 'many'\n", encoding="utf-8")
    bad = sd("check")
    assert bad.exit_code == 2 and "health.tech_exchanges_min" in bad.stderr and "Traceback" not in bad.output


def test_six_step_written_needs_by_its_stage_4(sd, isolated):
    ok(sd("account", "add", "Acme"))
    for name, stage in (("Value", "4"), ("Needs", "3")):
        ok(sd("deal", "add", name, "--account", "Acme", "--playbook", "six_step", "--stage", stage, *NEXT))
    rules = found(sd)
    assert ("no_written_needs", "Value") in rules and ("no_written_needs", "Needs") not in rules
    ok(sd("deal", "markers", "Value", "--stage", "present_value", "--check", "written_needs"))
    assert ("no_written_needs", "Value") not in found(sd)


def test_step_4_the_meeting_advised_from_200000_and_led_by_a_director_from_500000(sd, isolated):
    ok(sd("account", "add", "Acme"))
    for name, amount in (("Big", "600000"), ("Mid", "300000")):
        ok(sd("deal", "add", name, "--account", "Acme", "--stage", "4", "--amount", amount, *NEXT))
    rules = found(sd)
    assert ("analysis_meeting", "Big") in rules and ("analysis_meeting", "Mid") in rules  # the advised one
    assert ("analysis_meeting_director", "Big") not in rules  # no meeting yet: one finding, not two
    for name in ("Big", "Mid"):
        ok(sd("deal", "markers", name, "--stage", "competitiveness", "--check", "analysis_meeting"))
    rules = found(sd)
    assert ("analysis_meeting", "Big") not in rules
    assert ("analysis_meeting_director", "Big") in rules and ("analysis_meeting_director", "Mid") not in rules
    finding = one(sd, "analysis_meeting_director", "Big")
    assert "not led by a director" in finding["detail"] and "500,000" in finding["action"]
    ok(sd("deal", "markers", "Big", "--stage", "competitiveness", "--check", "analysis_meeting_director"))
    assert ("analysis_meeting_director", "Big") not in found(sd)


def test_six_step_overdue_receivables_and_the_paid_in_full_marker(sd, isolated):
    ok(sd("account", "add", "Acme"))
    ok(sd("deal", "add", "Won", "--account", "Acme", "--amount", "300000", "--stage", "9"))
    ok(sd("deal", "won", "Won"))
    ok(sd("receivable", "add", "Won", "--amount", "250000", "--due", "2026-11-01"))  # 24 days late, large
    ok(sd("receivable", "add", "Won", "--amount", "50000", "--due", "2026-12-31"))  # not due yet
    ok(sd("deal", "add", "Six", "--account", "Acme", "--playbook", "six_step", "--stage", "6", *NEXT))
    ok(sd("deal", "markers", "Six", "--stage", "follow_up_service", "--check", "paid_in_full"))
    ok(sd("deal", "won", "Six"))
    ok(sd("receivable", "add", "Six", "--amount", "1000", "--due", "2026-12-31"))
    rules = found(sd)
    assert ("receivable_overdue", "Won") in rules and ("receivable_overdue", "Six") not in rules
    finding = one(sd, "receivable_overdue", "Won")
    assert (finding["overdue"], finding["days_overdue"], finding["collection_action"]) == (250000, 24, "rep_visit")
    assert finding["action"] == "The rep visits to collect"
    assert ("paid_in_full_unpaid", "Six") in rules and ("paid_in_full_unpaid", "Won") not in rules
    assert "1,000 is outstanding" in one(sd, "paid_in_full_unpaid", "Six")["detail"]
    with Journal.open() as j:  # a won deal's findings, as the coach asks them
        won = j.resolve("deal", "Won")
        assert [f.rule for f in j.findings_for(deal=won).findings] == ["receivable_overdue"]
    receivables = sd("receivable", "list", "--status", "all", "--json").json()["items"]
    for item in receivables:
        ok(sd("receivable", "paid", str(item["id"])))
    rules = found(sd)
    assert not {r for r in rules if r[0] in ("receivable_overdue", "paid_in_full_unpaid")}


# --- 《销售业务手册》: the information stages, promotion to prospect, visit cadence --------------------------------


def test_handbook_an_information_stage_without_its_criteria(sd, isolated):
    for name, stage in (("Qual", "qualified"), ("Pros", "prospect"), ("Lead", "lead")):
        ok(sd("account", "add", name, "--info-stage", stage))
    ok(sd("contact", "add", "Insider", "--account", "Qual", "--role", "user", "--coach"))
    ok(sd("contact", "add", "Chief", "--account", "Qual", "--role", "decision_maker", "--phone", "010-1234"))
    ok(sd("contact", "add", "Chief2", "--account", "Pros", "--role", "decision_maker", "--phone", "010-5678"))
    ok(sd("contact", "add", "Helper", "--account", "Pros", "--role", "user", "--coach"))
    rules = found(sd)
    assert ("info_stage_unmet", "Qual") not in rules  # an insider and a key person's phone: qualified
    assert ("info_stage_unmet", "Lead") not in rules  # a lead has no criteria to miss
    finding = one(sd, "info_stage_unmet", "Pros")  # a prospect needs a key person developed into an insider
    assert (finding["has_coach"], finding["has_key_contact"], finding["has_key_coach"]) == (True, True, False)
    assert "developed into an insider" in finding["detail"] and finding["source"] == "Sales handbook §2.1.3"
    ok(sd("contact", "edit", "Chief2", "--coach"))
    assert ("info_stage_unmet", "Pros") not in found(sd)
    ok(sd("contact", "edit", "Insider", "--no-coach"))
    assert "no insider" in one(sd, "info_stage_unmet", "Qual")["detail"]


def test_handbook_a_qualified_account_at_both_b_could_be_a_prospect(sd, isolated):
    ok(sd("account", "add", "Ready", "--info-stage", "qualified", "--relation", "B"))
    ok(sd("account", "add", "Cold", "--info-stage", "qualified", "--relation", "C"))
    for account in ("Ready", "Cold"):
        ok(sd("contact", "add", f"Boss {account}", "--account", account, "--role", "decision_maker",
              "--relationship", "trusting"))  # fmt: skip
    rules = found(sd)
    assert ("could_be_prospect", "Ready") in rules and ("could_be_prospect", "Cold") not in rules
    assert one(sd, "could_be_prospect", "Ready")["source"] == "Sales handbook §2.4.1"
    ok(sd("account", "edit", "Ready", "--info-stage", "prospect"))
    assert ("could_be_prospect", "Ready") not in found(sd)


def test_handbook_visit_cadence_by_relationship_grade(sd, isolated):
    # today is 2026-11-25: B's 14 days reach back to 2026-11-11, C's 30 to 2026-10-26
    for name, grade, visited in (("Bee", "B", "2026-11-05"), ("Sea", "C", "2026-11-05"), ("Free", None, "2026-01-01")):
        ok(sd("account", "add", name, *(("--relation", grade) if grade else ())))
        ok(sd("visit", "add", "--account", name, "--date", visited, "--summary", "Met"))
    ok(sd("account", "add", "New", "--relation", "A"))  # just added, never visited: not late yet
    rules = {name for rule, name in found(sd) if rule == "visit_cadence"}
    assert rules == {"Bee"}
    finding = one(sd, "visit_cadence", "Bee")
    assert (finding["last_visit"], finding["cadence_days"]) == ("2026-11-05", 14)
    assert "every 14 days" in finding["action"] and finding["source"] == "Sales handbook §2.3.2.4"
    (isolated / "config.toml").write_text("[health]\nvisit_cadence_b_days = 30\nvisit_cadence_c_days = 7\n")
    assert {name for rule, name in found(sd) if rule == "visit_cadence"} == {"Sea"}
    (isolated / "config.toml").write_text("[health]\nvisit_cadence_c_days = 'often'\n")
    bad = sd("check")
    assert bad.exit_code == 2 and "health.visit_cadence_c_days" in bad.stderr and "Traceback" not in bad.output


def plans(sd, monkeypatch, moment: str) -> set[tuple[str, str]]:  # noqa: ANN001
    monkeypatch.setenv("SD_NOW", moment)
    monkeypatch.delenv("SD_TODAY", raising=False)
    return {(f["name"], f["first"]) for f in sd("check", "--json", "--all").json() if f["rule"] == "plan_missing"}


def test_handbook_next_weeks_plan_after_friday_1730_and_next_months_after_the_28th(sd, isolated, monkeypatch):
    ok(sd("account", "add", "Acme"))
    assert plans(sd, monkeypatch, "2026-11-27 17:29") == set()  # Friday, before the deadline; the 27th
    assert plans(sd, monkeypatch, "2026-11-27 17:30") == {("Next week", "2026-11-30")}
    assert plans(sd, monkeypatch, "2026-11-28 09:00") == {("Next week", "2026-11-30"), ("Next month", "2026-12-01")}
    finding = next(f for f in sd("check", "--json", "--all").json() if f["rule"] == "plan_missing")
    assert finding["source"] == "Sales handbook §2.3.1.2" and finding["entity"] == "plan"
    assert "Next week" in sd("check", "--rule", "plan_missing").stdout
    # a follow-up due next week is next week's plan; a visit dated next month, next month's
    ok(sd("followup", "add", "Visit the works", "--account", "Acme", "--due", "2026-12-02"))
    assert plans(sd, monkeypatch, "2026-11-28 09:00") == set()
    assert plans(sd, monkeypatch, "2026-12-05 10:00") == {("Next week", "2026-12-07")}  # Saturday: the next one
    ok(sd("visit", "add", "--account", "Acme", "--date", "2026-12-09", "--summary", "Planned"))
    assert plans(sd, monkeypatch, "2026-12-05 10:00") == set()
    (isolated / "config.toml").write_text("[health]\nweek_plan_time = '5pm'\n")
    bad = sd("check")
    assert bad.exit_code == 2 and "health.week_plan_time" in bad.stderr and "Traceback" not in bad.output
    (isolated / "config.toml").write_text("[health]\nmonth_plan_day = 31\n")
    assert sd("check").exit_code == 2
    (isolated / "config.toml").write_text("")
    monkeypatch.setenv("SD_NOW", "soon")
    assert sd("check").exit_code == 2 and "SD_NOW" in sd("check").stderr
