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
    from salesdiary.core.capture import Capture
    from salesdiary.core.coach import AccountPlan, Action, Agenda, DealPlan
    from salesdiary.core.health import Finding
    from salesdiary.core.playbook import Playbook
    from salesdiary.store.connection import Reader
    from salesdiary.store.paths import Target
    from salesdiary.store.progress import Advanced
    from salesdiary.store.report_queries import Scope
    from salesdiary.store.tx import Tx

__all__ = [
    "CheckReport",
    "DueList",
    "ForecastReport",
    "ForecastSnapshot",
    "FunnelReport",
    "Journal",
    "LoggedNote",
    "LoggedVisit",
    "PeriodReport",
]

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
class PeriodReport:
    """The weekly or monthly report (`sd report week|month`): new accounts, visits, deals that moved, plan versus
    actual, next period's plan and what is overdue; for a team, the figures per rep (`by_owner`) and the open
    pipeline per rep (`pipeline_by_owner`).

    `data` is the report as `sd report … --json` prints it; the properties name its parts."""

    data: dict[str, Any]

    @property
    def kind(self) -> str:
        """ "week" or "month"."""
        return str(self.data["kind"])

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self.data["summary"])

    @property
    def by_owner(self) -> list[dict[str, Any]] | None:
        """One row per rep (a team's report only, else None)."""
        rows = self.data.get("by_owner")
        return None if rows is None else list(rows)

    def as_json(self) -> dict[str, Any]:
        return self.data


PERIODS = {
    "week": "week",
    "weekly": "week",
    "周": "week",
    "周报": "week",
    "month": "month",
    "monthly": "month",
    "月": "month",
    "月报": "month",
}  # what `sd report` and Journal.report take for a period


@dataclass
class ForecastReport:
    """The forecast of a month or a quarter (`sd forecast`): the open deals expected to close in it with their
    weighted amount and category, won and lost so far, the forecast (weighted, commit, best case), slipped deals,
    and for a period that has begun each snapshot's forecast beside what was won (core/forecast.py).

    `data` is the report as `sd forecast --json` prints it; `recorded` the snapshot this call took (the first
    `sd forecast` of a week takes one), else None."""

    data: dict[str, Any]

    @property
    def deals(self) -> list[dict[str, Any]]:
        return list(self.data["deals"])

    @property
    def forecast(self) -> dict[str, Any]:
        return dict(self.data["forecast"])

    @property
    def slipped(self) -> list[dict[str, Any]]:
        return list(self.data["slipped"])

    @property
    def snapshots(self) -> list[dict[str, Any]]:
        return list(self.data["snapshots"])

    @property
    def recorded(self) -> dict[str, Any] | None:
        return self.data.get("recorded")

    def as_json(self) -> dict[str, Any]:
        return self.data


@dataclass
class ForecastSnapshot:
    """A forecast snapshot taken (`sd forecast snapshot`): the period, the day, and the deals it keeps."""

    period: dict[str, Any]
    taken_on: str
    rows: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {**self.period, "taken_on": self.taken_on, "deals": self.rows}


@dataclass
class LoggedVisit:
    """A visit logged: its id, and the follow-up its follow-up date made (None without one); its account and deal."""

    id: int
    followup_id: int | None
    account_id: int | None = None
    deal_id: int | None = None


@dataclass
class LoggedNote:
    """A note logged (`sd log`): its visit, the follow-up its future date made, and the people it added."""

    visit_id: int
    followup_id: int | None
    new_contact_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"visit": self.visit_id, "follow_up": self.followup_id, "new_contacts": list(self.new_contact_ids)}


