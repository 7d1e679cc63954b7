"""Shell completion: what `sd` offers when the rep presses Tab.

Typer completes subcommands and options by itself (the shell scripts in
`completions/` call `sd` with `_SD_COMPLETE` set). This module adds values:

- account, deal and contact names (and owners) from the journal, read with
  stdlib sqlite3 through `store.connection`, read-only, or from a team database
  on PostgreSQL through the read commands' libpq reader (store/pg.py, a short
  connect timeout); nothing heavy is imported, and a journal that is missing,
  not up to date or not reachable gives no names rather than an error or a
  migration;
- the keys of the method's vocabularies (`--role decision_maker`, with the
  label as hint), or the labels when the rep starts typing one (`--role 拍`);
- stage keys and labels of the deal's playbook, playbook names, currencies,
  languages and config keys.

`attach_completion(command)` gives each option and argument of the built
command tree its completer by name (tables below), so new commands that use
the usual option names complete without further wiring; an option declared
with its own `autocompletion=` keeps it. The functions `accounts`, `deals`,
`contacts`, `owners`, `stages` and `vocabulary(name)` also work as Typer
`autocompletion=` callbacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# Options and arguments completed with names from the journal.
NAME_OPTIONS = {
    "--account": "account",
    "--deal": "deal",
    "--contact": "contact",
    "--reports-to": "contact",
    "--owner": "owner",
}
NAME_ARGUMENTS = {"account": "account", "deal": "deal", "contact": "contact"}

# Options completed with the keys of a vocabulary in core.enums.
VOCABULARY_OPTIONS = {
    "--mode": "PURCHASE_MODE",
    "--source": "SOURCE",
    "--info-stage": "INFO_STAGE",
    "--relation": "RELATION_GRADE",
    "--tier": "TIER",
    "--lifecycle": "LIFECYCLE",
    "--level": "LEVEL",
    "--role": "ROLE",
    "--relationship": "RELATIONSHIP",
    "--stance": "STANCE",
    "--style": "STYLE",
    "--attitude": "ATTITUDE",
    "--strategy": "STRATEGY",
    "--kind": "VISIT_KIND",
}
# The same option name meaning another thing in one command group: (group, option) → completer name.
GROUP_OPTIONS = {
    ("followup", "--kind"): "FOLLOWUP_KIND",
    ("followup", "--status"): "followup_status",
    ("deal", "--status"): "deal_status",
}
OTHER_OPTIONS = {"--stage": "stages", "--playbook": "playbooks", "--currency": "currencies", "--lang": "languages"}
GROUP_ARGUMENTS = {("config", "key"): "config_keys"}

Pairs = list[tuple[str, str]]
PROG_NAME = "sd"
COMPLETE_VAR = "_SD_COMPLETE"


SERVER_TIMEOUT = 2  # seconds: a shell waiting on Tab gives up on a database server that does not answer


def _journal_names(ctx: Any, entity: str, incomplete: str) -> Pairs:
    """Names from the journal (a SQLite file or a PostgreSQL database); nothing when it cannot be read quickly."""
    import sqlite3

    from salesdiary.store.connection import SqliteReader, schema_version
    from salesdiary.store.version import SCHEMA_VERSION

    url = _server_url(ctx)
    if url is not None:
        return _server_names(url, entity, incomplete)
    path = _journal_path(ctx)
    if path is None:
        return []
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return []
    try:
        if schema_version(con) != SCHEMA_VERSION:
            return []
        from salesdiary.store.reads import completion_names

        return completion_names(SqliteReader(con), entity, incomplete)
    except sqlite3.Error:
        return []
    finally:
        con.close()


def _target(ctx: Any) -> Any:
    """The database this command line would open (None when the config cannot be read)."""
    from salesdiary.cli.state import STATE
    from salesdiary.store.paths import resolve_target

    db = None
    if ctx is not None:
        db = ctx.find_root().params.get("db")
    try:
        return resolve_target(db or STATE.db)
    except Exception:  # a broken config file: complete nothing rather than fail in the shell
        return None


def _journal_path(ctx: Any) -> Any:
    """The journal file this command line would open, if it is an existing SQLite file."""
    target = _target(ctx)
    if target is None or not target.is_sqlite_file or target.path is None or not target.path.is_file():
        return None
    return target.path


def _server_url(ctx: Any) -> str | None:
    """The PostgreSQL URL this command line would open, if it is one."""
    target = _target(ctx)
    if target is None or target.is_sqlite_file:
        return None
    from salesdiary.store.pg import is_postgres_url

    return str(target.url) if is_postgres_url(target.url) else None


def _server_names(url: str, entity: str, incomplete: str) -> Pairs:
    """Names from a PostgreSQL team database, as the read commands read it (no SQLAlchemy, no psycopg when
    libpq can be loaded); nothing when it is not reachable within SERVER_TIMEOUT or not at this sd's schema."""
    from salesdiary.store import pg
    from salesdiary.store.reads import completion_names

    try:
        reader = pg.open_reader(url, timeout=SERVER_TIMEOUT)
    except Exception:  # no driver, no server, a wrong password, no sd tables: no names, and no message in the shell
        return []
    try:
        return completion_names(reader, entity, incomplete)
    except Exception:  # a failed statement must not break the shell either
        return []
    finally:
        reader.close()


