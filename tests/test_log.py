"""sd log: one line of notes into a visit (issue 21) — what a rep sees and what is written."""

from __future__ import annotations

import json
import sqlite3
import sys

import pytest

from helpers import ENTER, Terminal

pytestmark = pytest.mark.usefixtures("fresh_journal")


@pytest.fixture
def huawei(sd):  # noqa: ANN001, ANN201
    """An account with two people and one open deal; another with two people of one surname."""
    for args in (
        ("account", "add", "华为技术有限公司"),
        ("contact", "add", "张伟", "--account", "华为", "--title", "技术总监"),
        ("contact", "add", "李娜", "--account", "华为", "--title", "采购经理"),
        ("deal", "add", "数据中心网络改造", "--account", "华为"),
        ("account", "add", "美的集团股份有限公司"),
        ("contact", "add", "黄海", "--account", "美的", "--title", "采购总监"),
        ("contact", "add", "黄丽", "--account", "美的", "--title", "工程师"),
        ("account", "add", "Contoso Ltd"),
        ("contact", "add", "Priya Shah", "--account", "Contoso"),
    ):
        result = sd(*args)
        assert result.exit_code == 0, result.output


def counts(isolated) -> dict[str, int]:  # noqa: ANN001
    con = sqlite3.connect(isolated / "journal.sqlite")
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("visit", "followup", "contact")}
    finally:
        con.close()


def test_log_yes_writes_the_visit_and_its_follow_up(sd, huawei) -> None:  # noqa: ANN001
    result = sd("log", "拜访了华为张伟，下周三回电", "--yes")
    assert result.exit_code == 0, result.output
    assert "Logged visit #1 at 华为技术有限公司." in result.stderr
    visit = sd("visit", "show", "1", "--json").json()
    assert visit["account_id"] == 1 and visit["deal_id"] == 1
    assert visit["kind"] == "visit" and visit["date"] == "2026-11-25"  # SD_TODAY of the tests
    assert visit["summary"] == "拜访了华为张伟，下周三回电" and visit["next_step"] == "回电"
    assert visit["follow_up_date"] == "2026-12-02"  # next week's Wednesday
    assert [c["name"] for c in visit["contacts"]] == ["张伟"]
    due = sd("followup", "list", "--json").json()
    assert [(f["action"], f["due"]) for f in due] == [("回电", "2026-12-02")]


