"""Tab in a real interactive zsh, bash and fish, with the script `sd completion install` wrote (issue 23).

Names in the journal are data: an account named `X$(touch FILE)` must be offered and inserted as that
text, and nothing in it may run, neither when Tab is pressed nor when the completed line is run. Each
shell runs in a pseudo-terminal with a fresh home; a name is completed on a line, the line is turned
into `printf 'ARG[%s]\\n' sd account show …` (Ctrl-A, then the printf typed in front) and run, so the
screen shows each word exactly as the shell parsed it.

A shell that is not installed is skipped with the reason; under CI=true it is a failure (.ci/run
installs zsh and fish).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

SD_BIN_DIR = Path(sys.executable).parent
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b")
TAB, CTRL_A, ENTER = "\t", "\x01", "\r"
SHELLS = ("zsh", "bash", "fish")

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")


def _shell_or_skip(shell: str) -> str:
    path = shutil.which(shell)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{shell} is not installed (.ci/run installs it under CI)")
        pytest.skip(f"{shell} is not installed (apt-get install -y zsh fish)")
    return path


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Shell:
    """An interactive SHELL in a 200×50 pseudo-terminal, with HOME (and its start-up files) of its own."""

    def __init__(self, shell: str, home: Path) -> None:
        exe = _shell_or_skip(shell)
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("BASH_FUNC_", "_SD_", "_TYPER_", "COMP_")) and key not in ("ENV", "BASH_ENV")
        }
        env.update(
            HOME=str(home),
            ZDOTDIR=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            PATH=f"{SD_BIN_DIR}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            TERM="xterm",
            LANG="C.UTF-8",
            SHELL=exe,
        )
        args = {"zsh": [exe, "-i"], "bash": [exe, "--noprofile", "--rcfile", str(home / ".bashrc"), "-i"]}.get(
            shell, [exe, "-i"]
        )
        self.proc = subprocess.Popen(
            args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,
            preexec_fn=_controlling_terminal,  # job control (fish insists on it) needs the pty as the session's
        )
        os.close(slave)
        self.raw = b""
        self.pos = 0

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        if b"\x1b[6n" in chunk:  # a cursor-position request: answer as a terminal does
            os.write(self.master, b"\x1b[1;1R" * chunk.count(b"\x1b[6n"))
        if b"\x1b[c" in chunk or b"\x1b[0c" in chunk:  # device attributes
            os.write(self.master, b"\x1b[?62c")
        self.raw += chunk
        return True

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", "replace")).replace("\r", "")

    def expect(self, wanted: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            found = self.text.find(wanted, self.pos)
            if found >= 0:
                self.pos = found + len(wanted)
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted!r} did not appear; the screen ends with:\n{self.text[-2500:]}")
            if not self._read(0.2) and self.proc.poll() is not None:
                raise AssertionError(f"the shell ended before {wanted!r} appeared:\n{self.text[-2500:]}")

    def type(self, *keys: str) -> None:
        for key in keys:
            os.write(self.master, key.encode())
            time.sleep(0.05)

    def settle(self, quiet: float = 0.7, timeout: float = 20) -> None:
        """Wait until the shell has drawn nothing for QUIET seconds (Tab ran `sd` and drew its answer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read(quiet):
            pass

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        os.close(self.master)


def _start(shell: str, home: Path, sd_process) -> Shell:  # noqa: ANN001
    """Install the completion as a user would (`sd completion install SHELL`), start SHELL, wait for its prompt."""
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local/share")}
    home.mkdir(exist_ok=True)
    if shell == "zsh":
        (home / ".zshrc").write_text(
            "bindkey -e\nfpath=(~/.zfunc $fpath)\nautoload -Uz compinit && compinit -u\nunsetopt beep\nPS1='READY> '\n",
            encoding="utf-8",
        )
    elif shell == "bash":
        (home / ".bashrc").write_text(
            "PS1='READY> '\nset -o emacs\nsource ~/.local/share/bash-completion/completions/sd\n", encoding="utf-8"
        )
    else:
        conf = home / ".config" / "fish"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "config.fish").write_text(
            "set -g fish_greeting ''\nset -g fish_autosuggestion_enabled 0\n"
            "function fish_prompt; printf 'READY> '; end\n",
            encoding="utf-8",
        )
    installed = sd_process("completion", "install", shell, env=env)
    assert installed.exit_code == 0, installed.output
    term = Shell(shell, home)
    term.expect("READY> ")
    return term


def _complete_and_print(term: Shell, line: str) -> None:
    """Type LINE, press Tab, then put `printf` in front and run the line, so each word is printed in ARG[…]."""
    term.type(line, TAB)
    term.settle()
    term.type(CTRL_A, "printf 'ARG[%s]\\n' ", ENTER)


# Names that a CSV from a colleague may hold; {tmp} is where the commands in them would leave a file.
HOSTILE = (
    "X$(touch {tmp}/owned_zsh)",
    "Y`touch {tmp}/owned2`",
    "Z';touch {tmp}/o3;'",
    'W";touch {tmp}/o4;"',
    "V\\$(touch {tmp}/o5)",
    "A\nB",
    '"quoted"',
    "back\\slash",
    "Foo:Bar baz",
    "华东 电网:二期",
)


