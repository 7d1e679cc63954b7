"""Before a journal is opened: which journal a run works on, what the config file says, which command line the
history records. `sd` reads these as every command starts (cli/app.py, cli/common.py), so cli/ reaches store/ only
through the journal API.

    from salesdiary.journal_target import config_value, journal_target
    print(journal_target().describe())            # the journal sd would open: --db, SD_DATABASE_URL, SD_DB, config
    print(config_value("language", "en"))          # a config file that cannot be read raises BadInput

Importing this module costs nothing: every import is inside a function (store/paths.py, already loaded by the
time a command reads its config, answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.store.paths import Target as Target


def journal_target(db: str | None = None) -> Target:
    """The journal DB names (a file, an SQLAlchemy URL or a keyword DSN); with None, SD_DATABASE_URL, then SD_DB,
    then the config's database.url, then journal.sqlite in the data folder. Bad input is a BadInput."""
    from salesdiary.store.paths import resolve_target

    return resolve_target(db)


def config_value(dotted: str, default: Any = None) -> Any:
    """The config file's value at the DOTTED key (e.g. "dates.order"), else DEFAULT; a file that cannot be read is
    a BadInput."""
    from salesdiary.store.paths import config_value as value

    return value(dotted, default)


def record_command(args: list[str]) -> None:
    """ARGS (without the program's name) as the command line this process's writes record in history (a database
    URL's password hidden); without it, the process's own arguments are recorded."""
    from salesdiary.store.invocation import set_command

    set_command(args)
