"""The Python API (salesdiary.journal): a script opens a journal, writes through the same store functions as `sd`,
reads the very reports `sd` prints, and `sd undo` takes a script's write back."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from salesdiary.core.errors import BadInput, NotFound, SdError
from salesdiary.journal import (
    Agenda,
    Changed,
    CheckReport,
    DecisionMap,
    DueList,
    Dump,
    Evaluation,
    Export,
    FunnelReport,
    Journal,
    Listing,
    LoggedVisit,
    PeriodReport,
    ReceivableList,
    Record,
    StageProgress,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def j(isolated: Path):  # noqa: ANN201
    """The test's journal (the one `sd` uses, SD_DB), opened through the API."""
    with Journal.open(isolated / "journal.sqlite") as journal:
        yield journal


def _pipeline(j: Journal) -> tuple[int, int]:
    account = j.accounts.add("华东电力设计院", industry="energy")
    deal = j.deals.add(account, "14号线通信系统", amount=1_200_000)
    return account, deal


# --- open and close ----------------------------------------------------------------------------------------


def test_open_a_path_makes_the_journal_and_the_with_block_closes_it(tmp_path):
    path = tmp_path / "elsewhere" / "sales.sqlite"
    path.parent.mkdir()
    with Journal.open(path) as j:
        account = j.accounts.add("Contoso")
        assert j.accounts.get(account)["name"] == "Contoso"
        assert j._reader is not None
    assert j._reader is None  # closed at the end of the block
    assert path.exists()
    again = Journal.open(str(path))  # a path as text is the same file
    try:
        assert [a["name"] for a in again.accounts.list()] == ["Contoso"]
    finally:
        again.close()
    again.close()  # closing twice is harmless


def test_open_without_a_path_uses_the_journal_sd_uses(sd):
    with Journal.open() as j:
        j.accounts.add("Fabrikam")
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["Fabrikam"]


def test_open_a_sqlite_url(tmp_path):
    with Journal.open(f"sqlite:///{tmp_path / 'url.sqlite'}") as j:
        j.accounts.add("Northwind")
    assert (tmp_path / "url.sqlite").exists()


def test_open_a_url_sd_cannot_use_is_a_clear_error():
    with pytest.raises(BadInput, match="mysql"):
        Journal.open("mysql://db/sales")


# --- nouns -------------------------------------------------------------------------------------------------


def test_accounts_add_list_get(j, sd):
    first = j.accounts.add("华东电力设计院", industry="energy", relation="C")
    j.accounts.add("Contoso Manufacturing")
    assert sorted(a["name"] for a in j.accounts.list()) == ["Contoso Manufacturing", "华东电力设计院"]
    assert [a["name"] for a in j.accounts.list("Contoso")] == ["Contoso Manufacturing"]
    assert len(j.accounts.list(limit=1)) == 1
    got = j.accounts.get("华东")  # a name as sd takes it: a part of it will do
    assert (got["id"], got["industry"], got["relation"]) == (first, "energy", "C")
    shown = sd("account", "show", str(first), "--json").json()
    assert shown["name"] == "华东电力设计院"


def test_accounts_refuse_bad_input_and_report_what_is_missing(j):
    with pytest.raises(BadInput):
        j.accounts.add("   ")
    with pytest.raises(BadInput, match="colour"):
        j.accounts.add("Contoso", colour="blue")
    with pytest.raises(NotFound):
        j.accounts.get(42)
    with pytest.raises(SdError):
        j.accounts.add("Contoso")
        j.accounts.add("Contoso")  # the name is taken
    assert [a["name"] for a in j.accounts.list()] == ["Contoso"]


def test_deals_add_list_get_advance(j, sd):
    account, deal = _pipeline(j)
    got = j.deals.get("14号线")
    assert (got["id"], got["account"], got["stage"], got["amount"]) == (deal, "华东电力设计院", "project_info", 1200000)
    assert [d["name"] for d in j.deals.list(account=account)] == ["14号线通信系统"]
    assert j.deals.list(status="won") == []
    with pytest.raises(SdError):  # the stage exit check holds for a script too
        j.deals.advance(deal)
    moved = j.deals.advance(deal, force=True, reason="the customer asked for a quote")
    assert (moved.old.key, moved.new.key, moved.forced) == ("project_info", "project_confirmation", True)
    assert sd("deal", "show", str(deal), "--json").json()["stage"] == "project_confirmation"


