"""Long output through a pager on a terminal, as git does: never when piped, never for data.

`paged(words)` runs a command's drawing with the stdout console captured; when it is done, output longer than
the terminal goes to the pager — `$SD_PAGER`, else `$PAGER`, else `less` (with `LESS=FRX` unless set: quit
when it fits, keep colours, leave the screen as it was) — and shorter output is printed as it is. An empty
`SD_PAGER`/`PAGER`, `cat`, `--no-pager`, a pipe or a missing pager: printed as it is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator


def pager_command() -> str | None:
    """The pager to run, or None for none."""
    for name in ("SD_PAGER", "PAGER"):
        if name in os.environ:
            command = os.environ[name].strip()
            return None if command in ("", "cat") else command
    return "less" if shutil.which("less") else None


@contextlib.contextmanager
def paged(allowed: bool = True) -> Iterator[None]:
    """Capture what is drawn on stdout meanwhile; page it when it is longer than the terminal."""
    # the real stdout, as git asks (not Rich's forced terminal); first, and Rich is not imported for a pipe: what
    # is written there may not need it (`sd report week --format html > week.html`: ≈ 40 ms of imports saved)
    command = pager_command() if allowed and _on_a_terminal() else None
    if command is None:
        yield
        return
    from salesdiary.render.console import out

    console = out()
    capture = console.capture()
    try:
        with capture:
            yield
    except SystemExit:  # a command's own exit code (sd check: 1 with findings): its output is paged all the same
        _page(command, capture.get(), console.height)
        raise
    except BaseException:  # an error half-way: what was drawn before it, as it is
        _write(capture.get())
        raise
    _page(command, capture.get(), console.height)


def _on_a_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _page(command: str, text: str, height: int) -> None:
    if text.count("\n") < height - 1:
        _write(text)
    else:
        show(command, text)


def show(command: str, text: str) -> None:
    """TEXT through the pager COMMAND (a shell command line, as git runs $PAGER); printed when it cannot run."""
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")
    sys.stdout.flush()
    try:
        done = subprocess.run(command, shell=True, input=text.encode("utf-8", "replace"), env=env, check=False)
    except (OSError, KeyboardInterrupt):
        done = None
    if done is None or done.returncode == 127:  # no such pager: the output all the same
        _write(text)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
