"""Hostile input: every command driven with generated argument vectors never shows a traceback, exits with
0, 1 or 2 only, and leaves a journal that passes its integrity check.

The command tree is read from the app itself, so commands added later are covered too. Values include
control characters, lone surrogates (what undecodable bytes on a command line become in Python),
1 MB values, NaN / inf / huge numbers, dates in year 1 and 9999, unknown options and missing arguments.
Generated values never name a file outside the test's folder (no leading '/' or '~', no '..').
The number of examples follows SD_STRESS (CI: a bounded run; `SD_STRESS=full`: many) or SD_HOSTILE_EXAMPLES.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import SD_BIN

FULL = os.environ.get("SD_STRESS") == "full"
EXAMPLES = int(os.environ.get("SD_HOSTILE_EXAMPLES", "2000" if FULL else "150"))


def command_table() -> list[tuple[list[str], list]]:
    """Every leaf command of `sd` as (path, parameters)."""
    import typer.main

    from salesdiary.cli.app import build_app

    def walk(cmd, path):  # noqa: ANN001, ANN202
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, list(cmd.params)

    return list(walk(typer.main.get_command(build_app()), []))


COMMANDS = command_table()

SPECIAL = [
    "NaN", "nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-320", "-0", "0", "-1",
    "99999999999999999999999999", "-99999999999999999999999999", "0x10", "1_000", "１２３", "五百万", "1.5亿", "9e15",
    "0001-01-01", "1-01-01", "9999-12-31", "10000-01-01", "0000-00-00", "2026-02-30", "2026-13-01",
    "+99999999d", "-99999999d", "+2147483648w", "next fri", "下周八", "9999年12月31日",
    "", " ", "\t", "\n", "-", "--", "---", "-x", "--=", "=", "a=b=c", "k=", "=v",
    "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\r\n", "\u202ename", "\ufeff", "\u200b", "𝔘𝔫𝔦",
    "\ud800", "a\udcff b", "\udc80\udc81",
    "'; DROP TABLE account; --", "=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "%s%s%n", "{0}{name}", "{}", "[red]x[/]",
    "#", "#0", "#-1", "#99999999999999999999", "1/2", "a/b/c", "*", "%", "_", "\\",
]  # fmt: skip


def _safe(value: str) -> str:
    """No value may point outside the test's folder (the current directory)."""
    value = value.replace("..", "._")
    if value.startswith(("/", "~")):
        value = "_" + value
    return value


PLAUSIBLE = st.sampled_from(
    [
        "1",
        "2",
        "3",
        "华东",
        "调度",
        "李明",
        "招商",
        "ten_step",
        "visit",
        "csv",
        "accounts",
        "today",
        "+3d",
        "100万",
        "y",
    ]
)
VALUES = st.one_of(
    PLAUSIBLE,
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cs", "Co", "Cn", "Zl", "Zp"]), max_size=8),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from([1, 10, 1000]).map(lambda n: "长" * (1_000_000 // 3 // n) * n),  # about 1 MB of UTF-8
    PLAUSIBLE,
).map(_safe)

UNKNOWN = st.sampled_from(["--bogus", "-Z", "--json=maybe", "--limit", "-n", "--all", "--help", "--no-such=1", "--"])


@st.composite
def argv(draw) -> list[str]:  # noqa: ANN001
    path, params = draw(st.sampled_from(COMMANDS))
    args = list(path)
    for param in params:
        wanted = st.integers(0, 9).map(lambda n: n > 0) if getattr(param, "required", False) else st.booleans()
        if not draw(wanted):  # required ones are mostly given, so that the commands themselves are reached
            continue
        opts = getattr(param, "opts", [])
        if type(param).__name__.endswith("Argument"):
            for _ in range(draw(st.integers(1, 3)) if param.nargs == -1 else 1):
                args.append(draw(VALUES))
            continue
        name = draw(st.sampled_from(opts))
        if getattr(param, "is_flag", False):
            args.append(name)
        else:
            for _ in range(draw(st.integers(1, 2)) if param.multiple else 1):
                args.extend([name, draw(VALUES)])
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        position = draw(st.integers(len(path) if draw(st.integers(0, 9)) else 0, len(args)))
        args.insert(position, draw(st.one_of(UNKNOWN, VALUES)))
    if draw(st.integers(0, 9)) == 0:
        position = draw(st.integers(0, len(args)))
        args[position:position] = draw(st.sampled_from([["--lang", "zh"], ["--no-input"], ["--lang=en"], ["--lang"]]))
    # the journal is the test's own: generated text never names another database
    return [a for a in args if not a.startswith("--db")]


