"""List tables read well in a narrow terminal, in English and in Chinese.

The main lists of the demo journal are drawn at 60, 80 and 120 columns: no line is wider than the terminal,
every line of a table has the same display width and its borders sit in the same cell columns (Chinese
characters fill two cells), names keep their words whole, an account's name is whole from 80 columns on,
and columns of less use are left out before the ones a rep reads first. JSON does not depend on the width.
"""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

LISTS = {
    "account": ("account", "list"),
    "deal": ("deal", "list"),
    "visit": ("visit", "list", "--all"),
    "followup": ("followup", "list"),
    "contact": ("contact", "list", "--all"),
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z'.-]*[A-Za-z.]|[A-Za-z]")


def _cells(line: str) -> list[str]:
    """The line as terminal cells: a wide character fills two."""
    cells: list[str] = []
    for ch in line:
        cells.extend([ch] + [" "] * (cell_len(ch) - 1))
    return cells


def _table_lines(stdout: str) -> list[str]:
    return [ANSI.sub("", line) for line in stdout.splitlines() if line.strip()]


def _cell_texts(lines: list[str]) -> list[str]:
    """The text between the borders of an ASCII table, cell by cell and line by line."""
    return [part.strip() for line in lines if not line.startswith("+") for part in line.strip("|").split("|")]


def _render(sd, monkeypatch, width: int, lang: str, noun: str, *, terminal: bool = False):  # noqa: ANN001, ANN202
    monkeypatch.setenv("COLUMNS", str(width))
    if terminal:
        monkeypatch.setenv("TTY_COMPATIBLE", "1")  # Rich draws as for a terminal (the borderless look)
    result = sd("--lang", lang, *LISTS[noun])
    assert result.exit_code == 0, result.output
    return result


def _known_words(sd) -> set[str]:  # noqa: ANN001
    """Every English word in the demo's lists (names, titles, what happened …)."""
    words: set[str] = set()
    for command in LISTS.values():
        for row in sd(*command, "--json").json():
            for value in row.values():
                if isinstance(value, str):
                    words.update(ENGLISH_WORD.findall(value))
    return words


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_main_lists_fit_the_terminal_and_stay_aligned(sd, demo, monkeypatch, width, lang):
    for noun in LISTS:
        out = _render(sd, monkeypatch, width, lang, noun).stdout
        lines = _table_lines(out)
        assert lines, noun
        assert max(cell_len(line) for line in lines) <= width, f"{noun} at {width}:\n{out}"
        assert len({cell_len(line) for line in lines}) == 1, f"{noun} at {width} is ragged:\n{out}"
        borders = {tuple(i for i, ch in enumerate(_cells(line)) if ch in "|+") for line in lines}
        assert len(borders) == 1, f"{noun} at {width}: the columns do not line up:\n{out}"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 80])
def test_terminal_tables_fit_and_stay_aligned(sd, demo, monkeypatch, width, lang):
    for noun in LISTS:
        out = _render(sd, monkeypatch, width, lang, noun, terminal=True).stdout
        lines = _table_lines(out)
        assert "─" in out and "|" not in out, out  # the terminal look, not the ASCII one of a pipe
        assert {cell_len(line) for line in lines} <= set(range(width + 1)), out
        assert len({cell_len(line) for line in lines}) == 1, f"{noun} at {width} is ragged:\n{out}"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [80, 120])
def test_account_names_are_whole_from_80_columns(sd, demo, monkeypatch, width, lang):
    names = [a["name"] for a in sd("account", "list", "--json").json()]
    assert any(cell_len(n) > 20 for n in names) and any(n.isascii() for n in names)  # long and English ones too
    cells = set(_cell_texts(_table_lines(_render(sd, monkeypatch, width, lang, "account").stdout)))
    assert set(names) <= cells, set(names) - cells


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [60, 80, 120])
def test_no_english_word_is_cut_in_two(sd, demo, monkeypatch, width, lang):
    known = _known_words(sd)
    for noun in LISTS:
        out = _render(sd, monkeypatch, width, lang, noun).stdout
        for text in _cell_texts(_table_lines(out)):
            for word in ENGLISH_WORD.findall(text):
                if word in known or len(word) < 3:
                    continue
                cut = [w for w in known if w != word and (w.startswith(word) or w.endswith(word))]
                assert not cut, f"{noun} at {width}: {word!r} is part of {cut}:\n{out}"


def test_narrow_terminals_leave_out_the_columns_of_least_use(sd, demo, monkeypatch):
    wide = _table_lines(_render(sd, monkeypatch, 160, "en", "account").stdout)[1]
    assert all(h in wide for h in ("Owner", "Tier", "Contacts", "Last visit", "Open deals"))
    at_80 = _table_lines(_render(sd, monkeypatch, 80, "en", "account").stdout)[1]
    assert "Owner" not in at_80 and "Tier" not in at_80
    assert all(h in at_80 for h in ("Name", "Stage", "Last visit"))
    deals = _table_lines(_render(sd, monkeypatch, 80, "en", "deal").stdout)[1]
    assert all(h in deals for h in ("Deal", "Account", "Stage", "Next step")) and "Close" not in deals
    visits = _table_lines(_render(sd, monkeypatch, 60, "zh", "visit").stdout)[1]
    assert all(h in visits for h in ("日期", "客户", "经过")) and "下次跟进" not in visits


