"""Helpers shared by the tests (re-exported by conftest.py: `from conftest import build, measure, Terminal`).

- `build`: a journal made by running `sd` commands, each on a day of its own;
- `load_generator`: bench/generate.py, for journals of hundreds or thousands of generated records;
- `measure`: the wall time, CPU time and peak memory of one command in a child process;
- `Terminal`: `sd` running in a real pseudo-terminal, driven as a person would (an expect loop);
- `query`: the rows of one SQL statement on a journal file, read by a connection of its own.
"""

from __future__ import annotations

import importlib.util
import os
import re
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SD_BIN = Path(sys.executable).parent / "sd"


def query(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def build(path: Path, steps: list[tuple[str, tuple[str, ...]]]) -> None:
    """Run `sd` commands, each on its own day (SD_TODAY), into the journal at PATH."""
    from conftest import run_sd

    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "SD_DB": str(path),
            "SD_CONFIG": str(path.parent / "config.toml"),
            "XDG_DATA_HOME": str(path.parent / "data"),
            "XDG_CONFIG_HOME": str(path.parent / "config"),
            "SD_LANG": "en",
            "NO_COLOR": "1",
        }.items():
            mp.setenv(name, value)
        for day, args in steps:
            mp.setenv("SD_TODAY", day)
            result = run_sd(*args)
            assert result.exit_code == 0, (args, result.output)
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def load_generator() -> Any:
    """bench/generate.py as a module: `load_generator().generate(name, path, today=…, counts={…})`."""
    spec = importlib.util.spec_from_file_location("sd_bench_generate", ROOT / "bench" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A small launcher forks the measured process: a child forked from pytest itself would count pytest's
# memory in its peak RSS (Linux keeps the high-water mark across exec).
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_pid, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def measure(*command: str, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """Run COMMAND; return its wall seconds, CPU seconds and peak RSS in MB."""
    proc = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu, rss_kb, code = proc.stdout.split()
    assert code == "0", proc.stderr
    return float(wall), float(cpu), int(rss_kb) // 1024


ENTER, DOWN, SPACE, CTRL_C = "\r", "\x1b[B", " ", "\x03"
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


class Terminal:
    """`sd ARGS` running in a 120×40 pseudo-terminal (POSIX only: the modules are imported when one is made)."""

    def __init__(self, *args: str, cols: int = 120, rows: int = 40) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.proc = subprocess.Popen(
            [str(SD_BIN), *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self.raw = b""
        self.pos = 0  # how far `expect` has read the screen text

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        if not chunk:
            return False
        if b"\x1b[6n" in chunk:  # where is the cursor? (a terminal answers this)
            os.write(self.master, b"\x1b[1;1R" * chunk.count(b"\x1b[6n"))
        self.raw += chunk
        return True

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", "replace")).replace("\r", "")

    def expect(self, wanted: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while True:
            found = self.text.find(wanted, self.pos)
            if found >= 0:
                self.pos = found + len(wanted)
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted!r} did not appear; the screen ends with:\n{self.text[-1500:]}")
            if not self._read(0.2) and self.proc.poll() is not None:
                self._read(0.2)
                if wanted not in self.text[self.pos :]:
                    raise AssertionError(f"sd ended before {wanted!r} appeared:\n{self.text[-1500:]}")

    def type(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, key.encode())
            time.sleep(0.05)

    def answer(self, question: str, *keys: str) -> None:
        self.expect(question)
        time.sleep(0.1)  # let the question finish drawing, as a person would read it first
        self.type(*keys)

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0.1):
            pass
        code = self.proc.wait(timeout=5)
        os.close(self.master)
        return code
