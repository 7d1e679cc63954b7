"""sd on PostgreSQL: opening, `sd db upgrade`, schema versions, passwords never shown, the same JSON as SQLite.

Needs a server: SD_TEST_DATABASE_URL (see tests/pgtools.py). Without it these tests skip and say how to
enable them; with CI=true they fail instead. Each test works in a fresh schema of that database.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pgtools
from conftest import run_sd
from salesdiary.store.version import SCHEMA_HEAD


@pytest.fixture
def pg(monkeypatch):  # noqa: ANN001, ANN201
    """SD_DATABASE_URL → a fresh, empty schema; yields the URL (sd_app, the owner of the schema)."""
    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        yield url


@pytest.fixture
def team(pg):  # noqa: ANN001, ANN201
    """A schema created by `sd db upgrade`."""
    result = run_sd("db", "upgrade")
    assert result.exit_code == 0, result.output
    return pg


def schema_of(url: str) -> str:
    return re.search(r"search_path%3D(\w+)", url).group(1)


# Opening and upgrading ----------------------------------------------------------------------------------------


def test_an_empty_database_is_not_created_by_a_rep_command_but_by_sd_db_upgrade(sd, pg):
    refused = sd("account", "add", "Acme")
    assert refused.exit_code == 1
    assert "has no sd tables yet" in refused.stderr and "sd db upgrade" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert sd("account", "list").exit_code == 1  # reads too: there is nothing to read
    created = sd("db", "upgrade")
    assert created.exit_code == 0, created.output
    assert "Created sd's tables" in created.stderr and SCHEMA_HEAD in created.stderr
    again = sd("db", "upgrade")
    assert again.exit_code == 0 and "up to date" in again.stderr
    assert sd("account", "add", "Acme").exit_code == 0
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["Acme"]
    status = sd("db", "status", "--json").json()
    assert status["schema"] == SCHEMA_HEAD and status["state"] == "current"
    assert status["user"] == "sd_app" and status["manager"] is True  # the owner of the tables


def test_an_older_schema_asks_for_sd_db_upgrade_which_brings_it_up_to_date(sd, pg):
    from alembic import command
    from sqlalchemy import create_engine

    from salesdiary.store.migrate import alembic_config
    from salesdiary.store.pg import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(pg))
    with engine.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0001")
    engine.dispose()
    for args in (("account", "add", "Acme"), ("account", "list")):
        refused = sd(*args)
        assert refused.exit_code == 1
        assert f"schema 0001; this sd needs {SCHEMA_HEAD}" in refused.stderr and "sd db upgrade" in refused.stderr
    upgraded = sd("db", "upgrade")
    assert upgraded.exit_code == 0 and f"from schema 0001 to {SCHEMA_HEAD}" in upgraded.stderr
    assert sd("account", "add", "Acme").exit_code == 0


def test_a_newer_schema_can_be_read_but_not_written(sd, team):
    assert sd("account", "add", "Acme").exit_code == 0
    with pgtools.admin() as con:
        con.execute(f"UPDATE {schema_of(team)}.alembic_version SET version_num = '0099'")
    from salesdiary.store.engine import dispose_all

    dispose_all()
    for args in (("account", "add", "Other"), ("account", "edit", "Acme", "--region", "East")):
        refused = sd(*args)
        assert refused.exit_code == 1, refused.output
        assert "upgraded by a newer sd (schema 0099" in refused.stderr and "Nothing was written" in refused.stderr
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["Acme"]
    assert [a["region"] for a in sd("account", "list", "--json").json()] == [None]
    refused = sd("db", "upgrade")
    assert refused.exit_code == 1 and "newer sd" in refused.stderr


def test_the_schema_on_postgresql_is_exactly_the_models(sd, team):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    from sqlmodel import SQLModel

    import salesdiary.store.models  # noqa: F401
    from salesdiary.store.pg import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(team))
    try:
        with engine.connect() as connection:
            # beyond the models: migration 0011's text_pattern_ops index (PostgreSQL only; test_log_postgres.py)
            prefix_indexes = {"ix_account_name_key_prefix"}
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_object": lambda o, name, kind, *_: not (kind == "index" and name in prefix_indexes),
                },
            )
            assert compare_metadata(context, SQLModel.metadata) == []
            assert context.get_current_revision() == SCHEMA_HEAD
    finally:
        engine.dispose()
    # names and owners sort by code point, as on SQLite, whatever the server's locale
    with pgtools.admin() as con:
        collations = con.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns"
            " WHERE table_schema = %s AND column_name IN ('name', 'owner')"
            " AND table_name IN ('account', 'contact', 'deal', 'visit', 'followup') ORDER BY 1, 2",
            (schema_of(team),),
        ).fetchall()
    assert {(t, c): n for t, c, n in collations} == {
        ("account", "name"): "C",
        ("account", "owner"): "C",
        ("contact", "name"): "C",
        ("deal", "name"): "C",
        ("deal", "owner"): "C",
        ("followup", "owner"): "C",
        ("visit", "owner"): "C",
    }
    for name in ("zeta", "Beta", "acme", "Äpfel", "华东", "Zulu", "_x", "10号", "2号"):
        assert sd("account", "add", name).exit_code == 0
    listed = [a["name"] for a in sd("account", "list", "--json").json()]
    assert listed == sorted(listed)  # Python sorts by code point, as SQLite does


def test_kept_figures_follow_a_load_of_many_deals_in_one_transaction_without_filling_the_lock_table(sd, team):
    """The markers' trigger locks each deal's row, not an advisory lock per deal: a restore or an import of
    thousands of deals in one transaction would run the server out of lock slots (max_locks_per_transaction)."""
    import psycopg

    from salesdiary.store.connection import PsycopgReader
    from salesdiary.store.reads.kept_figures import disagreements

    with psycopg.connect(pgtools.libpq(team)) as con:
        account = con.execute(
            "INSERT INTO account (name, name_key, info_stage, owner, created_by, reported_at, created_at, updated_at)"
            " VALUES ('Load', 'load', 'lead', 'sd_app', 'sd_app', now(), now(), now()) RETURNING id"
        ).fetchone()[0]
        deals = [
            row[0]
            for row in con.execute(
                "INSERT INTO deal (account_id, name, currency, playbook, stage, stage_entered_on, status, owner,"
                " created_by, created_at, updated_at) SELECT %s, 'D' || n, 'CNY', 'ten_step', 'project_info',"
                " '2026-11-25', 'open', 'sd_app', 'sd_app', now(), now() FROM generate_series(1, 300) n RETURNING id",
                (account,),
            ).fetchall()
        ]
        with con.cursor() as cur:
            cur.executemany(
                "INSERT INTO stage_history (deal_id, playbook, stage, entered_on, forced)"
                " VALUES (%s, 'ten_step', 'project_info', '2026-11-25', false)",
                [(d,) for d in deals],
            )
            cur.executemany(
                "INSERT INTO deal_marker (deal_id, stage, marker, checked_on) VALUES (%s, 'project_info', %s, now())",
                [(d, m) for d in deals for m in ("budget", "customer_name")],
            )
        held = con.execute("SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()").fetchone()[0]
        assert held < 50, held  # a few table locks, however many deals
        assert set(disagreements(PsycopgReader(con)).values()) == {0}
        marked = con.execute("SELECT DISTINCT markers FROM stage_history WHERE deal_id = ANY(%s)", (deals,)).fetchall()
        assert marked == [(",budget,customer_name,",)]


def test_the_url_may_be_written_the_libpq_way_and_set_in_the_config(sd, team, monkeypatch, isolated):
    libpq = "postgresql://" + team.split("://", 1)[1]
    monkeypatch.delenv("SD_DATABASE_URL")
    monkeypatch.delenv("SD_DB")  # it would come before the config
    assert sd("config", "set", "database.url", libpq).exit_code == 0
    assert sd("account", "add", "Acme").exit_code == 0  # a write (SQLAlchemy) …
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["Acme"]  # … and a read (psycopg)
    assert not (isolated / "journal.sqlite").exists()


# Passwords -------------------------------------------------------------------------------------------------


def wrong_password_url(url: str) -> str:
    return re.sub(r"://([^:]+):([^@]*)@", r"://\1:Secret-Pw-9417@", url)


def test_a_wrong_password_is_one_line_without_the_password(sd, team, monkeypatch):
    bad = wrong_password_url(team)
    monkeypatch.setenv("SD_DATABASE_URL", bad)
    for args in (("account", "list"), ("account", "add", "Acme"), ("db", "upgrade"), ("db", "status")):
        result = sd(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "Secret-Pw-9417" not in result.output
        assert "Cannot connect to the database" in result.stderr and "password authentication failed" in result.stderr
        assert "***" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.output


@pytest.fixture
def login(team):  # noqa: ANN001, ANN201
    """login(group) → (role, password, URL): a new login role in GROUP on the test schema; dropped after."""
    made: list[str] = []

    def make(group: str = "sd_rep") -> tuple[str, str, str]:
        name, password = pgtools.make_role(group, "mgr" if group == "sd_manager" else "rep")
        made.append(name)
        return name, password, pgtools.with_login(pgtools.base_url(), name, password, schema_of(team))

    yield make
    pgtools.drop_roles(made)


def test_passwords_are_not_in_config_show_doctor_history_or_errors(sd, login, monkeypatch):
    user, real, url = login("sd_manager")
    monkeypatch.delenv("SD_DATABASE_URL")
    monkeypatch.delenv("SD_DB")
    assert sd("config", "set", "database.url", url).exit_code == 0
    shown = sd("config", "show", "--json")
    assert real not in shown.stdout and shown.json()["database.url"].count("***") == 1
    assert real not in sd("config", "show").output
    doctor = sd("doctor", "--json")
    assert doctor.exit_code == 0, doctor.output
    assert real not in doctor.output
    checks = {c["name"]: c for c in doctor.json()}
    assert checks["schema"]["status"] == "ok" and user in checks["you"]["detail"]
    assert sd("--db", url, "account", "add", "Acme").exit_code == 0  # the command line is kept in history
    history = sd("history", "--json")
    assert real not in history.output and "***" in history.output
    # the same password from PGPASSWORD (libpq reads it), never shown either
    no_password = re.sub(r"://([^:]+):[^@]*@", r"://\1@", url)
    monkeypatch.setenv("PGPASSWORD", real)
    assert sd("config", "set", "database.url", no_password).exit_code == 0
    assert [a["name"] for a in sd("account", "list", "--json").json()] == ["Acme"]
    monkeypatch.setenv("PGPASSWORD", "Secret-Pw-9417")
    result = sd("account", "list")
    assert result.exit_code == 1 and "Secret-Pw-9417" not in result.output
    assert "password authentication failed" in result.stderr
    doctor = sd("doctor", "--json")
    assert doctor.exit_code == 1 and "Secret-Pw-9417" not in doctor.output


def test_a_password_in_the_query_string_is_hidden_too():
    from salesdiary.store.paths import redact_url

    shown = redact_url("postgresql://rep@db.example/sales?sslmode=require&password=hunter22&application_name=sd")
    assert "hunter22" not in shown and "password=***" in shown and "sslmode=require" in shown


def test_a_server_that_is_down_is_one_clear_line(sd, monkeypatch):
    pytest.importorskip("psycopg")
    monkeypatch.setenv("SD_DATABASE_URL", "postgresql://rep:Secret-Pw-9417@127.0.0.1:1/sales")
    for args in (("account", "list"), ("account", "add", "Acme"), ("db", "upgrade")):
        result = sd(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("sd: error: Cannot connect to the database postgresql://rep:***@127.0.0.1:1")
        assert len(result.stderr.strip().splitlines()) == 1 and "Secret-Pw-9417" not in result.output
    doctor = sd("doctor", "--json")
    assert doctor.exit_code == 1 and "Secret-Pw-9417" not in doctor.output
    assert {c["name"]: c["status"] for c in doctor.json()}["database"] == "fail"


def test_without_the_driver_sd_says_how_to_install_it(sd, monkeypatch):
    # no server needed: the driver is looked for before connecting
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.setenv("SD_DATABASE_URL", "postgresql://rep:pw@127.0.0.1:1/none")
    for args in (("account", "list"), ("account", "add", "Acme")):
        result = sd(*args)
        assert result.exit_code == 1, result.output
        assert "pip install 'salesdiary[postgres]'" in result.stderr
        assert "pw@" not in result.output


# The same journal, the same answers ----------------------------------------------------------------------------

PARITY_COMMANDS = [
    "account list --json",
    "account show 1 --json",
    "contact list --json --all",
    "contact show 1 --json",
    "deal list --status all --json --all",
    "deal show 1 --json",
    "deal show 2 --json",
    "visit list --json --all",
    "visit show 1 --json",
    "followup list --status all --json --all",
    "due --days 30 --json",
    "today --json",
    "funnel --json",
    "funnel --playbook six_step --json",
    "funnel --by owner --json",
    "check --json",
    "check --json --limit 1",
    "check --json --all",
    "deal markers Carry --json",
    "map 1 --json",
    "report week --format json",
    "report month --format json",
    "receivable list --status all --json",
    "qualify 1 --json",
    "export accounts --format json",
    "export contacts --format json --include-personal",
    "export deals --format json",
    "export visits --format json",
    "export followups --format json",
    "export stages --format json",
    "export deals --since 2026-11-01 --until 2026-11-25 --format json",
    "history --json --limit 100",
]
MOMENT = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")


def normalised(text: str) -> str:
    """Output with the moments of writing (which differ between two runs) blanked; dates stay."""
    return MOMENT.sub("<time>", text)


@pytest.fixture(scope="module")
def two_journals(tmp_path_factory):  # noqa: ANN001, ANN201
    """The demo journal twice: in SQLite and in PostgreSQL (same user name), built by the installed sd."""
    pgtools.base_url()  # skip (fail on CI) without a server
    folder = tmp_path_factory.mktemp("parity")
    config = folder / "config.toml"
    config.write_text('[user]\nname = "sd_app"\n', encoding="utf-8")  # the PostgreSQL role of the URL
    env = {k: v for k, v in os.environ.items() if k not in ("SD_DATABASE_URL", "SD_DB")}
    env.update(SD_CONFIG=str(config), SD_TODAY="2026-11-25", SD_LANG="en", NO_COLOR="1")
    sqlite_env = {**env, "SD_DB": str(folder / "journal.sqlite")}
    sd_bin = str(Path(sys.executable).parent / "sd")
    with pgtools.schema() as (_name, url):
        pg_env = {**env, "SD_DATABASE_URL": url}
        for where in (sqlite_env, pg_env):
            if where is pg_env:
                subprocess.run([sd_bin, "db", "upgrade"], env=where, check=True, capture_output=True)
            done = subprocess.run([sd_bin, "demo"], env=where, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            # a few more writes of each kind, so the comparison covers them
            for args in (
                ["deal", "advance", "1", "--force", "--reason", "test"],
                ["receivable", "add", "3", "--amount", "1000", "--due", "2026-11-01"],
                # money in a second currency: every sum must stay per currency on both databases
                [
                    "deal",
                    "add",
                    "Export USD",
                    "--account",
                    "1",
                    "--amount",
                    "30000",
                    "--currency",
                    "USD",
                    "--stage",
                    "4",
                ],
                [
                    "deal",
                    "add",
                    "Export won",
                    "--account",
                    "2",
                    "--amount",
                    "20000",
                    "--currency",
                    "USD",
                    "--stage",
                    "9",
                ],
                ["deal", "won", "Export won"],
                ["receivable", "add", "Export won", "--amount", "20000", "--due", "2026-11-10"],
                # cases of the rules the books imply (tests/test_rules.py), for both databases' SQL
                [
                    "deal",
                    "add",
                    "Window",
                    "--account",
                    "1",
                    "--amount",
                    "500000",
                    "--stage",
                    "2",
                    "--close",
                    "2028-01-01",
                ],
                ["deal", "add", "Six", "--account", "2", "--playbook", "six_step", "--stage", "5", "--amount", "900万"],
                ["qualify", "Six", *[x for n in range(1, 6) for x in ("--answer", f"{n}=no")]],
                ["contact", "add", "Foe", "--account", "2", "--role", "decision_maker", "--stance", "opponent"],
                ["deal", "add", "Blind", "--account", "1", "--stage", "3"],
                # 《销售业务手册》's account rules, and a six-step start marker met on entering its stage
                ["account", "add", "Handbook", "--info-stage", "qualified", "--relation", "B"],
                [
                    "contact",
                    "add",
                    "Keyman",
                    "--account",
                    "Handbook",
                    "--role",
                    "decision_maker",
                    "--relationship",
                    "trusting",
                ],
                ["visit", "add", "--account", "Handbook", "--date", "2026-09-01", "--summary", "Old"],
                ["deal", "add", "Carry", "--account", "2", "--playbook", "six_step"],
                ["deal", "markers", "Carry", "--check", "opportunity_found"],
                ["deal", "advance", "Carry"],
                ["visit", "add", "--account", "1", "--summary", "50% done: 'quoted' \\ ok", "--follow-up", "+2d"],
                ["followup", "done", "1"],
                ["undo"],
            ):
                step = subprocess.run([sd_bin, *args], env=where, capture_output=True, text=True)
                assert step.returncode in (0, 1), (args, step.stderr)
        yield {"sqlite": sqlite_env, "postgres": pg_env}


@pytest.mark.parametrize("command", PARITY_COMMANDS)
def test_every_read_command_gives_the_same_json_on_both_databases(two_journals, command, monkeypatch):
    outputs = {}
    for backend, env in two_journals.items():
        for name in ("SD_DB", "SD_DATABASE_URL", "SD_CONFIG"):
            if name in env:
                monkeypatch.setenv(name, env[name])
            else:
                monkeypatch.delenv(name, raising=False)
        result = run_sd(*command.split())
        assert result.exit_code in (0, 1), (backend, result.output)
        outputs[backend] = (result.exit_code, normalised(result.stdout))
        from salesdiary.store.engine import dispose_all

        dispose_all()
    assert outputs["sqlite"][0] == outputs["postgres"][0]
    sqlite_out, pg_out = outputs["sqlite"][1], outputs["postgres"][1]
    if sqlite_out != pg_out:  # show the first difference, not two walls of JSON
        a, b = json.loads(sqlite_out), json.loads(pg_out)
        assert a == b
    assert sqlite_out.strip(), command


def test_the_handbook_rules_and_the_carried_marker_on_both(two_journals, monkeypatch):
    for env in two_journals.values():
        for name in ("SD_DB", "SD_DATABASE_URL", "SD_CONFIG"):
            monkeypatch.setenv(name, env[name]) if name in env else monkeypatch.delenv(name, raising=False)
        found = {(f["rule"], f["name"]) for f in run_sd("check", "--json", "--all").json()}
        for rule in ("info_stage_unmet", "could_be_prospect", "visit_cadence"):
            assert (rule, "Handbook") in found, rule
        markers = run_sd("deal", "markers", "Carry", "--json").json()
        assert [m["key"] for m in markers if m["met"]] == ["opportunity_found"]
        # a Monday the 28th: next month's plan is due, and nothing is planned in February 2030
        monkeypatch.setenv("SD_NOW", "2030-01-28 18:00")
        monkeypatch.delenv("SD_TODAY", raising=False)
        plans = [f for f in run_sd("check", "--json", "--rule", "plan_missing").json()]
        assert [(f["name"], f["first"], f["last"]) for f in plans] == [("Next month", "2030-02-01", "2030-02-28")]
        monkeypatch.delenv("SD_NOW")
        from salesdiary.store.engine import dispose_all

        dispose_all()


def test_booleans_are_true_or_false_in_json_on_both(two_journals, monkeypatch):
    for env in two_journals.values():
        for name in ("SD_DB", "SD_DATABASE_URL", "SD_CONFIG"):
            monkeypatch.setenv(name, env[name]) if name in env else monkeypatch.delenv(name, raising=False)
        contacts = run_sd("contact", "list", "--json", "--all").json()
        assert {c["coach"] for c in contacts} == {True, False}
        stages = run_sd("export", "stages", "--format", "json").json()
        assert {s["forced"] for s in stages} == {True, False}
        from salesdiary.store.engine import dispose_all

        dispose_all()


# The tests skip without a server, and fail on CI -----------------------------------------------------------


def test_without_a_server_the_tests_skip_saying_how_and_fail_on_ci(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SD_TEST_DATABASE_URL", "CI")}
    args = [sys.executable, "-m", "pytest", "-rsf", __file__, "-k", "older_schema", "-p", "no:randomly"]
    here = Path(__file__).parent.parent
    skipped = subprocess.run(args, env=env, capture_output=True, text=True, cwd=here)
    assert skipped.returncode == 0, skipped.stdout
    assert "SKIPPED [1]" in skipped.stdout and "SD_TEST_DATABASE_URL is not set" in skipped.stdout
    assert "postgres.sh start" in skipped.stdout
    failed = subprocess.run(args, env={**env, "CI": "true"}, capture_output=True, text=True, cwd=here)
    assert failed.returncode == 1, failed.stdout  # an error at set-up: the run fails
    assert "must run, not skip" in failed.stdout and "SKIPPED" not in failed.stdout


def test_sums_stay_per_currency_on_both_databases(two_journals, monkeypatch):
    """The parity journal holds USD deals beside the demo's CNY ones: both databases keep them apart alike."""
    for env in two_journals.values():
        for name in ("SD_DB", "SD_DATABASE_URL", "SD_CONFIG"):
            if name in env:
                monkeypatch.setenv(name, env[name])
            else:
                monkeypatch.delenv(name, raising=False)
        funnel = run_sd("funnel", "--json").json()
        assert funnel["currencies"] == ["CNY", "USD"] and funnel["totals"]["amount"] is None
        assert funnel["totals"]["amount_by_currency"]["USD"] == 30_000
        owed = run_sd("receivable", "list", "--json").json()["totals"]["outstanding_by_currency"]
        assert owed.get("USD") == 20_000
