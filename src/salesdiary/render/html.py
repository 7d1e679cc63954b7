"""Reports as HTML documents a manager opens in a browser or a mail client, often on a phone.

The same Document the terminal prints (render/document.py) becomes semantic HTML through a Jinja2 template
with autoescaping (templates/report.html.j2): real <table>s with <th> headers, numbers right-aligned, inline
SVG charts, `lang` set to the report's language, no fixed widths (a phone reflows it), a print stylesheet, and
nothing external (no fonts, scripts or images). The styles a mail client needs to lay a table out are inline;
the rest is one <style> block in the head, which the common clients keep.

Jinja2 is imported here only, so only `--format html` pays for it; the template ships compiled
(compiled_report.py, by scripts/templates.py: precompiled()). The charts are drawn as data here (bars with
their geometry) and written by the template: every name and label in them is escaped like the tables'. A
table's rows are drawn here too, in one escape() for all their cells (table_body).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesdiary.i18n import _

if TYPE_CHECKING:
    from collections.abc import Callable

    from markupsafe import Markup

    from salesdiary.render.document import Document, Table

TEMPLATES = Path(__file__).with_name("templates")
LANGS = {"zh": "zh-CN", "en": "en"}  # sd's languages as HTML's `lang` (BCP 47)

# chart geometry, in the SVG's own units (the drawing scales to the width of the page: viewBox, width 100%)
LABEL_W = 150
BAR_W = 380
VALUE_W = 110
BAR_H = 14
GAP = 8
COLOURS = ("#3b6ea8", "#e08a2e")


@dataclass
class Bar:
    """One bar of a chart: where it starts (y), how long it is, and the figure written after it."""

    y: float
    width: float
    text: str
    colour: str


@dataclass
class Group:
    """A label (a stage, a day) and its bars, one per series."""

    label: str
    y: float
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    """A horizontal bar chart: TITLE, one or two SERIES (named in the legend), a group of bars per label."""

    title: str
    series: list[str]
    groups: list[Group]
    height: float
    width: int = LABEL_W + BAR_W + VALUE_W
    label_w: int = LABEL_W
    legend_h: int = 0
    colours: tuple[str, ...] = COLOURS
    summary: str = ""  # what the chart shows, for a screen reader (<title> of the SVG)


def bar_chart(title: str, series: list[str], rows: list[tuple[str, list[float], list[str]]]) -> Chart:
    """A chart of ROWS (label, a value per series, the text written after each bar): bars scaled to the
    largest value, so the longest is BAR_W long."""
    biggest = max((v for _label, values, _texts in rows for v in values), default=0.0)
    legend_h = 22 if len(series) > 1 else 0
    y = float(legend_h)
    groups = []
    for label, values, texts in rows:
        g = Group(label=label if len(label) <= 18 else label[:17] + "…", y=y + len(values) * BAR_H / 2)
        for i, (value, text) in enumerate(zip(values, texts, strict=True)):
            width = BAR_W * value / biggest if biggest > 0 and value > 0 else 0.0
            g.bars.append(Bar(y=y, width=round(width, 1), text=text, colour=COLOURS[i % len(COLOURS)]))
            y += BAR_H
        groups.append(g)
        y += GAP
    return Chart(
        title=title,
        series=series,
        groups=groups,
        height=max(y, legend_h + BAR_H),
        legend_h=legend_h,
        summary=_("{chart}: {figures}").format(
            chart=title, figures=_("; ").join(f"{label} {' / '.join(texts)}" for label, _values, texts in rows)
        ),
    )


def funnel_charts(data: dict[str, Any]) -> list[Chart]:
    """The funnel's amount and weighted amount per stage: one chart, or one per currency when the report
    holds several currencies it does not convert (they are never added together)."""
    from salesdiary.render.reports import apart, money

    def label(s: dict[str, Any]) -> str:
        return f"{s['number']}. {s['label']}" if s["number"] else s["label"]

    series = [_("Amount"), _("Weighted")]
    if not apart(data):
        rows = [
            (
                label(s),
                [float(s["amount"] or 0), float(s["weighted"] or 0)],
                [money(s["amount"] or 0), money(s["weighted"] or 0)],
            )
            for s in data["stages"]
        ]
        return [bar_chart(_("Amount and weighted amount by stage"), series, rows)]
    charts = []
    for code in data.get("currencies") or ():
        rows = []
        for s in data["stages"]:
            amount = float((s["amount_by_currency"] or {}).get(code, 0))
            weighted = float((s["weighted_by_currency"] or {}).get(code, 0))
            rows.append((label(s), [amount, weighted], [money(amount), money(weighted)]))
        charts.append(
            bar_chart(_("Amount and weighted amount by stage ({currency})").format(currency=code), series, rows)
        )
    return charts


def activity_chart(data: dict[str, Any]) -> Chart:
    """Visits in the period: per day for a week, per week (Monday to Sunday, within the month) for a month."""
    start = dt.date.fromisoformat(data["start"])
    end = dt.date.fromisoformat(data["end"])
    counts: dict[dt.date, int] = {}
    weekly = data["kind"] == "week"
    for v in data["visits"]:
        day = dt.date.fromisoformat(str(v["date"])[:10])
        key = day if weekly else max(start, day - dt.timedelta(days=day.weekday()))
        counts[key] = counts.get(key, 0) + 1
    rows = []
    day = start
    while day <= end:
        if weekly:
            label = f"{day.isoformat()} {_weekday(day)}"
            following = day + dt.timedelta(days=1)
        else:
            following = min(end, day + dt.timedelta(days=6 - day.weekday())) + dt.timedelta(days=1)
            label = f"{day.strftime('%m-%d')} – {(following - dt.timedelta(days=1)).strftime('%m-%d')}"
        n = counts.get(day, 0)
        rows.append((label, [float(n)], [str(n)]))
        day = following
    title = _("Visits per day") if weekly else _("Visits per week")
    return bar_chart(title, [_("Visits")], rows)


def _weekday(day: dt.date) -> str:
    return (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))[day.weekday()]


PAGE = "report.html.j2"  # the page template, in TEMPLATES
_template: Any = None  # the page template ready to render (template()), kept for the process


def environment() -> Any:
    """The Jinja2 environment of the page (scripts/templates.py compiles the template in the same one)."""
    from jinja2 import Environment, FileSystemLoader

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every name, label and figure is text, whatever it holds
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def template() -> Any:
    """The page template, made once (Jinja2 imported here: only HTML output pays for it): the shipped compilation
    when it holds the template as it is (precompiled()), else compiled by Jinja2 now."""
    global _template
    if _template is None:
        env = environment()
        _template = precompiled(env) or env.get_template(PAGE)
    return _template


def precompiled(env: Any) -> Any:
    """The page template from render/compiled_report.py — Jinja2's compilation of it, written by
    scripts/templates.py — or None. Jinja2 compiling the template at every run cost ≈ 14 ms of CPU of an HTML
    report (≈ 0.4 ms this way). Used only when the file was compiled from the template as it is now (its SHA-256)
    by the Jinja2 installed (its version), so an edited template or another Jinja2 is compiled as usual; never
    with SD_NO_PRECOMPILED set (not 0)."""
    import os

    if os.environ.get("SD_NO_PRECOMPILED", "") not in ("", "0"):
        return None
    import hashlib
    import warnings

    import jinja2

    from salesdiary.render import compiled_report as module

    with warnings.catch_warnings():  # a Jinja2 to come may deprecate __version__: then this finds no match
        warnings.simplefilter("ignore")
        version = getattr(jinja2, "__version__", None)
    source = (TEMPLATES / PAGE).read_bytes()
    if module.TEMPLATE_SHA256 != hashlib.sha256(source).hexdigest() or module.JINJA2 != version:
        return None
    return env.template_class.from_module_dict(env, vars(module), env.make_globals(None))


def ready() -> Callable[[], None]:
    """Import Jinja2 and compile the template in a background thread while this one waits on the database (as
    cli/common.render_ready does for Rich); call the function returned before rendering. Anything going wrong
    there is left for the rendering to meet again in this thread."""
    import contextlib
    import threading

    def prepare() -> None:
        with contextlib.suppress(Exception):
            template()

    thread = threading.Thread(target=prepare, daemon=True)
    thread.start()
    return thread.join


def document_html(doc: Document, *, lang: str, charts: list[Chart] | None = None) -> str:
    """DOC as a self-contained HTML page in LANG ("zh", "en"), with CHARTS after its opening lines."""
    page = template()
    sections = []
    for s in doc.sections:
        table = None
        if s.table is not None and s.table.rows:
            t = s.table
            table = {"headers": [(c.header, c.justify == "right") for c in t.columns], "body": table_body(t)}
        sections.append(
            {"title": s.title, "lead": s.lead, "lines": s.lines, "table": table, "empty": s.empty, "after": s.after}
        )
    return page.render(
        lang=LANGS.get(lang, lang),
        title=doc.title,
        lines=doc.lines,
        sections=sections,
        charts=charts or [],
        charts_title=_("At a glance"),
    )


_SEP = "\x00"  # between the cells of a table escaped in one call: markupsafe's escape leaves it as it is


def table_body(t: Table) -> Markup:
    """The <tr> lines of T's rows, for the template's <tbody>: the cells escaped by markupsafe's escape, as
    autoescape would; the tags are ours (the mail clients' inline styles on the numbers' cells).

    Drawn here rather than by a loop in the template, in one escape() and one %-format per row: a week of the
    bench's large journal has ≈ 5,000 rows (31,000 cells), and a Jinja loop over the cells took ≈ 150 ms, an
    escape() and a join per cell ≈ 55 ms, this ≈ 10 ms. A table whose text holds the separator itself (a name
    stored with a NUL) has its cells escaped one by one: the same text."""
    from markupsafe import Markup, escape

    left, right = "<td>", '<td class="num" style="text-align: right;">'  # inline: for mail clients
    opens = [right if c.justify == "right" else left for c in t.columns]
    n = len(opens)
    flat = [cell for row in t.rows for cell in row[:n]]
    joined = _SEP.join(flat)
    if joined.count(_SEP) == max(len(flat) - 1, 0):
        texts = str(escape(joined)).split(_SEP)
    else:
        texts = [str(escape(cell)) for cell in flat]
    styles, separators = t.row_styles, t.separators
    formats: dict[tuple[str, int], str] = {}  # a row's tags around its cells, by (classes, number of cells)
    lines = []
    at = 0
    for i, row in enumerate(t.rows):
        style = styles[i] if i < len(styles) else ""
        classes = (f"{style} sep" if style else "sep") if i in separators else style
        k = min(len(row), n)
        form = formats.get((classes, k))
        if form is None:
            tr = f'<tr class="{escape(classes)}">' if classes else "<tr>"
            # (the cells' openings are ours and hold no %; a style's name might)
            form = formats[(classes, k)] = tr.replace("%", "%%") + "".join(td + "%s</td>" for td in opens[:k]) + "</tr>"
        lines.append(form % tuple(texts[at : at + k]))
        at += k
    return Markup("\n".join(lines))


def period_html(data: dict[str, Any], *, lang: str) -> str:
    """The weekly or monthly report as an HTML page: its tables, and a chart of the visits over the period."""
    from salesdiary.render.reports import period_document

    return document_html(period_document(data), lang=lang, charts=[activity_chart(data)])


def funnel_html(data: dict[str, Any], *, lang: str) -> str:
    """The funnel as an HTML page: its table, and a chart of the amount and weighted amount per stage."""
    from salesdiary.core.validate import visible
    from salesdiary.render.reports import funnel_document

    return visible(document_html(funnel_document(data), lang=lang, charts=funnel_charts(data)))