MAX_NOTE = 2000  # characters in one note (a visit's summary holds it)


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

    # --- one-line capture (sd log) -----------------------------------------------------------------------

    def capture(self, text: str, *, today: dt.date | None = None) -> Capture:
        """What the note TEXT says ("拜访了华为张伟，下周三回电"): account, deal, people (known and new), kind,
        date, summary, next step and follow-up date, and what it is unsure of (core/capture.py). Writes nothing."""
        from salesdiary.core.capture import read_note
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import BadInput
        from salesdiary.core.validate import clean_text
        from salesdiary.i18n import _
        from salesdiary.store.capture_reads import JournalNames

        clean = clean_text(text, _("the note"), max_len=MAX_NOTE, multiline=False)
        if not clean:
            raise BadInput(_("An empty note says nothing to log."))
        return read_note(clean, today or default_today(), JournalNames(self.reader))

    def log(self, notes: Sequence[Capture], *, create: bool = False, assist: bool = False) -> list[LoggedNote]:
        """Write NOTES (read by `capture`, perhaps corrected) as visits, their follow-ups and, with CREATE, their
        new people, all in one transaction recorded as one changeset ("log"): one `sd undo` takes them back.
        A note with something missing (no account, a person who could be several) is BadInput; nothing is
        written then. ASSIST: you were helping on another rep's account (as `sd visit add --assist`)."""
        from salesdiary.core import fields
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store import records

        planned = []
        for n, note in enumerate(notes, 1):
            where = _("note {n}").format(n=n) if len(notes) > 1 else _("the note")
            if note.missing or note.account is None:
                wanted = "; ".join(note.missing.values()) or _("no account")
                raise BadInput(
                    _("Cannot log {where}: {missing}. Nothing was written.").format(where=where, missing=wanted)
                )
            raw = {
                "date": note.date.isoformat(),
                "kind": note.kind,
                "summary": note.summary,
                "next_step": note.next_step,
                "follow_up_date": note.follow_up_date.isoformat() if note.follow_up_date else None,
            }
            values = _fields(fields.VISIT, {k: v for k, v in raw.items() if v is not None})
            if assist:
                values["assist"] = True
            planned.append((note, values))

        def write(tx: Tx) -> list[LoggedNote]:
            out = []
            for note, values in planned:
                assert note.account is not None
                account_id = note.account.id
                new_ids = (
                    [records.add_contact(tx, account_id, {"name": name}) for name in note.new_contacts]
                    if create
                    else []
                )
                visit_id, followup_id = records.add_visit(
                    tx,
                    account_id,
                    values,
                    deal_id=note.deal.id if note.deal else None,
                    contact_ids=[c.id for c in note.contacts] + new_ids,
                )
                out.append(LoggedNote(visit_id, followup_id, new_ids))
            return out

        return self.write("log", write)

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

    def report(
        self,
        period: str,
        *,
        on: dt.date | None = None,
        owner: str | None = None,
        today: dt.date | None = None,
    ) -> PeriodReport:
        """The report of the week (Monday–Sunday) or calendar month (PERIOD: "week", "month", 周报, 月报 …) that
        holds ON (default TODAY). Overdue counts as of the day after the period (or today, if sooner). OWNER as
        for the funnel; when it names no one rep in a team database ("all", or a manager's default) the report
        adds the figures per rep."""
        from salesdiary.core import currency
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import BadInput
        from salesdiary.core.period import period_data
        from salesdiary.i18n import _
        from salesdiary.store.paths import config_value
        from salesdiary.store.report_queries import PeriodQuery, period_bounds, period_report
        from salesdiary.store.team import is_team, owner_filter

        kind = PERIODS.get(period.strip().lower())
        if kind is None:
            raise BadInput(_("The period must be week or month, not {period!r}.").format(period=period))
        now = today or default_today()
        day = on or now
        try:  # the period after it, and the day after that, must be dates too
            start, end = period_bounds(kind, day)
            next_start, next_end = period_bounds(kind, end + dt.timedelta(days=1))
            (next_end + dt.timedelta(days=1)).isoformat()
        except OverflowError:
            raise BadInput(
                _(
                    "--date: {day} is too late for a report, which also shows the next period and the day after it."
                ).format(day=day.isoformat())
            ) from None
        asof = min(now, end + dt.timedelta(days=1))
        rates = currency.rates(config_value)  # a bad [currency] table is an error before any work
        r = self.reader
        q = PeriodQuery(start, end, next_start, next_end, asof, owner=owner_filter(r, owner))
        if self._on_query is not None:
            self._on_query()
        data = period_data(
            period_report(r, q),
            kind=kind,
            start=start,
            end=end,
            asof=asof,
            next_start=next_start,
            next_end=next_end,
            stage_label=stage_labeller({}),
            rates=rates,
        )
        if q.owner is None and (is_team(r) or owner is not None):  # the team's view: the figures per rep
            self._add_team(data, q, rates)
        return PeriodReport(data)

    def _add_team(self, data: dict[str, Any], q: Any, rates: Any) -> None:
        """DATA["by_owner"]: the period of Q (a PeriodQuery) per rep, with each rep's weighted open pipeline;
        DATA["pipeline_by_owner"]: each rep's open pipeline (deals, amount, weighted) and the period's won and
        lost. Money of several currencies is never added (core/currency.py)."""
        from salesdiary.core import currency
        from salesdiary.store.team import period_by_owner

        r = self.reader
        rows = period_by_owner(
            r,
            q.start.isoformat(),
            q.end.isoformat(),
            (q.end + dt.timedelta(days=1)).isoformat(),
            q.asof.isoformat(),
        )
        pipeline, _money = self.pipeline_by_owner(since=q.start, until=q.end, rates=rates)
        by_rep = {p["owner"]: p for p in pipeline}
        money = currency.plan(
            {c for row in rows for c in row["won_amount_by_currency"]}
            | {c for p in pipeline for key in ("amount", "weighted") for c in p[f"{key}_by_currency"]},
            rates,
        )
        for row in rows:  # a rep's money: the one currency's, the converted sum, or None for a mix
            row["won_amount"] = money.total(row["won_amount_by_currency"])
            weighted = by_rep.get(row["owner"], {}).get("weighted_by_currency", {})
            row["weighted"] = money.total(weighted)
            row["weighted_by_currency"] = dict(weighted)
        seen = {row["owner"] for row in rows}
        for p in pipeline:  # a rep with open deals and nothing else this period is in the table too
            if p["owner"] not in seen and p["open_deals"]:
                zero = {k: 0 for k in ("new_accounts", "visits", "accounts_visited", "new_deals", "stage_moves")}
                rows.append(
                    {
                        "owner": p["owner"],
                        **zero,
                        "won": 0,
                        "lost": 0,
                        "followups_due": 0,
                        "followups_done": 0,
                        "overdue": 0,
                        "won_amount": money.total({}),
                        "won_amount_by_currency": {},
                        "weighted": money.total(p["weighted_by_currency"]),
                        "weighted_by_currency": dict(p["weighted_by_currency"]),
                    }
                )
        rows.sort(key=lambda x: x["owner"])
        for p in pipeline:
            for key in ("amount", "weighted", "won_amount"):
                p[key] = money.total(p[f"{key}_by_currency"])
        data["by_owner"] = rows
        data["pipeline_by_owner"] = [p for p in pipeline if p["open_deals"] or p["won"] or p["lost"]]

    def pipeline_by_owner(
        self, *, since: dt.date | None = None, until: dt.date | None = None, rates: Any = None
    ) -> tuple[list[dict[str, Any]], Any]:
        """The team's pipeline, one row per rep: accounts, open deals, amount and weighted amount (each stage's
        probability in its playbook), won and lost deals (closed from SINCE to UNTIL), money per currency; and
        the currency plan (core/currency.Plan) that says how a mix is shown."""
        from salesdiary.core import currency
        from salesdiary.core.errors import SdError
        from salesdiary.store import report_queries as rq
        from salesdiary.store.paths import config_value
        from salesdiary.store.team import funnel_by_owner

        r = self.reader
        probabilities: dict[tuple[str, str], int] = {}
        for name in rq.open_playbooks(r, rq.Scope()):
            try:
                book = configured_playbook(name)
            except SdError:
                continue  # its deals weigh 0, as the funnel of their playbook would not show them either
            probabilities.update({(book.name, s.key): s.probability for s in book.stages})
        rows = funnel_by_owner(
            r, probabilities, since.isoformat() if since else None, until.isoformat() if until else None
        )
        money = currency.plan(
            {c for row in rows for key in ("amount", "weighted", "won_amount") for c in row[f"{key}_by_currency"]},
            rates if rates is not None else currency.rates(config_value),
        )
        return rows, money

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
        from salesdiary.core import enums, health
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import BadInput, SdError
        from salesdiary.i18n import _
        from salesdiary.store import health_queries as hq
        from salesdiary.store import report_queries as rq
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
        r = self.reader
        scope = self.scope(owner, account)
        open_siblings_early(r, hq.siblings(chosen))  # once the arguments are known to be good
        books: dict[str, Playbook] = {}
        warnings: list[str] = []
        for name in rq.open_playbooks(r, scope):
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
            decision_maker_by_stage=th.decision_maker_by_stage,
            opponent_from_stage=th.opponent_from_stage,
            rules=chosen,
            scope=scope,
        )
        if self._on_query is not None:
            self._on_query()
        found = hq.health(r, q, per_rule)
        findings = health.build_findings(found.rows, th, stage_labeller(books), enums.RELATIONSHIP.label, per_rule)
        return CheckReport(findings, dict(found.counts), chosen, per_rule, warnings)

    def next(
        self,
        record: Ref | None = None,
        *,
        owner: str | None = None,
        limit: int | None = 10,
        today: dt.date | None = None,
    ) -> DealPlan | AccountPlan | Agenda:
        """What the method says to do next (`sd next`): RECORD a deal (its plan) or, when no deal has that name, an
        account (its rules and each open deal's top action); None: the top action of each open deal of OWNER,
        overdue first, then by the weighted amount at risk (at most LIMIT; None: all)."""
        from salesdiary.core.errors import NotFound

        if record is None or record == "":
            return self._agenda(owner, limit, today)
        try:
            deal_id = self.resolve("deal", record)
        except NotFound:
            try:
                account_id = self.resolve("account", record)
            except NotFound:
                from salesdiary.core.validate import show
                from salesdiary.i18n import _

                raise NotFound(_("No deal or account matches {text!r}.").format(text=show(str(record), 80))) from None
            return self._account_plan(account_id, today)
        return self._deal_plan(deal_id, today)

    def quick_next(self, *, deal: Ref | None = None, account: Ref | None = None, limit: int = 2) -> list[Action]:
        """The top LIMIT actions on DEAL (else on ACCOUNT's most urgent open deal) from its stage, markers, people
        and evaluation, without running the checks: cheap enough to follow a write (`sd visit add`'s Next: lines).
        Empty when there is no open deal."""
        from salesdiary.store import coach_reads

        if deal is None:
            from salesdiary.store.report_queries import Scope

            if account is None:
                return []
            open_deals = coach_reads.open_deals(self.reader, Scope(account_id=self.resolve("account", account)))
            if not open_deals:
                return []
            open_deals.sort(key=lambda d: (d["next_step_date"] is None, str(d["next_step_date"] or ""), d["id"]))
            deal = int(open_deals[0]["id"])
        plan = self.quick_plan(self.resolve("deal", deal))
        return [] if plan.closed else plan.actions[:limit]

    def quick_plan(self, deal: Ref) -> DealPlan:
        """DEAL's plan (as `next`) from its stage, markers, people and evaluation only: no checks run, so no
        findings and no follow-up; what `sd deal show` and `sd visit add` show."""
        return self._deal_plan(self.resolve("deal", deal), None, checks=False)

    def _deal_plan(self, deal_id: int, today: dt.date | None, *, checks: bool = True) -> DealPlan:
        from salesdiary.core import coach
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import SdError
        from salesdiary.store import coach_reads
        from salesdiary.store.paths import config_value
        from salesdiary.store.progress_reads import evaluation_answers, ticked_markers
        from salesdiary.store.reads import one

        r = self.reader
        row = one(r, "deal", deal_id)
        try:
            book: Playbook | None = configured_playbook(row["playbook"])
        except SdError:
            book = None
        if checks:
            from salesdiary.core import health

            key_roles = health.thresholds(config_value).key_roles  # a bad config is an error, as in `sd check`
        else:
            roles = config_value("health.key_roles", list(coach.KEY_ROLES))
            ok = isinstance(roles, list) and all(isinstance(x, str) for x in roles)
            key_roles = tuple(roles) if ok else coach.KEY_ROLES  # a coaching line never fails a write
        open_deal = row["status"] == "open"
        checked = open_deal and checks  # `sd check` checks open deals only
        facts = coach.DealFacts(
            deal=row,
            book=book,
            ticked=set(ticked_markers(r, deal_id, row["stage"])),
            answers={k: v["answer"] for k, v in evaluation_answers(r, deal_id).items()},
            people=coach_reads.deal_people(r, deal_id),
            findings=_findings_for(self, "deal", deal_id, int(row["account_id"]), today) if checked else [],
            followup=coach_reads.next_followup(r, deal_id) if checks else None,
            owed=0.0 if open_deal or not checks else coach_reads.owed(r, deal_id),
            today=today or default_today(),
        )
        return coach.deal_plan(facts, key_roles=key_roles)

    def _account_plan(self, account_id: int, today: dt.date | None) -> AccountPlan:
        from salesdiary.core import coach
        from salesdiary.store import coach_reads
        from salesdiary.store.reads import one
        from salesdiary.store.report_queries import Scope

        r = self.reader
        row = one(r, "account", account_id)
        found = _findings_for(self, "account", account_id, account_id, today, every=True)
        mine = [f for f in found if f.entity == "account" and f.record_id == account_id]
        scope = Scope(account_id=account_id)
        ticked = coach_reads.current_markers(r, scope)
        books: dict[str, Playbook | None] = {}
        deals = []
        for d in coach_reads.open_deals(r, scope):
            book = _book(books, d["playbook"])
            theirs = [f for f in found if f.entity == "deal" and f.record_id == int(d["id"])]
            deals.append(
                {
                    "deal": {"id": int(d["id"]), "name": d["name"]},
                    "stage": coach.stage_json(book, _stage_of(book, d["stage"])),
                    "action": coach.top_action(d, book, ticked.get(int(d["id"]), set()), theirs),
                }
            )
        account = {"id": account_id, "name": row["name"], "info_stage": row["info_stage"], "relation": row["relation"]}
        return coach.AccountPlan(account, mine, coach.account_actions(mine), deals)

    def _agenda(self, owner: str | None, limit: int | None, today: dt.date | None) -> Agenda:
        from salesdiary.core import coach
        from salesdiary.core.dates import today as default_today
        from salesdiary.store import coach_reads

        r = self.reader
        scope = self.scope(owner)
        day = today or default_today()
        books: dict[str, Playbook | None] = {}
        for name in ("ten_step", "six_step", None):  # the shipped playbooks and the config's
            _book(books, name)
        probabilities = {(n, s.key): s.probability for n, b in books.items() if b is not None for s in b.stages}
        deals, total = coach_reads.agenda_deals(r, scope, day, probabilities, limit)
        if limit is None or limit > AGENDA_CHECK_EACH:
            found = self.check(owner=owner, per_rule=None, today=day).findings
        else:
            found = _findings_of_deals(self, deals, day)
        by_deal: dict[int, list[Finding]] = {}
        for f in found:
            if f.entity == "deal":
                by_deal.setdefault(f.record_id, []).append(f)
        ticked = coach_reads.markers_of(r, [int(d["id"]) for d in deals])
        items = []
        for d in deals:
            deal_id = int(d["id"])
            book = _book(books, d["playbook"])
            stage = _stage_of(book, d["stage"])
            due = d["next_step_date"]
            late = (day - dt.date.fromisoformat(str(due)[:10])).days if due is not None else 0
            items.append(
                {
                    "deal": {"id": deal_id, "name": d["name"], "account": d["account"]},
                    "stage": coach.stage_json(book, stage),
                    "action": coach.top_action(d, book, ticked.get(deal_id, set()), by_deal.get(deal_id, [])),
                    "days_late": max(late, 0),
                    "weighted": float(d["weighted"] or 0),
                }
            )
        return coach.Agenda(items, total)

    def forecast(
        self,
        *,
        month: str | None = None,
        quarter: str | None = None,
        owner: str | None = None,
        today: dt.date | None = None,
        weekly_snapshot: bool = False,
    ) -> ForecastReport:
        """The forecast of MONTH ("2026-12", or a date of it) or QUARTER ("2026Q4", or a date of it); neither: this
        month. WEEKLY_SNAPSHOT (what `sd` does): when the period has not ended and no snapshot of it was taken this
        week (Monday to Sunday), take one first (`recorded`). The report never fails for it: a SQLite journal that
        cannot be written to now (busy, read-only) skips it quietly, a write that fails is skipped and
        `data["snapshot_skipped"]` says why."""
        from salesdiary.core import currency
        from salesdiary.core import forecast as fc
        from salesdiary.core.dates import today as default_today
        from salesdiary.store import forecast_queries as fq
        from salesdiary.store.paths import config_value

        day = today or default_today()
        period = fc.parse_period(month, quarter, day)
        th = fc.thresholds(config_value)
        rates = currency.rates(config_value)
        who = self.scope(owner).owner
        r = self.reader
        if self._on_query is not None:
            self._on_query()
        deals = fq.period_deals(r, period, who)
        probability = stage_probabilities({})
        recorded: dict[str, Any] | None = None
        skipped: str | None = None
        monday = day - dt.timedelta(days=day.weekday())
        if weekly_snapshot and not period.ended(day) and not fq.has_snapshot(r, period, monday, day, who):
            rows = fc.snapshot_rows(deals, probability, th)
            if rows:
                try:
                    recorded = self._record_snapshot(period, rows, who, day)
                except Exception as exc:  # noqa: BLE001  (a read that writes: the read never fails for the write)
                    skipped = _exception_text(exc)
        data = fc.forecast_figures(
            fc.ForecastInput(
                period=period,
                today=day,
                deals=deals,
                moved_out=fq.moved_out(r, period, who),
                snapshots=fq.snapshots(r, period, who) if period.begun(day) else [],
                probability=probability,
                thresholds=th,
                rates=rates,
            )
        )
        data["owner"] = who
        data["recorded"] = recorded
        data["snapshot_skipped"] = skipped
        return ForecastReport(data)

    def _record_snapshot(
        self, period: Any, rows: list[dict[str, Any]], who: str | None, day: dt.date
    ) -> dict[str, Any] | None:
        """The weekly snapshot, when the journal can be written to now without waiting (else None)."""
        from salesdiary.store import forecast_queries as fq

        if not fq.writable_now(self.target):
            return None
        owners = [who] if who else None
        count = self.write("forecast.snapshot", lambda tx: fq.take_snapshot(tx, period, rows, owners, day))
        # the reader sees the new rows at its next read (SQLite: a read transaction of its own each time)
        return {"taken_on": day.isoformat(), "deals": count}

    def forecast_snapshot(
        self,
        *,
        month: str | None = None,
        quarter: str | None = None,
        owner: str | None = None,
        today: dt.date | None = None,
    ) -> ForecastSnapshot:
        """Record the forecast of MONTH or QUARTER (neither: this month) deal by deal as of today, replacing one
        taken today of the same deals; a period that has ended cannot be forecast (BadInput)."""
        from salesdiary.core import forecast as fc
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store import forecast_queries as fq
        from salesdiary.store.paths import config_value

        day = today or default_today()
        period = fc.parse_period(month, quarter, day)
        if period.ended(day):
            raise BadInput(
                _("{period} ended on {end}: a snapshot records the forecast of a period to come or under way.").format(
                    period=period.key, end=period.end.isoformat()
                )
            )
        th = fc.thresholds(config_value)
        who = self.scope(owner).owner
        rows = fc.snapshot_rows(fq.period_deals(self.reader, period, who), stage_probabilities({}), th)
        self.write("forecast.snapshot", lambda tx: fq.take_snapshot(tx, period, rows, [who] if who else None, day))
        return ForecastSnapshot(period.as_json(), day.isoformat(), rows)

    def forecast_snapshots(self, *, owner: str | None = None) -> Rows:
        """Every forecast snapshot (of OWNER's deals; default as the reports): period, day taken, deals; newest
        first."""
        from salesdiary.store import forecast_queries as fq

        return [
            {
                "period": row["period"],
                "start": str(row["period_start"])[:10],
                "end": str(row["period_end"])[:10],
                "taken_on": str(row["taken_on"])[:10],
                "deals": int(row["deals"]),
            }
            for row in fq.snapshot_days(self.reader, self.scope(owner).owner)
        ]


