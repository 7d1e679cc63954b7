"""Reports a manager opens: `sd report week|month --format html` and `sd funnel --format html` are real documents
(tables with headers, inline SVG charts, the report's language, nothing external), every format shows hostile
names as text, and `--owner all` adds the team's table and pipeline per rep."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import build
from test_report import STEPS


class Page(HTMLParser):
    """What a browser would build from the page: the elements, their attributes, the tables and the text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: list[dict] = []  # {"headers": [...], "rows": [[(text, attrs), ...]]}
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self._attrs: dict[str, str | None] = {}
        self._in_head_row = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self.tables.append({"headers": [], "rows": []})
        elif tag == "thead":
            self._in_head_row = True
        elif tag == "tr" and self.tables and not self._in_head_row:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell, self._attrs = [], a

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head_row = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell).strip()
            if self._in_head_row:
                self.tables[-1]["headers"].append(text)
            else:
                self.tables[-1]["rows"][-1].append((text, self._attrs))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]

    def table(self, header: str) -> dict:
        return next(t for t in self.tables if header in t["headers"])


def test_the_templates_ship_with_the_package():
    """A wheel holds what pyproject's package-data names: every template must be named there."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parent.parent
    globs = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["salesdiary"]
    package = root / "src" / "salesdiary"
    templates = [p.relative_to(package).as_posix() for p in (package / "render" / "templates").iterdir()]
    assert templates and all(any(fnmatch.fnmatch(t, g) for g in globs) for t in templates), templates


def test_the_compiled_template_is_the_templates():
    """render/compiled_report.py is the page template as it is now: run scripts/templates.py after editing it."""
    import hashlib

    import jinja2

    from salesdiary.render import compiled_report
    from salesdiary.render.html import PAGE, TEMPLATES

    source = (TEMPLATES / PAGE).read_bytes()
    assert compiled_report.TEMPLATE_SHA256 == hashlib.sha256(source).hexdigest(), "run scripts/templates.py"
    if compiled_report.JINJA2 == jinja2.__version__:  # Jinja2's code is that version's: the same text again
        import importlib.util

        script_path = Path(__file__).resolve().parent.parent / "scripts" / "templates.py"
        spec = importlib.util.spec_from_file_location("templates_script", script_path)
        assert spec and spec.loader
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        assert script.OUT.read_text(encoding="utf-8") == script.compiled_text(), "run scripts/templates.py"


def test_the_page_is_the_same_compiled_or_not(sd, journal, monkeypatch):
    """The shipped compilation is used when it matches (template and Jinja2), and draws the very page Jinja2's own
    compilation draws; an edited template, another Jinja2 or SD_NO_PRECOMPILED: compiled as usual."""
    import jinja2

    from salesdiary.render import compiled_report, html

    def page(**env: str) -> tuple[str, str]:
        monkeypatch.setattr(html, "_template", None)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = sd("report", "week", "--format", "html", "--date", "2026-11-25")
        assert result.exit_code == 0, result.output
        return result.stdout, html._template.filename

    shipped, used = page()
    if compiled_report.JINJA2 == jinja2.__version__:
        assert used == compiled_report.__file__
    compiled, used = page(SD_NO_PRECOMPILED="1")
    assert used.endswith("report.html.j2")
    assert shipped == compiled and "<table" in shipped
    monkeypatch.setenv("SD_NO_PRECOMPILED", "0")
    assert html.precompiled(html.environment()) is not None or compiled_report.JINJA2 != jinja2.__version__
    monkeypatch.setattr(compiled_report, "JINJA2", jinja2.__version__)
    assert html.precompiled(html.environment()) is not None
    monkeypatch.setattr(compiled_report, "JINJA2", "0.0")  # another Jinja2
    assert html.precompiled(html.environment()) is None
    monkeypatch.setattr(compiled_report, "JINJA2", jinja2.__version__)
    monkeypatch.setattr(compiled_report, "TEMPLATE_SHA256", "0" * 64)  # as if the template had been edited since
    assert html.precompiled(html.environment()) is None


def check_document(page: Page, lang: str) -> None:
    """What every HTML report is: its language, tables with headers, a chart, nothing external, no terminal art."""
    html = page.named("html")
    assert html and html[0]["lang"] == lang
    assert not page.named("pre") and not page.named("code")
    assert page.tables and all(t["headers"] for t in page.tables)
    assert page.named("svg") and page.named("rect")
    for tag in ("script", "img", "link", "iframe", "object"):
        assert not page.named(tag), tag
    assert not [a for _t, a in page.tags if "src" in a or (a.get("href") or "").startswith(("http", "//"))]
    viewport = [m for m in page.named("meta") if m.get("name") == "viewport"]
    assert viewport and "width=device-width" in (viewport[0]["content"] or "")
    styles = "".join(page.text)
    assert "@media print" in styles
    assert not re.search(r"\bwidth:\s*\d+px", styles)  # nothing a phone cannot reflow


def _cell_by_cell(t) -> str:
    """A table's rows as the template drew them before table_body: one markupsafe escape() per cell."""
    from markupsafe import escape

    opens = ['<td class="num" style="text-align: right;">' if c.justify == "right" else "<td>" for c in t.columns]
    lines = []
    for i, row in enumerate(t.rows):
        classes = " ".join(x for x in (t.style_of(i), "sep" if i in t.separators else "") if x)
        tr = f'<tr class="{escape(classes)}">' if classes else "<tr>"
        lines.append(tr + "".join(td + str(escape(c)) + "</td>" for td, c in zip(opens, row, strict=False)) + "</tr>")
    return "\n".join(lines)