def accounts(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "account", incomplete)


def deals(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "deal", incomplete)


def contacts(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "contact", incomplete)


def owners(ctx: Any, incomplete: str) -> Pairs:
    return _journal_names(ctx, "owner", incomplete)


def matching(choices: Iterable[tuple[str, Iterable[str], str]], incomplete: str) -> Pairs:
    """(key, other forms, hint) choices for INCOMPLETE: keys that start with it, else the
    other forms (labels in either language, aliases, numbers) that do, each hinting its key."""
    typed = incomplete.casefold()
    choices = list(choices)
    keys = [(key, hint) for key, _forms, hint in choices if key.casefold().startswith(typed)]
    if keys:
        return keys
    found: Pairs = []
    for key, forms, _hint in choices:
        for form in forms:
            if form and form.casefold().startswith(typed) and (form, key) not in found:
                found.append((form, key))
    return found


def vocabulary(name: str) -> Callable[[Any, str], Pairs]:
    """A completer for the vocabulary NAME of core.enums (e.g. "ROLE")."""

    def complete(ctx: Any, incomplete: str) -> Pairs:
        from salesdiary.core import enums

        vocab = getattr(enums, name)
        return matching(
            ((c.key, (c.label.en, c.label.zh, *c.aliases), str(c.label)) for c in vocab.choices), incomplete
        )

    complete.__name__ = f"complete_{name.lower()}"
    return complete


def stages(ctx: Any, incomplete: str) -> Pairs:
    """Stage keys of the playbook given on the line (else the default), labels as hints."""
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import load_playbook
    from salesdiary.store.paths import config_dir
    from salesdiary.store.reads import default_playbook

    name = (ctx.params.get("playbook") if ctx is not None else None) or default_playbook()
    try:
        book = load_playbook(str(name), config_dir())
    except SdError:
        return []
    return matching(
        ((s.key, (str(s.number), s.label.en, s.label.zh), f"{s.number}. {s.label}") for s in book.stages),
        incomplete,
    )


