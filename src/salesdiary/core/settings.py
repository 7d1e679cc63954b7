"""The config file's settings: every key, its type, allowed values or range, default and meaning, in one place.

One schema serves every reader of the config: the loader checks the whole file against it once (a file of
the wrong shape stops every command the same way, exit 2, naming the file, the key and what it must be),
`sd config set/get/unset` check keys and values with it, `sd config show` and completion list its keys,
and `sd doctor` reports what it finds. The rules that use a threshold (core/health, core/collection, the
reports) still take it through a getter; the schema only makes sure that what they get has the right type.

Pure and cheap to import (it is on every command's path): the few allowed-value lists that live with their
rule (buying roles, health rule keys) are looked up only when a file sets those keys.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from salesdiary.core.dates import DATE_ORDERS
from salesdiary.core.errors import BadConfig
from salesdiary.i18n import N_, _

DEFAULT_MAP_ROLES = ("decision_maker", "influencer", "gatekeeper", "user", "purchaser", "evaluator")
MAX_DAYS = 3650  # ten years: a threshold in days above this is a typo
MAX_COUNT = 1000  # visits, backups, stage numbers


def _roles() -> Sequence[str]:
    from salesdiary.core.enums import ROLE

    return ROLE.keys


def _rules() -> Sequence[str]:
    from salesdiary.core.health import RULES

    return list(RULES)


def _language(value: str) -> str | None:
    from salesdiary.i18n import normalise_language

    return normalise_language(value)


def _currency(value: str) -> str | None:
    return value.upper() if len(value) == 3 and value.isascii() and value.isalpha() else None


class Setting:
    """One key of the config file. (A plain class: a dataclass would cost ~1 ms of start-up to build.)"""

    __slots__ = ("key", "kind", "help", "default", "low", "high", "above", "choices", "reader", "shape", "by_stage")

    def __init__(
        self,
        key: str,
        kind: str,  # text | whole | number | choice | names (a list of names from `choices`)
        help: str,  # N_() text: what it means  # noqa: A002
        default: Any = None,  # a value, or a callable giving it (None: no default; the help says what applies)
        *,
        low: float | None = None,
        high: float | None = None,
        above: bool = False,  # the range excludes `low` (a number above zero)
        choices: tuple[str, ...] | Callable[[], Sequence[str]] | None = None,
        reader: Callable[[str], str | None] | None = None,  # text: the accepted form of a value, None if refused
        shape: str = "",  # N_() text: what a text value must look like (with `reader`)
        by_stage: bool = False,  # may also be a table by stage: { default = 30, tender_prepared = 14, 3 = 21 }
    ) -> None:
        self.key, self.kind, self.help, self.default = key, kind, help, default
        self.low, self.high, self.above, self.choices = low, high, above, choices
        self.reader, self.shape, self.by_stage = reader, shape, by_stage

    def allowed(self) -> tuple[str, ...]:
        if self.choices is None:
            return ()
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def expected(self) -> str:
        """What a value must be, in words ("a whole number from 1 to 3650")."""
        if self.kind in ("whole", "number"):
            what = _("a whole number") if self.kind == "whole" else _("a number")
            if self.high is not None:
                return _("{what} from {low} to {high}").format(what=what, low=_n(self.low), high=_n(self.high))
            if self.above:
                return _("{what} above {low}").format(what=what, low=_n(self.low))
            return _("{what} of at least {low}").format(what=what, low=_n(self.low))
        if self.kind == "choice":
            return _or(self.allowed())
        if self.kind == "names":
            return _("a list of names from: {names}").format(names=", ".join(self.allowed()))
        if self.kind == "rates":
            return _("a table of CODE = rate above zero, e.g. USD = 7.1")
        if self.kind == "seconds":
            return _('a number of seconds above 0 and at most 86400 (10 or "10s")')
        if self.shape:
            return _(self.shape)
        return _("text")

    def refuses(self, value: Any) -> bool:
        """Whether VALUE (as TOML gives it) is not a value of this setting."""
        if self.kind in ("whole", "number"):
            if isinstance(value, bool) or not isinstance(value, int if self.kind == "whole" else int | float):
                return True
            if not math.isfinite(value):
                return True
            low_ok = self.low is None or (value > self.low if self.above else value >= self.low)
            return not (low_ok and (self.high is None or value <= self.high))
        if self.kind == "seconds":  # 10, 2.5 or "10s": above 0, at most a day
            return _seconds(value) is None
        if self.kind == "rates":  # a table CODE = rate above zero
            return not isinstance(value, dict) or not all(
                _currency(str(code)) is not None
                and not isinstance(rate, bool)
                and isinstance(rate, int | float)
                and math.isfinite(rate)
                and rate > 0
                for code, rate in value.items()
            )
        if self.kind == "names":
            allowed = self.allowed()
            return not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value)
        if not isinstance(value, str) or not value.strip():
            return True
        if self.kind == "choice":
            return (self.reader(value) if self.reader else value) not in self.allowed()
        return self.reader is not None and self.reader(value) is None

    def parse(self, text: str, key: str | None = None) -> Any:
        """The value `sd config set KEY TEXT` writes (raises BadConfig naming KEY, default this setting's key,
        when it is refused)."""
        value: Any = text.strip()
        if self.kind == "whole":
            value = _int_or_text(value)
        elif self.kind in ("number", "seconds"):
            value = _number_or_text(value)
        elif self.kind == "names":
            value = [v for v in value.replace(",", " ").split() if v]
        elif self.kind == "choice":
            value = value.lower()
            if self.reader is not None and self.reader(value) is not None:
                value = self.reader(value)  # written as the setting spells it: zh-TW → zh
        elif self.reader is not None and self.reader(value) is not None:
            value = self.reader(value)
        if self.refuses(value):
            raise BadConfig(
                _("{key} must be {expected}, not {value}.").format(
                    key=key or self.key, expected=self.expected(), value=_shown(text)
                )
            )
        return value

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


def _health_default(name: str) -> Callable[[], Any]:
    def default() -> Any:
        from salesdiary.core import health

        return getattr(health.Thresholds(), name)

    return default


def _collection_default(name: str) -> Callable[[], Any]:
    def default() -> Any:
        from salesdiary.core import collection

        return getattr(collection.CollectionRules(), name)

    return default


def _days(key: str, help_: str, default: Any, **kw: Any) -> Setting:
    return Setting(key, "whole", help_, default, low=1, high=MAX_DAYS, **kw)


def _count(key: str, help_: str, default: Any) -> Setting:
    return Setting(key, "whole", help_, default, low=1, high=MAX_COUNT)


def _amount(key: str, help_: str, default: Any) -> Setting:
    return Setting(key, "number", help_, default, low=0)


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in (
        Setting(
            "language",
            "choice",
            N_("Language of messages: zh or en (default: from the system locale)."),
            choices=("zh", "en"),
            reader=_language,
        ),
        Setting("user.name", "text", N_("Your name as owner of new records (default: the OS user).")),
        Setting("database.url", "text", N_("An SQLAlchemy URL for a shared database (e.g. PostgreSQL).")),
        Setting(
            "database.lock_timeout",
            "seconds",
            N_("Seconds a write waits for a lock another session holds (default 10)."),
            10,
        ),
        Setting(
            "database.statement_timeout",
            "seconds",
            N_("Seconds one statement of a write may run on PostgreSQL (default 60)."),
            60,
        ),
        Setting("playbook", "text", N_("Default playbook for new deals: ten_step or six_step."), "ten_step"),
        Setting(
            "currency",
            "text",
            N_("Default currency of new deals."),
            "CNY",
            reader=_currency,
            shape=N_("a three-letter currency code like CNY or USD"),
        ),
        Setting(
            "currency.base",
            "text",
            N_("With [currency.rates]: the currency totals are converted to (and of new deals)."),
            reader=_currency,
            shape=N_("a three-letter currency code like CNY or USD"),
        ),
        Setting(
            "currency.rates",
            "rates",
            N_("How many of the base currency one unit of each other is worth, e.g. USD = 7.1."),
        ),
        _count("backup.keep", N_("How many automatic backups to keep."), 10),
        Setting(
            "dates.order",
            "choice",
            N_("How to read a slash date like 11/12: dmy, mdy or ymd (default: refuse an ambiguous one)."),
            choices=DATE_ORDERS,
        ),
        _days(
            "health.stale_days",
            N_("Days without a visit after which an open deal is stale (or a table by stage)."),
            _health_default("stale_days"),
            by_stage=True,
        ),
        _count(
            "health.coach_after_visits",
            N_("Visits after which a deal without a coach is flagged."),
            _health_default("coach_after_visits"),
        ),
        _count(
            "health.still_c_after_visits",
            N_("Visits after which a key person still at C is flagged."),
            _health_default("still_c_after_visits"),
        ),
        Setting(
            "health.key_roles",
            "names",
            N_("Buying roles that count as key people."),
            _health_default("key_roles"),
            choices=_roles,
        ),
        _amount(
            "health.analysis_meeting_amount",
            N_("Deal amount from which an analysis meeting is expected."),
            _health_default("analysis_meeting_amount"),
        ),
        _amount(
            "health.analysis_meeting_director_amount",
            N_("Deal amount from which a director attends the analysis meeting."),
            _health_default("analysis_meeting_director_amount"),
        ),
        Setting(
            "health.analysis_meeting_marker",
            "text",
            N_("The playbook marker that records the analysis meeting."),
            _health_default("analysis_meeting_marker"),
        ),
        _count(
            "health.decision_maker_by_stage",
            N_("Ten-step stage number by which the decision maker should be known (other playbooks: their [rules])."),
            _health_default("decision_maker_by_stage"),
        ),
        _count(
            "health.opponent_from_stage",
            N_("Ten-step stage number from which an opponent is a finding (other playbooks: their [rules])."),
            _health_default("opponent_from_stage"),
        ),
        _amount(
            "health.close_window_amount",
            N_("Deal amount from which the expected close should be within the close window."),
            _health_default("close_window_amount"),
        ),
        Setting(
            "health.close_window_min_months",
            "whole",
            N_("Fewest months from today to a large deal's expected close."),
            _health_default("close_window_min_months"),
            low=0,
            high=MAX_COUNT,
        ),
        _count(
            "health.close_window_max_months",
            N_("Most months from today to a large deal's expected close."),
            _health_default("close_window_max_months"),
        ),
        _count(
            "health.tech_exchanges_min",
            N_("Technical exchanges a deal needs before its solution is settled."),
            _health_default("tech_exchanges_min"),
        ),
        Setting(
            "health.analysis_meeting_director_marker",
            "text",
            N_("The playbook marker that records a director leading the analysis meeting."),
            _health_default("analysis_meeting_director_marker"),
        ),
        Setting(
            "health.paid_marker",
            "text",
            N_("The playbook marker that records the customer paying in full."),
            _health_default("paid_marker"),
        ),
        Setting(
            "health.written_needs_marker",
            "text",
            N_("The playbook marker that records the customer's needs in writing."),
            _health_default("written_needs_marker"),
        ),
        _days(
            "health.visit_cadence_a_days",
            N_("Days within which an account at company grade A should be visited."),
            _health_default("visit_cadence_a_days"),
        ),
        _days(
            "health.visit_cadence_b_days",
            N_("Days within which an account at company grade B should be visited."),
            _health_default("visit_cadence_b_days"),
        ),
        _days(
            "health.visit_cadence_c_days",
            N_("Days within which an account at company grade C should be visited."),
            _health_default("visit_cadence_c_days"),
        ),
        Setting(
            "health.week_plan_weekday",
            "whole",
            N_("Weekday by which next week's visit plan is due, 1 (Monday) to 7 (default 5, Friday)."),
            _health_default("week_plan_weekday"),
            low=1,
            high=7,
        ),
        Setting(
            "health.week_plan_time",
            "text",
            N_("Time of day by which next week's visit plan is due (default 17:30)."),
            _health_default("week_plan_time"),
        ),
        Setting(
            "health.month_plan_day",
            "whole",
            N_("Day of the month by which next month's visit plan is due (default 28)."),
            _health_default("month_plan_day"),
            low=1,
            high=28,
        ),
        Setting("health.disabled", "names", N_("Health rules that sd check skips."), [], choices=_rules),
        _days(
            "collection.long_days",
            N_("Days overdue from which a receivable is overdue for long."),
            _collection_default("long_days"),
        ),
        _amount(
            "collection.large_amount",
            N_("Outstanding amount from which a receivable is large."),
            _collection_default("large_amount"),
        ),
        Setting(
            "funnel.qualified_per_prospect",
            "number",
            N_("Qualified leads needed for one prospect (funnel ratios)."),
            15,
            low=0,
            above=True,
        ),
        Setting(
            "funnel.prospects_per_customer",
            "number",
            N_("Prospects needed for one customer (funnel ratios)."),
            3,
            low=0,
            above=True,
        ),
        Setting(
            "forecast.commit_from",
            "number",
            N_("Stage probability (percent) from which an open deal is forecast as commit (default 70)."),
            70,
            low=0,
            high=100,
        ),
        Setting(
            "forecast.best_case_from",
            "number",
            N_("Stage probability (percent) from which an open deal is forecast as best case (default 40)."),
            40,
            low=0,
            high=100,
        ),
        Setting(
            "map.roles",
            "names",
            N_("Buying roles the decision map asks about."),
            list(DEFAULT_MAP_ROLES),
            choices=_roles,
        ),
    )
}
SECTIONS = frozenset(key.rsplit(".", 1)[0] for key in SETTINGS if "." in key)


def find(key: str) -> tuple[Setting, str | None] | None:
    """The setting KEY names, and the stage when KEY is one entry of a table by stage
    (`health.stale_days.tender_prepared`); None when KEY is not a setting."""
    if key in SETTINGS:
        return SETTINGS[key], None
    parent, _dot, stage = key.rpartition(".")
    s = SETTINGS.get(parent)
    if s is not None and s.by_stage and stage:
        return s, stage
    return None


def known(key: str) -> Setting:
    """The setting KEY names, or BadConfig naming the closest keys."""
    found = find(key)
    if found is None:
        raise BadConfig(_unknown(key))
    return found[0]


StageKeys = Callable[[], Collection[str]]


def problems(data: Mapping[str, Any], stage_keys: StageKeys | None = None) -> list[str]:
    """What is wrong with a config file's contents (as tomllib read it), one sentence each; [] when nothing.
    STAGE_KEYS gives the stage keys of the playbooks in use, asked only when a table by stage is there (a stage
    named in such a table must be one of them, `default` or a stage number)."""
    out: list[str] = []
    _walk(data, "", out, stage_keys)
    return out


def check(data: Mapping[str, Any], path: object, stage_keys: StageKeys | None = None) -> None:
    """Raise BadConfig naming PATH, the key and what it must be, at the first problem of DATA."""
    found = problems(data, stage_keys)
    if found:
        raise BadConfig(_("Config file {path}: {problem}").format(path=path, problem=found[0]))


def _walk(node: Mapping[str, Any], prefix: str, out: list[str], stage_keys: StageKeys | None = None) -> None:
    for name, value in node.items():
        key = f"{prefix}{name}"
        s = SETTINGS.get(key)
        if s is not None and isinstance(value, dict) and key in SECTIONS and not s.by_stage:
            _walk(
                value, key + ".", out, stage_keys
            )  # `currency` is a code, or a section [currency] with base and rates
        elif s is not None:
            if s.by_stage and isinstance(value, dict):
                known = None
                for stage, days in value.items():
                    if s.refuses(days):
                        out.append(_wrong(f"{key}.{stage}", s, days))
                    elif stage != "default" and not str(stage).isdigit() and stage_keys is not None:
                        known = known if known is not None else set(stage_keys())
                        if known and stage not in known:
                            out.append(_unknown_stage(f"{key}.{stage}", str(stage), known))
            elif s.refuses(value):
                out.append(_wrong(key, s, value))
        elif key in SECTIONS:
            if isinstance(value, dict):
                _walk(value, key + ".", out, stage_keys)
            else:
                out.append(
                    _("{key} must be a section ([{key}]) of settings like {example}, not a value.").format(
                        key=key, example=next(k for k in SETTINGS if k.startswith(key + "."))
                    )
                )
        else:
            out.append(_unknown(key))


def _unknown_stage(key: str, stage: str, known: Collection[str]) -> str:
    import difflib

    close = difflib.get_close_matches(stage, sorted(known), n=3, cutoff=0.6)
    hint = _(" Did you mean {names}?").format(names=", ".join(close)) if close else ""
    return (
        _("{key}: no playbook has a stage {stage!r} (a stage key, a stage number or default).").format(
            key=key, stage=stage
        )
        + hint
    )


def _wrong(key: str, s: Setting, value: Any) -> str:
    if s.by_stage and not key.startswith(s.key + "."):
        return _(
            "{key} must be {expected} (or a table by stage like {{ default = 30, tender_prepared = 14 }}), not {value}."
        ).format(key=key, expected=s.expected(), value=_shown(value))
    return _("{key} must be {expected}, not {value}.").format(key=key, expected=s.expected(), value=_shown(value))


def _unknown(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(SETTINGS), n=1, cutoff=0.6)
    if close:
        return _("{key} is not a setting; did you mean {close}?").format(key=key, close=close[0])
    return _("{key} is not a setting (sd config show lists them).").format(key=key)


def _shown(value: Any) -> str:
    """A value as the file has it, short and safe to print."""
    if isinstance(value, str):
        text = '"' + "".join(c if c.isprintable() else repr(c)[1:-1] for c in value) + '"'
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = _("a table")
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _n(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _or(choices: Sequence[str]) -> str:
    if len(choices) == 2:
        return _("{a} or {b}").format(a=choices[0], b=choices[1])
    return _("one of: {choices}").format(choices=", ".join(choices))


def _seconds(value: Any) -> float | None:
    """A timeout as the config may give it (10, 2.5, "10s"), in seconds; None unless above 0 and at most a day."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().removesuffix("s"))
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value) or not 0 < value <= 86_400:
        return None
    return float(value)


def _int_or_text(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def _number_or_text(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
