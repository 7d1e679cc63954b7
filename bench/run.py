"""Time whole `sd` processes against the stack's floor, in the same run, and print one table.

    .venv/bin/python bench/run.py                        # the large journal (made first if missing)
    .venv/bin/python bench/run.py --size huge
    .venv/bin/python bench/run.py --size small --smoke   # CI: each command once, exit codes only

Every command runs as its own process (warm-up, then --runs timed runs; median
and min–max) with `hyperfine` when it is installed, else with a small Python
harness that interleaves the commands run by run. Peak memory is the child's
ru_maxrss (os.wait4). The floor (../shared/bench/floor.py: `--help`, `table DB`,
`write DB`) is timed in the same run, with the same interpreter and
environment, and every `sd` figure is read as a ratio to it.

A command that does not exist yet is reported as "missing", one that fails
as "failed"; neither stops the run. Write commands run on a copy of the
journal so the benchmark journal stays as generated.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from generate import BENCH_USER, DATA_DIR, bench_env, generate, postgres_copy  # noqa: E402

# the stack's floor, kept beside the project (../shared/bench/floor.py) or named by SD_BENCH_FLOOR / --floor
FLOOR = Path(os.environ.get("SD_BENCH_FLOOR") or ROOT.parent / "shared" / "bench" / "floor.py")
SAMPLE_DEALS = ROOT.parent / "shared" / "realdata" / "sales_pipeline.csv"
PYTHON = Path(sys.executable)
TIME = Path("/usr/bin/time")
SD = PYTHON.parent / "sd"

READ_TARGET = {"small": 1.25, "large": 1.25, "huge": 1.6}
MEMORY_TARGET = 1.5  # × the floor's peak (`table`)
EXPORT_SECONDS = 3.0  # for the 200,000 visits of the large journal
IMPORT_SECONDS = 5.0  # into the large journal (issue 11: "large journal unless said")
POSTGRES_TARGET = 1.5  # × the same command on SQLite, in the same run (issue 12)
POSTGRES_ENV = "SD_BENCH_POSTGRES_URL"
# The README's own import of the CRM sample (section "Importing from another CRM"): all 8,800 rows,
# the 1,425 without an account going to an account named Unassigned.
IMPORT_OPTIONS = [
    *("--dates", "dmy", "--map", "opportunity_id=external_id", "--map", "product=name"),
    *("--map", "sales_agent=owner", "--map", "deal_stage=stage", "--map", "engage_date=stage_entered_on"),
    *("--map", "close_date=closed_on", "--map", "close_value=amount"),
    *("--stage-map", "Prospecting=1,Engaging=3,Won=won,Lost=lost"),
    *("--default", "currency=USD", "--default", "account=Unassigned", "--create-accounts"),
]


@dataclass
class Case:
    """One command line to time, and what it is held to."""

    label: str
    argv: list[str]
    group: str = "read"  # floor | help | read | write | export | import | other
    ref: str | None = None  # floor key the time is divided by
    target: float | None = None  # ratio to the floor
    seconds: float | None = None  # absolute target
    memory: bool = False  # peak memory held to MEMORY_TARGET × the floor's `table` peak
    ok_codes: tuple[int, ...] = (0,)
    env: dict[str, str] = field(default_factory=dict)
    fresh_copy: Path | None = None  # copied from the journal before each run (writes that must start clean)
    needs_output: bool = False  # empty stdout means the feature is missing (completion)
    # results
    status: str = "ok"  # ok | missing | failed
    note: str = ""
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system seconds
    peaks: list[int] = field(default_factory=list)  # KiB


# --- the journal and the command lines ------------------------------------------------------------


def journal_facts(path: Path) -> dict[str, Any]:
    """Ids and names the commands are run with: busy records, as a rep would look them up."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:

        def one(sql: str) -> Any:
            row = con.execute(sql).fetchone()
            return row[0] if row else None

        deal = one(
            "SELECT v.deal_id FROM visit v JOIN deal d ON d.id = v.deal_id WHERE d.status = 'open'"
            " GROUP BY v.deal_id ORDER BY count(*) DESC, v.deal_id LIMIT 1"
        )
        account = one(
            "SELECT c.account_id FROM contact c"
            " WHERE c.account_id IN (SELECT account_id FROM deal WHERE status = 'open')"
            f" AND c.account_id IN (SELECT id FROM account WHERE owner = '{BENCH_USER}')"  # the rep's own account
            " GROUP BY c.account_id ORDER BY count(*) DESC, c.account_id LIMIT 1"
        )
        facts = {
            "deal_id": deal,
            "account": one(f"SELECT name FROM account WHERE id = {int(account)}"),
            "account_deal": one(f"SELECT min(id) FROM deal WHERE account_id = {int(account)} AND status = 'open'"),
            "contact": one(
                f"SELECT name FROM contact WHERE account_id = {int(account)} GROUP BY name HAVING count(*) = 1"
                " ORDER BY min(id) LIMIT 1"
            ),
            "visits": one("SELECT count(*) FROM visit"),
        }
    finally:
        con.close()
    return facts


