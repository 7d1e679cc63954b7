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
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from salesdiary.core.capture import Capture
    from salesdiary.core.coach import AccountPlan, Action, DealPlan
    from salesdiary.core.coach import Agenda as NextAgenda
    from salesdiary.core.health import Finding
    from salesdiary.core.playbook import Playbook
    from salesdiary.core.visit_plan import VisitPlan
    from salesdiary.journal_config import Playbooks, Settings
    from salesdiary.journal_data import DataIn
    from salesdiary.journal_database import Database
    from salesdiary.journal_history import History
    from salesdiary.lookups import NoteLookups, VisitLookups
    from salesdiary.store.connection import Reader
    from salesdiary.store.paths import Target
    from salesdiary.store.reads.report_queries import Scope
    from salesdiary.store.tx import Tx
    from salesdiary.store.writes.progress import Advanced
    from salesdiary.store.writes.progress import LoggedVisit as PlanLogged
    from salesdiary.store.writes.undo import Reversal

__all__ = [
    "Agenda",
    "Changed",
    "CheckReport",
    "DecisionMap",
    "DueList",
    "Dump",
    "Export",
    "ForecastReport",
    "ForecastSnapshot",
    "FunnelReport",
    "Journal",
    "Listing",
    "LoggedNote",
    "LoggedVisit",
    "PeriodReport",
    "ReceivableList",
    "Record",
    "StageProgress",
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


def public(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON shows it: internal columns (the folded name key) left out."""
    return {k: v for k, v in row.items() if k != "name_key"}


class _StageLabels:
    """`stage_label(playbook, stage)`: a stage of the rows as people read it, "3. 客户分析" (the key itself when
    its playbook or stage cannot be found); each playbook is loaded once, on the first label asked for."""

    @functools.cached_property
    def _labeller(self) -> Callable[[str | None, str | None], str]:
        return stage_labeller({})

    def stage_label(self, playbook: str | None, stage: str | None) -> str:
        return self._labeller(playbook, stage)


@dataclass
class Listing(_StageLabels):
    """A page of records as `sd NOUN list` shows it: the ROWS (at most the limit asked for) and how many there
    are in all (TOTAL; the number of rows when not counted)."""

    rows: list[dict[str, Any]]
    total: int

    def as_json(self) -> list[dict[str, Any]]:
        return [public(r) for r in self.rows]


@dataclass
class Record(_StageLabels):
    """One record as `sd NOUN show` shows it: its fields and what hangs on it (an account's contacts, deals,
    recent visits and open follow-ups; a deal's people and stage history …), as `--json` prints it."""

    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return public(self.data)


@dataclass
class Agenda:
    """Today's agenda (`sd today`): follow-ups and planned visits due today, and what was logged today."""

    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return self.data


@dataclass
class DecisionMap:
    """An account's decision map (`sd map`): its people as a tree by reports-to, with roles and stances (in one
    deal when asked), and the buying roles still unknown."""

    data: dict[str, Any]
    deal_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return self.data


@dataclass
class Export:
    """One table for `sd export TABLE`: its COLUMNS (core/tabular.py: names, kinds) and its ROWS, streamed from
    the database as they are read (so read them once; `as_json()` reads them all)."""

    table: str
    columns: tuple[Any, ...]
    rows: Iterable[dict[str, Any]]
    journal: Journal | None = field(default=None, repr=False, compare=False)  # kept open while ROWS are read

    def as_json(self) -> list[dict[str, Any]]:
        """The rows as `sd export TABLE --format json` writes them."""
        from salesdiary.render.writers import json_objects

        return list(json_objects(self.columns, self.rows))


@dataclass
class Dump:
    """The whole journal for `sd export all`: the HEADER (format, version, schema version) and every table's
    rows, streamed (read them once)."""

    header: dict[str, Any]
    tables: list[tuple[str, Iterable[dict[str, Any]]]]
    journal: Journal | None = field(default=None, repr=False, compare=False)  # kept open while the rows are read

    def as_json(self) -> dict[str, Any]:
        """The dump as `sd export all` writes it (dates and times as text)."""
        import json

        return dict(json.loads(json.dumps({**self.header, "tables": dict(self.tables)}, default=_listed)))


def _listed(value: Any) -> Any:
    """json.dumps's fallback for a dump: a stream of rows becomes a list, anything else its text."""
    if isinstance(value, Iterator):
        return list(value)
    return str(value)


@dataclass
class ReceivableList:
    """Receivables (`sd receivable list`): overdue ones grouped by the collection action (days overdue ×
    amount, 《摧龙六式》's collection matrix), then the rest; totals per currency and in the base currency."""

    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return self.data


@dataclass
class Evaluation:
    """A deal's 20-question opportunity evaluation (`sd qualify`): the DEAL (its row), the answers STORED
    (question key → answer, note, answered_on) and, in `result`, the scores per group and the verdict."""

    deal: dict[str, Any]
    stored: dict[str, dict[str, Any]]

    @property
    def answers(self) -> dict[str, str]:
        """Question key → the stored answer (yes, partly, no, unknown)."""
        return {k: v["answer"] for k, v in self.stored.items()}

    @property
    def result(self) -> Any:
        """The scores per group and the verdict (core/evaluation.py evaluate)."""
        from salesdiary.core.evaluation import evaluate

        return evaluate(self.answers)

    def as_json(self) -> dict[str, Any]:
        """What `sd qualify DEAL --json` prints."""
        ev, stored = self.result, self.stored
        return {
            "deal": {"id": self.deal["id"], "name": self.deal["name"]},
            "answered": ev.answered,
            "points": ev.points,
            "groups": [
                {
                    "key": s.group.key,
                    "number": s.group.number,
                    "label": str(s.group.label),
                    "points": s.points,
                    "out_of": s.out_of,
                    "known": s.known,
                    "status": s.status,
                    "questions": [
                        {
                            "number": q.number,
                            "key": q.key,
                            "question": str(q.label),
                            "question_en": q.label.en,
                            "question_zh": q.label.zh,
                            "answer": ev.answers[q.key],
                            "answer_label": str(q.scale.label(ev.answers[q.key])),
                            "note": (stored.get(q.key) or {}).get("note"),
                            "answered_on": (stored.get(q.key) or {}).get("answered_on"),
                        }
                        for q in s.group.questions
                    ],
                }
                for s in ev.groups
            ],
            "verdict": {"key": ev.verdict.key, "text": ev.verdict.text},
        }


@dataclass
class StageProgress:
    """A deal at one stage of its playbook (`sd deal markers`, the stage exit check of `sd deal advance`): the
    DEAL (its row), its PLAYBOOK, the STAGE, and the markers TICKED there (marker key → the day it was met)."""

    deal: dict[str, Any]
    playbook: Playbook
    stage: Any
    ticked: dict[str, str]

    @property
    def unmet(self) -> list[Any]:
        """The stage's required markers not met yet (what keeps the deal from moving on)."""
        return [m for m in self.stage.required_markers if m.key not in self.ticked]

    def as_json(self) -> list[dict[str, Any]]:
        """The stage's markers as `sd deal markers DEAL --json` prints them."""
        st = self.stage
        return [
            {
                "stage": st.key,
                "number": i,
                "key": m.key,
                "label": str(m.label),
                "label_en": m.label.en,
                "label_zh": m.label.zh,
                "required": m.required,
                "met": m.key in self.ticked,
                "met_on": self.ticked.get(m.key),
            }
            for i, m in enumerate(st.markers, start=1)
        ]


@dataclass
class Changed:
    """An edit: the record's id, and what changed (field → [old, new]; empty when nothing did)."""

    id: int
    changes: dict[str, list[Any]]


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
        on_values: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        """TARGET: where the journal is (store/paths.py). COMMAND: how its writes are named in the history —
        "python" records "python: visits.add"; None records the running command line (what `sd` does).
        TAKEN: told of each close name match (what was typed, the record taken); BEFORE_WRITE: called before each
        write (`sd` says there which records a close name match took); ON_QUERY: called when a report's arguments
        are known to be good and its long queries start (`sd` gets its renderer ready then, in a thread, while the
        database works); ON_VALUES: told of the values a write will store, once converted and before any record
        is looked up (`sd` warns there of a follow-up date in the past)."""
        self.target = target
        self._command = command
        self._taken = taken
        self._before_write = before_write
        self._on_query = on_query
        self._on_values = on_values
        self._reader: Reader | None = None
        self.last_values: dict[str, Any] = {}
        """The values the last add or edit stored, as converted (the name as cleaned, a date as read)."""
        self.accounts = Accounts(self)
        self.contacts = Contacts(self)
        self.deals = Deals(self)
        self.visits = Visits(self)
        self.followups = Followups(self)
        self.receivables = Receivables(self)

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
        return run_write(self.target, fn, self.command_for(what))

    def command_for(self, what: str) -> str | None:
        """How a write named WHAT is recorded in the history ("python: visits.add"; None: the command line)."""
        return f"{self._command}: {what}" if self._command else None

    def undo(self) -> Reversal:
        """Undo your last write as a unit (a script's or `sd`'s: the journal's last changeset of yours), as `sd undo`
        does; Conflict when there is nothing to undo. Returns what was reversed."""
        from salesdiary.store.writes.undo import undo_last

        return self.write("undo", undo_last)

    def redo(self) -> Reversal:
        """Put back what the last undo reversed (as long as nothing else was written since), as `sd redo` does."""
        from salesdiary.store.writes.undo import redo_last

        return self.write("redo", redo_last)

    # --- its history, database, data in, settings and playbooks: imported when first used ------------------

    @property
    def history(self) -> History:
        """What changed and what undo would take back (`sd history`, `sd undo --list`): journal_history.py."""
        from salesdiary.journal_history import History

        return History(self)

    @property
    def database(self) -> Database:
        """The database itself (`sd db`, `sd doctor`, `sd backup`, `sd restore`): journal_database.py."""
        from salesdiary.journal_database import Database

        return Database(self)

    @property
    def data(self) -> DataIn:
        """Data in (`sd import`, `sd demo`): journal_data.py."""
        from salesdiary.journal_data import DataIn

        return DataIn(self)

    @property
    def settings(self) -> Settings:
        """The config file's settings (`sd config`): journal_config.py."""
        from salesdiary.journal_config import Settings

        return Settings(self)

    @property
    def playbooks(self) -> Playbooks:
        """The playbooks, shipped and your own (`sd playbook`): journal_config.py."""
        from salesdiary.journal_config import Playbooks

        return Playbooks(self)

    def checked(self, specs: Any, raw: dict[str, Any], arguments: tuple[str, ...] = ()) -> dict[str, Any]:
        """RAW values as a person would type them (str, numbers, dates; None: not given; "": clear the field),
        checked and converted by the fields SPECS (core/fields.py) as `sd` does. ARGUMENTS: the fields `sd` takes
        as arguments (errors name them NAME rather than --name)."""
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
        values = fields.convert_all(specs, raw, today(), arguments)
        self.last_values = values
        if self._on_values is not None:
            self._on_values(values)
        return values

    def resolve(self, entity: str, ref: Ref, account_id: int | None = None) -> int:
        """The id of the ENTITY record REF names (an id, or a name as `sd` takes it), else NotFound."""
        from salesdiary.store.reads.record_reads import resolve

        return resolve(self.reader, entity, str(ref), account_id=account_id, taken=self._taken)

    def scope(self, owner: str | None = None, account: Ref | None = None) -> Scope:
        """The records a report covers: OWNER (a rep's name, "me" or "all"; default: yours in a team database,
        everyone's in a journal of your own) and one ACCOUNT."""
        from salesdiary.store.reads.report_queries import Scope
        from salesdiary.store.team import owner_filter

        r = self.reader
        narrowed = account is not None and account != ""
        return Scope(
            owner=owner_filter(r, owner, narrowed=narrowed),
            account_id=self.resolve("account", account) if narrowed else None,  # type: ignore[arg-type]
        )

    # --- what the guided flows read as they ask (salesdiary/lookups.py) -----------------------------------

    def visit_lookups(self, owner: str | None = None) -> VisitLookups:
        """What a guided `sd visit add` reads: the records its options name, accounts as the rep types, an
        account's open deals and people, a stage's markers met, whose account it is (OWNER: whose visit; None:
        yours)."""
        from salesdiary.lookups import VisitLookups

        return VisitLookups(self, owner)

    def note_lookups(self) -> NoteLookups:
        """What `sd log`'s confirmation reads when the rep changes a field: accounts, open deals, people."""
        from salesdiary.lookups import NoteLookups

        return NoteLookups(self)

    # --- one-line capture (sd log) -----------------------------------------------------------------------

    def capture(self, text: str, *, today: dt.date | None = None) -> Capture:
        """What the note TEXT says ("拜访了华为张伟，下周三回电"): account, deal, people (known and new), kind,
        date, summary, next step and follow-up date, and what it is unsure of (core/capture.py). Writes nothing."""
        from salesdiary.core.capture import read_note
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import BadInput
        from salesdiary.core.validate import clean_text
        from salesdiary.i18n import _
        from salesdiary.store.reads.capture_reads import JournalNames

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
        from salesdiary.store.writes import records

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
            values = self.checked(fields.VISIT, {k: v for k, v in raw.items() if v is not None})
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
        from salesdiary.store.connection import open_siblings_early
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads import report_queries as rq

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
        from salesdiary.store.reads.report_queries import PeriodQuery, period_bounds, period_report
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
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads import report_queries as rq
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
        from salesdiary.store.reads.report_queries import due_list
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
        from salesdiary.store.connection import open_siblings_early
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads import health_queries as hq

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
        from salesdiary.store.reads.report_queries import Scope

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
        from salesdiary.store import health_memo
        from salesdiary.store.reads import health_queries as hq
        from salesdiary.store.reads import report_queries as rq

        r = self.reader
        books: dict[str, Playbook] = {}
        warnings: list[str] = []
        deal_rules = any(health.RULES[k].entity == "deal" for k in chosen)
        in_scope = rq.open_playbooks(r, scope) if deal_rules else []
        # the answers kept between runs (store/health_memo.py) are the rules' over every open deal, whatever the
        # scope: their SQL names every playbook in use (for the deals of the scope, the same answers)
        everyone = lanes and scope.deal_id is None and scope != rq.Scope() and health_memo.usable(r)
        for name in sorted({*in_scope, *rq.open_playbooks(r, rq.Scope())}) if deal_rules and everyone else in_scope:
            try:
                books[name] = configured_playbook(name)
            except SdError as exc:
                if name in in_scope:
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
            cadence_cutoffs=th.cadence_cutoffs(day),
            plan_periods=_plan_periods(th, day) if "plan_missing" in chosen else (),
            rules=chosen,
            scope=scope,
        )
        if self._on_query is not None:
            self._on_query()
        found = hq.health(r, q, per_rule, lanes=lanes)
        findings = health.build_findings(found.rows, th, stage_labeller(books), enums.RELATIONSHIP.label, per_rule)
        return CheckReport(findings, dict(found.counts), chosen, per_rule, warnings)

    def next(
        self,
        record: Ref | None = None,
        *,
        owner: str | None = None,
        limit: int | None = 10,
        today: dt.date | None = None,
    ) -> DealPlan | AccountPlan | NextAgenda:
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
        from salesdiary.store.reads import coach_reads

        if deal is None:
            from salesdiary.store.reads.report_queries import Scope

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
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads import coach_reads
        from salesdiary.store.reads.progress_reads import evaluation_answers, ticked_markers
        from salesdiary.store.reads.record_reads import one

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
        from salesdiary.store.reads import coach_reads
        from salesdiary.store.reads.record_reads import one
        from salesdiary.store.reads.report_queries import Scope

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

    def _agenda(self, owner: str | None, limit: int | None, today: dt.date | None) -> NextAgenda:
        from salesdiary.core import coach
        from salesdiary.core.dates import today as default_today
        from salesdiary.store.reads import coach_reads

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
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads import forecast_queries as fq

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
        from salesdiary.store.reads import forecast_queries as fq

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
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads import forecast_queries as fq

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
        from salesdiary.store.reads import forecast_queries as fq

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

    def agenda(self, *, owner: str | None = None, today: dt.date | None = None) -> Agenda:
        """Today's agenda (TODAY, default the real one): follow-ups and planned visits due, and what was logged."""
        from salesdiary.core.dates import today as default_today
        from salesdiary.store.reads.report_queries import agenda
        from salesdiary.store.team import owner_filter

        r = self.reader
        return Agenda(agenda(r, today or default_today(), owner=owner_filter(r, owner)))

    def decision_map(self, account: Ref, *, deal: Ref | None = None) -> DecisionMap:
        """ACCOUNT's decision map (with DEAL, its people's roles and stances in that deal); the roles looked for
        are the config's `map.roles`."""
        from salesdiary.core import enums
        from salesdiary.core.decision_map import map_data
        from salesdiary.core.errors import BadInput
        from salesdiary.core.settings import DEFAULT_MAP_ROLES
        from salesdiary.i18n import _
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads.record_reads import one
        from salesdiary.store.reads.report_queries import decision_map as query

        roles = config_value("map.roles", list(DEFAULT_MAP_ROLES))
        if not isinstance(roles, list) or not all(isinstance(x, str) and x in enums.ROLE for x in roles):
            raise BadInput(
                _("Config map.roles must be a list of buying roles ({roles}).").format(roles=", ".join(enums.ROLE.keys))
            )
        r = self.reader
        account_id = self.resolve("account", account)
        deal_id = self.resolve("deal", deal, account_id) if deal not in (None, "") else None
        if deal_id is not None and int(one(r, "deal", deal_id)["account_id"]) != account_id:
            raise BadInput(_("--deal: deal #{id} belongs to another account.").format(id=deal_id))
        return DecisionMap(map_data(query(r, account_id, deal_id), roles, stage_labeller({})), deal_id)

    def export(
        self,
        table: str,
        *,
        include_personal: bool = False,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        owner: str | None = None,
        account: Ref | None = None,
        stage: str | None = None,
        status: str | None = None,
        playbook: str | None = None,
    ) -> Export:
        """TABLE's records for `sd export` (accounts, contacts, deals, visits, followups, stages, …; see
        core/tabular.py), filtered as its options say; contacts' personal files only with INCLUDE_PERSONAL."""
        from salesdiary.core import tabular
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.reads.export_queries import export_rows

        table = export_table(table)
        if include_personal and table != "contacts":
            raise BadInput(_("--include-personal applies to contacts only."))
        r = self.reader
        where = self._export_filter(table, since, until, owner, account, stage, status, playbook)
        columns = tabular.export_columns(table, include_personal=include_personal)
        return Export(table, columns, export_rows(r, table, where, include_personal=include_personal), self)

    def _export_filter(
        self,
        table: str,
        since: str | dt.date | None,
        until: str | dt.date | None,
        owner: str | None,
        account: Ref | None,
        stage: str | None,
        status: str | None,
        playbook: str | None,
    ) -> Any:
        from salesdiary.core.enums import DEAL_STATUS, INFO_STAGE
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.reads.export_queries import ExportFilter, filters_for
        from salesdiary.store.team import owner_filter

        given = {"stage": stage, "status": status, "playbook": playbook}
        for name, value in given.items():
            if value is not None and name not in filters_for(table):
                raise BadInput(_("--{option} does not apply to {table}.").format(option=name, table=table))
        r = self.reader
        where = ExportFilter(owner=owner_filter(r, owner, narrowed=True))  # me or all too; everything by default
        start, end = _date(since, "--since"), _date(until, "--until")
        where.since = start.isoformat() if start else None
        where.until = end.isoformat() if end else None
        if account not in (None, ""):
            where.account_id = self.resolve("account", account)
        if playbook:
            from salesdiary.core.playbook import load_playbook
            from salesdiary.store.paths import config_dir

            where.playbook = load_playbook(playbook.strip(), config_dir()).name
        if stage:
            if table == "accounts":
                where.stage = INFO_STAGE.parse(stage)
            else:
                where.stage = configured_playbook(where.playbook).stage(stage).key
        if status and status.strip().lower() not in ("all", "全部"):
            if table == "followups":
                where.status = status.strip().lower()
                if where.status not in ("open", "done"):
                    raise BadInput(_("--status for follow-ups is open, done or all."))
            else:
                where.status = DEAL_STATUS.parse(status)
        return where

    def dump(self) -> Dump:
        """Everything in the journal, table by table, for `sd export all` (and `sd import all` to read back)."""
        from salesdiary.store.reads import export_queries as q
        from salesdiary.store.version import SCHEMA_VERSION

        r = self.reader
        header = {"format": q.DUMP_FORMAT, "version": q.DUMP_VERSION, "schema_version": SCHEMA_VERSION}
        return Dump(header, [(name, q.dump_rows(r, name)) for name in q.dump_tables(r)], self)


AGENDA_CHECK_EACH = 20  # `sd next` with at most this many deals checks them one by one; more: one whole check


def _plan_periods(th: Any, day: dt.date) -> tuple[tuple[str, str, str], ...]:
    """The periods whose visit plan is due (health.Thresholds.plan_periods) now, or at noon of DAY when the
    check is of another day."""
    from salesdiary.core.dates import now

    moment = now()
    if moment.date() != day:
        moment = dt.datetime.combine(day, dt.time(12))
    return tuple((period, first.isoformat(), last.isoformat()) for period, first, last in th.plan_periods(moment))


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
    too): the one door through which `sd next` gets them, so they cannot differ from `sd check`'s. One record:
    `Journal.findings_for` (the rules' queries for that record alone); with its deals: the checks over the account."""
    if every:
        return journal.check(account=account_id, per_rule=None, today=today).findings
    if entity == "deal":
        return journal.findings_for(deal=record_id, today=today).findings
    return journal.findings_for(account=record_id, today=today).findings


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


def _word(value: str | None, option: str) -> str | None:
    """A playbook or stage as typed: one short line of valid text (None when not given or blank)."""
    from salesdiary.core.validate import clean_text

    return clean_text(value, option, max_len=100, multiline=False)


def _text(value: str | None, option: str, *, max_len: int = 2000, multiline: bool = True) -> str | None:
    """Free text as typed (a reason, a note): checked, None when not given or blank."""
    from salesdiary.core.validate import clean_text

    return clean_text(value, option, max_len=max_len, multiline=multiline)


def _date(value: str | dt.date | None, option: str) -> dt.date | None:
    """A date given as a date or as text in any form `sd` reads (2026-12-01, fri, +3d, 明天); None stays None."""
    if value is None or isinstance(value, dt.date):
        return value
    from salesdiary.core.dates import parse_date, today
    from salesdiary.core.errors import BadInput

    cleaned = _text(str(value), option, max_len=200, multiline=False)
    if cleaned is None:
        return None
    try:
        return parse_date(cleaned, today())
    except BadInput as exc:
        raise BadInput(f"{option}: {exc.message}") from None


def _missing(option: str) -> Exception:
    from salesdiary.core.errors import BadInput
    from salesdiary.i18n import _

    return BadInput(_("Missing {option}: pass it on the command line.").format(option=option))


def _list_query(limit: int | None, **filters: Any) -> Any:
    from salesdiary.store.reads.record_reads import ListQuery

    return ListQuery(limit=limit, count=False, **filters)


class Accounts:
    """The journal's accounts (organisations): `add`, `edit`, `remove`, `reassign`, `list`, `get`, `find` (a page
    and its total, as `sd account list` shows it), `show`."""

    def __init__(self, journal: Journal) -> None:
        self._j = journal

    def add(self, name: str, **values: Any) -> int:
        """Report a new account NAME (you own it: the first to report an account owns it); VALUES as
        `sd account add`'s options: purchase_mode, source, industry, region, address, phone, website,
        info_stage, relation, tier, lifecycle, owner, notes. Returns its id."""
        from salesdiary.core import fields
        from salesdiary.store.writes import records

        clean = self._j.checked(fields.ACCOUNT, {"name": name, **values}, ("name",))
        return self._j.write("accounts.add", lambda tx: records.add_account(tx, clean))

    def edit(self, account: Ref, **values: Any) -> Changed:
        """Change ACCOUNT's fields: VALUES as for `add` (and name); "" clears a field."""
        from salesdiary.core import fields
        from salesdiary.store.writes import records

        account_id = self._j.resolve("account", account)
        clean = self._j.checked(fields.ACCOUNT, values)
        return Changed(
            account_id, self._j.write("accounts.edit", lambda tx: records.edit_account(tx, account_id, clean))
        )

    def remove(self, account: Ref, *, force: bool = False) -> int:
        """Remove ACCOUNT (with FORCE, also its contacts, deals, visits and follow-ups). Returns its id."""
        from salesdiary.store.writes import records

        account_id = self._j.resolve("account", account)
        self._j.write("accounts.remove", lambda tx: records.remove_account(tx, account_id, force=force))
        return account_id

    def reassign(self, account: Ref, to: str, reason: str) -> dict[str, Any]:
        """Give ACCOUNT, with its open deals and follow-ups, to the rep TO, saying why (REASON; a manager's
        write). Returns {"id", "from", "to", "deals", "followups"}: what moved."""
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.writes import records

        new_owner = _text(to, "--to", max_len=200, multiline=False)
        why = _text(reason, "--reason", multiline=False)
        if not new_owner or not why:
            raise BadInput(_("--to and --reason need a value."))
        account_id = self._j.resolve("account", account)
        moved = self._j.write("accounts.reassign", lambda tx: records.reassign_account(tx, account_id, new_owner, why))
        return {"id": account_id, **moved}

    def list(self, search: str | None = None, *, owner: str | None = None, limit: int | None = None) -> Rows:
        """Accounts (whose name contains SEARCH), as `sd account list --json` gives them."""
        from salesdiary.store.reads.record_reads import list_accounts
        from salesdiary.store.team import owner_filter

        r = self._j.reader
        q = _list_query(limit, owner=owner_filter(r, owner, narrowed=bool(search)), search=search)
        return list_accounts(r, q)[0]

    def get(self, account: Ref) -> dict[str, Any]:
        """The account ACCOUNT names (an id or a name), else NotFound."""
        from salesdiary.store.reads.record_reads import one

        return one(self._j.reader, "account", self._j.resolve("account", account))

    def find(
        self,
        search: str | None = None,
        *,
        owner: str | None = None,
        info_stage: str | None = None,
        limit: int | None = 50,
        count: bool = True,
    ) -> Listing:
        """`sd account list`: accounts (whose name contains SEARCH; at INFO_STAGE), at most LIMIT (None: all);
        COUNT: count them all for the total (else the total is the rows returned)."""
        from salesdiary.core.enums import INFO_STAGE
        from salesdiary.store.reads.record_reads import ListQuery, list_accounts
        from salesdiary.store.team import owner_filter

        r = self._j.reader
        q = ListQuery(
            owner=owner_filter(r, owner, narrowed=bool(search)),  # a search looks at everyone's: who owns it?
            search=search,
            stage=INFO_STAGE.parse(info_stage) if info_stage else None,
            limit=limit,
            count=count,
        )
        return Listing(*list_accounts(r, q))

    def show(self, account: Ref) -> Record:
        """`sd account show`: ACCOUNT with its contacts, deals, five latest visits (and how many in all) and open
        follow-ups."""
        from salesdiary.store.reads import record_reads

        r = self._j.reader
        account_id = self._j.resolve("account", account)
        row = record_reads.one(r, "account", account_id)
        contacts, _n = record_reads.list_contacts(r, record_reads.ListQuery(account_id=account_id, limit=None))
        deals, _n = record_reads.list_deals(r, record_reads.ListQuery(account_id=account_id, status="all", limit=None))
        visits, visit_count = record_reads.list_visits(r, record_reads.ListQuery(account_id=account_id, limit=5))
        followups, _n = record_reads.list_followups(r, record_reads.ListQuery(account_id=account_id, limit=None))
        return Record(
            {
                **row,
                "contacts": contacts,
                "deals": deals,
                "recent_visits": visits,
                "visit_count": visit_count,
                "open_followups": followups,
            }
        )


class Contacts:
    """The people at the journal's accounts: `add`, `edit`, `remove`, `find`, `show`."""

    def __init__(self, journal: Journal) -> None:
        self._j = journal

    def add(self, account: Ref, name: str, *, reports_to: Ref | None = None, **values: Any) -> int:
        """Add NAME at ACCOUNT, reporting to the contact REPORTS_TO there; VALUES as `sd contact add`'s options:
        title, department, phone, email, level, role, relationship, stance, coach, style, attitude, birthday,
        hometown, school, family, hobbies, personal_notes, notes. Returns its id."""
        from salesdiary.core import fields
        from salesdiary.store.writes import records

        clean = self._j.checked(fields.CONTACT, {"name": name, **values}, ("name",))
        account_id = self._j.resolve("account", account)
        boss = self._j.resolve("contact", reports_to, account_id) if reports_to not in (None, "") else None
        return self._j.write("contacts.add", lambda tx: records.add_contact(tx, account_id, clean, boss))

    def edit(
        self, contact: Ref, *, account: Ref | None = None, reports_to: Ref | None = None, **values: Any
    ) -> Changed:
        """Change CONTACT's fields ("" clears one); ACCOUNT moves them; REPORTS_TO names their boss ("" clears)."""
        from salesdiary.core import fields
        from salesdiary.store.writes import records

        j = self._j
        contact_id = j.resolve("contact", contact)
        account_id = j.resolve("account", account) if account not in (None, "") else None
        clean = j.checked(fields.CONTACT, values)
        boss: int | None | bool = False  # False: unchanged
        if reports_to is not None:
            boss = j.resolve("contact", reports_to) if str(reports_to).strip() else None
        changes = j.write("contacts.edit", lambda tx: records.edit_contact(tx, contact_id, clean, account_id, boss))
        return Changed(contact_id, changes)

    def remove(self, contact: Ref) -> int:
        """Remove CONTACT (their visits stay, without them). Returns their id."""
        from salesdiary.store.writes import records

        contact_id = self._j.resolve("contact", contact)
        self._j.write("contacts.remove", lambda tx: records.remove_contact(tx, contact_id))
        return contact_id

    def find(
        self,
        search: str | None = None,
        *,
        account: Ref | None = None,
        role: str | None = None,
        limit: int | None = 50,
        count: bool = True,
    ) -> Listing:
        """`sd contact list`: contacts (whose name contains SEARCH; of ACCOUNT; with the buying ROLE)."""
        from salesdiary.core.enums import ROLE
        from salesdiary.store.reads.record_reads import ListQuery, list_contacts

        r = self._j.reader
        q = ListQuery(
            account_id=self._j.resolve("account", account) if account not in (None, "") else None,
            search=search,
            role=ROLE.parse(role) if role else None,
            limit=limit,
            count=count,
        )
        return Listing(*list_contacts(r, q))

    def show(self, contact: Ref, *, account: Ref | None = None) -> Record:
        """`sd contact show`: CONTACT (looked for at ACCOUNT) with their five latest visits and how many in all."""
        from salesdiary.store.reads import record_reads

        j = self._j
        account_id = j.resolve("account", account) if account not in (None, "") else None
        contact_id = j.resolve("contact", contact, account_id)
        row = record_reads.one(j.reader, "contact", contact_id)
        visits, total = record_reads.list_visits(j.reader, record_reads.ListQuery(contact_id=contact_id, limit=5))
        return Record({**row, "recent_visits": visits, "visit_count": total})


class Deals:
    """The journal's deals: `add`, `edit`, `win`, `lose`, `drop`, `remove`, `advance`, `markers`, `qualify`,
    `evaluation`, `progress`,
    `list`, `get`, `find`, `show`."""

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
        from salesdiary.store.writes import records

        clean = self._j.checked(fields.DEAL, {"name": name, **values}, ("name",))
        account_id = self._j.resolve("account", account)
        book, step = _word(playbook, "--playbook"), _word(stage, "--stage")
        return self._j.write(
            "deals.add",
            lambda tx: records.add_deal(
                tx, account_id, clean, playbook=book, stage=step, refuse_duplicate=not allow_duplicate
            ),
        )

    def edit(
        self,
        deal: Ref,
        *,
        account: Ref | None = None,
        stage: str | None = None,
        playbook: str | None = None,
        **values: Any,
    ) -> Changed:
        """Change DEAL's fields ("" clears one); ACCOUNT moves it; STAGE (of PLAYBOOK) moves it to that stage,
        recorded in its stage history."""
        from salesdiary.core import fields
        from salesdiary.store.writes import records

        j = self._j
        deal_id = j.resolve("deal", deal)
        account_id = j.resolve("account", account) if account not in (None, "") else None
        clean = j.checked(fields.DEAL, values)
        book, step = _word(playbook, "--playbook"), _word(stage, "--stage")
        changes = j.write(
            "deals.edit",
            lambda tx: records.edit_deal(tx, deal_id, clean, account_id=account_id, stage=step, playbook=book),
        )
        return Changed(deal_id, changes)

    def win(self, deal: Ref, *, amount: str | float | None = None, on: str | dt.date | None = None) -> int:
        """Mark DEAL as won (ON a date, default today; AMOUNT: the final amount). Returns its id."""
        return self._close("won", deal, amount=amount, on=on)

    def lose(self, deal: Ref, *, reason: str | None = None, on: str | dt.date | None = None) -> int:
        """Mark DEAL as lost, with the REASON (ON a date, default today). Returns its id."""
        return self._close("lost", deal, reason=reason, on=on)

    def drop(self, deal: Ref, *, on: str | dt.date | None = None) -> int:
        """Mark DEAL as dropped: the customer no longer buys, or we no longer sell (ON a date, default today)."""
        return self._close("dropped", deal, on=on)

    def _close(
        self,
        status: str,
        deal: Ref,
        *,
        amount: str | float | None = None,
        reason: str | None = None,
        on: str | dt.date | None = None,
    ) -> int:
        from salesdiary.core.validate import parse_amount
        from salesdiary.store.writes import records

        deal_id = self._j.resolve("deal", deal)
        value = parse_amount(amount) if amount is not None else None
        why = _text(reason, "--reason")
        when = _date(on, "--date")
        self._j.write(
            f"deals.{'win' if status == 'won' else 'lose' if status == 'lost' else 'drop'}",
            lambda tx: records.close_deal(tx, deal_id, status, reason=why, on=when, amount=value),
        )
        return deal_id

    def remove(self, deal: Ref) -> int:
        """Remove DEAL (its visits stay, without the deal). Returns its id."""
        from salesdiary.store.writes import records

        deal_id = self._j.resolve("deal", deal)
        self._j.write("deals.remove", lambda tx: records.remove_deal(tx, deal_id))
        return deal_id

    def progress(self, deal: Ref, stage: str | None = None) -> StageProgress:
        """DEAL at STAGE of its playbook (a key, number or label; default: its current stage), with the markers
        ticked there."""
        from salesdiary.core.playbook import load_playbook
        from salesdiary.store.paths import config_dir
        from salesdiary.store.reads.progress_reads import ticked_markers
        from salesdiary.store.reads.record_reads import one

        r = self._j.reader
        deal_id = self._j.resolve("deal", deal)
        row = one(r, "deal", deal_id)
        book = load_playbook(row["playbook"], config_dir())
        st = book.stage(stage or row["stage"])
        return StageProgress(row, book, st, dict(ticked_markers(r, deal_id, st.key)))

    def markers(
        self, deal: Ref, *, tick: Sequence[str] = (), untick: Sequence[str] = (), stage: str | None = None
    ) -> tuple[list[str], list[str]]:
        """Tick and untick progress markers (keys) of DEAL's STAGE (default: its current one). Returns the keys
        that were ticked and unticked (a marker already so is left out)."""
        from salesdiary.store.writes import progress

        deal_id = self._j.resolve("deal", deal)

        def change(tx: Tx) -> tuple[list[str], list[str]]:
            return (
                progress.tick_markers(tx, deal_id, list(tick), stage=stage),
                progress.untick_markers(tx, deal_id, list(untick), stage=stage),
            )

        return self._j.write("deals.markers", change)

    def evaluation(self, deal: Ref) -> Evaluation:
        """DEAL's opportunity evaluation as stored (`sd qualify DEAL --show`)."""
        from salesdiary.store.reads.progress_reads import evaluation_answers
        from salesdiary.store.reads.record_reads import one

        r = self._j.reader
        deal_id = self._j.resolve("deal", deal)
        return Evaluation(one(r, "deal", deal_id), evaluation_answers(r, deal_id))

    def qualify(self, deal: Ref, answers: dict[str, str], notes: dict[str, str | None] | None = None) -> int:
        """Store answers to the 20 questions of the opportunity evaluation (question key → yes, partly, no or
        unknown; core/evaluation.py) and notes on them. Returns how many changed."""
        from salesdiary.store.writes import progress

        deal_id = self._j.resolve("deal", deal)
        return self._j.write("deals.qualify", lambda tx: progress.save_evaluation(tx, deal_id, answers, notes))

    def list(
        self,
        *,
        account: Ref | None = None,
        owner: str | None = None,
        status: str | None = "open",
        limit: int | None = None,
    ) -> Rows:
        """Deals (of ACCOUNT; with STATUS open, won, lost, dropped, or None for all), as `sd deal list --json`."""
        from salesdiary.store.reads.record_reads import list_deals
        from salesdiary.store.team import owner_filter

        r = self._j.reader
        account_id = self._j.resolve("account", account) if account is not None else None
        q = _list_query(
            limit, owner=owner_filter(r, owner, narrowed=account_id is not None), account_id=account_id, status=status
        )
        return list_deals(r, q)[0]

    def get(self, deal: Ref) -> dict[str, Any]:
        """The deal DEAL names (an id or a name), with its account's name, else NotFound."""
        from salesdiary.store.reads.record_reads import one

        return one(self._j.reader, "deal", self._j.resolve("deal", deal))

    def find(
        self,
        *,
        account: Ref | None = None,
        status: str | None = "open",
        stage: str | None = None,
        playbook: str | None = None,
        owner: str | None = None,
        limit: int | None = 50,
        count: bool = True,
    ) -> Listing:
        """`sd deal list`: deals (of ACCOUNT; with STATUS open, won, lost, dropped or all; at STAGE of PLAYBOOK),
        the most urgent next step first."""
        from salesdiary.core.enums import DEAL_STATUS
        from salesdiary.store.reads.record_reads import (
            ListQuery,
            default_playbook,
            list_deals,
            playbook_name,
            stage_key,
        )
        from salesdiary.store.team import owner_filter

        book, step = _word(playbook, "--playbook"), _word(stage, "--stage")
        book = playbook_name(book) if book else None
        r = self._j.reader
        narrowed = account not in (None, "")
        wanted = status or "all"
        q = ListQuery(
            account_id=self._j.resolve("account", account) if narrowed else None,  # type: ignore[arg-type]
            owner=owner_filter(r, owner, narrowed=narrowed),
            status="all" if wanted.strip().lower() in ("all", "全部") else DEAL_STATUS.parse(wanted),
            stage=stage_key(book or default_playbook(), step) if step else None,
            limit=limit,
            count=count,
            extra={"playbook": book} if book else {},
        )
        return Listing(*list_deals(r, q))

    def show(self, deal: Ref) -> Record:
        """`sd deal show`: DEAL with its people, stage history and five latest visits (and how many in all), and
        for an open deal `coach`: its stage's goal, the required markers still unmet and the top three actions
        (`Journal.quick_plan`: no checks run)."""
        from salesdiary.store.reads import record_reads

        r = self._j.reader
        deal_id = self._j.resolve("deal", deal)
        row = record_reads.one(r, "deal", deal_id)
        people = record_reads.deal_contacts(r, deal_id)
        stages = record_reads.stage_history(r, deal_id)
        visits, total = record_reads.list_visits(r, record_reads.ListQuery(deal_id=deal_id, limit=5))
        plan = self._j.quick_plan(deal_id)
        coach = None
        if not plan.closed and plan.stage is not None:
            coach = {
                "goal": plan.stage["goal"],
                "unmet_required": [m["label"] for m in plan.markers if m["required"] and not m["met"]],
                "actions": [a.as_json() for a in plan.actions[:3]],
            }
        return Record(
            {
                **row,
                "contacts": people,
                "stage_history": stages,
                "recent_visits": visits,
                "visit_count": total,
                "coach": coach,
            }
        )

    def advance(
        self, deal: Ref, *, force: bool = False, reason: str | None = None, ticks: Sequence[str] = ()
    ) -> Advanced:
        """Move DEAL to the next stage of its playbook after the stage exit check (required markers unmet:
        StageExitBlocked, unless FORCE with a REASON), ticking the markers TICKS of its stage first, in the same
        write. Returns the move (old and new stage)."""
        from salesdiary.store.writes import progress

        deal_id = self._j.resolve("deal", deal)

        def move(tx: Tx) -> Advanced:
            if ticks:
                progress.tick_markers(tx, deal_id, list(ticks))
            return progress.advance(tx, deal_id, force=force, reason=reason)

        return self._j.write("deals.advance", move)


class Visits:
    """The journal's visits (any activity with a customer): `add`, `edit`, `remove`, `list`, `find`, `show`."""

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
        clean = self._j.checked(fields.VISIT, raw)
        if assist:
            clean["assist"] = True
        return self.log(account, deal, contacts, clean)

    def log(
        self, account: Ref | None, deal: Ref | None, contacts: Sequence[Ref], values: dict[str, Any]
    ) -> LoggedVisit:
        """Log a visit from VALUES already converted (core/fields.py VISIT): what `sd visit add` calls."""
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.reads.record_reads import one
        from salesdiary.store.writes import records

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

    def log_plan(self, plan: VisitPlan) -> PlanLogged:
        """Write what a guided `sd visit add` gathered (core/visit_plan.py VisitPlan: a new account or deal, the
        people met, the visit, markers ticked, a stage move) as one write, recorded as visits.add."""
        from salesdiary.store.writes import progress

        return self._j.write("visits.add", lambda tx: progress.log_visit(tx, plan))

    def edit(
        self, visit: Ref, *, deal: Ref | None = None, contacts: Sequence[Ref] | None = None, **values: Any
    ) -> Changed:
        """Change VISIT ("" clears a field); DEAL: the deal it was about ("" for none); CONTACTS: the people met
        (replaces the list)."""
        from salesdiary.core import fields
        from salesdiary.store.reads.record_reads import one
        from salesdiary.store.writes import records

        j = self._j
        visit_id = j.resolve("visit", visit)
        account_id = int(one(j.reader, "visit", visit_id)["account_id"])
        raw = {"follow_up_date" if k == "follow_up" else k: v for k, v in values.items()}
        clean = j.checked(fields.VISIT, raw)
        deal_id: int | None | bool = False  # False: unchanged
        if deal is not None:
            deal_id = j.resolve("deal", deal, account_id) if str(deal).strip() else None
        contact_ids = [j.resolve("contact", c, account_id) for c in contacts] if contacts else None
        changes = j.write(
            "visits.edit",
            lambda tx: records.edit_visit(tx, visit_id, clean, deal_id=deal_id, contact_ids=contact_ids),
        )
        return Changed(visit_id, changes)

    def remove(self, visit: Ref) -> int:
        """Remove VISIT. Returns its id."""
        from salesdiary.store.writes import records

        visit_id = self._j.resolve("visit", visit)
        self._j.write("visits.remove", lambda tx: records.remove_visit(tx, visit_id))
        return visit_id

    def find(
        self,
        *,
        account: Ref | None = None,
        deal: Ref | None = None,
        contact: Ref | None = None,
        since: str | dt.date | None = None,
        until: str | dt.date | None = None,
        owner: str | None = None,
        limit: int | None = 50,
        count: bool = True,
    ) -> Listing:
        """`sd visit list`: visits, newest first (of ACCOUNT, DEAL, where CONTACT was met; from SINCE, up to
        UNTIL)."""
        from salesdiary.store.reads.record_reads import ListQuery, list_visits
        from salesdiary.store.team import owner_filter

        j = self._j
        r = j.reader
        account_id = j.resolve("account", account) if account not in (None, "") else None
        start, end = _date(since, "--since"), _date(until, "--until")
        q = ListQuery(
            account_id=account_id,
            deal_id=j.resolve("deal", deal, account_id) if deal not in (None, "") else None,
            contact_id=j.resolve("contact", contact, account_id) if contact not in (None, "") else None,
            since=start.isoformat() if start else None,
            until=end.isoformat() if end else None,
            owner=owner_filter(r, owner, narrowed=bool(account or deal or contact)),
            limit=limit,
            count=count,
        )
        return Listing(*list_visits(r, q))

    def show(self, visit: Ref) -> Record:
        """`sd visit show`: one visit, with the people met."""
        from salesdiary.store.reads.record_reads import one

        return Record(one(self._j.reader, "visit", self._j.resolve("visit", visit)))

    def list(
        self,
        *,
        account: Ref | None = None,
        deal: Ref | None = None,
        owner: str | None = None,
        limit: int | None = None,
    ) -> Rows:
        """Visits, newest first (of ACCOUNT, of DEAL), as `sd visit list --json` gives them."""
        from salesdiary.store.reads.record_reads import list_visits
        from salesdiary.store.team import owner_filter

        j = self._j
        account_id = j.resolve("account", account) if account is not None else None
        deal_id = j.resolve("deal", deal, account_id) if deal is not None else None
        narrowed = account_id is not None or deal_id is not None
        q = _list_query(
            limit, owner=owner_filter(j.reader, owner, narrowed=narrowed), account_id=account_id, deal_id=deal_id
        )
        return list_visits(j.reader, q)[0]


class Followups:
    """Dated next actions: `add`, `done`, `remove`, `find`."""

    def __init__(self, journal: Journal) -> None:
        self._j = journal

    def add(
        self,
        account: Ref | None,
        action: str,
        due: str | dt.date,
        *,
        deal: Ref | None = None,
        contact: Ref | None = None,
        **values: Any,
    ) -> int:
        """Add ACTION, due on DUE, at ACCOUNT (or DEAL's account), about DEAL and CONTACT; VALUES: kind (todo,
        visit, call), owner. Returns its id."""
        from salesdiary.core import fields
        from salesdiary.store.reads.record_reads import one
        from salesdiary.store.writes import records

        j = self._j
        clean = j.checked(fields.FOLLOWUP, {"action": action, "due": due, **values}, ("action",))
        account_id = None
        if account not in (None, ""):
            account_id = j.resolve("account", account)
        elif deal not in (None, ""):
            account_id = int(one(j.reader, "deal", j.resolve("deal", deal))["account_id"])
        if account_id is None:
            raise _missing("--account")
        deal_id = j.resolve("deal", deal, account_id) if deal not in (None, "") else None
        contact_id = j.resolve("contact", contact, account_id) if contact not in (None, "") else None
        return j.write(
            "followups.add",
            lambda tx: records.add_followup(tx, account_id, clean, deal_id=deal_id, contact_id=contact_id),
        )

    def done(self, *followups: Ref, undo: bool = False) -> list[int]:
        """Mark FOLLOWUPS as done (UNDO: open again), in one write. Returns their ids, each once."""
        from salesdiary.store.writes import records

        ids = list(dict.fromkeys(self._j.resolve("followup", f) for f in followups))  # `done 1 1` is one

        def complete(tx: Tx) -> None:
            for fid in ids:
                records.complete_followup(tx, fid, undo=undo)

        self._j.write("followups.done", complete)
        return ids

    def find(
        self,
        *,
        account: Ref | None = None,
        deal: Ref | None = None,
        status: str = "open",
        owner: str | None = None,
        limit: int | None = 50,
        count: bool = True,
    ) -> Listing:
        """`sd followup list`: follow-ups, the earliest first (of ACCOUNT, of DEAL; STATUS open, done or all)."""
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.reads.record_reads import ListQuery, list_followups
        from salesdiary.store.team import owner_filter

        if status not in ("open", "done", "all"):
            raise BadInput(_("--status must be open, done or all."))
        j = self._j
        r = j.reader
        account_id = j.resolve("account", account) if account not in (None, "") else None
        q = ListQuery(
            account_id=account_id,
            deal_id=j.resolve("deal", deal, account_id) if deal not in (None, "") else None,
            status=status,
            owner=owner_filter(r, owner, narrowed=bool(account or deal)),
            limit=limit,
            count=count,
        )
        return Listing(*list_followups(r, q))

    def remove(self, followup: Ref) -> int:
        """Remove FOLLOWUP. Returns its id."""
        from salesdiary.store.writes import records

        followup_id = self._j.resolve("followup", followup)
        self._j.write("followups.remove", lambda tx: records.remove_followup(tx, followup_id))
        return followup_id


def export_table(name: str) -> str:
    """NAME as a table `sd export` writes (accounts, contacts, …), else BadInput naming them."""
    from salesdiary.core import tabular
    from salesdiary.core.errors import BadInput
    from salesdiary.i18n import _

    table = name.strip().lower()
    if table not in tabular.EXPORT_TABLES:
        raise BadInput(
            _("Cannot export {table!r}; choose one of: {tables}, all.").format(
                table=table, tables=", ".join(tabular.EXPORT_TABLES)
            )
        )
    return table


def receivable_id(ref: Ref) -> int:
    """The id of a receivable as given (12, "12" or "#12"): receivables have no name, so nothing else will do."""
    from salesdiary.core.errors import BadInput
    from salesdiary.i18n import _

    raw = str(ref).strip().lstrip("#")
    if not raw.isdigit() or len(raw) > 18:
        raise BadInput(_("A receivable is named by its id (a number), not {text!r}.").format(text=str(ref)))
    return int(raw)


class Receivables:
    """Amounts due on won deals: `add`, `pay`, `remove`, `find`."""

    def __init__(self, journal: Journal) -> None:
        self._j = journal

    def add(
        self,
        deal: Ref,
        amount: str | float,
        due: str | dt.date,
        *,
        note: str | None = None,
        owner: str | None = None,
    ) -> int:
        """Record AMOUNT due on DUE for the won DEAL (NOTE: e.g. which instalment; OWNER: who collects it,
        default the deal's owner). Returns its id; `last_values` holds the amount and date as read."""
        from salesdiary.core.validate import parse_amount
        from salesdiary.store.writes.receivables import add_receivable

        value = parse_amount(amount, "--amount")
        if value is None:
            raise _missing("--amount")
        when = _date(due, "--due")
        if when is None:
            raise _missing("--due")
        text = _text(note, "--note")
        who = _text(owner, "--owner", max_len=200, multiline=False)
        self._j.last_values = {"amount": value, "due": when, "note": text, "owner": who}
        deal_id = self._j.resolve("deal", deal)
        return self._j.write(
            "receivables.add", lambda tx: add_receivable(tx, deal_id, value, when, note=text, owner=who)
        )

    def find(
        self,
        *,
        status: str = "open",
        owner: str | None = None,
        account: Ref | None = None,
        limit: int | None = 50,
        today: dt.date | None = None,
    ) -> ReceivableList:
        """`sd receivable list`: receivables with STATUS open, paid or all (of OWNER, of ACCOUNT), at most LIMIT
        items; the collection rules and currency rates are the config's."""
        from salesdiary.core import collection, currency
        from salesdiary.core.dates import today as default_today
        from salesdiary.core.errors import BadInput
        from salesdiary.i18n import _
        from salesdiary.store.paths import config_value
        from salesdiary.store.reads.report_queries import ReceivableQuery, receivables

        if status not in ("open", "paid", "all"):
            raise BadInput(_("--status must be open, paid or all."))
        rules = collection.rules(config_value)
        rates = currency.rates(config_value)  # a bad [currency] table: said before any work
        scope = self._j.scope(owner, account)
        day = today or default_today()
        q = ReceivableQuery(day, rules.long_cutoff(day), rules.large_amount, status, scope, limit)
        rows, summary = receivables(self._j.reader, q)
        return ReceivableList(
            collection.receivables_data(
                rows, summary, today=day, long_days=rules.long_days, large_amount=rules.large_amount, rates=rates
            )
        )

    def pay(
        self, receivable: Ref, *, amount: str | float | None = None, on: str | dt.date | None = None
    ) -> dict[str, Any]:
        """Record a payment on RECEIVABLE (AMOUNT, default all that is outstanding; ON a date, default today).
        Returns {"id", "paid", "outstanding"}."""
        from salesdiary.core.validate import parse_amount
        from salesdiary.store.writes.receivables import record_payment

        rid = receivable_id(receivable)
        value = parse_amount(amount, "--amount") if amount is not None else None
        when = _date(on, "--date")
        return {"id": rid, **self._j.write("receivables.pay", lambda tx: record_payment(tx, rid, value, when))}

    def remove(self, receivable: Ref) -> int:
        """Remove RECEIVABLE (entered by mistake). Returns its id."""
        from salesdiary.store.writes.receivables import remove_receivable

        rid = receivable_id(receivable)
        self._j.write("receivables.remove", lambda tx: remove_receivable(tx, rid))
        return rid


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
