"""sd import: rows from other systems upsert on natural keys, all or nothing, with a clear report."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def exported(sd, table: str) -> list[dict]:  # noqa: ANN001
    result = sd("export", table, "-f", "json")
    assert result.exit_code == 0, result.output
    return result.json()


def report(result):  # noqa: ANN001, ANN201
    assert result.stdout, result.output
    return result.json()


ACCOUNTS = [
    ["name", "industry", "region", "purchase_mode", "notes"],
    ["华为技术有限公司", "通信", "深圳", "集团采购", "第一行\n第二行，有逗号"],
    ["Acme Corp.", "Retail", "Boston", "single", 'says "hi", twice'],
]


def test_accounts_import_then_reimport_changes_nothing(sd, tmp_path):
    path = write_csv(tmp_path / "a.csv", ACCOUNTS)
    first = report(sd("import", "accounts", path, "--json"))
    assert (first["created"], first["updated"], first["skipped"], first["invalid"]) == (2, 0, 0, 0)
    rows = exported(sd, "accounts")
    assert [r["name"] for r in rows] == ["华为技术有限公司", "Acme Corp."]
    assert rows[0]["purchase_mode"] == "group" and rows[0]["notes"] == "第一行\n第二行，有逗号"
    assert rows[1]["notes"] == 'says "hi", twice'
    again = report(sd("import", "accounts", path, "--json"))
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 2)
    assert exported(sd, "accounts") == rows


def test_accounts_match_on_the_normalised_name_and_update(sd, tmp_path):
    sd("account", "add", "华为技术有限公司", "--region", "深圳")
    path = write_csv(
        tmp_path / "a.csv", [["name", "region", "industry"], ["华为技术", "", "通信"], ["ACME", "NYC", ""]]
    )
    result = report(sd("import", "accounts", path, "--json"))
    assert (result["created"], result["updated"]) == (1, 1)
    huawei = exported(sd, "accounts")[0]
    assert huawei["region"] == "深圳" and huawei["industry"] == "通信"  # an empty cell erases nothing


def test_dry_run_reports_and_writes_nothing(sd, tmp_path):
    path = write_csv(tmp_path / "a.csv", ACCOUNTS)
    result = sd("import", "accounts", path, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.stderr and "2 created" in result.stderr
    assert exported(sd, "accounts") == []
    assert report(sd("import", "accounts", path, "--dry-run", "--json"))["created"] == 2


def test_one_bad_row_aborts_with_row_column_and_reason(sd, tmp_path):
    sd("account", "add", "华为")
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["name", "account", "amount", "expected_close", "stage"],
            ["核心网", "华为", "120万", "2027-01-31", "3"],
            ["接入网", "华为", "lots", "2027-02-30", "客户分析"],
            ["城域网", "华为", "1,000", "", "Closing"],
            ["", "华为", "", "", ""],
            ["传输网", "没有这个客户", "", "", ""],
        ],
    )
    result = sd("import", "deals", path)
    assert result.exit_code == 2
    for expected in ("row 3, amount", "row 3, expected_close", "row 4, stage", "row 5, name", "row 6, account"):
        assert expected in result.stderr, result.stderr
    assert "Closing" in result.stderr and "--stage-map" in result.stderr
    assert exported(sd, "deals") == []
    problems = sd("import", "deals", path, "--json").json()["problems"]
    assert {(p["row"], p["column"]) for p in problems} == {
        (3, "amount"),
        (3, "expected_close"),
        (4, "stage"),
        (5, "name"),
        (6, "account"),
    }
    dry = sd("import", "deals", path, "--dry-run")
    assert dry.exit_code == 2 and "would write nothing" in dry.stderr
    skipped = report(sd("import", "deals", path, "--skip-invalid", "--json"))
    assert (skipped["created"], skipped["invalid"]) == (1, 4)
    deal = exported(sd, "deals")[0]
    assert (deal["name"], deal["amount"], deal["stage"], deal["expected_close"]) == (
        "核心网",
        1200000,
        "customer_analysis",
        "2027-01-31",
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_common_encodings_are_detected(sd, tmp_path, encoding):
    path = write_csv(tmp_path / "a.csv", [["名称", "行业", "区域"], ["杭州市第一人民医院", "医疗", "杭州"]], encoding)
    result = sd("import", "accounts", path)
    assert result.exit_code == 0, result.output
    row = exported(sd, "accounts")[0]
    assert (row["name"], row["industry"], row["region"]) == ("杭州市第一人民医院", "医疗", "杭州")


def test_json_lines_and_json_arrays_import(sd, tmp_path):
    lines = [
        {"name": "华为", "coach": None, "notes": "a\nb"},
        {"name": "Acme", "industry": "Retail"},
    ]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n")
    assert sd("import", "accounts", tmp_path / "a.jsonl").exit_code == 0
    (tmp_path / "c.json").write_text(
        json.dumps([{"name": "王总", "account": "华为", "coach": True, "email": "wang@example.com"}]), encoding="utf-8"
    )
    assert sd("import", "contacts", tmp_path / "c.json").exit_code == 0
    contact = exported(sd, "contacts")[0]
    assert contact["coach"] is True and contact["email"] == "wang@example.com"
    (tmp_path / "bad.jsonl").write_text('{"name": "X"}\nnot json\n[1]\n')
    result = sd("import", "accounts", tmp_path / "bad.jsonl", "--json")
    assert result.exit_code == 2
    assert {p["row"] for p in result.json()["problems"]} == {2, 3}


def test_mapping_headers_and_unknown_columns(sd, tmp_path):
    path = write_csv(
        tmp_path / "a.csv",
        [["Company", "Sector", "HQ", "Revenue", "Year"], ["Acme", "Retail", "Boston", "1100", "1996"]],
    )
    result = sd("import", "accounts", path, "--map", "Company=name", "--map", "Sector=industry,HQ=region", "--json")
    assert result.exit_code == 0, result.output
    assert result.json()["unknown_columns"] == ["Revenue", "Year"]
    assert "Revenue, Year" in sd("import", "accounts", path, "--map", "Company=name", "--dry-run").stderr
    quiet = sd("import", "accounts", path, "--map", "Company=name", "--map", "Revenue=,Year=", "--json").json()
    assert quiet["unknown_columns"] == ["Sector", "HQ"]
    row = exported(sd, "accounts")[0]
    assert (row["name"], row["industry"], row["region"]) == ("Acme", "Retail", "Boston")
    assert sd("import", "accounts", path, "--map", "Nope=name").exit_code == 2
    assert sd("import", "accounts", path, "--map", "Company=planet").exit_code == 2
    missing = sd("import", "accounts", path)
    assert missing.exit_code == 2 and "name" in missing.stderr


def test_chinese_headings_are_understood(sd, tmp_path):
    sd("account", "add", "华东电网有限公司")
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["姓名", "客户", "职务", "采购角色", "关系阶段", "邮箱"],
            ["李明", "华东电网", "主任", "拍板者", "信赖", "li@x.cn"],
        ],
    )
    assert sd("import", "contacts", path).exit_code == 0
    li = exported(sd, "contacts")[0]
    assert (li["account"], li["title"], li["role"], li["relationship"]) == (
        "华东电网有限公司",
        "主任",
        "decision_maker",
        "trusting",
    )


def test_contacts_upsert_by_email_then_phone_then_name(sd, tmp_path):
    sd("account", "add", "华为")
    sd("account", "add", "中兴")
    sd("contact", "add", "王总", "--account", "华为", "--email", "wang@hw.com")
    sd("contact", "add", "李工", "--account", "华为", "--phone", "138-0013-8000")
    sd("contact", "add", "赵磊", "--account", "华为")
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["name", "account", "email", "phone", "title"],
            ["王建国", "华为", "WANG@hw.com", "", "副总"],  # same email: renamed
            ["李强", "华为", "", "+86 138 0013 8000", "工程师"],  # same phone
            ["赵磊", "华为", "", "", "网络工程师"],  # same name at the account
            ["赵磊", "中兴", "", "", "经理"],  # a namesake elsewhere
        ],
    )
    result = report(sd("import", "contacts", path, "--json"))
    assert (result["created"], result["updated"]) == (1, 3)
    people = {(c["name"], c["account"]): c for c in exported(sd, "contacts")}
    assert people[("王建国", "华为")]["title"] == "副总"
    assert people[("李强", "华为")]["phone"] == "+86 138 0013 8000" and ("李工", "华为") not in people
    assert len(people) == 4
    assert people[("赵磊", "华为")]["title"] == "网络工程师" and people[("赵磊", "中兴")]["title"] == "经理"


def test_reports_to_may_name_a_later_row(sd, tmp_path):
    sd("account", "add", "华为")
    path = write_csv(
        tmp_path / "c.csv",
        [["name", "account", "reports_to"], ["赵磊", "华为", "李明"], ["李明", "华为", "王总"], ["王总", "华为", ""]],
    )
    assert sd("import", "contacts", path).exit_code == 0
    bosses = {c["name"]: c["reports_to"] for c in exported(sd, "contacts")}
    assert bosses == {"赵磊": "李明", "李明": "王总", "王总": None}
    bad = write_csv(tmp_path / "bad.csv", [["name", "account", "reports_to"], ["孙丽", "华为", "没有这个人"]])
    result = sd("import", "contacts", bad, "--json")
    assert result.exit_code == 2 and result.json()["problems"][0]["column"] == "reports_to"


def test_deals_key_on_external_id_else_name_and_account(sd, tmp_path):
    sd("account", "add", "华为")
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["external_id", "name", "account", "amount"],
            ["X-1", "GTX Pro", "华为", "100"],
            ["X-2", "GTX Pro", "华为", "200"],
            ["", "核心网", "华为", "300"],
        ],
    )
    assert report(sd("import", "deals", path, "--json"))["created"] == 3
    path2 = write_csv(
        tmp_path / "d2.csv",
        [
            ["external_id", "name", "account", "amount"],
            ["X-2", "GTX Pro", "华为", "250"],
            ["", "核心网", "华为", "350"],
        ],
    )
    again = report(sd("import", "deals", path2, "--json"))
    assert (again["created"], again["updated"]) == (0, 2)
    assert sorted(d["amount"] for d in exported(sd, "deals")) == [100, 250, 350]


def test_stage_map_takes_numbers_labels_keys_and_statuses(sd, tmp_path):
    sd("account", "add", "Acme")
    path = write_csv(
        tmp_path / "d.csv",
        [
            ["opportunity_id", "name", "account", "deal_stage", "close_date", "close_value"],
            ["1", "a", "Acme", "Prospecting", "", ""],
            ["2", "b", "Acme", "Engaging", "", ""],
            ["3", "c", "Acme", "Won", "01-03-17", "1054"],
            ["4", "d", "Acme", "Lost", "20-10-16", "0"],
            ["5", "e", "Acme", "Shortlist", "", ""],
        ],
    )
    mapping = [
        "--map",
        "deal_stage=stage,close_date=closed_on,close_value=amount",
        "--stage-map",
        "Prospecting=1,Engaging=客户分析",
        "--stage-map",
        "Shortlist=competitiveness",
        "--dates",
        "dmy",
    ]
    assert sd("import", "deals", path, *mapping).exit_code == 0, sd("import", "deals", path, *mapping).output
    deals = {d["external_id"]: d for d in exported(sd, "deals")}
    assert [deals[k]["stage"] for k in "125"] == ["project_info", "customer_analysis", "competitiveness"]
    assert (deals["3"]["status"], deals["3"]["stage"], deals["3"]["closed_on"]) == (
        "won",
        "order_payment",
        "2017-03-01",
    )
    assert (deals["4"]["status"], deals["4"]["closed_on"], deals["4"]["amount"]) == ("lost", "2016-10-20", 0)
    history = sd("export", "stages", "-f", "json", "--status", "won").json()
    assert [(h["stage"], h["left_on"]) for h in history] == [("order_payment", "2017-03-01")]
    assert sd("import", "deals", path, "--stage-map", "Won").exit_code == 2


def test_reimport_moves_a_deal_and_keeps_its_stage_history(sd, tmp_path):
    sd("account", "add", "Acme")
    rows = [["external_id", "name", "account", "stage", "stage_entered_on"], ["1", "a", "Acme", "1", "2026-10-01"]]
    assert sd("import", "deals", write_csv(tmp_path / "1.csv", rows)).exit_code == 0
    rows[1][3:] = ["3", "2026-11-01"]
    assert sd("import", "deals", write_csv(tmp_path / "2.csv", rows)).exit_code == 0
    rows[1][3:] = ["won", "2026-11-01"]
    assert sd("import", "deals", write_csv(tmp_path / "3.csv", rows)).exit_code == 0
    history = [(h["stage"], h["entered_on"], h["left_on"]) for h in sd("export", "stages", "-f", "json").json()]
    assert history == [("project_info", "2026-10-01", "2026-11-01"), ("customer_analysis", "2026-11-01", "2026-11-25")]
    deal = exported(sd, "deals")[0]
    assert (deal["status"], deal["closed_on"], deal["stage"]) == ("won", "2026-11-25", "customer_analysis")


def test_missing_accounts_are_created_only_when_asked(sd, tmp_path):
    path = write_csv(tmp_path / "d.csv", [["name", "account", "owner"], ["a", "新客户", "alice"], ["b", "", "bob"]])
    refused = sd("import", "deals", path, "--json")
    assert refused.exit_code == 2 and "--create-accounts" in refused.json()["problems"][0]["reason"]
    created = report(sd("import", "deals", path, "--create-accounts", "--default", "account=Unassigned", "--json"))
    assert (created["created"], created["accounts_created"]) == (2, 2)
    owners = {a["name"]: a["owner"] for a in exported(sd, "accounts")}
    assert owners == {"新客户": "alice", "Unassigned": "bob"}


def test_visits_link_their_deal_and_contacts(sd, tmp_path):
    sd("account", "add", "华为")
    sd("contact", "add", "王总", "--account", "华为")
    sd("contact", "add", "李工", "--account", "华为")
    sd("deal", "add", "核心网", "--account", "华为")
    path = write_csv(
        tmp_path / "v.csv",
        [
            ["date", "account", "deal", "contacts", "kind", "summary", "follow_up_date"],
            ["2026-11-01", "华为", "核心网", "王总; 李工", "技术交流", "讨论方案", "2026-12-01"],
            ["2026-11-02", "华为", "", "", "call", "", ""],
        ],
    )
    assert sd("import", "visits", path).exit_code == 0
    visits = exported(sd, "visits")
    assert visits[0]["contacts"] == ["王总", "李工"] and visits[0]["kind"] == "tech_exchange"
    assert visits[0]["deal"] == "核心网" and visits[1]["deal"] is None
    assert exported(sd, "followups") == []  # history is imported, not turned into new to-dos
    assert report(sd("import", "visits", path, "--json"))["skipped"] == 2
    people = sd("deal", "show", "核心网", "--json").json()
    assert "王总" in json.dumps(people, ensure_ascii=False)
    bad = write_csv(tmp_path / "bad.csv", [["date", "account", "contacts"], ["2026-11-03", "华为", "陌生人"]])
    assert sd("import", "visits", bad).exit_code == 2


def test_import_is_recorded_in_history_as_one_change_set(sd, tmp_path, isolated):
    path = write_csv(tmp_path / "a.csv", ACCOUNTS)
    assert sd("import", "accounts", path).exit_code == 0
    con = sqlite3.connect(isolated / "journal.sqlite")
    sets = con.execute("SELECT id, command FROM changeset").fetchall()
    entries = con.execute("SELECT entity, entity_id, action, changes FROM history ORDER BY seq").fetchall()
    con.close()
    assert len(sets) == 1 and "import accounts" in sets[0][1]
    assert [(e[0], e[1], e[2]) for e in entries] == [("account", "1", "insert"), ("account", "2", "insert")]
    assert json.loads(entries[0][3])["name"] == [None, "华为技术有限公司"]


def test_bad_options_and_files_are_clear_errors(sd, tmp_path):
    path = write_csv(tmp_path / "a.csv", ACCOUNTS)
    assert sd("import", "planets", path).exit_code == 2
    assert sd("import", "accounts", tmp_path / "missing.csv").exit_code == 2
    assert sd("import", "accounts", path, "--dates", "yyyy").exit_code == 2
    assert sd("import", "accounts", path, "--default", "planet=1").exit_code == 2
    assert sd("import", "accounts", path, "--map", "name").exit_code == 2
    (tmp_path / "empty.csv").write_text("")
    assert sd("import", "accounts", tmp_path / "empty.csv").exit_code == 2
    (tmp_path / "dup.csv").write_text("name,name\na,b\n")
    assert sd("import", "accounts", tmp_path / "dup.csv").exit_code == 2


def test_import_all_restores_into_an_empty_journal_only(sd, demo, tmp_path):
    sd("deal", "won", "调度")
    dump = tmp_path / "all.json"
    assert sd("export", "all", "-o", dump).exit_code == 0
    refused = sd("import", "all", dump)
    assert refused.exit_code == 1 and "not empty" in refused.stderr
    other = tmp_path / "other.sqlite"
    assert sd("--db", other, "import", "all", dump, "--dry-run").exit_code == 0
    assert sd("--db", other, "export", "deals").stdout.count("\n") == 1
    restored = sd("--db", other, "import", "all", dump)
    assert restored.exit_code == 0, restored.output
    again = tmp_path / "again.json"
    assert sd("--db", other, "export", "all", "-o", again).exit_code == 0
    assert again.read_bytes() == dump.read_bytes()
    # the restored journal works on: new ids follow the restored ones, history keeps going
    assert sd("--db", other, "account", "add", "新客户").exit_code == 0
    names = [a["name"] for a in sd("--db", other, "export", "accounts", "-f", "json").json()]
    assert names[-1] == "新客户" and len(names) == 13
    assert sd("--db", other, "undo").exit_code == 0
    assert sd("--db", other, "export", "all", "-o", again).exit_code == 0
    after_undo = json.loads(again.read_text())["tables"]
    assert len(after_undo["account"]) == 12
    (tmp_path / "not.json").write_text('{"tables": {}}')
    assert sd("--db", tmp_path / "x.sqlite", "import", "all", tmp_path / "not.json").exit_code == 2


def test_progress_bar_shows_on_a_terminal_for_large_files(tmp_path):
    rows = [["name", "industry"]] + [[f"客户{i}", "通信"] for i in range(3000)]
    path = write_csv(tmp_path / "a.csv", rows)
    env = {**os.environ, "SD_DB": str(tmp_path / "j.sqlite"), "COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "sd"), "import", "accounts", str(path)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(timeout=60)
    os.close(controller)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "Importing" in text and "3000" in text and "3000 created" in text


def test_rows_that_repeat_a_record_in_one_file_update_it(sd, tmp_path):
    sd("account", "add", "华为")
    path = write_csv(
        tmp_path / "c.csv",
        [
            ["name", "account", "email", "title"],
            ["李明", "华为", "", ""],
            ["李明", "华为", "li@hw.com", ""],  # the same person (by name), now with an email
            ["李明博士", "华为", "LI@hw.com", "主任"],  # the same person (by email), renamed
            ["李明博士", "华为", "", "主任"],  # by the new name: nothing new
        ],
    )
    result = report(sd("import", "contacts", path, "--json"))
    assert (result["created"], result["updated"], result["skipped"]) == (1, 2, 1)
    contacts = exported(sd, "contacts")
    assert [(c["name"], c["email"], c["title"]) for c in contacts] == [("李明博士", "LI@hw.com", "主任")]


def test_a_default_stands_in_for_a_missing_column(sd, tmp_path):
    sd("account", "add", "华为")
    path = write_csv(tmp_path / "d.csv", [["name", "amount"], ["核心网", "100"]])
    assert sd("import", "deals", path).exit_code == 2  # no account column
    result = sd("import", "deals", path, "--default", "account=华为", "--default", "currency=usd")
    assert result.exit_code == 0, result.output
    deal = exported(sd, "deals")[0]
    assert (deal["account"], deal["currency"]) == ("华为", "USD")
