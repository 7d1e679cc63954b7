"""The forecast: what will close in a month or a quarter, and how far past forecasts were to be trusted.

`sd forecast` and `Journal.forecast()` show the figures computed here from rows the store reads
(store/reads/forecast_queries.py); render/forecast.py draws them; nothing else computes them.

- The open deals expected to close in the period (expected close inside it), each with its amount, its stage's
  probability, the weighted amount (amount × probability) and its forecast category: the rep's choice
  (`sd deal edit --forecast commit|best_case|pipeline|omit`), else the category the stage's probability gives
  (config forecast.commit_from, forecast.best_case_from; percent). Omitted deals are listed but counted nowhere.
- Won and lost so far: deals closed inside the period.
- The forecast of the period: weighted = won + the open deals' weighted amount; commit = won + commit deals;
  best case = won + commit + best-case deals (the usual "closed + commit (+ best case)" of a sales forecast).
- Slipped deals: expected in the period by a snapshot of it and now expected after it, or still open when the
  period has ended.
- Snapshots (`sd forecast snapshot`) keep the forecast deal by deal on a day; for a period that has begun, each
  one's forecast stands beside what was won, with the accuracy (won ÷ forecast, in percent).

Money is never added across currencies: every sum is kept per currency (`…_by_currency`); the plain figure is the
one currency's, or the base currency's when the config's [currency.rates] convert a mix, else null.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _

CATEGORIES = ("commit", "best_case", "pipeline", "omit")
DEFAULT_COMMIT_FROM = 70.0
DEFAULT_BEST_CASE_FROM = 40.0
# the three forecasts of a period, each "won so far" plus these categories of the open deals
FORECASTS = ("weighted", "commit", "best_case")


# --- periods -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter: its key ("2026-12", "2026Q4") and first and last day."""

    kind: str  # month | quarter
    start: dt.date
    end: dt.date

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start.year:04d}-{self.start.month:02d}"
        return f"{self.start.year:04d}Q{(self.start.month - 1) // 3 + 1}"

    def begun(self, today: dt.date) -> bool:
        return today >= self.start

    def ended(self, today: dt.date) -> bool:
        return today > self.end

    def as_json(self) -> dict[str, Any]:
        return {"period": self.key, "kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


def month_of(day: dt.date) -> Period:
    start = day.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return Period("month", start, following - dt.timedelta(days=1))


def quarter_of(day: dt.date) -> Period:
    first = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first, 1)
    last = month_of(dt.date(day.year, first + 2, 1))
    return Period("quarter", start, last.end)


_MONTH = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
_QUARTER = re.compile(r"^\s*(\d{4})\s*[-/ 年]?\s*(?:q|Q|第)\s*([1-4])\s*(?:季度?)?\s*$")


def parse_period(month: str | None, quarter: str | None, today: dt.date) -> Period:
    """The period `--month` or `--quarter` names (neither: this month). A month is 2026-12 (or 2026年12月) or any
    date of it as sd reads dates (today, +1m, 2026-12-15 …); a quarter is 2026Q4 (or 2026-Q4, 2026年第4季度) or any
    date of it. Both at once: BadInput."""
    from salesdiary.core.dates import parse_date

    if month is not None and quarter is not None:
        raise BadInput(_("Name a month or a quarter, not both (--month or --quarter)."))
    if quarter is not None:
        found = _QUARTER.match(quarter)
        if found:
            year, q = int(found.group(1)), int(found.group(2))
            return quarter_of(dt.date(year, 3 * q - 2, 1))
        return quarter_of(_date_of(quarter, "--quarter", today, parse_date, _("a quarter like 2026Q4")))
    if month is not None:
        found = _MONTH.match(month)
        if found:
            year, m = int(found.group(1)), int(found.group(2))
            if not 1 <= m <= 12 or year < 1:
                raise BadInput(_("--month: {value!r} is not a month like 2026-12.").format(value=month.strip()[:40]))
            return month_of(dt.date(year, m, 1))
        return month_of(_date_of(month, "--month", today, parse_date, _("a month like 2026-12")))
    return month_of(today)


def _date_of(text: str, option: str, today: dt.date, parse: Callable[[str, dt.date], dt.date], shape: str) -> dt.date:
    try:
        return parse(text, today)
    except BadInput:
        raise BadInput(
            _("{option}: {value!r} is neither {shape} nor a date.").format(
                option=option, value=text.strip()[:40], shape=shape
            )
        ) from None


# --- categories ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """From which stage probability (percent) an open deal is forecast as commit, as best case (config)."""

    commit_from: float = DEFAULT_COMMIT_FROM
    best_case_from: float = DEFAULT_BEST_CASE_FROM

    def category(self, probability: float) -> str:
        """The category the stage's PROBABILITY gives a deal whose rep has not chosen one."""
        if probability >= self.commit_from:
            return "commit"
        if probability >= self.best_case_from:
            return "best_case"
        return "pipeline"


