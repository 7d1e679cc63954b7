"""Garbage collection while `sd` loads: off, then back on for the command's own work.

Loading Typer, SQLModel and the journal's models makes some 300,000 objects that live as long as the process
and are none of them garbage; with collection on, every collection of the older generations walks all of them
again (≈ 130 ms of a 700 ms `sd visit add`, ≈ 20 % of its CPU). So `run()` switches collection off first, and
the command switches it back on when it reaches the journal (cli.common.target): what was loaded by then is
frozen out of every later collection (gc.freeze), and the command's own work — a long export or import
included — is collected as usual. Nothing is ever left uncollected for long: a run that never reaches the
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
