"""Importing accounts, contacts, deals and visits from CSV or JSON files.

A file is read whole (UTF-8 with or without BOM, UTF-16 with BOM, else GB18030,
which covers GBK), its columns matched to fields (core/tabular.py), and each row
converted with the same field rules as the commands. Rows then upsert on natural
keys: an account by its normalised name; a contact by email, else phone, else
name at the account; a deal by external id when the row has one, else name at the
account; a visit by account, date, activity, purpose and summary.

Everything happens in one transaction (store/tx.run_write): a real import writes
all its rows or, when any row is invalid and --skip-invalid is not given, none.
New records go in with Tx.insert_many (history is recorded for each); natural-key
maps are loaded once at the start, so no row costs a query of its own. A dry run
does the same work against a plain reader and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesdiary.core import tabular
from salesdiary.core.currency import default_currency
from salesdiary.core.dates import today as today_date
from salesdiary.core.enums import DEAL_STATUS
from salesdiary.core.errors import BadInput, SdError
from salesdiary.core.naming import account_key, fold
from salesdiary.core.playbook import Playbook, load_playbook
from salesdiary.i18n import _
from salesdiary.store.connection import Reader
from salesdiary.store.paths import config_dir, config_value, current_user

if TYPE_CHECKING:
    from salesdiary.store.tx import Tx

FORMATS = ("csv", "json", "jsonl")
MAX_FILE_BYTES = 256 * 1024 * 1024  # an import is read whole: larger files (or /dev/zero) are refused, not loaded
_CHUNK = 1024 * 1024


# Reading a file -----------------------------------------------------------------------------------------


@dataclass
class Source:
    """A file's columns and its rows as (row number, column → cell); problems found while reading."""

    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    encoding: str
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of DATA and the encoding it was read with."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise BadInput(_("--encoding: unknown encoding {name!r}.").format(name=encoding)) from None
        except UnicodeDecodeError as exc:
            raise BadInput(
                _("The file is not {name} (byte {position} cannot be read).").format(name=encoding, position=exc.start)
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for name in ("utf-8", "gb18030"):
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
    raise BadInput(_("Cannot tell the file's encoding; save it as UTF-8 or name it with --encoding."))


def read_text(path: str, encoding: str | None = None) -> tuple[str, str]:
    """The text of the file PATH ('-' for stdin) and the encoding it was read with; at most MAX_FILE_BYTES."""
    try:
        if path == "-":
            data = _read_bounded(sys.stdin.buffer, path)
        else:
            with open(Path(path).expanduser(), "rb") as fh:
                data = _read_bounded(fh, path)
    except OSError as exc:
        raise BadInput(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)) from None
    return decode(data, encoding)


def _read_bounded(stream: Any, path: str) -> bytes:
    """STREAM's bytes, read in chunks; more than MAX_FILE_BYTES (a device that never ends, too) is bad input."""
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(min(_CHUNK, MAX_FILE_BYTES + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise BadInput(
                _("{path} is larger than the import limit of {limit} MB; split it into smaller files.").format(
                    path=path, limit=MAX_FILE_BYTES // (1024 * 1024)
                )
            )
    return b"".join(chunks)


def parse_json(text: str) -> Any:
    """TEXT as JSON; a syntax error, nesting too deep or a number too long to read is bad input, one line."""
    problem = json_problem(text)
    if isinstance(problem, str):
        raise BadInput(_("The file is not valid JSON: {error}").format(error=problem))
    return problem[0]


def json_problem(text: str) -> tuple[Any] | str:
    """(the value of TEXT as JSON,), or why it cannot be read: a sentence for the user."""
    try:
        return (json.loads(text),)
    except json.JSONDecodeError as exc:
        return str(exc)
    except RecursionError:
        return _("it is nested too deeply.")
    except ValueError:  # an integer longer than Python reads (sys.get_int_max_str_digits)
        return _("a number has too many digits (at most {n}).").format(n=sys.get_int_max_str_digits() or "∞")


def read_source(path: str, fmt: str | None = None, encoding: str | None = None) -> Source:
    """Read PATH ('-' for stdin) as CSV, a JSON array or JSON lines."""
    text, used = read_text(path, encoding)
    if fmt is None:
        suffix = Path(path).suffix.lower()
        start = text.lstrip()[:1]
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv"}.get(suffix) or (
            "jsonl" if start == "{" else "json" if start == "[" else "csv"
        )
    if fmt == "csv":
        return _read_csv(text, used)
    if fmt == "json":
        return _read_json(text, used)
    return _read_jsonl(text, used)


def _csv_records(reader: Any) -> Iterator[list[str]]:
    """The rows of READER; a line the csv module cannot read (e.g. a cell over its size limit) is bad input."""
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadInput(
                _("Line {line} of the file cannot be read as CSV ({error}); nothing was imported.").format(
                    line=reader.line_num, error=exc
                )
            ) from None
        yield record


def _read_csv(text: str, encoding: str) -> Source:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = _csv_records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False))
    header = next(records, None)
    if not header:
        raise BadInput(_("The file is empty: a CSV import needs a header row naming the columns."))
    columns = [c.strip() or f"column_{i + 1}" for i, c in enumerate(header)]
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            raise BadInput(_("The header names the column {column!r} twice.").format(column=c))
        seen.add(c)
    source = Source(columns, [], encoding)
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(columns) and any(cell.strip() for cell in record[len(columns) :]):
            source.problems.append(
                Problem(
                    number,
                    "",
                    _("the row has {cells} cells, the header {columns}.").format(
                        cells=len(record), columns=len(columns)
                    ),
                )
            )
            continue
        source.rows.append((number, dict(zip(columns, record, strict=False))))
    return source