@pytest.mark.parametrize("nul", [False, True])
def test_a_tables_rows_are_escaped_as_cell_by_cell(nul):
    """table_body escapes a whole table in one call: the same text as one escape per cell, whatever the cells
    hold (markup, quotes, %-formats, braces, a NUL: then it escapes them one by one), with the rows' styles,
    rules, and rows shorter or longer than the columns."""
    from salesdiary.render.document import Col, Table
    from salesdiary.render.html import table_body

    t = Table([Col("Name"), Col("Amount", "right"), Col("Note")])
    t.add("<script>alert(1)</script>", "1,000", "a & b \"quoted\" 'single'")
    t.add("%s %d %(x)s", "{0} {}", "</td><td>", style="bold")
    t.add("short", style="dim %s", separator=True)
    t.add("one", "two", "three", "four (no column)", separator=True)
    t.add("", "", "")
    t.add("nul\x00inside" if nul else "plain", "5", "\x01 and \u202e kept for visible()")
    body = str(table_body(t))
    assert body == _cell_by_cell(t)
    assert "<script>" not in body and "&lt;script&gt;" in body


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "journal.sqlite"
    build(path, STEPS)
    return path


@pytest.fixture
def journal(built: Path, isolated: Path) -> Path:
    shutil.copy(built, isolated / "journal.sqlite")
    return isolated / "journal.sqlite"


def test_the_weekly_report_is_a_document(sd, journal):
    result = sd("report", "week", "--format", "html")
    assert result.exit_code == 0, result.output
    page = Page(result.stdout)
    check_document(page, "en")
    assert page.named("title") is not None and "Weekly report · 2026-11-23 – 2026-11-29" in "".join(page.text)
    moved = page.table("Move")
    assert moved["headers"] == ["Date", "Deal", "Account", "Move", "Amount"]
    amounts = {row[1][0]: row[4] for row in moved["rows"]}
    text, attrs = amounts["Won deal"]
    assert text == "500,000" and "text-align: right" in (attrs["style"] or "")  # numbers right-aligned
    assert "text-align: right" not in (moved["rows"][0][1][1].get("style") or "")
    visits = page.table("What happened")
    assert [r[5][0] for r in visits["rows"]] == ["Design review", "Status meeting"]
    # the activity chart: one bar per day of the week, the visits of each day written beside it
    chart = "".join(page.text)
    assert "Visits per day" in chart
    bars = [float(r["width"] or 0) for r in page.named("rect")]
    assert len(bars) == 7 and sorted(bars)[-2:] == [380.0, 380.0] and bars.count(0.0) == 5


