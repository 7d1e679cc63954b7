"""Pipeline health: the rules `sd check` applies, their thresholds and the method's advice.

Pure: the thresholds come from a getter the caller passes (the CLI passes
`store.paths.config_value`), so this module reads no file itself. Each rule has a
stable key (used in JSON and in `health.disabled`), a bilingual name and the
suggested action taken from the books (Chinese as the book words it).

Config (all optional; the defaults are the books' values where the books give one)::

    [health]
    stale_days = 30                 # or a table: { default = 30, tender_prepared = 14, 3 = 21 }
    coach_after_visits = 3          # 《销售业务手册》§2.3.1.3: an insider within three visits
    still_c_after_visits = 5        # 《销售业务手册》§2.4.1: "after many visits" still at C
    key_roles = ["decision_maker", "influencer"]   # who counts as a key person (关键人)
    analysis_meeting_amount = 200000               # 《项目销售十步法》 step 4
    analysis_meeting_director_amount = 500000      # 《项目销售十步法》 step 4
    analysis_meeting_marker = "analysis_meeting"   # the playbook marker that records it
    decision_maker_by_stage = 3     # 《项目销售十步法》 step 3
    opponent_from_stage = 7         # 《项目销售十步法》 step 7
    visit_cadence_a_days = 14       # 《销售业务手册》§2.3.2.4: an account at A, B or C not visited for this many days
    visit_cadence_b_days = 14
    visit_cadence_c_days = 30
    week_plan_weekday = 5           # 《销售业务手册》§2.3.1.2: next week's visit plan by Friday (1 = Monday) …
    week_plan_time = "17:30"        # … 17:30
    month_plan_day = 28             # next month's by the 28th
    disabled = []                   # rule keys to skip
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesdiary.core.errors import BadInput
from salesdiary.core.text import Label
from salesdiary.core.validate import CONFIG_INT_MAX, MAX_AMOUNT
from salesdiary.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from salesdiary.core.playbook import Playbook, Stage

Getter = Callable[[str, Any], Any]
# a rule's finding builder: (its rows, Thresholds, stage_name, relationship_label) -> its findings, in row order
Builder = Callable[..., Iterator["Finding"]]

DEFAULT_STALE_DAYS = 30
DEFAULT_KEY_ROLES = ("decision_maker", "influencer")
# the settings that name a stage per playbook (a playbook's [rules] table; the config's number: ten-step's)
STAGE_SETTINGS = (
    "decision_maker_by_stage",
    "opponent_from_stage",
    "decision_chain_from_stage",
    "evaluation_from_stage",
    "close_window_stage",
    "competitors_from_stage",
    "deal_coach_from_stage",
    "tech_exchanges_from_stage",
    "key_person_dating_from_stage",
    "written_needs_by_stage",
)
TEN_STEP = "ten_step"  # the playbook whose stage numbers the config's numeric stage settings are
B_OR_BETTER = ("trusting", "allied")  # 《销售业务手册》: personal grade B = 信赖, A = 同盟 (DOMAIN.md)
COMPANY_B_OR_BETTER = ("B", "A")


@dataclass(frozen=True)
class Rule:
    """One health rule, defined once: its key (JSON, `health.disabled`, `--rule`), its name, the method's advice
    (zh as the book words it), the book and section it comes from as a person names them, which record it
    finds, the [health] settings it reads (their defaults and checks: Thresholds and thresholds()) and the
    builder that turns the rows its query finds (store/reads/health_queries.py, the part named after the key) into
    findings. `sd check` and the coach both read the rules from here."""

    key: str
    name: Label
    action: Label  # may hold {placeholders} filled from the thresholds
    source: Label
    entity: str  # deal | account
    settings: tuple[str, ...]  # the Thresholds fields (config keys health.NAME) the rule reads
    build: Builder

    def action_text(self, **values: Any) -> str:
        return str(self.action).format(**values) if values else str(self.action)


def _l(en: str, zh: str) -> Label:
    return Label(N_(en), zh)


def _ten(step: int) -> Label:
    """《项目销售十步法》, step STEP, as a person names it."""
    return Label(f"Ten-step method, step {step}", f"《项目销售十步法》第 {step} 步")


def _handbook(section: str) -> Label:
    """《销售业务手册》 §SECTION."""
    return Label(f"Sales handbook §{section}", f"《销售业务手册》§{section}")


def _six(step: int) -> Label:
    """《摧龙六式》, step STEP."""
    return Label(f"Six-step method, step {step}", f"《摧龙六式》第 {step} 式")


@dataclass(frozen=True)
class Thresholds:
    """Every number the rules use; the defaults are the books' values."""

    stale_days: int = DEFAULT_STALE_DAYS
    stale_days_by_stage: Mapping[str, int] = field(default_factory=dict)  # stage key or number → days
    coach_after_visits: int = 3
    still_c_after_visits: int = 5
    key_roles: tuple[str, ...] = DEFAULT_KEY_ROLES
    analysis_meeting_amount: float = 200_000
    analysis_meeting_director_amount: float = 500_000
    analysis_meeting_marker: str = "analysis_meeting"
    analysis_meeting_director_marker: str = "analysis_meeting_director"  # the meeting's leader was a director
    # stage numbers of the ten-step playbook from config (None: the playbook's [rules] table names the stage)
    decision_maker_by_stage: int | None = None
    opponent_from_stage: int | None = None
    close_window_amount: float = 300_000  # 《项目销售十步法》 step 2: a project of 300,000 or more …
    close_window_min_months: int = 1  # … closes 1 …
    close_window_max_months: int = 9  # … to 9 months out
    tech_exchanges_min: int = 3  # 《项目销售十步法》 step 5: "一个成熟的方案交流需要3～5次交流"
    written_needs_marker: str = "written_needs"  # 《摧龙六式》 stage 3's end marker: the customer's needs in writing
    paid_marker: str = "paid_in_full"  # 《摧龙六式》 stage 6's end marker: the customer has paid in full
    collection_long_days: int = 90  # [collection] (core/collection.py): the receivables matrix's cells
    collection_large_amount: float = 200_000
    # 001 §2.3.2.4 asks for visits at every grade (C: visit often; B: visit and call more often; A: meet
    # regularly) without a number of days: these are sd's, per company grade, in config
    visit_cadence_a_days: int = 14
    visit_cadence_b_days: int = 14
    visit_cadence_c_days: int = 30
    # 001 §2.3.1.2: next week's visit plan by Friday 17:30, next month's by the 28th
    week_plan_weekday: int = 5  # ISO weekday, 1 = Monday
    week_plan_time: str = "17:30"
    month_plan_day: int = 28
    disabled: tuple[str, ...] = ()
    # the amounts above are in this currency; a deal in another one is held to them at the rate the config names
    # ([currency.rates], core/currency.py), or by its own figure when there is none
    currency: str = "CNY"
    currency_rates: Mapping[str, float] = field(default_factory=dict)

    def in_base(self, amount: float, code: str | None) -> float:
        """AMOUNT in CODE as the thresholds' currency counts it."""
        if not code or code == self.currency:
            return amount
        return amount * self.currency_rates.get(code, 1.0)

    def stale_days_for(self, stage_key: str, stage_number: int) -> int:
        """Days without a visit after which a deal in this stage is stale."""
        for k in (stage_key, str(stage_number)):
            if k in self.stale_days_by_stage:
                return self.stale_days_by_stage[k]
        return self.stale_days

    def stage_from(self, setting: str, book: Playbook) -> Stage | None:
        """The stage of BOOK from which the rule SETTING names applies (`opponent_from_stage` …): the config's
        number for the ten-step playbook (the setting was one number before playbooks named stages), else the
        stage the playbook's [rules] table names; None: the rule does not apply to BOOK's deals."""
        number = getattr(self, setting, None)
        if isinstance(number, int) and book.name == TEN_STEP:
            return next((s for s in book.stages if s.number == number), None)
        return book.rule_stage(setting)

    def stages_from(self, setting: str, books: Sequence[Playbook]) -> dict[str, str]:
        """Playbook name → the key of the stage from which the rule SETTING names applies (stage_from)."""
        return {book.name: stage.key for book in books if (stage := self.stage_from(setting, book)) is not None}

    def close_window(self, today: dt.date) -> tuple[str, str]:
        """The ISO dates from which to which a large project's expected close is within the window (close_window)."""
        return (
            _months_after(today, self.close_window_min_months).isoformat(),
            _months_after(today, self.close_window_max_months).isoformat(),
        )

    def cadence_cutoffs(self, today: dt.date) -> dict[str, str]:
        """Company grade → the ISO date before which no visit (and no account added) breaks its cadence."""
        days = {"A": self.visit_cadence_a_days, "B": self.visit_cadence_b_days, "C": self.visit_cadence_c_days}
        return {grade: (today - dt.timedelta(days=n)).isoformat() for grade, n in days.items()}

    def plan_periods(self, moment: dt.datetime) -> list[tuple[str, dt.date, dt.date]]:
        """The periods whose visit plan is due by MOMENT (plan_missing): ("week", Monday, Sunday) of next week
        from the weekly deadline to the week's end, ("month", first, last day) of next month from the monthly
        deadline day to the month's end."""
        import calendar

        out = []
        day, weekday = moment.date(), moment.isoweekday()
        hour, minute = (int(part) for part in self.week_plan_time.split(":"))
        if weekday > self.week_plan_weekday or (
            weekday == self.week_plan_weekday and moment.time() >= dt.time(hour, minute)
        ):
            monday = day + dt.timedelta(days=8 - weekday)
            out.append(("week", monday, monday + dt.timedelta(days=6)))
        if day.day >= self.month_plan_day:
            first = _months_after(day.replace(day=1), 1)
            out.append(("month", first, first.replace(day=calendar.monthrange(first.year, first.month)[1])))
        return out

    def enabled(self, rule: str) -> bool:
        return rule not in self.disabled


