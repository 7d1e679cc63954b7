"""What the guided flows read as they ask, handed out by the journal: `Journal.visit_lookups()` for `sd visit add`
on a terminal (prompts/visit.py's `VisitJournal`), `Journal.note_lookups()` for `sd log`'s confirmation
(prompts/capture.py's `NoteJournal`). prompts/ gets what it shows from these objects, never from store/.

Each method is one small read over the journal's plain-SQL reader (store/reads/progress_reads.py,
store/reads/capture_reads.py, store/reads/record_reads.py). Everything is imported inside the methods: importing
this module costs nothing, and a read stays off SQLAlchemy on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.core.capture import Found
    from salesdiary.core.playbook import Playbook
    from salesdiary.journal import Journal, Ref
    from salesdiary.store.reads.capture_reads import JournalNames

Row = dict[str, Any]


@dataclass
class Given:
    """The records `sd visit add`'s options name, read once before the questions: the ACCOUNT (id, name; the
    deal's or the first person's account when only they are named), the DEAL (its row: id, name, playbook,
    stage, status …) and the people met, in the order named (id, name, title, role, relationship)."""

    account: Row | None = None
    deal: Row | None = None
    contacts: list[Row] = field(default_factory=list)


class _Lookups:
    """What both flows read: today, and the account names to offer as the rep types."""

    def __init__(self, journal: Journal) -> None:
        from salesdiary.core.dates import today

        self._j = journal
        self.today: dt.date = today()

    def account_names(self) -> list[str]:
        """Account names to offer, the most recently visited first."""
        from salesdiary.store.reads.progress_reads import account_choices

        return [str(row["name"]) for row in account_choices(self._j.reader)]


class VisitLookups(_Lookups):
    """What a guided `sd visit add` reads (prompts/visit.py's VisitJournal). OWNER: whose visit it is (None: yours)."""

    def __init__(self, journal: Journal, owner: str | None = None) -> None:
        super().__init__(journal)
        self.owner = owner

    def given(self, account: Ref | None, deal: Ref | None, contacts: Sequence[Ref] = ()) -> Given:
        """The ACCOUNT, DEAL and CONTACTS named on the command line (names as `sd` takes them), else NotFound."""
        from salesdiary.store.reads.progress_reads import contacts_by_id
        from salesdiary.store.reads.record_reads import one

        j, r = self._j, self._j.reader
        account_id = None
        if account:
            account_id = j.resolve("account", account)
        elif deal:
            account_id = int(one(r, "deal", j.resolve("deal", deal))["account_id"])
        people = contacts_by_id(r, [j.resolve("contact", c, account_id) for c in contacts])
        if account_id is None and people:
            account_id = int(one(r, "contact", int(people[0]["id"]))["account_id"])
        found = Given(contacts=people)
        if account_id is not None:
            found.account = {"id": account_id, "name": str(one(r, "account", account_id)["name"])}
        if deal:
            found.deal = one(r, "deal", j.resolve("deal", deal, account_id))
        return found

    def find_account(self, text: str) -> tuple[Row | None, list[Row]]:
        """The account TEXT names exactly (by its folded name), if any, and the accounts whose name contains it."""
        from salesdiary.core.naming import account_key, fold
        from salesdiary.store.reads.progress_reads import accounts_matching
        from salesdiary.store.reads.record_reads import account_by_key

        r = self._j.reader
        matches = accounts_matching(r, text)
        exact = account_by_key(r, account_key(text))
        if exact is None:
            exact = next((m for m in matches if fold(m["name"]) == fold(text)), None)
        return exact, matches

    def open_deals(self, account_id: int) -> list[Row]:
        """The account's open deals, the most urgent next step first."""
        from salesdiary.store.reads.progress_reads import open_deals

        return open_deals(self._j.reader, account_id)

    def contacts(self, account_id: int) -> list[Row]:
        """The people at the account, by name."""
        from salesdiary.store.reads.progress_reads import account_contacts

        return account_contacts(self._j.reader, account_id)

    def playbook(self, name: str | None) -> Playbook:
        """The playbook NAME (None: the configured one)."""
        from salesdiary.journal import configured_playbook

        return configured_playbook(name)

    def ticked(self, deal_id: int, stage: str) -> set[str]:
        """The markers of the deal's STAGE already met."""
        from salesdiary.store.reads.progress_reads import ticked_markers

        return set(ticked_markers(self._j.reader, deal_id, stage))

    def owned_by_another(self, account_id: int) -> tuple[str, str] | None:
        """In a team database, (owner, first reported on) when the account is another rep's; else None."""
        from salesdiary.store.reads.record_reads import one
        from salesdiary.store.team import is_team, whoami

        r = self._j.reader
        if not is_team(r):
            return None
        row = one(r, "account", account_id)
        if row["owner"] == (self.owner or whoami(r)):
            return None
        return str(row["owner"]), str(row["reported_at"])[:10]


class NoteLookups(_Lookups):
    """What `sd log`'s confirmation reads when the rep changes a field (prompts/capture.py's NoteJournal): names
    found as `Journal.capture` finds them (store/reads/capture_reads.py, each from an index)."""

    def __init__(self, journal: Journal) -> None:
        super().__init__(journal)
        self._names: JournalNames | None = None

    @property
    def names(self) -> JournalNames:
        if self._names is None:
            from salesdiary.store.reads.capture_reads import JournalNames

            self._names = JournalNames(self._j.reader)
        return self._names

    def account(self, typed: str) -> Found:
        """The account TYPED names (an id, a name, a part of one), else NotFound or Ambiguous."""
        return self.names.account(typed)

    def open_deals(self, account_id: int) -> list[Found]:
        """The account's open deals, oldest first."""
        return self.names.open_deals(account_id)

    def people_of(self, account_id: int) -> list[Found]:
        """The people at the account."""
        return self.names.people_of(account_id)


# --- shell completion: what `sd` offers when the rep presses Tab (cli/completion.py) -------------------------
#
# Functions, not a Journal: opening a Journal may create or migrate the journal, and a Tab must do neither. They
# read through the same plain readers as the read commands (stdlib sqlite3, read-only; libpq for a team database)
# and import nothing heavy, so completing a name stays within its budget (bench/README.md: ≤ 1.2× `--help`).

SERVER_TIMEOUT = 2  # seconds: a shell waiting on Tab gives up on a database server that does not answer


def completion_names(db: str | None, entity: str, prefix: str) -> list[tuple[str, str]]:
    """Names of ENTITY records ("account", "deal", "contact", "owner") starting with PREFIX, each with a hint, from
    the journal `sd --db DB` would open (None: as `sd` would). Nothing, never an error nor a write, when the
    journal is missing, not at this sd's schema, not readable, or its server does not answer in SERVER_TIMEOUT."""
    from salesdiary.store.paths import resolve_target

    try:
        target = resolve_target(db)
    except Exception:  # a broken config file: complete nothing rather than fail in the shell
        return []
    if target.is_sqlite_file:
        path = target.path
        return _file_names(path, entity, prefix) if path is not None and path.is_file() else []
    from salesdiary.store.pg import is_postgres_url

    return _server_names(str(target.url), entity, prefix) if is_postgres_url(target.url) else []


def _file_names(path: Any, entity: str, prefix: str) -> list[tuple[str, str]]:
    import sqlite3

    from salesdiary.store.connection import SqliteReader, schema_version
    from salesdiary.store.version import SCHEMA_VERSION

    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return []
    try:
        if schema_version(con) != SCHEMA_VERSION:
            return []
        from salesdiary.store.reads.record_reads import completion_names as names

        return names(SqliteReader(con), entity, prefix)
    except sqlite3.Error:
        return []
    finally:
        con.close()


def _server_names(url: str, entity: str, prefix: str) -> list[tuple[str, str]]:
    """From a PostgreSQL team database, as the read commands read it (no SQLAlchemy, no psycopg when libpq can be
    loaded)."""
    from salesdiary.store import pg
    from salesdiary.store.reads.record_reads import completion_names as names

    try:
        reader = pg.open_reader(url, timeout=SERVER_TIMEOUT)
    except Exception:  # no driver, no server, a wrong password, no sd tables: no names, and no message in the shell
        return []
    try:
        return names(reader, entity, prefix)
    except Exception:  # a failed statement must not break the shell either
        return []
    finally:
        reader.close()


def completion_playbook(name: str | None) -> Playbook | None:
    """The playbook NAME (None: the configured one) whose stages completion offers; None when it cannot be loaded."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store.paths import config_dir
    from salesdiary.store.reads.record_reads import default_playbook

    try:
        return load_playbook(str(name or default_playbook()), config_dir())
    except SdError:
        return None


def completion_playbooks() -> list[Playbook]:
    """Every available playbook (the built-in ones and the config folder's); none when one cannot be read."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import list_playbooks
    from salesdiary.store.paths import config_dir

    try:
        return list_playbooks(config_dir())
    except SdError:
        return []