@pytest.fixture(scope="module")
def journals(tmp_path_factory):  # noqa: ANN001, ANN201
    """(marks, {name: journal holding only that account}, journal holding them all), made once for the module:
    MARKS is the folder where the commands in the names would leave a file.

    A line break cannot be typed into `sd account add`, and sd's checks may refuse other names one day, but a
    journal written by another tool may hold anything: sd makes each record, sqlite3 then gives it its name."""
    from conftest import run_process

    marks = tmp_path_factory.mktemp("marks")
    folder = tmp_path_factory.mktemp("journals")
    names = [name.format(tmp=marks) for name in HOSTILE]
    everything = folder / "all.sqlite"
    for i in range(len(names)):
        made = run_process("account", "add", f"placeholder {i}", env={"SD_DB": str(everything)})
        assert made.exit_code == 0, made.output
    singles = {}
    for i, name in enumerate(names):
        single = folder / f"j{i}.sqlite"
        con = sqlite3.connect(everything)
        with con:
            con.execute("UPDATE account SET name = ? WHERE name = ?", (name, f"placeholder {i}"))
        con.execute("VACUUM INTO ?", (str(single),))
        con.close()
        con = sqlite3.connect(single)
        with con:
            con.execute("DELETE FROM account WHERE name <> ?", (name,))
        con.close()
        singles[name] = single
    return marks, singles, everything


def _nothing_ran(marks: Path) -> None:
    assert sorted(p.name for p in marks.iterdir()) == []


@pytest.mark.parametrize("shell", SHELLS)
def test_tab_inserts_each_hostile_name_as_text_and_runs_nothing(shell, tmp_path, journals, sd_process):
    marks, singles, _all = journals
    term = _start(shell, tmp_path / "home", sd_process)
    try:
        for name, journal in singles.items():
            _complete_and_print(term, f"sd --db {journal} account show ")
            term.expect(f"ARG[{journal}]\nARG[account]\nARG[show]\nARG[{name}]\n")
            _nothing_ran(marks)
    finally:
        term.close()
    _nothing_ran(marks)


@pytest.mark.parametrize("shell", SHELLS)
def test_the_issue_line_completes_on_the_first_tab(shell, tmp_path, journals, sd_process, monkeypatch):
    """`sd account show X<Tab>` in a fresh shell, the journal holding every hostile name (issue 23): the first Tab
    completes (zsh: the autoloaded _sd completes on its first call), and nothing runs."""
    marks, singles, everything = journals
    names = list(singles)
    monkeypatch.setenv("SD_DB", str(everything))
    term = _start(shell, tmp_path / "home", sd_process)
    try:
        _complete_and_print(term, "sd account show X")
        term.expect(f"ARG[show]\nARG[{names[0]}]\n")
        _complete_and_print(term, "sd account show 华")
        term.expect("ARG[show]\nARG[华东 电网:二期]\n")
        _complete_and_print(term, "sd account show Foo:B")  # bash breaks words at `:` (COMP_WORDBREAKS)
        term.expect("ARG[show]\nARG[Foo:Bar baz]\n")
        _complete_and_print(term, "sd account show back")
        term.expect("ARG[show]\nARG[back\\slash]\n")
        _complete_and_print(term, "sd account show 'Z")  # after an opening quote: quoted for inside it
        term.expect(f"ARG[show]\nARG[{names[2]}]\n")
        _complete_and_print(term, 'sd account show "X')
        term.expect(f"ARG[show]\nARG[{names[0]}]\n")
    finally:
        term.close()
    _nothing_ran(marks)


@pytest.mark.parametrize("shell", SHELLS)
def test_commands_still_complete(shell, tmp_path, sd_process):
    term = _start(shell, tmp_path / "home", sd_process)
    try:
        _complete_and_print(term, "sd acc")
        term.expect("ARG[sd]\nARG[account]\n")
    finally:
        term.close()


@pytest.mark.parametrize("shell", SHELLS)
def test_a_file_argument_still_completes_file_names(shell, tmp_path, sd_process):
    """Where sd has no candidate (`sd import deals FILE`), the shell completes file names as before."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "deals-2026.csv").write_text("name\n", encoding="utf-8")
    term = _start(shell, home, sd_process)
    try:
        term.type("cd ~", ENTER)
        _complete_and_print(term, "sd import deals deals-")
        term.expect("ARG[deals]\nARG[deals-2026.csv]\n")
    finally:
        term.close()


def test_an_old_zsh_script_still_installed_runs_nothing(tmp_path, journals, sd_process, monkeypatch):
    """Typer's zsh script (`eval $(sd …)`), as the README of earlier versions installed it: sd answers it with a
    fixed message instead of the names, so Tab (twice: its first Tab only loads it) runs nothing."""
    marks, _singles, everything = journals
    monkeypatch.setenv("SD_DB", str(everything))
    home = tmp_path / "home"
    term = _start("zsh", home, sd_process)
    term.close()
    (home / ".zfunc" / "_sd").write_text(
        "#compdef sd\n\n_sd_completion() {\n"
        '  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _SD_COMPLETE=complete_zsh sd)\n'
        "}\n\ncompdef _sd_completion sd\n",
        encoding="utf-8",
    )
    (home / ".zcompdump").unlink(missing_ok=True)
    term = Shell("zsh", home)
    try:
        term.expect("READY> ")
        for prefix in ("X", "Y", "Z", "W", "V"):
            term.type(f"sd account show {prefix}", TAB)
            term.settle()
            term.type(TAB)
            term.settle()
            term.type("\x15")  # Ctrl-U: drop the line
        term.expect("this zsh completion script is unsafe and out of date")
    finally:
        term.close()
    _nothing_ran(marks)