def integrity(journal: Path) -> str:
    con = sqlite3.connect(journal)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def hostile_home(sd, demo, isolated, monkeypatch):  # noqa: ANN001, ANN201
    work = isolated / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # any file a command writes lands here
    return isolated


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(args=argv())
def test_any_argument_vector(sd, hostile_home, args):
    result = sd(*args)
    event(f"exit {result.exit_code}")  # see them with --hypothesis-show-statistics
    shown = [a[:80] for a in args]
    assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.output[-2000:])
    assert "Traceback" not in result.output, (shown, result.output[-2000:])
    assert "internal error" not in result.output, (shown, result.output[-2000:])
    journal = hostile_home / "journal.sqlite"
    if journal.exists():
        assert integrity(journal) == "ok", shown


def test_undecodable_bytes_on_a_real_command_line(sd_process, isolated):
    """Bytes that are not UTF-8, given to the installed `sd` by a shell: one clear line, exit 2."""
    for args in ([b"account", b"add", b"\xff\xfe bad name"], [b"visit", b"add", b"--account", b"\xc3\x28"],
                 [b"deal", b"list", b"--owner", b"\xed\xa0\x80"], [b"history", b"\x80"]):  # fmt: skip
        proc = subprocess.run([os.fsencode(SD_BIN), *args], capture_output=True, timeout=60, env=os.environ)
        stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode in (1, 2), (args, stderr)
        assert "Traceback" not in stderr and "internal error" not in stderr, (args, stderr)
    journal = isolated / "journal.sqlite"
    if journal.exists():
        assert integrity(journal) == "ok"


# Malformed files for `sd import` -------------------------------------------------------------------------


def journal_rows(journal: Path) -> dict[str, int]:
    con = sqlite3.connect(journal)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("account", "history", "changeset")}
    finally:
        con.close()


MALFORMED = {  # case: (the file's bytes, made when the test runs; words the report must hold)
    "ragged rows": (lambda: "name,region,industry\nA1,上海\nA2,北京,电力,extra,more\nA3\n".encode(), "row 3"),
    "NUL bytes": (lambda: "name,region\nNul\x00Co,上海\nB2,北\x00京\n".encode(), "row 2"),
    "a 50 MB field": (lambda: b"name,notes\nBig Co," + b"x" * 50_000_000 + b"\n", "Line 2"),
    "wrong encoding": (lambda: "名称,区域\n杭州医院,杭州\n".encode("gbk"), "not utf-8"),
    "binary noise": (lambda: bytes(range(256)) * 100, "encoding"),
    "no header": (lambda: b"", "empty"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_csv_is_reported_and_nothing_is_written(sd, isolated, case):
    make, words = MALFORMED[case]
    assert sd("account", "add", "华东电网有限公司").exit_code == 0
    source = isolated / "bad.csv"
    source.write_bytes(make())
    journal = isolated / "journal.sqlite"
    before = journal_rows(journal)
    args = ["import", "accounts", str(source)] + (["--encoding", "utf-8"] if case == "wrong encoding" else [])
    result = sd(*args)
    assert result.exit_code in (1, 2), (case, result.output[-1000:])
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-1000:]
    assert words in result.stderr, (case, result.stderr[-1000:])
    assert len(result.stderr) < 5000  # a report, not the data echoed back
    assert journal_rows(journal) == before
    assert integrity(journal) == "ok"


def test_formula_looking_names_are_stored_as_text(sd, demo, isolated):
    names = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]
    source = isolated / "formulas.csv"
    lines = ["name,region"] + ['"' + n.replace('"', '""') + '",上海' for n in names]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = sd("import", "accounts", str(source))
    assert result.exit_code == 0, result.output
    stored = {a["name"] for a in sd("account", "list", "--all", "--json").json()}
    assert set(names) <= stored
    exported = sd("export", "accounts", "--excel").stdout
    assert "'=HYPERLINK" in exported and "'@SUM(A1)" in exported  # a spreadsheet shows them as text


def test_names_with_emoji_codes_and_markup_are_shown_as_typed(sd, demo):
    """Rich turns ":smile:" into an emoji and "[bold]" into style: a record's own text is never read that way."""
    name = "Test :smile: [bold]Co[/bold] :thumbs_up:"
    added = sd("account", "add", name, "--no-input")
    assert added.exit_code == 0, added.output
    assert name in added.output
    for args in (("account", "list", "--all"), ("account", "show", name), ("check", "--rule", "no_coach", "--all")):
        shown = sd(*args)
        assert shown.exit_code in (0, 1), shown.output
        assert "😄" not in shown.output and "👍" not in shown.output, args
    listed = sd("account", "list", "--all").output
    assert ":smile:" in listed and "[bold]Co[/bold]" in listed
    assert name in sd("account", "show", name).output