def test_json_prints_the_parse_with_the_documented_keys_and_writes_nothing(sd, huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    result = sd("log", "昨天和@华为 李经理吃饭 #数据中心 周五前发报价", "--json")
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    keys = "account deal contacts new_contacts kind date summary next_step follow_up_date unsure"
    assert set(parsed) == set(keys.split())
    assert parsed["account"] == {"id": 1, "name": "华为技术有限公司"}
    assert parsed["deal"] == {"id": 1, "name": "数据中心网络改造"}
    assert parsed["contacts"] == [{"id": 2, "name": "李娜"}]
    assert parsed["kind"] == "meal" and parsed["date"] == "2026-11-24"
    assert parsed["summary"] == "昨天和华为 李经理吃饭 数据中心 周五前发报价"  # the markers left out
    assert parsed["next_step"] == "发报价" and parsed["follow_up_date"] == "2026-11-27"
    assert parsed["unsure"] == {}
    assert counts(isolated) == before


def test_dry_run_shows_the_preview_and_writes_nothing(sd, huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    result = sd("log", "met Priya at Contoso yesterday, call back next Wed", "--dry-run")
    assert result.exit_code == 0, result.output
    for line in ("Account    Contoso Ltd", "People     Priya Shah", "Date       2026-11-24", "Next step  call back"):
        assert line in result.stdout
    assert "Follow-up  2026-12-02" in result.stdout
    assert counts(isolated) == before


def test_a_note_without_an_account_is_an_error_without_a_terminal(sd, huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    result = sd("log", "打电话给老王，明天再联系")
    assert result.exit_code == 2
    assert "Cannot log the note: no account" in result.stderr and "Traceback" not in result.output
    assert counts(isolated) == before


def test_an_ambiguous_person_is_an_error_naming_them(sd, huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    result = sd("--no-input", "log", "美的 小黄 电话", "--yes")
    assert result.exit_code == 2
    assert "who '小黄' is: #3 黄海, #4 黄丽" in result.stderr
    assert counts(isolated) == before
    # the title decides where the honorific fits only one of them
    assert sd("log", "美的 黄总 电话", "--json").json()["contacts"] == [{"id": 3, "name": "黄海"}]


def test_new_people_only_with_create(sd, huawei, isolated) -> None:  # noqa: ANN001
    result = sd("log", "拜访华为张伟，新来的采购刘建国也在", "--yes")
    assert result.exit_code == 0, result.output
    assert "Not added as contacts (pass --create to add them): 刘建国." in result.stderr
    assert counts(isolated)["contact"] == 5
    result = sd("log", "拜访华为张伟，新来的采购刘建国也在", "--yes", "--create")
    assert result.exit_code == 0, result.output
    assert "Added new contacts #6: 刘建国." in result.stderr
    visit = sd("visit", "show", "2", "--json").json()
    assert sorted(c["name"] for c in visit["contacts"]) == sorted(["张伟", "刘建国"])
    assert sd("contact", "show", "6", "--json").json()["account_id"] == 1


def test_stdin_notes_are_written_in_one_transaction(sd, huawei, isolated) -> None:  # noqa: ANN001
    notes = "# today's notes\n\n拜访了华为张伟\n\n昨天和Contoso的Priya吃饭，下周一回电\n"
    result = sd("log", "--yes", input=notes)
    assert result.exit_code == 0, result.output
    assert counts(isolated)["visit"] == 2
    history = sd("history", "--json").json()
    assert len({row["changeset"] for row in history if row["command"].startswith("sd log")}) == 1


def test_one_bad_note_in_a_batch_writes_none(sd, huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    result = sd("log", input="拜访了华为张伟\n和老王吃饭\n")
    assert result.exit_code == 2
    assert "Cannot log note 2: no account" in result.stderr
    assert counts(isolated) == before


def test_one_undo_takes_back_one_log(sd, huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    assert (
        sd("log", "--yes", "--create", input="拜访华为张伟和新来的刘建国，下周三回电\n美的黄海 报价\n").exit_code == 0
    )
    assert counts(isolated) == {"visit": 2, "followup": 1, "contact": before["contact"] + 1}
    result = sd("undo")
    assert result.exit_code == 0, result.output
    assert counts(isolated) == before


def test_an_empty_note_is_bad_input(sd, huawei) -> None:  # noqa: ANN001
    result = sd("log", "   ")
    assert result.exit_code == 2 and "empty note" in result.stderr
    result = sd("log", input="# nothing but a comment\n\n")
    assert result.exit_code == 2 and "No note to log" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_on_a_terminal_enter_writes_and_escape_writes_nothing(huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    term = Terminal("log", "美的黄海 报价")
    term.expect("Account    美的集团股份有限公司")
    term.answer("Enter writes it", "\x1b")
    term.expect("Cancelled; nothing was written.")
    assert term.wait() == 130
    assert counts(isolated) == before
    term = Terminal("log", "美的黄海 报价")
    term.answer("Enter writes it", ENTER)
    term.expect("Logged visit #1")
    assert term.wait() == 0
    assert counts(isolated)["visit"] == 1


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_on_a_terminal_e_edits_a_field_and_a_missing_account_is_asked_for(huawei, isolated) -> None:  # noqa: ANN001
    term = Terminal("log", "打电话给小黄")
    term.expect("Missing: no account")
    term.answer("Which field?", ENTER)  # the missing one is offered first
    term.answer("Account (type to search):", "美的", ENTER)
    term.expect("Account    美的集团股份有限公司")
    term.answer("Enter writes it", "e")
    term.answer("Which field?", "\x1b[B", "\x1b[B", ENTER)  # People
    term.answer("Who did you meet?", " ", ENTER)
    term.expect("People     黄海")
    term.answer("Enter writes it", ENTER)
    term.expect("Logged visit #1")
    assert term.wait() == 0
    con = sqlite3.connect(isolated / "journal.sqlite")
    assert con.execute("SELECT account_id, kind FROM visit").fetchall() == [(2, "call")]
    assert con.execute("SELECT contact_id FROM visit_contact").fetchall() == [(3,)]


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_on_a_terminal_without_text_the_editor_opens_on_a_template(huawei, isolated, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    editor = tmp_path / "editor.sh"
    editor.write_text(
        '#!/bin/sh\ngrep -q "One note a line" "$1" && printf "拜访了华为张伟\\n美的黄海 报价\\n" >> "$1"\n'
    )
    editor.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(editor))
    term = Terminal("log")
    term.answer("Enter writes it", ENTER)
    term.answer("Enter writes it", ENTER)
    term.expect("Logged visit #2")
    assert term.wait() == 0
    assert counts(isolated)["visit"] == 2


def test_completion_offers_account_names_after_at_and_deal_names_after_hash(sd, huawei, monkeypatch) -> None:  # noqa: ANN001
    def complete(line: str) -> list[str]:
        monkeypatch.setenv("_SD_COMPLETE", "complete_zsh0")
        monkeypatch.setenv("_TYPER_COMPLETE_ARGS", line)
        try:
            result = sd()
        finally:
            monkeypatch.delenv("_SD_COMPLETE")
        assert result.exit_code == 0, result.output
        return result.stdout.split("\0")[:-1][::2]  # zsh: value, hint

    assert complete("sd log 拜访了@华") == ["拜访了@华为技术有限公司"]
    assert complete("sd log @Con") == ["@Contoso Ltd"]
    assert complete("sd log 见了张伟 #数据") == ["#数据中心网络改造"]  # the last word of the line
    assert complete("sd log 见了张伟") == []


def test_the_readme_examples_read_as_the_readme_says(sd, demo) -> None:  # noqa: ANN001
    import re
    import shlex
    from pathlib import Path

    for args in (
        ("account", "add", "华南智慧能源有限公司"),
        ("contact", "add", "钱立新", "--account", "华南", "--title", "信息中心主任"),
        ("deal", "add", "配网自动化主站", "--account", "华南"),
    ):
        assert sd(*args).exit_code == 0
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"^sd log (\".*?\")(.*?)#", readme, flags=re.M)
    assert len(examples) == 3
    for note, _options in examples:
        parsed = sd("log", shlex.split(note)[0], "--json").json()
        assert parsed["account"]["name"] == "华南智慧能源有限公司", note
        assert parsed["deal"]["name"] == "配网自动化主站" and [c["name"] for c in parsed["contacts"]] == ["钱立新"]
        assert parsed["follow_up_date"] is not None and parsed["next_step"], note


def test_a_slash_date_that_reads_two_ways_is_said_unsure(sd, huawei) -> None:  # noqa: ANN001
    parsed = sd("log", "华为张伟 demo 12/02", "--json").json()
    assert parsed["date"] == "2026-11-25"  # today: 12/02 was not taken
    assert "can be read two ways" in parsed["unsure"]["date"]
    assert sd("--dates", "mdy", "log", "华为张伟 demo 11/12", "--json").json()["date"] == "2026-11-12"


def test_a_chinese_follow_up_ends_at_a_space_before_more_chinese(sd, huawei) -> None:  # noqa: ANN001
    parsed = sd("log", "华为张伟 周五前发报价 新来的采购刘建国也在", "--json").json()
    assert parsed["next_step"] == "发报价" and parsed["new_contacts"] == ["刘建国"]
    assert sd("log", "华为张伟 周五前发 quote", "--json").json()["next_step"] == "发 quote"


def test_bad_notes_are_one_line_errors(sd, huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)
    for note in ("华为张伟 " + "x" * 2001, "华为张伟\x07电话"):
        result = sd("log", note, "--yes")
        assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.output
    result = sd("log", "@没有这个客户 电话", "--yes")
    assert result.exit_code == 2 and "No account matches '没有这个客户'" in result.stderr
    assert counts(isolated) == before


def test_assist_is_recorded_as_sd_visit_add_records_it(sd, huawei) -> None:  # noqa: ANN001
    assert sd("log", "拜访了华为张伟", "--yes", "--assist").exit_code == 0
    assert sd("log", "拜访了华为李娜", "--yes").exit_code == 0
    assert [v["assist"] for v in sd("visit", "list", "--json").json()] == [False, True]  # newest first


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_on_a_terminal_new_people_are_added_on_enter_unless_unticked(huawei, isolated) -> None:  # noqa: ANN001
    before = counts(isolated)["contact"]
    term = Terminal("log", "拜访华为张伟，新来的采购刘建国和王磊也在")
    term.expect("刘建国, 王磊 (added as new contacts)")
    term.answer("Enter writes it", "e")
    term.answer("Which field?", "\x1b[B", "\x1b[B", "\x1b[B", ENTER)  # New people
    term.answer("Add them as new contacts?", "\x1b[B", " ", ENTER)  # untick 王磊
    term.expect("刘建国 (added as new contacts)")
    term.answer("Enter writes it", ENTER)
    term.expect("Added new contacts #")
    assert term.wait() == 0
    con = sqlite3.connect(isolated / "journal.sqlite")
    assert [r[0] for r in con.execute("SELECT name FROM contact ORDER BY id")][before:] == ["刘建国"]


def test_a_deal_is_named_by_the_start_of_its_name(sd, huawei) -> None:  # noqa: ANN001
    assert sd("deal", "add", "调度大楼综合布线", "--account", "华为").exit_code == 0  # two open deals now
    assert sd("log", "华为张伟 调度大楼 报价", "--json").json()["deal"]["name"] == "调度大楼综合布线"
    assert sd("log", "华为张伟 数据中心 报价", "--json").json()["deal"]["name"] == "数据中心网络改造"
    parsed = sd("log", "华为张伟 报价", "--json").json()
    assert parsed["deal"] is None and parsed["unsure"]["deal"] == "2 open deals at 华为技术有限公司, none named"


def test_a_bare_weekday_in_a_note_told_in_the_past_is_the_past_day(sd, huawei) -> None:  # noqa: ANN001
    # SD_TODAY of the tests is Wednesday 2026-11-25: Monday was the 23rd, Friday the 20th.
    for note, date, kind in (
        ("周一拜访了华为张总", "2026-11-23", "visit"),
        ("周五和美的黄工吃了饭", "2026-11-20", "meal"),
        ("星期二去了华为见了李娜", "2026-11-24", "visit"),
        ("周三拜访了华为张伟", "2026-11-25", "visit"),  # today's weekday told in the past is today
        ("met Priya at Contoso on Monday", "2026-11-23", "visit"),
        ("had lunch with Priya from Contoso Friday", "2026-11-20", "meal"),
    ):
        parsed = sd("log", note, "--json").json()
        assert (parsed["date"], parsed["kind"]) == (date, kind), note
        assert parsed["follow_up_date"] is None and parsed["next_step"] is None, note
    result = sd("log", "周一拜访了华为张总", "--yes")
    assert result.exit_code == 0, result.output
    assert sd("visit", "show", "1", "--json").json()["date"] == "2026-11-23"
    assert sd("followup", "list", "--json").json() == []


def test_a_bare_weekday_ahead_of_an_action_stays_a_follow_up(sd, huawei) -> None:  # noqa: ANN001
    for note, next_step, due in (
        ("华为张伟 电话 周五回电", "回电", "2026-11-27"),
        ("拜访了华为张伟，周五前发报价", "发报价", "2026-11-27"),
        ("拜访了华为张伟周一再约", "再约", "2026-11-30"),
        ("met Priya at Contoso, call back Monday", "call back", "2026-11-30"),
        ("met Priya at Contoso, send the quote by Friday", "send the quote", "2026-11-27"),
    ):
        parsed = sd("log", note, "--json").json()
        assert (parsed["next_step"], parsed["follow_up_date"]) == (next_step, due), note
        assert parsed["date"] == "2026-11-25", note


def test_a_short_form_without_its_leading_place_names_the_one_account_it_fits(sd, huawei) -> None:  # noqa: ANN001
    for name in ("上海申通地铁有限公司", "中国移动江苏公司"):
        assert sd("account", "add", name).exit_code == 0
    assert sd("log", "拜访了申通，聊了14号线", "--json").json()["account"]["name"] == "上海申通地铁有限公司"
    assert sd("log", "移动王总 电话", "--json").json()["account"]["name"] == "中国移动江苏公司"
    # two accounts fit: the note names neither, and says which could be meant
    assert sd("account", "add", "中国移动浙江公司").exit_code == 0
    result = sd("log", "移动王总 电话", "--yes")
    assert result.exit_code != 0 and "中国移动江苏公司" in result.stderr and "中国移动浙江公司" in result.stderr
    assert "Traceback" not in result.output
    # a place's own accounts are found as before, and a word that is no account's stays unnamed
    assert sd("log", "拜访了华为张伟", "--json").json()["account"]["name"] == "华为技术有限公司"
    assert sd("log", "和老朋友吃饭", "--json").json()["account"] is None
    # the people a note names decide before a place-less short form does
    assert sd("account", "add", "北京张伟科技有限公司").exit_code == 0
    assert sd("log", "张伟电话", "--json").json()["account"]["name"] == "华为技术有限公司"


def test_a_long_note_is_read_whatever_its_length(sd, huawei) -> None:  # noqa: ANN001
    # every Chinese character may start an account's name: a long note makes hundreds of prefix probes
    rambling = "".join(chr(0x6000 + 7 * k) for k in range(300))  # 300 different characters, no punctuation
    result = sd("log", "拜访了华为张伟，" + rambling, "--json")
    assert result.exit_code == 0, result.output
    assert result.json()["account"]["name"] == "华为技术有限公司"
    result = sd("log", rambling, "--json")
    assert result.exit_code == 0 and result.json()["account"] is None, result.output