AGENDA_CHECK_EACH = 20  # `sd next` with at most this many deals checks them one by one; more: one whole check


def _findings_of_deals(journal: Journal, deals: Sequence[dict[str, Any]], today: dt.date) -> list[Finding]:
    """The findings of `sd check --all` for DEALS, through `_findings_for` (one call per deal)."""
    out: list[Finding] = []
    for d in deals:
        out.extend(_findings_for(journal, "deal", int(d["id"]), int(d["account_id"]), today))
    return out


def _findings_for(
    journal: Journal, entity: str, record_id: int, account_id: int, today: dt.date | None, *, every: bool = False
) -> list[Finding]:
    """The findings `sd check --all` has for one record (a deal or an account; EVERY: with its account's deals
    too): the one door through which `sd next` gets them, so they cannot differ from `sd check`'s. For now it
    runs the checks over the record's account and keeps the record's findings."""
    found = journal.check(account=account_id, per_rule=None, today=today).findings
    if every:
        return found
    return [f for f in found if f.entity == entity and f.record_id == record_id]


def _book(books: dict[str, Playbook | None], name: str | None) -> Playbook | None:
    from salesdiary.core.errors import SdError

    key = name or "ten_step"
    if key not in books:
        try:
            books[key] = configured_playbook(key)
        except SdError:
            books[key] = None
    return books[key]