def test_reports_written_to_a_file_keep_emoji_codes_as_typed(sd, demo, isolated):
    name = "Smile :smile: Co"
    assert sd("account", "add", name, "--no-input").exit_code == 0
    assert sd("visit", "add", "--account", name, "--summary", "hi :thumbs_up:", "--no-input").exit_code == 0
    for args, out in ((("report", "week", "-o"), "week.txt"), (("report", "week", "--format", "html", "-o"), "w.html")):
        result = sd(*args, str(isolated / out))
        assert result.exit_code == 0, result.output
        text = (isolated / out).read_text(encoding="utf-8")
        assert ":smile:" in text and "😄" not in text and "👍" not in text, out


# What an attack found (issue 25): each was an internal error, now one line and exit 2 (bad input) or 1 ------


def one_line_error(result, code: int) -> str:  # noqa: ANN001
    assert result.exit_code == code, result.output[-2000:]
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-2000:]
    return result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("account", "list", "--limit", "99999999999999999999"),
        ("deal", "list", "-n", "99999999999999999999"),
        ("due", "--limit", "99999999999999999999"),
        ("check", "--limit", "99999999999999999999"),
        ("history", "--limit", "99999999999999999999"),
    ],
)
def test_a_huge_limit_is_bad_input(sd, demo, args):
    assert "--limit" in one_line_error(sd(*args), 2)


@pytest.mark.parametrize(("kind", "day"), [("week", "9999-12-31"), ("month", "9999-12-01"), ("week", "9999-12-27")])
def test_a_report_too_near_the_end_of_the_calendar_is_bad_input(sd, demo, kind, day):
    assert "too late for a report" in one_line_error(sd("report", kind, "--date", day), 2)


def test_a_report_in_the_first_week_of_the_calendar_works(sd, demo):
    assert sd("report", "week", "--date", "0001-01-01").exit_code == 0


def test_import_of_json_nested_100000_deep_is_bad_input(sd, demo, isolated):
    deep = "[" * 100_000 + "]" * 100_000
    for name, args in (("deep.json", ("deals",)), ("all.json", ("all",))):
        (isolated / name).write_text(deep)
        assert "nested too deeply" in one_line_error(sd("import", *args, isolated / name), 2)
    (isolated / "deep.jsonl").write_text('{"name": "A", "region": "上海"}\n' + deep + "\n")
    result = sd("import", "accounts", isolated / "deep.jsonl")
    assert "row 2" in one_line_error(result, 2) and "nested too deeply" in result.stderr


def test_import_of_5000_digit_numbers_is_bad_input(sd, demo, isolated):
    digits = "9" * 5000
    (isolated / "all.json").write_text('{"format": "salesdiary", "version": ' + digits + ', "tables": {}}')
    assert "too many digits" in one_line_error(sd("import", "all", isolated / "all.json"), 2)
    (isolated / "deals.json").write_text('[{"name": "Big", "account": "1", "amount": ' + digits + "}]")
    assert "too many digits" in one_line_error(sd("import", "deals", isolated / "deals.json"), 2)
    (isolated / "deals.jsonl").write_text('{"name": "Big", "account": "1", "amount": ' + digits + "}\n")
    one_line_error(sd("import", "deals", isolated / "deals.jsonl"), 2)
    (isolated / "deals.csv").write_text("name,account,amount\nBig,1," + digits + "\n")
    assert "too long" in one_line_error(sd("import", "deals", isolated / "deals.csv"), 2)


def test_a_5000_digit_amount_on_the_command_line_is_bad_input(sd, demo):
    one_line_error(sd("deal", "add", "Big", "-A", "1", "--amount", "9" * 5000), 2)


