"""The installed `sd` in a real process: a week of work with flags only, clean output, nothing waits for input."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time

from conftest import SD_BIN

SGR = re.compile(r"\x1b\[([0-9;]*)m")


def colours(text: str) -> set[str]:
    """The colour codes among the ANSI styles in TEXT (bold and dim are not colours)."""
    found = set()
    for params in SGR.findall(text):
        for code in params.split(";"):
            if code and (30 <= int(code) <= 49 or 90 <= int(code) <= 107):
                found.add(code)
    return found


def test_a_week_of_work_with_flags_only(sd, sd_process):
    steps = [
        ("account", "add", "华东电网有限公司", "--mode", "group", "--source", "relationships", "--relation", "B"),
        ("contact", "add", "李明", "--account", "华东电网", "--role", "influencer", "--coach"),
        ("deal", "add", "变电站视频监控", "--account", "华东电网", "--amount", "65万", "--stage", "2"),
        ("visit", "add", "--deal", "变电站", "--contact", "李明", "--kind", "tech_exchange", "--date", "yesterday",
         "--summary", "技术交流顺利", "--next", "提交方案", "--follow-up", "fri"),
        ("followup", "done", "1"),
        ("deal", "won", "变电站视频监控", "--amount", "680000"),
    ]  # fmt: skip
    for number, args in enumerate(steps):
        # the installed sd for the first and the visit; the rest in-process (the same entry point, faster)
        result = sd_process(*args) if number in (0, 3) else sd(*args)
        assert result.exit_code == 0, (args, result.output)
        assert result.stdout == "" and result.stderr.strip()  # messages go to stderr

    deal = sd_process("deal", "show", "1", "--json").json()
    assert (deal["status"], deal["amount"], deal["next_step"], deal["next_step_date"]) == (
        "won",
        680000.0,
        "提交方案",
        "2026-11-27",
    )
    visits = sd_process("visit", "list", "--json").json()
    assert [(v["date"], v["kind"], [c["name"] for c in v["contacts"]]) for v in visits] == [
        ("2026-11-24", "tech_exchange", ["李明"])
    ]
    followups = sd("followup", "list", "--status", "done", "--json").json()
    assert [(f["action"], f["done_on"]) for f in followups] == [("提交方案", "2026-11-25")]


def test_piped_output_has_no_ansi_escapes_even_without_no_color(sd, sd_process, monkeypatch):
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert sd("account", "add", "Acme").exit_code == 0
    assert sd("deal", "add", "Big one", "--account", "Acme", "--amount", "1m").exit_code == 0
    for args in (("account", "list"), ("deal", "show", "1"), ("account", "show", "Nope"), ("account", "add", "Beta")):
        result = sd_process(*args)
        assert result.stdout or result.stderr, args
        assert "\x1b" not in result.stdout and "\x1b" not in result.stderr, args


def run_in_terminal(args: list[str], env: dict[str, str], timeout: float = 30) -> tuple[int, str]:
    """Run the installed sd with a pseudo-terminal as stdin, stdout and stderr."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(SD_BIN), *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=10)
    os.close(master)
    return code, out.decode("utf-8", "replace")


def test_no_color_in_a_terminal_means_no_colours(sd):
    assert sd("account", "add", "Acme").exit_code == 0
    base = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "150"}
    coloured = {k: v for k, v in base.items() if k != "NO_COLOR"}
    code, out = run_in_terminal(["account", "add", "Beta"], coloured)
    assert code == 0
    assert colours(out), "on a terminal without NO_COLOR, success is green"
    code, out = run_in_terminal(["account", "list"], {**base, "NO_COLOR": "1"})
    assert code == 0 and "Acme" in out and "Beta" in out
    assert not colours(out)


def test_with_no_terminal_nothing_waits_for_input(isolated):
    """stdin is an open pipe that never delivers anything: a missing value is an error, not a prompt."""
    for args, flag in ((["contact", "add", "Li"], "--account"), (["followup", "add", "Call"], "--due")):
        proc = subprocess.Popen([str(SD_BIN), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError(f"sd {' '.join(args)} waited for input") from None
        err = proc.stderr.read()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
        assert code == 2, (args, err)
        assert flag in err and "Traceback" not in err


def test_undecodable_bytes_on_the_command_line(sd):
    for args in ([b"account", b"add", b"caf\xe9"], [b"account", b"show", b"\xff\xfe"]):
        proc = subprocess.run([bytes(SD_BIN), *args], capture_output=True, timeout=60)
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 2, (args, err)
        assert "UTF-8" in err and "Traceback" not in err
        assert err.count("\n") == 1
    assert sd("account", "list", "--json").json() == []