def make_cases(size: str, journal: Path, scratch: Path, facts: dict[str, Any]) -> list[Case]:
    read = READ_TARGET[size]
    name = facts["account"]
    prefix = name[:2] if not name.isascii() else name.split()[0][:4]
    floor = [str(PYTHON), str(FLOOR)]
    cases = [
        Case("floor --help", [*floor, "--help"], group="floor"),
        Case("floor table DB", [*floor, "table", str(journal)], group="floor"),
        Case("floor write DB", [*floor, "write", str(scratch / "floor-write.sqlite")], group="floor"),
        Case("sd --help", ["--help"], group="help", ref="floor --help", target=1.1),
        Case("sd deal --help", ["deal", "--help"], group="help", ref="floor --help", target=1.1),
        Case(
            f"complete account name '{prefix}'",
            [],
            group="help",
            ref="floor --help",
            target=1.2,
            # what the shell scripts in completions/ run: the line up to the cursor, candidates back as data
            env={"_SD_COMPLETE": "complete_bash0", "_TYPER_COMPLETE_ARGS": f"sd account show {prefix}"},
            needs_output=True,
        ),
    ]
    reads = [
        ("due", ["due"], (0,)),
        ("funnel", ["funnel"], (0,)),
        ("forecast", ["forecast"], (0,)),  # the first run of the week records a snapshot (preflight), then reads
        ("check", ["check"], (0, 1)),  # exit 1 = findings (CLI.md)
        ("account list", ["account", "list"], (0,)),
        (f"deal show {facts['deal_id']}", ["deal", "show", str(facts["deal_id"])], (0,)),
        (f"map '{name}'", ["map", name], (0,)),
        (f"next {facts['deal_id']}", ["next", str(facts["deal_id"])], (0,)),
        ("next", ["next"], (0,)),
    ]
    for label, argv, ok in reads:
        for extra in ([], ["--json"]):
            cases.append(
                Case(
                    " ".join(["sd", label, *extra]),
                    [*argv, *extra],
                    ref="floor table DB",
                    target=read,
                    memory=True,
                    ok_codes=ok,
                )
            )
    cases.append(  # not held to a target: the check computing every rule of every record, as its first run after
        # an upgrade or a change of thresholds does (the rows above read what earlier runs kept: store/health_memo.py)
        Case(
            "sd check (nothing kept: SD_NO_HEALTH_MEMO=1)",
            ["check"],
            ref="floor table DB",
            ok_codes=(0, 1),
            env={"SD_NO_HEALTH_MEMO": "1"},
        )
    )
    cases.append(  # the weekly report a manager opens in a browser or a mail client (issue 22)
        Case("sd report week --format html", ["report", "week", "--format", "html"], ref="floor table DB", target=read)
    )
    cases.append(
        Case(
            "sd visit add (every flag)",
            [
                "visit",
                "add",
                "--account",
                name,
                "--deal",
                str(facts["account_deal"]),
                "--contact",
                facts["contact"],
                "--kind",
                "tech_exchange",
                "--date",
                "today",
                "--purpose",
                "技术交流：割接方案",
                "--summary",
                "与网络部讨论了割接窗口和回退方案",
                "--feedback",
                "同意周末割接，需要厂家现场支持",
                "--next",
                "提交割接方案终稿",
                "--follow-up",
                "fri",
                "--owner",
                BENCH_USER,
            ],
            group="write",
            ref="floor write DB",
            target=1.25,
            env={"SD_DB": str(scratch / f"{journal.stem}-write.sqlite")},
        )
    )
    cases.append(
        Case(
            "sd log --yes (one-line note)",
            # the account and the person found in the text through the indexes (issue 21), a dated follow-up
            ["log", "--yes", f"拜访了{name}的{facts['contact']}，技术交流，下周三回电"],
            group="write",
            ref="floor write DB",
            target=1.25,
            env={"SD_DB": str(scratch / f"{journal.stem}-write.sqlite")},  # the copy visit add writes to
        )
    )
    cases.append(
        Case(
            f"sd export visits --format csv ({facts['visits']:,} rows)",
            ["export", "visits", "--format", "csv"],
            group="export",
            seconds=EXPORT_SECONDS if size == "large" else None,
            memory=True,
        )
    )
    cases.append(
        Case(
            "sqlite3 -csv (the same rows)",
            ["sqlite3", "-csv", "-header", str(journal), "SELECT * FROM visit"],
            group="other",
        )
    )
    imported = scratch / f"{journal.stem}-import.sqlite"
    cases.append(
        Case(
            "sd import deals (8,800-row sample)",
            ["import", "deals", str(SAMPLE_DEALS), *IMPORT_OPTIONS],
            group="import",
            seconds=IMPORT_SECONDS if size == "large" else None,
            env={"SD_DB": str(imported)},
            fresh_copy=imported,
        )
    )
    return cases