def test_import_of_an_endless_file_stops_at_the_size_limit(sd, demo, monkeypatch):
    from salesdiary.store.writes import importer

    monkeypatch.setattr(importer, "MAX_FILE_BYTES", 4 * 1024 * 1024)  # the real limit, 256 MB, works the same
    for table in ("accounts", "all"):
        result = sd("import", table, "/dev/zero")
        assert "larger than the import limit of 4 MB" in one_line_error(result, 2)


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("[health]\nstale_days = 99999999999\n", "health.stale_days"),
        ("[health]\nstale_days = -5\n", "health.stale_days"),
        ("[health]\nstale_days = 1e308\n", "health.stale_days"),
        ("[health]\nstale_days = { default = 30, qualify = 99999999999 }\n", "stale_days.qualify"),
        ("[health]\ncoach_after_visits = 99999999999999999999\n", "coach_after_visits"),
        ("[health]\nanalysis_meeting_amount = nan\n", "analysis_meeting_amount"),
        ("[health]\nanalysis_meeting_amount = inf\n", "analysis_meeting_amount"),
        ("[health]\nopponent_from_stage = " + "9" * 5000 + "\n", "too many digits"),
    ],
)
def test_out_of_range_thresholds_in_config_are_bad_input(sd, demo, isolated, config, words):
    (isolated / "config.toml").write_text(config)
    for args in (("check",), ("funnel",)):
        assert words in one_line_error(sd(*args), 2), args


@pytest.mark.parametrize("value", ["99999999999", "nan", "inf", "-1"])
def test_out_of_range_collection_thresholds_are_bad_input(sd, demo, isolated, value):
    key = "large_amount" if value in ("nan", "inf") else "long_days"
    (isolated / "config.toml").write_text(f"[collection]\n{key} = {value}\n")
    assert f"collection.{key}" in one_line_error(sd("receivable", "list"), 2)


@pytest.mark.parametrize("value", ["inf", "nan", "-3", "0", "1e308", "9" * 5000])
def test_a_bad_backup_keep_is_refused_before_a_copy_is_made(sd, demo, isolated, value):
    (isolated / "config.toml").write_text(f"[backup]\nkeep = {value}\n")
    result = sd("backup")
    assert ("backup.keep" if len(value) < 100 else "too many digits") in one_line_error(result, 2)
    assert not list((isolated / "backups").glob("*.sqlite")) if (isolated / "backups").exists() else True


def test_a_5000_digit_number_for_config_set_is_bad_input(sd, isolated):
    assert "too long" in one_line_error(sd("config", "set", "backup.keep", "9" * 5000), 2)
    assert "from 1 to 1000" in one_line_error(sd("config", "set", "backup.keep", "9" * 30), 2)
    assert not (isolated / "config.toml").exists()


@pytest.mark.parametrize("source", ["/dev/zero", "huge", "deep"])
def test_an_endless_huge_or_deep_config_file_stops_with_a_limit(sd, demo, isolated, monkeypatch, source):
    if source == "/dev/zero":
        path = Path("/dev/zero")
    else:
        path = isolated / f"{source}.toml"
        text = "x = 1\n" * 300_000 if source == "huge" else "a = " + "[" * 100_000 + "]" * 100_000 + "\n"
        path.write_text(text)
    monkeypatch.setenv("SD_CONFIG", str(path))
    for args in (("check",), ("config", "show"), ("config", "set", "user.name", "me")):
        words = "nested too deeply" if source == "deep" else "larger than 1024 KB"
        assert words in one_line_error(sd(*args), 2), args


def test_a_corrupt_page_in_the_journal_is_one_line_with_what_to_do(sd, demo, isolated):
    journal = isolated / "journal.sqlite"
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(journal)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(journal.read_bytes())
    for offset in range(4096 * 3, len(data) - 4096, 4096):  # scribble over the b-tree pages, keep the header
        data[offset + 8 : offset + 200] = bytes(range(192))
    journal.write_bytes(bytes(data))
    for args in (("account", "list"), ("deal", "list"), ("funnel",), ("export", "all"), ("visit", "add", "-A", "1")):
        assert "sd doctor" in one_line_error(sd(*args), 1), args


# Terminal control sequences in names, user.name and playbook labels (issue 25) ------------------------------

CONTROLS = {
    "escape": "Evil \x1b[31mRed\x1b]0;owned\x07",
    "csi": "Evil \x9b2J",
    "bidi-override": "Invoice \u202egnp.exe",
    "bidi-isolate": "Ac\u2067me\u2069",
    "delete": "Bad\x7fname",
}


@pytest.mark.parametrize("kind", sorted(CONTROLS))
def test_names_with_terminal_controls_are_refused(sd, demo, kind):
    name = CONTROLS[kind]
    for args in (
        ("account", "add", name),
        ("contact", "add", name, "-A", "1"),
        ("deal", "add", name, "-A", "1"),
        ("account", "edit", "1", "--name", name),
        ("followup", "add", name, "-A", "1", "--due", "fri"),
    ):
        result = sd(*args)
        assert "control character" in one_line_error(result, 2), args
        assert name not in result.output  # the message shows it escaped, too