def _read_json(text: str, encoding: str) -> Source:
    data = parse_json(text)
    if not isinstance(data, list):
        raise BadInput(_("A JSON import is an array of objects, one per row (or JSON lines)."))
    return _objects(list(enumerate(data, start=1)), encoding)


def _read_jsonl(text: str, encoding: str) -> Source:
    items: list[tuple[int, Any]] = []
    bad: list[Problem] = []
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may sit inside a value
        if not line.strip():
            continue
        try:
            items.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            bad.append(Problem(number, "", _("not valid JSON: {error}").format(error=exc.msg)))
        except (RecursionError, ValueError):  # nested too deeply, or a number too long to read
            bad.append(Problem(number, "", _("not valid JSON: {error}").format(error=json_problem(line))))
    source = _objects(items, encoding)
    source.problems[:0] = bad
    return source


def _objects(items: list[tuple[int, Any]], encoding: str) -> Source:
    columns: dict[str, None] = {}
    source = Source([], [], encoding)
    for number, item in items:
        if not isinstance(item, dict):
            source.problems.append(Problem(number, "", _("expected a JSON object with one key per column.")))
            continue
        columns.update(dict.fromkeys(str(k) for k in item))
        source.rows.append((number, {str(k): v for k, v in item.items()}))
    source.columns = list(columns)
    return source


# The report ---------------------------------------------------------------------------------------------


@dataclass
class Problem:
    row: int
    column: str
    reason: str


@dataclass
class ImportReport:
    table: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    accounts_created: int = 0
    invalid: list[Problem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def invalid_rows(self) -> int:
        return len({p.row for p in self.invalid})

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "invalid": self.invalid_rows,
            "accounts_created": self.accounts_created,
            "problems": [{"row": p.row, "column": p.column, "reason": p.reason} for p in self.invalid],
            "unknown_columns": self.unknown_columns,
            "encoding": self.encoding,
        }