def _months_after(day: dt.date, months: int) -> dt.date:
    """DAY, MONTHS calendar months later (the 31st becomes the month's last day when it has fewer)."""
    import calendar

    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _bad(key: str, what: str) -> BadInput:
    return BadInput(_("Config health.{key} must be {what}.").format(key=key, what=what))


def _int(get: Getter, key: str, default: int, minimum: int = 0) -> int:
    return _whole(key, get(f"health.{key}", default), minimum)


def _whole(key: str, value: Any, minimum: int) -> int:
    """VALUE if a whole number from MINIMUM to CONFIG_INT_MAX (days, visits, stage numbers: a larger one is a
    typo, and would overflow date arithmetic and SQLite's integers)."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= CONFIG_INT_MAX:
        raise _bad(key, _("a whole number from {low} to {high}").format(low=minimum, high=CONFIG_INT_MAX))
    return value


def _stage_number(get: Getter, key: str) -> int | None:
    """A stage number of the ten-step playbook from config, or None when the config sets none."""
    value = get(f"health.{key}", None)
    return None if value is None else _whole(key, value, 1)


def _amount(get: Getter, key: str, default: float) -> float:
    value = get(f"health.{key}", default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_AMOUNT:  # nan too
        raise _bad(key, _("a non-negative amount"))
    return float(value)


def _strings(get: Getter, key: str, default: Sequence[str]) -> tuple[str, ...]:
    value = get(f"health.{key}", list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(key, _("a list of names"))
    return tuple(value)


def _weekday(get: Getter) -> int:
    value = get("health.week_plan_weekday", 5)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        raise _bad("week_plan_weekday", _("a weekday from 1 (Monday) to 7 (Sunday)"))
    return value


def _month_day(get: Getter) -> int:
    value = get("health.month_plan_day", 28)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 28:
        raise _bad("month_plan_day", _("a day of the month from 1 to 28"))
    return value


def _clock(get: Getter) -> str:
    value = get("health.week_plan_time", "17:30")
    parts = value.split(":") if isinstance(value, str) else []
    if not (
        len(parts) == 2
        and all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts)
        and int(parts[0]) < 24
        and int(parts[1]) < 60
    ):
        raise _bad("week_plan_time", _("a time of day like 17:30"))
    return str(value)


def thresholds(get: Getter) -> Thresholds:
    """The thresholds from config (via GET(dotted_key, default)), with the seeds' defaults."""
    from salesdiary.core import collection, currency

    conversion = currency.rates(get)
    matrix = collection.rules(get)
    raw_stale = get("health.stale_days", DEFAULT_STALE_DAYS)
    by_stage: dict[str, int] = {}
    if isinstance(raw_stale, dict):
        for k, v in raw_stale.items():
            by_stage[str(k)] = _whole(f"stale_days.{k}", v, 1)
        stale_default = by_stage.pop("default", DEFAULT_STALE_DAYS)
    else:
        stale_default = _int(get, "stale_days", DEFAULT_STALE_DAYS, 1)
    disabled = _strings(get, "disabled", ())
    unknown = [d for d in disabled if d not in RULES]
    if unknown:
        raise _bad("disabled", _("a list of rule keys ({keys})").format(keys=", ".join(RULES)))
    return Thresholds(
        stale_days=stale_default,
        stale_days_by_stage=by_stage,
        coach_after_visits=_int(get, "coach_after_visits", 3, 1),
        still_c_after_visits=_int(get, "still_c_after_visits", 5, 1),
        key_roles=_strings(get, "key_roles", DEFAULT_KEY_ROLES),
        analysis_meeting_amount=_amount(get, "analysis_meeting_amount", 200_000),
        analysis_meeting_director_amount=_amount(get, "analysis_meeting_director_amount", 500_000),
        analysis_meeting_marker=str(get("health.analysis_meeting_marker", "analysis_meeting")),
        analysis_meeting_director_marker=str(
            get("health.analysis_meeting_director_marker", "analysis_meeting_director")
        ),
        decision_maker_by_stage=_stage_number(get, "decision_maker_by_stage"),
        opponent_from_stage=_stage_number(get, "opponent_from_stage"),
        close_window_amount=_amount(get, "close_window_amount", 300_000),
        close_window_min_months=_int(get, "close_window_min_months", 1, 0),
        close_window_max_months=_int(get, "close_window_max_months", 9, 1),
        tech_exchanges_min=_int(get, "tech_exchanges_min", 3, 1),
        written_needs_marker=str(get("health.written_needs_marker", "written_needs")),
        paid_marker=str(get("health.paid_marker", "paid_in_full")),
        collection_long_days=matrix.long_days,
        collection_large_amount=matrix.large_amount,
        visit_cadence_a_days=_int(get, "visit_cadence_a_days", 14, 1),
        visit_cadence_b_days=_int(get, "visit_cadence_b_days", 14, 1),
        visit_cadence_c_days=_int(get, "visit_cadence_c_days", 30, 1),
        week_plan_weekday=_weekday(get),
        week_plan_time=_clock(get),
        month_plan_day=_month_day(get),
        disabled=disabled,
        currency=conversion.base,
        currency_rates=dict(conversion.rates),
    )