def test_the_monthly_report_counts_visits_per_week(sd, journal):
    page = Page(sd("report", "month", "--format", "html").stdout)
    check_document(page, "en")
    # November 2026: weeks from 11-01 (a Sunday) … 11-30; the visits of 11-20, 11-23 and 11-25
    titles = [t for t in page.text if "Visits per week" in t]
    assert titles
    labels = [t.strip() for t in page.text if re.fullmatch(r"\s*\d\d-\d\d – \d\d-\d\d\s*", t)]
    assert labels == [
        "11-01 – 11-01",
        "11-02 – 11-08",
        "11-09 – 11-15",
        "11-16 – 11-22",
        "11-23 – 11-29",
        "11-30 – 11-30",
    ]
    summary = next(t for t in page.text if t.startswith("Visits per week:"))
    assert "11-16 – 11-22 1;" in summary and "11-23 – 11-29 2;" in summary


def test_a_chinese_report_says_so(sd, journal):
    page = Page(sd("--lang", "zh", "report", "week", "--format", "html").stdout)
    check_document(page, "zh-CN")
    assert page.table("金额")


def test_the_funnel_as_a_document(sd, journal):
    result = sd("funnel", "--format", "html")
    assert result.exit_code == 0, result.output
    page = Page(result.stdout)
    check_document(page, "en")
    t = page.table("Stage")
    assert t["headers"] == ["Stage", "Deals", "Amount", "Weighted", "Days", "Stale", "Conv."]
    data = sd("funnel", "--json").json()
    # two bars per stage (amount, weighted), the longest the largest amount
    rects = page.named("rect")
    legend = 2
    assert len(rects) == legend + 2 * len(data["stages"])
    assert max(float(r["width"] or 0) for r in rects[legend:]) == 380.0
    by_label = {row[0][0]: row for row in t["rows"]}
    for s in data["stages"]:
        if s["deals"]:
            row = by_label[f"{s['number']}. {s['label']}"]
            assert row[2][0] == f"{s['amount']:,.0f}" and "text-align: right" in (row[2][1]["style"] or "")
    assert sd("funnel", "--format", "pdf").exit_code == 2
    refused = sd("funnel", "--by", "owner", "--format", "html")
    assert refused.exit_code == 2 and "--by owner shows a table, json or csv." in refused.stderr
    assert refused.stdout == "" and "Traceback" not in refused.output
    check_document(Page(sd("--lang", "zh", "funnel", "--format", "html").stdout), "zh-CN")


HOSTILE = {
    "account": "<script>alert(1)</script>",
    "deal": '"><img src=x onerror=alert(1)>',
    "summary": "<svg onload=alert(2)> & [bold]not bold[/bold]",
    "owner": "<b onmouseover=alert(3)>",
}


@pytest.fixture
def hostile(sd, isolated):  # noqa: ANN001, ANN201
    steps = [
        ("account", "add", HOSTILE["account"]),
        ("deal", "add", HOSTILE["deal"], "--account", "1", "--amount", "100000", "--stage", "3"),
        ("visit", "add", "--account", "1", "--deal", "1", "--summary", HOSTILE["summary"]),
        ("followup", "add", HOSTILE["deal"], "--account", "1", "--due", "2026-12-01"),
        ("visit", "add", "--account", "1", "--summary", "assist", "--owner", HOSTILE["owner"]),
    ]
    for args in steps:
        result = sd(*args)
        assert result.exit_code == 0, (args, result.output)