def thresholds(get: Callable[[str, Any], Any]) -> Thresholds:
    """The config's forecast thresholds (GET is store.paths.config_value), each a number from 0 to 100 and best
    case at most commit, else BadInput."""
    values = {}
    for key, default in (
        ("forecast.commit_from", DEFAULT_COMMIT_FROM),
        ("forecast.best_case_from", DEFAULT_BEST_CASE_FROM),
    ):
        value = get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise BadInput(
                _("Config {key} must be a number from 0 to 100 (a stage probability in percent).").format(key=key)
            )
        values[key] = float(value)
    commit, best = values["forecast.commit_from"], values["forecast.best_case_from"]
    if best > commit:
        raise BadInput(
            _("Config forecast.best_case_from ({best:g}) must not be above forecast.commit_from ({commit:g}).").format(
                best=best, commit=commit
            )
        )
    return Thresholds(commit, best)


# --- figures -----------------------------------------------------------------------------------------------

Probability = Callable[[str | None, str | None], tuple[int, str]]  # (playbook, stage) → (percent, "3. 客户分析")


@dataclass(frozen=True)
class ForecastInput:
    """What the forecast is computed from: the store's rows and the rules that apply to them."""

    period: Period
    today: dt.date
    deals: list[dict[str, Any]]  # open deals expected in the period, deals won or lost in it (store rows)
    moved_out: list[dict[str, Any]]  # open deals a snapshot of the period expected in it, now expected after it
    snapshots: list[dict[str, Any]]  # the period's snapshot rows
    probability: Probability
    thresholds: Thresholds
    rates: Any  # core.currency.Rates


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def _add(sums: dict[str, float], code: str | None, value: float | None) -> None:
    if value is None:
        return
    key = code or "CNY"
    sums[key] = sums.get(key, 0.0) + float(value)


def snapshot_rows(deals: Iterable[Mapping[str, Any]], probability: Probability, th: Thresholds) -> list[dict[str, Any]]:
    """The rows a snapshot keeps of a period's DEALS (store rows): each open deal with its probability and
    category, each deal won so far with the category "won"; lost deals are not kept (they forecast nothing)."""
    out = []
    for d in deals:
        if d["status"] not in ("open", "won"):
            continue
        percent, _label = probability(d["playbook"], d["stage"])
        won = d["status"] == "won"
        out.append(
            {
                "deal_id": int(d["id"]),
                "name": d["name"],
                "status": d["status"],
                "stage": d["stage"],
                "probability": 100 if won else percent,
                "category": "won" if won else (d["forecast_category"] or th.category(percent)),
                "amount": None if d["amount"] is None else float(d["amount"]),
                "currency": d["currency"] or "CNY",
                "expected_close": _day(d["expected_close"]),
                "owner": d["owner"],
            }
        )
    return out