class ImportRefused(BadInput):
    """Some rows are invalid and --skip-invalid was not given: nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(
            _(
                "{n} rows are invalid; nothing was imported. Fix them, or pass --skip-invalid to import the rest."
            ).format(n=report.invalid_rows)
        )


@dataclass
class ImportOptions:
    mapping: dict[str, str | None] = field(default_factory=dict)
    stage_map: dict[str, str | None] = field(default_factory=dict)
    defaults: dict[str, str | None] = field(default_factory=dict)
    playbook: str | None = None
    date_order: str = "ymd"
    create_accounts: bool = False
    dry_run: bool = False
    skip_invalid: bool = False


class RowError(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


# Running an import --------------------------------------------------------------------------------------


def run_import(
    table: str,
    source: Source,
    options: ImportOptions,
    r: Reader,
    tx: Tx | None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import SOURCE into TABLE: plan every row against R, write through TX (None: a dry run)."""
    report = ImportReport(table, tx is None, rows=len(source.rows) + len(source.problems), encoding=source.encoding)
    if not source.rows and not source.problems and not source.columns:
        return report  # an empty JSON file: nothing to do, and no columns to check
    today = tx.today if tx is not None else today_date()
    defaults = _defaults(table, options, today)
    plan = tabular.plan_columns(table, source.columns, options.mapping, given=defaults)
    report.unknown_columns = plan.unknown
    report.invalid.extend(source.problems)
    column_of = {f.name: column for column, f in plan.fields.items()}
    for name in defaults:
        column_of.setdefault(name, name)
    loader = LOADERS[table](r, tx, options, today)
    convert = _Cells(today, options.date_order)
    done = 0
    for number, cells in source.rows:
        values: dict[str, Any] = {}
        problems = []
        for column, f in plan.fields.items():
            try:
                value = convert(f, cells.get(column))
            except BadInput as exc:
                problems.append(Problem(number, column, exc.message))
                continue
            if value is not None:
                values[f.name] = value
        for name, value in defaults.items():
            if values.get(name) is None and value is not None:
                values[name] = value
        for name in tabular.REQUIRED[table]:
            if name not in values and not any(p.column == column_of.get(name) for p in problems):
                problems.append(Problem(number, column_of.get(name, name), _("empty, and a value is needed.")))
        if not problems:
            loader.number = number
            try:
                outcome = loader.row(values)
                setattr(report, outcome, getattr(report, outcome) + 1)
            except RowError as exc:
                problems.append(Problem(number, column_of.get(exc.field, exc.field), exc.reason))
        report.invalid.extend(problems)
        done += 1
        if progress is not None:
            progress(done)
    for number, name, reason in loader.finish():
        report.invalid.append(Problem(number, column_of.get(name, name), reason))
    if loader.accounts is not loader:
        report.accounts_created = loader.accounts.created
    if report.invalid and not options.skip_invalid:
        raise ImportRefused(report)
    return report


def _defaults(table: str, options: ImportOptions, today: dt.date) -> dict[str, Any]:
    """The --default values, by field name, converted like cells."""
    specs = tabular.field_names(table)
    by_name = {f.name: f for f in tabular.IMPORT_FIELDS[table]}
    defaults: dict[str, Any] = {}
    for name, raw in options.defaults.items():
        f = by_name.get(name) or specs.get(tabular.header_key(name))
        if f is None:
            raise BadInput(
                _("--default {name}: {table} have no field {name!r}. Fields: {fields}.").format(
                    name=name, table=table, fields=", ".join(by_name)
                )
            )
        try:
            defaults[f.name] = tabular.convert_cell(f, raw, today, options.date_order)
        except BadInput as exc:
            raise BadInput(f"--default {name}: {exc.message}") from None
    return defaults


def import_file(
    target: Any,
    table: str,
    source: Source,
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
    command: str | None = None,
) -> ImportReport:
    """Run the import in one write transaction (its changeset named COMMAND; None: the command line), or
    against a reader for a dry run."""
    if options.dry_run:
        from salesdiary.store.connection import open_reader

        r = open_reader(target)
        try:
            return run_import(table, source, options, r, None, progress)
        finally:
            r.close()
    from salesdiary.store.tx import run_write

    path = getattr(target, "path", None)
    if path is not None and path.is_file() and path.stat().st_size:
        from salesdiary.store.writes.backup import backup_sqlite

        backup_sqlite(path, reason="before-import")  # issue 10: a copy before every import, rotated like the others
    return run_write(target, lambda tx: run_import(table, source, options, _reader_of(tx), tx, progress), command)


def _reader_of(tx: Tx) -> Reader:
    """Reads inside the write transaction; on SQLite straight through sqlite3, which is several times faster."""
    connection = tx.session.connection()
    if connection.dialect.name == "sqlite":
        from salesdiary.store.connection import SqliteReader

        driver = connection.connection.driver_connection
        assert driver is not None  # the transaction's live sqlite3 connection
        return SqliteReader(driver)
    return tx.reader


_MISSING = object()