def playbooks(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.core.errors import SdError
    from salesdiary.core.playbook import list_playbooks
    from salesdiary.store.paths import config_dir

    try:
        books = list_playbooks(config_dir())
    except SdError:
        return []
    return matching(((b.name, (b.label.en, b.label.zh), str(b.label)) for b in books), incomplete)


def currencies(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.core.enums import CURRENCIES

    return matching(((c, (), "") for c in CURRENCIES), incomplete)


def languages(ctx: Any, incomplete: str) -> Pairs:
    return matching((("zh", ("中文",), "中文"), ("en", ("English",), "English")), incomplete)


def deal_status(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.core.enums import DEAL_STATUS
    from salesdiary.i18n import _

    choices = [(c.key, (c.label.en, c.label.zh, *c.aliases), str(c.label)) for c in DEAL_STATUS.choices]
    return matching([*choices, ("all", ("全部",), _("all deals"))], incomplete)


def followup_status(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.i18n import _

    return matching(
        (
            ("open", (), _("follow-ups not done yet")),
            ("done", (), _("follow-ups done")),
            ("all", ("全部",), _("all follow-ups")),
        ),
        incomplete,
    )


def config_keys(ctx: Any, incomplete: str) -> Pairs:
    from salesdiary.core.settings import SETTINGS
    from salesdiary.i18n import _

    return matching(((key, (), _(s.help)) for key, s in SETTINGS.items()), incomplete)


def completer_for(param: Any, group: str) -> Callable[[Any, str], Pairs] | None:
    """The completer for a click PARAM of a command in GROUP ("" at the top), by its name."""
    if param.param_type_name == "argument":
        name = GROUP_ARGUMENTS.get((group, param.name))
        if name:
            return globals()[name]
        entity = NAME_ARGUMENTS.get(param.name or "")
        return _entity_completer(entity) if entity else None
    for opt in param.opts:
        name = GROUP_OPTIONS.get((group, opt))
        if name:
            return vocabulary(name) if name.isupper() else globals()[name]
    for opt in param.opts:
        if opt in NAME_OPTIONS:
            return _entity_completer(NAME_OPTIONS[opt])
        if opt in VOCABULARY_OPTIONS:
            return vocabulary(VOCABULARY_OPTIONS[opt])
        if opt in OTHER_OPTIONS:
            return globals()[OTHER_OPTIONS[opt]]
    return None


def _entity_completer(entity: str) -> Callable[[Any, str], Pairs]:
    return {"account": accounts, "deal": deals, "contact": contacts, "owner": owners}[entity]


def attach_completion(command: Any) -> Any:
    """Give every option and argument of the click tree COMMAND its completer; return COMMAND.

    When the shell asks for completions (`_SD_COMPLETE` set), Typer's shell classes are registered
    too: the app is built with add_completion=False (no --install-completion option), which
    otherwise leaves them out."""
    import os

    _attach(command, "")
    if os.environ.get(COMPLETE_VAR):
        from typer._completion_classes import completion_init

        completion_init()
        _parse_without_conversion()
    return command


def _parse_without_conversion() -> None:
    """While completing, click parses the line "resiliently" and throws conversion errors away; Typer would
    still convert every value through pydantic (importing it costs ~70 ms on each Tab). Values stay text."""
    from typer import core

    convert = core._TyperParameter.process_value
    if getattr(convert, "_salesdiary_completing", False):
        return

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        return value if ctx.resilient_parsing else convert(self, ctx, value)

    process_value._salesdiary_completing = True  # type: ignore[attr-defined]
    core._TyperParameter.process_value = process_value  # type: ignore[method-assign]


def _attach(command: Any, group: str) -> None:
    for param in command.params:
        if getattr(param, "_custom_shell_complete", None) is not None:
            continue
        complete = completer_for(param, group)
        if complete is not None:
            param._custom_shell_complete = _as_click(complete)
    for name, sub in getattr(command, "commands", {}).items():
        _attach(sub, group or name)


def _as_click(complete: Callable[[Any, str], Pairs]) -> Callable[[Any, Any, str], list[Any]]:
    def shell_complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        import os

        from typer._click.shell_completion import CompletionItem

        # bash puts a value in the line as it is: a name with spaces must come escaped.
        escape = _bash_escape if os.environ.get(COMPLETE_VAR, "").endswith("bash") else str
        return [CompletionItem(escape(value), help=hint or None) for value, hint in complete(ctx, incomplete)]

    return shell_complete


def _bash_escape(value: str) -> str:
    import re

    return re.sub(r"""([\s'"\\$`&|;<>()!*?\[\]#~{}])""", r"\\\1", value)


def completion_script(shell: str) -> str:
    """The script that makes SHELL (bash, zsh or fish) complete `sd`, as in completions/."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell) + "\n"
