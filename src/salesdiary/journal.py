"""salesdiary as a library: `Journal`, the one door to a journal for scripts and for `sd` itself.

    from salesdiary.journal import Journal

    with Journal.open("~/sales.sqlite") as j:          # a path: a SQLite file; a URL: PostgreSQL; None: as `sd`
        account = j.accounts.add("华东电力设计院", industry="energy")
        deal = j.deals.add(account, "14号线通信系统", amount=1_200_000)
        j.visits.add(account, deal=deal, summary="Met the chief engineer", follow_up="2026-12-01")
        print(j.funnel().totals["weighted"])

Reports (`funnel`, `due`, `check`) return small dataclasses; each holds exactly what `sd … --json` prints
(`as_json()`), and render/ draws the same object for people. Writes go through the same store functions as
the CLI, one transaction each, recorded as one changeset with a command such as "python: visits.add", so
`sd history` shows a script's writes and `sd undo` takes them back.

Records are named as on the command line: an id (int or "12") or a name (exact, a prefix, a part of it).
Errors are `salesdiary.core.errors.SdError` subclasses with a one-line `message` (NotFound, BadInput, Conflict).

Speed: importing this module costs nothing (everything is imported inside the methods), and the reports read
through the plain DB-API reader, so a script that only reads never loads SQLAlchemy on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from salesdiary.core.health import Finding
    from salesdiary.core.playbook import Playbook
    from salesdiary.store.connection import Reader
    from salesdiary.store.paths import Target
    from salesdiary.store.progress import Advanced
    from salesdiary.store.report_queries import Scope
    from salesdiary.store.tx import Tx

__all__ = ["CheckReport", "DueList", "FunnelReport", "Journal", "LoggedVisit"]

T = TypeVar("T")
Ref = int | str  # a record: its id, or its name as on the command line
Rows = list[dict[str, Any]]  # records as `sd … list --json` prints them (the nouns' `list` methods shadow `list`)


# --- what the reports return -------------------------------------------------------------------------------


@dataclass
class FunnelReport:
    """The open pipeline of one playbook by stage (`sd funnel`): deals, amount, weighted amount, days in stage,
    stale deals, conversion per stage, closed deals and, for a whole journal, the coverage forecast.

    `data` is the report as `sd funnel --json` prints it; the properties name its parts."""

    data: dict[str, Any]

    @property
    def stages(self) -> list[dict[str, Any]]:
        return list(self.data["stages"])

    @property
    def totals(self) -> dict[str, Any]:
        return dict(self.data["totals"])

    @property
    def closed(self) -> list[dict[str, Any]]:
        return list(self.data["closed"])

    @property
    def coverage(self) -> dict[str, Any] | None:
        return self.data.get("coverage")

    def as_json(self) -> dict[str, Any]:
        return self.data


@dataclass
class DueList:
    """Open follow-ups (`sd due`): overdue first (most days late, then largest deal), today's, then the next days.

    `counts` holds every section's size even when `items` was cut short by a limit."""

    data: dict[str, Any]

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self.data["items"])

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.data["counts"])

    def as_json(self) -> dict[str, Any]:
        return self.data