def _stage_of(book: Playbook | None, key: str) -> Any:
    from salesdiary.core.errors import SdError

    if book is None:
        return None
    try:
        return book.stage(key)
    except SdError:
        return None


def _exception_text(exc: BaseException) -> str:
    """One line about EXC: an SdError's message, else its class and text."""
    message = getattr(exc, "message", None)
    return " ".join(str(message or f"{type(exc).__name__}: {exc}").split())[:300]


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
        return LoggedVisit(visit_id, followup_id, account_id, deal_id)

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


def stage_probabilities(books: dict[str, Playbook]) -> Callable[[str | None, str | None], tuple[int, str]]:
    """(playbook, stage key) → (the stage's probability in percent, "3. 客户分析"); a playbook or stage that cannot
    be found gives 0 and the key. Loads each playbook once (into BOOKS)."""
    from salesdiary.core.errors import SdError

    def probability(playbook: str | None, stage: str | None) -> tuple[int, str]:
        if not stage:
            return 0, ""
        name = playbook or "ten_step"
        if name not in books:
            try:
                books[name] = configured_playbook(name)
            except SdError:
                return 0, stage
        try:
            found = books[name].stage(stage)
        except SdError:
            return 0, stage
        return int(found.probability), f"{found.number}. {found.label}"

    return probability


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