def stale_cutoffs(th: Thresholds, stages: Sequence[tuple[str, int]], today: dt.date) -> tuple[dict[str, str], str]:
    """Per stage (key, number): the date before which no visit means stale; and the default cutoff."""
    cutoffs = {key: (today - dt.timedelta(days=th.stale_days_for(key, number))).isoformat() for key, number in stages}
    return cutoffs, (today - dt.timedelta(days=th.stale_days)).isoformat()


@dataclass
class Finding:
    """One thing `sd check` found: which record, which rule, what is wrong, what to do."""

    rule: str
    entity: str  # deal | account
    record_id: int
    name: str
    account: str
    detail: str
    action: str
    facts: dict[str, Any] = field(default_factory=dict)
    rule_name: str = ""
    source: str = ""  # the rule's book and section, as a person names them

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_name": self.rule_name,
            "entity": self.entity,
            "id": self.record_id,
            "name": self.name,
            "account": self.account,
            "detail": self.detail,
            "action": self.action,
            "source": self.source,
            **self.facts,
        }


def rule_title(rule: str, th: Thresholds) -> str:
    """The rule's name in the current language, with its threshold filled in."""
    visits = {
        "no_coach": th.coach_after_visits,
        "still_at_c": th.still_c_after_visits,
        "few_tech_exchanges": th.tech_exchanges_min,
    }.get(rule)
    text = str(RULES[rule].name)
    return text.format(visits=visits) if visits is not None else text


def money(value: float | None) -> str:
    """An amount as people read it: 1,200,000 or 1,234.50."""
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


StageName = Callable[[str, str], str]  # (playbook, stage key) -> "3. 客户分析"


def _deal(rule: str, row: Mapping[str, Any], detail: str, action: str, **facts: Any) -> Finding:
    return Finding(rule, "deal", int(row["id"]), row["name"], row["account"], detail, action, dict(facts))


def _account(rule: str, row: Mapping[str, Any], detail: str, action: str, **facts: Any) -> Finding:
    return Finding(rule, "account", int(row["id"]), row["name"], row["name"], detail, action, dict(facts))


