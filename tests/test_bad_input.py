"""Bad input to every command: one clear line on stderr, exit 1 or 2, no traceback, the journal unchanged.

Each case runs on a copy of one small journal; its full SQL dump before and after must be equal.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

HUGE = "x" * 1_000_000
SURROGATE = "\udcff"  # what sys.argv holds for a byte that is not UTF-8
ESC = "red \x1b[31m text"
NUL = "a\x00b"
BIDI = "Invoice \u202egnp.exe"  # a right-to-left override: shown as "Invoice exe.png"

# The small journal every case starts from (ids are fixed by the order).
SETUP = (
    ("account", "add", "Acme", "--owner", "alice"),  # account 1
    ("account", "add", "Beta"),  # account 2
    ("account", "add", "华为技术有限公司"),  # account 3
    ("account", "add", "华润置地"),  # account 4
    ("contact", "add", "Zhang", "--account", "Acme"),  # contact 1
    ("contact", "add", "Li", "--account", "Beta"),  # contact 2
    ("deal", "add", "Expansion", "--account", "Acme", "--amount", "100000"),  # deal 1
    ("deal", "add", "Won deal", "--account", "Acme"),  # deal 2
    ("deal", "won", "Won deal"),
    ("visit", "add", "--account", "Acme", "--deal", "Expansion", "--contact", "Zhang", "--follow-up", "fri"),
    ("followup", "add", "Done already", "--account", "Beta", "--due", "today"),  # follow-up 2
    ("followup", "done", "2"),
)


def case(args: tuple[str, ...], code: int | tuple[int, ...] = (1, 2), shows: str | None = None, id: str = ""):  # noqa: A002, ANN201
    return pytest.param(args, code, shows, id=id or " ".join(a if len(a) < 30 else "HUGE" for a in args))


def bad_values(prefix: tuple[str, ...], label: str, suffix: tuple[str, ...] = ()) -> list:  # noqa: ANN201
    """PREFIX + a bad text value (+ SUFFIX): control characters, undecodable bytes, 1 MB."""
    return [
        case((*prefix, ESC, *suffix), 2, "control character", f"{label}-escape"),
        case((*prefix, NUL, *suffix), 2, "control character", f"{label}-nul"),
        case((*prefix, BIDI, *suffix), 2, "control character", f"{label}-bidi"),
        case((*prefix, SURROGATE, *suffix), 2, "UTF-8", f"{label}-surrogate"),
        case((*prefix, HUGE, *suffix), 2, "too long", f"{label}-1MB"),
    ]


RECORD_COMMANDS = [
    ("account", "show"),
    ("account", "edit"),
    ("account", "rm"),
    ("contact", "show"),
    ("contact", "edit"),
    ("contact", "rm"),
    ("deal", "show"),
    ("deal", "edit"),
    ("deal", "won"),
    ("deal", "lost"),
    ("deal", "rm"),
    ("visit", "show"),
    ("visit", "edit"),
    ("visit", "rm"),
    ("followup", "done"),
    ("followup", "rm"),
]

ALL_COMMANDS = [
    *RECORD_COMMANDS,
    ("account", "add", "X"),
    ("account", "list"),
    ("contact", "add", "X", "-A", "1"),
    ("contact", "list"),
    ("deal", "add", "X", "-A", "1"),
    ("deal", "list"),
    ("visit", "add", "-A", "1"),
    ("visit", "list"),
    ("followup", "add", "X", "-A", "1", "--due", "fri"),
    ("followup", "list"),
    ("demo",),
]

TEXT_OPTIONS = {
    ("account", "add", "X"): ("--industry", "--region", "--address", "--phone", "--website", "--owner", "--notes"),
    ("account", "edit", "1"): ("--name", "--industry", "--owner", "--notes"),
    ("contact", "add", "X", "-A", "1"): tuple(
        "--title --department --phone --email --birthday --hometown --school --family --hobbies "
        "--personal-notes --notes".split()
    ),
    ("contact", "edit", "1"): ("--name", "--title", "--personal-notes"),
    ("deal", "add", "X", "-A", "1"): ("--competitors", "--next", "--external-id", "--owner", "--notes"),
    ("deal", "edit", "1"): ("--name", "--next", "--notes"),
    ("deal", "lost", "1"): ("--reason",),
    ("visit", "add", "-A", "1"): ("--purpose", "--summary", "--feedback", "--next", "--owner"),
    ("visit", "edit", "1"): ("--summary", "--next"),
    ("followup", "add", "X", "-A", "1", "--due", "fri"): ("--owner",),
}

DATE_OPTIONS = [
    (("deal", "add", "X", "-A", "1"), "--close"),
    (("deal", "add", "X", "-A", "1"), "--next-date"),
    (("deal", "edit", "1"), "--close"),
    (("deal", "edit", "1"), "--next-date"),
    (("deal", "won", "1"), "--date"),
    (("deal", "lost", "1"), "--date"),
    (("visit", "add", "-A", "1"), "--date"),
    (("visit", "add", "-A", "1"), "--follow-up"),
    (("visit", "edit", "1"), "--date"),
    (("visit", "edit", "1"), "--follow-up"),
    (("visit", "list",), "--since"),
    (("visit", "list",), "--until"),
    (("followup", "add", "X", "-A", "1"), "--due"),
]  # fmt: skip

ENUM_OPTIONS = [
    (("account", "add", "X"), ("--mode", "--source", "--info-stage", "--relation", "--tier", "--lifecycle")),
    (("account", "edit", "1"), ("--mode", "--relation", "--lifecycle")),
    (("account", "list",), ("--info-stage",)),
    (("contact", "add", "X", "-A", "1"), ("--level", "--role", "--relationship", "--stance", "--style", "--attitude")),
    (("contact", "edit", "1"), ("--role", "--stance")),
    (("contact", "list",), ("--role",)),
    (("deal", "add", "X", "-A", "1"), ("--strategy", "--stage", "--playbook", "--currency")),
    (("deal", "edit", "1"), ("--strategy", "--stage", "--playbook", "--currency")),
    (("deal", "list",), ("--status", "--stage", "--playbook")),
    (("visit", "add", "-A", "1"), ("--kind",)),
    (("visit", "edit", "1"), ("--kind",)),
    (("followup", "add", "X", "-A", "1", "--due", "fri"), ("--kind",)),
    (("followup", "list",), ("--status",)),
]  # fmt: skip

AMOUNT_COMMANDS = [("deal", "add", "X", "-A", "1"), ("deal", "edit", "1"), ("deal", "won", "1")]
AMOUNTS = {
    "-5": "negative",
    "-0.01": "negative",
    "nan": "finite",
    "NaN": "finite",
    "inf": "finite",
    "-inf": "finite",
    "1e400": "finite",
    "1e16": "too large",
    "99999999999999999999万": "too large",
    "abc": "cannot read",
    "12万万": "cannot read",
    "0x10": "cannot read",
}


def _rotating(prefix_label_suffix: list[tuple[tuple[str, ...], str, tuple[str, ...]]]) -> list:
    """One bad text value per option, taking the kinds in turn, so every kind meets every command."""
    kinds = [
        (ESC, "control character", "escape"),
        (SURROGATE, "UTF-8", "surrogate"),
        (HUGE, "too long", "1MB"),
        (NUL, "control character", "nul"),
    ]
    out = []
    for i, (prefix, label, suffix) in enumerate(prefix_label_suffix):
        value, shows, kind = kinds[i % len(kinds)]
        out.append(case((*prefix, value, *suffix), 2, shows, f"{label}-{kind}"))
    return out


def _cases() -> list:  # noqa: C901
    cases = []
    # naming a record that does not exist, or with text that cannot name anything
    for cmd in RECORD_COMMANDS:
        label = "-".join(cmd)
        cases += [
            case((*cmd, "999"), 1, "999"),
            case((*cmd, ""), 2, "empty", f"{label}-empty"),
            *(c for c in bad_values(cmd, label) if not c.id.endswith("-nul")),
        ]
    cases += [
        case(("account", "show", "#999"), 1, "#999"),
        case(("deal", "won", "nosuchthing"), 1, "nosuchthing"),
        case(("contact", "rm", "   "), 2, "empty", "contact-rm-blank"),
        case(("visit", "show", "nosuchthing"), 1, "nosuchthing"),
        case(("followup", "done", "nosuchthing"), 1, "nosuchthing"),
        case(("account", "rm", NUL), 2, "control character", "account-rm-nul"),
        # search text and owner filters of the lists
        case(("account", "list", HUGE), 2, "too long", "account-list-search-1MB"),
        case(("account", "list", SURROGATE), 2, "UTF-8", "account-list-search-surrogate"),
        case(("contact", "list", HUGE), 2, "too long", "contact-list-search-1MB"),
        case(("contact", "list", ESC), 2, "control character", "contact-list-search-escape"),
        case(("account", "list", "--owner", SURROGATE), 2, "UTF-8", "account-list-owner-surrogate"),
        case(("deal", "list", "--owner", SURROGATE), 2, "UTF-8", "deal-list-owner-surrogate"),
        case(("visit", "list", "--owner", SURROGATE), 2, "UTF-8", "visit-list-owner-surrogate"),
        case(("followup", "list", "--owner", SURROGATE), 2, "UTF-8", "followup-list-owner-surrogate"),
    ]
    # empty, control-character, undecodable and huge names of new records
    for cmd, suffix in (
        (("account", "add"), ()),
        (("contact", "add"), ("-A", "1")),
        (("deal", "add"), ("-A", "1")),
        (("followup", "add"), ("-A", "1", "--due", "fri")),
    ):
        label = "-".join(cmd)
        cases += [
            case((*cmd, "", *suffix), 2, "empty", f"{label}-empty-name"),
            case((*cmd, "two\nlines", *suffix), 2, "control character", f"{label}-newline-name"),
            *bad_values(cmd, label + "-name", suffix),
        ]
    # bad text in every text option
    text_options = [(cmd, option) for cmd, options in TEXT_OPTIONS.items() for option in options]
    cases += _rotating([((*cmd, option), f"{cmd[0]}-{cmd[1]}{option}", ()) for cmd, option in text_options])
    # dates that cannot be read: the message shows what was typed
    odd_dates = [
        ("2026-02-30", "no such day", "feb30"),
        ("+100000y", "outside the years", "far"),
        ("11/12/2026", "two ways", "ambiguous"),  # 31/12/2026 is read (only one order makes a date)
        (SURROGATE, "UTF-8", "surrogate"),
        (HUGE, "too long", "1MB"),
    ]
    for i, (cmd, option) in enumerate(DATE_OPTIONS):
        label = f"{cmd[0]}-{cmd[1]}{option}"
        value, shows, kind = odd_dates[i % len(odd_dates)]
        cases += [
            case((*cmd, option, "someday"), 2, "'someday'", f"{label}-someday"),
            case((*cmd, option, value), 2, shows, f"{label}-{kind}"),
        ]
    # amounts: negative, not a number, infinite, huge, unreadable
    for i, cmd in enumerate(AMOUNT_COMMANDS):
        for j, (typed, why) in enumerate(AMOUNTS.items()):
            if i == 0 or j % len(AMOUNT_COMMANDS) == i:
                cases.append(case((*cmd, "--amount", typed), 2, why, f"{cmd[0]}-{cmd[1]}-amount-{typed}"))
    # unknown enum values; values too long to show in full, or not text
    quiet = {"--currency", "--status"}  # their messages list what is allowed, not what was typed
    for i, (cmd, option) in enumerate((cmd, option) for cmd, options in ENUM_OPTIONS for option in options):
        label = f"{cmd[0]}-{cmd[1]}{option}"
        cases.append(case((*cmd, option, "bogus"), (1, 2), None if option in quiet else "bogus", f"{label}-bogus"))
        if i % 2 == 0:
            odd, kind = (HUGE, "1MB") if i % 4 == 0 else (SURROGATE, "surrogate")
            cases.append(case((*cmd, option, odd), (1, 2), None, f"{label}-{kind}"))
    # references in options that name nothing, or more than one record
    refs = (
        ("contact", "add", "X", "--account"),
        ("deal", "add", "X", "--account"),
        ("visit", "add", "--account"),
        ("followup", "add", "X", "--due", "fri", "--account"),
        ("contact", "list", "--account"),
        ("deal", "list", "--account"),
        ("visit", "list", "--account"),
        ("followup", "list", "--account"),
        ("contact", "edit", "1", "--account"),
        ("deal", "edit", "1", "--account"),
    )
    for i, cmd in enumerate(refs):
        label = "-".join(c for c in cmd if c not in ("X", "fri", "1", "--due"))
        odd, shows, kind = (SURROGATE, "UTF-8", "surrogate") if i % 2 else (HUGE, "too long", "1MB")
        cases += [
            case((*cmd, "Globex"), 1, "Globex", f"{label}-unknown"),
            case((*cmd, "华"), 2, "#3 华为技术有限公司", f"{label}-ambiguous"),
            case((*cmd, odd), 2, shows, f"{label}-{kind}"),
        ]
    for cmd in (
        ("visit", "add", "-A", "1", "--deal"),
        ("visit", "add", "-A", "1", "--contact"),
        ("visit", "edit", "1", "--deal"),
        ("visit", "edit", "1", "--contact"),
        ("visit", "list", "--deal"),
        ("visit", "list", "--contact"),
        ("followup", "add", "X", "-A", "1", "--due", "fri", "--deal"),
        ("followup", "add", "X", "-A", "1", "--due", "fri", "--contact"),
        ("followup", "list", "--deal"),
        ("contact", "add", "X", "-A", "1", "--reports-to"),
        ("contact", "edit", "1", "--reports-to"),
    ):
        label = "-".join(c for c in cmd if c not in ("X", "fri", "1", "-A", "--due"))
        cases.append(case((*cmd, "Nobody"), 1, "Nobody", f"{label}-unknown"))
    # what is stored says no
    cases += [
        case(("account", "add", "ACME Co., Ltd."), 1, "already reported as account #1", "account-add-duplicate"),
        case(("account", "edit", "Beta", "--name", "acme"), 1, "already reported", "account-edit-duplicate"),
        case(("account", "edit", "Acme", "--owner", ""), 2, "--owner", "account-edit-empty-owner"),
        case(("account", "rm", "Acme"), 1, "--force", "account-rm-with-records"),
        case(("deal", "won", "Won deal"), 1, "already", "deal-won-twice"),
        case(("deal", "edit", "Won deal", "--stage", "3"), 1, "closed", "deal-edit-stage-of-closed"),
        case(("followup", "done", "2"), 1, "already done", "followup-done-twice"),
        case(("followup", "done", "1", "2"), 1, "already done", "followup-done-all-or-nothing"),
        case(("followup", "done", "1", "999"), 1, "#999", "followup-done-one-unknown"),
        case(("visit", "add", "-A", "Beta", "--deal", "Expansion"), 1, "Expansion", "visit-deal-of-other-account"),
        case(("visit", "add", "-A", "Beta", "--contact", "Zhang"), 1, "Zhang", "visit-contact-of-other-account"),
        case(("visit", "edit", "1", "--date", ""), 2, "--date", "visit-edit-no-date"),
        case(("contact", "edit", "Zhang", "--reports-to", "Li"), 2, "another account", "contact-boss-elsewhere"),
        case(("contact", "edit", "Zhang", "--reports-to", "Zhang"), 2, "loop", "contact-boss-self"),
        case(("deal", "add", "X", "-A", "1", "--currency", "dollars"), 2, "three-letter", "deal-currency-word"),
        case(("deal", "add", "X", "-A", "1", "--playbook", "../../etc/passwd"), 1, "playbook", "deal-playbook-path"),
        case(("deal", "list", "--playbook", "bogus"), 1, "bogus", "deal-list-unknown-playbook"),
        case(("demo",), 1, "not empty", "demo-not-empty"),
    ]
    # required values missing: an error naming the flag, never a prompt
    cases += [
        case(("account", "add"), 2, "Missing argument", "account-add-no-name"),
        case(("contact", "add", "X"), 2, "--account", "contact-add-no-account"),
        case(("deal", "add", "X"), 2, "--account", "deal-add-no-account"),
        case(("visit", "add", "--summary", "x"), 2, "--account", "visit-add-no-account"),
        case(("followup", "add", "X", "-A", "1"), 2, "--due", "followup-add-no-due"),
        case(("followup", "add", "X", "--due", "fri"), 2, "--account", "followup-add-no-account"),
        case(("followup", "done"), 2, "Missing argument", "followup-done-no-id"),
        case(("deal", "show"), 2, "Missing argument", "deal-show-no-id"),
    ]
    # unknown options and bad option values Typer itself rejects
    for cmd in ALL_COMMANDS:
        cases.append(case((*cmd, "--bogus"), 2, "No such option", f"{'-'.join(cmd[:2])}-unknown-option"))
    for noun, limit in zip(
        ("account", "contact", "deal", "visit", "followup"), ("0", "-1", "abc", "1e9999", "0"), strict=True
    ):
        cases.append(case((noun, "list", "--limit", limit), 2, "--limit", f"{noun}-list-limit-{limit}"))
    cases += [
        case(("account", "frobnicate"), 2, "No such command", "unknown-subcommand"),
        case(("frobnicate",), 2, "No such command", "unknown-command"),
        case(("--lang", "fr", "account", "list"), 2, "--lang", "bad-language"),
        case(("--db", "", "account", "list"), 2, "--db", "empty-db"),
        case(("contact", "add", "X", "-A", "1", "--coach=maybe"), 2, None, "flag-with-value"),
    ]
    return cases


def dump(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory):  # noqa: ANN001, ANN201
    """The small journal, built once through the commands themselves."""
    from conftest import TODAY, run_sd
    from salesdiary.store.engine import dispose_all
    from salesdiary.store.paths import load_config

    folder = tmp_path_factory.mktemp("bad_input")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SD_DB", str(folder / "journal.sqlite"))
        mp.setenv("SD_CONFIG", str(folder / "config.toml"))
        mp.setenv("SD_TODAY", TODAY)
        mp.setenv("SD_LANG", "en")
        for args in SETUP:
            result = run_sd(*args)
            assert result.exit_code == 0, (args, result.output)
        dispose_all()
        load_config.cache_clear()
    con = sqlite3.connect(folder / "journal.sqlite")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return folder / "journal.sqlite"


@pytest.fixture
def journal(isolated, template):  # noqa: ANN001, ANN201
    path = isolated / "journal.sqlite"
    shutil.copyfile(template, path)
    return path


@pytest.mark.parametrize(("args", "code", "shows"), _cases())
def test_bad_input_is_refused_clearly_and_changes_nothing(sd, journal, args, code, shows):
    before = dump(journal)
    result = sd(*args)
    codes = code if isinstance(code, tuple) else (code,)
    assert result.exit_code in codes, result.output[:2000]
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output[:2000]
    assert result.stdout == ""
    err = result.stderr
    assert err.strip(), "no message"
    if err.startswith("sd: error: "):
        assert err.count("\n") == 1, err[:2000]  # one line
    else:  # a usage error found by the option parser (Typer's own format)
        assert "Usage:" in err or "Error" in err, err[:2000]
    assert len(err) < 3000, "the message echoes a huge argument"
    if shows is not None:
        assert shows in err, err[:2000]
    assert dump(journal) == before, "the journal changed"


def test_the_cases_cover_every_command():
    """Every journal command has at least one case per kind of bad input that applies to it."""
    covered = {tuple(a for a in p.values[0][:2]) for p in _cases()}
    for cmd in ALL_COMMANDS:
        assert tuple(cmd[:2]) in covered, cmd