def forecast_sums(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """The three forecasts of snapshot-shaped ROWS (snapshot_rows), per currency: weighted, commit, best case."""
    sums: dict[str, dict[str, float]] = {k: {} for k in FORECASTS}
    for row in rows:
        code, amount, category = row["currency"], row["amount"], row["category"]
        if amount is None or category == "omit":
            continue
        if category == "won":
            for k in FORECASTS:
                _add(sums[k], code, amount)
            continue
        _add(sums["weighted"], code, float(amount) * float(row["probability"]) / 100.0)
        if category == "commit":
            _add(sums["commit"], code, amount)
        if category in ("commit", "best_case"):
            _add(sums["best_case"], code, amount)
    return sums


def accuracy(won: float | None, forecast: float | None) -> float | None:
    """Won ÷ forecast in percent (one decimal); None when either is unknown or nothing was forecast."""
    if won is None or forecast is None or forecast == 0:
        return None
    return round(100.0 * won / forecast, 1)


def forecast_figures(q: ForecastInput) -> dict[str, Any]:
    """The forecast for programs and people (`sd forecast --json`); see this module's docstring."""
    from salesdiary.core import currency
    from salesdiary.core.enums import FORECAST_CATEGORY

    period, today = q.period, q.today
    ended = period.ended(today)
    open_rows = [d for d in q.deals if d["status"] == "open"]
    closed = [d for d in q.deals if d["status"] in ("won", "lost")]
    codes = {d["currency"] or "CNY" for d in q.deals} | {d["currency"] or "CNY" for d in q.moved_out}
    codes |= {s["currency"] or "CNY" for s in q.snapshots}
    plan = currency.plan(codes, q.rates)

    deals = []
    per: dict[str, dict[str, float]] = {k: {} for k in ("amount", "weighted", "commit", "best_case", "pipeline")}
    for d in open_rows:
        percent, label = q.probability(d["playbook"], d["stage"])
        chosen = d["forecast_category"]
        category = chosen or q.thresholds.category(percent)
        amount = None if d["amount"] is None else float(d["amount"])
        weighted = None if amount is None else round(amount * percent / 100.0, 2)
        if category != "omit":
            _add(per["amount"], d["currency"], amount)
            _add(per["weighted"], d["currency"], weighted)
            _add(per[category], d["currency"], amount)
        deals.append(
            {
                "id": int(d["id"]),
                "name": d["name"],
                "account": d["account"],
                "owner": d["owner"],
                "stage": d["stage"],
                "stage_label": label,
                "probability": percent,
                "amount": amount,
                "currency": d["currency"] or "CNY",
                "weighted": weighted,
                "category": category,
                "category_label": FORECAST_CATEGORY.label(category),
                "category_chosen": chosen is not None,
                "expected_close": _day(d["expected_close"]),
            }
        )
    won: dict[str, float] = {}
    lost: dict[str, float] = {}
    closed_out = []
    for d in closed:
        amount = None if d["amount"] is None else float(d["amount"])
        _add(won if d["status"] == "won" else lost, d["currency"], amount)
        closed_out.append(
            {
                "id": int(d["id"]),
                "name": d["name"],
                "account": d["account"],
                "owner": d["owner"],
                "status": d["status"],
                "amount": amount,
                "currency": d["currency"] or "CNY",
                "closed_on": _day(d["closed_on"]),
            }
        )
    slipped = [_slipped(d, "moved") for d in q.moved_out]
    if ended:
        slipped += [_slipped(d, "still_open") for d in open_rows]
    forecast = {k: dict(won) for k in FORECASTS}
    for k in FORECASTS:
        more = per["weighted"] if k == "weighted" else per["commit"]
        for code, value in more.items():
            forecast[k][code] = forecast[k].get(code, 0.0) + value
        if k == "best_case":
            for code, value in per["best_case"].items():
                forecast[k][code] = forecast[k].get(code, 0.0) + value

    def money(name: str, sums: Mapping[str, float]) -> dict[str, Any]:
        return {name: plan.total(sums), f"{name}_by_currency": currency.per_currency(sums)}

    totals = {
        "deals": len(deals),
        **money("amount", per["amount"]),
        **money("weighted", per["weighted"]),
        **money("commit", per["commit"]),
        **money("best_case", per["best_case"]),
        **money("pipeline", per["pipeline"]),
        "won_deals": sum(1 for d in closed if d["status"] == "won"),
        **money("won", won),
        "lost_deals": sum(1 for d in closed if d["status"] == "lost"),
        **money("lost", lost),
    }
    data: dict[str, Any] = {
        **period.as_json(),
        "today": today.isoformat(),
        "begun": period.begun(today),
        "ended": ended,
        "thresholds": {"commit_from": q.thresholds.commit_from, "best_case_from": q.thresholds.best_case_from},
        **plan.describe(),
        "deals": deals,
        "totals": totals,
        "forecast": {k: plan.total(v) for k, v in forecast.items()},
        "forecast_by_currency": {k: currency.per_currency(v) for k, v in forecast.items()},
        "closed": closed_out,
        "slipped": slipped,
        "snapshots": snapshot_history(q.snapshots, won, plan) if period.begun(today) else [],
    }
    return data


def _slipped(d: Mapping[str, Any], why: str) -> dict[str, Any]:
    return {
        "id": int(d["id"]),
        "name": d["name"],
        "account": d["account"],
        "owner": d["owner"],
        "amount": None if d["amount"] is None else float(d["amount"]),
        "currency": d["currency"] or "CNY",
        "expected_close": _day(d["expected_close"]),
        "why": why,  # moved: now expected after the period; still_open: open when the period ended
    }


def snapshot_history(rows: Iterable[Mapping[str, Any]], won: Mapping[str, float], plan: Any) -> list[dict[str, Any]]:
    """Each snapshot of the period (rows grouped by the day taken, oldest first): its three forecasts beside what
    was won in the period, and the accuracy of each (won ÷ forecast, percent; per currency when no plain total)."""
    from salesdiary.core import currency

    by_day: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(_day(row["taken_on"]) or "", []).append(row)
    out = []
    for day in sorted(by_day):
        kept = by_day[day]
        sums = forecast_sums(kept)
        won_total = plan.total(won)
        item: dict[str, Any] = {"taken_on": day, "deals": sum(1 for r in kept if r["category"] != "won")}
        for k in FORECASTS:
            item[k] = plan.total(sums[k])
            item[f"{k}_by_currency"] = currency.per_currency(sums[k])
        item["won"] = won_total
        item["won_by_currency"] = currency.per_currency(won)
        item["accuracy"] = {k: accuracy(won_total, item[k]) for k in FORECASTS}
        item["accuracy_by_currency"] = {
            code: {k: accuracy(won.get(code, 0.0), sums[k].get(code)) for k in FORECASTS}
            for code in sorted(set(won) | {c for s in sums.values() for c in s})
        }
        out.append(item)
    return out
