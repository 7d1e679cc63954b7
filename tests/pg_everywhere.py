"""Run any test file against PostgreSQL instead of SQLite (a diagnostic, not part of the normal run):

    SD_TEST_DATABASE_URL=… .venv/bin/python -m pytest -p tests.pg_everywhere tests/test_deals.py

Every test then works on a fresh PostgreSQL schema (SD_DATABASE_URL), created with `sd db upgrade`. Tests
that open the SQLite file themselves, or test SQLite itself (backups, file permissions, WAL), fail by
design; the rest show whether the commands behave the same on both databases.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pgtools  # noqa: E402


@pytest.fixture(autouse=True)
def _on_postgres(isolated, monkeypatch):  # noqa: ANN001, ANN202
    from salesdiary.store.migrate import upgrade_database
    from salesdiary.store.paths import Target

    with pgtools.schema() as (_name, url):
        monkeypatch.setenv("SD_DATABASE_URL", url)
        upgrade_database(Target(url=url))
        yield
