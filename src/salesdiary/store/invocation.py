"""The command line of this process, as history records it (set once by the CLI)."""

from __future__ import annotations

import sys

_args: list[str] | None = None


def set_command(args: list[str]) -> None:
    """Remember the command's arguments; they are quoted (and redacted) only if a write records them."""
    global _args
    _args = list(args)


def _redacted(args: list[str]) -> list[str]:
    """ARGS with the password of any database URL or keyword DSN hidden (`--db postgresql://rep:secret@…` is kept
    in history)."""
    from salesdiary.store.paths import is_keyword_dsn, redact_url

    return [redact_url(a) if "://" in a or is_keyword_dsn(a) else a for a in args]


def command_line() -> str:
    import shlex

    return "sd " + shlex.join(_redacted(sys.argv[1:] if _args is None else _args))