def test_hostile_names_are_text_in_every_format(sd, hostile):
    for what in (("report", "week"), ("report", "month"), ("report", "week", "--owner", "all"), ("funnel",)):
        formats = ("text", "markdown", "json", "html") if what[0] == "report" else ("table", "json", "csv", "html")
        for fmt in formats:
            result = sd(*what, "--format", fmt)
            assert result.exit_code == 0, (what, fmt, result.output)
            out = result.stdout
            if fmt == "html":
                page = Page(out)
                for tag in ("script", "img", "b"):
                    assert not page.named(tag), (what, tag)
                assert not [a for _t, a in page.tags if {"onerror", "onload", "onmouseover"} & set(a)]
                assert len(page.named("svg")) == 1
                text = "".join(page.text)
                if what[0] == "report":
                    for key, name in HOSTILE.items():
                        assert name in text or (key == "owner" and "--owner" not in what), (what, name)
            elif fmt == "markdown":
                # a Markdown renderer shows <…> as text only when it is escaped
                assert not re.search(r"(?<!\\)<(/?script|img|svg|b )", out), what
                assert "\\<script\\>alert(1)\\</script\\>" in out
            elif fmt == "json":
                data = json.loads(out)
                if what[0] == "report":
                    assert data["visits"][0]["account"] == HOSTILE["account"]
                    assert data["visits"][0]["deal"] == HOSTILE["deal"]
                    assert data["visits"][0]["summary"] == HOSTILE["summary"]
            elif what[0] == "report":  # the terminal's text: as typed, no markup taken from a name
                flat = " ".join(out.split())
                assert HOSTILE["account"] in flat and "[bold]not bold[/bold]" in flat, flat


# --- the team's week ---------------------------------------------------------------------------------------

TEAM = [
    ("2026-11-02", ("account", "add", "Acme", "--owner", "wang")),
    ("2026-11-02", ("account", "add", "Beta", "--owner", "li")),
    (
        "2026-11-02",
        ("deal", "add", "Old", "--account", "Acme", "--amount", "1000000", "--stage", "2", "--owner", "wang"),
    ),
    ("2026-11-24", ("deal", "edit", "Old", "--stage", "3")),
    ("2026-11-24", ("deal", "add", "Fresh", "--account", "Acme", "--amount", "200000", "--owner", "wang")),
    ("2026-11-02", ("deal", "add", "Win", "--account", "Beta", "--amount", "300000", "--stage", "9", "--owner", "li")),
    ("2026-11-24", ("deal", "won", "Win")),
    ("2026-11-02", ("deal", "add", "Lose", "--account", "Beta", "--amount", "50000", "--owner", "li")),
    ("2026-11-25", ("deal", "lost", "Lose", "--reason", "price")),
    ("2026-11-23", ("deal", "add", "Big", "--account", "Beta", "--amount", "400000", "--stage", "2", "--owner", "li")),
    ("2026-11-23", ("visit", "add", "--account", "Acme", "--summary", "one", "--owner", "wang")),
    ("2026-11-25", ("visit", "add", "--account", "Acme", "--summary", "two", "--owner", "wang")),
    ("2026-11-25", ("visit", "add", "--account", "Beta", "--summary", "three", "--owner", "wang")),
    ("2026-11-24", ("visit", "add", "--account", "Beta", "--summary", "four", "--owner", "li")),
    ("2026-11-20", ("visit", "add", "--account", "Beta", "--summary", "last week", "--owner", "li")),
    ("2026-11-02", ("followup", "add", "Call Acme", "--account", "Acme", "--due", "2026-11-20", "--owner", "wang")),
    ("2026-11-02", ("followup", "add", "Call Beta", "--account", "Beta", "--due", "2026-11-26", "--owner", "li")),
]


@pytest.fixture
def team_journal(isolated: Path) -> Path:
    build(isolated / "journal.sqlite", TEAM)
    return isolated / "journal.sqlite"