class _Cells:
    """Cells to values, remembering short cells already read: files repeat names, owners, stages and dates."""

    def __init__(self, today: dt.date, date_order: str) -> None:
        self.today = today
        self.date_order = date_order
        self.memo: dict[tuple[str, str], Any] = {}

    def __call__(self, f: Any, raw: Any) -> Any:
        if not isinstance(raw, str) or len(raw) > 64:
            return tabular.convert_cell(f, raw, self.today, self.date_order)
        key = (f.name, raw)
        value = self.memo.get(key, _MISSING)
        if value is _MISSING:
            try:
                value = tabular.convert_cell(f, raw, self.today, self.date_order)
            except BadInput as exc:
                value = exc
            self.memo[key] = value
        if isinstance(value, BadInput):
            raise value
        return value


# Natural keys and values --------------------------------------------------------------------------------


def _digits(phone: str | None) -> str:
    """A phone number as a key: its last ten digits, so that +86, 0086, spaces and dashes do not matter."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-10:] if len(digits) >= 7 else ""


def _comparable(value: Any) -> Any:
    """Stored and converted values in one form: dates as ISO text, times as naive UTC."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}", value):
        return _comparable(dt.datetime.fromisoformat(value))
    return value


def _changes(stored: dict[str, Any], values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The VALUES (of the fields NAMES) that differ from what is STORED."""
    out = {}
    for name in names:
        if name not in values:
            continue
        old, new = stored.get(name), values[name]
        if old == new:
            continue
        if isinstance(new, bool) and old is not None:
            old = bool(old)
        elif isinstance(new, float) and old is not None:
            old = float(old)
        old, new_cmp = _comparable(old), _comparable(new)
        if isinstance(old, dt.datetime) and isinstance(new_cmp, dt.datetime) and not new_cmp.microsecond:
            old = old.replace(microsecond=0)  # a file cut to whole seconds (an older export) keeps the finer time
        if old != new_cmp:
            out[name] = new
    return out


class Entry(dict):
    """A record the import knows: its stored (or planned) values. `id` is None until it is inserted;
    `pending` holds the row to insert while it waits. A value that is an Entry stands for that
    record's id (a new account, a boss created earlier in the same file)."""

    pending: dict[str, Any] | None = None


def _ids(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v["id"] if isinstance(v, Entry) else v) for k, v in row.items()}


def _same_record(stored: Any, entry: Entry) -> bool:
    return stored is entry or (entry["id"] is not None and stored == entry["id"])


