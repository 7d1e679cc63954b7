"""A progress bar for long runs on a terminal: shown on stderr once a run has taken a second, never when piped.

`with_progress(rows, label)` passes ROWS through unchanged; when stderr is a terminal and the run is still
going after `AFTER` seconds, a transient Rich bar (count, rate) appears and is updated every `EVERY` rows.
Short runs and scripts never see it and never import Rich's progress module for it. `SD_NO_PROGRESS=1`
turns it off.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
AFTER = 1.0  # seconds before a bar is worth drawing
EVERY = 500  # rows between checks of the clock and updates of the bar


def wanted() -> bool:
    """Whether a bar may be drawn: stderr is a terminal and nothing turned bars off."""
    if os.environ.get("SD_NO_PROGRESS"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def with_progress(rows: Iterable[T], label: str, total: int | None = None, clock: Any = time.monotonic) -> Iterable[T]:
    """ROWS, unchanged; a bar on stderr for a run that takes more than AFTER seconds on a terminal. An export's
    tabular.Rows stays one (the bar counts its tuples), so the writers still take its tuples as they come, with
    no dict per row; with no bar wanted, ROWS are given back as they are (no step per row at all)."""
    if not wanted():
        return rows
    from salesdiary.core.tabular import Rows

    if isinstance(rows, Rows):
        return Rows(rows.names, _counted(rows.tuples, label, total, clock))
    return _counted(rows, label, total, clock)


def _counted(rows: Iterable[T], label: str, total: int | None, clock: Any) -> Iterator[T]:
    start = clock()
    bar: Any = None
    task: Any = None
    done = 0
    try:
        for row in rows:
            yield row
            done += 1
            if done % EVERY:
                continue
            if bar is None and clock() - start >= AFTER:
                bar, task = _start(label, total)
            if bar is not None:
                bar.update(task, completed=done)
    finally:
        if bar is not None:
            bar.stop()


def _start(label: str, total: int | None) -> tuple[Any, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from salesdiary.render.console import err

    columns: list[Any] = [SpinnerColumn(), TextColumn(label)]
    if total:
        columns += [BarColumn(), MofNCompleteColumn()]
    else:
        columns.append(TextColumn("{task.completed:,}"))
    columns.append(TimeElapsedColumn())
    bar = Progress(*columns, console=err(), transient=True)
    bar.start()
    return bar, bar.add_task(label, total=total)
