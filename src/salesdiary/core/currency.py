"""Currencies: amounts in different currencies are never added together.

A report's sums come from the database one per currency (GROUP BY currency); this module folds those per-currency
figures into what a report shows. One currency present: its sum, as before. Several: a sum per currency and no
plain total, unless the config names rates to a base currency:

    [currency]
    base = "CNY"            # also the currency of new deals
    [currency.rates]        # how many of the base one unit is worth
    USD = 7.1

Then the totals are converted at those rates and the report says so. A plain `currency = "USD"` (a string) stays
what it was: the currency of new deals, with no conversion.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from salesdiary.core.errors import BadInput
from salesdiary.i18n import _

Getter = Callable[[str, Any], Any]

_CODE = re.compile(r"^[A-Z]{3}$")
DEFAULT = "CNY"


@dataclass(frozen=True)
class Rates:
    """The configured base currency and the rates to it (empty: no conversion)."""

    base: str = DEFAULT
    rates: Mapping[str, float] = field(default_factory=dict)

    @property
    def converts(self) -> bool:
        return bool(self.rates)

    def rate(self, code: str) -> float | None:
        """How many of the base currency one unit of CODE is worth (None: no rate)."""
        if code == self.base:
            return 1.0
        return self.rates.get(code)


def _code(value: Any, key: str) -> str:
    code = str(value).strip().upper() if isinstance(value, str) else ""
    if not _CODE.match(code):
        raise BadInput(_("Config {key} must be a three-letter currency code like CNY or USD.").format(key=key))
    return code


def rates(get: Getter) -> Rates:
    """The [currency] table of the config (GET is store.paths.config_value): base and rates, checked."""
    node = get("currency", None)
    if not isinstance(node, dict):
        return Rates(base=default_currency(get))
    base = _code(node.get("base", DEFAULT), "currency.base")
    table = node.get("rates") or {}
    if not isinstance(table, dict):
        raise BadInput(_("Config currency.rates must be a table of CODE = rate, e.g. USD = 7.1."))
    out: dict[str, float] = {}
    for raw, value in table.items():
        code = _code(raw, f"currency.rates.{raw}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise BadInput(_("Config currency.rates.{code} must be a number above zero.").format(code=code))
        out[code] = float(value)
    return Rates(base=base, rates=out)


def default_currency(get: Getter) -> str:
    """The currency of new deals: config `currency = "USD"`, or the base of a [currency] table, else CNY."""
    node = get("currency", None)
    if isinstance(node, dict):
        node = node.get("base", DEFAULT)
    return str(node) if node else DEFAULT


@dataclass(frozen=True)
class Plan:
    """How a report states money: the currencies present, and whether totals are converted (and to what)."""

    currencies: tuple[str, ...]
    rates: Rates

    @property
    def mixed(self) -> bool:
        return len(self.currencies) > 1

    @property
    def missing(self) -> tuple[str, ...]:
        """Currencies present that have no configured rate (conversion needs every one)."""
        return tuple(c for c in self.currencies if self.rates.rate(c) is None)

    @property
    def converted(self) -> bool:
        return self.mixed and self.rates.converts and not self.missing

    @property
    def currency(self) -> str | None:
        """The currency of the plain totals: the only one, the base when converted, else None (mixed)."""
        if self.converted:
            return self.rates.base
        if len(self.currencies) == 1:
            return self.currencies[0]
        return None if self.mixed else self.rates.base

    def total(self, per: Mapping[str, float]) -> float | None:
        """The plain total of PER ({code: value}): the one currency's value, the converted sum, or None."""
        if not per:
            return 0.0
        if self.converted:
            return round(sum(v * (self.rates.rate(c) or 0.0) for c, v in per.items()), 2)
        if self.mixed:
            return None
        return round(sum(per.values()), 2)

    def describe(self) -> dict[str, Any]:
        """The JSON keys every report with money carries."""
        return {
            "currency": self.currency,
            "currencies": list(self.currencies),
            "converted": self.converted,
            "rates": {c: self.rates.rate(c) for c in self.currencies} if self.converted else None,
            "currency_note": self.note(),
        }

    def note(self) -> str | None:
        """The line a document adds under its tables when the money needs one."""
        if self.converted:
            shown = ", ".join(f"{c} {_number(self.rates.rate(c))}" for c in self.currencies if c != self.rates.base)
            return _("Totals in {base}, converted at the configured rates ({rates}).").format(
                base=self.rates.base, rates=shown
            )
        if self.mixed:
            if self.rates.converts and self.missing:
                return _(
                    "Amounts in {currencies} are shown apart, never added: no rate for {missing} in [currency.rates]."
                ).format(currencies=", ".join(self.currencies), missing=", ".join(self.missing))
            return _(
                "Amounts in {currencies} are shown apart, never added (to convert, name rates in the config: "
                "[currency.rates])."
            ).format(currencies=", ".join(self.currencies))
        return None


def plan(codes: Iterable[str | None], rules: Rates) -> Plan:
    return Plan(tuple(sorted({c or DEFAULT for c in codes})), rules)


def per_currency(per: Mapping[str, float]) -> dict[str, float]:
    """A {code: value} map for JSON: sorted, rounded to the cent."""
    return {c: round(float(per[c]), 2) for c in sorted(per)}


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"