@dataclass
class CheckReport:
    """Pipeline health (`sd check`): the findings of each rule (at most `per_rule` each), how many each rule found
    in all (`counts`), how many rules ran, and warnings about playbooks that could not be loaded."""

    findings: list[Finding]
    counts: dict[str, int]
    rules: tuple[str, ...]
    per_rule: int | None
    warnings: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether any rule found something (shown or not): `sd check` then exits 1."""
        return any(self.counts.values())

    def as_json(self) -> list[dict[str, Any]]:
        return [f.as_json() for f in self.findings]


@dataclass
class LoggedVisit:
    """A visit logged: its id, and the follow-up its follow-up date made (None without one)."""

    id: int
    followup_id: int | None


# --- the journal -------------------------------------------------------------------------------------------


class Journal:
    """One journal (a SQLite file or a PostgreSQL database), opened for reading and writing.

    Open it with `Journal.open()`; close it with `close()` or a `with` block. Reads share one connection, opened
    on first use; each write is its own transaction."""

    def __init__(
        self,
        target: Target,
        *,
        command: str | None = "python",
        taken: Callable[[str, Any], None] | None = None,
        before_write: Callable[[], None] | None = None,
        on_query: Callable[[], None] | None = None,
    ) -> None:
        """TARGET: where the journal is (store/paths.py). COMMAND: how its writes are named in the history —
        "python" records "python: visits.add"; None records the running command line (what `sd` does).
        TAKEN: told of each close name match (what was typed, the record taken); BEFORE_WRITE: called before each
        write (`sd` says there which records a close name match took); ON_QUERY: called when a report's arguments
        are known to be good and its long queries start (`sd` gets its renderer ready then, in a thread, while the
        database works)."""
        self.target = target
        self._command = command
        self._taken = taken
        self._before_write = before_write
        self._on_query = on_query
        self._reader: Reader | None = None
        self.accounts = Accounts(self)
        self.deals = Deals(self)
        self.visits = Visits(self)

    @classmethod
    def open(cls, path_or_url: str | Path | None = None) -> Journal:
        """The journal at PATH_OR_URL: a path is a SQLite file (made when missing), a postgresql:// URL (or a
        libpq keyword DSN) a PostgreSQL database; None is the journal `sd` would use (SD_DATABASE_URL, SD_DB,
        the config's database.url, else the data folder's journal.sqlite)."""
        from salesdiary.store.paths import Target, resolve_target, target_from

        if path_or_url is None:
            target = resolve_target(None)
        elif isinstance(path_or_url, Path):
            target = Target(path=path_or_url.expanduser())
        else:
            target = target_from(str(path_or_url), where="Journal.open")
        return cls(target)

    @property
    def reader(self) -> Reader:
        """The read connection (opened, and the journal created or migrated, on first use)."""
        if self._reader is None:
            from salesdiary.store.connection import open_reader

            self._reader = open_reader(self.target)
        return self._reader

    def close(self) -> None:
        """Close the read connection (a write's connection is returned to its pool when the write ends)."""
        if self._reader is not None:
            reader, self._reader = self._reader, None
            close = getattr(reader, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def write(self, what: str, fn: Callable[[Tx], T]) -> T:
        """Run FN in one transaction, recorded as one changeset named after WHAT ("visits.add")."""
        from salesdiary.store.tx import run_write

        if self._before_write is not None:
            self._before_write()
        return run_write(self.target, fn, f"{self._command}: {what}" if self._command else None)

    def resolve(self, entity: str, ref: Ref, account_id: int | None = None) -> int:
        """The id of the ENTITY record REF names (an id, or a name as `sd` takes it), else NotFound."""
        from salesdiary.store.reads import resolve

        return resolve(self.reader, entity, str(ref), account_id=account_id, taken=self._taken)

    def scope(self, owner: str | None = None, account: Ref | None = None) -> Scope:
        """The records a report covers: OWNER (a rep's name, "me" or "all"; default: yours in a team database,
        everyone's in a journal of your own) and one ACCOUNT."""
        from salesdiary.store.report_queries import Scope
        from salesdiary.store.team import owner_filter

        r = self.reader
        narrowed = account is not None and account != ""
        return Scope(
            owner=owner_filter(r, owner, narrowed=narrowed),
            account_id=self.resolve("account", account) if narrowed else None,  # type: ignore[arg-type]
        )

    # --- reports -----------------------------------------------------------------------------------------

    def funnel(
        self,
        *,
        owner: str | None = None,
        playbook: str | None = None,
        account: Ref | None = None,
        since: dt.date | None = None,
        today: dt.date | None = None,
    ) -> FunnelReport:
        """The pipeline of PLAYBOOK (default: the config's) by stage; conversion, won and lost from SINCE."""
        from salesdiary.core import currency, health
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.funnel import (
            DEFAULT_PROSPECTS_PER_CUSTOMER,
            DEFAULT_QUALIFIED_PER_PROSPECT,
            coverage_ratio,
            funnel_figures,
        )
        from salesdiary.store import report_queries as rq
        from salesdiary.store.connection import open_siblings_early
        from salesdiary.store.paths import config_value

        book = configured_playbook(playbook)
        scope = self.scope(owner, account)
        rates = currency.rates(config_value)  # a bad [currency] table is an error before any work
        r = self.reader
        open_siblings_early(r, rq.FUNNEL_SIBLINGS)  # once the arguments are known to be good
        day = today or default_today()
        th = health.thresholds(config_value)
        cutoffs, default_cutoff = health.stale_cutoffs(th, [(s.key, s.number) for s in book.stages], day)
        if self._on_query is not None:
            self._on_query()
        raw = rq.funnel(
            r,
            rq.FunnelQuery(
                book, day, cutoffs, default_cutoff, since=since, scope=scope, coverage=scope.account_id is None
            ),
        )
        per_prospect = coverage_ratio(config_value, "funnel.qualified_per_prospect", DEFAULT_QUALIFIED_PER_PROSPECT)
        per_customer = coverage_ratio(config_value, "funnel.prospects_per_customer", DEFAULT_PROSPECTS_PER_CUSTOMER)
        return FunnelReport(
            funnel_figures(
                raw,
                book,
                since=since,
                stale_days=th.stale_days,
                coverage=raw["coverage"],
                per_prospect=per_prospect,
                per_customer=per_customer,
                rates=rates,
            )
        )

    def due(
        self,
        days: int = 7,
        *,
        owner: str | None = None,
        limit: int | None = None,
        today: dt.date | None = None,
    ) -> DueList:
        """Open follow-ups overdue, due today and in the next DAYS days (at most LIMIT rows; None: all)."""
        from salesdiary.core.dates import today as default_today
        from salesdiary.store.report_queries import due_list
        from salesdiary.store.team import owner_filter

        r = self.reader
        day = today or default_today()
        until = day + dt.timedelta(days=days)
        return DueList(due_list(r, day, until, owner=owner_filter(r, owner), limit=limit))

    def check(
        self,
        *,
        owner: str | None = None,
        account: Ref | None = None,
        rules: Sequence[str] | None = None,
        per_rule: int | None = 5,
        today: dt.date | None = None,
    ) -> CheckReport:
        """Pipeline health: RULES (default: every rule the config enables; a rule named runs even when the config
        disables it), at most PER_RULE findings each (None: all)."""
        from salesdiary.core import health
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store import health_queries as hq
        from salesdiary.store.connection import open_siblings_early
        from salesdiary.store.paths import config_value

        th = health.thresholds(config_value)
        if rules:
            unknown = [k for k in rules if k not in health.RULES]
            if unknown:
                raise BadInput(
                    _("Unknown rule {rule!r}. Rules: {rules}.").format(rule=unknown[0], rules=", ".join(health.RULES))
                )
        chosen = tuple(rules) if rules else tuple(k for k in health.RULES if th.enabled(k))
        scope = self.scope(owner, account)
        open_siblings_early(self.reader, hq.siblings(chosen))  # once the arguments are known to be good
        return self._health(th, chosen, scope, per_rule, today, lanes=True)

    def findings_for(
        self, *, deal: Ref | None = None, account: Ref | None = None, today: dt.date | None = None
    ) -> CheckReport:
        """One record's findings, exactly those `sd check --all` has for it (whoever owns it): DEAL's by the deal
        rules, or ACCOUNT's by the account rules (not its deals'), each the config enables. The queries look up
        that record alone (cheap on any journal: the coach asks this for each deal it shows)."""
        from salesdiary.core import health
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.report_queries import Scope

        if (deal is None) == (account is None):
            raise BadInput(_("Name one deal or one account."))
        from salesdiary.store.paths import config_value

        th = health.thresholds(config_value)
        entity = "deal" if deal is not None else "account"
        chosen = tuple(k for k, rule in health.RULES.items() if rule.entity == entity and th.enabled(k))
        if deal is not None:
            scope = Scope(deal_id=self.resolve("deal", deal))
        else:
            scope = Scope(account_id=self.resolve("account", account))  # type: ignore[arg-type]
        return self._health(th, chosen, scope, None, today, lanes=False)

    def _health(
        self, th: Any, chosen: tuple[str, ...], scope: Scope, per_rule: int | None, today: dt.date | None, lanes: bool
    ) -> CheckReport:
        """The findings of the rules CHOSEN over the records of SCOPE (check, findings_for)."""
        from salesdiary.core import enums, evaluation, health
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import SdError
        from salesdiary.i18n import _
        from salesdiary.store import health_queries as hq
        from salesdiary.store import report_queries as rq

        r = self.reader
        books: dict[str, Playbook] = {}
        warnings: list[str] = []
        deal_rules = any(health.RULES[k].entity == "deal" for k in chosen)
        for name in rq.open_playbooks(r, scope) if deal_rules else ():
            try:
                books[name] = configured_playbook(name)
            except SdError as exc:
                warnings.append(
                    _("Deals of playbook {name} are not checked stage by stage: {error}").format(
                        name=name, error=exc.message
                    )
                )
        day = today or default_today()
        cutoffs: dict[str, dict[str, str]] = {}
        limits: dict[str, dict[str, int]] = {}
        for name, book in books.items():
            cutoffs[name], _default = health.stale_cutoffs(th, [(s.key, s.number) for s in book.stages], day)
            limits[name] = {s.key: th.stale_days_for(s.key, s.number) for s in book.stages}
        _cuts, default_cutoff = health.stale_cutoffs(th, [], day)
        q = hq.HealthQuery(
            today=day,
            playbooks=list(books.values()),
            stale_cutoffs=cutoffs,
            stale_limits=limits,
            default_cutoff=default_cutoff,
            default_limit=th.stale_days,
            coach_after_visits=th.coach_after_visits,
            still_c_after_visits=th.still_c_after_visits,
            key_roles=th.key_roles,
            analysis_amount=th.analysis_meeting_amount,
            rates={code: rate for code, rate in th.currency_rates.items() if code != th.currency},
            analysis_marker=th.analysis_meeting_marker,
            director_amount=th.analysis_meeting_director_amount,
            director_marker=th.analysis_meeting_director_marker,
            stage_from={setting: th.stages_from(setting, list(books.values())) for setting in health.STAGE_SETTINGS},
            close_amount=th.close_window_amount,
            close_window=th.close_window(day),
            tech_exchanges_min=th.tech_exchanges_min,
            written_needs_marker=th.written_needs_marker,
            paid_marker=th.paid_marker,
            paid_stages=_marker_stages(th.paid_marker) if "paid_in_full_unpaid" in chosen else {},
            evaluation_groups=tuple((g.key, tuple(qn.key for qn in g.questions)) for g in evaluation.GROUPS),
            evaluation_points=dict(evaluation.POINTS),
            evaluation_weak=evaluation.WEAK,
            evaluation_min_known=evaluation.MIN_KNOWN,
            rules=chosen,
            scope=scope,
        )
        if self._on_query is not None:
            self._on_query()
        found = hq.health(r, q, per_rule, lanes=lanes)
        findings = health.build_findings(found.rows, th, stage_labeller(books), enums.RELATIONSHIP.label, per_rule)
        return CheckReport(findings, dict(found.counts), chosen, per_rule, warnings)


# --- nouns -------------------------------------------------------------------------------------------------


def _fields(specs: Any, raw: dict[str, Any], arguments: tuple[str, ...] = ()) -> dict[str, Any]:
    """RAW values as a person would type them (str, numbers, dates), checked and converted as `sd` does."""
    from salesdiary.core import fields
    from salesdiary.core.dates import today

    known = {f.name for f in specs}
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _

        raise BadInput(
            _("Unknown field {name!r}. Fields: {fields}.").format(name=unknown[0], fields=", ".join(sorted(known)))
        )
    return fields.convert_all(specs, raw, today(), arguments)


def _list_query(limit: int | None, **filters: Any) -> Any:
    from salesdiary.store.reads import ListQuery

    return ListQuery(limit=limit, count=False, **filters)


class Accounts:
    """The journal's accounts (organisations): `add`, `list`, `get`."""

    def __init__(self, journal: Journal) -> None:
        self._j = journal

    def add(self, name: str, **values: Any) -> int:
        """Report a new account NAME (you own it: the first to report an account owns it); VALUES as
        `sd account add`'s options: purchase_mode, source, industry, region, address, phone, website,
        info_stage, relation, tier, lifecycle, owner, notes. Returns its id."""
        from salesdiary.core import fields
        from salesdiary.store import records

        clean = _fields(fields.ACCOUNT, {"name": name, **values}, ("name",))
        return self._j.write("accounts.add", lambda tx: records.add_account(tx, clean))

    def list(self, search: str | None = None, *, owner: str | None = None, limit: int | None = None) -> Rows:
        """Accounts (whose name contains SEARCH), as `sd account list --json` gives them."""
        from salesdiary.store.reads import list_accounts
        from salesdiary.store.team import owner_filter

        r = self._j.reader
        q = _list_query(limit, owner=owner_filter(r, owner, narrowed=bool(search)), search=search)
        return list_accounts(r, q)[0]

    def get(self, account: Ref) -> dict[str, Any]:
        """The account ACCOUNT names (an id or a name), else NotFound."""
        from salesdiary.store.reads import one

        return one(self._j.reader, "account", self._j.resolve("account", account))


class Deals:
    """The journal's deals: `add`, `list`, `get`, `advance`."""

    def __init__(self, journal: Journal) -> None:
        self._j = journal

    def add(
        self,
        account: Ref,
        name: str,
        *,
        playbook: str | None = None,
        stage: str | None = None,
        allow_duplicate: bool = False,
        **values: Any,
    ) -> int:
        """Open deal NAME at ACCOUNT, at STAGE (default: the first) of PLAYBOOK (default: the config's); VALUES
        as `sd deal add`'s options: amount, currency, expected_close, competitors, strategy, next_step,
        next_step_date, external_id, owner, notes. Returns its id."""
        from salesdiary.core import fields
        from salesdiary.store import records

        clean = _fields(fields.DEAL, {"name": name, **values}, ("name",))
        account_id = self._j.resolve("account", account)
        return self._j.write(
            "deals.add",
            lambda tx: records.add_deal(
                tx, account_id, clean, playbook=playbook, stage=stage, refuse_duplicate=not allow_duplicate
            ),
        )

    def list(
        self,
        *,
        account: Ref | None = None,
        owner: str | None = None,
        status: str | None = "open",
        limit: int | None = None,
    ) -> Rows:
        """Deals (of ACCOUNT; with STATUS open, won, lost, dropped, or None for all), as `sd deal list --json`."""
        from salesdiary.store.reads import list_deals
        from salesdiary.store.team import owner_filter

        r = self._j.reader
        account_id = self._j.resolve("account", account) if account is not None else None
        q = _list_query(
            limit, owner=owner_filter(r, owner, narrowed=account_id is not None), account_id=account_id, status=status
        )
        return list_deals(r, q)[0]

    def get(self, deal: Ref) -> dict[str, Any]:
        """The deal DEAL names (an id or a name), with its account's name, else NotFound."""
        from salesdiary.store.reads import one

        return one(self._j.reader, "deal", self._j.resolve("deal", deal))

    def advance(self, deal: Ref, *, force: bool = False, reason: str | None = None) -> Advanced:
        """Move DEAL to the next stage of its playbook after the stage exit check (required markers unmet:
        StageExitBlocked, unless FORCE with a REASON). Returns the move (old and new stage)."""
        from salesdiary.store import progress

        deal_id = self._j.resolve("deal", deal)
        return self._j.write("deals.advance", lambda tx: progress.advance(tx, deal_id, force=force, reason=reason))


class Visits:
    """The journal's visits (any activity with a customer): `add`, `list`."""

    def __init__(self, journal: Journal) -> None:
        self._j = journal

    def add(
        self,
        account: Ref | None = None,
        *,
        deal: Ref | None = None,
        contacts: Sequence[Ref] = (),
        assist: bool = False,
        **values: Any,
    ) -> LoggedVisit:
        """Log a visit at ACCOUNT (or DEAL's account) with CONTACTS; VALUES as `sd visit add`'s options: date,
        kind, purpose, summary, feedback, next_step, follow_up_date (or follow_up), owner. A follow-up date
        makes a follow-up."""
        from salesdiary.core import fields

        raw = {"follow_up_date" if k == "follow_up" else k: v for k, v in values.items()}
        clean = _fields(fields.VISIT, raw)
        if assist:
            clean["assist"] = True
        return self.log(account, deal, contacts, clean)

    def log(
        self, account: Ref | None, deal: Ref | None, contacts: Sequence[Ref], values: dict[str, Any]
    ) -> LoggedVisit:
        """Log a visit from VALUES already converted (core/fields.py VISIT): what `sd visit add` calls."""
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store import records
        from salesdiary.store.reads import one

        j = self._j
        account_id = deal_id = None
        if account not in (None, ""):
            account_id = j.resolve("account", account)
        elif deal not in (None, ""):
            account_id = int(one(j.reader, "deal", j.resolve("deal", deal))["account_id"])
        if deal not in (None, ""):
            deal_id = j.resolve("deal", deal, account_id)
        contact_ids = [j.resolve("contact", c, account_id) for c in contacts]
        if account_id is None:
            raise BadInput(_("A visit needs an account: name it, or a deal of it."))
        visit_id, followup_id = j.write(
            "visits.add",
            lambda tx: records.add_visit(tx, account_id, values, deal_id=deal_id, contact_ids=contact_ids),
        )
        return LoggedVisit(visit_id, followup_id)

    def list(
        self,
        *,
        account: Ref | None = None,
        deal: Ref | None = None,
        owner: str | None = None,
        limit: int | None = None,
    ) -> Rows:
        """Visits, newest first (of ACCOUNT, of DEAL), as `sd visit list --json` gives them."""
        from salesdiary.store.reads import list_visits
        from salesdiary.store.team import owner_filter

        j = self._j
        account_id = j.resolve("account", account) if account is not None else None
        deal_id = j.resolve("deal", deal, account_id) if deal is not None else None
        narrowed = account_id is not None or deal_id is not None
        q = _list_query(
            limit, owner=owner_filter(j.reader, owner, narrowed=narrowed), account_id=account_id, deal_id=deal_id
        )
        return list_visits(j.reader, q)[0]


# --- playbooks ---------------------------------------------------------------------------------------------


def configured_playbook(name: str | None = None) -> Playbook:
    """The playbook NAME (default: the config's `playbook`, else ten_step), from the package or the config folder."""
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store.paths import config_dir, config_value

    return load_playbook(name or str(config_value("playbook", "ten_step")), config_dir())


def _marker_stages(marker: str) -> dict[str, str]:
    """Playbook name → the stage holding MARKER, for every available playbook that has it (won deals keep their
    markers whatever the playbooks of the open deals; a playbook that cannot be loaded is left out)."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import load_playbook, playbook_paths
    from salesdiary.store.paths import config_dir

    found: dict[str, str] = {}
    folder = config_dir()
    for name in playbook_paths(folder):
        try:
            book = load_playbook(name, folder)
        except SdError:
            continue
        holder = next((s for s in book.stages if marker in s.marker_keys), None)
        if holder is not None:
            found[book.name] = holder.key
    return found


def stage_labeller(books: dict[str, Playbook]) -> Callable[[str | None, str | None], str]:
    """(playbook, stage key) → "3. 客户分析"; loads each playbook once (into BOOKS)."""
    from salesdiary.core.errors import SdError

    def label(playbook: str | None, stage: str | None) -> str:
        if not stage:
            return ""
        name = playbook or "ten_step"
        if name not in books:
            try:
                books[name] = configured_playbook(name)
            except SdError:
                return stage
        try:
            found = books[name].stage(stage)
        except SdError:
            return stage
        return f"{found.number}. {found.label}"

    return label
