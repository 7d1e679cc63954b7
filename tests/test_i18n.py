"""Chinese and English throughout: the language choice, the catalog, help, messages, tables and typed values.

A rep with LANG=zh_CN.UTF-8 must never see an English word that is not a name, and one with
LANG=en_US.UTF-8 never Chinese that is not data. The help of every command is checked word by
word against the short list of names that stay as they are (commands, options, keys, formats).
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


def _script():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- choosing the language ----------------------------------------------------------------------


@pytest.fixture
def no_language(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("SD_LANG", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _config(isolated: Path, text: str) -> None:
    from salesdiary.store.paths import load_config

    (isolated / "config.toml").write_text(text, encoding="utf-8")
    load_config.cache_clear()


def test_language_falls_back_to_english(no_language):
    from salesdiary.cli.app import choose_language

    assert choose_language(None) == "en"


def test_language_order_flag_env_config_locale(no_language, isolated):
    from salesdiary.cli.app import choose_language

    no_language.setenv("LANG", "zh_CN.UTF-8")
    assert choose_language(None) == "zh"
    no_language.setenv("LC_ALL", "en_US.UTF-8")  # LC_ALL wins over LANG
    assert choose_language(None) == "en"
    _config(isolated, 'language = "zh"\n')
    assert choose_language(None) == "zh"  # config wins over the locale
    no_language.setenv("SD_LANG", "en")
    assert choose_language(None) == "en"  # SD_LANG wins over config
    assert choose_language("zh") == "zh"  # --lang wins over everything


def test_locale_alone_picks_chinese_for_a_command(sd, no_language):
    no_language.setenv("LANG", "zh_CN.UTF-8")
    result = sd("deal", "list")
    assert result.exit_code == 0
    assert "这里没有项目" in result.stderr


def test_config_language_is_used(sd, no_language, isolated):
    _config(isolated, 'language = "zh"\n')
    assert "还没有客户" in sd("account", "list").stderr


def test_lang_option_anywhere_and_bad_value(sd):
    assert "用法：" in sd("deal", "--lang", "zh", "--help").stdout
    assert "Usage:" in sd("--lang", "en", "deal", "--help").stdout
    bad = sd("--lang", "fr", "deal", "list")
    assert bad.exit_code == 2
    assert "--lang must be zh or en" in bad.stderr


def test_changing_language_in_one_process_changes_all_texts(sd):
    """Help texts are translated when command modules are imported; switching language re-imports them."""
    assert "Print JSON for programs" in sd("--lang", "en", "deal", "list", "--help").stdout
    assert "输出供程序使用的 JSON" in sd("--lang", "zh", "deal", "list", "--help").stdout
    assert "Print JSON for programs" in sd("--lang", "en", "deal", "list", "--help").stdout


# --- the catalog ----------------------------------------------------------------------------------


def test_every_message_has_a_chinese_translation():
    """Extract every message from src/ and the built app and compare with the .po; the .mo is current."""
    problems = _script().problems()
    assert not problems, "Run `.venv/bin/python scripts/i18n.py` and translate:\n" + "\n".join(problems)


def test_mo_is_what_the_po_compiles_to():
    script = _script()
    assert script.MO.read_bytes() == script.compiled(script.read_po())


def test_check_reports_a_missing_translation(tmp_path, monkeypatch):
    """The check itself can fail: a msgid without msgstr is reported."""
    script = _script()
    po = tmp_path / "salesdiary.po"
    text = script.PO.read_text(encoding="utf-8")
    entry = 'msgid "Nothing to show."\nmsgstr "没有可显示的内容。"'
    assert entry in text
    po.write_text(text.replace(entry, 'msgid "Nothing to show."\nmsgstr ""'), encoding="utf-8")
    monkeypatch.setattr(script, "PO", po)
    assert any("Nothing to show." in p for p in script.problems())


def test_translations_keep_placeholders():
    from babel.messages.pofile import read_po

    with open(_script().PO, "rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert sorted(re.findall(r"\{[^{}]*\}", text)) == sorted(re.findall(r"\{[^{}]*\}", ids[-1])), message.id


# --- help of every command --------------------------------------------------------------------------


def _command_paths() -> list[list[str]]:
    import typer.main

    from salesdiary.cli.app import build_app
    from salesdiary.i18n import set_language

    set_language("en")
    paths: list[list[str]] = []

    def walk(command, path):  # noqa: ANN001
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            if not sub.hidden:
                walk(sub, [*path, name])

    walk(typer.main.get_command(build_app()), [])
    return paths


def _names_that_stay() -> set[str]:
    """Words a Chinese reader may meet in help: command and value keys, formats, products, examples."""
    from salesdiary.core import enums
    from salesdiary.core.playbook import list_playbooks

    words = {w for path in _command_paths() for w in path} | {"sd"}
    for vocabulary in vars(enums).values():
        if isinstance(vocabulary, enums.Vocabulary):
            words |= {part for c in vocabulary.choices for part in WORD.findall(c.key)}
    for book in list_playbooks():
        words.add(book.name)
        words |= {s.key for s in book.stages}
    words |= set(enums.CURRENCIES)
    words |= {"zh", "en", "x", "id", "json", "csv", "jsonl", "html", "markdown", "text", "ics"}
    words |= {"today", "tomorrow", "yesterday", "fri", "next", "week", "eow", "eom", "d", "w", "m"}
    words |= {"yes", "partly", "no", "unknown", "funding", "small"}  # evaluation answers
    from salesdiary.core.settings import SETTINGS

    words |= {part for key in SETTINGS for part in WORD.findall(key)}  # config keys (dates.order, health.stale_days…)
    words |= {"SQLAlchemy", "URL", "PostgreSQL", "SQLite", "JSON", "CSV", "UTF", "TOML", "WAL", "ISO", "README"}
    words |= {"SD_DB", "SD_DATABASE_URL", "SD_LANG", "SD_TODAY", "SD_CONFIG", "SD_PAGER", "NO_COLOR", "Excel"}
    words |= {"bash", "zsh", "fish", "Shell", "completion", "pg_dump", "chmod", "backups", "playbooks", "Esc"}
    words |= {"salesdiary", "BOM", "iCalendar", "all", "ymd", "dmy", "mdy", "Won", "Engaging"}  # formats, examples
    words |= {"table", "month", "me", "owner"}  # values of --format, the report period, --owner, --by
    words |= {"auto", "Q"}  # sd deal edit --forecast auto, a quarter typed as 2026Q4
    words |= {"sd_rep", "sd_manager", "PostgreSQL"}  # database roles
    words |= {"accounts", "contacts", "deals", "visits", "followups", "stages"}  # tables of export/import
    return words


def _english_words(text: str, allowed: set[str]) -> set[str]:
    text = OPTION.sub(" ", text)
    return {w for w in WORD.findall(text) if w not in allowed}


def test_help_of_every_command_is_chinese(sd):
    """`sd … --help` in Chinese: every word is Chinese or one of the names that stay."""
    allowed = _names_that_stay()
    found: dict[str, set[str]] = {}
    for path in _command_paths():
        result = sd("--lang", "zh", *path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "用法：" in result.stdout and "选项" in result.stdout, path
        left = _english_words(result.stdout, allowed)
        if left:
            found[" ".join(["sd", *path])] = left
    assert not found, f"English words in Chinese help (translate, or add real names to _names_that_stay): {found}"


# Chinese that English help shows on purpose: values one may type, and a book's title.
EXAMPLES_IN_ENGLISH = {"客户分析", "万", "明天", "拍板者", "决策者", "大客户销售管理", "下周一", "全部", "周报", "月报"}


def test_help_of_every_command_is_english(sd):
    """`sd … --help` in English: no Chinese except the examples of values one may type."""
    found: dict[str, set[str]] = {}
    for path in _command_paths():
        result = sd("--lang", "en", *path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.stdout and "Options" in result.stdout, path
        left = {run for run in CJK.findall(result.stdout) if not any(run in e or e in run for e in EXAMPLES_IN_ENGLISH)}
        if left:
            found[" ".join(["sd", *path])] = left
    assert not found, f"Chinese in English help: {found}"


def test_typer_texts_in_chinese(sd):
    result = sd("--lang", "zh", "deal", "--help")
    for text in ("用法：sd deal [选项] 命令 [参数]...", "选项", "命令", "显示本帮助后退出。"):
        assert text in result.stdout
    for text in ("Usage", "Options", "Commands", "Show this message"):
        assert text not in result.stdout
    add = sd("--lang", "zh", "deal", "add", "--help").stdout
    assert "{名称}" in add and "参数" in add and "[必填]" in add and "<文本>" in add


def test_typer_texts_stay_english_in_english(sd):
    result = sd("--lang", "en", "deal", "add", "--help")
    for text in ("Usage: sd deal add [OPTIONS] {NAME}", "Arguments", "Options", "Show this message and exit.", "<str>"):
        assert text in result.stdout


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (("deal", "show"), "缺少参数 '项目'。", "Missing argument 'DEAL'."),
        (("deal", "lsit"), "没有命令 'lsit'。你是不是想用", "No such command 'lsit'. Did you mean"),
        (("deal", "list", "--acount", "x"), "没有选项 --acount（可能是：--account）", "No such option: --acount"),
        (("deal", "list", "--limit", "x"), "'--limit' / '-n' 的值无效：需要一个整数", "Invalid value for '--limit'"),
        (("deal", "list", "--limit", "0"), "不能小于 1", "it must be at least 1"),
        (("deal", "list", "--account"), "选项 '--account' 需要一个值。", "Option '--account' requires a value."),
        (("deal", "show", "1", "2"), "多出了参数（2）", "Got unexpected extra argument(s) (2)"),
    ],
)
def test_usage_errors_in_both_languages(sd, args, zh, en):
    chinese = sd("--lang", "zh", *args)
    assert chinese.exit_code == 2
    assert zh in chinese.stderr and "错误" in chinese.stderr
    assert not _english_words(chinese.stderr, _names_that_stay() | set(args)), chinese.stderr
    english = sd("--lang", "en", *args)
    assert english.exit_code == 2
    assert en in english.stderr and not CJK.search(english.stderr)


# --- commands and their output ------------------------------------------------------------------------


def _data_words(value: object) -> set[str]:
    """Every word in the values of a JSON document: data, which stays as the user typed it."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    text = re.sub(r'"[a-z_]+":', " ", text)  # keys are not shown
    return set(WORD.findall(text)) | set(CJK.findall(text))


