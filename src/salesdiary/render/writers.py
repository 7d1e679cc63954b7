"""Writers for data that leaves `sd`: CSV, a JSON array and JSON lines, row by row.

They know columns and kinds (core/tabular.py), not the database: rows come in as
dicts, or as tuples (tabular.Rows, what an export streams), and go out in batches of a
few hundred, so a file of any size costs the memory of one batch.
Values are written as what they are: ids and amounts as plain numbers, dates ISO
8601, times in UTC with a Z, booleans true/false, lists as lists (JSON) or joined
with "; " (CSV).

`excel=True` is for spreadsheets: UTF-8 with a byte-order mark (so Chinese opens
right), CRLF line ends, and every cell that a spreadsheet would run as a formula —
one starting with =, +, -, @, a tab or a carriage return that is not a plain
number or a phone number — gets a leading apostrophe, which shows it as text.
Without it, CSV is faithful to the data byte for byte.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from salesdiary.core.errors import BadInput, SdError
from salesdiary.core.tabular import LIST_SEPARATOR, Column, Rows
from salesdiary.i18n import _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_START)
BATCH = 500  # CSV rows formatted before one write
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-.]*")


def neutralise(cell: str) -> str:
    """CELL as a spreadsheet should show it: never a live formula."""
    if not cell or cell[0] not in FORMULA_START:
        return cell
    if _PLAIN_NUMBER.fullmatch(cell):
        return cell
    if _PHONE.fullmatch(cell) and sum(ch in "0123456789" for ch in cell) >= 5:
        return cell
    return "'" + cell


def plain_number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


def _timestamp(value: Any) -> str:
    stamp = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _items(value: Any) -> list[str]:
    return str(value).split(LIST_SEPARATOR) if value not in (None, "") else []


def _json_value(kind: str) -> Callable[[Any], Any]:
    if kind == "id":
        return int
    if kind == "amount":
        return plain_number
    if kind == "bool":
        return bool
    if kind == "date":
        return lambda v: str(v)[:10]
    if kind == "datetime":
        return _timestamp
    if kind == "names":
        return _items
    if kind == "ids":
        return lambda v: [int(i) for i in _items(v)]
    return str


def _csv_value(kind: str) -> Callable[[Any], str] | None:
    """What a value of KIND (not None) is written as in CSV; None: the value as it is, since csv.writer writes
    it as str() gives it (None as an empty cell), which is what a text or enum column holds."""
    if kind == "amount":
        return lambda v: str(plain_number(v))
    if kind == "bool":
        return lambda v: "true" if v else "false"
    if kind in ("names", "ids"):
        return lambda v: str(v).replace(LIST_SEPARATOR, "; ")  # the items joined with "; "
    if kind == "date":
        return lambda v: str(v)[:10]
    if kind == "datetime":
        return _timestamp
    if kind == "id":
        return lambda v: str(int(v))
    return None


def _tuples(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[Sequence[Any]]:
    """The values of each row in the order of COLUMNS: ROWS are dicts, or tabular.Rows whose tuples they are."""
    names = tuple(c.name for c in columns)
    if isinstance(rows, Rows):
        if rows.names == names:
            return rows.tuples
        missing = [name for name in names if name not in rows.names]
        if missing:
            raise KeyError(missing[0])
        pick: Callable[[Any], Sequence[Any]] = _picker([rows.names.index(name) for name in names])
        return map(pick, rows.tuples)
    return map(_picker(list(names)), rows)


def _picker(keys: list[Any]) -> Callable[[Any], Sequence[Any]]:
    if len(keys) > 1:
        return itemgetter(*keys)
    return lambda row: tuple(row[key] for key in keys)


def _csv_cells(columns: Sequence[Column]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A row's values → its CSV cells: each column's conversion worked out once, not per cell."""
    ids = [i for i, c in enumerate(columns) if c.kind == "id"]
    others = [(i, convert) for i, c in enumerate(columns) if c.kind != "id" and (convert := _csv_value(c.kind))]

    def cells(row: Sequence[Any]) -> list[Any]:
        line = list(row)
        for i in ids:
            value = line[i]
            if value.__class__ is not int and value is not None:  # an int is written as str(int(value)) would be
                line[i] = str(int(value))
        for i, convert in others:
            value = line[i]
            if value is not None:
                line[i] = convert(value)
        return line

    return cells


def _spreadsheet_cells(line: Sequence[Any]) -> list[str]:
    out = []
    for cell in line:
        if cell.__class__ is not str:
            cell = "" if cell is None else str(cell)
        out.append(neutralise(cell) if cell[:1] in _FORMULA_FIRST else cell)
    return out


