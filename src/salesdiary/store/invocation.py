"""The command line of this process, as history records it (set once by the CLI)."""

from __future__ import annotations

import shlex
import sys

_command: str | None = None


def set_command(args: list[str]) -> None:
    global _command
    _command = "sd " + shlex.join(_redacted(args))


def _redacted(args: list[str]) -> list[str]:
    """ARGS with the password of any database URL hidden (`--db postgresql://rep:secret@…` is kept in history)."""
    from salesdiary.store.paths import redact_url

    return [redact_url(a) if "://" in a else a for a in args]


def command_line() -> str:
    return _command if _command is not None else "sd " + shlex.join(_redacted(sys.argv[1:]))
