"""The benchmark still works: CI runs it on the small journal as a smoke test (no timing claims)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOOR = ROOT.parent / "shared" / "bench" / "floor.py"

pytestmark = pytest.mark.skipif(not FLOOR.is_file(), reason="no ../shared/bench/floor.py beside the project")


def test_benchmark_smoke_runs_every_command_on_the_small_journal(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--size", "small", "--smoke", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    statuses = {
        line.split(None, 1)[1].split("  — ")[0]: line.split()[0]
        for line in lines
        if line[:8].strip()
        in (
            "ok",
            "missing",
            "failed",
        )
    }
    # the floor, the help and read commands, the write, export and import are all there, and none failed
    for label in ("floor --help", "floor table DB", "floor write DB", "sd --help", "sd deal --help", "sd account list"):
        assert statuses.get(label) == "ok", proc.stdout
    assert any(label.startswith("sd visit add") for label in statuses), proc.stdout
    assert any(label.startswith("sd export visits") for label in statuses), proc.stdout
    assert any(label.startswith("sd import deals") for label in statuses), proc.stdout
    assert "failed" not in statuses.values(), proc.stdout
    assert lines[-1].startswith("smoke: "), proc.stdout
    # the generator described the journal it made
    info = json.loads((tmp_path / "small.json").read_text(encoding="utf-8"))
    assert info["counts"]["account"] > 0 and info["counts"]["visit"] > 0


def test_benchmark_smoke_on_postgresql_runs_every_read_command_on_both_databases(tmp_path: Path) -> None:
    import pgtools

    base = pgtools.base_url()  # skip (fail on CI) without a server
    with pgtools.schema() as (schema, _url):
        args = ["--size", "small", "--smoke", "--data-dir", str(tmp_path), "--postgres-only"]
        args += ["--postgres", base, "--postgres-schema", schema]
        proc = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "run.py"), *args], capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        lines = [line for line in proc.stdout.splitlines() if line[:8].strip() in ("ok", "missing", "failed")]
        on = {where: [line for line in lines if line.endswith(f"({where})")] for where in ("SQLite", "PostgreSQL")}
        # completion of an account name, and 9 read commands (sd forecast and sd next among them), each also --json
        assert len(on["SQLite"]) == len(on["PostgreSQL"]) == 19, proc.stdout
        assert any("sd visit list --owner all --json" in line for line in on["PostgreSQL"]), proc.stdout
        assert any("complete account name" in line for line in on["PostgreSQL"]), proc.stdout
        assert all(line.split()[0] == "ok" for line in lines), proc.stdout
        # a second run finds the copy in place and does not load it again
        again = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "run.py"), *args], capture_output=True, text=True, timeout=600
        )
        assert again.returncode == 0 and "Loading" in proc.stderr and "Loading" not in again.stderr, again.stderr