def test_visits_add_and_list_with_a_follow_up(j, sd):
    account, deal = _pipeline(j)
    logged = j.visits.add(
        deal=deal, summary="Met the chief engineer", next_step="Send the quote", follow_up="2026-11-27"
    )
    assert isinstance(logged, LoggedVisit) and logged.followup_id is not None
    visits = j.visits.list(account=account)
    assert [(v["id"], v["summary"], v["date"]) for v in visits] == [(logged.id, "Met the chief engineer", "2026-11-25")]
    assert j.visits.list(deal="14号线")[0]["id"] == logged.id
    due = sd("due", "--json").json()
    assert [(i["id"], i["action"], i["due"]) for i in due["items"]] == [
        (logged.followup_id, "Send the quote", "2026-11-27")
    ]
    with pytest.raises(BadInput):
        j.visits.add(summary="nowhere")  # no account, no deal
    with pytest.raises(BadInput):
        j.visits.add(account, date="not a date")
    assert len(j.visits.list()) == 1


def test_accounts_edit_remove_and_reassign(j, sd):
    account, deal = _pipeline(j)
    edited = j.accounts.edit("华东", region="华东", industry="")
    assert isinstance(edited, Changed) and edited.id == account
    assert edited.changes == {"industry": ["energy", None], "region": [None, "华东"]}
    assert j.accounts.edit(account, region="华东").changes == {}  # nothing changed
    moved = j.accounts.reassign(account, "li.lei", "she takes the east")
    assert (moved["id"], moved["to"], moved["deals"]) == (account, "li.lei", 1)
    with pytest.raises(BadInput):
        j.accounts.reassign(account, "li.lei", "   ")
    with pytest.raises(SdError):  # it still has a deal
        j.accounts.remove(account)
    assert j.accounts.remove(account, force=True) == account
    assert j.accounts.list() == [] and j.deals.list() == []
    assert sd("history", "--json").json()[0]["command"] == "python: accounts.remove"


def test_contacts_add_edit_remove(j, sd):
    account, _deal = _pipeline(j)
    boss = j.contacts.add(account, "王总", title="总工程师", role="decision_maker")
    aide = j.contacts.add("华东", "李工", reports_to="王总", coach=True)
    shown = sd("contact", "show", str(aide), "--json").json()
    assert (shown["name"], shown["coach"], shown["reports_to_id"]) == ("李工", True, boss)
    edited = j.contacts.edit("李工", title="主任", reports_to="")
    assert edited.id == aide and edited.changes["title"] == [None, "主任"]
    assert sd("contact", "show", str(aide), "--json").json()["reports_to_id"] is None
    with pytest.raises(BadInput):
        j.contacts.add(account, "张工", level="galaxy")
    assert j.contacts.remove(aide) == aide
    assert sd("contact", "show", str(aide)).exit_code == 1


def test_deals_edit_win_lose_drop_remove(j, sd):
    account, deal = _pipeline(j)
    edited = j.deals.edit(deal, amount="120万", stage="3", next_step="Send the quote")
    assert edited.id == deal and edited.changes["stage"][-1] == "customer_analysis"
    assert j.deals.get(deal)["next_step"] == "Send the quote"
    assert j.deals.win("14号线", amount="1,300,000", on="2026-11-20") == deal
    won = j.deals.get(deal)
    assert (won["status"], won["amount"], won["closed_on"]) == ("won", 1300000, "2026-11-20")
    with pytest.raises(SdError):
        j.deals.win(deal)  # already won
    other = j.deals.add(account, "5号线", amount=10)
    j.deals.lose(other, reason="price")
    assert (j.deals.get(other)["status"], j.deals.get(other)["loss_reason"]) == ("lost", "price")
    third = j.deals.add(account, "6号线")
    j.deals.drop(third, on=dt.date(2026, 11, 1))
    assert j.deals.get(third)["status"] == "dropped"
    with pytest.raises(BadInput, match="--date"):
        j.deals.lose(third, on="not a date")
    assert j.deals.remove(third) == third
    commands = {h["command"] for h in sd("history", "--json").json()}
    assert commands >= {"python: deals.edit", "python: deals.win", "python: deals.lose", "python: deals.drop"}
    assert "python: deals.remove" in commands