def test_the_teams_week_per_rep_in_every_format(sd, team_journal):
    data = sd("report", "week", "--owner", "all", "--json").json()
    by = {r["owner"]: r for r in data["by_owner"]}
    assert set(by) == {"wang", "li"}
    figures = ("visits", "accounts_visited", "new_deals", "stage_moves", "won", "lost", "weighted", "overdue")
    # wang: 3 visits at 2 accounts; Fresh is new (a stage move), Old moved 2 → 3; open: Old 1,000,000 at
    # 25 % + Fresh 200,000 at 5 %; the follow-up due 11-20 is overdue.
    assert {k: by["wang"][k] for k in figures} == dict(
        visits=3, accounts_visited=2, new_deals=1, stage_moves=2, won=0, lost=0, weighted=260_000.0, overdue=1
    )
    # li: 1 visit this week (the one of 11-20 is last week's); Big is new at stage 2 (10 %); Win won, Lose lost
    assert {k: by["li"][k] for k in figures} == dict(
        visits=1, accounts_visited=1, new_deals=1, stage_moves=1, won=1, lost=1, weighted=40_000.0, overdue=0
    )  # fmt: skip
    for key in ("visits", "stage_moves", "won", "lost", "overdue"):  # the reps add up to the team's summary
        assert sum(r[key] for r in data["by_owner"]) == data["summary"][key], key
    assert by["li"]["won_amount"] == 300_000.0
    pipeline = {p["owner"]: p for p in data["pipeline_by_owner"]}
    assert (pipeline["wang"]["open_deals"], pipeline["wang"]["amount"], pipeline["wang"]["weighted"]) == (
        2,
        1_200_000.0,
        260_000.0,
    )
    assert (pipeline["li"]["open_deals"], pipeline["li"]["won"], pipeline["li"]["lost"]) == (1, 1, 1)
    # the same figures in the text, Markdown and HTML
    text = " ".join(sd("report", "week", "--owner", "all").stdout.split())
    assert "By rep" in text and "Pipeline by rep" in text and "260,000" in text
    md = sd("report", "week", "--owner", "all", "--format", "markdown").stdout
    assert "| Rep | New accounts | Visits | Accounts visited | New deals | Stage moves | Won |" in md
    assert "| wang | 0 | 3 | 2 | 1 | 2 | 0 | 0 | 0 | 260,000 | 0 / 0 | 1 |" in md
    page = Page(sd("report", "week", "--owner", "all", "--format", "html").stdout)
    check_document(page, "en")
    reps = page.table("Weighted pipeline")
    assert reps["headers"][0] == "Rep"
    row = next(r for r in reps["rows"] if r[0][0] == "wang")
    assert [c for c, _a in row] == ["wang", "0", "3", "2", "1", "2", "0", "0", "0", "260,000", "0 / 0", "1"]
    assert page.table("Open deals")
    # one rep's report has no team tables
    mine = sd("report", "week", "--owner", "wang", "--json").json()
    assert "by_owner" not in mine and "pipeline_by_owner" not in mine


def test_a_funnel_in_two_currencies_draws_a_chart_for_each(sd, isolated):
    assert sd("account", "add", "Acme").exit_code == 0
    for name, amount, code, stage in (("A", "1000000", "CNY", "3"), ("B", "20000", "USD", "4")):
        args = ("deal", "add", name, "--account", "Acme", "--amount", amount, "--currency", code, "--stage", stage)
        assert sd(*args).exit_code == 0
    page = Page(sd("funnel", "--format", "html").stdout)
    check_document(page, "en")
    titles = [t for t in page.text if t.startswith("Amount and weighted amount by stage (") and ":" not in t]
    assert titles == ["Amount and weighted amount by stage (CNY)", "Amount and weighted amount by stage (USD)"]
    assert len(page.named("svg")) == 2
    summaries = [t for t in page.text if t.startswith("Amount and weighted amount by stage (") and ":" in t]
    assert "3. Customer analysis 1,000,000 / 250,000" in summaries[0] and "20,000" not in summaries[0]
    assert "4. " in summaries[1] and "20,000" in summaries[1] and "1,000,000" not in summaries[1]