def postgres_pairs(facts: dict[str, Any], url: str) -> list[tuple[Case, Case]]:
    """(SQLite, PostgreSQL) cases of each read command: the same command line, the same rows.

    A command with --owner is given `--owner all`: on SQLite that is what it shows anyway (the journal is
    one person's), on PostgreSQL the default is the rep's own records (store/team.py). SD_PG_READER=psycopg
    in the runner's environment is passed on (reads through psycopg instead of libpq, to compare).
    """
    name = facts["account"]
    env = {"SD_DB": url}
    if os.environ.get("SD_PG_READER"):
        env["SD_PG_READER"] = os.environ["SD_PG_READER"]
    reads = [
        (["due"], True, (0,)),
        (["funnel"], True, (0,)),
        (["forecast"], True, (0,)),
        (["check"], True, (0, 1)),
        (["account", "list"], True, (0,)),
        (["deal", "show", str(facts["deal_id"])], False, (0,)),
        (["map", name], False, (0,)),
        (["next", str(facts["deal_id"])], False, (0,)),
        (["visit", "list"], True, (0,)),
    ]
    prefix = name[:2] if not name.isascii() else name.split()[0][:4]
    words = {"_SD_COMPLETE": "complete_bash0", "_TYPER_COMPLETE_ARGS": f"sd account show {prefix}"}
    pairs = [
        (
            Case(f"complete account name '{prefix}'", [], group="sqlite", env=words, needs_output=True),
            Case(f"complete account name '{prefix}'", [], group="postgres", env={**env, **words}, needs_output=True),
        )
    ]
    for argv, owned, ok in reads:
        for extra in ([], ["--json"]):
            line = [*argv, *(["--owner", "all"] if owned else []), *extra]
            label = "sd " + " ".join(f"'{a}'" if a == name else a for a in line)
            pairs.append(
                (
                    Case(label, line, group="sqlite", ok_codes=ok),
                    Case(label, line, group="postgres", ok_codes=ok, env=env),
                )
            )
    return pairs


def command_line(case: Case) -> list[str]:
    if case.group in ("floor", "other"):
        return case.argv
    return [str(SD), *case.argv]