@pytest.mark.parametrize("kind", ["escape", "bidi-override"])
def test_user_name_with_terminal_controls_is_refused(sd, demo, isolated, kind):
    name = CONTROLS[kind]
    assert "user.name" in one_line_error(sd("config", "set", "user.name", name), 2)
    (isolated / "config.toml").write_text(f"[user]\nname = {json.dumps(name)}\n", encoding="utf-8")
    before = sd("account", "list", "--all", "--json").json()
    assert "user.name" in one_line_error(sd("account", "add", "Fine Name Co"), 2)
    assert sd("account", "list", "--all", "--json").json() == before


@pytest.mark.parametrize("kind", ["escape", "csi", "bidi-override"])
def test_a_playbook_label_with_terminal_controls_is_refused(sd, isolated, kind):
    from salesdiary.core.playbook import builtin_dir

    text = (builtin_dir() / "six_step.toml").read_text(encoding="utf-8").replace('name = "six_step"', 'name = "mine"')
    label = 'en = "Customer analysis"'
    assert label in text
    text = text.replace(label, f"en = {json.dumps(CONTROLS[kind])}", 1)
    folder = isolated / "config" / "salesdiary" / "playbooks"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    result = sd("playbook", "show", "mine")
    assert "control character" in one_line_error(result, 2) and "mine.toml" in result.stderr


def test_names_already_stored_with_controls_are_shown_escaped(sd, demo, isolated):
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(isolated / "journal.sqlite")
    with con:
        con.execute("UPDATE account SET name = ? WHERE id = 1", (CONTROLS["escape"] + CONTROLS["bidi-override"],))
        con.execute("UPDATE deal SET name = ? WHERE account_id = 1", (CONTROLS["csi"],))
        con.execute("UPDATE contact SET name = ? WHERE account_id = 1", (CONTROLS["bidi-isolate"],))
    con.close()
    raw = ("\x1b", "\x9b", "\u202e", "\u2067", "\x07")
    for args in (
        ("account", "list", "--all"),
        ("account", "show", "1"),
        ("deal", "list", "--all"),
        ("contact", "list", "--all"),
        ("map", "1"),
        ("due",),
        ("check", "--all"),
        ("report", "week"),
        ("visit", "list", "--all"),
    ):
        result = sd(*args)
        assert result.exit_code in (0, 1), (args, result.output[-500:])
        assert not any(c in result.output for c in raw), args
    listed = sd("account", "list", "--all").stdout
    assert "Evil \\x1b[31mRed\\x1b]0;owned\\x07" in listed and "\\u202egnp.exe" in listed
    as_json = sd("account", "list", "--all", "--json")
    assert not any(c in as_json.stdout for c in raw)  # JSON escapes: \u001b, \u202e
    assert CONTROLS["escape"] + CONTROLS["bidi-override"] in {a["name"] for a in as_json.json()}


def test_files_written_from_names_with_controls_hold_them_escaped(sd, demo, isolated):
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(isolated / "journal.sqlite")
    with con:
        con.execute("UPDATE account SET name = ? WHERE id = 1", (CONTROLS["escape"] + CONTROLS["bidi-override"],))
        con.execute("UPDATE followup SET action = ?", (CONTROLS["csi"],))
    con.close()
    raw = ("\x1b", "\x9b", "\u202e", "\x07")
    for args, name in (
        (("due", "--ics"), "due.ics"),
        (("report", "week", "--format", "markdown", "--output"), "week.md"),
        (("report", "week", "--format", "html", "--output"), "week.html"),
        (("report", "week", "--output"), "week.txt"),
    ):
        assert sd(*args, isolated / name).exit_code == 0, args
        text = (isolated / name).read_text(encoding="utf-8")
        assert not any(c in text for c in raw), name
    assert "Evil \\\\x1b[31mRed" in (isolated / "due.ics").read_text(encoding="utf-8")


def test_an_error_naming_stored_records_with_controls_shows_them_escaped(sd, demo, isolated):
    from salesdiary.store.engine import dispose_all

    dispose_all()
    con = sqlite3.connect(isolated / "journal.sqlite")
    with con:
        con.execute("UPDATE account SET name = ? WHERE id = 1", ("Evil \x1b[31mA",))
        con.execute("UPDATE account SET name = ? WHERE id = 2", ("Evil \u202eB",))
    con.close()
    result = sd("account", "show", "Evil")
    assert "more than one" in one_line_error(result, 2)
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert "Evil \\x1b[31mA" in result.stderr and "Evil \\u202eB" in result.stderr