class _NameIndex:
    """Records by (account, folded name); names need not be unique, so each key holds a list."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list[Entry]] = {}

    def add(self, entry: Entry, account: Entry) -> None:
        entry["_account"] = account
        self.entries.setdefault((account["name_key"], fold(entry["name"])), []).append(entry)

    def find(self, account: Entry, name: str) -> list[Entry]:
        return self.entries.get((account["name_key"], fold(name)), [])

    def relocate(self, entry: Entry, account: Entry, name: str) -> None:
        """ENTRY now has NAME at ACCOUNT (a row renamed or moved it)."""
        old = self.find(entry["_account"], entry["name"])
        old[:] = [e for e in old if e is not entry]
        entry["name"] = name
        self.add(entry, account)


def _one(found: list[Entry], field_name: str, account: Entry, name: str, what: str) -> Entry | None:
    if len(found) > 1:
        raise RowError(
            field_name,
            _("{count} {what} at {account} are named {name!r}; tell them apart first.").format(
                count=len(found), what=what, account=account["name"], name=name
            ),
        )
    return found[0] if found else None


class _Loader:
    """Plans one table's rows and writes them. row() returns created, updated or skipped, or raises
    RowError before it changes anything."""

    model_name = ""
    fields: tuple[str, ...] = ()
    has_creator = True  # the table has created_by

    def __init__(self, r: Reader, tx: Tx | None, options: ImportOptions, today: dt.date) -> None:
        self.r = r
        self.tx = tx
        self.options = options
        self.today = today
        self.user = tx.user if tx is not None else current_user()
        self.stamp = dt.datetime.now(dt.UTC)
        self.pending: list[Entry] = []
        self.updates: list[tuple[Entry, dict[str, Any]]] = []
        self.created = 0
        self.number = 0  # the file row being imported (for problems found later)
        self.accounts = self if isinstance(self, _AccountLoader) else _AccountLoader(r, tx, options, today)
        self.account_by_id = {e["id"]: e for e in self.accounts.by_key.values()}

    def row(self, values: dict[str, Any]) -> str:
        raise NotImplementedError

    def finish(self) -> list[tuple[int, str, str]]:
        """Write what is still pending; problems only the whole file could show, as (row, field, reason)."""
        self.flush()
        return []

    def flush(self) -> None:
        """Insert the pending records and apply the planned updates (a dry run only forgets them)."""
        if self is not self.accounts:
            self.accounts.flush()
        if self.tx is not None:
            if self.pending:
                from salesdiary.store import models

                new_ids = self.tx.insert_many(
                    getattr(models, self.model_name), [_ids(e.pending or {}) for e in self.pending]
                )
                for entry, new_id in zip(self.pending, new_ids, strict=True):
                    entry["id"] = new_id
                self.after_insert(self.pending)
            for entry, changes in self.updates:
                self.apply_update(entry, _ids(changes))
        for entry in self.pending:
            entry.pending = None
        self.pending, self.updates = [], []

    def after_insert(self, entries: list[Entry]) -> None:
        """Write the rows that belong to records just inserted (stage history)."""

    def apply_update(self, entry: Entry, changes: dict[str, Any]) -> None:
        from salesdiary.store import models

        assert self.tx is not None
        record = self.tx.get(getattr(models, self.model_name), entry["id"])
        assert record is not None
        self.tx.update(record, changes)

    def planned(self, row: dict[str, Any]) -> Entry:
        entry = Entry(id=None, **row)
        entry.pending = {**row, "created_at": self.stamp, "updated_at": self.stamp}
        if self.has_creator:
            entry.pending["created_by"] = self.user
        return entry

    def create(self, row: dict[str, Any]) -> Entry:
        entry = self.planned(row)
        self.pending.append(entry)
        self.created += 1
        return entry

    def change(self, entry: Entry, changes: dict[str, Any]) -> str:
        if not changes:
            return "skipped"
        entry.update(changes)
        if entry.pending is not None:
            entry.pending.update(changes)
        else:
            self.updates.append((entry, changes))
        return "updated"

    def plain(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in values.items() if k in self.fields}

    def account(self, values: dict[str, Any]) -> Entry:
        """The account a row names; with --create-accounts a new one, planned but not yet kept (see keep())."""
        name = values["account"]
        found = self.accounts.by_key.get(self.accounts.key_of(name))
        if found is not None:
            return found
        if not self.options.create_accounts:
            raise RowError(
                "account",
                _("no account is named {name!r}; import the accounts first, or pass --create-accounts.").format(
                    name=name
                ),
            )
        return self.accounts.plan({"name": name, "owner": values.get("owner")})

    def keep(self, account: Entry) -> None:
        """The row is valid: keep the account it planned."""
        if account["name_key"] not in self.accounts.by_key:
            self.accounts.create_planned(account)


class _AccountLoader(_Loader):
    model_name = "Account"
    fields = tuple(f.name for f in tabular.IMPORT_FIELDS["accounts"])

    def __init__(self, r: Reader, tx: Tx | None, options: ImportOptions, today: dt.date) -> None:
        self.by_key = {row["name_key"]: Entry(row) for row in r.stream("SELECT * FROM account ORDER BY id")}
        self.keys: dict[str, str] = {}  # name as written → normalised name
        super().__init__(r, tx, options, today)

    def row(self, values: dict[str, Any]) -> str:
        found = self.by_key.get(self.key_of(values["name"]))
        if found is None:
            self.create_planned(self.plan(values))
            return "created"
        return self.change(found, _changes(found, values, self.fields))

    def plan(self, values: dict[str, Any]) -> Entry:
        row = {"owner": self.user, "info_stage": "lead", "reported_at": self.stamp}
        row.update((k, v) for k, v in values.items() if v is not None)
        return self.planned({**row, "name_key": self.key_of(values["name"])})

    def key_of(self, name: str) -> str:
        if name not in self.keys:
            self.keys[name] = account_key(name)
        return self.keys[name]

    def create_planned(self, entry: Entry) -> None:
        self.pending.append(entry)
        self.created += 1
        self.by_key[entry["name_key"]] = entry


class _ContactLoader(_Loader):
    model_name = "Contact"
    has_creator = False
    fields = tuple(f.name for f in tabular.IMPORT_FIELDS["contacts"] if f.name not in ("account", "reports_to"))

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.by_email: dict[str, Entry] = {}
        self.by_phone: dict[str, Entry] = {}
        self.names = _NameIndex()
        self.forward: list[tuple[int, Entry, str]] = []
        for row in self.r.stream("SELECT * FROM contact ORDER BY id"):
            self.remember(Entry(row), self.account_by_id[row["account_id"]])

    def remember(self, entry: Entry, account: Entry) -> None:
        self.remember_details(entry)
        self.names.add(entry, account)

    def remember_details(self, entry: Entry) -> None:
        if entry.get("email"):
            self.by_email.setdefault(entry["email"].casefold(), entry)
        if _digits(entry.get("phone")):
            self.by_phone.setdefault(_digits(entry["phone"]), entry)

    def match(self, values: dict[str, Any], account: Entry) -> Entry | None:
        """The stored contact this row is: same email, else same phone, else same name at the account."""
        email = (values.get("email") or "").casefold()
        phone = _digits(values.get("phone"))
        if email in self.by_email:
            return self.by_email[email]
        if phone in self.by_phone:
            return self.by_phone[phone]
        found = _one(self.names.find(account, values["name"]), "name", account, values["name"], _("contacts"))
        if found is not None and (
            (email and found.get("email") and found["email"].casefold() != email)
            or (phone and _digits(found.get("phone")) and _digits(found["phone"]) != phone)
        ):
            return None  # a namesake with other contact details is another person
        return found

    def row(self, values: dict[str, Any]) -> str:
        account = self.account(values)
        found = self.match(values, account)
        boss_name = values.get("reports_to")
        boss = (
            _one(self.names.find(account, boss_name), "reports_to", account, boss_name, _("contacts"))
            if boss_name
            else None
        )
        if boss is not None and boss is found:
            raise RowError("reports_to", _("a contact cannot report to themselves."))
        self.keep(account)
        if boss is not None and boss["id"] is None and self.tx is not None:
            self.flush()  # insert the boss now, so this row's insert names the id
        if found is None:
            entry = self.create({**self.plain(values), "account_id": account, "reports_to_id": boss})
            self.remember(entry, account)
            outcome = "created"
        else:
            entry = found
            changes = _changes(found, self.plain(values), self.fields)
            if found["_account"] is not account:
                changes["account_id"] = account
            if "name" in changes or "account_id" in changes:
                self.names.relocate(found, account, values["name"])
            if boss is not None and not _same_record(found.get("reports_to_id"), boss):
                changes["reports_to_id"] = boss
            outcome = self.change(found, changes)
            self.remember_details(found)
        if boss_name and boss is None:
            self.forward.append((self.number, entry, boss_name))
        return outcome

    def finish(self) -> list[tuple[int, str, str]]:
        """Bosses named before they appear in the file are linked once every row is known."""
        problems = []
        self.flush()
        for number, entry, boss_name in self.forward:
            account = entry["_account"]
            found = [e for e in self.names.find(account, boss_name) if e is not entry]
            if len(found) != 1:
                problems.append(
                    (
                        number,
                        "reports_to",
                        _("no single contact at {account} is named {name!r}.").format(
                            account=account["name"], name=boss_name
                        ),
                    )
                )
                continue
            self.change(entry, {"reports_to_id": found[0]})
        self.flush()
        return problems


class _DealLoader(_Loader):
    model_name = "Deal"
    fields = tuple(
        f.name for f in tabular.IMPORT_FIELDS["deals"] if f.name not in ("account", "stage", "status", "playbook")
    )

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.by_external: dict[str, Entry] = {}
        self.names = _NameIndex()
        self.books: dict[str, Playbook] = {}
        self.default_playbook = self.options.playbook or str(config_value("playbook", "ten_step"))
        self.books[self.default_playbook] = load_playbook(self.default_playbook, config_dir())  # BadInput: say now
        self.stage_map = {fold(k): v for k, v in self.options.stage_map.items()}
        for row in self.r.stream("SELECT * FROM deal ORDER BY id"):
            self.remember(Entry(row), self.account_by_id[row["account_id"]])

    def remember(self, entry: Entry, account: Entry) -> None:
        if entry.get("external_id"):
            self.by_external.setdefault(entry["external_id"], entry)
        self.names.add(entry, account)

    def book(self, name: str) -> Playbook:
        if name not in self.books:
            try:
                self.books[name] = load_playbook(name, config_dir())
            except SdError as exc:
                raise RowError("playbook", exc.message) from None
        return self.books[name]

    def stage_and_status(self, raw: str | None, book: Playbook) -> tuple[str | None, str | None]:
        """What a stage cell says: a stage of the playbook (key, number or label) or a status (won, lost…)."""
        target = self.stage_map.get(fold(raw), raw) if raw is not None else None
        if target is None:
            return None, None
        try:
            status = DEAL_STATUS.parse(target)
        except BadInput:
            status = None
        if status is not None and status != "open":
            return None, status
        try:
            return book.stage(target).key, status
        except BadInput as exc:
            raise RowError("stage", exc.message + " " + _("Map the file's stages with --stage-map.")) from None

    def row(self, values: dict[str, Any]) -> str:
        account = self.account(values)
        if values.get("external_id"):
            found = self.by_external.get(values["external_id"])
        else:
            found = _one(self.names.find(account, values["name"]), "name", account, values["name"], _("deals"))
        book = self.book(values.get("playbook") or (found.get("playbook") if found else None) or self.default_playbook)
        stage, status = self.stage_and_status(values.get("stage"), book)
        status = values.get("status") or status
        plain = self.plain(values)
        self.keep(account)
        if found is None:
            status = status or "open"
            row = {
                "playbook": book.name,
                "stage": stage or book.stages[-1 if status == "won" else 0].key,
                "status": status,
                "stage_entered_on": self.today,
                "closed_on": self.today if status != "open" else None,
                "owner": self.user,
                "currency": default_currency(config_value),
                **plain,
                "account_id": account,
            }
            self.remember(self.create(row), account)
            return "created"
        changes = _changes(found, plain, self.fields)
        if found["_account"] is not account:
            changes["account_id"] = account
        if "name" in changes or "account_id" in changes:
            self.names.relocate(found, account, values["name"])
        if book.name != found["playbook"]:
            changes["playbook"] = book.name
            stage = stage or book.stages[0].key
        if stage and stage != found["stage"]:
            changes["stage"] = stage
            changes.setdefault("stage_entered_on", self.today)
        if status and status != found["status"]:
            changes["status"] = status
            if status == "open":
                changes.update(closed_on=None, loss_reason=None)
            else:
                changes.setdefault("closed_on", self.today)
        outcome = self.change(found, changes)
        if found.get("external_id"):
            self.by_external.setdefault(found["external_id"], found)
        return outcome

    def after_insert(self, entries: list[Entry]) -> None:
        from salesdiary.store.models import StageHistory

        assert self.tx is not None
        self.tx.insert_many(
            StageHistory,
            [
                {
                    "deal_id": e["id"],
                    "playbook": e["playbook"],
                    "stage": e["stage"],
                    "entered_on": e["stage_entered_on"],
                    "left_on": e["closed_on"] if e["status"] != "open" else None,
                }
                for e in entries
            ],
        )

    def apply_update(self, entry: Entry, changes: dict[str, Any]) -> None:
        """Update the deal; a new stage or status closes its open stage-history row and opens the next."""
        from sqlmodel import select

        from salesdiary.store.models import Deal, StageHistory

        assert self.tx is not None
        deal = self.tx.get(Deal, entry["id"])
        assert deal is not None and deal.id is not None
        was_open = deal.status == "open"
        moved = "stage" in changes or "playbook" in changes
        self.tx.update(deal, changes)
        is_open = deal.status == "open"
        if moved or was_open != is_open:
            for row in self.tx.session.exec(
                select(StageHistory).where(StageHistory.deal_id == deal.id, StageHistory.left_on.is_(None))  # type: ignore[union-attr]
            ).all():
                self.tx.update(row, {"left_on": deal.stage_entered_on if moved else deal.closed_on})
        if moved or (is_open and not was_open):
            self.tx.insert(
                StageHistory(
                    deal_id=deal.id,
                    playbook=deal.playbook,
                    stage=deal.stage,
                    entered_on=deal.stage_entered_on if moved else self.today,
                    left_on=None if is_open else deal.closed_on,
                )
            )


class _VisitLoader(_Loader):
    model_name = "Visit"
    fields = tuple(f.name for f in tabular.IMPORT_FIELDS["visits"] if f.name not in ("account", "deal", "contacts"))

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.contacts = _NameIndex()
        for row in self.r.stream("SELECT id, name, account_id FROM contact ORDER BY id"):
            self.contacts.add(Entry(row), self.account_by_id[row["account_id"]])
        self.deals = _NameIndex()
        self.deal_by_external: dict[str, Entry] = {}
        for row in self.r.stream("SELECT id, name, external_id, account_id FROM deal ORDER BY id"):
            deal = Entry(row)
            self.deals.add(deal, self.account_by_id[row["account_id"]])
            if row["external_id"]:
                self.deal_by_external.setdefault(row["external_id"], deal)
        self.by_key: dict[tuple[Any, ...], Entry] = {}
        by_id: dict[int, Entry] = {}
        for row in self.r.stream("SELECT * FROM visit ORDER BY id"):
            entry = by_id[row["id"]] = Entry(row, _contacts=set())
            self.by_key.setdefault(self.key(entry, self.account_by_id[row["account_id"]]), entry)
        for link in self.r.stream("SELECT visit_id, contact_id FROM visit_contact"):
            by_id[link["visit_id"]]["_contacts"].add(link["contact_id"])
        self.deal_contacts = {(x["deal_id"], x["contact_id"]) for x in self.r.stream("SELECT * FROM deal_contact")}
        self.links: list[tuple[Entry, Entry, Entry | None]] = []

    @staticmethod
    def key(values: dict[str, Any], account: Entry) -> tuple[Any, ...]:
        """A visit is the same visit when account, date, activity, purpose and summary agree."""
        return (
            account["name_key"],
            _comparable(values.get("date")),
            values.get("kind") or "visit",
            fold(values.get("purpose") or ""),
            fold(values.get("summary") or ""),
        )

    def deal(self, account: Entry, name: str) -> Entry:
        found = self.deals.find(account, name)
        by_external = self.deal_by_external.get(name)
        if not found and by_external is not None and by_external["_account"] is account:
            found = [by_external]
        if not found:
            raise RowError(
                "deal", _("{account} has no deal named {name!r}.").format(account=account["name"], name=name)
            )
        return _one(found, "deal", account, name, _("deals"))  # type: ignore[return-value]

    def row(self, values: dict[str, Any]) -> str:
        account = self.account(values)
        deal = self.deal(account, values["deal"]) if values.get("deal") else None
        people = []
        for name in values.get("contacts") or []:
            person = _one(self.contacts.find(account, name), "contacts", account, name, _("contacts"))
            if person is None:
                raise RowError(
                    "contacts",
                    _("no contact at {account} is named {name!r}.").format(account=account["name"], name=name),
                )
            people.append(person)
        plain = {"kind": "visit", **self.plain(values)}
        key = self.key(plain, account)
        found = self.by_key.get(key)
        self.keep(account)
        if found is None:
            entry = self.create({"owner": self.user, **plain, "account_id": account, "deal_id": deal})
            entry["_contacts"] = set()
            self.by_key[key] = entry
            outcome = "created"
        else:
            entry = found
            changes = _changes(found, plain, self.fields)
            if deal is not None and not _same_record(found.get("deal_id"), deal):
                changes["deal_id"] = deal
            outcome = self.change(found, changes)
        new_people = [p for p in people if p["id"] not in entry["_contacts"]]
        for person in new_people:
            entry["_contacts"].add(person["id"])
            self.links.append((entry, person, deal))
        return "updated" if new_people and outcome == "skipped" else outcome

    def flush(self) -> None:
        super().flush()
        if self.tx is None or not self.links:
            self.links = []
            return
        from salesdiary.store.models import DealContact, VisitContact

        deal_links = []
        for _visit, person, deal in self.links:
            if deal is not None and (deal["id"], person["id"]) not in self.deal_contacts:
                self.deal_contacts.add((deal["id"], person["id"]))
                deal_links.append({"deal_id": deal["id"], "contact_id": person["id"]})
        self.tx.insert_many(VisitContact, [{"visit_id": v["id"], "contact_id": p["id"]} for v, p, _d in self.links])
        self.tx.insert_many(DealContact, deal_links)
        self.links = []


LOADERS: dict[str, type[_Loader]] = {
    "accounts": _AccountLoader,
    "contacts": _ContactLoader,
    "deals": _DealLoader,
    "visits": _VisitLoader,
}