def base_env(journal: Path, today: str, lang: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SD_", "_SD_", "COMP_"))}
    env.pop("COLUMNS", None)
    # as on a user's machine: compiled modules are cached (a shell that sets this recompiles sd at every run)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(bench_env(journal.parent))
    env.update({"SD_DB": str(journal), "SD_TODAY": today, "SD_LANG": lang})
    return env


# --- running ---------------------------------------------------------------------------------------


def run_once(case: Case, env: dict[str, str], journal: Path, *, capture: bool = False) -> tuple[int, float, float, str]:
    """Run CASE once: (exit code, wall seconds, CPU seconds, head of stdout + tail of stderr when CAPTURE)."""
    if case.fresh_copy is not None:
        fresh(journal, case.fresh_copy)
    # files, not pipes: nothing to drain, and only a head/tail is read back (an export prints megabytes)
    out = tempfile.TemporaryFile() if capture else subprocess.DEVNULL
    err = tempfile.TemporaryFile() if capture else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(
        command_line(case), env={**env, **case.env}, stdout=out, stderr=err, stdin=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    text = ""
    if capture:
        out.seek(0)  # type: ignore[union-attr]
        err.seek(0, os.SEEK_END)  # type: ignore[union-attr]
        err.seek(max(0, err.tell() - 4000))  # type: ignore[union-attr]
        text = out.read(2000).decode("utf-8", "replace") + "\n" + err.read().decode("utf-8", "replace")  # type: ignore
        out.close()  # type: ignore[union-attr]
        err.close()  # type: ignore[union-attr]
    return code, seconds, cpu, text


def peak_kib(case: Case, env: dict[str, str], journal: Path) -> int:
    """The command's peak resident memory (KiB), through /usr/bin/time when it is there.

    A child's ru_maxrss also counts the memory of the process it was forked from, so it is measured
    from a small parent (`time`); without it, os.wait4 on a direct child (the runner is kept small).
    """
    if case.fresh_copy is not None:
        fresh(journal, case.fresh_copy)
    cmd = command_line(case)
    full = {**env, **case.env}
    if TIME.exists():
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
            subprocess.call(
                [str(TIME), "-f", "%M", "-o", report.name, *cmd],
                env=full,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
            return int(report.read().split()[-1])
    proc = subprocess.Popen(
        cmd, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss


def bring_up_to_date(journal: Path, env: dict[str, str]) -> None:
    """Migrate JOURNAL once, untimed, when the code's schema is newer (else the first timed command would).

    It is sd's own migration (store.migrate.ensure_schema, run in a child); the backup it makes of the
    generated journal is removed."""
    from salesdiary.store.version import SCHEMA_VERSION

    con = sqlite3.connect(f"file:{journal}?mode=ro", uri=True)
    try:
        found = con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()
    if found == SCHEMA_VERSION:
        return
    print(f"Migrating {journal.name} from schema {found} to {SCHEMA_VERSION} first …", file=sys.stderr, flush=True)
    code = (
        "import sys; from pathlib import Path; from salesdiary.store.migrate import ensure_schema;"
        " from salesdiary.store.paths import Target; ensure_schema(Target(path=Path(sys.argv[1])))"
    )
    subprocess.run([str(PYTHON), "-c", code, str(journal)], env=env, check=True)
    backups = journal.parent / "backups"
    for backup in backups.glob(f"{journal.stem}-*-before-migration-*"):
        backup.unlink()
    with contextlib.suppress(OSError):
        backups.rmdir()  # when nothing else is kept there


def fresh(journal: Path, copy: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(journal, copy)


def preflight(cases: list[Case], env: dict[str, str], journal: Path) -> None:
    """Run each command once; mark those that do not exist yet or fail."""
    for case in cases:
        if case.group == "other" and shutil.which(case.argv[0]) is None:
            case.status, case.note = "missing", f"{case.argv[0]} is not installed"
            continue
        code, _s, _cpu, text = run_once(case, env, journal, capture=True)
        if case.needs_output and code == 0 and not text.strip():  # completion gives up quietly: ask once more
            code, _s, _cpu, text = run_once(case, env, journal, capture=True)
        if case.needs_output and code == 0 and not text.strip():
            case.status, case.note = "missing", "no candidates printed"
        elif code == 2 and case.group not in ("floor", "other") and _no_such_command(case, env, journal):
            case.status, case.note = "missing", "command not there yet"
        elif code not in case.ok_codes:
            case.status = "missing" if case.needs_output else "failed"
            case.note = f"exit {code}: " + " ".join(text.split())[-160:]


def _no_such_command(case: Case, env: dict[str, str], journal: Path) -> bool:
    """Typer's "No such command" (asked again in English, whatever language the run uses)."""
    _code, _s, _cpu, text = run_once(case, {**env, "SD_LANG": "en"}, journal, capture=True)
    return "No such command" in text


def run_python(cases: list[Case], env: dict[str, str], journal: Path, warmup: int, runs: int) -> None:
    """The fallback harness: run by run, every command in turn, so drift hits all of them alike."""
    live = [c for c in cases if c.status == "ok"]
    time_in_turn(live, env, journal, warmup, runs)
    measure_memory(live, env, journal)


def time_in_turn(cases: list[Case], env: dict[str, str], journal: Path, warmup: int, runs: int) -> None:
    """WARMUP then RUNS rounds, each running every case once in turn."""
    for _ in range(warmup):
        for case in cases:
            run_once(case, env, journal)
    for _ in range(runs):
        for case in cases:
            code, seconds, cpu, _text = run_once(case, env, journal)
            if code not in case.ok_codes:
                case.status, case.note = "failed", f"exit {code} during timing"
            case.times.append(seconds)
            case.cpu.append(cpu)


def run_hyperfine(cases: list[Case], env: dict[str, str], journal: Path, warmup: int, runs: int) -> None:
    """hyperfine per command (no shell), the floors before and after; peak memory from 3 extra runs."""
    live = [c for c in cases if c.status == "ok"]
    floors = [c for c in live if c.group == "floor"]
    order = floors + [c for c in live if c.group != "floor"] + floors
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(order):
            report = Path(tmp) / f"{i}.json"
            cmd = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs)]
            cmd += ["--export-json", str(report)]
            if case.ok_codes != (0,):
                cmd.append("-i")
            if case.fresh_copy is not None:
                cmd += ["--prepare", shlex.join(["cp", str(journal), str(case.fresh_copy)])]
                fresh(journal, case.fresh_copy)
            cmd.append(shlex.join(command_line(case)))
            proc = subprocess.run(cmd, env={**env, **case.env}, capture_output=True, text=True)
            if proc.returncode != 0:
                case.status, case.note = "failed", "hyperfine: " + " ".join(proc.stderr.split())[-160:]
                continue
            result = json.loads(report.read_text())["results"][0]
            case.times.extend(result["times"])
            case.cpu.append(result["user"] + result["system"])  # hyperfine gives the mean only
    measure_memory(live, env, journal)


def run_pairs(pairs: list[tuple[Case, Case]], env: dict[str, str], journal: Path, warmup: int, runs: int) -> None:
    """Each command on SQLite then on PostgreSQL, run by run: a change of load hits both alike (what the
    ratio needs; hyperfine would time all the runs of one before the other's)."""
    for lite, pg in pairs:
        live = [case for case in (lite, pg) if case.status == "ok"]
        if len(live) == 2:
            time_in_turn(live, env, journal, warmup, runs)


def measure_memory(cases: list[Case], env: dict[str, str], journal: Path, runs: int = 3) -> None:
    for _ in range(runs):
        for case in cases:
            if case.status == "ok":
                case.peaks.append(peak_kib(case, env, journal))


# --- the table -------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def evaluate(cases: list[Case]) -> list[dict[str, Any]]:
    """Figures, ratios to the floor and the verdict of each command (the wall-clock median is what counts)."""
    by_label = {c.label: c for c in cases}
    floor_peak = by_label["floor table DB"].peaks
    rows = []
    for case in cases:
        row: dict[str, Any] = {"command": case.label, "status": case.status, "note": case.note}
        if case.status != "ok" or not case.times:
            rows.append(row)
            continue
        ms = [t * 1000 for t in case.times]
        row.update(median_ms=median(ms), min_ms=min(ms), max_ms=max(ms), runs=len(ms))
        row["cpu_ms"] = median(case.cpu) * 1000 if case.cpu else None
        row["peak_mb"] = max(case.peaks) / 1024 if case.peaks else None
        verdicts: list[str] = []
        targets: list[str] = []
        if case.ref:
            ref = by_label[case.ref]
            if ref.times:
                row["ratio"] = median(case.times) / median(ref.times)
                if case.cpu and ref.cpu:
                    row["cpu_ratio"] = median(case.cpu) / median(ref.cpu)
                if case.target is not None:  # a row without one is shown for its ratio alone
                    targets.append(f"≤ {case.target:g}× {case.ref.split()[1]}")
                    verdicts.append("time" if row["ratio"] > case.target else "")
        if case.seconds is not None:
            targets.append(f"≤ {case.seconds:g} s")
            verdicts.append("time" if median(case.times) > case.seconds else "")
        if case.memory and floor_peak and case.peaks:
            row["mem_ratio"] = max(case.peaks) / max(floor_peak)
            targets.append(f"mem ≤ {MEMORY_TARGET:g}×")
            verdicts.append("memory" if row["mem_ratio"] > MEMORY_TARGET else "")
        row["target"] = ", ".join(targets)
        missed = [v for v in verdicts if v]
        row["result"] = ("MISSED (" + ", ".join(missed) + ")") if missed else ("met" if targets else "")
        rows.append(row)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    columns = ("command", "median ms", "min–max ms", "× floor", "cpu ms", "cpu × floor", "peak MB", "mem × floor")
    head = "| " + " | ".join((*columns, "target", "result")) + " |"
    lines = [head, "|---|--:|--:|--:|--:|--:|--:|--:|---|---|"]

    def num(row: dict[str, Any], key: str, fmt: str) -> str:
        return format(row[key], fmt) if row.get(key) is not None else ""

    for r in rows:
        if r["status"] != "ok" or "median_ms" not in r:
            lines.append(f"| `{r['command']}` | | | | | | | | | **{r['status']}** {r['note']} |")
            continue
        lines.append(
            f"| `{r['command']}` | {r['median_ms']:.0f} | {r['min_ms']:.0f}–{r['max_ms']:.0f} "
            f"| {num(r, 'ratio', '.2f')} "
            f"| {num(r, 'cpu_ms', '.0f')} | {num(r, 'cpu_ratio', '.2f')} | {num(r, 'peak_mb', '.0f')} "
            f"| {num(r, 'mem_ratio', '.2f')} | {r.get('target', '')} | {r.get('result', '')} |"
        )
    return "\n".join(lines)


def evaluate_postgres(pairs: list[tuple[Case, Case]]) -> list[dict[str, Any]]:
    """PostgreSQL's median over SQLite's for each command, held to POSTGRES_TARGET."""
    rows = []
    for lite, pg in pairs:
        row: dict[str, Any] = {"command": lite.label}
        bad = [c for c in (lite, pg) if c.status != "ok"]
        if bad or not (lite.times and pg.times):
            row["status"] = bad[0].status if bad else "failed"
            row["note"] = "; ".join(f"{c.group}: {c.status} {c.note}".strip() for c in bad) or "not timed"
            rows.append(row)
            continue
        row.update(
            status="ok",
            sqlite_ms=median(lite.times) * 1000,
            postgres_ms=median(pg.times) * 1000,
            ratio=median(pg.times) / median(lite.times),
            sqlite_cpu_ms=median(lite.cpu) * 1000,
            postgres_cpu_ms=median(pg.cpu) * 1000,
            cpu_ratio=median(pg.cpu) / median(lite.cpu),
            postgres_min_ms=min(pg.times) * 1000,
            postgres_max_ms=max(pg.times) * 1000,
        )
        row["result"] = "met" if row["ratio"] <= POSTGRES_TARGET else "MISSED"
        rows.append(row)
    return rows


def markdown_postgres(rows: list[dict[str, Any]]) -> str:
    head = "| command | SQLite ms | PostgreSQL ms | PG min–max ms | PG / SQLite | SQLite cpu ms | PG cpu ms "
    head += "| cpu PG / SQLite | target | result |"
    lines = [head, "|---|--:|--:|--:|--:|--:|--:|--:|---|---|"]
    for r in rows:
        if r["status"] != "ok":
            lines.append(f"| `{r['command']}` | | | | | | | | | **{r['status']}** {r['note']} |")
            continue
        lines.append(
            f"| `{r['command']}` | {r['sqlite_ms']:.0f} | {r['postgres_ms']:.0f} "
            f"| {r['postgres_min_ms']:.0f}–{r['postgres_max_ms']:.0f} | {r['ratio']:.2f} "
            f"| {r['sqlite_cpu_ms']:.0f} | {r['postgres_cpu_ms']:.0f} | {r['cpu_ratio']:.2f} "
            f"| ≤ {POSTGRES_TARGET:g}× SQLite | {r['result']} |"
        )
    return "\n".join(lines)


def postgres_versions(url: str) -> str:
    import psycopg

    from salesdiary.store.pg import conninfo

    with psycopg.connect(conninfo(url)) as con:
        server = con.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    return f"PostgreSQL {server.split()[0]}, psycopg {psycopg.__version__} ({psycopg.pq.__impl__})"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}"


def versions() -> str:
    from importlib.metadata import version

    names = ("typer", "rich", "sqlmodel", "sqlalchemy", "pydantic")
    found = ", ".join(f"{n} {version(n)}" for n in names)
    return f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {found}"


def harness_name(choice: str) -> str:
    if choice == "auto":
        return "hyperfine" if shutil.which("hyperfine") else "python"
    return choice


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=("small", "large", "huge"), default="large")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (at least 5)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--harness", choices=("auto", "hyperfine", "python"), default="auto")
    parser.add_argument("--smoke", action="store_true", help="run each command once, check exit codes; no timing")
    parser.add_argument("--strict", action="store_true", help="with --smoke: a missing command fails too")
    parser.add_argument(
        "--only", help="only commands whose label contains one of these comma-separated words (floors always run)"
    )
    parser.add_argument("--lang", default="zh", help="SD_LANG for sd (default zh, the users' language)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="where journals are kept")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get(POSTGRES_ENV) or None,
        help=f"also time the read commands on this PostgreSQL database, beside SQLite (default ${POSTGRES_ENV});"
        " the journal is copied into its schema sd_bench_SIZE once",
    )
    parser.add_argument("--postgres-only", action="store_true", help="with --postgres: only the PostgreSQL section")
    parser.add_argument("--postgres-schema", help="the schema the journal is copied into (default sd_bench_SIZE)")
    args = parser.parse_args(argv)
    if not FLOOR.is_file():
        parser.error(
            f"the floor ({FLOOR}) is not there: the ratios are read against it. Point SD_BENCH_FLOOR at a floor.py"
        )
    if args.postgres_only and not args.postgres:
        parser.error(f"--postgres-only needs --postgres URL (or ${POSTGRES_ENV})")
    if not args.smoke and args.runs < 5:
        parser.error("--runs must be at least 5")

    data = args.data_dir.resolve()
    journal = data / f"{args.size}.sqlite"
    info_path = journal.with_suffix(".json")
    if not journal.exists() or not info_path.exists():
        print(f"Making the {args.size} journal first ({journal}) …", file=sys.stderr, flush=True)
        generate(args.size, journal, force=True)
    info = json.loads(info_path.read_text(encoding="utf-8"))
    scratch = data / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    env = base_env(journal, info["today"], args.lang)
    bring_up_to_date(journal, env)
    facts = journal_facts(journal)
    cases = make_cases(args.size, journal, scratch, facts)
    pairs: list[tuple[Case, Case]] = []
    postgres: dict[str, Any] | None = None
    if args.postgres:
        postgres = postgres_copy(journal, args.postgres, schema=args.postgres_schema)
        pairs = postgres_pairs(facts, postgres["url"])
    if args.postgres_only:
        cases = []
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        cases = [c for c in cases if c.group == "floor" or any(w in c.label for w in wanted)]
        pairs = [pair for pair in pairs if any(w in pair[0].label for w in wanted)]
    try:
        return _measure(args, journal, info, scratch, env, cases, pairs, postgres)
    finally:  # the copies, and the backups sd makes of them (before an import, say)
        for path in [*scratch.glob(f"{journal.stem}-*.sqlite*"), *scratch.glob(f"backups/{journal.stem}-*")]:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            (scratch / "backups").rmdir()


def _measure(
    args: argparse.Namespace,
    journal: Path,
    info: dict[str, Any],
    scratch: Path,
    env: dict[str, str],
    cases: list[Case],
    pairs: list[tuple[Case, Case]],
    postgres: dict[str, Any] | None,
) -> int:
    write_copy = scratch / f"{journal.stem}-write.sqlite"
    fresh(journal, write_copy)
    preflight(cases, env, journal)
    both = [case for pair in pairs for case in pair]  # SQLite and PostgreSQL in turn, command by command
    preflight(both, env, journal)
    fresh(journal, write_copy)  # timed writes start from the generated journal too
    counts = ", ".join(f"{k} {v:,}" for k, v in info["counts"].items() if k in ("account", "deal", "visit", "followup"))
    print(f"# sd benchmark — {args.size} journal ({counts}; {info['bytes'] / 1e6:,.1f} MB)")
    print(f"date {dt.date.today().isoformat()} · {machine()}")
    print(versions())
    if info.get("missing_indexes"):
        how = "created from store/models.py" if info.get("created_missing_indexes") else "MISSING from the journal"
        print(f"note: indexes the migrations lack ({', '.join(info['missing_indexes'])}): {how}")
    if postgres:
        print(f"{postgres_versions(postgres['url'])}: the journal in schema {postgres['schema']}")
    if args.smoke:
        every = cases + both
        bad = [c for c in every if c.status == "failed" or (args.strict and c.status == "missing")]
        for case in every:
            where = " (PostgreSQL)" if case.group == "postgres" else " (SQLite)" if case.group == "sqlite" else ""
            print(f"{case.status:>8}  {case.label}{where}" + (f"  — {case.note}" if case.note else ""))
        print(
            f"smoke: {len(every) - len(bad)} of {len(every)} passed" + (" (missing allowed)" if not args.strict else "")
        )
        return 1 if bad else 0

    harness = harness_name(args.harness)
    print(
        f"harness {harness}: {args.warmup} warm-up + {args.runs} runs per command; SD_LANG={args.lang}; "
        f"journal generated in {info['generated_seconds']} s"
    )
    print()
    load_before = os.getloadavg()
    started = time.perf_counter()
    run = run_hyperfine if harness == "hyperfine" else run_python
    rows: list[dict[str, Any]] = []
    if cases:
        run(cases, env, journal, args.warmup, args.runs)
        rows = evaluate(cases)
        print(markdown(rows))
        print()
    pg_rows: list[dict[str, Any]] = []
    if postgres:
        run_pairs(pairs, env, journal, args.warmup, args.runs)
        pg_rows = evaluate_postgres(pairs)
        role = f"as the rep {BENCH_USER} (a login role in sd_rep)" if postgres["as_rep"] else "as the URL's role"
        how = "psycopg (SD_PG_READER=psycopg)" if os.environ.get("SD_PG_READER") else "sd's libpq reader"
        print(f"## PostgreSQL beside SQLite (the same journal; PostgreSQL {role}, on {redact(postgres['url'])})")
        print()
        print(
            f"Reads through {how}. Each command alternates with its SQLite twin run by run ({args.warmup} warm-up"
            f" + {args.runs} runs each); the server runs on this machine, so its time is in the wall clock, not"
            " in the cpu column (the client's). The verdict reads the wall-clock ratio."
        )
        print()
        print(markdown_postgres(pg_rows))
        print()
    load_after = os.getloadavg()
    print(
        f"({time.perf_counter() - started:.0f} s. Ratios: a median over the floor's median (PostgreSQL's: over "
        f"SQLite's) in the same run; the verdict reads the wall-clock ratio, the CPU (user+system) ratio is a "
        f"cross-check that other load on the machine disturbs less. Load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after, on {os.cpu_count()} cores.)"
    )
    if args.json:
        found = {"size": args.size, "info": info, "rows": rows}
        if postgres:
            found["postgres"] = {"rows": pg_rows, **{k: v for k, v in postgres.items() if not k.endswith("url")}}
        args.json.write_text(json.dumps(found, ensure_ascii=False, indent=2))
    return 1 if any(c.status == "failed" for c in cases + both) else 0


def redact(url: str) -> str:
    from salesdiary.store.paths import redact_url

    return redact_url(url)


if __name__ == "__main__":
    sys.exit(main())