def build_findings(
    found: Mapping[str, Sequence[Mapping[str, Any]]],
    th: Thresholds,
    stage_name: StageName,
    relationship_label: Callable[[str | None], str],
    per_rule: int | None = None,
) -> list[Finding]:
    """Findings from the rows each rule's query returned (rules in their fixed order); with PER_RULE, only the
    first PER_RULE of each rule (the queries count them all: store/reads/health_queries.py). The rules run are those
    FOUND holds: the caller leaves out the disabled ones unless they were asked for by name."""
    from itertools import islice

    out: list[Finding] = []
    for rule in RULES:
        rows = found.get(rule)
        if not rows:
            continue
        title, source = rule_title(rule, th), str(RULES[rule].source)
        for finding in islice(RULES[rule].build(rows, th, stage_name, relationship_label), per_rule):
            finding.rule_name, finding.source = title, source
            out.append(finding)
    return out


def _no_next_step(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["no_next_step"].action_text()
    for r in rows:
        where = stage_name(r["playbook"], r["stage"])
        if r.get("next_step") and not r.get("next_step_date"):
            detail = _("{stage}: the next step has no date").format(stage=where)
        else:
            detail = _("{stage}: no next step").format(stage=where)
        yield _deal("no_next_step", r, detail, action, stage=r["stage"])


def _next_step_overdue(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["next_step_overdue"].action_text()
    for r in rows:
        late = ngettext("{n} day late", "{n} days late", int(r["days_late"])).format(n=r["days_late"])
        detail = _("{step}: due {date}, {late}").format(
            step=r["next_step"] or _("next step"), date=r["next_step_date"], late=late
        )
        yield _deal("next_step_overdue", r, detail, action, due=str(r["next_step_date"]), days_late=int(r["days_late"]))


def _stale_deal(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["stale_deal"].action_text()
    for r in rows:
        where = stage_name(r["playbook"], r["stage"])
        if r.get("last_visit"):
            detail = _("{stage}: no visit for {days} days (limit {limit})").format(
                stage=where, days=r["days_since_visit"], limit=r["limit_days"]
            )
        else:
            detail = _("{stage}: no visit yet, {days} days in the stage (limit {limit})").format(
                stage=where, days=r["days_in_stage"], limit=r["limit_days"]
            )
        yield _deal(
            "stale_deal",
            r,
            detail,
            action,
            last_visit=r.get("last_visit"),
            days_since_visit=r.get("days_since_visit"),
            days_in_stage=int(r["days_in_stage"]),
            limit_days=int(r["limit_days"]),
        )


def _no_coach(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["no_coach"].action_text()
    for r in rows:
        detail = ngettext(
            "{visits} visits, no coach among its {contacts} contact",
            "{visits} visits, no coach among its {contacts} contacts",
            int(r["contacts"]),
        ).format(visits=r["visits"], contacts=r["contacts"])
        yield _account("no_coach", r, detail, action, visits=int(r["visits"]), contacts=int(r["contacts"]))


def _prospect_below_b(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["prospect_below_b"].action_text()
    for r in rows:
        detail = _("company relationship {company}; best key person: {person}").format(
            company=r["relation"] or "-", person=rel(r["best_key_relationship"]) or _("none known")
        )
        yield _account(
            "prospect_below_b",
            r,
            detail,
            action,
            relation=r["relation"],
            best_key_relationship=r["best_key_relationship"],
        )


def _still_at_c(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["still_at_c"].action_text()
    for r in rows:
        detail = ngettext(
            "{visits} visit; company relationship {company}; best key person: {person}",
            "{visits} visits; company relationship {company}; best key person: {person}",
            int(r["visits"]),
        ).format(
            visits=r["visits"],
            company=r["relation"] or "C",
            person=rel(r["best_key_relationship"]) or _("none known"),
        )
        yield _account("still_at_c", r, detail, action, visits=int(r["visits"]), relation=r["relation"])


def _analysis_meeting(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["analysis_meeting"].action_text(
        amount=money(th.analysis_meeting_amount), director=money(th.analysis_meeting_director_amount)
    )
    for r in rows:
        amount = float(r["amount"])
        code = r.get("currency") or th.currency
        shown = money(amount) if code == th.currency else f"{money(amount)} {code}"  # not the thresholds' currency
        director_leads = th.in_base(amount, code) >= th.analysis_meeting_director_amount
        if director_leads:
            detail = _("{amount} at {stage}; to be led by a director").format(
                amount=shown, stage=stage_name(r["playbook"], r["stage"])
            )
        else:
            detail = _("{amount} at {stage}").format(amount=shown, stage=stage_name(r["playbook"], r["stage"]))
        yield _deal("analysis_meeting", r, detail, action, amount=amount, currency=code, director_leads=director_leads)


def _no_decision_maker(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["no_decision_maker"].action_text()
    for r in rows:
        detail = _("{stage}: no contact is the decision maker").format(stage=stage_name(r["playbook"], r["stage"]))
        yield _deal("no_decision_maker", r, detail, action, stage=r["stage"])


def _opponent_late(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["opponent_late"].action_text()
    by_deal: dict[int, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_deal.setdefault(int(r["id"]), []).append(r)
    for group in by_deal.values():
        r = group[0]
        people = ", ".join(g["contact"] + (f" ({g['title']})" if g.get("title") else "") for g in group)
        detail = _("{stage}: opposed by {people}").format(stage=stage_name(r["playbook"], r["stage"]), people=people)
        yield _deal("opponent_late", r, detail, action, opponents=[g["contact"] for g in group])


def _markers_unmet(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["markers_unmet"].action_text()
    by_deal: dict[int, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_deal.setdefault(int(r["id"]), []).append(r)
    for group in by_deal.values():
        r = group[0]
        unmet = sum(int(g["unmet"]) for g in group)
        numbers = ", ".join(str(g["passed_number"]) for g in group)
        detail = ngettext(
            "{n} required marker unmet in the stages it left ({stages})",
            "{n} required markers unmet in the stages it left ({stages})",
            unmet,
        ).format(n=unmet, stages=numbers)
        forced = [g for g in group if g.get("forced")]
        if forced:
            detail += "; " + "; ".join(
                _("stage {stage} passed by force: {reason}").format(
                    stage=g["passed_number"], reason=g.get("reason") or "-"
                )
                for g in forced
            )
        yield _deal(
            "markers_unmet",
            r,
            detail,
            action,
            unmet=unmet,
            stages=[{"stage": g["passed_stage"], "unmet": int(g["unmet"]), "forced": bool(g["forced"])} for g in group],
        )


def _people(group: Sequence[Mapping[str, Any]]) -> str:
    return ", ".join(g["contact"] + (f" ({g['title']})" if g.get("title") else "") for g in group)


def _decision_maker_against(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["decision_maker_against"].action_text()
    by_deal: dict[int, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_deal.setdefault(int(r["id"]), []).append(r)
    for group in by_deal.values():
        r = group[0]
        detail = _("{stage}: the decision maker is against us: {people}").format(
            stage=stage_name(r["playbook"], r["stage"]), people=_people(group)
        )
        yield _deal(
            "decision_maker_against",
            r,
            detail,
            action,
            people=[{"name": g["contact"], "stance": g["stance"]} for g in group],
        )


def _no_supporter_in_chain(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["no_supporter_in_chain"].action_text()
    for r in rows:
        sides = [
            side
            for side, lacks in (
                (_("the decision makers"), r.get("lacks_decision_maker")),
                (_("the evaluators"), r.get("lacks_evaluator")),
            )
            if lacks
        ]
        detail = _("{stage}: no coach or supporter among {sides}").format(
            stage=stage_name(r["playbook"], r["stage"]), sides=_(" or among ").join(sides)
        )
        yield _deal(
            "no_supporter_in_chain",
            r,
            detail,
            action,
            lacks_decision_maker=bool(r.get("lacks_decision_maker")),
            lacks_evaluator=bool(r.get("lacks_evaluator")),
        )


def _not_evaluated(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["not_evaluated"].action_text()
    for r in rows:
        detail = _("{stage}: none of the 20 questions answered").format(stage=stage_name(r["playbook"], r["stage"]))
        yield _deal("not_evaluated", r, detail, action, stage=r["stage"])


def _evaluation_blocks(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["evaluation_blocks"].action_text()
    verdict_label = {"not_real": _("not a real project yet"), "cannot_win": _("hard to win")}.get
    for r in rows:
        detail = _("{stage}: the 20 questions say “{verdict}”").format(
            stage=stage_name(r["playbook"], r["stage"]), verdict=verdict_label(r["verdict"], r["verdict"])
        )
        yield _deal("evaluation_blocks", r, detail, action, verdict=r["verdict"])


def _close_window(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["close_window"].action_text(
        amount=money(th.close_window_amount), low=th.close_window_min_months, high=th.close_window_max_months
    )
    for r in rows:
        close = r.get("expected_close")
        if close:
            detail = _("{stage}: expected to close {date}").format(
                stage=stage_name(r["playbook"], r["stage"]), date=str(close)[:10]
            )
        else:
            detail = _("{stage}: no expected close date").format(stage=stage_name(r["playbook"], r["stage"]))
        yield _deal(
            "close_window", r, detail, action, expected_close=str(close)[:10] if close else None, amount=r["amount"]
        )


def _competitors_unknown(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["competitors_unknown"].action_text()
    for r in rows:
        detail = _("{stage}: no competitor recorded").format(stage=stage_name(r["playbook"], r["stage"]))
        yield _deal("competitors_unknown", r, detail, action, stage=r["stage"])


def _no_coach_on_deal(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["no_coach_on_deal"].action_text()
    for r in rows:
        detail = _("{stage}: none of the deal's people is a coach").format(stage=stage_name(r["playbook"], r["stage"]))
        yield _deal("no_coach_on_deal", r, detail, action, stage=r["stage"])


def _few_tech_exchanges(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["few_tech_exchanges"].action_text(least=th.tech_exchanges_min)
    for r in rows:
        detail = ngettext(
            "{stage}: {n} technical exchange logged",
            "{stage}: {n} technical exchanges logged",
            int(r["tech_exchanges"]),
        ).format(stage=stage_name(r["playbook"], r["stage"]), n=r["tech_exchanges"])
        yield _deal("few_tech_exchanges", r, detail, action, tech_exchanges=int(r["tech_exchanges"]))


def _key_person_below_dating(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["key_person_below_dating"].action_text()
    for r in rows:
        detail = _("{stage}: best key person: {person}").format(
            stage=stage_name(r["playbook"], r["stage"]), person=rel(r.get("best_key_relationship")) or _("none known")
        )
        yield _deal("key_person_below_dating", r, detail, action, best_key_relationship=r.get("best_key_relationship"))


def _no_written_needs(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["no_written_needs"].action_text()
    for r in rows:
        detail = _("{stage}: the customer's needs are not recorded in writing").format(
            stage=stage_name(r["playbook"], r["stage"])
        )
        yield _deal("no_written_needs", r, detail, action, stage=r["stage"])


def _analysis_meeting_director(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["analysis_meeting_director"].action_text(director=money(th.analysis_meeting_director_amount))
    for r in rows:
        amount = float(r["amount"])
        code = r.get("currency") or th.currency
        shown = money(amount) if code == th.currency else f"{money(amount)} {code}"
        detail = _("{amount} at {stage}: the analysis meeting was not led by a director").format(
            amount=shown, stage=stage_name(r["playbook"], r["stage"])
        )
        yield _deal("analysis_meeting_director", r, detail, action, amount=amount, currency=code)


def _receivable_overdue(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    from salesdiary.core import collection

    matrix = collection.CollectionRules(long_days=th.collection_long_days, large_amount=th.collection_large_amount)
    for r in rows:
        overdue, late, count = float(r["overdue"]), int(r["days_overdue"]), int(r["overdue_count"])
        step = collection.action_for(late, overdue, matrix)
        detail = ngettext(
            "{n} receivable overdue: {amount} outstanding, {days} days late",
            "{n} receivables overdue: {amount} outstanding, up to {days} days late",
            count,
        ).format(n=count, amount=money(overdue), days=late)
        action = str(step.label) if step else RULES["receivable_overdue"].action_text()
        yield _deal(
            "receivable_overdue",
            r,
            detail,
            action,
            overdue=overdue,
            days_overdue=late,
            collection_action=step.key if step else None,
        )


def _paid_in_full_unpaid(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["paid_in_full_unpaid"].action_text()
    for r in rows:
        detail = _("marked paid in full, but {amount} is outstanding").format(amount=money(float(r["outstanding"])))
        yield _deal("paid_in_full_unpaid", r, detail, action, outstanding=float(r["outstanding"]))


def _info_stage_unmet(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    from salesdiary.core import enums

    action = RULES["info_stage_unmet"].action_text()
    for r in rows:
        lacks = []
        if not r.get("has_coach"):
            lacks.append(_("no insider among its people"))
        if not r.get("has_key_contact"):
            lacks.append(_("no key person with a phone or email"))
        if r["info_stage"] == "prospect" and not r.get("has_key_coach"):
            lacks.append(_("no key person developed into an insider"))
        stage = enums.INFO_STAGE.label(r["info_stage"])
        detail = _("marked {stage}: {lacks}").format(stage=stage, lacks="; ".join(lacks))
        yield _account(
            "info_stage_unmet",
            r,
            detail,
            action,
            info_stage=r["info_stage"],
            has_coach=bool(r.get("has_coach")),
            has_key_contact=bool(r.get("has_key_contact")),
            has_key_coach=bool(r.get("has_key_coach")),
        )


def _could_be_prospect(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["could_be_prospect"].action_text()
    for r in rows:
        detail = _("qualified; company relationship {company}; best key person: {person}").format(
            company=r["relation"], person=rel(r["best_key_relationship"])
        )
        yield _account(
            "could_be_prospect",
            r,
            detail,
            action,
            relation=r["relation"],
            best_key_relationship=r["best_key_relationship"],
        )


def _visit_cadence(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    limits = {"A": th.visit_cadence_a_days, "B": th.visit_cadence_b_days, "C": th.visit_cadence_c_days}
    for r in rows:
        limit = limits[r["relation"]]
        action = RULES["visit_cadence"].action_text(grade=r["relation"], days=limit)
        if r.get("last_visit"):
            detail = _("grade {grade}: last visit {date} (every {days} days at most)").format(
                grade=r["relation"], date=str(r["last_visit"])[:10], days=limit
            )
        else:
            detail = _("grade {grade}: no visit yet (every {days} days at most)").format(
                grade=r["relation"], days=limit
            )
        yield _account(
            "visit_cadence",
            r,
            detail,
            action,
            relation=r["relation"],
            last_visit=str(r["last_visit"])[:10] if r.get("last_visit") else None,
            cadence_days=limit,
        )


def _plan_missing(rows, th, stage_name, rel):  # noqa: ANN001, ANN202
    action = RULES["plan_missing"].action_text()
    for r in rows:
        name = _("Next week") if r["period"] == "week" else _("Next month")
        detail = _("{first} – {last}: no visit or follow-up planned").format(first=r["first"], last=r["last"])
        facts = {"period": r["period"], "first": r["first"], "last": r["last"]}
        yield Finding("plan_missing", "plan", 0, name, "", detail, action, facts)


RULES: dict[str, Rule] = {
    r.key: r
    for r in (
        Rule(
            "no_next_step",
            _l("No next step", "没有下一步"),
            _l(
                "Agree the next meeting with the customer and give it a date: every open deal needs one.",
                "约定下次会面，保持业务跟进的延续性：每个进行中的项目都要有带日期的下一步。",
            ),
            _handbook("2.3.1.3"),
            "deal",
            (),
            _no_next_step,
        ),
        Rule(
            "next_step_overdue",
            _l("Next step overdue", "下一步已逾期"),
            _l(
                "Do it today, or agree a new date with the customer and record it.",
                "今天完成，或与客户重新约定日期并记录下来。",
            ),
            _handbook("2.3.1.3"),
            "deal",
            (),
            _next_step_overdue,
        ),
        Rule(
            "stale_deal",
            _l("Stale deal", "项目停滞"),
            _l(
                "Visit again: visit often, and leave a topic for the next conversation each time.",
                "经常拜访，每次拜访交流，为下次交流留下话题。",
            ),
            _handbook("2.3.2.4"),
            "deal",
            ("stale_days",),
            _stale_deal,
        ),
        Rule(
            "no_coach",
            _l("No coach after {visits} visits", "拜访{visits}次仍无内线"),
            _l(
                "Ask your office manager for help: a rep develops an insider within three visits.",
                "销售工程师拜访三次必须发展一个内线人；如拜访3次以上无法达成目标，主动请求办事处经理协助。",
            ),
            _handbook("2.3.1.3"),
            "account",
            ("coach_after_visits",),
            _no_coach,
        ),
        Rule(
            "prospect_below_b",
            _l("Prospect without B relationships", "准客户关系未达B级"),
            _l(
                "An account is a prospect only when the company relationship and a key person's relationship "
                "both reach B; treat it as qualified until then.",
                "当与客户的关系和客户决策链关键人的关系都达到了“B”级，才进入漏斗中的准客户阶段。",
            ),
            _handbook("2.4.1"),
            "account",
            ("key_roles",),
            _prospect_below_b,
        ),
        Rule(
            "still_at_c",
            _l("Still at C after {visits} visits", "拜访{visits}次仍为C级"),
            _l(
                "Ask your office manager for support and analysis, then decide: change the key person, change "
                "the rep, or pause the project and only keep in touch.",
                "主动向办事处经理寻求协助支持和分析，做出下一步销售判断：变换关键人、变换销售工程师或中止项目销售，"
                "仅和客户保持日常关系维护。",
            ),
            _handbook("2.4.1"),
            "account",
            ("still_c_after_visits", "key_roles"),
            _still_at_c,
        ),
        Rule(
            "analysis_meeting",
            _l("No project analysis meeting", "未召开项目分析会"),
            _l(
                "Hold a project analysis meeting: advised for every project of {amount} or more, led by a "
                "director from {director}.",
                "对于所有{amount}元以上的项目都建议召开项目分析会，对于金额超过{director}元的项目，"
                "必须由总监牵头召开项目分析会。",
            ),
            _ten(4),
            "deal",
            ("analysis_meeting_amount", "analysis_meeting_director_amount", "analysis_meeting_marker"),
            _analysis_meeting,
        ),
        Rule(
            "analysis_meeting_director",
            _l("Analysis meeting not led by a director", "项目分析会未由总监牵头"),
            _l(
                "Hold the project analysis meeting again, led by a director: for projects over {director} a "
                "director must lead it, and senior management may join when necessary.",
                "对于金额超过{director}元的项目，必须由总监牵头召开项目分析会，必要时公司高层可以参加。",
            ),
            _ten(4),
            "deal",
            ("analysis_meeting_director_amount", "analysis_meeting_marker", "analysis_meeting_director_marker"),
            _analysis_meeting_director,
        ),
        Rule(
            "no_decision_maker",
            _l("No known decision maker", "尚未找到拍板者"),
            _l(
                "Find out who decides and visit them: make high-level contact with the decision maker and learn "
                "their view of the project.",
                "在这个阶段应适时直接拜访用户拍板者，做高层接触，了解用户拍板者对项目的看法和态度。",
            ),
            _ten(3),
            "deal",
            ("decision_maker_by_stage",),
            _no_decision_maker,
        ),
        Rule(
            "opponent_late",
            _l("Opponent in the decision chain", "决策链中有敌人"),
            _l(
                "Remove the threat: talk to them, have your coach guide them and bring in your executives, so "
                "they change their view or stay silent at the decisive moment.",
                "消除威胁者，通过与不喜欢我们产品和服务的客户沟通、导师引导、高层影响使其态度转变或者关键时刻保持沉默。",
            ),
            _ten(6),
            "deal",
            ("opponent_from_stage",),
            _opponent_late,
        ),
        Rule(
            "markers_unmet",
            _l("Advanced with required markers unmet", "必需进展标志未达成即推进"),
            _l(
                "Go back and secure the missing progress markers, or record why the stage was passed: the "
                "markers are the proof that a stage's goal was reached.",
                "补齐缺失的进展标志，或记录越过该阶段的原因：进展标志是阶段目标达成的证据。",
            ),
            _l("The playbook's progress markers", "打法的进展标志"),
            "deal",
            (),
            _markers_unmet,
        ),
        Rule(
            "decision_maker_against",
            _l("Decision maker against us", "拍板者不支持我方"),
            _l(
                "The final decision maker must be neither an opponent nor a non-supporter of ours by step 5: win "
                "them over through your coaches and your executives, or they will decide against you.",
                "拍板者不是我司的敌人或不支持者：通过导师引导、高层影响，争取拍板者转变态度。",
            ),
            _ten(5),
            "deal",
            ("decision_chain_from_stage",),
            _decision_maker_against,
        ),
        Rule(
            "no_supporter_in_chain",
            _l("No coach or supporter in the decision chain", "决策链中缺少导师或支持者"),
            _l(
                "Have at least one coach or supporter among the customer's decision makers and among its main "
                "evaluators; keep widening the circle of your coaches and supporters.",
                "可以确定我司在用户决策者和主要评估者中分别有至少一位导师或支持者；不断扩大我方的导师或者支持者队伍。",
            ),
            _ten(5),
            "deal",
            ("decision_chain_from_stage", "key_roles"),
            _no_supporter_in_chain,
        ),
        Rule(
            "not_evaluated",
            _l("The 20 questions not answered", "20个问题尚未回答"),
            _l(
                "Answer the 20 questions (sd qualify): is the project real, can it be ours, can we win it, is it "
                "worth winning? The method asks them before the deal goes further.",
                "回答20个问题（sd qualify）：项目是否真实？是否属于我们？我们能赢吗？值得赢吗？"
                "在继续推进项目之前先做评估。",
            ),
            _l("Key-account sales management, the 20 questions", "《大客户销售管理》二十个问题"),
            "deal",
            ("evaluation_from_stage",),
            _not_evaluated,
        ),
        Rule(
            "evaluation_blocks",
            _l("Advancing against the 20 questions", "评估结论不支持推进"),
            _l(
                "The 20 questions say the project is not real or cannot be won: confirm the need, the process and "
                "the money, or win support at the decision level, before you invest more.",
                "20个问题的评估结论是项目不真实或无法赢得：先确认需求、决策流程和资金，或在决策层赢得支持，再投入更多资源。",
            ),
            _l("Key-account sales management, the 20 questions", "《大客户销售管理》二十个问题"),
            "deal",
            ("evaluation_from_stage",),
            _evaluation_blocks,
        ),
        Rule(
            "close_window",
            _l("Close date outside the window", "采购时间不在判断范围内"),
            _l(
                "For projects of {amount} or more, treat the timing as workable when the purchase is between {low} "
                "and {high} months away: confirm the purchase time with the customer.",
                "建议{amount}元以上的项目判断时间为：{low}个月≤采购时间≤{high}个月；与客户确认采购时间。",
            ),
            _ten(2),
            "deal",
            ("close_window_stage", "close_window_amount", "close_window_min_months", "close_window_max_months"),
            _close_window,
        ),
        Rule(
            "competitors_unknown",
            _l("No known competitor", "竞争对手不明"),
            _l(
                "Identify the competitors: by customer analysis the method expects definite competitors, and a "
                "competitive strategy needs them.",
                "有明确的竞争对手：客户分析阶段应明确竞争对手，竞争策略以此为基础。",
            ),
            _ten(3),
            "deal",
            ("competitors_from_stage",),
            _competitors_unknown,
        ),
        Rule(
            "no_coach_on_deal",
            _l("No coach on the deal", "项目中没有导师"),
            _l(
                "Turn your point of entry into a coach as fast as you can, or at least a supporter; a visit about "
                "the deal with them makes them one of the deal's people.",
                "要用尽可能短的时间将突破点发展为导师，至少应为支持者。",
            ),
            _ten(3),
            "deal",
            ("deal_coach_from_stage",),
            _no_coach_on_deal,
        ),
        Rule(
            "few_tech_exchanges",
            _l("Fewer than {visits} technical exchanges", "技术交流少于{visits}次"),
            _l(
                "Hold more technical exchanges before the solution is settled: a mature solution takes 3 to 5 "
                "(at least {least} here).",
                "一个成熟的方案交流需要3～5次交流（此处至少{least}次）。",
            ),
            _ten(5),
            "deal",
            ("tech_exchanges_from_stage", "tech_exchanges_min"),
            _few_tech_exchanges,
        ),
        Rule(
            "key_person_below_dating",
            _l("No key person at meeting socially or better", "关键人关系未达约会"),
            _l(
                "Move a key person up the relationship ladder: this stage starts with relationships with the key "
                "people at meeting socially (约会) or beyond.",
                "与关键客户建立约会以上的客户关系。",
            ),
            _six(3),
            "deal",
            ("key_person_dating_from_stage", "key_roles"),
            _key_person_below_dating,
        ),
        Rule(
            "no_written_needs",
            _l("Needs not in writing", "未得到书面需求"),
            _l(
                "Get the customer's needs stated clearly, usually in writing, before you present value: it is "
                "the end of uncovering needs.",
                "得到客户明确的需求（通常是书面形式）：这是挖掘需求阶段的结束标志，呈现价值以此为基础。",
            ),
            _six(3),
            "deal",
            ("written_needs_by_stage", "written_needs_marker"),
            _no_written_needs,
        ),
        Rule(
            "receivable_overdue",
            _l("Receivable overdue", "应收账款逾期"),
            _l(
                "Collect it as the receivables matrix says: finance reminds when it is short and small, letters "
                "escalate when long, the rep visits when large, and a special arrangement when long and large.",
                "逾期时间短金额少的客户，财务正常催收；逾期时间长金额少的客户，升级信函催收层级；"
                "逾期时间短金额大的客户，销售人员上门催收；逾期时间长金额大的客户，销售人员应与公司协商采取特殊的收款方式。",
            ),
            _six(6),
            "deal",
            (),
            _receivable_overdue,
        ),
        Rule(
            "paid_in_full_unpaid",
            _l("Paid in full, but money outstanding", "已标记全部付款但仍有欠款"),
            _l(
                "Untick the paid-in-full marker, or record the payments: the customer has paid in full only when "
                "every receivable of the deal is paid.",
                "取消“客户支付全部账款”标志，或登记收款：项目的所有应收账款都已收回才算客户支付全部账款。",
            ),
            _six(6),
            "deal",
            ("paid_marker",),
            _paid_in_full_unpaid,
        ),
        Rule(
            "info_stage_unmet",
            _l("Information stage without its criteria", "信息阶段未达判断标准"),
            _l(
                "Check the account against the criteria table of its information stage: a qualified lead has an "
                "insider and known key people with their phone numbers; a prospect has people of the decision "
                "chain developed into insiders. Meet them, or set the stage back.",
                "对照客户进展阶段判断标准表评估客户信息：有效信息要已发展内线关系人、知晓客户决策链及关键人联系方式；"
                "准客户要已将决策链上的人发展成了内线关键人。补齐标准，或将信息阶段调回。",
            ),
            _handbook("2.1.3"),
            "account",
            ("key_roles",),
            _info_stage_unmet,
        ),
        Rule(
            "could_be_prospect",
            _l("Could be promoted to prospect", "可升为准客户"),
            _l(
                "The company relationship and a key person's relationship both reach B: mark the account a "
                "prospect, deepen both relationships and raise barriers to the competitors.",
                "当与客户的关系和客户决策链关键人的关系都达到了“B”级，则进入漏斗中的准客户阶段；"
                "应进一步加深与客户的公司关系和个人关系，并力求对竞争对手形成进入壁垒。",
            ),
            _handbook("2.4.1"),
            "account",
            ("key_roles",),
            _could_be_prospect,
        ),
        Rule(
            "visit_cadence",
            _l("Not visited within its grade's cadence", "未按关系级别定期拜访"),
            _l(
                "Visit the account: at grade {grade}, at least every {days} days. Visit often and leave a topic "
                "for the next conversation each time; at B, visit and call more often; at A, meet regularly.",
                "拜访该客户：{grade}级客户至少每{days}天一次。经常拜访，每次拜访交流，为下次交流留下话题；"
                "B级要加强拜访、联络频率；A级要定期聚会，保持感情。",
            ),
            _handbook("2.3.2.4"),
            "account",
            ("visit_cadence_a_days", "visit_cadence_b_days", "visit_cadence_c_days"),
            _visit_cadence,
        ),
        Rule(
            "plan_missing",
            _l("Visit plan missing", "未提交拜访计划"),
            _l(
                "Make the visit plan: next week's by Friday 5:30 pm, next month's by the 28th — plan the visits "
                "(sd visit add with their dates) or the follow-ups of the period.",
                "每周五下午5:30前提交下周周市场拜访计划表，每月28前提交下月月度市场拜访计划表：登记该期间的拜访或跟进事项。",
            ),
            _handbook("2.3.1.2"),
            "plan",
            ("week_plan_weekday", "week_plan_time", "month_plan_day"),
            _plan_missing,
        ),
    )
}