class _Lines(list[str]):
    """What a csv.writer writes into it, a line per row."""

    write = list.append


def write_csv(stream: TextIO, columns: Sequence[Column], rows: Iterable[Any], *, excel: bool = False) -> int:
    """Write ROWS as CSV (header first); return how many rows were written."""
    terminator = "\r\n" if excel else "\n"
    lines = _Lines()
    writer = csv.writer(lines, lineterminator=terminator)
    # With "\n" line ends the csv module leaves a lone "\r" unquoted, and a reader would end the row there:
    # such a row is written again with every cell quoted.
    careful = csv.writer(lines, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    writer.writerow([c.name for c in columns])
    stream.write(lines.pop())
    batch: list[Sequence[Any]] = []

    def flush() -> None:
        writer.writerows(batch)
        text = "".join(lines)
        if not excel and "\r" in text:
            for i, line in enumerate(lines):
                if "\r" in line:
                    careful.writerow(batch[i])
                    lines[i] = lines.pop()
            text = "".join(lines)
        lines.clear()
        batch.clear()
        stream.write(text)

    line_of = _csv_cells(columns)
    n = 0
    try:
        for line in map(line_of, _tuples(columns, rows)):
            batch.append(_spreadsheet_cells(line) if excel else line)
            n += 1
            if len(batch) == BATCH:
                flush()
    finally:  # also the rows before one that failed, as a row-by-row writer would have written them
        if batch:
            flush()
    return n


def json_objects(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """Export rows as the JSON formats write them: one object per row, the COLUMNS' values as JSON types."""
    names = [c.name for c in columns]
    values = [_json_value(c.kind) for c in columns]
    for row in _tuples(columns, rows):
        yield {
            name: (None if value is None else convert(value))
            for name, convert, value in zip(names, values, row, strict=True)
        }


def _json_rows(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[str]:
    for obj in json_objects(columns, rows):
        yield json.dumps(obj, ensure_ascii=False)


def write_jsonl(stream: TextIO, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    n = 0
    for line in _json_rows(columns, rows):
        stream.write(line + "\n")
        n += 1
    return n


def write_json(stream: TextIO, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    """A JSON array, one object per line, written as the rows come."""
    return _write_array(stream, _json_rows(columns, rows), indent="")


def _write_array(stream: TextIO, items: Iterable[str], indent: str) -> int:
    n = 0
    stream.write("[")
    for item in items:
        stream.write(("\n" if n == 0 else ",\n") + indent + "  " + item)
        n += 1
    stream.write(("\n" + indent + "]") if n else "]")
    return n


def write_rows(
    stream: TextIO, fmt: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]], *, excel: bool = False
) -> int:
    if fmt == "csv":
        return write_csv(stream, columns, rows, excel=excel)
    if fmt == "jsonl":
        return write_jsonl(stream, columns, rows)
    n = write_json(stream, columns, rows)
    stream.write("\n")
    return n


def write_dump(stream: TextIO, header: dict[str, Any], tables: Iterable[tuple[str, Iterable[dict[str, Any]]]]) -> int:
    """Everything in one JSON object: HEADER's keys, then "tables": {name: [row, …]}, streamed."""
    n = 0
    stream.write("{\n")
    for key, value in header.items():
        stream.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    stream.write('  "tables": {')
    for i, (name, rows) in enumerate(tables):
        stream.write(("\n" if i == 0 else ",\n") + f"    {json.dumps(name)}: ")
        items = (json.dumps(row, ensure_ascii=False, default=str) for row in rows)
        n += _write_array(stream, items, indent="    ")
    stream.write("\n  }\n}\n")
    return n


@contextlib.contextmanager
def output(path: str | None, *, bom: bool = False) -> Iterator[TextIO]:
    """Where an export goes: FILE (see output_file) or stdout (None or -), as UTF-8 text."""
    if path and path != "-":
        with output_file(path, bom=bom) as fh:
            yield fh
        return
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text stream without bytes under it (tests capture stdout this way)
        if bom:
            sys.stdout.write("\ufeff")
        yield sys.stdout
        sys.stdout.flush()
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding="utf-8-sig" if bom else "utf-8", newline="")
    try:
        yield stream
        stream.flush()
    finally:
        with contextlib.suppress(ValueError):
            stream.detach()


# --- files sd writes ---------------------------------------------------------------------------------------
# One place opens every file a command writes at the user's request (--output, --ics …), so that each is
# private and whole:
# - a regular file (or none yet) is written to a temp file beside it and renamed over it only when complete:
#   the temp is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 under a random name, so a file or link
#   planted at that name cannot redirect the data (a name taken is skipped), and it is removed on every
#   failure (an error, Ctrl-C, a full disk). The result is 0600 even when it replaces a file that was not.
# - a symbolic link: the file it points to is replaced as above (the temp beside that file); the link stays.
# - a pipe (FIFO) or a character device (/dev/null, a terminal), and /dev/stdout, /dev/stderr, /dev/fd/N
#   (whatever the shell opened there, a file too: appended to, as the shell's redirection decided): written
#   into directly, never replaced (a device node or FIFO must not become a file).
# - a folder, or anything else (a socket, a block device): refused as bad input (exit 2).
# Opening fails → BadInput (exit 2: the path is wrong); writing fails → SdError (exit 1), nothing left behind.

_DIRECT_PREFIXES = ("/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/")  # an open file: the shell's
_TEMP_TRIES = 16


@contextlib.contextmanager
def output_file(path: str, *, bom: bool = False) -> Iterator[TextIO]:
    """PATH opened for writing as UTF-8 text (with a byte-order mark if BOM), as the rules above say."""
    import stat

    encoding = "utf-8-sig" if bom else "utf-8"
    target = Path(path).expanduser()
    try:
        st: os.stat_result | None = os.stat(target)  # follows a link: what it points to counts
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _cannot_open(path, exc) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise BadInput(_("{path} is a folder; give the name of a file to write.").format(path=path))
    direct = str(target).startswith(_DIRECT_PREFIXES) or (
        st is not None and (stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode))
    )
    if st is not None and not direct and not stat.S_ISREG(st.st_mode):
        raise BadInput(_("Cannot write {path}: it is not a file, a pipe or a device.").format(path=path))
    if direct:
        append = os.O_APPEND if st is not None and stat.S_ISREG(st.st_mode) else 0  # /dev/stdout >> a file
        try:
            fd = os.open(target, os.O_WRONLY | os.O_NOCTTY | append)
        except OSError as exc:
            raise _cannot_open(path, exc) from None
        with _writing(path, whole=False), open(fd, "w", encoding=encoding, newline="") as fh:
            yield fh
        return
    _not_a_planted_link(target, path)
    real = Path(os.path.realpath(target))
    fd, temp = _private_temp(real, path)
    try:
        with _writing(path, whole=True):
            with open(fd, "w", encoding=encoding, newline="") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _not_a_planted_link(target: Path, shown: str) -> None:
    """Refuse a link another user left in a shared folder (sticky and writable by all, like /tmp): the kernel
    would not follow it for us (fs.protected_symlinks), and replacing the file it points to through its real
    path would go around that. A link of one's own, or in a folder of one's own, is followed as usual."""
    import stat

    try:
        link = os.lstat(target)
    except OSError:
        return
    if not stat.S_ISLNK(link.st_mode):
        return
    try:
        folder = os.stat(target.parent)
    except OSError:
        return
    shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
    if shared and link.st_uid not in (os.geteuid(), folder.st_uid):
        raise BadInput(
            _("Cannot write {path}: it is a link another user made in a shared folder; give another name.").format(
                path=shown
            )
        )


def write_file(path: str, text: str) -> None:
    """TEXT into PATH (see output_file) or to stdout for -."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    with output_file(path) as fh:
        fh.write(text)


def _private_temp(real: Path, shown: str) -> tuple[int, str]:
    """A new file beside REAL, only ours: 0600, created here (never a name that exists, never through a link)."""
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _try in range(_TEMP_TRIES):
        temp = str(real.with_name(f".{real.name[:180]}.{secrets.token_hex(6)}.partial"))
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:
            continue
        except OSError as exc:
            raise _cannot_open(shown, exc) from None
    raise SdError(_("Cannot write {path}: no free name for a temporary file beside it.").format(path=shown))


@contextlib.contextmanager
def _writing(path: str, *, whole: bool) -> Iterator[None]:
    """An error while writing PATH (a full disk, a device that refuses) as one line, exit 1. WHOLE: PATH is
    replaced only by a complete file, so the line can say that it was left as it was."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        import errno

        if exc.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)):  # no room: say so
            line = (
                _("The disk is full: {path} was not written and was left as it was; the journal is unchanged.")
                if whole
                else _("The disk is full: {path} was not written; the journal is unchanged.")
            )
            raise SdError(line.format(path=path) + " " + _("Free some space and export again.")) from None
        error = exc.strerror or str(exc)
        line = _("Cannot write {path}: {error}; it was left as it was.") if whole else _("Cannot write {path}: {error}")
        raise SdError(line.format(path=path, error=error)) from None


def _cannot_open(path: str, exc: OSError) -> BadInput:
    return BadInput(_("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc))
