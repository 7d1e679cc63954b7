"""Garbage collection while `sd` loads: off, then back on for the command's own work.

Loading Typer, SQLModel and the journal's models makes over 100,000 objects the collector tracks, most of
them living as long as the process; with collection on, the collections of the older generations walk them
again and again (a full one takes ≈ 60 ms here; ≈ 20 % of `sd visit add`'s CPU went that way). So `run()`
switches collection off first, and the command switches it back on when it reaches the journal
(cli.common.target): what was loaded by then is frozen out of every later collection (gc.freeze), and the
command's own work — a long export or import included — is collected as usual. A run that never reaches the
journal is short (help, a usage error), and its memory goes with the process.
"""

from __future__ import annotations

import gc


def loading() -> None:
    """At the start of a run: no collection while modules load."""
    gc.disable()


def loaded() -> None:
    """When the command's work starts: keep what was loaded out of later collections; collect as usual again.

    Does nothing when collection is on (a test calling main() in its own process, or a second call).
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