@pytest.mark.parametrize(
    ("command", "headings_zh", "headings_en"),
    [
        (("account", "list"), ["编号", "名称", "负责人", "最近拜访"], ["ID", "Name", "Owner", "Last visit"]),
        (
            ("deal", "list"),
            ["项目", "客户", "阶段", "金额", "下一步"],
            ["Deal", "Account", "Stage", "Amount", "Next step"],
        ),
        (
            ("deal", "show", "1"),
            ["客户", "阶段", "相关人员", "阶段历史"],
            ["Account", "Stage", "People", "Stage history"],
        ),
        (("contact", "list"), ["姓名", "职务", "角色", "立场", "导师"], ["Name", "Title", "Role", "Stance", "Coach"]),
        (("visit", "list"), ["日期", "活动", "经过"], ["Date", "Activity", "What happened"]),
        (("followup", "list"), ["截止", "要做的事"], ["Due", "What to do"]),
    ],
)
def test_main_commands_in_both_languages(sd, demo, command, headings_zh, headings_en):
    data = _data_words(sd(*command, "--json").json())
    zh = sd("--lang", "zh", *command)
    assert zh.exit_code == 0, zh.output
    for heading in headings_zh:
        assert heading in zh.stdout
    english_left = _english_words(zh.output, _names_that_stay() | data)
    assert not english_left, f"English in Chinese output of {command}: {english_left}"
    en = sd("--lang", "en", *command)
    assert en.exit_code == 0, en.output
    for heading in headings_en:
        assert heading in en.stdout
    chinese_left = {run for run in CJK.findall(en.output) if not any(run in d for d in data if CJK.match(d))}
    assert not chinese_left, f"Chinese in English output of {command}: {chinese_left}"