def test_deals_markers_advance_with_ticks_and_qualify(j, sd):
    _account, deal = _pipeline(j)
    added, removed = j.deals.markers(deal, tick=["1", "2"])
    assert len(added) == 2 and removed == []
    assert j.deals.markers(deal, tick=["1"], untick=["2"]) == ([], [added[1]])
    with pytest.raises(SdError):
        j.deals.markers(deal, tick=["no such marker"])
    markers = sd("deal", "markers", str(deal), "--json").json()
    required = [m["key"] for m in markers if m["required"]]
    progress = j.deals.progress("14号线")
    assert isinstance(progress, StageProgress) and progress.as_json() == markers
    assert progress.stage.key == "project_info" and set(progress.ticked) == {added[0]}
    assert [m.key for m in progress.unmet] == [k for k in required if k != added[0]]
    assert j.deals.progress(deal, "2").as_json() == sd("deal", "markers", str(deal), "--stage", "2", "--json").json()
    moved = j.deals.advance(deal, ticks=required)
    assert (moved.old.key, moved.forced) == ("project_info", False)
    assert j.deals.qualify(deal, {"funding": "yes"}, {"funding": "budget approved"}) == 1
    assert j.deals.qualify(deal, {"funding": "yes"}) == 0  # nothing changed
    shown = sd("qualify", str(deal), "--show", "--json").json()
    assert shown["answered"] == 1
    evaluation = j.deals.evaluation("14号线")
    assert isinstance(evaluation, Evaluation) and evaluation.as_json() == shown
    assert evaluation.answers == {"funding": "yes"} and evaluation.stored["funding"]["note"] == "budget approved"
    assert evaluation.result.answered == 1


def test_followups_add_done_remove(j, sd):
    account, deal = _pipeline(j)
    with pytest.raises(BadInput, match="--account"):
        j.followups.add(None, "Call back", "2026-11-27")
    first = j.followups.add(None, "Send the quote", "2026-11-27", deal="14号线", kind="call")
    second = j.followups.add(account, "Lunch", dt.date(2026, 11, 28))
    assert j.last_values["due"] == dt.date(2026, 11, 28)
    assert [(i["id"], i["due"]) for i in j.due(7).items] == [(first, "2026-11-27"), (second, "2026-11-28")]
    assert j.followups.done(first, str(first), second) == [first, second]  # each once
    assert j.due(7).items == []
    j.followups.done(second, undo=True)
    assert [i["id"] for i in j.due(7).items] == [second]
    assert j.followups.remove(second) == second
    assert j.due(7).items == []


def test_receivables_add_pay_remove(j, sd):
    _account, deal = _pipeline(j)
    with pytest.raises(SdError):
        j.receivables.add(deal, "30万", "2026-12-31")  # the deal is not won yet
    j.deals.win(deal)
    rid = j.receivables.add(deal, "30万", "2026-12-31", note="first instalment")
    assert j.last_values["amount"] == 300000
    paid = j.receivables.pay(f"#{rid}", amount="100000", on="2026-12-01")
    assert (paid["id"], paid["paid"], paid["outstanding"]) == (rid, 100000, 200000)
    assert j.receivables.pay(rid)["outstanding"] == 0
    with pytest.raises(BadInput):
        j.receivables.pay("first")  # a receivable has no name
    listed = j.receivables.find(status="all")
    assert isinstance(listed, ReceivableList)
    assert listed.as_json() == sd("receivable", "list", "--status", "all", "--json").json()
    assert [i["id"] for i in listed.as_json()["items"]] == [rid] and j.receivables.find().as_json()["items"] == []
    with pytest.raises(BadInput):
        j.receivables.find(status="late")
    assert j.receivables.remove(rid) == rid
    assert sd("receivable", "list", "--status", "all", "--json").json()["items"] == []


def test_visits_edit_and_remove(j, sd):
    account, deal = _pipeline(j)
    boss = j.contacts.add(account, "王总")
    logged = j.visits.add(account, summary="Lunch")
    edited = j.visits.edit(logged.id, deal="14号线", contacts=["王总"], summary="Lunch with 王总")
    assert edited.id == logged.id and edited.changes["summary"] == ["Lunch", "Lunch with 王总"]
    shown = sd("visit", "show", str(logged.id), "--json").json()
    assert (shown["deal_id"], [c["id"] for c in shown["contacts"]]) == (deal, [boss])
    j.visits.edit(logged.id, deal="")
    assert sd("visit", "show", str(logged.id), "--json").json()["deal_id"] is None
    assert j.visits.remove(logged.id) == logged.id
    assert j.visits.list() == []