def test_a_table_that_fits_is_drawn_whole(sd, demo, monkeypatch):
    lines = _table_lines(_render(sd, monkeypatch, 200, "en", "deal").stdout)
    headers = _cell_texts(lines[:3])
    assert headers == ["ID", "Deal", "Account", "Stage", "Amount", "Close", "Next step", "Due"]
    deals = sd("deal", "list", "--json").json()
    assert all(f"| {d['name']}" in "\n".join(lines) for d in deals)  # one line per deal name


def test_json_does_not_depend_on_the_width(sd, demo, monkeypatch):
    for command in LISTS.values():
        monkeypatch.setenv("COLUMNS", "60")
        narrow = sd("--lang", "zh", *command, "--json")
        monkeypatch.setenv("COLUMNS", "200")
        wide = sd(*command, "--json")
        assert narrow.stdout == wide.stdout and narrow.json()


def test_a_long_chinese_text_breaks_between_characters_but_not_before_punctuation(sd, monkeypatch):
    sd("account", "add", "华东电网有限公司")
    summary = "客户介绍了现网情况，核心设备已使用8年，计划明年更换，预算已经报到集团信息部"
    assert sd("visit", "add", "--account", "华东", "--summary", summary, "--date", "2026-11-20").exit_code == 0
    lines = _table_lines(_render(sd, monkeypatch, 60, "zh", "visit").stdout)
    assert _cell_texts(lines[:3])[-1] == "经过"
    texts = [line.strip("|").split("|")[-1].strip() for line in lines[3:] if not line.startswith("+")]
    assert "".join(texts) == summary and len(texts) > 2
    assert not any(t.startswith(("，", "。")) for t in texts)


def test_people_are_named_with_the_word_for_a_person_in_chinese(sd, demo, monkeypatch):
    contacts = _table_lines(_render(sd, monkeypatch, 120, "zh", "contact").stdout)[1]
    accounts = _table_lines(_render(sd, monkeypatch, 120, "zh", "account").stdout)[1]
    assert "姓名" in contacts and "名称" not in contacts
    assert "名称" in accounts and "姓名" not in accounts
    assert "姓名" in sd("--lang", "zh", "deal", "show", "1").stdout  # the people of a deal
    assert "Name" in _table_lines(_render(sd, monkeypatch, 120, "en", "contact").stdout)[1]


def test_an_edit_names_fields_and_values_in_chinese(sd):
    sd("account", "add", "华东电网有限公司", "--tier", "strategic", "--region", "上海")
    zh = sd("--lang", "zh", "account", "edit", "华东", "--tier", "important", "--region", "北京")
    assert zh.exit_code == 0, zh.output
    assert "区域：上海 → 北京，客户价值：战略客户 → 重要客户" in zh.stderr  # in the order `sd account show` lists them
    en = sd("--lang", "en", "account", "edit", "华东", "--tier", "ordinary")
    assert "tier: Important account → Ordinary account" in en.stderr


def test_the_layout_keeps_names_and_drops_by_order():
    from salesdiary.render.tables import Column, _measure, plan

    columns = [
        Column("ID", lambda r: r["id"], no_wrap=True),
        Column("Name", lambda r: r["name"], min_width=24),
        Column("Owner", lambda r: r["owner"], drop=2),
        Column("Notes", lambda r: r["notes"], squeeze=True),
        Column("Last", lambda r: r["last"], no_wrap=True, drop=1),
    ]
    row = {"id": 7, "name": "Northwind Logistics Ltd.", "owner": "someone", "notes": "word " * 12, "last": "2026-11-05"}
    texts = [[c.header, str(c.value(row))] for c in columns]
    measures = [_measure(c, t) for c, t in zip(columns, texts, strict=True)]

    def chrome(n: int) -> int:
        return 3 * n + 1

    shown, widths = plan(measures, [c.drop for c in columns], 200, chrome)
    assert shown == [0, 1, 2, 3, 4] and widths[3] == cell_len(texts[3][1])  # everything fits: natural widths
    shown, widths = plan(measures, [c.drop for c in columns], 70, chrome)
    assert shown == [0, 1, 3, 4] and widths[1] == 24  # Owner goes first; the name stays whole
    assert sum(widths.values()) + chrome(len(shown)) <= 70
    shown, widths = plan(measures, [c.drop for c in columns], 40, chrome)
    assert shown == [0, 1, 3] and widths[1] >= len("Logistics") and sum(widths.values()) + chrome(3) <= 40


@pytest.mark.parametrize(
    "text",
    ["Logged visit #42.", "已记录拜访 #200003。", "Deal [bold]x[/] “引号” — 50%", "x" * 300, "tab\there", "a\nb", ""],
)
@pytest.mark.parametrize("style", ["", "green", "yellow"])
def test_a_message_to_a_pipe_is_what_rich_prints(monkeypatch, capsys, text, style):
    from salesdiary.render import console

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    console.reset()
    console.message(text, style)
    plain = capsys.readouterr().err
    monkeypatch.setattr(console, "_plain_line", lambda text: False)
    console.reset()
    console.message(text, style)
    assert plain == capsys.readouterr().err