def test_labels_come_from_the_data_in_each_language(sd, demo):
    deal = sd("deal", "show", "1", "--json").json()
    from salesdiary.core.playbook import load_playbook

    stage = load_playbook(deal["playbook"]).stage(deal["stage"])
    assert stage.label.zh in sd("--lang", "zh", "deal", "show", "1").stdout
    assert stage.label.en in sd("--lang", "en", "deal", "show", "1").stdout


def test_messages_in_both_languages(sd):
    added = sd("--lang", "zh", "account", "add", "华东电网有限公司")
    assert added.exit_code == 0 and "已添加客户 #1 华东电网有限公司。" in added.stderr
    assert "Added account #2 Acme." in sd("--lang", "en", "account", "add", "Acme").stderr
    missing = sd("--lang", "zh", "deal", "show", "99")
    assert missing.exit_code == 1 and missing.stderr.startswith("sd：错误：")
    assert not _english_words(missing.stderr, _names_that_stay())
    assert sd("--lang", "en", "deal", "show", "99").stderr.startswith("sd: error: ")


def test_bad_value_lists_choices_in_the_chosen_language(sd):
    sd("account", "add", "Acme")
    zh = sd("--lang", "zh", "contact", "add", "Li", "--account", "Acme", "--role", "boss")
    assert zh.exit_code == 2 and "未知的采购角色 'boss'" in zh.stderr and "decision_maker (决策者)" in zh.stderr
    en = sd("--lang", "en", "contact", "add", "Li", "--account", "Acme", "--role", "boss")
    assert en.exit_code == 2 and "decision_maker (Decision maker)" in en.stderr and not CJK.search(en.stderr)