def test_a_guided_visits_plan_is_one_write(j, sd):
    from salesdiary.core.visit_plan import MetContact, VisitPlan

    account, deal = _pipeline(j)
    plan = VisitPlan(
        account_id=account,
        deal_id=deal,
        contacts=[MetContact(None, {"name": "王总", "title": "总工程师", "role": "decision_maker"}, None)],
        visit={"summary": "First meeting", "follow_up_date": dt.date(2026, 11, 27)},
    )
    logged = j.visits.log_plan(plan)
    assert j.contacts.find(account=account).rows[0]["name"] == "王总"
    assert j.visits.show(logged.visit_id).data["summary"] == "First meeting"
    assert sd("history", "--json").json()[0]["command"] == "python: visits.add"
    assert sd("undo").exit_code == 0  # the contact, the visit and its follow-up: one change
    assert j.contacts.find(account=account).rows == [] and j.visits.list() == [] and j.due(7).items == []


def test_the_clis_writes_go_through_the_journal(sd, monkeypatch):
    """`sd` writes through the same API: each write is one Journal call, named after the command line."""
    from salesdiary import journal

    seen: list[str] = []
    write = journal.Journal.write

    def spy(self, what, fn):  # noqa: ANN001, ANN202
        seen.append(what)
        return write(self, what, fn)

    monkeypatch.setattr(journal.Journal, "write", spy)
    for args in (
        ["account", "add", "Contoso"],
        ["account", "edit", "Contoso", "--region", "East"],
        ["contact", "add", "Ann", "-A", "Contoso"],
        ["deal", "add", "Pumps", "-A", "Contoso"],
        ["deal", "won", "Pumps"],
        ["followup", "add", "Call", "-A", "Contoso", "--due", "2026-12-01"],
        ["followup", "done", "1"],
        ["contact", "rm", "Ann"],
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output
    assert seen == [
        "accounts.add",
        "accounts.edit",
        "contacts.add",
        "deals.add",
        "deals.win",
        "followups.add",
        "followups.done",
        "contacts.remove",
    ]


def test_show_and_find_are_what_sd_show_and_list_print(j, sd):
    account, deal = _pipeline(j)
    boss = j.contacts.add(account, "王总", role="decision_maker")
    visit = j.visits.add(account, deal=deal, contacts=["王总"], summary="Lunch", follow_up="2026-11-27").id
    j.followups.add(account, "Call", "2026-11-30")
    for noun, ref, record in (
        ("account", str(account), j.accounts.show(account)),
        ("contact", str(boss), j.contacts.show("王总", account="华东")),
        ("deal", str(deal), j.deals.show("14号线")),
        ("visit", str(visit), j.visits.show(visit)),
    ):
        assert isinstance(record, Record)
        assert record.as_json() == sd(noun, "show", ref, "--json").json(), noun
        assert "name_key" not in record.as_json()
    assert j.accounts.show(account).data["visit_count"] == 1
    for noun, found in (
        ("account", j.accounts.find()),
        ("contact", j.contacts.find(account=account)),
        ("deal", j.deals.find(status="all")),
        ("visit", j.visits.find(since="2026-11-01")),
        ("followup", j.followups.find(status="all")),
    ):
        assert isinstance(found, Listing) and found.total == len(found.rows) > 0
        assert found.as_json() == sd(noun, "list", "--json", "--all").json(), noun
    assert j.deals.find(status="won").rows == []
    assert j.deals.find(stage="1", playbook="ten_step").total == 1
    page = j.followups.find(status="all", limit=1)
    assert (len(page.rows), page.total) == (1, 2)  # the total counts them all
    with pytest.raises(BadInput):
        j.followups.find(status="late")
    with pytest.raises(NotFound):
        j.deals.show(99)


def test_agenda_and_decision_map_are_what_sd_today_and_sd_map_print(j, sd):
    account, deal = _pipeline(j)
    boss = j.contacts.add(account, "王总", role="decision_maker")
    j.contacts.add(account, "李工", reports_to=boss, role="user")
    j.followups.add(account, "Call", dt.date(2026, 11, 25))
    agenda = j.agenda()
    assert isinstance(agenda, Agenda) and agenda.as_json() == sd("today", "--json").json()
    assert "Call" in str(agenda.as_json())
    drawn = j.decision_map("华东", deal="14号线")
    assert isinstance(drawn, DecisionMap) and drawn.deal_id == deal
    assert drawn.as_json() == sd("map", str(account), "--deal", str(deal), "--json").json()
    assert [p["name"] for p in drawn.as_json()["contacts"][0]["reports"]] == ["李工"]
    other = j.accounts.add("Contoso")
    elsewhere = j.deals.add(other, "Pumps")
    with pytest.raises(BadInput, match="another account"):
        j.decision_map(account, deal=elsewhere)


def test_export_and_dump_are_what_sd_export_writes(j, sd):
    account, deal = _pipeline(j)
    j.contacts.add(account, "王总", hobbies="golf")
    j.deals.add(account, "5号线", amount="30万")
    j.deals.win(deal)
    won = j.export("deals", status="won")
    assert isinstance(won, Export) and won.table == "deals"
    assert won.as_json() == sd("export", "deals", "--status", "won", "--format", "json").json()
    assert [d["name"] for d in j.export("deals", status="won").as_json()] == ["14号线通信系统"]
    people = j.export("contacts", include_personal=True).as_json()
    assert people == sd("export", "contacts", "--include-personal", "--format", "json").json()
    assert people[0]["hobbies"] == "golf"
    with pytest.raises(BadInput, match="contacts only"):
        j.export("deals", include_personal=True)
    with pytest.raises(BadInput, match="Cannot export"):
        j.export("receipts")
    with pytest.raises(BadInput, match="--playbook"):
        j.export("visits", playbook="ten_step")
    dump = j.dump()
    assert isinstance(dump, Dump)
    assert dump.as_json() == sd("export", "all").json()
    assert len(j.dump().as_json()["tables"]["deal"]) == 2


# --- reports: exactly what sd prints -------------------------------------------------------------------------


def test_funnel_is_what_sd_funnel_json_prints(j, sd):
    _account, deal = _pipeline(j)
    j.deals.advance(deal, force=True, reason="quote asked")
    report = j.funnel()
    assert isinstance(report, FunnelReport)
    assert report.as_json() == sd("funnel", "--json").json()
    assert report.totals["deals"] == 1 and report.totals["amount"] == 1_200_000
    first, second = report.stages[0], report.stages[1]
    assert (first["entered"], first["advanced"], first["conversion_pct"]) == (1, 1, 100.0)
    assert second["deals"] == 1 and second["weighted"] == 1_200_000 * second["probability"] / 100
    assert report.coverage is not None and report.coverage["leads"] == 1  # the account's information stage
    assert j.funnel(account="华东").coverage is None  # one account: no coverage forecast
    since = j.funnel(since=dt.date(2027, 1, 1))
    assert since.stages[0]["entered"] == 0


def test_funnel_coverage_forecast_follows_the_config(j, isolated):
    for name in ("A", "B", "C"):
        j.accounts.add(name, info_stage="qualified")
    j.accounts.add("D", info_stage="prospect")
    (isolated / "config.toml").write_text("[funnel]\nqualified_per_prospect = 2\nprospects_per_customer = 4\n")
    from salesdiary.store.paths import load_config

    load_config.cache_clear()
    coverage = j.funnel().coverage
    assert (coverage["expected_prospects"], coverage["expected_customers"]) == (1.5, 0.6)
    (isolated / "config.toml").write_text("[funnel]\nqualified_per_prospect = 0\n")
    load_config.cache_clear()
    with pytest.raises(BadInput, match="qualified_per_prospect"):
        j.funnel()


def test_due_is_what_sd_due_json_prints(j, sd):
    account, _deal = _pipeline(j)
    j.visits.add(account, follow_up="2026-11-20", next_step="Call back")  # late
    j.visits.add(account, follow_up="2026-11-25", next_step="Send the deck")  # today
    j.visits.add(account, follow_up="2026-12-20", next_step="Far away")
    listed = j.due()
    assert isinstance(listed, DueList)
    assert listed.as_json() == sd("due", "--json").json()
    assert listed.counts == {"overdue": 1, "today": 1, "upcoming": 0}
    assert [i["action"] for i in listed.items] == ["Call back", "Send the deck"]
    assert j.due(30).counts["upcoming"] == 1
    cut = j.due(30, limit=1)
    assert len(cut.items) == 1 and sum(cut.counts.values()) == 3


def test_report_is_what_sd_report_json_prints_byte_for_byte(j, sd):
    from salesdiary.render.data import dumps

    account, deal = _pipeline(j)
    j.visits.add(account, deal=deal, summary="Met the chief engineer", follow_up="2026-11-20")
    j.deals.advance(deal, force=True, reason="quote asked")
    week = j.report("week")
    assert isinstance(week, PeriodReport) and week.kind == "week"
    assert dumps(week.as_json()) + "\n" == sd("report", "week", "--json").stdout
    assert (week.summary["visits"], week.summary["stage_moves"], week.summary["overdue"]) == (1, 2, 1)
    assert week.by_owner is None  # a journal of one's own: no table per rep unless --owner all
    assert j.report("月报", owner="all").by_owner is not None
    past = j.report("month", on=dt.date(2026, 10, 5))
    assert (past.as_json()["start"], past.as_json()["end"], past.summary["visits"]) == ("2026-10-01", "2026-10-31", 0)
    with pytest.raises(BadInput):
        j.report("quarter")


def test_check_is_what_sd_check_json_prints(j, sd):
    account, deal = _pipeline(j)
    report = j.check(per_rule=None)
    assert isinstance(report, CheckReport) and report.found
    result = sd("check", "--json", "--all")
    assert result.exit_code == 1
    assert report.as_json() == result.json()  # a JSON array, one finding a line
    assert {f.rule for f in report.findings} >= {"no_next_step"}
    only = j.check(rules=["no_next_step"])
    assert only.rules == ("no_next_step",) and {f.rule for f in only.findings} == {"no_next_step"}
    with pytest.raises(BadInput, match="nope"):
        j.check(rules=["nope"])


def test_a_scripts_write_is_recorded_and_undone_by_sd_undo(j, sd):
    account, _deal = _pipeline(j)
    logged = j.visits.add(account, summary="Lunch with the buyer", follow_up="2026-11-30")
    history = sd("history", "--json").json()
    assert history[0]["command"] == "python: visits.add"
    assert {h["command"] for h in history} >= {"python: accounts.add", "python: deals.add"}
    undone = sd("undo")
    assert undone.exit_code == 0, undone.output
    assert j.visits.list() == []  # the visit and the follow-up it made, as one changeset
    assert sd("due", "--json").json()["items"] == []
    assert [d["id"] for d in j.deals.list()] == [_deal]  # the earlier writes stay
    assert sd("visit", "show", str(logged.id)).exit_code == 1


def test_a_script_undoes_and_redoes_its_last_write(j, sd):
    account, deal = _pipeline(j)
    j.deals.win(deal)
    undone = j.undo()
    assert undone.original_command == "python: deals.win" and j.deals.get(deal)["status"] == "open"
    j.redo()
    assert j.deals.get(deal)["status"] == "won"
    with pytest.raises(SdError, match="Nothing to redo"):
        j.redo()
    assert sd("undo").exit_code == 0 and j.deals.get(deal)["status"] == "open"  # sd undoes what the script did


def _read_in_a_script(reads: str) -> tuple[str, str]:
    """What a script that opens the journal `sd` uses and prints READS printed, and the heavy modules it loaded."""
    script = (
        "import sys\n"
        "from salesdiary.journal import Journal\n"
        "with Journal.open() as j:\n"
        f"    print({reads})\n"
        "print(sorted(m for m in ('sqlmodel', 'sqlalchemy', 'alembic', 'questionary') if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ), timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    printed, loaded = proc.stdout.splitlines()
    return printed, loaded


def test_a_script_that_only_reads_does_not_load_sqlalchemy(sd, isolated):
    assert sd("demo").exit_code == 0
    counts, loaded = _read_in_a_script(
        "j.funnel().totals['deals'], len(j.due(30).items), len(j.check().findings), len(j.deals.list())"
    )
    assert loaded == "[]"
    assert int(counts.split()[0]) > 0


def test_the_package_says_it_is_typed():
    assert (REPO / "src" / "salesdiary" / "py.typed").exists()
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"py.typed"' in text


def test_open_a_postgresql_url(sd, monkeypatch, isolated):
    """A URL opens a team database: the same writes (recorded, undone by sd undo) and reports as on SQLite."""
    import pgtools

    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        assert sd("db", "upgrade").exit_code == 0
        with Journal.open(url) as j:
            account, deal = _pipeline(j)
            j.visits.add(account, deal=deal, next_step="Send the quote", follow_up="2026-11-26")
            assert j.funnel().as_json() == sd("funnel", "--json").json()
            assert j.due().as_json() == sd("due", "--json").json()
            assert j.deals.get(deal)["account"] == "华东电力设计院"
            assert sd("history", "--json").json()[0]["command"] == "python: visits.add"
            assert sd("undo").exit_code == 0
            assert j.visits.list() == [] and j.due().items == []
        assert not (isolated / "journal.sqlite").exists()


# --- history, the database, data in, settings: what sd history, db, doctor, backup, import, config do ----------


def test_a_script_lists_the_history_and_what_undo_would_reverse(j, sd):
    from salesdiary.journal_history import HistoryList, PendingUndo

    account, deal = _pipeline(j)
    j.deals.edit(deal, next_step="Send the quote")
    found = j.history.find()
    assert isinstance(found, HistoryList) and found.total == len(found.rows) == 4  # the deal: and its stage
    assert found.as_json() == sd("history", "--json").json()
    assert found.rows[0]["command"] == "python: deals.edit" and found.rows[0]["changes"]["next_step"][1]
    of_deal = j.history.find("deal", "14号线", limit=None)
    assert of_deal.as_json() == sd("history", "deal", str(deal), "--json").json()
    assert {row["entity_id"] for row in of_deal.rows if row["entity"] == "deal"} == {str(deal)}
    assert j.history.find("华东电力").rows[-1]["entity_id"] == str(account)  # a lone name: the account's
    with pytest.raises(BadInput, match="Name the deal"):
        j.history.find("deal")
    pending = j.history.pending()
    assert isinstance(pending, PendingUndo) and pending.command == "python: deals.edit" and not pending.blocked_by
    assert pending.as_json() == sd("undo", "--list", "--json").json()
    assert j.undo().reversed_id == pending.id
    j.undo(), j.undo()
    assert j.history.pending() is None and sd("undo", "--list", "--json").json() is None


def test_a_script_checks_backs_up_and_restores_the_journal(j, sd, isolated):
    from salesdiary.core.errors import Conflict
    from salesdiary.journal_database import Backup, DoctorReport

    j.accounts.add("Contoso")
    status = j.database.status()
    assert status.as_json() == sd("db", "status", "--json").json()
    assert status.as_json()["state"] == "current"
    copy = j.database.backup()
    assert isinstance(copy, Backup) and copy.path.parent == isolated / "backups" and copy.size > 0
    report = j.database.doctor()
    assert isinstance(report, DoctorReport) and not report.failed
    assert report.as_json() == sd("doctor", "--json").json()
    with pytest.raises(Conflict, match="--force"):
        j.database.backup(copy.path)
    j.accounts.add("Fabrikam")
    found = j.database.check_backup(copy.path)
    assert found.counts["account"] == 1 and found.records.startswith("1 account")
    restored = j.database.restore(copy.path)
    assert restored.kept is not None and restored.kept.exists()
    assert [a["name"] for a in j.accounts.list()] == ["Contoso"]  # the journal's reader sees the file restored
    with pytest.raises(BadInput, match="name the backup"):
        j.database.check_backup(" ")
    assert j.database.upgrade().before == j.database.upgrade().after


def test_a_script_imports_a_file_and_fills_a_demo_journal(j, sd, tmp_path):
    from salesdiary.core.errors import Conflict
    from salesdiary.journal_data import refused_report

    path = tmp_path / "a.csv"
    path.write_text("name,region\nContoso,East\nFabrikam,West\n", encoding="utf-8")
    dry = j.data.import_table("accounts", path, dry_run=True)
    assert dry.as_json() == sd("import", "accounts", str(path), "--dry-run", "--json").json()
    assert j.accounts.list() == []
    assert j.data.import_table("accounts", path, mapping=["region=region"]).created == 2
    assert sd("history", "--json").json()[0]["command"] == "python: data.import_table"
    bad = tmp_path / "d.csv"
    bad.write_text("name,account,amount\nPumps,Contoso,lots\n", encoding="utf-8")
    with pytest.raises(SdError) as refused:
        j.data.import_table("deals", bad)
    assert refused_report(refused.value) is not None and refused_report(BadInput("x")) is None
    with pytest.raises(BadInput, match="--stage-map"):
        j.data.import_table("accounts", path, stage_map=["Won=won"])
    with pytest.raises(Conflict, match="not empty"):
        j.data.fill_demo()
    assert j.data.fill_demo(if_empty=True) is None
    dump = tmp_path / "all.json"
    assert sd("export", "all", "-o", str(dump)).exit_code == 0
    with Journal.open(tmp_path / "other.sqlite") as other:
        dry_all = other.data.import_all(dump, dry_run=True)
        assert dry_all.as_json()["dry_run"] and dry_all.tables["account"] == 2 and other.accounts.list() == []
        assert other.data.import_all(dump).tables["account"] == 2
        assert [a["name"] for a in other.accounts.list()] == [a["name"] for a in j.accounts.list()]
    with Journal.open(tmp_path / "demo.sqlite") as demo:
        filled = demo.data.fill_demo()
        assert filled is not None and filled.counts["accounts"] == len(demo.accounts.list()) > 0
        assert demo.data.remove_demo() > 0 and demo.data.is_empty()


def test_a_script_reads_and_changes_settings_and_playbooks(j, sd, isolated):
    j.settings.set("user.name", "王磊")
    assert j.settings.get("user.name").value == "王磊"
    assert j.settings.show().as_json() == sd("config", "show", "--json").json()
    assert j.settings.unset("user.name").removed and not j.settings.unset("user.name").removed
    assert j.settings.path() == isolated / "config.toml"
    books = j.playbooks.list()
    assert books.as_json() == sd("playbook", "list", "--json").json() and not books.problems
    assert books.rows[0]["default"] and books.rows[0]["name"] == j.playbooks.default()
    assert j.playbooks.show().as_json() == sd("playbook", "show", "--json").json()
    assert len(j.playbooks.show(stage="1").stages) == 1


def test_the_admin_commands_make_one_journal_call(sd, monkeypatch, isolated):
    """sd history, undo --list, db, doctor, backup, import and demo each call the API (journal_history, _database,
    _data), so a script gets what the command shows."""
    from salesdiary import journal_data, journal_database, journal_history

    seen: list[str] = []
    for module, cls, names in (
        (journal_history, "History", ("find", "pending")),
        (journal_database, "Database", ("status", "upgrade", "backup", "check_backup", "restore")),
        (journal_data, "DataIn", ("import_table", "import_all", "fill_demo", "remove_demo")),
    ):
        for name in names:
            original = getattr(getattr(module, cls), name)

            def spy(self, *args, _name=name, _original=original, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
                seen.append(_name)
                return _original(self, *args, **kwargs)

            monkeypatch.setattr(getattr(module, cls), name, spy)
    doctored: list[bool] = []
    doctor = journal_database.doctor
    monkeypatch.setattr(journal_database, "doctor", lambda find: doctored.append(True) or doctor(find))
    path = isolated / "a.csv"
    path.write_text("name\nContoso\n", encoding="utf-8")
    for args in (
        ["demo"],
        ["history", "-n", "1"],
        ["undo", "--list"],
        ["db", "status"],
        ["db", "upgrade"],
        ["doctor"],
        ["backup", str(isolated / "copy.sqlite")],
        ["restore", "--yes", str(isolated / "copy.sqlite")],
        ["import", "accounts", str(path)],
        ["demo", "--remove"],
    ):
        result = sd(*args)
        assert result.exit_code == 0, (args, result.output)
    assert seen == [
        "fill_demo",
        "find",
        "pending",
        "status",
        "upgrade",
        "backup",
        "check_backup",
        "restore",
        "import_table",
        "remove_demo",
    ]
    assert doctored == [True]


def test_a_script_reading_the_history_does_not_load_sqlalchemy(sd, isolated):
    assert sd("demo").exit_code == 0
    printed, loaded = _read_in_a_script(
        "j.history.find(limit=5).total, j.history.pending().command, j.database.status().info['state']"
    )
    assert loaded == "[]"
    assert printed.split()[-1] == "current" and int(printed.split()[0]) > 0
