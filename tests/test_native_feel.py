"""`sd` feels like the terminal tools people love: one error style, words in the rep's language, plurals."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("args", "shows"),
    [
        (("funel",), "sd: error: No such command 'funel'. Did you mean 'funnel'?"),
        (("account", "ad", "x"), "sd: error: No such command 'ad'. Did you mean 'add'?"),
        (("account", "add"), "sd: error: Missing argument 'NAME'."),
        (("account", "list", "--bogus"), "sd: error: No such option: --bogus"),
        (("account", "list", "-n", "x"), "sd: error: Invalid value for '--limit' / '-n': a whole number is needed"),
    ],
)
def test_usage_errors_are_one_line_in_sds_own_style(sd, args, shows):
    result = sd(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(shows), result.stderr
    assert result.stderr.count("\n") == 1 and "╭" not in result.stderr and "Usage:" not in result.stderr


def test_usage_errors_in_chinese_keep_the_style(sd):
    result = sd("--lang", "zh", "funel")
    assert result.exit_code == 2
    assert result.stderr.startswith("sd：错误：没有命令 'funel'") and "funnel" in result.stderr


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("account", "add", ""), "NAME"),
        (("deal", "add", " ", "--account", "x"), "NAME"),
        (("contact", "add", "", "--account", "x"), "NAME"),
        (("followup", "add", "", "--account", "x", "--due", "fri"), "ACTION"),
    ],
)
def test_an_argument_is_named_as_the_usage_line_shows_it(sd, args, name):
    result = sd(*args)
    assert result.exit_code == 2
    assert f"{name}:" in result.stderr and "--name" not in result.stderr, result.stderr


def test_an_option_is_still_named_as_the_option(sd):
    assert sd("account", "add", "Foo").exit_code == 0
    result = sd("account", "edit", "Foo", "--name", "")
    assert result.exit_code == 2 and "--name" in result.stderr


def test_no_double_period_after_a_name_ending_in_one(sd):
    result = sd("account", "add", "Northwind Logistics Ltd.")
    assert result.exit_code == 0
    assert result.stderr.strip().endswith("Northwind Logistics Ltd."), result.stderr
    assert ".." not in result.stderr
    dup = sd("account", "add", "Northwind Logistics Ltd.")
    assert dup.exit_code == 1 and "Ltd.." not in dup.stderr


@pytest.mark.parametrize(
    ("args", "one", "many"),
    [
        (("funnel",), "1 open deal\n", "2 open deals"),
    ],
)
def test_plurals_in_english(sd, args, one, many):
    assert sd("account", "add", "Foo").exit_code == 0
    assert sd("deal", "add", "D1", "--account", "Foo", "--amount", "100").exit_code == 0
    assert one in sd(*args).stdout
    assert sd("deal", "add", "D2", "--account", "Foo", "--amount", "100").exit_code == 0
    assert many in sd(*args).stdout


def test_ctrl_c_during_an_import_writes_nothing_and_says_so(sd, isolated):
    import csv
    import os
    import signal
    import subprocess
    import time

    from conftest import SD_BIN

    assert sd("account", "add", "Foo").exit_code == 0
    big = isolated / "visits.csv"
    with open(big, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["account", "date", "summary"])
        for i in range(60_000):
            out.writerow(["Foo", "2026-11-01", f"visit {i}"])
    proc = subprocess.Popen(
        [str(SD_BIN), "import", "visits", str(big)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(1.5)
    assert proc.poll() is None, "the import finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Cancelled; nothing was written." in err and "Traceback" not in err
    assert not err.startswith("Imported")
    assert sd("visit", "list", "--all", "--json").json() == []


def test_a_refused_import_does_not_begin_with_imported(sd, isolated):
    bad = isolated / "accounts.csv"
    bad.write_text("name,relation\nGood One,B\nBad One,Z\n", encoding="utf-8")
    result = sd("import", "accounts", str(bad))
    assert result.exit_code == 2
    assert not result.stderr.startswith("Imported"), result.stderr
    assert result.stderr.startswith("Not imported, nothing written"), result.stderr
    assert sd("account", "list", "--json").json() == []


@pytest.mark.parametrize(
    ("table", "header", "row", "field", "value"),
    [
        ("accounts", "客户名称,所属行业,地区,负责人", "华北电力设计院,电力,北京,张三", "industry", "电力"),
        ("accounts", "客户名称,所属行业,地区,负责人", "华北电力设计院,电力,北京,张三", "region", "北京"),
    ],
)
def test_import_reads_common_chinese_headings(sd, isolated, table, header, row, field, value):
    path = isolated / "in.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = sd("import", table, str(path))
    assert result.exit_code == 0, result.output
    assert "not imported" not in result.stderr.lower()
    assert sd("account", "list", "--all", "--owner", "all", "--json").json()[0][field] == value


def test_import_reads_chinese_headings_of_each_table(sd, isolated):
    files = {
        "accounts": "客户名称,所属行业,地区\n华北电力设计院,电力,北京\n",
        "contacts": "联系人,客户名称,职位,手机\n王五,华北电力设计院,总工,13800000000\n",
        "deals": "项目名称,客户名称,金额,销售阶段,预计成交日期\n配电自动化,华北电力设计院,120万,2,2027-03-01\n",
        "visits": "拜访日期,客户名称,联系人,拜访方式,拜访内容\n2026-12-01,华北电力设计院,王五,电话,沟通方案\n",
    }
    for table, text in files.items():
        path = isolated / f"{table}.csv"
        path.write_text(text, encoding="utf-8")
        result = sd("import", table, str(path))
        assert result.exit_code == 0, (table, result.output)
        assert "Columns not imported" not in result.stderr, (table, result.stderr)
    contact = sd("contact", "list", "--all", "--json").json()[0]
    assert (contact["name"], contact["title"], contact["phone"]) == ("王五", "总工", "13800000000")
    deal = sd("deal", "list", "--all", "--json").json()[0]
    assert (deal["name"], deal["amount"], deal["expected_close"]) == ("配电自动化", 1200000, "2027-03-01")
    visit = sd("visit", "list", "--all", "--json").json()[0]
    assert (visit["kind"], visit["summary"]) == ("call", "沟通方案")


@pytest.mark.parametrize("book", ["ten_step", "six_step"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_marker_checklist_keeps_its_star_on_a_60_column_terminal(book, lang):
    from rich.cells import cell_len as display_width

    from salesdiary.core.playbook import load_playbook
    from salesdiary.i18n import set_language
    from salesdiary.prompts.progress import marker_title

    set_language(lang)
    try:
        for stage in load_playbook(book).stages:
            for marker in stage.markers:
                line = marker_title(marker)
                visible, width = "", 0
                for ch in line:  # what fits beside questionary's pointer and box ("» ○ ") at 60 columns
                    width += display_width(ch)
                    if width > 60 - 4:
                        break
                    visible += ch
                assert ("*" in visible) == marker.required, (stage.key, marker.key, visible)
    finally:
        set_language("en")


@pytest.mark.parametrize("columns", ["60", "80", "100"])
@pytest.mark.parametrize(
    ("command", "words"),
    [
        (("visit", "add"), ("call", "visit", "demo", "tech_exchange", "meal", "tour", "proposal")),
        (("deal", "add"), ("customer_analysis", "ten_step", "six_step", "head_on", "indirect", "divide", "delay")),
    ],
)
def test_chinese_help_never_breaks_a_word_in_two(sd, monkeypatch, columns, command, words):
    monkeypatch.setenv("COLUMNS", columns)
    result = sd("--lang", "zh", *command, "--help")
    assert result.exit_code == 0
    for word in words:
        assert word in result.stdout, (word, result.stdout)


def test_english_help_wraps_as_rich_does(sd, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    result = sd("--lang", "en", "visit", "add", "--help")
    assert result.exit_code == 0 and "tech_exchange" in result.stdout