# --- typed values in either language ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_values_may_be_typed_in_either_language(sd, lang):
    assert sd("account", "add", "华东电网有限公司").exit_code == 0
    contact = sd(
        "--lang", lang, "contact", "add", "王建国", "--account", "华东", "--role", "拍板者", "--stance", "中立"
    )
    assert contact.exit_code == 0, contact.output
    same = sd("--lang", lang, "contact", "add", "赵磊", "--account", "华东", "--role", "Decision maker")
    assert same.exit_code == 0, same.output
    people = sd("contact", "list", "--json").json()
    assert [p["role"] for p in people] == ["decision_maker", "decision_maker"]
    assert people[0]["stance"] == "neutral"
    by_label = sd("--lang", lang, "deal", "add", "调度中心网络改造", "--account", "华东", "--stage", "客户分析")
    by_key = sd("--lang", lang, "deal", "add", "Core refresh", "--account", "华东", "--stage", "customer_analysis")
    assert by_label.exit_code == 0 and by_key.exit_code == 0, by_label.output + by_key.output
    deals = sd("deal", "list", "--json").json()
    assert {d["stage"] for d in deals} == {"customer_analysis"}
    listed = sd("deal", "list", "--stage", "客户分析", "--json").json()
    assert len(listed) == 2


# --- tables, numbers, dates ----------------------------------------------------------------------------


def test_tables_align_chinese_and_mixed_text_at_80_columns(sd, monkeypatch):
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "80")
    for name in ("华东电网有限公司", "中国移动通信集团江苏有限公司南京分公司", "Contoso 上海 Manufacturing"):
        assert sd("account", "add", name, "--region", "华东 East").exit_code == 0
    for lang in ("zh", "en"):
        table = sd("--lang", lang, "account", "list").stdout
        lines = [line for line in table.splitlines() if line.strip()]
        widths = {cell_len(line) for line in lines}
        assert len(widths) == 1 and widths.pop() <= 80, table
        columns = {tuple(i for i, ch in enumerate(_cells(line)) if ch in "|+") for line in lines}
        assert len(columns) == 1, table  # every border sits in the same cell column on every line


def _cells(line: str) -> list[str]:
    """The line as terminal cells: a wide character fills two."""
    from rich.cells import cell_len

    cells: list[str] = []
    for ch in line:
        cells.extend([ch] + [" "] * (cell_len(ch) - 1))
    return cells


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_numbers_and_dates_look_the_same_in_both_languages(sd, lang):
    sd("account", "add", "华东电网有限公司")
    sd("deal", "add", "调度中心网络改造", "--account", "华东", "--amount", "1234567", "--close", "2027-05-15")
    shown = sd("--lang", lang, "deal", "show", "1").stdout
    assert "1,234,567" in shown and "2027-05-15" in shown
    listed = sd("--lang", lang, "deal", "list").stdout
    assert "1,234,567" in listed and "2027-05-15" in listed, sd("--lang", lang, "deal", "list")


def test_installed_sd_follows_the_locale(sd_process):
    env = {"SD_LANG": "", "LANG": "zh_CN.UTF-8", "LC_ALL": ""}
    assert "用法：" in sd_process("--help", env=env).stdout
    assert "Usage:" in sd_process("--help", env={**env, "LANG": "en_US.UTF-8"}).stdout


def test_changing_language_keeps_the_command_modules(sd):
    """Option help is given to Typer in English and translated on each run's command tree: a change of
    language imports nothing again (a monkeypatch on a command module survives it)."""
    import sys

    assert sd("--lang", "en", "account", "add", "--help").exit_code == 0
    module = sys.modules["salesdiary.cli.account"]
    chinese = sd("--lang", "zh", "account", "add", "--help")
    assert chinese.exit_code == 0 and "采购方式" in chinese.stdout
    assert sys.modules["salesdiary.cli.account"] is module
    english = sd("--lang", "en", "account", "add", "--help")
    assert "Purchase mode" in english.stdout or "purchase" in english.stdout.lower()
    assert not CJK.search(english.stdout.split("Usage")[-1].split("NAME")[0])
    assert sys.modules["salesdiary.cli.account"] is module
