"""Plain text drawn without Rich's Table (render/plain.py) is the very text Rich draws.

Where no style can show (no colour system: piped, TERM=dumb), documents are laid out directly; every table,
paragraph and document here is drawn both ways — SD_RICH_TABLES=1 leaves everything to Rich — and compared
byte for byte, in the piped (ASCII box) and the terminal (borderless) layouts, wide and narrow.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from salesdiary.render import document, plain
from salesdiary.render.document import Col, Document, Section, Table, print_document


def _console(width: int, terminal: bool) -> Console:
    # as render/console.out() makes it, with no colour system: a pipe, or a terminal that shows no style
    return Console(
        file=io.StringIO(),
        width=width,
        force_terminal=terminal,
        color_system=None,
        highlight=False,
        soft_wrap=False,
        emoji=False,
    )


def _both(doc: Document, width: int, terminal: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """DOC drawn with the plain layout and by Rich alone."""
    drawn = []
    for rich_only in ("", "1"):
        monkeypatch.setenv("SD_RICH_TABLES", rich_only)
        console = _console(width, terminal)
        print_document(doc, console)
        drawn.append(console.file.getvalue())  # type: ignore[attr-defined]
    return drawn[0], drawn[1]


WORDS = ["编号", "项目", "客户", "无锡通星化工股份有限公司", "Network refresh", "Northfield Energy Corp."]
WORDS += ["25", "1,597", "5. 客户初步认可：下一步没有日期", "已拜访 103 次，2 位关键人中没有导师", "", "a"]
WORDS += ["召开项目分析会；截止 2026-11-07"]
WORDS += ["[bold]x[/]", "50%", "“引号” — ok", "x" * 40, "三" * 30]

cell = st.sampled_from(WORDS) | st.text(st.sampled_from("ab 中文,.-[]:1"), max_size=12)
column = st.builds(
    Col,
    header=st.sampled_from(["编号", "Deal", "发现的问题", "", "Account name"]),
    justify=st.sampled_from(["left", "right", "center"]),
    no_wrap=st.booleans(),
    min_width=st.none() | st.integers(1, 30),
    max_width=st.none() | st.integers(1, 40),
    style=st.sampled_from(["", "dim", "bold"]),
    narrow=st.sampled_from(["head", "body"]),
)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    cols = draw(st.lists(column, min_size=1, max_size=5))
    t = Table(cols, narrow=draw(st.sampled_from(["stack", "split"])), keep=1)
    for n in range(draw(st.integers(1, 6))):
        bar = draw(st.none() | st.floats(0, 1)) if n % 2 == 0 else None
        t.add(*[draw(cell) for _ in cols], separator=draw(st.booleans()), bar=bar)
    return t


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    t=tables(),
    width=st.sampled_from([30, 50, 80, 120, 160]),
    terminal=st.booleans(),
    lead=st.sampled_from(["", "约定下次会面，保持业务跟进的延续性：每个进行中的项目都要有带日期的下一步。", "Call."]),
)
def test_a_document_is_drawn_as_rich_draws_it(monkeypatch, t, width, terminal, lead):
    doc = Document("项目健康检查 · 发现 40391 个问题", lines=["a line"])
    doc.sections.append(Section(title="没有下一步 (1597)", lead=lead or None, table=t, after=["显示了 5/1597 条。"]))
    doc.sections.append(Section(title="Empty", table=Table([Col("x")]), empty="nothing"))
    mine, rich = _both(doc, width, terminal, monkeypatch)
    assert mine == rich


CHECK_LIKE = [
    ["25", "桌面云", "无锡通星化工股份有限公司", "5. 客户初步认可：下一步没有日期"],
    ["146", "运维外包 146", "南京远正大数据管理局", "2. 项目确认：下一步没有日期"],
    ["235", "Network refresh", "Northfield Energy Corp.", "9. 中标：下一步没有日期"],
]


def _check_table() -> Table:
    t = Table(
        [
            Col("编号", "right", no_wrap=True, style="dim", narrow="head"),
            Col("项目", style="bold", min_width=8, narrow="head"),
            Col("客户", min_width=8, narrow="head"),
            Col("发现的问题", min_width=30),
        ]
    )
    for row in CHECK_LIKE:
        t.add(*row)
    return t


@pytest.mark.parametrize("width", [50, 80, 160])
@pytest.mark.parametrize("terminal", [False, True])
def test_a_check_section_is_drawn_as_rich_draws_it(monkeypatch, width, terminal):
    doc = Document("项目健康检查 · 发现 3 个问题")
    doc.sections.append(Section(title="没有下一步 (3)", lead="约定下次会面。" * 8, table=_check_table()))
    mine, rich = _both(doc, width, terminal, monkeypatch)
    assert mine == rich


def test_the_plain_layout_draws_the_tables_that_fit_without_rich(monkeypatch):
    """Not a test that passes by never taking the plain path: a table that fits is never given to Rich."""
    monkeypatch.delenv("SD_RICH_TABLES", raising=False)
    console = _console(160, False)
    assert plain.enabled(console)
    assert plain.table_text(console, _check_table(), cols=[0, 1, 2, 3]) is not None

    def no_rich(*args: object, **kwargs: object) -> None:
        raise AssertionError("drawn by Rich")

    monkeypatch.setattr(document, "rich_table", no_rich)
    doc = Document("t", sections=[Section(title="s", table=_check_table())])
    print_document(doc, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "|  235 | Network refresh | Northfield Energy Corp.  | 9. 中标：下一步没有日期         |\n" in out


@pytest.mark.parametrize(
    "text",
    ["name\x1b[31m", "tab\there", " leading", "trailing ", "a\nb", "\u202eevil"],
)
def test_what_rich_would_change_is_left_to_rich(monkeypatch, text):
    """Control characters (written out by Rich as core/validate.visible says), tabs, line breaks and edge
    spaces: Rich draws those cells, as before."""
    console = _console(160, False)
    t = Table([Col("名称"), Col("x")])
    t.add(text, "1")
    assert plain.table_text(console, t, cols=[0, 1]) is None
    doc = Document(text, sections=[Section(title=text, table=t, after=[text])])
    mine, rich = _both(doc, 80, False, monkeypatch)
    assert mine == rich


def test_a_column_that_would_wrap_is_left_to_rich():
    console = _console(160, False)
    t = Table([Col("名称", max_width=5), Col("x")])
    t.add("无锡通星化工股份有限公司", "1")
    assert plain.table_text(console, t, cols=[0, 1]) is None
    narrow = _console(40, False)
    assert plain.table_text(narrow, _check_table(), cols=[0, 1, 2, 3]) is None  # Rich would narrow the columns


def test_colours_and_records_are_left_to_rich(monkeypatch):
    monkeypatch.delenv("SD_RICH_TABLES", raising=False)
    assert not plain.enabled(Console(file=io.StringIO(), force_terminal=True, color_system="standard"))
    assert not plain.enabled(Console(file=io.StringIO(), record=True))
    monkeypatch.setenv("SD_RICH_TABLES", "1")
    assert not plain.enabled(_console(80, False))
