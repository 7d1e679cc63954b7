"""The command line of this process, as history records it (set once by the CLI)."""

from __future__ import annotations

import shlex
import sys

_command: str | None = None


def set_command(args: list[str]) -> None:
    global _command
    _command = "sd " + shlex.join(args)


def command_line() -> str:
    return _command if _command is not None else "sd " + shlex.join(sys.argv[1:])
